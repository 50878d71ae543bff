"""Drop what no reader sees, keeping a record of hidden text.

Text hidden with CSS (inline or through the page's own ``<style>`` rules) is SEO spam almost
by definition: it is removed here and returned as ``Removed(text, "hidden")`` so a user can
audit it. Everything is done by iteration, never recursion, so a 10,000-deep page is safe.

"""

from __future__ import annotations

import re

from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from newsclean.core.text import WORD_BREAK_TAGS
from newsclean.core.types import Removed
from newsclean.pipelines.dom import drop, is_element, page_body, parse_html

# Elements whose content is never page text.
DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "frame",
    "frameset",
    "template",
    "svg",
    "math",
    "object",
    "embed",
    "canvas",
    "audio",
    "video",
    "applet",
    "link",
    "select",
    "input",
    "textarea",
    "button",
    "dialog",
)
RUBY_ANNOTATIONS = ("rt", "rp", "rtc")
REVEALED_MIN_CHARS = 200  # hidden prose this long and this share of the page is the article
REVEALED_SHARE = 0.5
REVEALED_MIN_SENTENCES = 3
OFFSCREEN_PX = 500  # left/top further out than this (negative) puts an element off the page
OFFSCREEN_EM = 30
TEXT_INDENT_PX = 500
TEXT_INDENT_EM = 30

MAX_COMPLEX_RULES = 20  # other selectors (attributes, pseudo-classes) each cost a walk over the tree
_COMBINATOR = re.compile(r"\s*[>+~]\s*|\s+")
_SIMPLE_SELECTOR = re.compile(r"^([a-zA-Z][a-zA-Z0-9-]*|\*)?((?:[.#][\w-]+)*)$")
_LENGTH_RE = re.compile(r"^(-?\d*\.?\d+)\s*([a-z%]*)$")
_STYLE_BLOCK_RE = re.compile(r"/\*.*?\*/", re.DOTALL)
_PSEUDO_RE = re.compile(r"::?[a-z-]+(\([^)]*\))?", re.IGNORECASE)
_SAFE_PSEUDO = re.compile(r":(not|is|where|first-child|last-child|nth-child|nth-of-type|first-of-type)\b")


def clean_dom(html: str) -> tuple[HtmlElement, list[Removed]]:
    """Parse ``html`` with lxml and remove invisible elements; return the tree and hidden text."""
    doc = parse_html(html)
    css_rules = _style_rules(doc)
    _drop_non_text(doc)
    hidden: list[Removed] = []
    found = _hidden_elements(doc, css_rules)
    texts = [element_text(el) for el in found]
    page_chars = len("".join(page_body(doc).text_content().split())) if found else 0
    for el, text in zip(found, texts, strict=True):
        if _awaits_script(el, text, page_chars):
            continue
        if text:
            hidden.append(Removed(text, "hidden", None))
        drop(el)
    return doc, hidden


def _awaits_script(el: HtmlElement, text: str, page_chars: int) -> bool:
    """The article itself, made invisible only until the page's own script shows it (a WeChat
    copy's ``#js_content`` is ``visibility:hidden`` until then): most of the page's prose,
    hidden the way a script reveals it (visibility or opacity), not taken out of the layout."""
    chars = len("".join(text.split()))
    if chars < REVEALED_MIN_CHARS or chars < REVEALED_SHARE * page_chars:
        return False
    if sum(text.count(mark) for mark in "。！？") < REVEALED_MIN_SENTENCES:
        return False
    decls = _parse_declarations(el.get("style") or "")
    return decls.get("display") != "none" and (
        decls.get("visibility") == "hidden" or _is_zero(decls.get("opacity", "1"))
    )


def element_text(el: HtmlElement) -> str:
    """The element's text with block boundaries as spaces, white space collapsed (iterative)."""
    parts: list[str] = []
    for event, node in etree.iterwalk(el, events=("start", "end", "comment", "pi")):
        if event == "start":
            if node is not el and node.tag in WORD_BREAK_TAGS:
                parts.append(" ")
            if node.text:
                parts.append(node.text)
        elif node is not el and node.tail:  # an element's end, or a comment
            parts.append(node.tail)
    return " ".join("".join(parts).split())


# ------------------------------------------------------------------ non-text content


def _drop_non_text(doc: HtmlElement) -> None:
    for tag in list(doc.iter(*DROP_TAGS, *RUBY_ANNOTATIONS)):
        drop(tag)


# ------------------------------------------------------------------ hidden elements


def _hidden_elements(doc: HtmlElement, css_rules: list[tuple[str, dict[str, str]]]) -> list[HtmlElement]:
    """Outermost hidden elements, in document order.

    Simple selectors (``.cls``, ``#id``, ``tag``, ``tag.cls``) are matched from an index in the
    same single pass over the tree, so hundreds of rules cost no more than a few; other
    selectors go to cssselect (compiled to XPath), a bounded number of them.
    """
    simple = _SimpleRules(doc)
    by_rule: set[HtmlElement] = set()
    complex_rules = 0
    for selector, decls in css_rules:
        if simple.add(selector, decls):
            continue
        complex_rules += 1
        if complex_rules > MAX_COMPLEX_RULES:
            continue
        for el in _select(selector, doc):
            if _hides(_with_inline(el, decls)):
                by_rule.add(el)

    found: list[HtmlElement] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if is_element(node) and node.tag not in ("html", "body", "head", "title", "meta"):
            decls = simple.match(node)
            if node in by_rule or _hidden_inline(node) or (decls and _hides(_with_inline(node, decls))):
                found.append(node)
                continue  # its descendants go with it
        stack.extend(reversed(node))
    return found


def _compile(selector: str) -> CSSSelector | None:
    """The selector compiled, or None when cssselect cannot read it (it then matches nothing)."""
    try:
        return CSSSelector(selector, translator="html")
    except (SelectorError, ValueError, NotImplementedError, etree.XPathError, RecursionError):
        return None


def _select(selector: str | CSSSelector | None, doc: HtmlElement) -> list[HtmlElement]:
    compiled = _compile(selector) if isinstance(selector, str) else selector
    if compiled is None:
        return []
    try:
        return compiled(doc)
    except (etree.XPathError, ValueError, RecursionError):
        return []


def _with_inline(el: HtmlElement, decls: dict[str, str]) -> dict[str, str]:
    """A rule's declarations with the element's inline style on top (inline wins the cascade)."""
    style = el.get("style")
    if not style:
        return decls
    inline = _parse_declarations(style)
    return {**decls, **{k: v for k, v in inline.items() if k in decls}}


class _SimpleRules:
    """CSS rules whose selector is one compound of tag, #id and .classes, indexed for lookup."""

    def __init__(self, doc: HtmlElement) -> None:
        self._doc = doc
        self._by_key: dict[str, list[tuple]] = {}
        self._count = 0
        self._matches: dict[int, set[HtmlElement]] = {}  # rule order -> elements its selector matches

    def add(self, selector: str, decls: dict[str, str]) -> bool:
        """Index a rule by its last compound; False when that compound is not a simple one."""
        verify = None
        m = _SIMPLE_SELECTOR.match(selector)
        if not m:
            # "div.box > p.x": index by the last compound, check the whole selector on candidates
            last = _COMBINATOR.split(selector.strip())[-1]
            m = _SIMPLE_SELECTOR.match(last)
            if not m:
                return False
            verify = _compile(selector)
            if verify is None:
                return True  # a selector cssselect cannot read matches nothing here

        tag = m.group(1).lower() if m.group(1) else None
        parts = re.findall(r"([.#])([\w-]+)", m.group(2) or "")
        ids = {name for kind, name in parts if kind == "#"}
        classes = frozenset(name for kind, name in parts if kind == ".")
        if len(ids) > 1 or not (tag or ids or classes) or tag == "*":
            return False
        element_id = next(iter(ids), None)
        key = f".{min(classes)}" if classes else f"#{element_id}" if element_id else tag or ""
        self._by_key.setdefault(key, []).append((self._count, tag, element_id, classes, decls, verify))
        self._count += 1
        return True

    def _verified(self, order: int, verify: CSSSelector, el: HtmlElement) -> bool:
        """Whether the whole selector matches ``el``: its matches are found once per page."""
        if order not in self._matches:
            self._matches[order] = set(_select(verify, self._doc))
        return el in self._matches[order]

    def match(self, el: HtmlElement) -> dict[str, str] | None:
        """The merged declarations of the rules matching ``el``, in source order; None if none."""
        if not self._by_key:
            return None
        classes = (el.get("class") or "").split()
        element_id = el.get("id")
        keys = [el.tag, *(f".{c}" for c in classes)]
        if element_id is not None:
            keys.append(f"#{element_id}")
        hits = []
        for key in keys:
            for rule in self._by_key.get(key, ()):
                order, tag, rule_id, rule_classes, decls, verify = rule
                if tag and tag != el.tag:
                    continue
                if rule_id and rule_id != element_id:
                    continue
                if rule_classes and not rule_classes.issubset(classes):
                    continue
                if verify is not None and not self._verified(order, verify, el):
                    continue
                hits.append((order, decls))
        if not hits:
            return None
        merged: dict[str, str] = {}
        for _, decls in sorted(hits, key=lambda h: h[0]):
            merged.update(decls)
        return merged


def _hidden_inline(el: HtmlElement) -> bool:
    if el.tag == "marquee":
        return True
    attrs = el.attrib
    if "hidden" in attrs:
        return True
    style = attrs.get("style")
    if not style:
        return False
    return _hides(_parse_declarations(style))


def _parse_declarations(style: str) -> dict[str, str]:
    decls: dict[str, str] = {}
    for part in style[:100_000].split(";"):
        name, sep, value = part.partition(":")
        if not sep:
            continue
        value = value.replace("!important", "").strip().lower()
        decls[name.strip().lower()] = value
    return decls


def _length(value: str) -> tuple[float, str] | None:
    m = _LENGTH_RE.match(value.strip())
    if not m:
        return None
    return float(m.group(1)), m.group(2)


def _is_zero(value: str) -> bool:
    parsed = _length(value)
    return parsed is not None and parsed[0] == 0


def _far_negative(value: str, px: float, em: float) -> bool:
    parsed = _length(value)
    if parsed is None:
        return False
    number, unit = parsed
    if unit in ("", "px", "pt"):
        return number <= -px
    if unit in ("em", "rem", "ex", "ch"):
        return number <= -em
    if unit in ("%", "vw", "vh"):
        return number <= -100
    return number <= -px / 10  # cm, mm, in: a few of them are far off already


def _hides(decls: dict[str, str]) -> bool:
    """Whether these declarations make an element invisible to a reader."""
    if not decls:
        return False
    if decls.get("display") == "none":
        return True
    if decls.get("visibility") in ("hidden", "collapse"):
        return True
    if "font-size" in decls and _is_zero(decls["font-size"]):
        return True
    opacity = decls.get("opacity")
    if opacity is not None and _is_zero(opacity.rstrip("%") if opacity.endswith("%") else opacity):
        return True
    if decls.get("position") in ("absolute", "fixed") and any(
        _far_negative(decls.get(side, ""), OFFSCREEN_PX, OFFSCREEN_EM) for side in ("left", "top", "right")
    ):
        return True
    if "text-indent" in decls and _far_negative(decls["text-indent"], TEXT_INDENT_PX, TEXT_INDENT_EM):
        return True
    overflow = decls.get("overflow", "") + decls.get("overflow-y", "") + decls.get("overflow-x", "")
    if "hidden" in overflow or "clip" in overflow:
        for dim in ("height", "max-height", "width", "max-width"):
            if dim in decls and _is_zero(decls[dim]):
                return True
    return False


# ------------------------------------------------------------------ <style> rules


def _style_rules(doc: HtmlElement) -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of the page's own CSS rules that hide something.

    Rules for the same selector are merged in order, so a later ``.x{display:block}`` undoes an
    earlier ``.x{display:none}`` as the cascade would.
    """
    merged: dict[str, dict[str, str]] = {}
    for style in doc.iter("style"):
        media = (style.get("media") or "all").lower()
        if "print" in media and "screen" not in media:
            continue
        for selector, body in _iter_rules(_STYLE_BLOCK_RE.sub(" ", style.text_content())):
            decls = _parse_declarations(body)
            if not decls:
                continue
            for one in selector.split(","):
                key = " ".join(one.split())
                if key and _usable_selector(key):
                    merged.setdefault(key, {}).update(decls)
    return [(selector, decls) for selector, decls in merged.items() if _hides(decls)]


def _usable_selector(selector: str) -> bool:
    """Plain selectors only: pseudo-elements and state pseudo-classes (:hover) never apply at rest."""
    stripped = _SAFE_PSEUDO.sub("", selector)
    return not _PSEUDO_RE.search(stripped)


def _iter_rules(css: str, depth: int = 0):
    """Top-level ``selector { body }`` pairs; @media screen/all blocks are entered, other at-rules skipped."""
    i, n = 0, len(css)
    while i < n:
        open_brace = css.find("{", i)
        if open_brace < 0:
            return
        prelude = css[i:open_brace].strip()
        # find the matching close brace
        depth, j = 1, open_brace + 1
        while j < n and depth:
            if css[j] == "{":
                depth += 1
            elif css[j] == "}":
                depth -= 1
            j += 1
        body = css[open_brace + 1 : j - 1]
        if prelude.startswith("@"):
            query = prelude.lower()
            if depth < 3 and query.startswith("@media") and "print" not in query and "width" not in query:
                yield from _iter_rules(body, depth + 1)
        elif prelude:
            # a stray ';' before a selector (after an @import) is not part of it
            yield prelude.rsplit(";", 1)[-1].strip(), body
        i = j
