"""Spider middlewares of a scheduled crawl.

:class:`SeenFilter` is the local seen-check: the distributed mode adds its shared one
(``SharedSeenFilter``, nearer the engine) the same way. The robots.txt downloader middleware
is in :mod:`newsclean.crawling.robots`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request
from scrapy.exceptions import NotConfigured

from newsclean.crawling.items import PAGE_KINDS, START
from newsclean.crawling.state import CrawlState, crawl_state


class SeenFilter:
    """A page link is requested once a run, within its site's max_pages, never when exported before.

    Sits next to the spider, so what it drops never spends a site's budget: a URL an earlier
    run exported costs nothing, and a page of a million links ends at the cap. Start pages are
    always fetched (their links may be new); robots.txt, sitemaps and feeds pass untouched.
    """

    def __init__(self, crawler, state: CrawlState) -> None:
        self.stats = crawler.stats
        self.state = state
        self._budget: Counter[str] = Counter()
        self._scheduled: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        state = crawl_state(crawler)
        if state is None:
            raise NotConfigured
        return cls(crawler, state)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for obj in start:
            if self.admit(obj):
                yield obj

    def process_spider_output(self, response, result: Iterable[Any], spider=None) -> Iterator[Any]:
        for obj in result:
            if self.admit(obj):
                yield obj

    async def process_spider_output_async(self, response, result: AsyncIterator[Any], spider=None):
        async for obj in result:
            if self.admit(obj):
                yield obj

    def admit(self, obj: Any) -> bool:
        if not isinstance(obj, Request) or obj.meta.get("kind") not in PAGE_KINDS:
            return True
        site = self.state.sites.get(obj.meta.get("site"))
        if site is None:
            return True
        url = obj.url
        if url in self._scheduled:
            return False
        if self._budget[site.name] >= site.max_pages:  # checked first: cheap, and ends link floods
            self.stats.inc_value(f"newsclean/max_pages_reached/{site.name}")
            return False
        self._scheduled.add(url)
        run = self.state.run
        if obj.meta["kind"] != START and run is not None and run.seen_url(url):
            self.stats.inc_value("newsclean/skipped_seen_urls")
            return False
        self._budget[site.name] += 1
        return True
