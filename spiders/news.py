"""The ``news`` spider: crawl the sites of a sources file and clean their article pages.

``scrapy crawl news -a sources=sources.toml`` and ``newsclean crawl --sources sources.toml`` run
this same spider with the same settings, so both give the same result.

From each site's start pages it follows list and pagination links, the sitemaps named in
robots.txt (plus ``/sitemap.xml``) and RSS/Atom feeds linked from the pages. A URL exported by an
earlier run is never requested again. Article pages are recognised by the site's
``article_url_pattern`` or, without one, by the cleaning chain finding an article body.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, signals
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import SitemapSpider
from scrapy.utils.misc import load_object
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.internet import task

from newsclean.core.errors import NewscleanError
from newsclean.crawling.crawlrun import CrawlRun, LockHeldError
from newsclean.crawling.items import ArticleItem
from newsclean.crawling.sources import Site, load_sources

progress_log = logging.getLogger("newsclean.progress")

_SKIP_EXT = re.compile(r"\.({})$".format("|".join(re.escape(e) for e in IGNORED_EXTENSIONS)), re.IGNORECASE)
_FEED_PATH = re.compile(r"(\.rss|/rss|/feed|/atom|rss\.xml|atom\.xml|feed\.xml)/?$", re.IGNORECASE)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml")

# request kinds, carried in meta["kind"]
START, PAGE, ARTICLE, ROBOTS, SITEMAP, FEED = "start", "page", "article", "robots", "sitemap", "feed"


class NewsSpider(SitemapSpider):
    name = "news"
    sitemap_urls = ()

    def __init__(self, sources: str | None = None, max_pages: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources_path = sources
        self.max_pages_override = int(max_pages) if max_pages not in (None, "") else None
        self.sites: dict[str, Site] = {}
        self.run: CrawlRun | None = None
        self.closing_reason: str | None = None
        self.closing_message: str | None = None
        self.classifier = None
        self._cleaner = None
        self._budget: Counter[str] = Counter()
        self._scheduled: set[str] = set()
        self._progress: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        path = spider.sources_path or settings.get("NEWSCLEAN_SOURCES")
        try:
            if not path:
                raise NewscleanError("no sources file: pass -a sources=FILE (or set NEWSCLEAN_SOURCES)")
            sites = load_sources(path, max_pages=spider.max_pages_override)
        except NewscleanError as err:
            spider.closing_reason, spider.closing_message = "config_error", str(err)
            sites = []
        spider.sites = {s.name: s for s in sites}
        spider.allowed_domains = sorted({d for s in sites for d in s.allowed_domains})
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    # ------------------------------------------------------------ run life cycle

    def _opened(self, spider) -> None:
        if self.closing_reason:
            self.logger.error(self.closing_message)
            raise CloseSpider(self.closing_reason)
        settings = self.crawler.settings
        output = Path(settings.get("NEWSCLEAN_OUTPUT_DIR") or "output")
        state = Path(settings.get("NEWSCLEAN_STATE_DIR") or output / ".state")
        run = CrawlRun(
            output,
            state,
            prefix=settings.get("NEWSCLEAN_OUTPUT_PREFIX") or "news",
        )
        try:
            run.open()
        except LockHeldError as err:
            self.closing_reason, self.closing_message = "lock_held", str(err)
            self.logger.error(str(err))
            raise CloseSpider("lock_held") from None
        self.run = run
        self.crawler.stats.set_value("newsclean/recovered_lines", run.recovered_lines)
        try:
            self._load_cleaner()
        except NewscleanError as err:
            self.closing_reason, self.closing_message = "model_error", str(err)
            self.logger.error(str(err))
            raise CloseSpider("model_error") from None
        interval = settings.getfloat("NEWSCLEAN_PROGRESS_INTERVAL", 10.0)
        if interval > 0:
            self._progress = task.LoopingCall(self._log_progress)
            self._progress.start(interval, now=False)

    def _closed(self, spider, reason: str) -> None:
        if self._progress is not None and self._progress.running:
            self._progress.stop()
        if self.run is not None:
            path = self.run.close()
            self.crawler.stats.set_value("newsclean/output_file", str(path) if path else "")
            self.run = None

    def _load_cleaner(self) -> None:
        settings = self.crawler.settings
        self._cleaner = load_object(settings.get("NEWSCLEAN_CLEANER", "newsclean.chain.clean_document"))
        if settings.getbool("NEWSCLEAN_LOAD_CLASSIFIER", True):
            from newsclean.classifiers.model import load_classifier

            self.classifier = load_classifier(settings.get("NEWSCLEAN_MODEL") or None)

    def _log_progress(self) -> None:
        stats = self.crawler.stats
        progress_log.info(
            "progress: %d pages fetched, %d articles written, %d duplicates skipped, %d pages skipped",
            stats.get_value("response_received_count", 0),
            stats.get_value("newsclean/articles_written", 0),
            sum(v for k, v in stats.get_stats().items() if k.startswith("newsclean/duplicates/")),
            sum(v for k, v in stats.get_stats().items() if k.startswith("newsclean/skipped/")),
        )

    # ------------------------------------------------------------ start

    async def start(self) -> AsyncIterator[Any]:
        if self.run is None:
            return
        for site in self.sites.values():
            for url in site.start_urls:
                req = self._request(site, url, START, dont_filter=False)
                if req is not None:
                    yield req
            for origin in dict.fromkeys(_origin(u) for u in site.start_urls):
                yield self._aux(site, origin + "/robots.txt", ROBOTS)
                yield self._aux(site, origin + "/sitemap.xml", SITEMAP)

    # ------------------------------------------------------------ requests

    def _request(self, site: Site, url: str, kind: str, dont_filter: bool = False) -> Request | None:
        """A page request, unless exported before, already scheduled, off-site or over budget."""
        url = _strip_fragment(url)
        if urlsplit(url).scheme not in ("http", "https") or not site.allows(url) or _SKIP_EXT.search(url):
            return None
        if url in self._scheduled:
            return None
        if self._budget[site.name] >= site.max_pages:  # checked first: cheap, and ends link floods
            self.crawler.stats.inc_value(f"newsclean/max_pages_reached/{site.name}")
            return None
        self._scheduled.add(url)
        if kind != START and self.run is not None and self.run.seen_url(url):
            self.crawler.stats.inc_value("newsclean/skipped_seen_urls")
            return None
        self._budget[site.name] += 1
        return Request(
            url,
            callback=self.parse_page,
            errback=self.on_error,
            meta={"site": site.name, "kind": kind},
            priority=1 if kind == ARTICLE else 0,
            dont_filter=dont_filter,
        )

    def _aux(self, site: Site, url: str, kind: str) -> Request:
        """robots.txt, sitemaps and feeds: not pages, not counted, a 404 is normal."""
        callback = {ROBOTS: self.parse_robots, SITEMAP: self.parse_sitemap, FEED: self.parse_feed}[kind]
        return Request(
            url,
            callback=callback,
            errback=self.on_aux_error,
            meta={"site": site.name, "kind": kind, "handle_httpstatus_list": [404, 410]},
        )

    def _links_to_requests(self, site: Site, urls: Iterable[str]) -> Iterator[Request]:
        for url in urls:
            verdict = site.is_article_url(url)
            is_list = site.follow_url_pattern is not None and site.follow_url_pattern.search(url)
            if verdict is True or (verdict is None and not is_list):
                # without an article pattern every non-list link is a candidate the cleaner judges
                req = self._request(site, url, ARTICLE)
            elif site.is_follow_url(url):
                req = self._request(site, url, PAGE)
            else:
                req = None
            if req is not None:
                yield req

    # ------------------------------------------------------------ callbacks

    def parse_page(self, response: Response) -> Iterator[Any]:
        site = self.sites[response.meta["site"]]
        kind = response.meta["kind"]
        if not isinstance(response, TextResponse):
            self._skip(response.url, "not_html", "not a text page")
            return
        is_article = site.is_article_url(response.url)
        if is_article is None:
            # start pages and pages matching follow_url_pattern are lists; anything else may be an article
            is_article = kind != START and not (
                site.follow_url_pattern is not None and site.follow_url_pattern.search(response.url)
            )
        if is_article:
            item = self._clean(response, site)
            if item is not None:
                yield item
        hrefs = [
            response.urljoin(h) for h in response.css("a::attr(href), link[rel~=next]::attr(href)").getall()
        ]
        feeds = [h for h in hrefs if _FEED_PATH.search(urlsplit(h).path)]
        yield from self._links_to_requests(site, [h for h in hrefs if h not in feeds])
        for link in response.css("link[rel~=alternate][href], a[type][href]"):
            if (link.attrib.get("type") or "").split(";")[0].strip().lower() in _FEED_TYPES:
                feeds.append(response.urljoin(link.attrib["href"]))
        for url in dict.fromkeys(feeds):
            if site.allows(url):
                yield self._aux(site, url, FEED)

    def _clean(self, response: TextResponse, site: Site) -> ArticleItem | None:
        ctype = response.headers.get("Content-Type")
        try:
            article = self._cleaner(
                response.body,
                url=response.url,
                content_type=ctype.decode("latin-1") if ctype else None,
                classifier=self.classifier,
                fetched_at=datetime.now(timezone.utc),
            )
        except NewscleanError as err:
            self._skip(response.url, type(err).__name__, str(err))
            return None
        except Exception:  # a bug in one cleaning step must not end the crawl
            self.crawler.stats.inc_value("newsclean/errors/cleaning")
            self.logger.exception("cleaning failed on %s", response.url)
            return None
        request_urls = [*response.meta.get("redirect_urls", []), response.request.url]
        aliases = [u for u in dict.fromkeys(request_urls) if u != response.url]
        return ArticleItem(article=article, site=site.name, aliases=aliases)

    def _skip(self, url: str, reason: str, message: str) -> None:
        self.crawler.stats.inc_value(f"newsclean/skipped/{reason}")
        self.logger.info("skipped %s: %s", url, message)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        if response.status != 200:
            return
        site = self.sites[response.meta["site"]]
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            if site.allows(url):
                yield self._aux(site, url, SITEMAP)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        if response.status != 200:
            return
        site = self.sites[response.meta["site"]]
        body = self._get_sitemap_body(response)
        sitemap = None
        if body:
            try:
                sitemap = Sitemap(body)
            except Exception:  # lxml refuses some broken files outright
                sitemap = None
        if sitemap is None or sitemap.type not in ("sitemapindex", "urlset"):
            self._skip(response.url, "bad_sitemap", "not a sitemap")
            return
        locs = [e["loc"] for e in sitemap if e.get("loc")]
        self.crawler.stats.inc_value("newsclean/sitemap_urls", len(locs))
        if sitemap.type == "sitemapindex":
            for loc in locs:
                if site.allows(loc):
                    yield self._aux(site, loc, SITEMAP)
        else:
            yield from self._links_to_requests(site, locs)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        if response.status != 200:
            return
        import feedparser

        site = self.sites[response.meta["site"]]
        parsed = feedparser.parse(response.body, response_headers={"content-location": response.url})
        links = [response.urljoin(e.get("link")) for e in parsed.entries if e.get("link")]
        if not links:
            self._skip(response.url, "bad_feed", "feed without entry links")
            return
        self.crawler.stats.inc_value("newsclean/feed_urls", len(links))
        yield from self._links_to_requests(site, links)

    # ------------------------------------------------------------ errors

    def on_error(self, failure) -> None:
        request = failure.request
        detail = " ".join(str(failure.value).split()) or failure.type.__name__
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            # robots.txt, offsite, redirect caps, size caps after decompression: policy, logged with its reason
            self.crawler.stats.inc_value("newsclean/requests_refused")
            self.logger.info("not fetched %s: %s", request.url, detail)
            return
        response = getattr(failure.value, "response", None)
        if response is not None:
            kind = f"http_{response.status}"
            detail = f"HTTP {response.status}"
        else:
            kind = failure.type.__name__ if failure.type else "error"
        self.crawler.stats.inc_value(f"newsclean/fetch_errors/{kind}")
        if request.meta.get("kind") == START:
            self.crawler.stats.inc_value("newsclean/start_errors")
        self.logger.warning("fetch failed %s: %s (%s)", request.url, kind, detail[:300])

    def on_aux_error(self, failure) -> None:
        self.logger.info(
            "optional %s not available: %s", failure.request.meta.get("kind"), failure.request.url
        )


class RedirectCycleDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter, saying why when a redirect leads back to a page already requested.

    The stock filter drops such a request silently, so a redirect cycle (a -> b -> a) would leave
    no trace in the crawl log.
    """

    def log(self, request: Request, spider) -> None:
        if request.meta.get("redirect_times"):
            first = (request.meta.get("redirect_urls") or [request.url])[0]
            spider.logger.info(
                "not fetched %s: redirect cycle (%s redirects back to a page already requested)",
                first,
                request.url,
            )
            spider.crawler.stats.inc_value("newsclean/redirect_cycles")
        super().log(request, spider)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]
