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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from lxml import etree
from parsel.csstranslator import GenericTranslator, HTMLTranslator
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import SitemapSpider
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from newsclean.crawling import sitestats
from newsclean.crawling.items import ARTICLE, FEED, PAGE, ROBOTS, SITEMAP, START, Fetch, PageItem
from newsclean.crawling.middlewares import apply_site_slots
from newsclean.crawling.revisits import NOT_MODIFIED, REVISIT, header_text, hints_by_url, with_hints
from newsclean.crawling.sources import Site
from newsclean.crawling.state import configure, crawl_state
from newsclean.crawling.urls import canonical_url, request_url, url_host
from newsclean.pipelines.pager import MAX_PAGES, find_pager

_SKIP_EXT = re.compile(r"\.({})$".format("|".join(re.escape(e) for e in IGNORED_EXTENSIONS)), re.IGNORECASE)
_FEED_PATH = re.compile(r"(\.rss|/rss|/feed|/atom|rss\.xml|atom\.xml|feed\.xml)/?$", re.IGNORECASE)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml")
LINKS = "a::attr(href), link[rel~=next]::attr(href)"  # the links a page is searched for
TYPED_LINKS = "link[rel~=alternate][href], a[type][href]"  # feeds announced by their type


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
        apply_site_slots(crawler, state.sites.values())  # each site's delay and concurrency
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
            if not site.allows(url):
                continue  # off-site (most links of a page full of ads): no pattern to match
            verdict = site.is_article_url(url)
            follow = site.follow_url_pattern
            is_list = follow is not None and follow.search(url) is not None
            if verdict is True or (verdict is None and not is_list):
                # without an article pattern every non-list link is a candidate the cleaner judges
                req = self._request(site, url, ARTICLE)
            elif is_list if follow is not None else verdict is not True:  # Site.is_follow_url
                req = self._request(site, url, PAGE)
            else:
                req = None
            if req is not None:
                yield req

    # ------------------------------------------------------------ callbacks

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        """A page's article (all its pages, for a multi-page one), then its links."""
        pages: set[str] = set()
        for obj in self._parse_page(response):
            if isinstance(obj, PageItem) and obj.next_pages:
                try:
                    more = await self._later_pages(obj, self.sites[obj.site])
                except Exception:  # a bug here must not lose page 1
                    self.crawler.stats.inc_value("newsclean/errors/continuation")
                    self.logger.exception("later pages of %s not fetched", obj.url)
                    more = []
                pages = {canonical_url(u) for u in (obj.url, *obj.aliases)}
                for request in more:
                    if canonical_url(request.url) not in pages:
                        yield request
            elif isinstance(obj, _SamePages):
                pages |= obj.urls
                continue
            elif isinstance(obj, Request) and pages and canonical_url(obj.url) in pages:
                continue  # a page of this article: not a story of its own
            yield obj

    def _parse_page(self, response: Response) -> Iterator[Any]:
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
            yield from self._article(response, site)
        hrefs = self._absolute(response, select(response, LINKS))
        feeds = [h for h in hrefs if _FEED_PATH.search(urlsplit(h).path)]
        yield from self._links_to_requests(site, [h for h in hrefs if h not in feeds])
        typed = select(response, TYPED_LINKS)
        feeds += self._absolute(
            response,
            [
                x.get("href")
                for x in typed
                if (x.get("type") or "").split(";")[0].strip().lower() in _FEED_TYPES
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

    # ------------------------------------------------------------ multi-page articles

    def _article(self, response: TextResponse, site: Site) -> Iterator[Any]:
        """The article page, with the later pages its pager links to.

        A later page (its pager links back to an earlier one) is not an article on its own:
        it is skipped and the earliest page it names is requested instead, which fetches the
        whole article (or is dropped as already scheduled or exported), whichever came first.
        """
        pager = find_pager(response.selector, response.url)
        if pager.first_page:
            self._skip(
                response.url, "continuation_page", f"page {pager.number} of {pager.first_page}", site.name
            )
            yield from _present(self._request(site, pager.first_page, ARTICLE))
            yield _SamePages({canonical_url(u) for u in (*pager.earlier, *pager.next_pages)})
            return
        item = self._page(response, site)
        item.next_pages = [(n, u) for n, u in pager.numbered if site.allows(u)]
        yield item

    async def _later_pages(self, item: PageItem, site: Site) -> list[Request]:
        """Fetch the later pages of ``item`` in page order, into it; the links they hold are returned.

        They are downloaded here (downloader middlewares only: robots.txt, the site's headers and
        delay, retries), never queued, so their bodies stay in this process and a page 2 reached
        from a list link meanwhile is not taken for a duplicate. A page that fails ends the
        article there: what was collected is cleaned, with a logged note. At most MAX_PAGES pages.
        """
        known = {canonical_url(u) for u in (item.url, *item.aliases)}
        todo = dict(item.next_pages)  # page number -> URL
        last = 1
        links: list[Request] = []
        while todo and len(item.more_pages) + 1 < MAX_PAGES:
            number = min(todo)
            url = todo.pop(number)
            if number <= last or canonical_url(url) in known:
                continue
            response = await self._download_page(site, url, item.url)
            if response is None:
                break
            last = number
            known.update(canonical_url(u) for u in (url, response.url))
            ctype = response.headers.get("Content-Type")
            item.more_pages.append((response.body, response.url, ctype.decode("latin-1") if ctype else None))
            item.aliases += [u for u in dict.fromkeys((url, response.url)) if u not in item.aliases]
            for n, u in find_pager(response.selector, response.url).numbered:
                if n > last and site.allows(u):
                    todo.setdefault(n, u)
            hrefs = self._absolute(response, select(response, "a::attr(href)"))
            links += self._links_to_requests(site, [h for h in hrefs if canonical_url(h) not in known])
        if item.more_pages:
            self.crawler.stats.inc_value("newsclean/multipage_articles")
            self.crawler.stats.inc_value("newsclean/continuation_pages", len(item.more_pages))
        item.aliases = [u for u in item.aliases if canonical_url(u) != canonical_url(item.url)]
        return links

    async def _download_page(self, site: Site, url: str, first: str) -> TextResponse | None:
        """A later page of an article, or None (logged and counted) when it cannot be had."""
        try:
            request = Request(request_url(url), meta={"site": site.name, "kind": ARTICLE}, dont_filter=True)
            response = await self.crawler.engine.download_async(request)
        except Exception as err:  # robots.txt, timeouts, refused connections: the article ends here
            detail = " ".join(str(err).split()) or type(err).__name__
        else:
            if response.status == 200 and isinstance(response, TextResponse):
                return response
            detail = f"HTTP {response.status}" if response.status != 200 else "not a text page"
        self.crawler.stats.inc_value("newsclean/continuation_errors")
        self.logger.warning(
            "article %s ends before %s: %s; its earlier pages are kept", first, url, detail[:300]
        )
        return None

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


def select(response: TextResponse, css: str) -> list[Any]:
    """What ``response.css(css)`` finds, as lxml gives it: text for ``::attr()``, else elements.

    The same query, evaluated on the same tree, without the parsel Selector parsel wraps each
    result in (most of the cost on a page of many links). Selector types other than HTML and
    XML (JSON, plain text) go through parsel itself, which decides what they give.
    """
    selector = response.selector
    if selector.type in ("html", "xml") and hasattr(selector.root, "xpath"):
        return _xpath(css, selector.type)(selector.root)
    return [s.get() if "::attr(" in css else s.root for s in response.css(css)]


@lru_cache(maxsize=16)
def _xpath(css: str, kind: str) -> etree.XPath:
    """The XPath parsel would run for ``css`` on a selector of type ``kind`` (html or xml)."""
    translator = GenericTranslator() if kind == "xml" else HTMLTranslator()
    return etree.XPath(translator.css_to_xpath(css), smart_strings=False)


@dataclass(frozen=True)
class _SamePages:
    """Within parse_page only: the other pages of the article on this page (not requested alone)."""

    urls: set[str]


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
