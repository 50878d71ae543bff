"""Queue entries: a request in the shared Redis queue is JSON of a closed schema, never code.

Whoever can write to the Redis server can write queue entries, so an entry is read as data and
checked like a link found on a page before it becomes a request. Scrapy's ``request_from_dict``
is never used: it imports whatever class ``_class`` names and calls any spider method a
``callback`` names, so one crafted entry could run code, re-initialise the spider or stop the
worker. An entry is one JSON object with only these fields:

``url``       http or https, well-formed (host, port 1-65535, no credentials, no spaces), at most
              ``URLLENGTH_LIMIT`` characters, on the named site's allowed domains
``method``    GET or HEAD (the crawl sends nothing else: no body, no cookies)
``callback``  absent (the spider's own ``parse``) or one of :data:`CALLBACKS`;
``errback``   absent or one of :data:`ERRBACKS`
``headers``   only :data:`HEADERS`, one printable ASCII value each (a revisit's
              ``If-None-Match`` and ``If-Modified-Since`` among them)
``meta``      only the keys of :data:`META`, each of its type and range; never
              ``download_maxsize``, ``dont_filter``, ``allow_offsite``, ``proxy``,
              ``dont_obey_robotstxt``..., and ``download_timeout`` no higher than the setting
``priority``  an integer within ±:data:`MAX_PRIORITY`

``dont_filter`` is never stored: it only matters on the way in (a retry passes the dupefilter,
see :meth:`HeldPriorityQueue.push_if_new`); on the way out it would switch off Scrapy's offsite
check. Meta keys the downloader sets for itself (:data:`TRANSIENT_META`) are left out and set
again when the request is downloaded. Pages each worker takes from the queue count against the
site's ``max_pages``, as the links it finds itself do.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.utils.url import url_is_from_any_domain

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

# the news spider's parse methods and error handlers: the only ones an entry may name
CALLBACKS = frozenset({"parse_page", "parse_robots", "parse_sitemap", "parse_feed"})
ERRBACKS = frozenset({"on_error", "on_aux_error"})
KINDS = frozenset({"start", "page", "article", "robots", "sitemap", "feed"})
PAGE_KINDS = frozenset({"start", "page", "article"})  # the ones max_pages counts
METHODS = frozenset({"GET", "HEAD"})
HEADERS = {
    h.lower(): h
    for h in (
        "Referer",
        "Accept",
        "Accept-Language",
        "Accept-Encoding",
        "User-Agent",
        "If-None-Match",  # a revisit's stored validators (newsclean.crawling.revisits)
        "If-Modified-Since",
    )
}
FIELDS = frozenset({"url", "method", "callback", "errback", "headers", "meta", "priority"})
TRANSIENT_META = frozenset(
    {"download_slot", "download_latency", "proxy", "_auth_proxy", "_scheme_proxy"}
    | {"autothrottle_dont_adjust_delay"}  # a site's delay: set again by SitePolicy at download
    | {"cache_timestamp", "_dont_cache", "cached_response"}
)
MAX_ENTRY_BYTES = 64 * 1024  # a URL and up to REDIRECT_MAX_TIMES earlier URLs
MAX_PRIORITY = 1000
MAX_DEPTH = 10_000
MAX_HEADER_VALUE = 4096
MAX_SITE_NAME = 200
MAX_HINT = 1e11
_HOST = re.compile(r"[a-z0-9_.-]+|\[[0-9a-f:.]+\]")


class RejectedEntry(ValueError):
    """A queue entry outside the schema: dropped, never run. ``reason`` names the stats counter."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class OverBudget(RejectedEntry):
    """A page beyond its site's ``max_pages``: routine, not hostile."""

    def __init__(self, site: str, message: str) -> None:
        super().__init__("max_pages", message)
        self.site = site


class UnqueueableRequest(TypeError):
    """A request the schema cannot carry (another class, a body, a callback it does not know)."""


class NotFetchable(UnqueueableRequest):
    """A redirect off the site's domains or to a URL that is not http(s): not queued, not an error.

    Pages' own links are checked by the spider; only redirects reach the queue unchecked.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    """The settings an entry is held to."""

    url_length: int = 2083
    download_timeout: float = 180.0
    retry_times: int = 2
    redirects: int = 20

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Limits:
        return cls(
            url_length=settings.getint("URLLENGTH_LIMIT", 2083) or 2083,
            download_timeout=settings.getfloat("DOWNLOAD_TIMEOUT", 180.0),
            retry_times=max(settings.getint("RETRY_TIMES", 2), 0),
            redirects=max(settings.getint("REDIRECT_MAX_TIMES", 20), 0),
        )


def _shown(value: Any) -> str:
    """A value for a log line: short, one line, whatever it holds."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _one_of(value: Any, allowed: frozenset[str]) -> bool:
    return isinstance(value, str) and value in allowed


def check_url(url: Any, limit: int) -> str:
    """The URL if it is a well-formed http(s) URL of at most ``limit`` characters; else rejects."""
    if not isinstance(url, str) or not url:
        raise RejectedEntry("url", f"url is not a string: {_shown(url)}")
    if len(url) > limit:
        raise RejectedEntry("url", f"url longer than {limit} characters: {_shown(url)}")
    if not url.isascii() or any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise RejectedEntry("url", f"url with spaces, control or non-ASCII characters: {_shown(url)}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise RejectedEntry("url", f"malformed url ({err}): {_shown(url)}") from None
    if parts.scheme not in ("http", "https"):
        raise RejectedEntry("url", f"not an http(s) url: {_shown(url)}")
    host = parts.hostname or ""
    if not _HOST.fullmatch(host) or "@" in parts.netloc:
        raise RejectedEntry("url", f"url without a plain host: {_shown(url)}")
    if port is not None and not 1 <= port <= 65535:
        raise RejectedEntry("url", f"url port out of range: {_shown(url)}")
    return url


# ---------------------------------------------------------------- meta: key -> check


def _int_in(low: int, high: Callable[[Limits], int]) -> Callable[[Any, Limits], bool]:
    return lambda v, lim: type(v) is int and low <= v <= high(lim)


def _list_of(check: Callable[[Any, Limits], bool], most: Callable[[Limits], int]):
    return lambda v, lim: type(v) is list and len(v) <= most(lim) and all(check(x, lim) for x in v)


def _is_url(v: Any, lim: Limits) -> bool:
    try:
        check_url(v, lim.url_length)
    except RejectedEntry:
        return False
    return True


META: dict[str, Callable[[Any, Limits], bool]] = {
    "site": lambda v, lim: type(v) is str and 0 < len(v) <= MAX_SITE_NAME,
    "kind": lambda v, lim: type(v) is str and v in KINDS,
    "handle_httpstatus_list": _list_of(lambda v, lim: type(v) is int and 100 <= v <= 599, lambda lim: 20),
    "depth": _int_in(0, lambda lim: MAX_DEPTH),
    "sitemap_depth": _int_in(0, lambda lim: MAX_DEPTH),  # levels of sitemap indexes above this one
    "is_start_request": lambda v, lim: type(v) is bool,
    "retry_times": _int_in(0, lambda lim: lim.retry_times),
    "redirect_times": _int_in(0, lambda lim: lim.redirects),
    "redirect_ttl": _int_in(0, lambda lim: lim.redirects),
    "redirect_urls": _list_of(_is_url, lambda lim: lim.redirects),
    "redirect_reasons": _list_of(
        lambda v, lim: (type(v) is int and 300 <= v <= 399) or (type(v) is str and len(v) <= 32),
        lambda lim: lim.redirects,
    ),
    "download_timeout": lambda v, lim: type(v) in (int, float) and 0 < v <= lim.download_timeout,
    "revisit": lambda v, lim: type(v) is bool,  # an exported article fetched again
    # a sitemap's or feed's modification time, epoch seconds (year 1970 to 5138)
    "modified_hint": lambda v, lim: type(v) in (int, float) and math.isfinite(v) and 0 <= v < MAX_HINT,
}


class QueueCodec:
    """Requests of one spider to and from queue entries, under the crawl's settings."""

    def __init__(self, spider: Spider, settings: BaseSettings | None = None) -> None:
        self.spider = spider
        crawler = getattr(spider, "crawler", None)
        chosen = settings if settings is not None else getattr(crawler, "settings", None)
        self.limits = Limits.from_settings(chosen) if chosen is not None else Limits()
        self.taken: dict[str, set[str]] = {}  # site -> page URLs this worker took from the queue

    # -- out

    def encode(self, request: Request) -> bytes:
        """The entry for ``request``; UnqueueableRequest when the schema cannot carry it."""
        entry = self._entry(request)
        try:
            self.check(entry)
            self._site(entry)
        except RejectedEntry as err:
            message = f"{request} cannot be stored in the shared queue: {err}"
            if err.reason in ("offsite", "url"):
                raise NotFetchable(err.reason, message) from None
            raise UnqueueableRequest(message) from None
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def _entry(self, request: Request) -> dict[str, Any]:
        def refuse(why: str) -> UnqueueableRequest:
            return UnqueueableRequest(f"{request} cannot be stored in the shared queue: {why}")

        if type(request) is not Request:
            raise refuse(f"a {type(request).__name__} is not a plain Request")
        if request.body or request.cookies or request.cb_kwargs:
            raise refuse("a body, cookies or callback arguments")
        entry: dict[str, Any] = {"url": request.url}
        if request.method != "GET":
            entry["method"] = request.method
        for field, fn in (("callback", request.callback), ("errback", request.errback)):
            if fn is not None:
                entry[field] = self._method_name(fn, refuse)
        headers = {}
        for key, values in request.headers.items():
            name = HEADERS.get(key.decode("latin-1").lower())
            if name and values:  # the others are the downloader's to set again
                headers[name] = values[-1].decode("latin-1")
        if headers:
            entry["headers"] = headers
        meta = {k: v for k, v in request.meta.items() if k not in TRANSIENT_META}
        if meta:
            entry["meta"] = meta
        if request.priority:
            entry["priority"] = request.priority
        return entry

    def _method_name(self, fn: Any, refuse: Callable[[str], UnqueueableRequest]) -> str:
        name = getattr(fn, "__name__", "")
        if getattr(fn, "__self__", None) is not self.spider or name not in CALLBACKS | ERRBACKS:
            raise refuse(f"{_shown(fn)} is not one of the spider's methods the queue carries")
        return name

    # -- in

    def decode(self, data: bytes) -> Request:
        """The request of a queue entry; RejectedEntry (with a one-line reason) for anything else."""
        if not isinstance(data, bytes) or len(data) > MAX_ENTRY_BYTES:
            raise RejectedEntry("size", f"entry of {len(data)} bytes (at most {MAX_ENTRY_BYTES})")
        try:
            entry = json.loads(data)
        except (ValueError, RecursionError):
            raise RejectedEntry("format", f"not a JSON entry: {_shown(data)}") from None
        try:
            self.check(entry)
            self._admit(entry)
        except RejectedEntry as err:
            url = entry.get("url") if isinstance(entry, dict) else None
            if isinstance(url, str) and url not in str(err) and err.reason != "url":
                err.args = (f"{err} (entry for {_shown(url)})",)
            raise
        try:
            return Request(
                entry["url"],
                callback=self._method(entry.get("callback")),
                errback=self._method(entry.get("errback")),
                method=entry.get("method", "GET"),
                headers=entry.get("headers") or None,
                meta=dict(entry.get("meta") or {}),
                priority=entry.get("priority", 0),
            )
        except (TypeError, ValueError) as err:
            raise RejectedEntry("url", f"not a request: {_shown(str(err))}") from None

    def check(self, entry: Any) -> None:
        """Raise RejectedEntry unless ``entry`` is within the schema (everything but the site)."""
        if not isinstance(entry, dict):
            raise RejectedEntry("format", f"not a JSON object: {_shown(entry)}")
        extra = set(entry) - FIELDS
        if extra:
            raise RejectedEntry("field", f"fields outside the schema: {_shown(sorted(extra))}")
        check_url(entry.get("url"), self.limits.url_length)
        if not _one_of(entry.get("method", "GET"), METHODS):
            raise RejectedEntry("method", f"method {_shown(entry.get('method'))} not in {sorted(METHODS)}")
        for field, allowed in (("callback", CALLBACKS), ("errback", ERRBACKS)):
            if field in entry and not _one_of(entry[field], allowed):
                raise RejectedEntry("callback", f"{field} {_shown(entry[field])} not one the queue carries")
        if "callback" not in entry and type(self.spider).parse is Spider.parse:
            raise RejectedEntry("callback", "no callback, and the spider has no parse of its own")
        self._check_headers(entry.get("headers", {}))
        self._check_meta(entry.get("meta", {}))
        priority = entry.get("priority", 0)
        if type(priority) is not int or abs(priority) > MAX_PRIORITY:
            raise RejectedEntry(
                "priority", f"priority {_shown(priority)} not an integer within ±{MAX_PRIORITY}"
            )

    @staticmethod
    def _check_headers(headers: Any) -> None:
        if not isinstance(headers, dict):
            raise RejectedEntry("headers", f"headers not an object: {_shown(headers)}")
        for name, value in headers.items():
            if name.lower() not in HEADERS:
                raise RejectedEntry("headers", f"header {_shown(name)} not one the queue carries")
            printable = isinstance(value, str) and value.isascii() and value.isprintable()
            if not printable or len(value) > MAX_HEADER_VALUE:
                raise RejectedEntry("headers", f"header {name} value {_shown(value)} not one line of text")

    def _check_meta(self, meta: Any) -> None:
        if not isinstance(meta, dict):
            raise RejectedEntry("meta", f"meta not an object: {_shown(meta)}")
        for key, value in meta.items():
            check = META.get(key)
            if check is None:
                raise RejectedEntry("meta", f"meta key {_shown(key)} not one the queue carries")
            if not check(value, self.limits):
                raise RejectedEntry("meta", f"meta {key} = {_shown(value)} out of its range")

    def _admit(self, entry: dict[str, Any]) -> None:
        """The site's rules, as for a link found on a page: its domains and its max_pages."""
        site = self._site(entry)
        meta = entry.get("meta", {})
        if site is not None and meta["kind"] in PAGE_KINDS:
            self._count(meta["site"], entry["url"], getattr(site, "max_pages", None))

    def _site(self, entry: dict[str, Any]) -> Any:
        """The entry's site (None for a spider without sources), if the URL is on its domains."""
        url, meta = entry["url"], entry.get("meta", {})
        sites = getattr(self.spider, "sites", None)
        if isinstance(sites, dict) and sites:
            name = meta.get("site")
            site = sites.get(name) if isinstance(name, str) else None
            if site is None or not _one_of(meta.get("kind"), KINDS):
                raise RejectedEntry("site", f"no known site and kind in meta: {_shown(name)}")
            for u in (url, *meta.get("redirect_urls", ())):
                if not site.allows(u):
                    raise RejectedEntry("offsite", f"{_shown(u)} is not on site {name}'s domains")
            return site
        domains = [d for d in getattr(self.spider, "allowed_domains", None) or () if d]
        if domains and not url_is_from_any_domain(url, domains):
            raise RejectedEntry("offsite", f"{_shown(url)} is not on the spider's allowed domains")
        return None

    def _count(self, site: str, url: str, cap: int | None) -> None:
        taken = self.taken.setdefault(site, set())
        if url in taken:  # a retry, or a request requeued from a dead worker
            return
        if cap is not None and len(taken) >= cap:
            raise OverBudget(site, f"site {site} reached max_pages ({cap}): {_shown(url)}")
        taken.add(url)

    def _method(self, name: str | None) -> Callable | None:
        if name is None:
            return None
        fn = getattr(self.spider, name, None)  # the name is one of CALLBACKS or ERRBACKS
        if not callable(fn) or getattr(fn, "__self__", None) is not self.spider:
            raise RejectedEntry("callback", f"the spider has no method {name}")
        return fn
