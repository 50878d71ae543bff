"""Synthetic pages around the real articles of one side of the split: titles, section headings
and captions from the article's own words, injected lines from that side's templates and terms."""

from __future__ import annotations

import random
from collections.abc import Sequence

from newsclean.classifiers.corpora import Corpora
from newsclean.classifiers.examples import Example
from newsclean.classifiers.injections import LineMaker, pools_of
from newsclean.classifiers.page_builder import PageParts, build_page
from newsclean.classifiers.phrases import DATED_LEAD_SHARE, article_phrase, dated_lead
from newsclean.classifiers.split import Side, section_headings


def article_pages(c: Corpora, side: Side, part: str, rng: random.Random, count: int) -> list[list[Example]]:
    """``count`` pages around ``side``'s articles (each in turn), spam from ``part``'s templates
    and ``c``'s lexicon terms of that part."""
    articles, headlines, extra_content = side.articles, side.headlines, side.extra_content
    pools = pools_of(c, part, headlines)
    maker = LineMaker(pools, part, side.sms_spam)
    sections = section_headings(part)
    pages: list[list[Example]] = []
    if not articles:
        return pages
    for k in range(count):
        a = articles[k % len(articles)]
        paras = list(a["paragraphs"])
        if len(paras) > 14:
            start = rng.randint(0, len(paras) - 14)
            paras = paras[start : start + rng.randint(6, 14)]
        if paras and rng.random() < DATED_LEAD_SHARE:
            paras[0] = dated_lead(paras[0], rng)
        if extra_content and rng.random() < 0.3:  # other corpora's lines as extra paragraphs
            for _ in range(rng.randint(1, 3)):
                paras.insert(rng.randint(0, len(paras)), rng.choice(extra_content)[0])
        parts = PageParts(
            paragraphs=paras,
            title=a.get("title"),  # an untitled article gets no title: another story's would be noise
            headings=[h for h in (_heading(paras, sections, rng) for _ in range(3)) if h],
            related=rng.sample(headlines, min(len(headlines), rng.randint(3, 12))),
            captions=[c for c in (_caption(paras, rng),) if c],
        )
        if rng.random() < 0.03:  # now and then a page that carries no article, only spam
            parts = PageParts(paragraphs=[], title=None, headings=[], related=[])
        html = rng.random() < 0.5
        page_id = f"{part}-{k}"
        rows = build_page(parts, rng, maker.spam, maker.boiler, html=html)
        pages.append(
            [Example(line.text, label, f"page:{role}", page=page_id, line=line) for line, label, role in rows]
        )
    return pages


ARTICLE_HEADING_SHARE = 0.9  # section headings taken from the article's own words (else generic)
ARTICLE_CAPTION_SHARE = 0.7  # pages with a caption (always the article's words)


def _heading(paras: Sequence[str], sections: Sequence[str], rng: random.Random) -> str | None:
    """A section heading: mostly a clause of the article, else a generic one ("结语", "写在最后").
    Never another story's headline: an article's headings speak of it, and a content label on an
    unrelated headline between paragraphs would teach that injected headlines belong there."""
    if rng.random() < ARTICLE_HEADING_SHARE:
        phrase = article_phrase(paras, rng)
        if phrase:
            return phrase
    return rng.choice(sections) if sections else None


def _caption(paras: Sequence[str], rng: random.Random) -> str | None:
    """A picture caption from the article's words, or none."""
    if rng.random() < ARTICLE_CAPTION_SHARE:
        phrase = article_phrase(paras, rng, longest=14)
        if phrase:
            return rng.choice(("", "", "", "图为", "图：")) + phrase
    return None
