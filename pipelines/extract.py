"""Find the article in a cleaned page: every visible block in reading order, plus metadata.

All visible text is kept as blocks (nav, sidebars and footers too) because the line classifier
judges lines with their page context; ``in_main`` marks the blocks inside the container chosen
as the article body by readability-style scoring (CJK text in paragraph-like children, link
density, class/id hints). The walk over the tree is iterative, so deep pages cannot overflow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from newsclean.core.types import Block, Extracted, Metadata
from newsclean.pipelines.metalines import (
    author_from,
    is_date_line,
    iso_date,
    iso_from_meta,
    keywords_from,
    source_from,
)

_BLOCK_TAGS_TEXT = (
    "address article aside blockquote caption center dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr legend li main menu nav ol p pre section "
    "summary table tbody td tfoot th thead tr ul body html"
)
BLOCK_TAGS = frozenset(_BLOCK_TAGS_TEXT.split())
LIST_TAGS = frozenset(("ul", "ol", "dl", "menu"))
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
TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|—+|–|--+|::)\s*|\s+-\s+")
SITE_PART = re.compile(r"(logo|brand|nav|menu|site-?(title|name|logo|branding|header)|footer|foot\b)", re.I)
ASIDE = re.compile(r"comment|related|recommend|sidebar|side-|hot|rank|pagination|footer", re.IGNORECASE)
DATE_CLASS = re.compile(r"date|time|pub|publish|post-?info|info|meta", re.IGNORECASE)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_NEWLINE = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])[ \t\r\f]*\n\s*(?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])"
)
_PUNCT = re.compile(r"[，,。、；;：:！？!?]")
_BR = "\n"


@dataclass
class _Unit:
    """A block under construction and the element that owns it."""

    owner: Tag
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    in_list: bool = False


@dataclass
class _Stats:
    chars: int = 0
    link_chars: int = 0
    score: float = 0.0


def extract_html(soup: BeautifulSoup, url: str) -> Extracted:
    """Blocks of all visible text in reading order, ``in_main`` on the article body, and metadata."""
    root = soup.body or soup
    pairs = _blocks(_walk(root))
    inside: set[int] = set()
    for main in _choose_main(pairs, root):
        inside.add(id(main))
        inside.update(id(t) for t in main.descendants if isinstance(t, Tag))
    owners = [unit.owner for unit, _ in pairs]
    linky = _link_lists(pairs, inside)
    blocks = [
        replace(block, in_main=id(unit.owner) in inside and i not in linky)
        for i, (unit, block) in enumerate(pairs)
    ]
    meta = _metadata(soup, blocks, owners)
    return Extracted(meta=meta, blocks=blocks, removed=[])


# ------------------------------------------------------------------ the walk


def _walk(root: Tag) -> list[_Unit]:
    """Split the tree into text units at block boundaries and <br> (kept as "\\n")."""
    units: list[_Unit] = []
    current: _Unit | None = None
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
                current = _Unit(owners[-1], in_list=list_depth > 0)
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
            if name in LIST_TAGS or (name == "a" and as_block):
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
        if name in LIST_TAGS or (name == "a" and as_block):
            list_depth += 1
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    flush()
    return units


_SENTENCE_END = ("。", "！", "？", "!", "?", "」", "”", "…")


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
    return text.rstrip().endswith(_SENTENCE_END)


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


def _link_lists(pairs: list[tuple[_Unit, Block]], inside: set[int]) -> set[int]:
    """Indexes of blocks in link lists inside the body (related news, injected headline lists).

    A list whose items mostly carry links is navigation, not article text, even inside the
    article's container.
    """
    groups: dict[int, list[int]] = {}
    for i, (unit, block) in enumerate(pairs):
        if not block.in_list or id(unit.owner) not in inside:
            continue
        node: Tag | None = unit.owner
        for _ in range(6):
            if node is None or node.name in LIST_TAGS:
                break
            node = node.parent
        container = node if node is not None and node.name in LIST_TAGS else unit.owner.parent
        if container is not None:
            groups.setdefault(id(container), []).append(i)
    out: set[int] = set()
    for members in groups.values():
        densities = [pairs[i][1].link_density for i in members]
        with_links = sum(1 for d in densities if d > 0)
        if len(members) >= 3 and with_links >= 0.6 * len(members) and sum(densities) / len(members) >= 0.2:
            out.update(members)
    return out


def _blocks(units: list[_Unit]) -> list[tuple[_Unit, Block]]:
    out: list[tuple[_Unit, Block]] = []
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


# ------------------------------------------------------------------ choosing the body


def _choose_main(pairs: list[tuple[_Unit, Block]], root: Tag) -> list[Tag]:
    """The container with the most paragraph-like CJK text, penalised for links and bad names.

    Sibling containers that score well too (an article split around an ad slot) join it.
    """
    stats: dict[int, _Stats] = {}
    elements: dict[int, Tag] = {}
    for unit, block in pairs:
        chars = len("".join(block.text.split()))
        link_chars = round(block.link_density * chars)
        cjk = len(_CJK.findall(block.text))
        useful = cjk >= MIN_PARAGRAPH_CHARS or chars >= 3 * MIN_PARAGRAPH_CHARS
        score = 0.0
        if useful:
            score = (1 + len(_PUNCT.findall(block.text)) + min(chars / 50, 3)) * (1 - block.link_density)
        level = 0
        node: Tag | None = unit.owner if unit.owner.name in CONTAINERS else unit.owner.parent
        while node is not None and level < 40:
            st = stats.setdefault(id(node), _Stats())
            elements[id(node)] = node
            st.chars += chars
            st.link_chars += link_chars
            if level < 3:
                st.score += score / (level + 1)
            level += 1
            node = node.parent
    best: Tag | None = None
    best_score = 0.0
    for key, st in stats.items():
        el = elements[key]
        if st.score <= 0 or el.name in ("html", "[document]"):
            continue
        density = st.link_chars / st.chars if st.chars else 1.0
        final = st.score * (1 - density) + _class_weight(el)
        if final > best_score:
            best, best_score = el, final
    if best is None:
        return []
    # walk up through wrappers that hold nothing else (td -> tr -> table -> div.content)
    while best.parent is not None and best.parent is not root and id(best.parent) in stats:
        parent_chars = stats[id(best.parent)].chars
        if parent_chars > stats[id(best)].chars * SAME_TEXT_RATIO:
            break
        best = best.parent
    chosen = [best]
    top = stats[id(best)].score
    for sibling in best.parent.children if best.parent is not None else ():
        st = stats.get(id(sibling))
        if sibling is best or st is None or not isinstance(sibling, Tag):
            continue
        density = st.link_chars / st.chars if st.chars else 1.0
        if (
            st.score >= max(SIBLING_MIN, SIBLING_SHARE * top)
            and density < 0.25
            and _class_weight(sibling) >= 0
        ):
            chosen.append(sibling)
    return chosen


def _class_weight(el: Tag) -> float:
    names = " ".join([*el.get("class", []), el.get("id") or ""]) if isinstance(el, Tag) else ""
    if not names:
        return 0.0
    weight = 0.0
    if POSITIVE.search(names):
        weight += CLASS_WEIGHT
    if NEGATIVE.search(names):
        weight -= CLASS_WEIGHT
    return weight


# ------------------------------------------------------------------ metadata


def _metadata(soup: BeautifulSoup, blocks: list[Block], owners: list[Tag]) -> Metadata:
    metas = _meta_tags(soup)
    # the body's sentences: what titles and keywords are checked against (injected link lists and
    # spam cards inside the article container rarely end a sentence)
    main_text = (
        "".join(b.text for b in blocks if b.in_main and "。" in b.text)[:8000]
        or "".join(b.text for b in blocks if b.in_main)[:8000]
    )
    first_main = next((i for i, b in enumerate(blocks) if b.in_main), len(blocks))
    title, title_index = _title(soup, metas, blocks, owners, first_main, main_text)
    # the page header: from the headline to the first lines of the body
    start = title_index if title_index is not None else max(0, first_main - 8)
    header = [b for b in blocks[start : first_main + 3] if len(b.text) <= 200]
    header_texts = [b.text for b in header]

    published = _published(soup, metas, header)
    source = _first(source_from(t) for t in header_texts) or _meta_name(
        metas, "source", "publisher", "citation_publisher"
    )
    author = _first(author_from(t) for t in header_texts) or _meta_name(
        metas, "author", "article:author", "dc.creator"
    )
    keywords = _first(keywords_from(t) for t in header_texts) or _first(
        keywords_from(b.text) for b in blocks if len(b.text) <= 200
    )
    if not keywords:
        words = re.split(r"[,，、;；|]+|\s{2,}", metas.get("keywords", ""))
        haystack = main_text + (title or "")
        keywords = list(dict.fromkeys(w.strip() for w in words if w.strip() and w.strip() in haystack))
    return Metadata(
        title=title, published_at=published, source=source, author=author, keywords=keywords or []
    )


def _meta_tags(soup: BeautifulSoup) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = tag.get("content")
        if isinstance(key, str) and isinstance(content, str) and content.strip():
            out.setdefault(key.strip().lower(), " ".join(content.split()))
    return out


def _meta_name(metas: dict[str, str], *names: str) -> str | None:
    for name in names:
        value = metas.get(name)
        if value and "://" not in value and len(value) <= 60:
            return value
    return None


def _first(values):
    for value in values:
        if value:
            return value
    return None


def _title(
    soup: BeautifulSoup,
    metas: dict[str, str],
    blocks: list[Block],
    owners: list[Tag],
    first_main: int,
    main_text: str,
) -> tuple[str | None, int | None]:
    """The headline: the article's <h1> or og:title (whichever the body echoes), else <title>'s best part."""
    h1: str | None = None
    index: int | None = None
    h1s = [
        i
        for i, (b, o) in enumerate(zip(blocks, owners, strict=True))
        if o.name == "h1" and 2 <= len(b.text) <= 200
    ]
    h1s = [i for i in h1s if blocks[i].link_density < 0.5 and not _inside_negative(owners[i])]
    if h1s:
        in_main = [i for i in h1s if blocks[i].in_main]
        before = [i for i in h1s if i < first_main]
        index = in_main[0] if in_main else before[-1] if before else h1s[0]
        # an <h1> may carry the date line after a <br>: the headline is its first line
        h1 = " ".join(blocks[index].text.split("\n")[0].split()) or None
    og = metas.get("og:title") or metas.get("twitter:title")
    og_title = _best_segment(og, metas, blocks, main_text) if og else None
    # when they disagree, one is the site's name or injected text: the body echoes the headline
    disagree = h1 and og_title and _overlap(h1, og_title) < 0.3
    if disagree and _overlap(og_title, main_text) > _overlap(h1, main_text):
        return og_title, None
    if h1:
        return h1, index
    if og_title:
        return og_title, None
    if soup.title is not None and soup.title.string:
        return _best_segment(str(soup.title.string), metas, blocks, main_text), None
    return None, None


def _inside_negative(el: Tag) -> bool:
    """Inside the site's logo, navigation or footer (where an <h1> is the site's name)."""
    node: Tag | None = el
    for _ in range(6):
        if node is None:
            return False
        names = [*node.get("class", []), node.get("id") or ""]
        if node.name in ("nav", "footer") or any(SITE_PART.match(name) for name in names):
            return True
        node = node.parent
    return False


def _best_segment(title: str, metas: dict[str, str], blocks: list[Block], main_text: str) -> str | None:
    """Strip the site-name suffix and injected segments: keep the segment the body talks about."""
    title = " ".join(title.split())
    segments = [s.strip() for s in TITLE_SEPARATORS.split(title) if s.strip()]
    spam_words = [w for w in re.split(r"[,，、;；|\s]+", metas.get("keywords", "")) if len(w) >= 3]
    linky = "".join(b.text for b in blocks if not b.in_main and b.link_density >= 0.5)
    candidates = []
    for pos, seg in enumerate(segments):
        spammy = any(w in seg and w not in main_text for w in spam_words) or (len(seg) >= 6 and seg in linky)
        if not spammy:
            candidates.append((_overlap(seg, main_text), -pos, seg))
    if not candidates:
        return None
    if len(segments) == 1:
        return segments[0]
    overlap, _, seg = max(candidates)
    if overlap >= 0.5:
        return seg
    # nothing echoes the body: the headline leads a "headline_site" title
    return next(c[2] for c in sorted(candidates, key=lambda c: -c[1]))


def _overlap(segment: str, text: str) -> float:
    """Share of the segment's character bigrams that occur in the body text."""
    chars = "".join(segment.split())
    grams = {chars[i : i + 2] for i in range(len(chars) - 1)}
    if not grams:
        return 0.0
    return sum(1 for g in grams if g in text) / len(grams)


def _published(soup: BeautifulSoup, metas: dict[str, str], header: list[Block]) -> str | None:
    for name in (
        "article:published_time",
        "og:published_time",
        "og:release_date",
        "datepublished",
        "pubdate",
        "publishdate",
        "publish_date",
        "publication_date",
        "dc.date.issued",
        "dc.date",
        "sailthru.date",
        "date",
    ):
        value = metas.get(name)
        if value:
            iso = iso_from_meta(value)
            if iso:
                return iso
    for block in header:
        # a date line, or a short dated line above the body (not a body sentence starting with a date)
        if is_date_line(block.text) or (not block.in_main and len(block.text) <= 80):
            iso = iso_date(block.text)
            if iso:
                return iso
    for time in soup.find_all("time"):
        value = time.get("datetime")
        if isinstance(value, str) and not _in_aside(time):
            iso = iso_from_meta(value)
            if iso:
                return iso
    body = soup.body or soup
    for el in body.descendants:
        if not isinstance(el, Tag) or not el.get("class") or _inside_list(el) or _in_aside(el):
            continue
        if not DATE_CLASS.search(" ".join(el.get("class"))):
            continue
        text = el.get_text(" ", strip=True)
        if len(text) <= 80:
            iso = iso_date(text)
            if iso:
                return iso
    return None


def _in_aside(el: Tag) -> bool:
    """Inside comments, related-article lists or sidebars, whose dates are not the article's."""
    node = el.parent
    for _ in range(12):
        if node is None:
            return False
        names = " ".join([*node.get("class", []), node.get("id") or ""])
        if node.name == "aside" or ASIDE.search(names):
            return True
        node = node.parent
    return False


def _inside_list(el: Tag) -> bool:
    node = el.parent
    for _ in range(8):
        if node is None:
            return False
        if node.name in LIST_TAGS:
            return True
        node = node.parent
    return False
