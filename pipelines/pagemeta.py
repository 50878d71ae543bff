"""The page's metadata from its markup: headline, date, source, author and keywords.

Meta tags, the page header around the headline, <time> elements and date-classed elements;
the same text helpers read dumps in :mod:`newsclean.pipelines.metalines`, so a page and its
plain-text dump give the same metadata.
"""

from __future__ import annotations

import re
from itertools import pairwise

from lxml.html import HtmlElement

from newsclean.core.text import LIST_CONTAINER_TAGS, bigram_share
from newsclean.core.types import Block, Metadata
from newsclean.pipelines.bylines import author_in, names_below_title
from newsclean.pipelines.dom import class_names, joined_text, page_body
from newsclean.pipelines.metalines import (
    author_from,
    editor_from,
    is_date_line,
    iso_date,
    iso_from_meta,
    keywords_from,
    source_from,
    stamp_date,
)
from newsclean.pipelines.reldates import MAX_STAMP_LINE, relative_stamp

TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|—+|–|--+|::|»|›)\s*|\s+-\s+")
SITE_PART = re.compile(r"(logo|brand|nav|menu|site-?(title|name|logo|branding|header)|footer|foot\b)", re.I)
ASIDE = re.compile(r"comment|related|recommend|sidebar|side-|hot|rank|pagination|footer", re.IGNORECASE)
MAX_HEADER_ROWS = 15  # a body opening with this many short rows has no header in it
PROSE_CHARS = 60
THREAD_TAG = re.compile(r"^\s*(?:(?:主题|标题|帖子|主題|標題)\s*[:：]\s*)?(?:\[[^\[\]]{1,10}\]\s*)?")
MIN_HEADLINE = 4  # what is left after a tag must still be a headline
BODY_HEADING_ROWS = 3
POSTER_ROWS = 6
ECHO_SHARE = (
    0.5  # a title segment sharing this much with the body is the headline, wherever else it is linked
)
AROUND_BLOCKS = 40  # blocks above the body searched for a stamp when the header holds none
DATE_CLASS = re.compile(r"date|time|pub|publish|post-?info|info|meta", re.IGNORECASE)


def page_metadata(doc: HtmlElement, blocks: list[Block], owners: list[HtmlElement]) -> Metadata:
    metas = _meta_tags(doc)
    # the body's sentences: what titles and keywords are checked against (injected link lists and
    # spam cards inside the article container rarely end a sentence)
    main_text = (
        "".join(b.text for b in blocks if b.in_main and "。" in b.text)[:8000]
        or "".join(b.text for b in blocks if b.in_main)[:8000]
    )
    first_main = next((i for i, b in enumerate(blocks) if b.in_main), len(blocks))
    title, title_index = _title(doc, metas, blocks, owners, first_main, main_text)
    # the page header: from the headline to the first lines of the body
    start = title_index if title_index is not None else max(0, first_main - 8)
    header = [b for b in blocks[start : first_main + 3] if len(b.text) <= 200]
    header_texts = [b.text for b in header]
    # a table layout may open the chosen body with rows of title and stamp before its prose
    stamp_rows = [b for b in blocks[start : _header_end(blocks, first_main)] if len(b.text) <= 200]

    around = [*blocks[max(0, first_main - AROUND_BLOCKS) : first_main], *_around_end(blocks)]
    published = _published(doc, metas, stamp_rows, around)
    relative = None if published else _relative(doc, stamp_rows)
    source = _first(source_from(t) for t in header_texts) or _meta_name(
        metas, "source", "publisher", "citation_publisher", "og:site_name"
    )
    end = [b.text for b in _around_end(blocks) if len(b.text) <= 200]
    # a forum post names its poster in the cells before the thread's headline
    before = [b.text for b in blocks[max(0, start - POSTER_ROWS) : start] if len(b.text) <= 60]
    labelled = _label_pairs(blocks[: first_main + 3])
    body_texts = [b.text for b in blocks if b.in_main]
    author = (
        _first(author_from(t) for t in header_texts)
        or author_in(header_texts, body_texts, [*before, *end])
        or _first(author_from(t) for t in [*end, *labelled])
        or _meta_author(metas)
        or _first(editor_from(t) for t in end if len(t) <= 60)
        or names_below_title(_below_title(blocks, title_index), body_texts)
    )
    keywords = _first(keywords_from(t) for t in header_texts) or _first(
        keywords_from(b.text) for b in blocks if len(b.text) <= 200
    )
    if not keywords:
        words = re.split(r"[,，、;；|]+|\s{2,}", metas.get("keywords", ""))
        haystack = main_text + (title or "")
        keywords = list(dict.fromkeys(w.strip() for w in words if w.strip() and w.strip() in haystack))
    return Metadata(
        title=title,
        published_at=published,
        published_relative=relative,
        source=source,
        author=author,
        keywords=keywords or [],
    )


def _meta_author(metas: dict[str, str]) -> str | None:
    """The author meta tag, unless it holds a list, a site, a code or a software credit."""
    value = _meta_name(metas, "author", "article:author", "dc.creator")
    if value is None or re.search(r"[,，;；|]|www\.|\.(?:com|cn|net)\b|\bteam\b", value, re.IGNORECASE):
        return None
    if value.isascii() and (re.search(r"[\d_]", value) or len(value.split()) > 3):
        return None
    return value


def _header_end(blocks: list[Block], first_main: int) -> int:
    """Where the page header ends: after the body's first few blocks, or at its first paragraph
    of prose when the chosen body opens with title and stamp rows (table layouts)."""
    end = first_main + 3
    for i in range(first_main, min(len(blocks), first_main + MAX_HEADER_ROWS)):
        block = blocks[i]
        if block.in_main and len(block.text) >= PROSE_CHARS and any(p in block.text for p in "。！？"):
            return max(end, i + 1)
    return end


def _label_pairs(blocks: list[Block]) -> list[str]:
    """``KEY：value`` texts of a page that puts labels and values in cells of their own
    (``发文机关：`` | ``吉林省人民政府``), as one text each."""
    out = []
    for label, value in pairwise(blocks):
        text = label.text.strip()
        if len(text) <= 8 and text.endswith((":", "：")) and len(value.text) <= 60:
            out.append(text + value.text.strip())
    return out


def _below_title(blocks: list[Block], title_index: int | None) -> list[str]:
    """The two lines right below the headline, where a line of author names stands."""
    if title_index is None:
        return []
    return [b.text for b in blocks[title_index + 1 : title_index + 3] if b.link_density == 0]


def _around_end(blocks: list[Block]) -> list[Block]:
    """The last blocks of the body and the few after it, where editor credits stand."""
    last = max((i for i, b in enumerate(blocks) if b.in_main), default=-1)
    return blocks[max(0, last - 4) : last + 6] if last >= 0 else []


def _meta_tags(doc: HtmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in doc.iter("meta"):
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
    doc: HtmlElement,
    metas: dict[str, str],
    blocks: list[Block],
    owners: list[HtmlElement],
    first_main: int,
    main_text: str,
) -> tuple[str | None, int | None]:
    """The headline: the article's <h1> or og:title (whichever the body echoes), else <title>'s best part."""
    h1: str | None = None
    index: int | None = None
    h1s = [
        i
        for i, (b, o) in enumerate(zip(blocks, owners, strict=True))
        if o.tag == "h1" and 2 <= len(b.text) <= 200
    ]
    h1s = [i for i in h1s if blocks[i].link_density < 0.5 and not _inside_negative(owners[i])]
    if h1s:
        in_main = [i for i in h1s if blocks[i].in_main]
        before = [i for i in h1s if i < first_main]
        index = in_main[0] if in_main else before[-1] if before else h1s[0]
        # an <h1> may carry the date line after a <br>: the headline is its first line
        h1 = headline_only(" ".join(blocks[index].text.split("\n")[0].split())) or None
    og = metas.get("og:title") or metas.get("twitter:title")
    og_title = _best_segment(og, metas, blocks, main_text) if og else None
    # when they disagree, one is the site's name or injected text: the body echoes the headline
    disagree = h1 and og_title and _overlap(h1, og_title) < 0.3
    if disagree and _overlap(og_title, main_text) > _overlap(h1, main_text):
        return og_title, None
    heading = _body_heading(blocks, owners, first_main)
    title_element = doc.find(".//title")
    title_text = title_element.text if title_element is not None else None
    page_title = " ".join(title_text.split()) if title_text else ""
    if heading is not None and not (h1 and blocks[index].in_main):
        # an <h1> outside the body is the blog's or site's name; the body's own heading, when it
        # is the headline part of the page's <title> or og:title, is the headline
        text = headline_only(blocks[heading].text.split("\n")[0].strip())
        named = [seg for t in (page_title, og) if t for seg in TITLE_SEPARATORS.split(t)]
        if _key(text) in {_key(seg) for seg in named}:
            return text, heading
    if h1:
        return h1, index
    if og_title:
        return og_title, None
    if title_text:
        return _best_segment(title_text, metas, blocks, main_text), None
    return None, None


def _body_heading(blocks: list[Block], owners: list[HtmlElement], first_main: int) -> int | None:
    """The index of a heading opening the chosen body (``h2.entry-title``), if any."""
    for i in range(first_main, min(len(blocks), first_main + BODY_HEADING_ROWS)):
        block = blocks[i]
        heading = block.tag in ("h1", "h2", "h3", "h4") and MIN_HEADLINE <= len(block.text) <= 80
        if block.in_main and heading and not _inside_negative(owners[i]):
            return i
    return None


def _key(text: str) -> str:
    return "".join(text.split()).lower()


def headline_only(title: str) -> str:
    """The headline without a forum's thread-type tag or a 主题：label (``[行业资讯] 标题``)."""
    stripped = THREAD_TAG.sub("", title, count=1)
    return stripped if len(stripped) >= MIN_HEADLINE else title


def _inside_negative(el: HtmlElement) -> bool:
    """Inside the site's logo, navigation or footer (where an <h1> is the site's name)."""
    node: HtmlElement | None = el
    for _ in range(6):
        if node is None:
            return False
        if node.tag in ("nav", "footer") or any(SITE_PART.match(name) for name in class_names(node)):
            return True
        node = node.getparent()
    return False


def _best_segment(title: str, metas: dict[str, str], blocks: list[Block], main_text: str) -> str | None:
    """Strip the site-name suffix and injected segments: keep the segment the body talks about."""
    title = " ".join(title.split())
    segments = [s.strip() for s in TITLE_SEPARATORS.split(title) if s.strip()]
    spam_words = [w for w in re.split(r"[,，、;；|\s]+", metas.get("keywords", "")) if len(w) >= 3]
    linky = "".join(b.text for b in blocks if not b.in_main and b.link_density >= 0.5)
    candidates = []
    for pos, seg in enumerate(segments):
        spammy = any(w in seg and w not in main_text for w in spam_words) or (
            len(seg) >= 6 and seg in linky and _overlap(seg, main_text) < ECHO_SHARE
        )
        if not spammy:
            candidates.append((_overlap(seg, main_text), -pos, seg))
    if not candidates:
        return None
    if len(segments) == 1:
        return segments[0]
    overlap, _, seg = max(candidates)
    if overlap >= 0.5:
        return seg
    # nothing echoes the body: the headline leads a "headline_site" title, and ends a
    # "site » headline" one (a breadcrumb's order)
    in_order = sorted(candidates, key=lambda c: -c[1])
    return in_order[-1][2] if re.search(r"[»›]", title) else in_order[0][2]


def _overlap(segment: str, text: str) -> float:
    """Share of the segment's character bigrams that occur in the body text."""
    return bigram_share(segment, text)


def _published(
    doc: HtmlElement, metas: dict[str, str], header: list[Block], around: list[Block]
) -> str | None:
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
    for timed in (True, False):
        iso = _first(stamp_date(b.text, timed=timed) for b in header)
        if iso:
            return iso
    for block in header:
        # a date line, or a short dated line above the body (not a body sentence starting with a date)
        if is_date_line(block.text) or (not block.in_main and len(block.text) <= 80):
            iso = iso_date(block.text)
            if iso:
                return iso
    for time in doc.iter("time"):
        value = time.get("datetime")
        if isinstance(value, str) and not _in_aside(time):
            iso = iso_from_meta(value)
            if iso:
                return iso
    for el in page_body(doc).iterdescendants():
        classes = el.get("class")
        if not classes or not classes.split() or _inside_list(el) or _in_aside(el):
            continue
        if not DATE_CLASS.search(" ".join(classes.split())):
            continue
        text = joined_text(el)
        if len(text) <= 80:
            iso = iso_date(text)
            if iso:
                return iso
    # last: a stamp above the header or below the body (a poster line, a forum post's time)
    return _first(stamp_date(b.text) for b in around)


def _relative(doc: HtmlElement, header: list[Block]) -> str | None:
    """A relative stamp (3小时前, 昨天 14:30) in the header or a date-classed element, for pages without a date."""
    stamp = _first(relative_stamp(b.text) for b in header if not b.in_main or len(b.text) <= MAX_STAMP_LINE)
    if stamp:
        return stamp
    for el in page_body(doc).iterdescendants():
        if not DATE_CLASS.search(el.get("class") or "") or _inside_list(el) or _in_aside(el):
            continue
        stamp = relative_stamp(joined_text(el))
        if stamp:
            return stamp
    return None


def _in_aside(el: HtmlElement) -> bool:
    """Inside comments, related-article lists or sidebars, whose dates are not the article's."""
    node = el.getparent()
    for _ in range(12):
        if node is None:
            return False
        if node.tag == "aside" or ASIDE.search(" ".join(class_names(node))):
            return True
        node = node.getparent()
    return False


def _inside_list(el: HtmlElement) -> bool:
    node = el.getparent()
    for _ in range(8):
        if node is None:
            return False
        if node.tag in LIST_CONTAINER_TAGS:
            return True
        node = node.getparent()
    return False
