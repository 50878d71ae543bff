"""Keep or drop each line: the trained classifier's verdict plus the extractor's layout.

A line stays only when the classifier calls it content and it sits in the article body the
extractor chose; everything else goes to ``removed`` with a reason, so users can audit it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsclean.core.types import Line

if TYPE_CHECKING:
    from newsclean.classifiers.model import LineClassifier

MIN_DUPLICATE_CHARS = 10  # short repeats ("01", "图") are layout, not copied paragraphs


@dataclass(frozen=True)
class Decision:
    """What happened to one line, in page order."""

    line: Line
    kept: bool
    reason: str | None = None
    score: float | None = None


def decide(lines: Sequence[Line], classifier: LineClassifier) -> list[Decision]:
    """One decision per line, in order."""
    verdicts = classifier.predict(lines) if lines else []
    seen: set[str] = set()
    decisions: list[Decision] = []
    for line, verdict in zip(lines, verdicts, strict=True):
        score = round(float(verdict.score), 4)
        if verdict.label != "content":
            decisions.append(Decision(line, False, verdict.label, score))
        elif not line.in_main:
            # Readable text outside the article container: navigation, sidebars, related lists.
            decisions.append(Decision(line, False, "boilerplate", None))
        else:
            key = _dedupe_key(line.text)
            if len(key) >= MIN_DUPLICATE_CHARS and key in seen:
                decisions.append(Decision(line, False, "duplicate", None))
            else:
                seen.add(key)
                decisions.append(Decision(line, True, None, score))
    return decisions


def _dedupe_key(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())
