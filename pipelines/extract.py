"""Find the article in a cleaned page: every visible block in reading order, plus metadata.

All visible text is kept as blocks (nav, sidebars and footers too) because the line classifier
judges lines with their page context; ``in_main`` marks the blocks inside the container chosen
as the article body. The walk (:mod:`~newsclean.pipelines.walk`), the choice of the body
(:mod:`~newsclean.pipelines.container`) and the metadata (:mod:`~newsclean.pipelines.pagemeta`)
each have their module; this one composes them.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from newsclean.core.types import Extracted
from newsclean.pipelines.container import choose_main, link_lists
from newsclean.pipelines.dom import page_body
from newsclean.pipelines.pagemeta import page_metadata
from newsclean.pipelines.streams import comment_tail, first_post
from newsclean.pipelines.walk import page_blocks


def extract_html(doc: HtmlElement, url: str) -> Extracted:
    """Blocks of all visible text in reading order, ``in_main`` on the article body, and metadata."""
    held = list(doc.iter())  # the steps below key elements by id(): hold them all meanwhile
    root = page_body(doc)
    pairs = page_blocks(root)
    chosen, replies = first_post(
        pairs, choose_main(pairs, root), lambda stream: choose_main(pairs, root, stream)
    )
    inside: set[int] = set()
    for main in chosen:
        inside.update(id(t) for t in main.iter())
    owners = [unit.owner for unit, _ in pairs]
    linky = link_lists(pairs, inside) | comment_tail(pairs, inside)
    blocks = [
        block.placed(id(unit.owner) in inside and i not in linky and i not in replies)
        for i, (unit, block) in enumerate(pairs)
    ]
    meta = page_metadata(doc, blocks, owners)
    del held
    return Extracted(meta=meta, blocks=blocks, removed=[])
