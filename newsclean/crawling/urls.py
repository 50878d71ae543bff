"""One form per page address: tracking parameters, fragments and ``/./`` make no new page.

A site that decorates its links (``?utm_source=…``, ``?spm=…``, ``#comments``, ``/./``) would
otherwise have one article fetched, counted against ``max_pages`` and exported once per
variant. Links are requested without tracking parameters and fragments, and compared (in a
run and in the seen-store) in w3lib's canonical form of that, which also sorts the query and
resolves dot segments.

The three forms are pure functions of the URL and a crawl asks for them many times per link
(spider, seen-filter, seen-store, dedupe, export), so each keeps its latest answers.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only say where a click came from (compared in lower case).
TRACKING_PREFIXES = ("utm_",)  # Google Analytics campaign tags: utm_source, utm_medium, ...
TRACKING_PARAMS = frozenset(
    {
        "spm",  # Alibaba/Taobao/Youku position tags
        "scm",  # Alibaba recommendation tags
        "fbclid",  # Facebook
        "gclid",  # Google Ads
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",  # Microsoft Ads
        "yclid",  # Yandex
        "mc_cid",  # Mailchimp
        "mc_eid",
        "igshid",  # Instagram
        "_hsenc",  # HubSpot
        "_hsmi",
        "vd_source",  # Bilibili
        "share_source",
        "share_medium",
        "share_token",
        "wt.mc_id",  # Webtrends
    }
)


def is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


URL_CACHE = 8192  # answers each URL form keeps: a few pages' links, a few MiB at most


@lru_cache(maxsize=URL_CACHE)
def request_url(url: str) -> str:
    """The URL to fetch: no fragment, no tracking parameters, no dot segments (the rest as it was)."""
    parts = urlsplit(url)
    # raw "name=value" pieces, left as they are: a GBK-escaped value must not be re-encoded
    kept = [p for p in parts.query.split("&") if p and not is_tracking(unquote_plus(p.split("=", 1)[0]))]
    path = parts.path
    if "/." in path:  # RFC 3986 dot segments, resolved as urljoin does
        path = urlsplit(urljoin("http://h/", path)).path
    return urlunsplit((parts.scheme, parts.netloc, path, "&".join(kept), ""))


@lru_cache(maxsize=URL_CACHE)
def canonical_url(url: str) -> str:
    """The form URLs are stored and compared in (tracking parameters dropped, sorted query, no fragment)."""
    return canonicalize_url(request_url(url))


def ascii_host(host: str) -> str:
    """A host name as requests carry it: lower case, IDN labels in punycode (``新闻.中国`` -> ``xn--...``)."""
    host = host.strip().rstrip(".").lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as err:
        raise ValueError(f"not a valid host name: {host!r} ({err})") from None


@lru_cache(maxsize=URL_CACHE)
def url_host(url: str) -> str:
    """The ASCII host of an http(s) URL; ValueError for one that cannot be requested.

    ``urlsplit`` refuses a broken IPv6 literal (``http://[::1``) and its ``port`` a port outside
    0-65535 only when asked: both are asked here, so one malformed link is one skipped link.
    """
    parts = urlsplit(url)
    parts.port  # noqa: B018 - raises ValueError for a port out of range
    return ascii_host(parts.hostname or "")
