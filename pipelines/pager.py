"""Continuation pages of an article split over several pages (下一页, 第2页, ``_2.html``, ``?page=2``).

Readability-style scoring of "next" links guesses too often on Chinese news sites, whose pages
are full of 下一篇 (next story) links and list pagination. So a link is only taken for a
continuation when three things hold at once:

* its URL is a *sibling* of the page's own: the same URL with a page number added or changed,
  in one of the shapes ``a.html`` / ``a_2.html`` / ``a-2.html``, ``?page=2`` (``p``, ``pn``,
  ``pg``, ``pageno``, ``page_no``, ``pagenum``, ``curpage``) or ``/a/`` / ``/a/2/``;
* its text says so: a page number (``2``, ``[2]``, ``第2页``), 下一页 / 下页 / 后页 / next, or
  ``rel="next"`` on the link itself (a ``<link rel=next>`` in the head is a site's list
  pagination as often as an article's, so it is not used);
* it sits in or right after the article's text: within a few levels of the link there is prose
  (text outside links and list items), and no comment section is around it.

Page numbers above :data:`MAX_PAGES` are never followed, so a pager that counts up forever ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

MAX_PAGES = 20  # continuation pages beyond this number are left alone
MIN_PROSE_CHARS = 80  # prose near a pager: it belongs to an article, not to a list
MIN_CHUNK_CHARS = 12  # a shorter text run (a date, a count, a label) is not prose
ANCESTOR_LEVELS = 4  # how far up from a pager link the article's text is looked for
PAGE_PARAMS = ("page", "p", "pn", "pg", "pageno", "page_no", "pagenum", "curpage")

_LEAF = re.compile(r"^(?P<stem>.*?)(?:[_-](?P<n>\d{1,2}))?(?P<ext>\.[A-Za-z]{2,6})$")
_SEGMENT = re.compile(r"^(?P<stem>.*)/(?P<n>\d{1,2})/?$")
_TRIM = re.compile(r"[\s\[\]()（）【】<>《》«»‹›|·.。:：…-]+")
_NUMBER = re.compile(r"^第?(\d{1,3})页?$")
_NEXT_WORDS = frozenset(
    {"下一页", "下页", "后页", "後頁", "下一頁", "下頁", "nextpage", "next", "继续阅读下一页"}
)
_PREV_WORDS = frozenset(
    {"上一页", "上页", "前页", "上一頁", "上頁", "前頁", "首页", "首頁", "第一页", "prev", "previous"}
)
_NOT_PAGES = re.compile(
    r"下一篇|上一篇|下篇|上篇|next\s*(story|article|post)|previous\s*(story|article|post)", re.I
)
_COMMENTS = re.compile(r"comment|reply|cmt|评论|留言", re.I)
_NOT_PROSE = frozenset({"a", "li", "script", "style", "noscript", "option", "select", "button", "nav"})


_PAGER_TEXT = re.compile(
    r"^(?:\d{1,3}|第\d{1,3}页|共\d{1,3}页|[上下前后首末尾]一?页|下一頁|上一頁|[\s\[\]|<>«»‹›.…·/-])+$"
)


def is_pager_text(text: str) -> bool:
    """A line that is only a pager (``1``, ``上一页 1 2 3 下一页``, ``共3页``): never article text."""
    return bool(_PAGER_TEXT.match(text.strip()))


@dataclass(frozen=True)
class Pager:
    """What a page says about the article pages around it."""

    number: int = 1  # this page's place in the article (1: the first or only page)
    next_pages: tuple[str, ...] = ()  # later pages it links to, in page order
    numbered: tuple[tuple[int, str], ...] = field(default=(), repr=False)  # the same, with their numbers
    first_page: str | None = None  # on a later page: the earliest page it links to
    earlier: tuple[str, ...] = field(default=(), repr=False)  # earlier pages it links to, in order


def find_pager(doc: Any, url: str, max_pages: int = MAX_PAGES) -> Pager:
    """The continuation links of the article on ``doc`` (HTML text or a parsed lxml tree) at ``url``."""
    root = _root(doc)
    if root is None:
        return Pager()
    here = _readings(url)
    if not here:
        return Pager()
    prose_cache: dict[Any, int] = {}  # keyed by element: holding it keeps lxml's proxy alive
    # shape -> page number -> URL, for the links that pass every test
    found: dict[tuple, dict[int, str]] = {}
    for link in root.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        try:
            target = urljoin(url, href).split("#", 1)[0]
        except ValueError:
            continue
        if urlsplit(target).scheme not in ("http", "https"):
            continue
        match = _sibling(here, target, max_pages)
        if match is None:
            continue
        shape, number = match
        later = number > here[shape]
        if not _says_page(link, number, later) or not _in_article(link, prose_cache):
            continue
        found.setdefault(shape, {}).setdefault(number, target)
    if not found:
        return Pager()
    shape = max(found, key=lambda s: len(found[s]))
    current = here[shape]
    pages = found[shape]
    numbered = tuple((n, pages[n]) for n in sorted(pages) if n > current)
    earlier = tuple(pages[n] for n in sorted(pages) if n < current)
    return Pager(
        number=current if earlier else 1,
        next_pages=tuple(u for _, u in numbered),
        numbered=numbered,
        first_page=earlier[0] if earlier else None,
        earlier=earlier,
    )


def _root(doc: Any) -> Any:
    if isinstance(doc, (str, bytes)):
        import lxml.html
        from lxml.etree import ParserError

        if not doc.strip():
            return None
        try:
            return lxml.html.document_fromstring(doc)
        except (ParserError, ValueError):
            return None
    return getattr(doc, "root", doc)  # a parsel Selector or an lxml element


def _readings(url: str) -> dict[tuple, int]:
    """Every way to read ``url`` as page N of a sequence: shape -> N (1 where no number shows)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return {}
    host = parts.netloc.lower()
    path = parts.path or "/"
    query = parse_qsl(parts.query, keep_blank_values=True)
    whole_query = urlencode(sorted(query))
    out: dict[tuple, int] = {}
    head, _, leaf = path.rpartition("/")
    m = _LEAF.match(leaf)
    if m and m["stem"]:
        out["leaf", host, head, m["stem"], m["ext"].lower(), whole_query] = int(m["n"] or 1)
    m = _SEGMENT.match(path)
    if m:
        out["segment", host, m["stem"], whole_query] = int(m["n"])
    if path.rstrip("/"):
        out.setdefault(("segment", host, path.rstrip("/"), whole_query), 1)
    for name in PAGE_PARAMS:
        values = [v for k, v in query if k.lower() == name]
        rest = urlencode(sorted((k, v) for k, v in query if k.lower() != name))
        key = ("query", host, path, name, rest)
        if not values:
            out[key] = 1
        elif values[0].isdigit() and len(values[0]) <= 3:
            out[key] = int(values[0])
    return out


def _sibling(here: dict[tuple, int], target: str, max_pages: int) -> tuple[tuple, int] | None:
    """The shape and page number of ``target`` when it is another page of the same sequence."""
    for shape, number in _readings(target).items():
        if shape in here and number != here[shape] and 1 <= number <= max_pages:
            return shape, number
    return None


def _link_text(link: Any) -> str:
    return " ".join("".join(link.itertext()).split())


def _says_page(link: Any, number: int, later: bool) -> bool:
    """The link's text (or its title, or rel) names a page, not a story."""
    text = _link_text(link)
    title = link.get("title") or ""
    if _NOT_PAGES.search(text) or _NOT_PAGES.search(title):
        return False
    rel = (link.get("rel") or "").lower().split()
    if ("next" in rel and later) or ("prev" in rel and not later):
        return True
    for words in (text, title):
        bare = _TRIM.sub("", words).lower()
        m = _NUMBER.match(bare)
        if m:
            return True
        if bare in (_NEXT_WORDS if later else _PREV_WORDS):
            return True
    return False


def _in_article(link: Any, cache: dict[Any, int]) -> bool:
    """Prose within a few levels above the link, and no comment section around it."""
    node = link.getparent()
    near = False
    for _ in range(ANCESTOR_LEVELS):
        if node is None:
            break
        if _COMMENTS.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return False
        if not near:
            if node not in cache:
                cache[node] = _prose_chars(node)
            near = cache[node] >= MIN_PROSE_CHARS
        node = node.getparent()
    return near


def _prose_chars(node: Any) -> int:
    """Characters of text runs outside links and list items (a list of headlines has none)."""
    total = 0
    stack = [(node, False)]
    while stack:
        el, skipped = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else ""
        inside = skipped or tag.lower() in _NOT_PROSE
        if not inside and el.text and len(el.text.strip()) >= MIN_CHUNK_CHARS:
            total += len(el.text.strip())
        for child in el:
            stack.append((child, inside))
            # a child's tail is text of ``el``: prose unless ``el`` itself is not
            if not inside and child.tail and len(child.tail.strip()) >= MIN_CHUNK_CHARS:
                total += len(child.tail.strip())
        if total >= MIN_PROSE_CHARS:
            break
    return total
