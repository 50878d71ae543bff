"""Metadata the page gives only to its scripts: JSON-LD and a WeChat copy's page variables.

Both live in ``<script>`` elements, which the DOM clean drops, so they are read from the page's
text first. They fill only the fields the markup left empty: a visible by-line or date line is
what the reader sees, the script's copy is the fallback.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from newsclean.core.types import Metadata
from newsclean.pipelines.metalines import iso_from_meta

CHINA = timezone(timedelta(hours=8))
MAX_JSON_LD = 200_000  # characters of one JSON-LD block read; a larger one is not page metadata
_JSON_LD = re.compile(r"<script[^>]*application/ld\+json[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
# WeChat: var ct = "1759196400"; var nickname = htmlDecode("账号名"); (or = "账号名")
_WECHAT_CT = re.compile(r"\bvar\s+ct\s*=\s*[\"']?(\d{10})[\"']?")
_WECHAT_NICKNAME = re.compile(r"\bvar\s+nickname\s*=\s*(?:htmlDecode\()?\s*[\"']([^\"'<>]{1,40})[\"']")
ARTICLE_TYPES = ("Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle", "WebPage")


def script_metadata(html: str) -> Metadata:
    """Title, date, source and author from JSON-LD and WeChat variables; empty fields when absent."""
    meta = Metadata()
    for block in _JSON_LD.findall(html):
        for item in _items(block[:MAX_JSON_LD]):
            if not any(t in str(item.get("@type", "")) for t in ARTICLE_TYPES):
                continue
            meta.title = meta.title or _text(item.get("headline"))
            published = _text(item.get("datePublished"))
            meta.published_at = meta.published_at or (iso_from_meta(published) if published else None)
            meta.author = meta.author or _name(item.get("author"))
            meta.source = meta.source or _name(item.get("publisher"))
    m = _WECHAT_CT.search(html)
    if m and meta.published_at is None:
        meta.published_at = datetime.fromtimestamp(int(m.group(1)), CHINA).isoformat()
    m = _WECHAT_NICKNAME.search(html)
    if m and meta.source is None:
        meta.source = m.group(1).strip() or None
    return meta


def fill_missing(meta: Metadata, fallback: Metadata) -> Metadata:
    """``meta`` with its empty fields taken from ``fallback``."""
    return replace(
        meta,
        title=meta.title or fallback.title,
        published_at=meta.published_at or fallback.published_at,
        published_relative=meta.published_relative or fallback.published_relative,
        source=meta.source or fallback.source,
        author=meta.author or fallback.author,
        keywords=meta.keywords or fallback.keywords,
    )


def _items(text: str) -> list[dict]:
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if isinstance(data, dict) and isinstance(data.get("@graph"), list):
        data = data["@graph"]
    items = data if isinstance(data, list) else [data]
    return [item for item in items if isinstance(item, dict)]


def _text(value: object) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _name(value: object) -> str | None:
    """A person's or organisation's name: a string, ``{"name": ...}`` or a list of those."""
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return " ".join(names) or None
    if isinstance(value, dict):
        value = value.get("name")
    name = _text(value)
    return name if name and len(name) <= 60 and "://" not in name else None
