"""The cleaning chain: bytes of one page in, one article dict out.

decode -> DOM clean -> extract -> lines -> normalise -> metadata lines -> classify -> article.
``newsclean clean`` and the crawl's item pipeline both call :func:`clean_document`, so a crawl
and a one-off clean can never disagree. The chain only composes the steps: each step makes its
own decisions, and the line classifier is the caller's (loaded once, passed in).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from newsclean.core.errors import NewscleanError, NoArticleError
from newsclean.core.judge import LineJudge
from newsclean.core.types import Line, Removed
from newsclean.pipelines.article import build_article, detect_language, fingerprint
from newsclean.pipelines.classify import Decision, cut_clauses, decide, vet_meta
from newsclean.pipelines.decode import decode_bytes, looks_like_html
from newsclean.pipelines.domclean import clean_dom
from newsclean.pipelines.extract import extract_html
from newsclean.pipelines.lines import to_lines, unreadable_lines
from newsclean.pipelines.metalines import split_metadata
from newsclean.pipelines.normalise import normalise_page
from newsclean.pipelines.pagekind import not_an_article
from newsclean.pipelines.pager import is_pager_text
from newsclean.pipelines.scriptmeta import fill_missing, script_metadata
from newsclean.pipelines.spin import SpinModel, spin_field
from newsclean.pipelines.textdump import extract_text

MIN_ARTICLE_CHARS = 30  # below this what is left is a stray line, not an article body

logger = logging.getLogger(__name__)

Page = tuple[bytes | str, str, str | None]  # a page's bytes or text, its URL, its Content-Type


def clean_document(
    data: bytes | str,
    *,
    url: str,
    classifier: LineJudge,
    content_type: str | None = None,
    kind: str | None = None,
    fetched_at: datetime | None = None,
    with_lines: bool = False,
    spin: SpinModel | None = None,
    restore_spun: bool = False,
) -> dict:
    """Clean one page. ``kind`` is ``"html"`` or ``"text"``; sniffed from the content when None.

    With a ``spin`` model the article gets a ``spin`` field (score, verdict, evidence of 伪原创
    word swaps); ``restore_spun`` also puts back the originals where they are unambiguous.

    ``with_lines`` adds a ``lines`` field: every line in page order, kept or not (for review).
    Raises NotADocumentError for binary or empty data and NoArticleError when no body is left.
    """
    text = decode_bytes(data, content_type).text if isinstance(data, bytes) else data
    if kind is None:
        kind = "html" if looks_like_html(text) else "text"
    if kind == "html":
        doc, hidden = clean_dom(text)
        extracted = extract_html(doc, url)
        extracted.meta = fill_missing(extracted.meta, script_metadata(text))
        set_aside = hidden + extracted.removed
    else:
        extracted = extract_text(text)
        set_aside = list(extracted.removed)

    set_aside += [Removed(text, "boilerplate", None) for text in unreadable_lines(extracted.blocks)]
    all_lines, meta, conversion = normalise_page(to_lines(extracted.blocks), extracted.meta)
    split = split_metadata(all_lines, meta)
    decisions, clauses = cut_clauses(decide(split.body, classifier), classifier)
    fates = dict(zip(split.page_indexes, decisions, strict=True))
    kept = [d.line for d in decisions if d.kept]
    judged = [Removed(d.line.text, d.reason or "boilerplate", d.score) for d in decisions if not d.kept]
    removed = set_aside + split.removed + judged + clauses

    refused = not_an_article(kept, split.meta.title) if kept else None
    if refused:
        raise NoArticleError(f"no article: {refused}")
    if sum(len(line.text) for line in kept) < MIN_ARTICLE_CHARS:
        raise NoArticleError(_no_article_message(len(kept), removed))
    article = build_article(
        url=url,
        meta=vet_meta(split.meta, kept, classifier),
        kept=kept,
        removed=removed,
        converted=conversion.converted_in(i for i, d in fates.items() if d.kept),
        conversion=conversion.config,
        classifier_version=classifier.version,
        fetched_at=fetched_at,
    )
    if spin is not None:
        _add_spin(article, spin, restore_spun)
    if with_lines:
        article["lines"] = _page_order(all_lines, fates, set_aside)
    return article


def clean_pages(
    pages: Sequence[Page],
    *,
    classifier: LineJudge,
    fetched_at: datetime | None = None,
    with_lines: bool = False,
    spin: SpinModel | None = None,
    restore_spun: bool = False,
    clean: Callable[..., dict] | None = None,
) -> dict:
    """Clean the pages of one article split over several pages into one article.

    Each page goes through :func:`clean_document`; the paragraphs are joined in page order.
    Title, date, source, author and keywords are page 1's. A paragraph that every page carries
    (a repeated header or footer line the classifier let through) is kept once, its repeats
    listed as removed ``duplicate``. A later page without an article body adds nothing (logged);
    page 1 without one raises NoArticleError as for a single page. A paragraph that is only a
    pager (``1``, ``上一页 2 下一页``) goes too. With more than one page the
    article gets a ``pages`` field: the URLs of all pages, in order. ``clean`` replaces
    :func:`clean_document` on each page (a crawl's own cleaner).
    """
    clean = clean or clean_document
    if not pages:
        raise NoArticleError("no article: no pages")
    data, url, ctype = pages[0]
    if len(pages) == 1:  # exactly clean_document's article
        spun = {"spin": spin, "restore_spun": restore_spun} if spin is not None else {}
        return clean(
            data,
            url=url,
            content_type=ctype,
            classifier=classifier,
            fetched_at=fetched_at,
            with_lines=with_lines,
            **spun,
        )
    first = clean(
        data, url=url, content_type=ctype, classifier=classifier, fetched_at=fetched_at, with_lines=with_lines
    )
    parts = [first]
    for data, page_url, ctype in pages[1:]:
        try:
            parts.append(
                clean(data, url=page_url, content_type=ctype, classifier=classifier, with_lines=with_lines)
            )
        except NewscleanError as err:
            logger.info("page %s of %s adds nothing: %s", page_url, url, err)
    common = set(parts[0]["paragraphs"]).intersection(*(p["paragraphs"] for p in parts[1:]))
    paragraphs = list(first["paragraphs"])
    removed = list(first["removed"])
    lines = list(first.get("lines") or [])
    for part in parts[1:]:
        removed += part["removed"]
        lines += part.get("lines") or []
        for text in part["paragraphs"]:
            if text in common:
                removed.append({"text": text, "reason": "duplicate", "score": None})
            else:
                paragraphs.append(text)
    pager = [text for text in paragraphs if is_pager_text(text)]  # a page number left by a pager
    paragraphs = [text for text in paragraphs if not is_pager_text(text)]
    removed += [{"text": text, "reason": "boilerplate", "score": None} for text in pager]
    article = dict(first)
    article["paragraphs"] = paragraphs
    article["text"] = "\n".join(paragraphs)
    article["language"] = detect_language(article["text"])
    article["converted"] = any(p["converted"] for p in parts)
    article["conversion"] = next((p["conversion"] for p in parts if p.get("conversion")), None)
    article["removed"] = removed
    article["fingerprint"] = fingerprint(article["text"])
    article["pages"] = [page_url for _, page_url, _ in pages]
    article.pop("lines", None)
    if spin is not None:
        _add_spin(article, spin, restore_spun)
    if with_lines:
        article["lines"] = lines
    return article


def _add_spin(article: dict, model: SpinModel, restore: bool) -> None:
    """The ``spin`` field; restored words change the text, so its fingerprint follows."""
    paragraphs, article["spin"] = spin_field(article["paragraphs"], model, restore=restore)
    if paragraphs != article["paragraphs"]:
        article["paragraphs"] = paragraphs
        article["text"] = "\n".join(paragraphs)
        article["fingerprint"] = fingerprint(article["text"])


def _page_order(all_lines: list[Line], fates: dict[int, Decision], set_aside: list[Removed]) -> list[dict]:
    """Every line in page order with its fate; hidden text (no position) comes first."""
    out = [{"text": r.text, "kept": False, "reason": r.reason, "score": r.score} for r in set_aside]
    for line in all_lines:
        d = fates.get(line.index)
        kept, reason, score = (d.kept, d.reason, d.score) if d else (False, "metadata", None)
        out.append({"text": line.text, "kept": kept, "reason": reason, "score": score})
    return out


def _no_article_message(n_kept: int, removed: list[Removed]) -> str:
    """Counts that add up: every line of the page was kept (too few to be a body) or removed."""
    counts = Counter(r.reason for r in removed)
    detail = ", ".join(f"{reason} {n}" for reason, n in counts.most_common()) or "nothing readable"
    total = n_kept + len(removed)
    return f"no article body found ({total} lines: {n_kept} kept, {len(removed)} removed: {detail})"
