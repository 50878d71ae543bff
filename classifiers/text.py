"""Text views the classifier reads.

Spam hides its terms behind spacing, symbols, full-width letters, look-alike letters and
Traditional characters. The *compact* view undoes all of that (NFKC, lower case, homoglyphs
folded, Traditional folded to Simplified, everything that is not a letter or digit dropped),
so "黄 ★ 色 ｗｗｗ" and "黄色www" give the same character n-grams.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Look-alike letters from other scripts that spam uses in place of Latin ones.
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "х": "x",
        "у": "y",
        "к": "k",
        "м": "m",
        "т": "t",
        "в": "b",
        "н": "h",
        "і": "i",
        "ј": "j",
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ω": "w",
        "ⅴ": "v",
        "○": "o",
        "〇": "o",
    }
)

# Kept in the compact view: ASCII letters and digits, CJK ideographs (incl. ext. A, compat).
NOT_KEPT = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Long lines: the head and the tail carry the evidence, the middle only costs time.
HEAD_CHARS = 200
TAIL_CHARS = 100


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


_HOMOGLYPH_RE = re.compile("[" + "".join(chr(k) for k in _HOMOGLYPHS) + "]")


def nfkc_lower(text: str) -> str:
    """NFKC (full-width to half-width, compatibility forms), lower case, look-alikes folded."""
    out = unicodedata.normalize("NFKC", text).lower()
    if _HOMOGLYPH_RE.search(out):
        out = out.translate(_HOMOGLYPHS)
    return out


def clip(text: str) -> str:
    """Head and tail of a long line: bounded work per line whatever its length."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + text[-TAIL_CHARS:]


def views(texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """(clipped NFKC lower-case view, compact view) of each line."""
    normal = [nfkc_lower(clip(t)).strip() for t in texts]
    return normal, compact_normalised(normal)


def compact_many(texts: Sequence[str]) -> list[str]:
    return views(texts)[1]


def compact_normalised(normal: Sequence[str]) -> list[str]:
    """Compact view of already NFKC-lowered lines; one OpenCC call for the whole batch."""
    folded = [NOT_KEPT.sub("", t) for t in normal]
    if not folded:
        return []
    joined = _t2s().convert("\n".join(folded))
    out = joined.split("\n")
    if len(out) != len(folded):  # cannot happen (no newlines left), but never misalign lines
        return [_t2s().convert(f) for f in folded]
    return out


def compact(text: str) -> str:
    return compact_many([text])[0]


def to_simplified(text: str) -> str:
    """Traditional to Simplified with OpenCC (t2s: character level, keeps mainland wording)."""
    return _t2s().convert(text)


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    return _s2t().convert(text)
