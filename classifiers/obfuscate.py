"""The ways spam spells a term to slip past keyword lists, for the generated training lines."""

from __future__ import annotations

import random

from newsclean.classifiers.text import to_traditional
from newsclean.classifiers.wordlists import pairs

# A few characters spam spells in pinyin or by initial letter to dodge keyword filters.
PINYIN = pairs("pinyin")
SYMBOLS = "*#★☆♥·-_~^.°•◆"
EMOJI = "🔥💋🍑🐻🎰💰🌸✨😍👉🈲🔞"
HOMOGLYPH_OUT = pairs("homoglyphs_out")
OBFUSCATIONS = ("spaced", "symbols", "fullwidth", "homoglyph", "emoji", "pinyin", "initials", "traditional")


def obfuscate(term: str, how: str, rng: random.Random) -> str:
    """Spell a term the ways spam does to slip past keyword lists."""
    if how == "spaced":
        return " ".join(term)
    if how == "symbols":
        sym = rng.choice(SYMBOLS)
        return sym.join(term)
    if how == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in term)
    if how == "homoglyph":
        return "".join(HOMOGLYPH_OUT.get(c, c) if rng.random() < 0.7 else c for c in term.lower())
    if how == "emoji":
        pos = rng.randint(1, max(1, len(term) - 1))
        return term[:pos] + rng.choice(EMOJI) + term[pos:]
    if how == "pinyin":
        hits = [i for i, c in enumerate(term) if c in PINYIN]
        if hits:
            i = rng.choice(hits)
            return term[:i] + PINYIN[term[i]] + term[i + 1 :]
        return term
    if how == "initials":
        return "".join(PINYIN[c][0] if c in PINYIN and rng.random() < 0.6 else c for c in term)
    if how == "traditional":
        return to_traditional(term)
    return term
