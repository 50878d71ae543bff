"""Choose the article body among a page's blocks: the container with the most paragraph-like text.

Readability-style scoring: CJK text in paragraph-like children, penalised for link density and
for class/id names of navigation, comments and ads; sibling containers that score well join it
(an article split around an ad slot). Link lists inside the chosen body are set apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from newsclean.core.text import CLAUSE_MARKS_RE, HAN_RE, LIST_CONTAINER_TAGS
from newsclean.core.types import Block
from newsclean.pipelines.dom import class_names
from newsclean.pipelines.walk import Unit

CONTAINERS = frozenset(("div", "section", "article", "main", "td", "body", "center", "blockquote", "form"))
POSITIVE = re.compile(
    r"article|content|正文|post|entry|story|detail|text|body|main|news_?txt|con_?box|markdown", re.IGNORECASE
)
NEGATIVE = re.compile(
    r"nav|menu|foot|side|comment|related|recommend|hot|rank|share|banner|sponsor|ad-|ads|advert|"
    r"gg-|tj-|tuijian|kw-|tag|link|copyright|beian|breadcrumb|crumb|header|topbar|top-|login|popup|"
    r"editor|author-?box|pager|pagination|widget|footer|friend",
    re.IGNORECASE,
)
CLASS_WEIGHT = 25.0
MIN_PARAGRAPH_CHARS = 10  # shorter blocks say nothing about where the article is
SIBLING_MIN = 5.0  # a sibling container joins the body with at least this score...
SIBLING_SHARE = 0.25  # ...and this share of the best container's score
SAME_TEXT_RATIO = 1.02  # walk up while the parent holds (almost) only the chosen text


@dataclass
class _Stats:
    chars: int = 0
    link_chars: int = 0
    score: float = 0.0


def choose_main(
    pairs: list[tuple[Unit, Block]], root: HtmlElement, without: HtmlElement | None = None
) -> list[HtmlElement]:
    """The container with the most paragraph-like CJK text, penalised for links and bad names.

    Sibling containers that score well too (an article split around an ad slot) join it.
    ``without``: an element set aside (a comment stream): its text does not count, and neither
    it nor an element holding it can be chosen.
    """
    stats: dict[int, _Stats] = {}
    elements: dict[int, HtmlElement] = {}
    banned = _self_and_ancestors(without)
    inside_banned = _descendant_ids(without)
    for unit, block in pairs:
        if id(unit.owner) in inside_banned:
            continue
        chars = len("".join(block.text.split()))
        link_chars = round(block.link_density * chars)
        cjk = len(HAN_RE.findall(block.text))
        useful = cjk >= MIN_PARAGRAPH_CHARS or chars >= 3 * MIN_PARAGRAPH_CHARS
        score = 0.0
        if useful:
            score = (1 + len(CLAUSE_MARKS_RE.findall(block.text)) + min(chars / 50, 3)) * (
                1 - block.link_density
            )
        level = 0
        node: HtmlElement | None = unit.owner if unit.owner.tag in CONTAINERS else unit.owner.getparent()
        while node is not None and level < 40:
            st = stats.setdefault(id(node), _Stats())
            elements[id(node)] = node
            st.chars += chars
            st.link_chars += link_chars
            if level < 3:
                st.score += score / (level + 1)
            level += 1
            node = node.getparent()
    best: HtmlElement | None = None
    best_score = 0.0
    for key, st in stats.items():
        el = elements[key]
        if st.score <= 0 or el.getparent() is None or key in banned:
            continue
        density = st.link_chars / st.chars if st.chars else 1.0
        final = st.score * (1 - density) + _class_weight(el)
        if final > best_score:
            best, best_score = el, final
    if best is None:
        return []
    # walk up through wrappers that hold nothing else (td -> tr -> table -> div.content)
    while (parent := best.getparent()) is not None and parent is not root and id(parent) in stats:
        if id(parent) in banned or stats[id(parent)].chars > stats[id(best)].chars * SAME_TEXT_RATIO:
            break
        best = parent
    chosen = [best]
    top = stats[id(best)].score
    for sibling in best.getparent() if best.getparent() is not None else ():
        st = stats.get(id(sibling))
        if sibling is best or st is None or id(sibling) in banned:
            continue
        density = st.link_chars / st.chars if st.chars else 1.0
        if (
            st.score >= max(SIBLING_MIN, SIBLING_SHARE * top)
            and density < 0.25
            and _class_weight(sibling) >= 0
        ):
            chosen.append(sibling)
    return chosen


def _self_and_ancestors(el: HtmlElement | None) -> set[int]:
    out: set[int] = set()
    while el is not None:
        out.add(id(el))
        el = el.getparent()
    return out


def _descendant_ids(el: HtmlElement | None) -> set[int]:
    return set() if el is None else {id(t) for t in el.iter()}


def _class_weight(el: HtmlElement) -> float:
    names = " ".join(class_names(el)).strip()
    if not names:
        return 0.0
    weight = 0.0
    if POSITIVE.search(names):
        weight += CLASS_WEIGHT
    if NEGATIVE.search(names):
        weight -= CLASS_WEIGHT
    return weight


def link_lists(pairs: list[tuple[Unit, Block]], inside: set[int]) -> set[int]:
    """Indexes of blocks in link lists inside the body (related news, injected headline lists).

    A list whose items mostly carry links is navigation, not article text, even inside the
    article's container.
    """
    groups: dict[int, list[int]] = {}
    for i, (unit, block) in enumerate(pairs):
        if not block.in_list or id(unit.owner) not in inside:
            continue
        node: HtmlElement | None = unit.owner
        for _ in range(6):
            if node is None or node.tag in LIST_CONTAINER_TAGS:
                break
            node = node.getparent()
        container = node if node is not None and node.tag in LIST_CONTAINER_TAGS else unit.owner.getparent()
        if container is not None:
            groups.setdefault(id(container), []).append(i)
    out: set[int] = set()
    for members in groups.values():
        densities = [pairs[i][1].link_density for i in members]
        with_links = sum(1 for d in densities if d > 0)
        if len(members) >= 3 and with_links >= 0.6 * len(members) and sum(densities) / len(members) >= 0.2:
            out.update(members)
    return out
