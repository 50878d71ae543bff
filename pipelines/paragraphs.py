"""Hard-wrapped text back into paragraphs: old pages, ``<pre>`` blocks and text dumps that break
lines every ~40 characters mid-sentence.

Judged one by one, such fragments read as boilerplate; joined, they are the paragraphs they
were. Text counts as hard-wrapped when several lines run to about the same width and most of
them stop without a sentence's end; a paragraph then ends at a short line, a blank line or an
indented line.
"""

from __future__ import annotations

import unicodedata

from newsclean.core.text import SENTENCE_FINAL

MIN_WRAP_WIDTH = 20  # display columns: narrower "lines" are lists or verse, not wrapped prose
MIN_WRAPPED_LINES = 3
FULL_SHARE = 0.85  # a line this close to the wrap width was cut by the wrap
OPEN_SHARE = 0.5  # this share of full lines ending mid-sentence says the text was wrapped
WIDTH_QUANTILE = 0.8
INDENTS = ("　", "  ", "\t")


def display_width(text: str) -> int:
    """Columns the text takes in a fixed-width font: two for CJK and full-width characters."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap_width(lines: list[str]) -> int | None:
    """The width the lines were wrapped at, or None when they are not hard-wrapped."""
    widths = sorted(w for w in (display_width(line.strip()) for line in lines) if w >= MIN_WRAP_WIDTH)
    if len(widths) < MIN_WRAPPED_LINES:
        return None
    width = widths[int(WIDTH_QUANTILE * (len(widths) - 1))]
    full = [line.strip() for line in lines if display_width(line.strip()) >= FULL_SHARE * width]
    if len(full) < MIN_WRAPPED_LINES:
        return None
    open_ended = sum(1 for line in full if not line.endswith(SENTENCE_FINAL))
    return width if open_ended >= OPEN_SHARE * len(full) else None


def rewrap(lines: list[str]) -> list[str]:
    """The lines with hard-wrapped paragraphs joined; unchanged when the text is not wrapped.

    Blank lines come back as paragraph breaks only when the lines are wrapped (they are
    dropped either way by the steps after).
    """
    if len(lines) < MIN_WRAPPED_LINES:
        return lines
    width = wrap_width(lines)
    if width is None:
        return lines
    out: list[str] = []
    current = ""
    for raw in lines:
        text = raw.strip()
        if not text or (raw.startswith(INDENTS) and current):
            if current:
                out.append(current)
            current = ""
            if not text:
                continue
        current = _join(current, text)
        if display_width(text) < FULL_SHARE * width:
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def _join(left: str, right: str) -> str:
    """Join two fragments: a space only between two Latin letters or digits (a wrapped word gap)."""
    if not left:
        return right
    if left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right
