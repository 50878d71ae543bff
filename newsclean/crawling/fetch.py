"""Fetch pages for one-off cleaning through Scrapy, with the crawl's own settings.

Scrapy rather than a plain HTTP client: robots.txt, the user agent, retries, timeouts and the
size cap then have one definition (newsclean.crawling.settings) for a crawl and a one-off clean alike.
The price is Scrapy's start-up (about a second), paid once for all URLs of a command.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit

from newsclean.core.errors import InputError

ALLOWED_SCHEMES = ("http", "https")
SPIDER = "oneoff"  # started by name through Scrapy's spider loader (SPIDER_MODULES)


@dataclass(frozen=True)
class Fetched:
    """A downloaded page (after redirects)."""

    url: str
    body: bytes
    content_type: str | None
    status: int
    more: tuple[Fetched, ...] = ()  # the later pages of a multi-page article, in page order


def check_url(url: str) -> str:
    """Refuse anything but http(s) URLs with a host, before any request is made."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise InputError(f"unsupported URL scheme {parts.scheme!r}: only http and https are fetched")
    if not parts.hostname:
        raise InputError(f"URL has no host: {url}")
    return url


def fetch_urls(urls: list[str], overrides: dict | None = None) -> dict[str, Fetched | str]:
    """Download every URL once; the value is the page or a one-line error message."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    for url in urls:
        check_url(url)
    settings = Settings()
    settings.setmodule("newsclean.crawling.settings", priority="project")
    # Failures are reported by us as one line per URL; Scrapy's own log would add more lines.
    settings.set("LOG_ENABLED", False, priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    results: dict[str, Fetched | str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation notices are for us, not for the user's terminal
        process = CrawlerProcess(settings)
    process.crawl(SPIDER, urls=urls, results=results)
    process.start()
    for url in urls:
        results.setdefault(url, "no response (download aborted)")
    return results
