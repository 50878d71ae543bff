"""Walk a cleaned page into text blocks in reading order, each with the element that owns it.

Block elements and <br> end a block; a run of sibling links is a list even without <ul>; a link
glued after a paragraph's last sentence is a line of its own. The walk is iterative, so deep
pages cannot overflow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import NavigableString, Tag
from bs4.element import PreformattedString

from newsclean.core.text import BLOCK_TAGS, CJK_RUN, LIST_CONTAINER_TAGS, SENTENCE_FINAL
from newsclean.core.types import Block

BLOCK_NAME = {
    "p": "p",
    "pre": "p",
    "blockquote": "p",
    "address": "p",
    "li": "li",
    "dt": "li",
    "dd": "li",
    "td": "td",
    "th": "td",
    "caption": "caption",
    "figcaption": "caption",
    **{f"h{i}": f"h{i}" for i in range(1, 7)},
}
_CJK_NEWLINE = re.compile(rf"(?<=[{CJK_RUN}])[ \t\r\f]*\n\s*(?=[{CJK_RUN}])")
_BR = "\n"


@dataclass
class Unit:
    """A block under construction and the element that owns it."""

    owner: Tag
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    in_list: bool = False


def page_blocks(root: Tag) -> list[tuple[Unit, Block]]:
    """Every visible text block under ``root`` in reading order, with its unit (owner element)."""
    return _blocks(_walk(root))


def _walk(root: Tag) -> list[Unit]:
    """Split the tree into text units at block boundaries and <br> (kept as "\\n")."""
    units: list[Unit] = []
    current: Unit | None = None
    owners: list[Tag] = [root]
    link_depth = list_depth = pre_depth = 0
    link_runs: dict[int, bool] = {}

    def flush() -> None:
        nonlocal current
        if current is not None and "".join(current.parts).strip():
            units.append(current)
        current = None

    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if isinstance(node, NavigableString):
            if isinstance(node, PreformattedString):
                continue  # comments, doctype, processing instructions
            text = str(node)
            if not text:
                continue
            if current is None:
                current = Unit(owners[-1], in_list=list_depth > 0)
            if not pre_depth:  # source line breaks are spaces (none between CJK); only <br> breaks a line
                text = _CJK_NEWLINE.sub("", text).replace("\r", " ").replace("\n", " ")
            current.parts.append(text)
            if link_depth:
                current.link_chars += len("".join(text.split()))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        as_block = name in BLOCK_TAGS or (name == "a" and _in_link_run(node, link_runs))
        if leaving:
            if as_block:
                flush()
                owners.pop()
            if name == "a":
                link_depth -= 1
            if name == "pre":
                pre_depth -= 1
            if name in LIST_CONTAINER_TAGS or (name == "a" and as_block):
                list_depth -= 1
            continue
        if name == "br":
            if current is not None:
                current.parts.append(_BR)
            continue
        if name == "hr":
            flush()
            continue
        if name in ("img", "head", "title"):  # images have no text; head text is metadata
            continue
        if as_block:
            flush()
            owners.append(node)
        elif name == "a" and current is not None and _trails_a_sentence(node):
            current.parts.append(_BR)  # a link glued after the last sentence is judged on its own
        if name == "a":
            link_depth += 1
        if name == "pre":
            pre_depth += 1
        if name in LIST_CONTAINER_TAGS or (name == "a" and as_block):
            list_depth += 1
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    flush()
    return units


def _trails_a_sentence(a: Tag) -> bool:
    """An inline link after a paragraph's final punctuation, with nothing after it: an injected one.

    Real inline links sit inside sentences; a link appended after the closing 。 is how dark-link
    spam is glued to body paragraphs, and only a line of its own lets the classifier see it alone.
    """
    for sibling in a.next_siblings:
        if isinstance(sibling, Tag) or str(sibling).strip():
            return False
    before = a.previous_sibling
    while before is not None and isinstance(before, NavigableString) and not str(before).strip():
        before = before.previous_sibling
    if before is None:
        return False
    text = before.get_text() if isinstance(before, Tag) else str(before)
    return text.rstrip().endswith(SENTENCE_FINAL)


def _in_link_run(a: Tag, cache: dict[int, bool]) -> bool:
    """An <a> among several sibling links with nothing but separators between: a link list."""
    parent = a.parent
    if parent is None:
        return False
    key = id(parent)
    if key not in cache:
        links = 0
        other = 0
        for child in parent.children:
            if isinstance(child, Tag):
                if child.name == "a":
                    links += 1
                elif child.name not in ("br", "span", "img", "i", "em"):
                    other += 10
            elif isinstance(child, NavigableString):
                other += len(re.sub(r"[\s|丨｜·•,，、/>»-]", "", str(child)))
        cache[key] = links >= 3 and other <= links
    return cache[key]


def _blocks(units: list[Unit]) -> list[tuple[Unit, Block]]:
    out: list[tuple[Unit, Block]] = []
    for unit in units:
        raw = "".join(unit.parts)
        runs = [" ".join(run.split()) for run in raw.split(_BR)]
        text = "\n".join(run for run in runs if run)
        if not text:
            continue
        chars = len("".join(text.split()))
        density = min(1.0, unit.link_chars / chars) if chars else 0.0
        tag = "li" if unit.owner.name == "a" else BLOCK_NAME.get(unit.owner.name, "div")  # link-run item
        out.append((unit, Block(text, tag, round(density, 3), unit.in_list, in_main=False)))
    return out
