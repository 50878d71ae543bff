"""Spider and downloader middlewares of a scheduled crawl.

:class:`SeenFilter` is the local seen-check: the distributed mode adds its shared one
(``SharedSeenFilter``, nearer the engine) the same way. :class:`SitePolicy` is the downloader
middleware of the sources file's per-site settings; the robots.txt one is in
:mod:`newsclean.crawling.robots`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request
from scrapy.exceptions import NotConfigured

from newsclean.crawling.items import FEED, PAGE_KINDS, SITEMAP, START
from newsclean.crawling.revisits import HINT, mark_revisit
from newsclean.crawling.sources import Site
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


SLOT_PREFIX = "site:"  # download slots of sites with their own delay or concurrency


def apply_site_slots(crawler, sites: Iterable[Site]) -> None:
    """Add the sites' download slots to DOWNLOAD_SLOTS (before the settings freeze)."""
    slots = site_slots(sites)
    if slots and not crawler.settings.frozen:
        merged = {**crawler.settings.getdict("DOWNLOAD_SLOTS"), **slots}
        crawler.settings.set("DOWNLOAD_SLOTS", merged, priority="spider")


def site_slots(sites: Iterable[Site]) -> dict[str, dict[str, Any]]:
    """Scrapy's DOWNLOAD_SLOTS for the sites with a ``download_delay`` or ``concurrency``.

    One slot per site (all its hosts together), its delay without random jitter, so two
    requests to the site are at least ``download_delay`` apart.
    """
    from scrapy.core import downloader

    # Scrapy 2.19 names the jitter "jitter"; earlier versions know only "randomize_delay"
    no_jitter = {"jitter": 0.0} if hasattr(downloader, "_slot_jitter") else {"randomize_delay": False}
    slots = {}
    for site in sites:
        if site.download_delay is None and site.concurrency is None:
            continue
        slot: dict[str, Any] = {}
        if site.download_delay is not None:
            slot.update(delay=site.download_delay, **no_jitter)
        if site.concurrency is not None:
            slot["concurrency"] = site.concurrency
        slots[SLOT_PREFIX + site.name] = slot
    return slots


class SitePolicy:
    """A downloader middleware: each site's headers, user agent, delay and concurrency.

    It runs first (before robots.txt, so a site's user agent is the one robots.txt rules are
    read for) and on every worker at download time, so requests from the shared queue of the
    distributed mode get them too. A request's own headers win over the site's.
    """

    def __init__(self, state: CrawlState) -> None:
        self.state = state

    @classmethod
    def from_crawler(cls, crawler):
        state = crawl_state(crawler)
        if state is None:
            raise NotConfigured
        return cls(state)

    def process_request(self, request: Request, spider=None) -> None:
        site = self.state.sites.get(request.meta.get("site"))
        if site is None:
            return None
        if site.download_delay is not None or site.concurrency is not None:
            request.meta["download_slot"] = SLOT_PREFIX + site.name
            if site.download_delay is not None:
                # AutoThrottle may slow the site down further, never below its delay
                request.meta["autothrottle_dont_adjust_delay"] = True
        if site.user_agent:
            request.headers.setdefault("User-Agent", site.user_agent)
        for name, value in site.headers:
            request.headers.setdefault(name, value)
        return None
