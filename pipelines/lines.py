"""Blocks into candidate lines: one paragraph per line, headings kept, <br> runs split (and
hard-wrapped runs joined back into their paragraphs)."""

from __future__ import annotations

from newsclean.core.types import Block, Line
from newsclean.pipelines.paragraphs import rewrap


def to_lines(blocks: list[Block]) -> list[Line]:
    """Split blocks on newlines, collapse white space, drop lines without any letter or digit.

    Single spaces are kept as they are (between Latin words, around Latin/CJK boundaries);
    a line with no letter, CJK character or digit (``……``, ``↓↓↓``) carries no text to judge.
    """
    out: list[tuple[Block, str]] = []
    for block in blocks:
        for raw in rewrap(block.text.split("\n")):
            text = " ".join(raw.split())
            if text and any(ch.isalnum() for ch in text):
                out.append((block, text))
    total = len(out)
    return [
        Line(
            text=text,
            tag=block.tag,
            link_density=block.link_density,
            in_list=block.in_list,
            in_main=block.in_main,
            index=i,
            total=total,
        )
        for i, (block, text) in enumerate(out)
    ]


def unreadable_lines(blocks: list[Block]) -> list[str]:
    """The lines :func:`to_lines` drops (only symbols: ``……``, ``↓↓↓``), so they can be reported."""
    out = []
    for block in blocks:
        for raw in rewrap(block.text.split("\n")):
            text = " ".join(raw.split())
            if text and not any(ch.isalnum() for ch in text):
                out.append(text)
    return out
