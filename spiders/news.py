"""The ``news`` spider: crawl the sites of a sources file and hand over their article pages.

``scrapy crawl news -a sources=sources.toml`` and ``newsclean crawl --sources sources.toml`` run
this same spider with the same settings, so both give the same result.

From each site's start pages it follows list and pagination links, the sitemaps named in
robots.txt (plus ``/sitemap.xml``) and RSS/Atom feeds linked from the pages. Article pages are
recognised by the site's ``article_url_pattern`` or, without one, by the cleaning chain finding
an article body. The spider only parses; the rest is in Scrapy components of
:mod:`newsclean.crawling` (see its settings): the run's lock, seen-store and output file
(``extensions``), the seen-filter that never requests a URL exported by an earlier run
(``middlewares``), and cleaning, dedupe and export (``pipelines``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import SitemapSpider
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from newsclean.crawling import sitestats
from newsclean.crawling.items import ARTICLE, FEED, PAGE, ROBOTS, SITEMAP, START, Fetch, PageItem
from newsclean.crawling.revisits import NOT_MODIFIED, REVISIT, header_text, hints_by_url, with_hints
from newsclean.crawling.sources import Site
from newsclean.crawling.state import configure, crawl_state
from newsclean.crawling.urls import request_url, url_host

_SKIP_EXT = re.compile(r"\.({})$".format("|".join(re.escape(e) for e in IGNORED_EXTENSIONS)), re.IGNORECASE)
_FEED_PATH = re.compile(r"(\.rss|/rss|/feed|/atom|rss\.xml|atom\.xml|feed\.xml)/?$", re.IGNORECASE)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml")


class NewsSpider(SitemapSpider):
    name = "news"
    sitemap_urls = ()

    def __init__(self, sources: str | None = None, max_pages: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources_path = sources
        self.max_pages_override = max_pages  # checked with the sources file, into the crawl's state
        self.sites: dict[str, Site] = {}

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # the crawl's state lives on the crawler; its components read the sites from there
        state = configure(crawler, spider.sources_path, spider.max_pages_override)
        spider.sites = state.sites
        spider.allowed_domains = sorted({d for s in state.sites.values() for d in s.allowed_domains})
        return spider

    # ------------------------------------------------------------ start

    async def start(self) -> AsyncIterator[Any]:
        state = crawl_state(self.crawler)
        if state is None or state.failed:
            return
        for site in self.sites.values():
            for url in site.start_urls:
                req = self._request(site, url, START, dont_filter=False)
                if req is not None:
                    yield req
            for origin in dict.fromkeys(_origin(u) for u in site.start_urls):
                for aux in (
                    self._aux(site, origin + "/robots.txt", ROBOTS),
                    self._aux(site, origin + "/sitemap.xml", SITEMAP),
                ):
                    if aux is not None:
                        yield aux

    # ------------------------------------------------------------ requests

    def _request(self, site: Site, url: str, kind: str, dont_filter: bool = False) -> Request | None:
        """A page request, unless off-site or not a page (the seen-filter applies budget and history)."""
        try:
            url = request_url(url)  # no fragment, no tracking parameters
            if urlsplit(url).scheme not in ("http", "https") or not site.allows(url) or _SKIP_EXT.search(url):
                return None
            if kind == ARTICLE:  # before the seen-filter: a site still linking known articles is alive
                sitestats.inc(self.crawler.stats, site.name, "article_links")
            return Request(
                url,
                callback=self.parse_page,
                errback=self.on_error,
                meta={"site": site.name, "kind": kind},
                priority=1 if kind == ARTICLE else 0,
                dont_filter=dont_filter,
            )
        except ValueError:  # a malformed link: only this one is lost
            self._malformed(url)
            return None

    def _aux(self, site: Site, url: str, kind: str, depth: int = 0) -> Request | None:
        """robots.txt, sitemaps and feeds: not pages, a 404 is normal (the seen-filter caps them)."""
        callback = {ROBOTS: self.parse_robots, SITEMAP: self.parse_sitemap, FEED: self.parse_feed}[kind]
        try:
            return Request(
                url,
                callback=callback,
                errback=self.on_aux_error,
                meta={
                    "site": site.name,
                    "kind": kind,
                    "sitemap_depth": depth,
                    "handle_httpstatus_list": [404, 410],
                },
            )
        except ValueError:
            self._malformed(url)
            return None

    def _absolute(self, response: Response, hrefs: Iterable[str | None]) -> list[str]:
        """Absolute URLs of a page's links; a malformed one (``http://[::1``, port 99999) is skipped."""
        urls = []
        for href in hrefs:
            if not href:
                continue
            try:
                url = response.urljoin(href)
                url_host(url)
            except ValueError:
                self._malformed(href)
                continue
            urls.append(url)
        return urls

    def _malformed(self, url: str) -> None:
        self.crawler.stats.inc_value("newsclean/malformed_links")
        self.logger.debug("skipped a malformed link: %r", url[:300])

    def _links_to_requests(self, site: Site, urls: Iterable[str]) -> Iterator[Request]:
        for link in urls:
            try:
                url = request_url(link)  # patterns see the link as it is requested: no tracking, no #
            except ValueError:
                self._malformed(link)
                continue
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
        if response.status == NOT_MODIFIED:
            self._not_modified(response)
            return
        if not isinstance(response, TextResponse):
            self._skip(response.url, "not_html", "not a text page", site.name)
            return
        is_article = site.is_article_url(response.url)
        if is_article is None:
            # start pages and pages matching follow_url_pattern are lists; anything else may be an article
            is_article = kind != START and not (
                site.follow_url_pattern is not None and site.follow_url_pattern.search(response.url)
            )
        if is_article:
            yield self._page(response, site)
        hrefs = self._absolute(response, response.css("a::attr(href), link[rel~=next]::attr(href)").getall())
        feeds = [h for h in hrefs if _FEED_PATH.search(urlsplit(h).path)]
        yield from self._links_to_requests(site, [h for h in hrefs if h not in feeds])
        typed = response.css("link[rel~=alternate][href], a[type][href]")
        feeds += self._absolute(
            response,
            [
                x.attrib["href"]
                for x in typed
                if (x.attrib.get("type") or "").split(";")[0].strip().lower() in _FEED_TYPES
            ],
        )
        for url in dict.fromkeys(feeds):
            if site.allows(url):
                yield from _present(self._aux(site, url, FEED))

    def _page(self, response: TextResponse, site: Site) -> PageItem:
        """The page for the clean pipeline, with the other URLs that led to it."""
        ctype = response.headers.get("Content-Type")
        request_urls = [*response.meta.get("redirect_urls", []), response.request.url]
        return PageItem(
            url=response.url,
            body=response.body,
            content_type=ctype.decode("latin-1") if ctype else None,
            site=site.name,
            aliases=[u for u in dict.fromkeys(request_urls) if u != response.url],
            fetch=_fetch(response),
        )

    def _not_modified(self, response: Response) -> None:
        """A revisit answered 304: nothing to clean or write, the store's last fetch is now."""
        state = crawl_state(self.crawler)
        if response.meta.get(REVISIT) and state is not None and state.run is not None:
            state.run.unchanged(
                response.request.url,
                header_text(response.headers, "ETag"),
                header_text(response.headers, "Last-Modified"),
                response.meta.get("site"),
            )
            self.crawler.stats.inc_value("newsclean/revisits/unchanged")

    def _skip(self, url: str, reason: str, message: str, site: str | None = None) -> None:
        self.crawler.stats.inc_value(f"newsclean/skipped/{reason}")
        sitestats.inc(self.crawler.stats, site, f"skipped/{reason}")
        self.logger.info("skipped %s: %s", url, message)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        if response.status != 200:
            return
        site = self.sites[response.meta["site"]]
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            if site.allows(url):
                yield from _present(self._aux(site, url, SITEMAP))

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
            self._skip(response.url, "bad_sitemap", "not a sitemap", site.name)
            return
        entries = [e for e in sitemap if e.get("loc")]  # the iterator runs once
        locs = [e["loc"] for e in entries]
        self.crawler.stats.inc_value("newsclean/sitemap_urls", len(locs))
        if sitemap.type == "sitemapindex":
            depth = response.meta.get("sitemap_depth", 0) + 1
            for loc in locs:
                if site.allows(loc):
                    yield from _present(self._aux(site, loc, SITEMAP, depth))
        else:
            hints = hints_by_url((e["loc"], e.get("lastmod")) for e in entries)
            yield from with_hints(self._links_to_requests(site, locs), hints)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        if response.status != 200:
            return
        import feedparser

        site = self.sites[response.meta["site"]]
        parsed = feedparser.parse(response.body, response_headers={"content-location": response.url})
        links = self._absolute(response, [e.get("link") for e in parsed.entries])
        if not links:
            self._skip(response.url, "bad_feed", "feed without entry links", site.name)
            return
        self.crawler.stats.inc_value("newsclean/feed_urls", len(links))
        hints = hints_by_url(_feed_updates(response, parsed.entries))
        yield from with_hints(self._links_to_requests(site, links), hints)

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
        sitestats.record_failure(self.crawler.stats, request.meta.get("site"), kind, request.url)
        if request.meta.get("kind") == START:
            self.crawler.stats.inc_value("newsclean/start_errors")
        self.logger.warning("fetch failed %s: %s (%s)", request.url, kind, detail[:300])

    def on_aux_error(self, failure) -> None:
        self.logger.info(
            "optional %s not available: %s", failure.request.meta.get("kind"), failure.request.url
        )


def _fetch(response: Response) -> Fetch:
    """The validators to send when this page is revisited, and whether this fetch was one."""
    return Fetch(
        etag=header_text(response.headers, "ETag"),
        last_modified=header_text(response.headers, "Last-Modified"),
        revisit=bool(response.meta.get(REVISIT)),
    )


def _feed_updates(response: Response, entries: list) -> Iterator[tuple[str, Any]]:
    """(absolute link, parsed ``updated`` time) of each feed entry that has both."""
    for entry in entries:
        link, updated = entry.get("link"), entry.get("updated_parsed")
        if link and updated:
            try:
                yield response.urljoin(link), updated
            except ValueError:
                continue


def _present(request: Request | None) -> Iterator[Request]:
    if request is not None:
        yield request


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
