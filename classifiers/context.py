"""Page-context features for the second stage.

Injected lines cluster (a tail block after the article, a link list), and an ordinary headline
means something different inside the body (a section heading) and after the article's last
paragraph (a related-news list). So the second stage sees the first stage's probabilities of a
line and its neighbours, where the line sits relative to the article body, and the layout the
extractor recorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from classifiers.features import SHAPE_NAMES
from classifiers.text import NOT_KEPT
from pipelines.types import Line

OFFSETS = (-2, -1, 1, 2)
BODY_MIN_CHARS = 50  # a "long content-like line": the article body's paragraphs
BODY_END = ("。", "。”", "。）", "；", ".", "：", ":")
CONTENT = 0  # column of the content probability (labels are ordered content, spam, adult, boilerplate)
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "title", "caption"}
LIST_TAGS = {"li", "dd", "dt", "td"}
SENT_END = tuple("。！？!?…”」』")
N_LAYOUT = 24  # page-layout columns built in _page_features


def _bigrams(text: str) -> set[str]:
    t = NOT_KEPT.sub("", text.lower())
    return {t[i : i + 2] for i in range(len(t) - 1)}


def body_overlap(texts: Sequence[str], body: np.ndarray) -> np.ndarray:
    """Share of each line's character bigrams that occur in the page's body lines (its own
    bigrams left out). Section headings, captions and closing lines speak of the article
    and share its words; related-news headlines and injected lines bring words it never uses."""
    grams = [_bigrams(t) for t in texts]
    counts: Counter[str] = Counter()
    for g, is_body in zip(grams, body, strict=True):
        if is_body:
            counts.update(g)
    in_body = set(counts)  # for other lines: any body line has the bigram
    in_other_body = {b for b, c in counts.items() if c > 1}  # for a body line: another one has it
    out = np.zeros(len(texts), dtype=np.float32)
    for i, g in enumerate(grams):
        if len(g) >= 2:
            out[i] = len(g & (in_other_body if body[i] else in_body)) / len(g)
    return out


def _page_features(p: np.ndarray, lines: Sequence[Line], shape_rows: np.ndarray) -> np.ndarray:
    n, k = p.shape
    lengths = np.array([len(line.text.strip()) for line in lines], dtype=np.float32)
    sentence = np.array([line.text.rstrip().endswith(BODY_END) for line in lines], dtype=bool)
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
    content_run = np.zeros(n, dtype=np.float32)  # length of the content-like run the line sits in
    run = 0
    for i in range(n):
        run = run + 1 if nonbody[i] == 0 else 0
        content_run[i] = run
    before = (idx < first).astype(np.float32)
    lines_after = np.clip(idx - last, 0, 12) / 12.0 * after
    lines_before = np.clip(first - idx, 0, 12) / 12.0 * before
    cols = [p]
    logp = np.log(np.clip(p, 1e-4, 1.0))
    cols.append(logp)
    for off in OFFSETS:
        shifted = np.full((n, k), 0.0, dtype=np.float32)
        present = np.zeros((n, 1), dtype=np.float32)
        src = idx + off
        ok = (src >= 0) & (src < n)
        shifted[ok] = p[src[ok]]
        present[ok] = 1.0
        cols.extend([shifted, present])
    bad = p[:, 1] + p[:, 2]
    window = np.zeros(n, dtype=np.float32)
    wcount = np.zeros(n, dtype=np.float32)
    for off in range(-3, 4):
        if off == 0:
            continue
        src = idx + off
        ok = (src >= 0) & (src < n)
        window[ok] += bad[src[ok]]
        wcount[ok] += 1
    window = window / np.maximum(1, wcount)
    boiler_window = np.zeros(n, dtype=np.float32)
    for off in (-2, -1, 1, 2):
        src = idx + off
        ok = (src >= 0) & (src < n)
        boiler_window[ok] += p[src[ok], 3] / 4
    has_layout = float(any((not line.in_main) or line.link_density > 0 or line.in_list for line in lines))
    tags = [line.tag for line in lines]
    shape = np.zeros((n, N_LAYOUT), dtype=np.float32)
    overlap = body_overlap([line.text for line in lines], body)
    shape[:, 22] = overlap
    shape[1:, 23] = overlap[:-1]  # a neighbour that speaks the article's words: a list or table
    shape[:-1, 23] = np.maximum(shape[:-1, 23], overlap[1:])
    bodyf = body.astype(np.float32)
    shape[1:, 20] = bodyf[:-1]  # the line before is a body line
    shape[:-1, 21] = bodyf[1:]  # the line after is a body line
    shape[:, 16] = np.minimum(gap_after, 5) / 5
    shape[:, 17] = np.minimum(gap_before, 5) / 5
    shape[:, 18] = np.minimum(content_run, 10) / 10
    shape[:, 19] = [1.0 if line.text.rstrip().endswith((":", "：")) else 0.0 for line in lines]
    shape[:, 0] = idx / max(1, n - 1)
    shape[:, 1] = after
    shape[:, 2] = before
    shape[:, 3] = lines_after
    shape[:, 4] = lines_before
    shape[:, 5] = np.log1p(lengths) / 6
    shape[:, 6] = [1.0 if line.text.rstrip().endswith(SENT_END) else 0.0 for line in lines]
    shape[:, 7] = [1.0 if line.in_main else 0.0 for line in lines]
    shape[:, 8] = [float(line.link_density) for line in lines]
    shape[:, 9] = [1.0 if line.in_list else 0.0 for line in lines]
    shape[:, 10] = [1.0 if t in HEADING_TAGS else 0.0 for t in tags]
    shape[:, 11] = [1.0 if t in LIST_TAGS else 0.0 for t in tags]
    shape[:, 12] = [1.0 if t == "text" else 0.0 for t in tags]
    shape[:, 13] = has_layout
    shape[:, 14] = window
    shape[:, 15] = boiler_window
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
