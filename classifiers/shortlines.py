"""Short content lines: tech words, generic section headings and captions that stand alone
inside an article ("芯片", "无人机", "结语", "图为机器人").

Stage 1 met few lines this short apart from lexicon terms, so a two-character tech word can
read as an adult keyword. The tech words are split: 60% for training, 40% held out; the
*battery* puts the held-out side into held-out articles, as headings, captions and text-dump
lines, and counts how many are removed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from newsclean.classifiers.examples import Example
from newsclean.classifiers.split import Side, bucket, section_headings
from newsclean.classifiers.wordlists import words
from newsclean.core.types import Line

TECH_TEST_PCT = 40  # tech words held out for the battery
BATTERY_SEED = 20261204
BATTERY_CONTEXT_PARAGRAPHS = 6
# How a short word stands in an article: (form, tag of an html page). Text dumps get each too.
FORMS = (
    ("{t}", "h2"),
    ("{t}", "h3"),
    ("图为{t}", "p"),
    ("一、{t}", "h2"),
    ("{t}怎么样", "p"),
)


def tech_terms(part: str) -> list[str]:
    """The tech words of one side: ``test`` (the battery's) or the rest (training's)."""
    want_test = part == "test"
    return [t for t in words("tech_terms") if (bucket("tech:" + t) < TECH_TEST_PCT) == want_test]


def battery_lines() -> list[tuple[str, str, str]]:
    """(text, html tag, form) of every battery line: the held-out tech words in every form, and
    the generic section headings neither stage learned (held-out and calibration ones)."""
    out = [(form.format(t=t), tag, form) for t in tech_terms("test") for form, tag in FORMS]
    trainable = set(tech_terms("train"))  # a generic heading that is also a trainable tech word
    for h in section_headings("test") + section_headings("calib"):
        if h not in trainable:
            out.append((h, "h2", "section-heading"))
    return out


def _page(
    paragraphs: Sequence[str], title: str | None, line: tuple[str, str], at: int, html: bool
) -> tuple[list[Line], int]:
    """The page's lines and the battery line's index: ``line`` (text, tag) after paragraph ``at``."""
    head: list[tuple[str, str]] = [(title, "h1")] if title and html else []
    texts = head + [(p, "p") for p in paragraphs[:at]] + [line] + [(p, "p") for p in paragraphs[at:]]
    total = len(texts)
    lines = [
        Line(text=t, tag=tag if html else "text", index=i, total=total) for i, (t, tag) in enumerate(texts)
    ]
    return lines, len(head) + at


def battery_pages(test_side: Side, seed: int = BATTERY_SEED) -> list[list[Example]]:
    """Each battery line once in an html page and once in a text dump, between two paragraphs of
    a held-out article. Every line is content; the battery line's source is ``battery:<form>``,
    the article's ``battery-context``."""
    rng = random.Random(seed)
    articles = [a for a in test_side.articles if len(a["paragraphs"]) >= 2]
    pages: list[list[Example]] = []
    if not articles:
        return pages
    for text, tag, form in battery_lines():
        for html in (True, False):
            a = articles[len(pages) % len(articles)]
            paras = a["paragraphs"][:BATTERY_CONTEXT_PARAGRAPHS]
            lines, at = _page(paras, a.get("title"), (text, tag), rng.randint(1, len(paras) - 1), html)
            page_id = f"battery-{len(pages)}"
            pages.append(
                [
                    Example(
                        line.text,
                        "content",
                        f"battery:{form}" if i == at else "battery-context",
                        page=page_id,
                        line=line,
                    )
                    for i, line in enumerate(lines)
                ]
            )
    return pages


def is_battery_line(e: Example) -> bool:
    return e.source.startswith("battery:")
