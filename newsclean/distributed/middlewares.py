"""The distributed crawl's spider middleware: links to pages any worker exported are not followed."""

from __future__ import annotations

from scrapy import Request

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
        for obj in self._unseen(output):
            yield obj

    def process_spider_output(self, response, result, spider=None):
        yield from self._unseen(list(result))

    def _unseen(self, output: list) -> list:
        asked = [o for o in output if isinstance(o, Request) and not o.dont_filter]
        if not asked:
            return output
        store = self._store()
        try:
            if store is None:
                raise RedisUnavailableError("Redis unavailable")
            seen = store.seen_urls([r.url for r in asked])
        except RedisUnavailableError as err:
            if store is not None:
                stop_worker(self.crawler, str(err))
            seen = [True] * len(asked)  # the worker is stopping: queue nothing more
        drop = {id(r) for r, s in zip(asked, seen, strict=True) if s}
        if drop:
            self.crawler.stats.inc_value("newsclean/skipped_seen_urls", len(drop))
        return [o for o in output if id(o) not in drop]
