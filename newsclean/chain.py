"""The cleaning chain: bytes of one page in, one article dict out.

decode -> DOM clean -> extract -> lines -> normalise -> metadata lines -> classify -> article.
``newsclean clean`` and the crawl's item pipeline both call :func:`clean_document`, so a crawl
and a one-off clean can never disagree.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from newsclean.core.errors import NoArticleError
from newsclean.core.types import Removed
from newsclean.pipelines.article import build_article
from newsclean.pipelines.classify import decide
from newsclean.pipelines.decode import decode_bytes, looks_like_html
from newsclean.pipelines.domclean import clean_dom
from newsclean.pipelines.extract import extract_html
from newsclean.pipelines.lines import to_lines, unreadable_lines
from newsclean.pipelines.metalines import split_metadata
from newsclean.pipelines.normalise import normalise_lines, normalise_meta, traditional_chars
from newsclean.pipelines.textdump import extract_text

if TYPE_CHECKING:
    from newsclean.classifiers.model import LineClassifier

MIN_ARTICLE_CHARS = 30  # below this what is left is a stray line, not an article body


def clean_document(
    data: bytes | str,
    *,
    url: str,
    content_type: str | None = None,
    kind: str | None = None,
    classifier: LineClassifier | None = None,
    fetched_at: datetime | None = None,
    with_lines: bool = False,
) -> dict:
    """Clean one page. ``kind`` is ``"html"`` or ``"text"``; sniffed from the content when None.

    ``with_lines`` adds a ``lines`` field: every line in page order, kept or not (for review).
    Raises NotADocumentError for binary or empty data and NoArticleError when no body is left.
    """
    if classifier is None:
        from newsclean.classifiers.model import load_classifier

        classifier = load_classifier()
    text = decode_bytes(data, content_type).text if isinstance(data, bytes) else data
    if kind is None:
        kind = "html" if looks_like_html(text) else "text"
    if kind == "html":
        soup, hidden = clean_dom(text)
        extracted = extract_html(soup, url)
        set_aside = hidden + extracted.removed
    else:
        extracted = extract_text(text)
        set_aside = list(extracted.removed)

    raw_lines = to_lines(extracted.blocks)
    set_aside += [Removed(text, "boilerplate", None) for text in unreadable_lines(extracted.blocks)]
    all_lines, conversion = normalise_lines(raw_lines)
    meta = normalise_meta(extracted.meta, conversion)
    body_lines, meta, meta_removed = split_metadata(all_lines, meta)
    decisions = decide(body_lines, classifier)
    fates = dict(zip(_page_indexes(all_lines, meta_removed), decisions, strict=True))
    kept = [d.line for d in decisions if d.kept]
    judged = [Removed(d.line.text, d.reason or "boilerplate", d.score) for d in decisions if not d.kept]
    removed = set_aside + meta_removed + judged

    if sum(len(line.text) for line in kept) < MIN_ARTICLE_CHARS:
        raise NoArticleError(_no_article_message(len(all_lines), removed))
    meta.keywords, meta.title = _vet_short_texts(meta.keywords, meta.title, kept, classifier)
    article = build_article(
        url=url,
        meta=meta,
        kept=kept,
        removed=removed,
        converted=_converted(conversion.converted, raw_lines, fates, extracted.meta.title),
        conversion=conversion.config,
        classifier_version=classifier.version,
        fetched_at=fetched_at,
    )
    if with_lines:
        article["lines"] = _page_order(all_lines, fates, set_aside)
    return article


def _vet_short_texts(keywords, title, kept, classifier) -> tuple[list[str], str | None]:
    """Keywords and title minus spam, in one batched classifier call.

    A keyword that occurs in the clean body is kept as it is: a lone word like 芯片 is too short
    for the line classifier to judge. The others stay only when the classifier calls them
    content; the title goes only when it is called spam or adult and does not echo the body (a
    spam <title> is worse than none).
    """
    body = "".join(line.text for line in kept)
    keywords = list(dict.fromkeys(keywords))  # the page's order, each once
    unsure = [k for k in keywords if k not in body]
    texts = [*unsure, title] if title else unsure
    verdicts = dict(zip(texts, classifier.predict_texts(texts), strict=True)) if texts else {}
    kept_keywords = [k for k in keywords if k in body or verdicts[k].label == "content"]
    if title and verdicts[title].label in ("spam", "adult") and not _echoes_body(title, body):
        title = None
    return kept_keywords, title


TITLE_ECHO_SHARE = 0.7


def _echoes_body(title: str, body: str) -> bool:
    """True when most of the title's character bigrams occur in the clean body: the headline of
    a news story about moderation or gambling uses the story's words, while an injected title
    (site names, adult terms glued to a headline) brings words the article never uses."""
    pairs = {
        title[i : i + 2] for i in range(len(title) - 1) if not any(c.isspace() for c in title[i : i + 2])
    }
    if len(pairs) < 4:
        return False
    return sum(p in body for p in pairs) / len(pairs) >= TITLE_ECHO_SHARE


def _page_indexes(all_lines, meta_removed) -> list[int]:
    """The page index of each body line, in order.

    split_metadata renumbers the body lines it keeps and lists the lines it drops in page order,
    so walking the page's lines against that list tells where each body line came from. A text
    that occurs twice counts as the dropped line first: split_metadata drops the header copy."""
    dropped = iter(r.text for r in meta_removed)
    next_dropped = next(dropped, None)
    out = []
    for line in all_lines:
        if line.text == next_dropped:
            next_dropped = next(dropped, None)
        else:
            out.append(line.index)
    return out


def _converted(any_converted: bool, raw_lines, fates, raw_title: str | None) -> bool:
    """True when Traditional characters were converted in what the article keeps (not in dropped spam)."""
    if not any_converted:
        return False
    raw = {line.index: line.text for line in raw_lines}
    return any(d.kept and traditional_chars(raw[i]) for i, d in fates.items()) or bool(
        raw_title and traditional_chars(raw_title)
    )


def _page_order(all_lines, fates, set_aside) -> list[dict]:
    """Every line in page order with its fate; hidden text (no position) comes first."""
    out = [{"text": r.text, "kept": False, "reason": r.reason, "score": r.score} for r in set_aside]
    for line in all_lines:
        d = fates.get(line.index)
        kept, reason, score = (d.kept, d.reason, d.score) if d else (False, "metadata", None)
        out.append({"text": line.text, "kept": kept, "reason": reason, "score": score})
    return out


def _no_article_message(n_lines: int, removed: list[Removed]) -> str:
    counts = Counter(r.reason for r in removed)
    detail = ", ".join(f"{reason} {n}" for reason, n in counts.most_common()) or "nothing readable"
    return f"no article body found ({n_lines} lines; removed: {detail})"
