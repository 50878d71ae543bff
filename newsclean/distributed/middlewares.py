"""The distributed crawl's spider middleware: links to pages any worker exported are not followed.

Unless the site's refresh policy makes one a revisit: then the shared store's record decides
(when it was last fetched by any worker, its validators), as the local store does for one worker.
"""

from __future__ import annotations

import time

from scrapy import Request

from newsclean.crawling.crawlrun import revisit_due
from newsclean.crawling.items import PAGE_KINDS, START
from newsclean.crawling.revisits import HINT, NOT_MODIFIED, REVISIT, header_text, mark_revisit
from newsclean.crawling.state import crawl_state
from newsclean.crawling.urls import canonical_url
from newsclean.distributed.connection import RedisUnavailableError
from newsclean.distributed.outage import stop_worker
from newsclean.distributed.store import SharedStoreComponent


class SharedSeenFilter(SharedStoreComponent):
    """Spider middleware: a link to a page any worker exported in any run is not followed.

    The worker's own seen-store knows only its own exports; this asks the shared one, once per
    page for all of its links.
    """

    async def process_spider_output_async(self, response, result, spider=None):
        output = [obj async for obj in result]
        self._not_modified(response)
        for obj in self._unseen(output):
            yield obj

    def process_spider_output(self, response, result, spider=None):
        output = list(result)
        self._not_modified(response)
        yield from self._unseen(output)

    def _not_modified(self, response) -> None:
        """A revisit answered 304: every worker must know the article's last fetch is now."""
        if response is None or response.status != NOT_MODIFIED or not response.meta.get(REVISIT):
            return
        store = self._store()
        try:
            if store is not None:
                store.touch(
                    response.request.url,
                    header_text(response.headers, "ETag"),
                    header_text(response.headers, "Last-Modified"),
                    response.meta.get("site"),
                )
        except RedisUnavailableError as err:
            stop_worker(self.crawler, str(err))

    def _due(self, store, request: Request) -> bool:
        """A link to an exported page that its site's policy, by the shared record, asks for again."""
        state = crawl_state(self.crawler)
        site = state.sites.get(request.meta.get("site")) if state is not None else None
        kind = request.meta.get("kind")
        marked = bool(request.meta.get(REVISIT))  # by the worker's own seen-filter
        due = False
        if site is not None and site.refresh_after is not None and kind in PAGE_KINDS and kind != START:
            record = store.record(request.url)
            if record is not None and record.url == canonical_url(request.url):
                hint = request.meta.get(HINT)
                due = revisit_due(record, site.refresh_after, site.refresh_until, hint, time.time())
                if due:
                    mark_revisit(request, record.etag, record.last_modified)
        if due and not marked:
            self.crawler.stats.inc_value("newsclean/revisits/requested")
        elif marked and not due:  # another worker fetched it since: not due after all
            self.crawler.stats.inc_value("newsclean/revisits/requested", -1)
        return due

    def _unseen(self, output: list) -> list:
        asked = [o for o in output if isinstance(o, Request) and not o.dont_filter]
        if not asked:
            return output
        store = self._store()
        try:
            if store is None:
                raise RedisUnavailableError("Redis unavailable")
            seen = store.seen_urls([r.url for r in asked])
            drop = {id(r) for r, s in zip(asked, seen, strict=True) if s and not self._due(store, r)}
        except RedisUnavailableError as err:
            if store is not None:
                stop_worker(self.crawler, str(err))
            drop = {id(r) for r in asked}  # the worker is stopping: queue nothing more
        if drop:
            self.crawler.stats.inc_value("newsclean/skipped_seen_urls", len(drop))
        return [o for o in output if id(o) not in drop]
