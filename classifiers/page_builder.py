"""One synthetic page: real article paragraphs with the furniture and injections real pages
carry (header, meta lines, injected spam, related-news lists, tail blocks, footer)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from newsclean.classifiers.phrases import article_word
from newsclean.core.types import Line


@dataclass
class PageParts:
    """Inputs of one synthetic page. ``headings`` are short real headlines used as section
    headings; ``related`` real headlines for the related-news list after the article."""

    paragraphs: Sequence[str]
    title: str | None
    headings: Sequence[str]
    related: Sequence[str]
    captions: Sequence[str] = ()


SPAM_FRAGMENTS = ("……", "↓↓↓", "→→→", "点击进入", "最新地址", "···", "↓")


def _line(text: str, tag: str, html: bool, *, main: bool = True, links: float = 0.0, in_list: bool = False):
    if not html:
        return {"text": text, "tag": "text", "link_density": 0.0, "in_list": False, "in_main": True}
    return {"text": text, "tag": tag, "link_density": links, "in_list": in_list, "in_main": main}


def build_page(
    parts: PageParts,
    rng: random.Random,
    spam: Callable[[random.Random], tuple[str, str]],
    boiler: Callable[[random.Random, str | None], str],
    *,
    html: bool,
) -> list[tuple[Line, str, str]]:
    """One page as (Line, label, role) triples in reading order (role: title, heading, related...).

    ``spam(rng)`` gives one (text, label) injected line; ``boiler(rng, family)`` one boilerplate
    line of a family (None: any). Layout: html pages mark blocks outside the article as
    ``in_main=False`` and link lists with link density 1; text dumps have no layout at all.
    """
    rows: list[tuple[dict, str, str]] = []

    def add(d: dict, label: str, role: str) -> None:
        rows.append((d, label, role))

    plain_boiler = boiler

    def boiler(r: random.Random, family: str | None = None) -> str:
        # The keyword line under a headline lists the article's own words.
        text = plain_boiler(r, family)
        if family == "tags" and parts.paragraphs and r.random() < 0.6:
            head = re.match(r"^[^:：]*[:：]\s*", text)
            words = [w for w in (article_word(parts.paragraphs, r) for _ in range(r.randint(2, 6))) if w]
            text = (head.group(0) if head else "关键词：") + r.choice((" ", ",", "、")).join(words)
        return text

    # Header: navigation, welcome line, breadcrumb.
    for fam in rng.sample(["nav", "welcome", "crumb", "nav"], rng.randint(0, 3)):
        add(
            _line(
                boiler(rng, fam), "li" if fam == "nav" else "div", html, main=False, links=1.0, in_list=True
            ),
            "boilerplate",
            fam,
        )
    if rng.random() < 0.35:  # spam injected at the top: above or below the site header
        at = 0 if rng.random() < 0.5 else len(rows)
        for _ in range(rng.randint(1, 2)):
            text, label = spam(rng)
            line = _line(text, "div", html, main=rng.random() < 0.3, links=1.0, in_list=rng.random() < 0.5)
            rows.insert(at, (line, label, "top-spam"))
    if parts.title and rng.random() < 0.8:
        add(_line(parts.title, "h1", html), "content", "title")
    if rng.random() < 0.6:
        add(_line(boiler(rng, "meta"), "div", html), "boilerplate", "meta")
        if rng.random() < 0.4:
            add(_line(boiler(rng, rng.choice(("counter", "share"))), "div", html), "boilerplate", "counter")
        if rng.random() < 0.3:  # the keyword line many sites print under the headline
            add(_line(boiler(rng, "tags"), "div", html), "boilerplate", "tags")

    # Body: paragraphs with section headings, numbers, captions and the odd injected line.
    paragraphs = list(parts.paragraphs)
    n = len(paragraphs)
    sections = sorted(rng.sample(range(1, n), min(n - 1, rng.randint(0, 3)))) if n > 3 else []
    numbered = rng.random() < 0.4
    headings = list(parts.headings)
    captions = list(parts.captions)
    for i, para in enumerate(paragraphs):
        if i in sections and headings:
            if numbered:
                add(_line(f"{sections.index(i) + 1:02d}", "p", html), "content", "number")
            add(_line(headings.pop(), rng.choice(("h2", "h3", "p")), html), "content", "heading")
        if captions and rng.random() < 0.08:
            add(_line(captions.pop(), "p", html), "content", "caption")
        add(_line(para, "p", html), "content", "paragraph")
        if i < n - 1 and rng.random() < 0.08:
            text, label = spam(rng)
            add(_line(text, "p", html, links=rng.choice((0.0, 1.0))), label, "body-spam")

    if not paragraphs:  # a page with no article at all: the spam is the body
        for _ in range(rng.randint(3, 15)):
            text, label = spam(rng)
            add(
                _line(text, rng.choice(("p", "li", "div")), html, links=rng.choice((0.0, 1.0))),
                label,
                "spam-page",
            )
    elif rng.random() < 0.3:  # articles often end with a short line: a heading, a one-sentence close
        if headings and rng.random() < 0.5:
            add(_line(headings.pop(), rng.choice(("h2", "h3", "p")), html), "content", "heading")
        closing = re.split(r"(?<=[。！？])", paragraphs[-1])[0][:60]
        add(_line(closing, "p", html), "content", "closing")

    # Tail: blocks in random order, footer last.
    blocks: list[list[tuple[dict, str, str]]] = []
    if rng.random() < 0.5:
        blocks.append(
            [
                (_line(boiler(rng, "editor"), "p", html), "boilerplate", "editor")
                for _ in range(rng.randint(1, 4))
            ]
        )
    if rng.random() < 0.4:
        block = []
        for _ in range(rng.randint(1, 3)):
            fam = rng.choice(("share", "prevnext", "tags", "social"))
            block.append((_line(boiler(rng, fam), "div", html, main=False), "boilerplate", fam))
        blocks.append(block)
    if rng.random() < 0.55 and parts.related:
        block = []
        if rng.random() < (0.6 if html else 0.9):  # text dumps: lists mostly follow a header
            block.append(
                (_line(boiler(rng, "related"), "h3", html, main=False), "boilerplate", "related-header")
            )
        for h in parts.related:
            block.append(
                (_line(h, "li", html, main=False, links=1.0, in_list=True), "boilerplate", "related")
            )
        blocks.append(block)
    if rng.random() < 0.45:
        block = []
        for _ in range(rng.randint(2, 16)):
            if rng.random() < 0.12:
                block.append((_line(rng.choice(SPAM_FRAGMENTS), "div", html, main=False), "spam", "fragment"))
            else:
                text, label = spam(rng)
                line = _line(text, "li", html, main=rng.random() < 0.3, links=1.0, in_list=True)
                block.append((line, label, "tail-spam"))
        blocks.append(block)
    rng.shuffle(blocks)
    for block in blocks:
        for d, label, role in block:
            add(d, label, role)
    for _ in range(rng.randint(0, 4)):
        fam = rng.choice(("copyright", "icp", "police", "footer", "footer", "social"))
        add(
            _line(boiler(rng, fam), "div", html, main=False, links=rng.choice((0.0, 1.0))), "boilerplate", fam
        )

    total = len(rows)
    return [
        (Line(index=i, total=total, **d), label, role)  # type: ignore[arg-type]
        for i, (d, label, role) in enumerate(rows)
    ]
