"""A spider that fetches a fixed list of URLs once, for ``newsclean clean URL``.

It exists so one-off fetches go through the same Scrapy machinery as crawls: robots.txt,
user agent, retries, timeouts and the download size cap all come from newsclean.crawling.settings.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from newsclean.crawling.fetch import Fetched
from newsclean.pipelines.pager import MAX_PAGES, find_pager


class OneOffSpider(scrapy.Spider):
    name = "oneoff"
    custom_settings = {"AUTOTHROTTLE_ENABLED": False, "HTTPERROR_ALLOW_ALL": False}

    def __init__(self, urls: list[str], results: dict, **kwargs):
        super().__init__(**kwargs)
        self.urls = list(urls)
        self.results = results  # requested URL -> Fetched | str (error message)

    async def start(self):
        for request in self._requests():
            yield request

    def _requests(self) -> Iterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(
                url, callback=self.got, errback=self.failed, dont_filter=True, cb_kwargs={"asked": url}
            )

    async def got(self, response: Response, asked: str) -> None:
        self.results[asked] = Fetched(
            url=response.url,
            body=response.body,
            content_type=_content_type(response),
            status=response.status,
            more=tuple(await self._later_pages(response)),
        )

    async def _later_pages(self, response: Response) -> list[Fetched]:
        """The later pages of a multi-page article, in page order, as the crawl fetches them.

        A page that cannot be had ends the article there (one line on standard error): the
        pages before it are still cleaned.
        """
        if not isinstance(response, TextResponse):
            return []
        known = {response.url, response.request.url}
        todo = dict(find_pager(response.selector, response.url).numbered)
        last, pages = 1, []
        while todo and len(pages) + 1 < MAX_PAGES:
            number = min(todo)
            url = todo.pop(number)
            if number <= last or url in known:
                continue
            try:
                page = await self.crawler.engine.download_async(scrapy.Request(url, dont_filter=True))
            except Exception as err:  # robots.txt, timeouts, refused connections
                _note(response.url, url, " ".join(str(err).split()) or type(err).__name__)
                break
            if page.status != 200 or not isinstance(page, TextResponse):
                _note(response.url, url, f"HTTP {page.status}" if page.status != 200 else "not a text page")
                break
            last = number
            known.update((url, page.url))
            pages.append(Fetched(page.url, page.body, _content_type(page), page.status))
            for n, u in find_pager(page.selector, page.url).numbered:
                if n > last:
                    todo.setdefault(n, u)
        return pages

    def failed(self, failure: Failure):
        asked = failure.request.cb_kwargs.get("asked", failure.request.url)
        self.results[asked] = describe_failure(failure, self.settings)


def _content_type(response: Response) -> str | None:
    ctype = response.headers.get(b"Content-Type")
    return ctype.decode("latin-1") if ctype else None


def _note(first: str, url: str, detail: str) -> None:
    print(f"newsclean: {first}: the article ends before {url}: {detail[:300]}", file=sys.stderr)


def _classes(module, *names: str) -> tuple[type, ...]:
    """The named exception classes that exist in this Scrapy/Twisted version."""
    return tuple(c for c in (getattr(module, n, None) for n in names) if isinstance(c, type))


def describe_failure(failure: Failure, settings) -> str:
    """One line a user understands for a failed download (Scrapy 2.11 to 2.19 exception names)."""
    import scrapy.exceptions as sx
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet import defer
    from twisted.internet import error as tx

    exc = failure.value
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status} from server"
    if isinstance(exc, sx.IgnoreRequest):
        text = str(exc) or "request ignored"
        return "forbidden by robots.txt" if "robots" in text.lower() else text
    if isinstance(exc, _classes(sx, "CannotResolveHostError") + _classes(tx, "DNSLookupError")):
        return "cannot resolve host name"
    if isinstance(
        exc, _classes(sx, "DownloadConnectionRefusedError") + _classes(tx, "ConnectionRefusedError")
    ):
        return "connection refused"
    if isinstance(
        exc, _classes(sx, "DownloadTimeoutError") + _classes(tx, "TimeoutError", "TCPTimedOutError")
    ):
        return f"timed out after {settings.getint('DOWNLOAD_TIMEOUT')} s"
    if isinstance(exc, (*_classes(sx, "DownloadCancelledError"), defer.CancelledError)):
        cap = settings.getint("DOWNLOAD_MAXSIZE")
        return f"response larger than the download cap of {cap} bytes"
    if isinstance(exc, _classes(sx, "UnsupportedURLSchemeError")):
        return "unsupported URL scheme"
    if isinstance(exc, _classes(tx, "ConnectError") + _classes(sx, "DownloadFailedError")):
        return f"cannot download: {exc}"
    return f"{type(exc).__name__}: {exc}".strip(": ")
