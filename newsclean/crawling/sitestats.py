"""Per-site counters of a crawl, kept in Scrapy's stats so every stats reader sees them.

Keys are ``newsclean/site/<name>/<counter>`` (the name with ``/`` and ``%`` percent-encoded),
with groups ``skipped/<reason>``, ``errors/<kind>`` and ``lines_removed/<reason>``; the failing
URLs of a site are a list under ``failed_urls`` (at most :data:`FAILED_URLS_CAP`, the rest
counted under ``failed_urls_more``) and up to :data:`SAMPLES_CAP` removed spam, adult or hidden
lines under ``suspect_samples``. :func:`per_site` reads them back into one object per site.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote

PREFIX = "newsclean/site/"
FAILED_URLS_CAP = 10
SAMPLES_CAP = 3
SAMPLE_CHARS = 200
GROUPS = ("skipped", "errors", "lines_removed")
# the removal reasons that say a page carries injected text (newsclean.core.labels.REASONS)
SUSPECT_REASONS = ("spam", "adult", "hidden")


@lru_cache(maxsize=1024)
def key(site: str, counter: str) -> str:
    """The stats key of one counter of one site (kept: a few counters are counted on every page)."""
    return f"{PREFIX}{quote(site, safe='')}/{counter}"


def inc(stats: Any, site: str | None, counter: str, count: int = 1) -> None:
    """Add to a site's counter; a request or item without a site counts in the totals only."""
    if site:
        stats.inc_value(key(site, counter), count)


def record_failure(stats: Any, site: str | None, kind: str, url: str) -> None:
    """A page of the site could not be fetched: count its kind and keep its URL (capped)."""
    if not site:
        return
    inc(stats, site, f"errors/{kind}")
    urls = stats.get_value(key(site, "failed_urls")) or []
    if len(urls) < FAILED_URLS_CAP:
        stats.set_value(key(site, "failed_urls"), [*urls, url])
    else:
        inc(stats, site, "failed_urls_more")


def record_removed(stats: Any, site: str | None, removed: list[dict]) -> None:
    """The lines the cleaner removed from one written article: counts by reason, a few samples."""
    if not site:
        return
    reasons = Counter(entry.get("reason", "?") for entry in removed)
    for reason, count in reasons.items():  # one addition per reason, not per line
        inc(stats, site, f"lines_removed/{reason}", count)
    if not any(reason in reasons for reason in SUSPECT_REASONS):
        return
    samples = stats.get_value(key(site, "suspect_samples")) or []
    for entry in removed:
        if len(samples) >= SAMPLES_CAP:
            break  # only the first few suspect lines are kept as samples
        if entry.get("reason", "?") not in SUSPECT_REASONS:
            continue
        text = " ".join(str(entry.get("text") or "").split())
        if text and text[:SAMPLE_CHARS] not in samples:
            samples.append(text[:SAMPLE_CHARS])
    if samples:
        stats.set_value(key(site, "suspect_samples"), samples)


def empty_site() -> dict[str, Any]:
    return {
        "pages_fetched": 0,
        "pages_ok": 0,
        "article_links": 0,
        "articles_written": 0,
        "pages_skipped": {},
        "errors": {},
        "failed_urls": [],
        "failed_urls_more": 0,
        "lines_removed": {},
        "suspect_samples": [],
    }


def per_site(stats: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One object per site that has any counter, sites and groups in name order."""
    sites: dict[str, dict[str, Any]] = {}
    for name, value in sorted(stats.items()):
        if not name.startswith(PREFIX):
            continue
        encoded, _, counter = name[len(PREFIX) :].partition("/")
        site = sites.setdefault(unquote(encoded), empty_site())
        group, _, sub = counter.partition("/")
        if sub and group in GROUPS:
            site["pages_skipped" if group == "skipped" else group][sub] = value
        elif counter in site:
            site[counter] = value
    return sites
