"""Pieces of an article reused by the synthetic pages: dated leads, clauses for section
headings and captions, words for keyword lines."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

DATED_LEAD_SHARE = 0.3  # share of synthetic pages whose first paragraph opens with a date


def dated_lead(paragraph: str, rng: random.Random) -> str:
    """The paragraph as a dated news lead ("6月9日，…", "2025年6月9日，…"). Leads open with a date
    in most Chinese news, the training corpora rarely do; without them a date at the start of
    a line reads as the mark of injected "date + headline + keywords" lines."""
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    date = rng.choice((f"{month}月{day}日", f"{rng.randint(2015, 2026)}年{month}月{day}日"))
    return date + rng.choice(("，", "，", " ", "晚间，", "上午，")) + paragraph


_CLAUSE_SPLIT = re.compile(r"[，。；：！？,;:!?、（）()“”\s]+")


def article_phrase(paragraphs: Sequence[str], rng: random.Random, longest: int = 16) -> str | None:
    """A clause of the article (4 to ``longest`` characters) for a section heading or a caption:
    those speak of the article, unlike the related-news headlines after it."""
    pieces = [
        c
        for p in paragraphs
        for c in _CLAUSE_SPLIT.split(p)
        if 4 <= len(c) <= longest and sum(ch.isdigit() for ch in c) * 3 < len(c)  # not a date or a number
    ]
    return rng.choice(pieces) if pieces else None


def article_word(paragraphs: Sequence[str], rng: random.Random) -> str | None:
    """A two- to four-character piece of the article: a keyword a site would tag it with."""
    phrase = article_phrase(paragraphs, rng)
    if not phrase:
        return None
    size = rng.randint(2, 4)
    start = rng.randint(0, max(0, len(phrase) - size))
    return phrase[start : start + size]
