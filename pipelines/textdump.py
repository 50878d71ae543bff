"""A plain-text dump (one paragraph per line, as saved by a reader) into blocks.

A dump has no markup to tell the article from the page around it, so every line is a
candidate body block; metadata lines are found later by :mod:`newsclean.pipelines.metalines`.
"""

from __future__ import annotations

from newsclean.core.types import Block, Extracted, Metadata
from newsclean.pipelines.decode import sanitize_text
from newsclean.pipelines.paragraphs import rewrap


def extract_text(text: str) -> Extracted:
    """Every non-empty line (a hard-wrapped dump: every paragraph) becomes one ``text`` block."""
    blocks = [
        Block(text=line.strip(), tag="text", in_main=True)
        for line in rewrap(sanitize_text(text).splitlines())
        if line.strip()
    ]
    return Extracted(meta=Metadata(), blocks=blocks, removed=[])
