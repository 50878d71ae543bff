"""Assemble the article object (README, "The article object") from the chain's results."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timezone
from functools import lru_cache

from newsclean.core.text import HAN_RE, KANA_RE
from newsclean.core.types import Line, Metadata, Removed
from newsclean.pipelines.reldates import resolve_relative

LANGDETECT_SAMPLE = 300  # characters: plenty for a language guess, and langdetect's cost grows with length


def fingerprint(text: str) -> str:
    """A content hash of the clean text: equal text gives an equal fingerprint."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _detector_factory():
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0  # langdetect is random by default; articles must not flip language
    return DetectorFactory


def detect_language(text: str) -> str:
    """langdetect's code for the clean text (``zh-cn``, ``zh-tw``, ``en`` ...), ``und`` when unsure."""
    sample = text[:LANGDETECT_SAMPLE]
    if not sample.strip():
        return "und"
    letters = sum(ch.isalpha() for ch in sample)
    if letters and len(HAN_RE.findall(sample)) / letters > 0.5 and not KANA_RE.search(sample):
        # Mostly Han characters, already converted to Simplified, no kana: langdetect would
        # answer zh-cn after ~3 ms of sampling; it is kept for everything less clear-cut.
        return "zh-cn"
    _detector_factory()
    from langdetect import detect
    from langdetect.lang_detect_exception import LangDetectException

    try:
        return detect(sample)
    except LangDetectException:
        return "zh-cn" if HAN_RE.search(sample) else "und"


def build_article(
    *,
    url: str,
    meta: Metadata,
    kept: Sequence[Line],
    removed: Sequence[Removed],
    converted: bool,
    classifier_version: str,
    conversion: str | None = None,
    fetched_at: datetime | None = None,
) -> dict:
    """The article dict, fields in their documented order."""
    paragraphs = [line.text for line in kept]
    text = "\n".join(paragraphs)
    when = fetched_at or datetime.now(timezone.utc)
    return {
        "url": url,
        "title": meta.title or None,
        "published_at": meta.published_at or resolve_relative(meta.published_relative, when),
        "source": meta.source or None,
        "author": meta.author or None,
        "keywords": list(meta.keywords),
        "language": detect_language(text),
        "converted": converted,
        "conversion": conversion,
        "paragraphs": paragraphs,
        "text": text,
        "removed": [{"text": r.text, "reason": r.reason, "score": r.score} for r in removed],
        "fetched_at": when.isoformat(timespec="seconds"),
        "fingerprint": fingerprint(text),
        "classifier": classifier_version,
    }
