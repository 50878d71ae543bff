"""The Python API: clean a page from Python code, one page or many.

    import newsclean
    article = newsclean.clean(html, url="https://example.cn/news/1.html")
    print(article.title, article.text)

    cleaner = newsclean.Cleaner()          # loads the line classifier once
    for html in pages:
        try:
            print(cleaner.clean(html).to_json())
        except newsclean.NoArticleError:
            pass                           # a spam page, a soft 404, a list page

Errors are :class:`~newsclean.core.errors.NewscleanError` subclasses: ``NotADocumentError``
(binary or empty input), ``NoArticleError`` (no article body on the page), ``ModelError`` (a
missing or foreign model file).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from newsclean.core.judge import LineJudge

NO_URL = "about:blank"  # the article's ``url`` when the caller gives none (the schema wants a string)


@dataclass(frozen=True)
class RemovedLine:
    """A line dropped from the page: its text, why (``spam``, ``boilerplate``...), the classifier's score."""

    text: str
    reason: str
    score: float | None = None


@dataclass(frozen=True)
class Article:
    """One clean article: the fields of the article JSON, typed."""

    url: str
    title: str | None
    published_at: str | None
    source: str | None
    author: str | None
    keywords: list[str]
    language: str
    converted: bool
    conversion: str | None
    paragraphs: list[str]
    text: str
    removed: list[RemovedLine]
    fetched_at: str
    fingerprint: str
    classifier: str
    spin: dict[str, Any] | None = (
        None  # 伪原创 score, verdict and evidence (``spin.restored`` when restoring)
    )
    extra: dict[str, Any] = field(default_factory=dict)  # fields a newer chain adds (``lines``)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """The article of an article dict (as :func:`newsclean.chain.clean_document` returns)."""
        names = [f for f in cls.__dataclass_fields__ if f != "extra"]
        values = {name: data.get(name) for name in names}
        values["keywords"] = list(data.get("keywords") or [])
        values["paragraphs"] = list(data.get("paragraphs") or [])
        values["removed"] = [
            RemovedLine(r["text"], r["reason"], r.get("score")) for r in data.get("removed", [])
        ]
        extra = {k: v for k, v in data.items() if k not in names}
        return cls(**values, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        """The article JSON object, fields in their documented order."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            if name == "extra":
                continue
            value = getattr(self, name)
            if name == "spin" and value is None:
                continue
            if name == "removed":
                value = [{"text": r.text, "reason": r.reason, "score": r.score} for r in value]
            elif isinstance(value, list):
                value = list(value)
            out[name] = value
        out.update(self.extra)
        return out

    def to_json(self, *, indent: int | None = None) -> str:
        """The article as one JSON document (one line unless ``indent`` is given), UTF-8 text kept."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


class Cleaner:
    """Cleans many pages with one loaded line classifier.

    ``model``: None for the bundled model, a model folder or file path, or a loaded classifier.
    ``restore_spun``: put back the original of 伪原创-swapped words where it is unambiguous (every
    article gets its ``spin`` score either way; ``spin=False`` leaves the field out).
    A Cleaner may be shared between threads; build one per process.
    """

    def __init__(
        self, model: str | Path | LineJudge | None = None, *, spin: bool = True, restore_spun: bool = False
    ) -> None:
        if model is None or isinstance(model, (str, Path)):
            from newsclean.classifiers.model import load_classifier

            model = load_classifier(model)
        self.classifier: LineJudge = model
        self.spin_model = None
        if spin:
            from newsclean.classifiers.spin_model import load_spin_model

            self.spin_model = load_spin_model()
        self.restore_spun = restore_spun

    @property
    def version(self) -> str:
        """The version id of the model that judges the lines (the article's ``classifier``)."""
        return self.classifier.version

    def clean(
        self,
        html: bytes | str,
        url: str | None = None,
        *,
        content_type: str | None = None,
        kind: str | None = None,
        fetched_at: datetime | None = None,
    ) -> Article:
        """The article of one page: bytes (decoded as a browser would; ``content_type`` is the
        HTTP header, if any) or text; ``kind`` ``"html"`` or ``"text"``, sniffed when None.

        Raises NotADocumentError for binary or empty input, NoArticleError when no body is left.
        """
        from newsclean.chain import clean_document

        data = clean_document(
            html,
            url=url or NO_URL,
            classifier=self.classifier,
            content_type=content_type,
            kind=kind,
            fetched_at=fetched_at,
            spin=self.spin_model,
            restore_spun=self.restore_spun,
        )
        return Article.from_dict(data)

    def clean_pages(
        self, pages: Sequence[tuple[bytes | str, str, str | None]], *, fetched_at: datetime | None = None
    ) -> Article:
        """One article split over several pages: ``(html, url, content_type)`` each, in page order.

        Paragraphs are joined in page order, the metadata is page 1's, and the URLs are listed
        in ``extra["pages"]`` (see :func:`newsclean.chain.clean_pages`).
        """
        from newsclean.chain import clean_pages

        data = clean_pages(
            pages,
            classifier=self.classifier,
            fetched_at=fetched_at,
            spin=self.spin_model,
            restore_spun=self.restore_spun,
        )
        return Article.from_dict(data)


_default: Cleaner | None = None
_default_lock = threading.Lock()


def default_cleaner() -> Cleaner:
    """The process's shared Cleaner with the bundled model, built on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Cleaner()
        return _default


def clean(html: bytes | str, url: str | None = None, **options: Any) -> Article:
    """Clean one page with the bundled model (loaded once per process). ``options`` are those of
    :meth:`Cleaner.clean`: ``content_type``, ``kind``, ``fetched_at``."""
    return default_cleaner().clean(html, url, **options)
