"""Page-context features for the second stage.

Injected lines cluster (a tail block after the article, a link list), and an ordinary headline
means something different inside the body (a section heading) and after the article's last
paragraph (a related-news list). So the second stage sees the first stage's probabilities of a
line and its neighbours, where the line sits relative to the article body, and the layout the
extractor recorded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newsclean.classifiers.features import SHAPE_NAMES
from newsclean.classifiers.text import NOT_KEPT
from newsclean.core.text import ITEM_BLOCK_TAGS, PARAGRAPH_FINAL, SENTENCE_FINAL
from newsclean.core.types import Line

OFFSETS = (-2, -1, 1, 2)
BODY_MIN_CHARS = 50  # a "long content-like line": the article body's paragraphs
BODY_END = PARAGRAPH_FINAL
CONTENT = 0  # column of the content probability (labels are ordered content, spam, adult, boilerplate)
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "title", "caption"}
LIST_TAGS = ITEM_BLOCK_TAGS
SENT_END = SENTENCE_FINAL
# The page-layout columns _page_features builds, in their order in a feature row.
LAYOUT_NAMES = (
    "position",  # place on the page, 0..1
    "after_body",  # after the article's last body line
    "before_body",  # before its first body line
    "lines_after",  # how far after the body (capped at 12 lines)
    "lines_before",  # how far before it
    "log_len",
    "sentence_end",
    "in_main",  # inside the article container
    "link_density",
    "in_list",
    "heading_tag",
    "list_tag",
    "text_dump",  # a plain-text page: no layout at all
    "has_layout",  # the page has any layout information
    "spam_window",  # neighbours' (±3) spam+adult share
    "boiler_window",  # neighbours' (±2) boilerplate share
    "gap_after",  # non-content lines between the body's end and this line
    "gap_before",  # the same before the body's start
    "content_run",  # length of the content-like run the line sits in
    "colon_end",  # ends with a colon (a label before a list or a value)
    "body_before",  # the line before is a body line
    "body_after",  # the line after is a body line
    "body_overlap",  # share of its bigrams in the body lines
    "neighbour_overlap",  # the larger of its neighbours' body_overlap
    "short_run",  # length of the run of short lines it sits in (/10)
    "short_run_overlap",  # that run's mean body_overlap
    "table_row",  # as many pipe-separated cells as a neighbour
)
N_LAYOUT = len(LAYOUT_NAMES)
LIST_ITEM_CHARS = 40  # a line this short, without a sentence's end, may be a list item


def body_overlap(texts: Sequence[str], body: np.ndarray) -> np.ndarray:
    """Share of each line's distinct character bigrams that occur in the page's body lines (its
    own bigrams left out). Section headings, captions and closing lines speak of the article
    and share its words; related-news headlines and injected lines bring words it never uses.

    Vectorised over the page: each bigram is two code points packed in one integer, and a
    (line, bigram) pair one more integer; sorting them replaces per-line Python sets."""
    n = len(texts)
    out = np.zeros(n, dtype=np.float32)
    kept = [NOT_KEPT.sub("", t.lower()) for t in texts]
    lengths = np.fromiter((len(t) for t in kept), dtype=np.int64, count=n)
    if lengths.sum() < 2:
        return out
    cp = np.frombuffer("".join(kept).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    row = np.repeat(np.arange(n, dtype=np.uint64), lengths)
    same_line = row[:-1] == row[1:]
    gram = (cp[:-1] << np.uint64(21)) | cp[1:]  # code points have 21 bits
    pairs = np.unique((row[:-1][same_line] << np.uint64(42)) | gram[same_line])
    line_of = (pairs >> np.uint64(42)).astype(np.int64)
    gram = pairs & np.uint64((1 << 42) - 1)
    from_body = body[line_of]
    body_grams, body_lines = np.unique(gram[from_body], return_counts=True)
    if not len(body_grams):
        return out
    at = np.minimum(np.searchsorted(body_grams, gram), len(body_grams) - 1)
    lines_with = np.where(body_grams[at] == gram, body_lines[at], 0)
    hit = lines_with > from_body  # for a body line, another body line must have the bigram
    size = np.bincount(line_of, minlength=n)
    hits = np.bincount(line_of, weights=hit, minlength=n)
    has = size >= 2
    out[has] = hits[has] / size[has]
    return out


# The raw per-line values read from the Line objects in one pass (see _page_features).
_RAW = (
    "chars", "body_end", "colon_end", "sentence_end", "in_main", "link_density", "in_list",
    "heading_tag", "list_tag", "text_dump", "pipes",
)  # fmt: skip


def _page_features(p: np.ndarray, lines: Sequence[Line], shape_rows: np.ndarray) -> np.ndarray:
    n, k = p.shape
    # One pass over the Line objects; everything after it works on arrays.
    layout = np.array(
        [
            (
                len(t.strip()),
                t.endswith(BODY_END),
                t.endswith((":", "：")),
                t.endswith(SENT_END),
                line.in_main,
                line.link_density,
                line.in_list,
                line.tag in HEADING_TAGS,
                line.tag in LIST_TAGS,
                line.tag == "text",
                t.count("|"),
            )
            for line in lines
            for t in (line.text.rstrip(),)
        ],
        dtype=np.float32,
    ).reshape(n, len(_RAW))
    raw = dict(zip(_RAW, layout.T, strict=True))
    lengths = raw["chars"]
    sentence = raw["body_end"] > 0
    # Body lines: content-like and either long or a finished sentence (headlines rarely end in 。).
    body = (p[:, CONTENT] > 0.5) & ((lengths >= BODY_MIN_CHARS) | (sentence & (lengths >= 6)))
    idx = np.arange(n)
    if body.any():
        first, last = idx[body][0], idx[body][-1]
    else:
        first, last = n, -1
    after = (idx > last).astype(np.float32)
    # Non-content lines between the body's edge and this line: a short last paragraph follows
    # the body directly, a related-news list usually comes after credits, a header or a share bar.
    nonbody = (p[:, CONTENT] < 0.5).astype(np.float32)
    cum = np.cumsum(nonbody)
    gap_after = np.zeros(n, dtype=np.float32)
    gap_before = np.zeros(n, dtype=np.float32)
    if last >= 0:
        gap_after = np.where(idx > last, cum - nonbody - cum[last], 0.0)
        first_cum = cum[first] - nonbody[first]
        gap_before = np.where(idx < first, first_cum - cum, 0.0)
    # Length of the content-like run each line sits in (0 for a non-content line).
    last_break = np.maximum.accumulate(np.where(nonbody > 0, idx, -1))
    content_run = np.where(nonbody > 0, 0, idx - last_break).astype(np.float32)
    before = (idx < first).astype(np.float32)
    cols = [p]
    logp = np.log(np.clip(p, 1e-4, 1.0))
    cols.append(logp)
    # Neighbours by slicing zero-padded copies: no per-offset index arithmetic.
    pad = 3
    padded = np.zeros((n + 2 * pad, k), dtype=np.float32)
    padded[pad : pad + n] = p
    there = np.zeros(n + 2 * pad, dtype=np.float32)
    there[pad : pad + n] = 1.0

    def near(a: np.ndarray, off: int) -> np.ndarray:
        return a[pad + off : pad + off + n]

    for off in OFFSETS:
        cols.extend([near(padded, off), near(there, off)[:, None]])
    bad = padded[:, 1] + padded[:, 2]
    window = np.zeros(n, dtype=np.float32)
    wcount = np.zeros(n, dtype=np.float32)
    for off in (-3, -2, -1, 1, 2, 3):
        window += near(bad, off)
        wcount += near(there, off)
    boiler_window = np.zeros(n, dtype=np.float32)
    for off in (-2, -1, 1, 2):
        boiler_window += near(padded, off)[:, 3] / 4
    overlap = body_overlap([line.text for line in lines], body)
    # a neighbour that speaks the article's words: a list or table
    neighbour_overlap = np.zeros(n, dtype=np.float32)
    neighbour_overlap[1:] = overlap[:-1]
    neighbour_overlap[:-1] = np.maximum(neighbour_overlap[:-1], overlap[1:])
    # Runs of short lines: a feature list or a table in the article speaks its words as a
    # whole (some items more than others); a menu, a tag cloud or a link farm does not.
    short = (lengths <= LIST_ITEM_CHARS) & ~sentence
    run_id = np.cumsum(~short)
    run_size = np.bincount(run_id, weights=short)
    run_overlap = np.bincount(run_id, weights=overlap * short) / np.maximum(run_size, 1)
    # Table rows: a line of three or more pipe-separated cells next to a line with as many cells.
    # An injected pipe run stands alone or among lines of other shapes.
    pipes = raw["pipes"]
    row = pipes >= 2
    same = np.zeros(n, dtype=bool)
    same[1:] |= row[1:] & (pipes[1:] == pipes[:-1])
    same[:-1] |= row[:-1] & (pipes[:-1] == pipes[1:])
    bodyf = body.astype(np.float32)
    body_before = np.zeros(n, dtype=np.float32)
    body_before[1:] = bodyf[:-1]
    body_after = np.zeros(n, dtype=np.float32)
    body_after[:-1] = bodyf[1:]
    has_layout = float(
        (raw["in_main"] == 0).any() or (raw["link_density"] > 0).any() or (raw["in_list"] > 0).any()
    )
    named = {
        "position": idx / max(1, n - 1),
        "after_body": after,
        "before_body": before,
        "lines_after": np.clip(idx - last, 0, 12) / 12.0 * after,
        "lines_before": np.clip(first - idx, 0, 12) / 12.0 * before,
        "log_len": np.log1p(lengths) / 6,
        "sentence_end": raw["sentence_end"],
        "in_main": raw["in_main"],
        "link_density": raw["link_density"],
        "in_list": raw["in_list"],
        "heading_tag": raw["heading_tag"],
        "list_tag": raw["list_tag"],
        "text_dump": raw["text_dump"],
        "has_layout": np.full(n, has_layout),
        "spam_window": window / np.maximum(1, wcount),
        "boiler_window": boiler_window,
        "gap_after": np.minimum(gap_after, 5) / 5,
        "gap_before": np.minimum(gap_before, 5) / 5,
        "content_run": np.minimum(content_run, 10) / 10,
        "colon_end": raw["colon_end"],
        "body_before": body_before,
        "body_after": body_after,
        "body_overlap": overlap,
        "neighbour_overlap": neighbour_overlap,
        "short_run": np.where(short, np.minimum(run_size[run_id], 10) / 10, 0.0),
        "short_run_overlap": np.where(short, run_overlap[run_id], 0.0),
        "table_row": same,
    }
    shape = np.zeros((n, N_LAYOUT), dtype=np.float32)
    for j, name in enumerate(LAYOUT_NAMES):
        shape[:, j] = named[name]
    return np.hstack([*cols, shape, shape_rows]).astype(np.float32)


def context_features(p: np.ndarray, pages: Sequence[Sequence[Line]], line_shape: np.ndarray) -> np.ndarray:
    """Stage-2 feature rows for consecutive pages; ``p`` holds the stage-1 probabilities and
    ``line_shape`` the stage-1 shape features (features.SHAPE_NAMES) of the lines in the same
    order. The shape features come along because stage 1 only adds them up: the context stage
    can combine them with a line's place (a short keyword run inside the body is never a
    paragraph, a contact number after the article is never a credit line)."""
    out = []
    start = 0
    for lines in pages:
        end = start + len(lines)
        if lines:
            out.append(_page_features(p[start:end], lines, line_shape[start:end]))
        start = end
    if not out:
        return np.zeros((0, n_context_features(p.shape[1])), dtype=np.float32)
    return np.vstack(out)


def n_context_features(k: int) -> int:
    return 2 * k + len(OFFSETS) * (k + 1) + N_LAYOUT + len(SHAPE_NAMES)


def layout_column(name: str, k: int) -> int:
    """Where the layout column ``name`` sits in a context feature row (``k`` labels): after the
    line's probabilities and log-probabilities and the neighbours' probabilities."""
    return 2 * k + len(OFFSETS) * (k + 1) + LAYOUT_NAMES.index(name)
