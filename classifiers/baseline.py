"""The plain keyword filter the model is compared with: drop a line that contains a lexicon term.

Terms and lines are compared after NFKC and lower-casing; an upstream entry ``a|b`` matches
when both parts occur. Terms are indexed by their first two characters so a line costs one
dictionary look-up per position, not one per term.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

ADULT_FILES = ("lexicon_adult.txt", "lexicon_adult_extended.txt")
SPAM_FILES = ("lexicon_gambling.txt", "lexicon_ads_spam.txt")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


class KeywordFilter:
    def __init__(self, adult: Iterable[str], spam: Iterable[str]) -> None:
        self._index: dict[str, list[tuple[str, tuple[str, ...], str]]] = {}
        for label, terms in (("adult", adult), ("spam", spam)):
            for raw in terms:
                parts = tuple(p for p in _norm(raw.strip()).split("|") if p)
                if not parts or len(parts[0]) < 2:
                    continue
                head = parts[0]
                self._index.setdefault(head[:2], []).append((head, parts[1:], label))

    @classmethod
    def from_dir(cls, data_dir: Path) -> KeywordFilter:
        def read(names: Sequence[str]) -> list[str]:
            out: list[str] = []
            for n in names:
                p = Path(data_dir) / n
                if p.is_file():
                    out += [t for t in p.read_text(encoding="utf-8").splitlines() if t.strip()]
            return out

        return cls(read(ADULT_FILES), read(SPAM_FILES))

    def label(self, text: str) -> str:
        """``adult`` or ``spam`` when a term matches (adult wins), else ``content``."""
        line = _norm(text)
        found = "content"
        for i in range(len(line) - 1):
            for head, rest, label in self._index.get(line[i : i + 2], ()):
                if line.startswith(head, i) and all(r in line for r in rest):
                    if label == "adult":
                        return "adult"
                    found = "spam"
        return found

    def labels(self, texts: Iterable[str]) -> list[str]:
        return [self.label(t) for t in texts]
