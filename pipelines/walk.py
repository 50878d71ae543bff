"""Walk a cleaned page into text blocks in reading order, each with the element that owns it.

Block elements and <br> end a block; a run of sibling links is a list even without <ul>; a link
glued after a paragraph's last sentence is a line of its own. The walk is iterative, so deep
pages cannot overflow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree
from lxml.html import HtmlElement

from newsclean.core.text import BLOCK_TAGS, CJK_RUN, LIST_CONTAINER_TAGS, SENTENCE_FINAL
from newsclean.core.types import Block
from newsclean.pipelines.dom import is_element

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

    owner: HtmlElement
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    in_list: bool = False


def page_blocks(root: HtmlElement) -> list[tuple[Unit, Block]]:
    """Every visible text block under ``root`` in reading order, with its unit (owner element)."""
    return _blocks(_walk(root))


SKIPPED = frozenset(("br", "hr", "img", "head", "title"))  # nothing inside them is read


def _walk(root: HtmlElement) -> list[Unit]:
    """Split the tree into text units at block boundaries and <br> (kept as "\\n")."""
    units: list[Unit] = []
    current: Unit | None = None
    owners: list[HtmlElement] = [root]
    link_depth = list_depth = pre_depth = 0
    link_runs: dict[HtmlElement, bool] = {}

    def flush() -> None:
        nonlocal current
        if current is not None and "".join(current.parts).strip():
            units.append(current)
        current = None

    def add_text(text: str | None) -> None:
        nonlocal current
        if not text:
            return
        if current is None:
            current = Unit(owners[-1], in_list=list_depth > 0)
        if not pre_depth:  # source line breaks are spaces (none between CJK); only <br> breaks a line
            text = _CJK_NEWLINE.sub("", text).replace("\r", " ").replace("\n", " ")
        current.parts.append(text)
        if link_depth:
            current.link_chars += len("".join(text.split()))

    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, node in walker:
        name = node.tag
        if not is_element(node):  # a comment or the mark of a removed element: only its tail is text
            add_text(node.tail)
            continue
        if name in SKIPPED:
            if event == "start":
                walker.skip_subtree()  # images have no text; head text is metadata
                if name == "br" and current is not None:
                    current.parts.append(_BR)
                elif name == "hr":
                    flush()
            elif node is not root:
                add_text(node.tail)
            continue
        as_block = name in BLOCK_TAGS or (name == "a" and _in_link_run(node, link_runs))
        if event == "end":
            if as_block:
                flush()
                owners.pop()
            if name == "a":
                link_depth -= 1
            if name == "pre":
                pre_depth -= 1
            if name in LIST_CONTAINER_TAGS or (name == "a" and as_block):
                list_depth -= 1
            if node is not root:
                add_text(node.tail)  # the text after an element belongs to its parent
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
        add_text(node.text)
    flush()
    return units


def _trails_a_sentence(a: HtmlElement) -> bool:
    """An inline link after a paragraph's final punctuation, with nothing after it: an injected one.

    Real inline links sit inside sentences; a link appended after the closing 。 is how dark-link
    spam is glued to body paragraphs, and only a line of its own lets the classifier see it alone.
    """
    if (a.tail or "").strip():
        return False
    for after in a.itersiblings():
        if is_element(after) or (after.tail or "").strip():
            return False
    text = None
    for before in a.itersiblings(preceding=True):
        if (before.tail or "").strip():
            text = before.tail
        elif is_element(before):
            text = before.text_content()
        else:
            continue  # a comment, or the mark of a removed element
        break
    else:
        parent = a.getparent()
        text = parent.text if parent is not None else None
    return bool(text) and text.rstrip().endswith(SENTENCE_FINAL)


_LINK_SEPARATORS = re.compile(r"[\s|丨｜·•,，、/>»-]")


def _in_link_run(a: HtmlElement, cache: dict[HtmlElement, bool]) -> bool:
    """An <a> among several sibling links with nothing but separators between: a link list."""
    parent = a.getparent()
    if parent is None:
        return False
    if parent not in cache:
        links = 0
        other = len(_LINK_SEPARATORS.sub("", parent.text or ""))
        for child in parent:
            if child.tag == "a":
                links += 1
            elif is_element(child) and child.tag not in ("br", "span", "img", "i", "em"):
                other += 10
            other += len(_LINK_SEPARATORS.sub("", child.tail or ""))
        cache[parent] = links >= 3 and other <= links
    return cache[parent]


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
        tag = "li" if unit.owner.tag == "a" else BLOCK_NAME.get(unit.owner.tag, "div")  # link-run item
        out.append((unit, Block(text, tag, round(density, 3), unit.in_list, in_main=False)))
    return out
