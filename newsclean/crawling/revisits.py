"""Revisit requests: an exported article fetched again, conditionally, under its site's policy.

The rule itself (when an article is due) is :func:`newsclean.crawling.crawlrun.revisit_due`;
this module marks a request as a revisit and reads the modification hints sitemaps and feeds give.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

from scrapy import Request

from newsclean.crawling.urls import canonical_url

REVISIT = "revisit"  # meta key: True on a revisit request
HINT = "modified_hint"  # meta key: the page's modification time (epoch seconds) a sitemap or feed gave
NOT_MODIFIED = 304
MAX_VALIDATOR = 1024  # characters of an ETag or Last-Modified value kept (longer ones are not sent)


def mark_revisit(request: Request, etag: str | None, last_modified: str | None) -> None:
    """Make ``request`` a conditional revisit: validators from the last export, a 304 let through."""
    request.meta[REVISIT] = True
    statuses = list(request.meta.get("handle_httpstatus_list") or ())
    if NOT_MODIFIED not in statuses:
        request.meta["handle_httpstatus_list"] = [*statuses, NOT_MODIFIED]
    if usable_validator(etag):
        request.headers["If-None-Match"] = etag
    if usable_validator(last_modified):
        request.headers["If-Modified-Since"] = last_modified


def usable_validator(value: Any) -> bool:
    """One line of printable ASCII, as a header value must be (a stored value is never trusted blindly)."""
    return (
        isinstance(value, str) and 0 < len(value) <= MAX_VALIDATOR and value.isascii() and value.isprintable()
    )


def header_text(headers: Any, name: str) -> str | None:
    """A response header as text, or None (missing, or not a usable validator)."""
    raw = headers.get(name)
    if not raw:
        return None
    value = raw.decode("latin-1").strip()
    return value if usable_validator(value) else None


def modified_hint(value: Any) -> float | None:
    """A sitemap ``<lastmod>`` (W3C datetime) or a feed's parsed ``updated`` as epoch seconds.

    A date without a time is its midnight UTC; a time without a zone is UTC. Anything else
    (missing, malformed) gives None: no hint.
    """
    if isinstance(value, time.struct_time):  # feedparser's *_parsed fields are UTC
        return float(calendar.timegm(value))
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def hints_by_url(pairs: Iterable[tuple[str, Any]]) -> dict[str, float]:
    """Canonical URL -> hint, for the links of one sitemap or feed (malformed ones left out)."""
    hints = {}
    for url, value in pairs:
        hint = modified_hint(value)
        if hint is None:
            continue
        try:
            hints[canonical_url(url)] = hint
        except ValueError:
            continue
    return hints


def with_hints(requests: Iterable[Request], hints: dict[str, float]) -> Iterator[Request]:
    """The requests, each carrying the modification hint its link came with."""
    for request in requests:
        if hints:
            hint = hints.get(canonical_url(request.url))
            if hint is not None:
                request.meta[HINT] = hint
        yield request
