"""The page as a tree: parsing and the few questions every DOM step asks of an element.

Pages are parsed with lxml directly rather than through BeautifulSoup: on the benchmark pages
BeautifulSoup's tree building took 10 ms a page against lxml's 0.3 ms, a third of the whole
chain (README, *Benchmarks*). Elements are ``lxml.html.HtmlElement``: text lives in ``.text``
and ``.tail``; comments stay in the tree (``is_element`` tells them apart).

lxml makes a Python object for an element when one is asked for and frees it when nothing holds
it, so ``id()`` of an element is only stable while the element is held: the steps that key
dicts by ``id()`` hold the whole tree's elements while they run (see ``extract_html``).
"""

from __future__ import annotations

import threading

from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

from newsclean.pipelines.decode import sanitize_text

_PARSE_OPTIONS = dict(encoding="utf-8", no_network=True, huge_tree=True)
_local = threading.local()  # an lxml parser serves one thread at a time


def parse_html(html: str) -> HtmlElement:
    """The page's tree.

    Comments and processing instructions stay in it: text on either side of one is two pieces
    of text, as it is on either side of an element that was removed (see ``drop``).
    libxml2 builds at most 2,048 levels of elements and drops what lies deeper; a page that
    nests deeper (a hostile one) is parsed again through a tree builder, which has no such
    limit and costs about ten times as much, so only those pages pay for it.
    """
    data = sanitize_text(html).encode("utf-8", "replace")
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = HTMLParser(**_PARSE_OPTIONS)
    try:
        doc = document_fromstring(data, parser=parser)
    except etree.ParserError:  # nothing but white space
        return document_fromstring(b"<html><body></body></html>")
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        builder = etree.TreeBuilder(parser=HTMLParser(**_PARSE_OPTIONS))
        deep = etree.HTMLParser(target=builder, **_PARSE_OPTIONS)
        deep.feed(data)
        built = deep.close()
        if isinstance(built, HtmlElement):
            doc = built
    return doc


def page_body(doc: HtmlElement) -> HtmlElement:
    """The ``<body>``, or the whole document when the page has none."""
    body = doc.find("body")
    return body if body is not None else doc


def is_element(node: HtmlElement) -> bool:
    """An element, not a comment or processing instruction (whose ``tag`` is not a string)."""
    return isinstance(node.tag, str)


def drop(el: HtmlElement) -> None:
    """Remove the element and what it holds; the text after it stays a piece of its own.

    An empty comment takes the element's place and keeps its tail: ``drop_tree()`` would glue
    the tail to the text before, and the line-break rules read each piece of text alone.
    """
    parent = el.getparent()
    if parent is None:  # the root: empty it instead
        el.clear()
        return
    mark = etree.Comment("")
    mark.tail = el.tail
    parent.replace(el, mark)


def class_names(el: HtmlElement) -> list[str]:
    """The element's classes and its id (``""`` when it has none): the names its page gave it."""
    return [*(el.get("class") or "").split(), el.get("id") or ""]


def joined_text(el: HtmlElement, sep: str = " ") -> str:
    """The element's pieces of text, each stripped, empty ones left out, joined by ``sep``."""
    return sep.join(piece.strip() for piece in el.itertext() if piece.strip())
