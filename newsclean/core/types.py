"""Plain data passed between the cleaning steps.

Every step is a pure function from one of these to the next, so the chain can be tested
without Scrapy and a crawl and a one-off clean can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Block:
    """One visible text block of a page, in reading order.

    The layout fields are the page context the line classifier uses: injected spam sits in
    link lists and after the article's end, real paragraphs inside the article container.
    """

    text: str
    tag: str = "p"  # p, h1..h6, li, td, div, caption, text (a line of a plain-text dump)
    link_density: float = 0.0  # share of the block's characters inside <a>
    in_list: bool = False  # inside ul/ol/dl or a run of sibling links
    in_main: bool = True  # inside the element the extractor chose as the article body

    def placed(self, in_main: bool) -> Block:
        """The same block, inside the article body or not (``dataclasses.replace`` costs ten times this)."""
        return Block(self.text, self.tag, self.link_density, self.in_list, in_main)


@dataclass(frozen=True)
class Line:
    """One candidate paragraph after splitting and normalising, with its page context."""

    text: str
    tag: str = "p"
    link_density: float = 0.0
    in_list: bool = False
    in_main: bool = True
    index: int = 0  # position among the page's lines
    total: int = 1  # number of lines on the page

    @property
    def position(self) -> float:
        return self.index / max(1, self.total - 1)

    def renumbered(self, index: int, total: int) -> Line:
        """The same line at another position (``dataclasses.replace`` costs ten times this)."""
        return Line(self.text, self.tag, self.link_density, self.in_list, self.in_main, index, total)


@dataclass(frozen=True)
class Removed:
    """A line dropped from the page, kept for audit and relabelling."""

    text: str
    reason: str  # spam | adult | boilerplate | hidden | metadata | duplicate
    score: float | None = None


@dataclass
class Metadata:
    """What the extractor found besides the body (raw, before normalisation)."""

    title: str | None = None
    published_at: str | None = None  # ISO 8601
    published_relative: str | None = None  # a stamp such as 3小时前, dated once fetched_at is known
    source: str | None = None
    author: str | None = None
    keywords: list[str] = field(default_factory=list)


@dataclass
class Extracted:
    """The extractor's result: metadata, the body blocks and what it set aside."""

    meta: Metadata
    blocks: list[Block]
    removed: list[Removed] = field(default_factory=list)  # hidden text, metadata lines
