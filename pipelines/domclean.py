"""Drop what no reader sees, keeping a record of hidden text.

Text hidden with CSS (inline or through the page's own ``<style>`` rules) is SEO spam almost
by definition: it is removed here and returned as ``Removed(text, "hidden")`` so a user can
audit it. Everything is done by iteration, never recursion, so a 10,000-deep page is safe.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag
from soupsieve import SelectorSyntaxError

from pipelines.decode import sanitize_text
from pipelines.types import Removed

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
# Block-level elements: their boundaries separate words in a hidden element's recorded text.
_BLOCK_TAGS_TEXT = (
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul marquee"
)
BLOCK_TAGS = frozenset(_BLOCK_TAGS_TEXT.split())

OFFSCREEN_PX = 500  # left/top further out than this (negative) puts an element off the page
OFFSCREEN_EM = 30
TEXT_INDENT_PX = 500
TEXT_INDENT_EM = 30

_LENGTH_RE = re.compile(r"^(-?\d*\.?\d+)\s*([a-z%]*)$")
_STYLE_BLOCK_RE = re.compile(r"/\*.*?\*/", re.DOTALL)
_PSEUDO_RE = re.compile(r"::?[a-z-]+(\([^)]*\))?", re.IGNORECASE)
_SAFE_PSEUDO = re.compile(r":(not|is|where|first-child|last-child|nth-child|nth-of-type|first-of-type)\b")


def clean_dom(html: str) -> tuple[BeautifulSoup, list[Removed]]:
    """Parse ``html`` with lxml and remove invisible elements; return the soup and hidden text."""
    soup = BeautifulSoup(sanitize_text(html), "lxml")
    css_rules = _style_rules(soup)
    _drop_non_text(soup)
    hidden: list[Removed] = []
    for el in _hidden_elements(soup, css_rules):
        text = element_text(el)
        if text:
            hidden.append(Removed(text, "hidden", None))
        el.decompose()
    return soup, hidden


def element_text(el: Tag) -> str:
    """The element's text with block boundaries as spaces, white space collapsed (iterative)."""
    parts: list[str] = []
    for node in el.descendants:
        if isinstance(node, NavigableString):
            if not isinstance(node, (Comment, Declaration, Doctype, ProcessingInstruction)):
                parts.append(str(node))
        elif isinstance(node, Tag) and node.name in BLOCK_TAGS:
            parts.append(" ")
    return " ".join("".join(parts).split())


# ------------------------------------------------------------------ non-text content


def _drop_non_text(soup: BeautifulSoup) -> None:
    # One pass over the tree: bs4's find_all with filters is several times slower on big pages.
    drop = frozenset(DROP_TAGS + RUBY_ANNOTATIONS)
    doomed: list[Tag] = []
    comments = []
    for node in soup.descendants:
        if isinstance(node, Tag):
            if node.name in drop:
                doomed.append(node)
        elif isinstance(node, (Comment, ProcessingInstruction)):
            comments.append(node)
    for node in comments:
        node.extract()
    for tag in doomed:
        if not tag.decomposed:
            tag.decompose()


# ------------------------------------------------------------------ hidden elements


def _hidden_elements(soup: BeautifulSoup, css_rules: list[tuple[str, dict[str, str]]]) -> list[Tag]:
    """Outermost hidden elements, in document order."""
    by_rule: set[int] = set()
    for selector, decls in css_rules:
        try:
            matched = soup.select(selector)
        except (SelectorSyntaxError, ValueError, NotImplementedError, RecursionError):
            continue
        for el in matched:
            inline = _parse_declarations(el.get("style") or "")
            # An inline declaration of the same property overrides the rule.
            effective = {**decls, **{k: v for k, v in inline.items() if k in decls}}
            if _hides(effective):
                by_rule.add(id(el))

    found: list[Tag] = []
    node = soup.contents[0] if soup.contents else None
    while node is not None:
        if (
            isinstance(node, Tag)
            and node.name not in ("html", "body", "head", "title", "meta")
            and (id(node) in by_rule or _hidden_inline(node))
        ):
            found.append(node)
            node = _after(node)  # its descendants go with it
            continue
        node = node.next_element
    return found


def _after(el: Tag):
    """The first node after ``el``'s subtree in document order."""
    node = el
    while node is not None:
        if node.next_sibling is not None:
            return node.next_sibling
        node = node.parent
    return None


def _hidden_inline(el: Tag) -> bool:
    if el.name == "marquee":
        return True
    attrs = el.attrs
    if "hidden" in attrs:
        return True
    style = attrs.get("style")
    if not style:
        return False
    if isinstance(style, list):
        style = " ".join(style)
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


def _style_rules(soup: BeautifulSoup) -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of the page's own CSS rules that hide something.

    Rules for the same selector are merged in order, so a later ``.x{display:block}`` undoes an
    earlier ``.x{display:none}`` as the cascade would.
    """
    merged: dict[str, dict[str, str]] = {}
    for style in soup.find_all("style"):
        media = (style.get("media") or "all").lower()
        if "print" in media and "screen" not in media:
            continue
        css = style.string if style.string is not None else style.get_text()
        for selector, body in _iter_rules(_STYLE_BLOCK_RE.sub(" ", css or "")):
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
