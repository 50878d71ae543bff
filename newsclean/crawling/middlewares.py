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

from newsclean.crawling.items import FEED, PAGE_KINDS, SITEMAP, START
from newsclean.crawling.revisits import HINT, mark_revisit
from newsclean.crawling.state import CrawlState, crawl_state
from newsclean.crawling.urls import canonical_url


class SeenFilter:
    """A page link is requested once a run, within its site's max_pages; an exported one only as a revisit.

    Sits next to the spider, so what it drops never spends a site's budget: a URL an earlier
    run exported costs nothing (unless its site's refresh policy makes it a revisit, which
    counts), and a page of a million links ends at the cap. Start pages are
    always fetched (their links may be new). Sitemaps and feeds have budgets of their own, each
    at most the site's max_pages: NEWSCLEAN_MAX_SITEMAPS fetches, NEWSCLEAN_SITEMAP_DEPTH levels
    of sitemap indexes, NEWSCLEAN_MAX_FEEDS feeds, so an endless tree of indexes ends too.
    """

    def __init__(self, crawler, state: CrawlState) -> None:
        self.stats = crawler.stats
        self.state = state
        self._budget: Counter[str] = Counter()
        self._scheduled: set[str] = set()
        self._passed: set[str] = set()  # exported URLs found this run and not requested
        settings = crawler.settings
        self._aux_caps = {
            SITEMAP: settings.getint("NEWSCLEAN_MAX_SITEMAPS", 100),
            FEED: settings.getint("NEWSCLEAN_MAX_FEEDS", 20),
        }
        self._max_depth = settings.getint("NEWSCLEAN_SITEMAP_DEPTH", 3)
        self._aux: Counter[tuple[str, str]] = Counter()

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
        if not isinstance(obj, Request):
            return True
        kind = obj.meta.get("kind")
        site = self.state.sites.get(obj.meta.get("site"))
        if site is None:
            return True
        if kind in self._aux_caps:
            return self._admit_aux(obj, kind, site.name, site.max_pages)
        if kind not in PAGE_KINDS:
            return True
        url = canonical_url(obj.url)  # tracking and fragment variants are one page
        if url in self._scheduled:
            return False
        if url in self._passed and obj.meta.get(HINT) is None:
            return False  # known, not due: only a sitemap's or feed's hint may change that
        if self._budget[site.name] >= site.max_pages:  # checked first: cheap, and ends link floods
            self.stats.inc_value(f"newsclean/max_pages_reached/{site.name}")
            return False
        run = self.state.run
        if kind != START and run is not None and run.seen_url(url) and not self._revisit(obj, site):
            if url not in self._passed:
                self._passed.add(url)
                self.stats.inc_value("newsclean/skipped_seen_urls")
            return False
        self._passed.discard(url)
        self._scheduled.add(url)
        self._budget[site.name] += 1
        return True

    def _revisit(self, request: Request, site) -> bool:
        """An exported URL the site's refresh policy asks for again: made a conditional request."""
        run = self.state.run
        record = run.revisit(request.url, site.refresh_after, site.refresh_until, request.meta.get(HINT))
        if record is None:
            return False
        mark_revisit(request, record.etag, record.last_modified)
        self.stats.inc_value("newsclean/revisits/requested")
        return True

    def _admit_aux(self, request: Request, kind: str, site: str, max_pages: int) -> bool:
        if kind == SITEMAP and request.meta.get("sitemap_depth", 0) > self._max_depth:
            self.stats.inc_value(f"newsclean/sitemap_depth_reached/{site}")
            return False
        if self._aux[kind, site] >= min(self._aux_caps[kind], max_pages):
            self.stats.inc_value(f"newsclean/max_{kind}s_reached/{site}")
            return False
        self._aux[kind, site] += 1
        return True
