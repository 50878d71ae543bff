"""Posts and comment streams: on a forum thread, a blog page or an article with comments below
it, the article is one post, not the replies, signatures or comments, even when those hold
more text than the post.

What marks a post is its own header with a time stamp (``2005-03-21 01:20:44``, ``08-11 16:06``,
``# re: 标题 2004-12-27 12:46 网名``, ``由某某张贴 @ 2005-03-18 01:28:08``). A container holding a
run of such headers is a stream; the article is its first post, or, when that post is only a
short reply, the best container outside the stream (the blog post above its comments).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml.html import HtmlElement

from newsclean.core.types import Block
from newsclean.pipelines.walk import Unit

# a date (the year optional) with a time of day: what a post header carries, unlike a dated
# paragraph of an article ("2025年7月1日，某公司宣布……")
POST_STAMP = re.compile(
    r"(?<!\d)(?:(?:19|20)\d{2}\s*[-/.年]\s*)?\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*T?\s*\d{1,2}\s*[:：]\s*\d{2}(?!\d)"
)
MAX_HEADER_CHARS = 150  # a post header is short; longer lines are prose with a time in them
MIN_STAMPS = 3  # fewer dated headers are an article's own date line and a related item or two
MIN_POST_CHARS = 100  # a first "post" shorter than this is a reply: the article is elsewhere
MAX_REPLY_RATIO = 3.0  # a later item this many times longer than the first is an article, not a reply
# the heading a comment section opens with: 评论, 网友评论(12), 已有3条评论, 《标题》已有1件评论, 5 Comments
COMMENT_HEADING = re.compile(
    r"^(?:[《“\"].{1,80}[》”\"])?\s*(?:已有|共有?)?\s*\d*\s*(?:件|条|篇|则|個|个)?\s*"
    r"(?:网友|读者|用户|最新|热门|精彩|全部|发表|查看)?(?:评论|評論|留言|回复|回應|跟帖)"
    r"(?:\s*[(（\[]\s*\d+\s*[)）\]])?\s*[:：]?$"
    r"|^(?:\d+\s+)?(?:comments?|responses?|replies|leave a (?:comment|reply))\b.{0,60}$",
    re.IGNORECASE,
)
MAX_HEADING_CHARS = 90
MIN_BODY_BEFORE_COMMENTS = 100  # a comment heading this early is the page's menu, not the tail
MAX_CLIMB = 8  # levels above the chosen container searched for sibling posts (tables nest deep)

Chooser = Callable[[HtmlElement], list[HtmlElement]]


def is_post_header(text: str) -> bool:
    """A short line with a date and a time of day that does not start a sentence."""
    if len(text) > MAX_HEADER_CHARS or "。" in text:
        return False
    m = POST_STAMP.search(text)
    return m is not None and not text[m.end() :].lstrip().startswith(("，", ","))


def first_post(
    pairs: list[tuple[Unit, Block]], chosen: list[HtmlElement], rechoose: Chooser
) -> tuple[list[HtmlElement], set[int]]:
    """The chosen containers narrowed to the page's first post, and the blocks after that post
    (replies, comments) to leave out of the body. ``rechoose(stream)`` picks the body again
    with ``stream`` set aside."""
    if not chosen:
        return chosen, set()
    headers = [i for i, (_, block) in enumerate(pairs) if is_post_header(block.text)]
    if len(headers) < MIN_STAMPS:
        return chosen, set()
    chosen = _first_sibling_post(pairs, chosen, headers)
    body = _blocks_inside(pairs, chosen)
    stamps = [i for i in body if i in set(headers)]
    if len(stamps) < MIN_STAMPS:
        return chosen, set()
    lead = _chars(pairs, [i for i in body if i < stamps[0]])
    if lead >= MIN_POST_CHARS:
        # the post stands before the first dated header: every header after it opens a reply
        later = [i for i in body if i >= stamps[0]]
        items = _items(later, stamps)
        if max((_chars(pairs, item) for item in items), default=0) <= MAX_REPLY_RATIO * lead:
            return chosen, set(later)
    first = [i for i in body if i < stamps[1] and i not in stamps]
    first_chars = _chars(pairs, first)
    if first_chars < MIN_POST_CHARS:
        # the container is the comments alone: the article is the best container outside it
        again = rechoose(chosen[0]) if len(chosen) == 1 else []
        if again and _chars(pairs, _blocks_inside(pairs, again)) >= MIN_POST_CHARS:
            return again, set()
        return chosen, set()
    later = [i for i in body if i >= stamps[1]]
    items = _items(later, stamps[1:])
    if max((_chars(pairs, item) for item in items), default=0) > MAX_REPLY_RATIO * first_chars:
        return chosen, set()  # a long run after the stamps: an article below a dated list
    return chosen, set(later)


def comment_tail(pairs: list[tuple[Unit, Block]], inside: set[int]) -> set[int]:
    """The body blocks from a comment section's heading on ("已有3条评论", "网友评论"), when
    the article's text stands before it: the comments below a post are not the post."""
    seen = 0.0
    body = [i for i, (unit, _) in enumerate(pairs) if id(unit.owner) in inside]
    for n, i in enumerate(body):
        block = pairs[i][1]
        heading = seen >= MIN_BODY_BEFORE_COMMENTS and len(block.text) <= MAX_HEADING_CHARS
        if heading and COMMENT_HEADING.match(block.text.strip()):
            return set(body[n:])
        seen += len(block.text) * (1 - block.link_density)
    return set()


def _first_sibling_post(
    pairs: list[tuple[Unit, Block]], chosen: list[HtmlElement], headers: list[int]
) -> list[HtmlElement]:
    """When the chosen container is one post among sibling posts, the first post instead: the
    thread's opening post, the page's own entry.

    Sibling posts: elements of one tag and class under one parent, at least three of them with
    a dated header; a post runs from one of them to the next (wrapped posts are one element
    each, flat ones a title row, a date row, the text and a footer row).
    """
    header_owners = [pairs[i][0].owner for i in headers]
    node: HtmlElement | None = chosen[0]
    for _ in range(MAX_CLIMB):
        if node is None or node.getparent() is None:
            break
        children = list(node.getparent())
        dated = [c for c in children if any(_within(owner, c) for owner in header_owners)]
        by_signature: dict[tuple, list[HtmlElement]] = {}
        for c in dated:
            by_signature.setdefault((c.tag, tuple((c.get("class") or "").split())), []).append(c)
        starts = max(by_signature.values(), key=len, default=[])
        if len(starts) >= MIN_STAMPS:
            at = [children.index(c) for c in starts[:2]]
            post = children[at[0] : at[1]]
            if node not in post and _chars(pairs, _blocks_inside(pairs, post)) >= MIN_POST_CHARS:
                return post
            return chosen
        node = node.getparent()
    return chosen


def _items(blocks: list[int], stamps: list[int]) -> list[list[int]]:
    """``blocks`` split at each stamp: one list per post."""
    items: list[list[int]] = []
    starts = set(stamps)
    for i in blocks:
        if i in starts or not items:
            items.append([])
        items[-1].append(i)
    return items


def _within(el: HtmlElement, container: HtmlElement) -> bool:
    node: HtmlElement | None = el
    while node is not None:
        if node is container:
            return True
        node = node.getparent()
    return False


def _blocks_inside(pairs: list[tuple[Unit, Block]], tags: list[HtmlElement]) -> list[int]:
    ids = set()
    for tag in tags:
        ids.update(id(t) for t in tag.iter())
    return [i for i, (unit, _) in enumerate(pairs) if id(unit.owner) in ids]


def _chars(pairs: list[tuple[Unit, Block]], indexes: list[int]) -> int:
    """Characters outside links: a reply list of linked titles has little text of its own."""
    total = 0.0
    for i in indexes:
        block = pairs[i][1]
        total += len("".join(block.text.split())) * (1 - block.link_density)
    return round(total)
