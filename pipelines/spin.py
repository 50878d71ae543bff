"""Spun articles (伪原创): score how machine-spun an article reads, and undo the clear swaps.

A spinner swaps words for near-synonyms from a table (技术→手艺, 服务→效劳, 个人→小我私家). Many
spun forms are also ordinary words (主要, 工业, 效果), so a word list alone cannot decide: each
occurrence of a known spun form is compared *in place* with its likely originals by a character
n-gram language model of clean news. A swap shows as a large gain in likelihood when the original
is put back. The article's score combines that evidence; a word is restored only when one original
is far more likely there than the spun form and than every other original.

This module is pure: it takes a loaded :class:`SpinModel` (built and loaded by
``newsclean.classifiers.spin_model``) and text, and returns plain data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from newsclean.pipelines.charlm import CharLM

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class SpinModel:
    """The language model (hashed, quantised n-gram log-counts) and the learned spin table."""

    table: np.ndarray  # uint16, 2**bits buckets of quantised log-counts
    check: np.ndarray  # uint8, the check byte of the n-gram each bucket holds
    bits: int
    order: int
    log_total: float  # log of the number of characters counted
    originals: dict[str, tuple[str, ...]]  # spun form -> the words it may have replaced
    # spun form -> the highest gain it showed as a genuine word in clean calibration articles:
    # a form that real news uses where the original would fit too is restored only above that
    clean_gain: dict[str, float] = field(default_factory=dict)
    backoff: float = 0.4
    flag_gain: float = 1.0  # an occurrence is suspicious from this gain (nats) on
    restore_gain: float = 4.0  # ... and restorable from this one
    restore_margin: float = 2.0  # the best original must beat the next one by this much
    score_weights: tuple[float, ...] = (1.0, 1.0)
    score_bias: float = -3.0
    threshold: float = 0.5
    version: str = "spin-unversioned"

    @cached_property
    def matcher(self) -> re.Pattern[str]:
        """Longest spun form first, so 相助同伴 wins over 相助 and 同伴."""
        words = sorted(self.originals, key=lambda w: (-len(w), w))
        return re.compile("|".join(map(re.escape, words)) if words else r"(?!)")

    @cached_property
    def lm(self) -> CharLM:
        """The clean-news character model alone (the short-line rule of the chain uses it too)."""
        return CharLM(self.table, self.check, self.bits, self.order, self.log_total, self.backoff)

    def window_logprobs(self, windows: Sequence[tuple[str, str, str]]) -> np.ndarray:
        """log P(middle + right | left) of each window under the news model (see :class:`CharLM`)."""
        return self.lm.window_logprobs(windows)


@dataclass(frozen=True)
class Suspect:
    """One occurrence of a spun form and what it most likely replaced."""

    paragraph: int
    offset: int  # character offset in the paragraph
    word: str
    original: str
    gain: float  # nats: log P(original here) - log P(word here)
    margin: float  # nats by which ``original`` beats the next candidate original (inf: the only one)
    restorable: bool

    def to_json(self) -> dict:
        return {
            "paragraph": self.paragraph,
            "offset": self.offset,
            "word": self.word,
            "original": self.original,
            "gain": round(self.gain, 2),
        }


@dataclass(frozen=True)
class SpinReport:
    score: float
    spun: bool
    suspects: tuple[Suspect, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        return {
            "score": round(self.score, 4),
            "spun": self.spun,
            "evidence": [s.to_json() for s in self.suspects],
        }


@dataclass(frozen=True)
class Replacement:
    paragraph: int
    offset: int  # in the paragraph as given (before any replacement)
    spun: str
    restored: str

    def to_json(self) -> dict:
        return {"paragraph": self.paragraph, "offset": self.offset, "from": self.spun, "to": self.restored}


def _occurrences(paragraphs: Sequence[str], model: SpinModel) -> list[tuple[int, int, str]]:
    return [(i, m.start(), m.group()) for i, p in enumerate(paragraphs) for m in model.matcher.finditer(p)]


def gains(paragraphs: Sequence[str], model: SpinModel) -> list[tuple[int, int, str, list[tuple[float, str]]]]:
    """Every occurrence of a known spun form with (gain, original) per candidate, best first."""
    found = _occurrences(paragraphs, model)
    k = model.order - 1
    windows, index = [], []
    for p, start, word in found:
        text = paragraphs[p]
        left, right = text[max(0, start - k) : start], text[start + len(word) : start + len(word) + k]
        windows.append((left, word, right))
        for original in model.originals[word]:
            windows.append((left, original, right))
        index.append(len(windows))
    scores = model.window_logprobs(windows)
    out, begin = [], 0
    for (p, start, word), end in zip(found, index, strict=True):
        base = scores[begin]
        cands = sorted(
            (
                (float(scores[j] - base), o)
                for j, o in zip(range(begin + 1, end), model.originals[word], strict=True)
            ),
            key=lambda c: (-c[0], c[1]),
        )
        out.append((p, start, word, cands))
        begin = end
    return out


def features(paragraphs: Sequence[str], found: Sequence[Suspect]) -> list[float]:
    """The article-level evidence: how much (log) and how dense (per 100 Chinese characters)."""
    mass = sum(min(s.gain, 8.0) / 8.0 for s in found)
    cjk = sum(len(_CJK.findall(p)) for p in paragraphs)
    return [math.log1p(mass), 100.0 * mass / max(cjk, 100)]


def detect_spin(paragraphs: Sequence[str], model: SpinModel) -> SpinReport:
    """Score one article's paragraphs: P(spun) in [0, 1] and the suspicious words."""
    suspects = []
    for p, start, word, cands in gains(paragraphs, model):
        best, original = cands[0]
        if best < model.flag_gain:
            continue
        margin = best - cands[1][0] if len(cands) > 1 else math.inf
        clear = best >= _bar(model, word) and margin >= model.restore_margin
        suspects.append(Suspect(p, start, word, original, best, margin, clear))
    z = model.score_bias + sum(
        w * x for w, x in zip(model.score_weights, features(paragraphs, suspects), strict=True)
    )
    score = 1.0 / (1.0 + math.exp(-z))
    return SpinReport(score, score >= model.threshold, tuple(suspects))


def _apply(paragraphs: Sequence[str], chosen: Sequence[Suspect]) -> tuple[list[str], dict[Suspect, int]]:
    """The paragraphs with ``chosen`` restored, and where each restored word now starts."""
    out, moved = list(paragraphs), {}
    for p in sorted({s.paragraph for s in chosen}):
        text, pieces, cursor, shift = paragraphs[p], [], 0, 0
        for s in sorted((s for s in chosen if s.paragraph == p), key=lambda s: s.offset):
            pieces += [text[cursor : s.offset], s.original]
            moved[s] = s.offset + shift
            shift += len(s.original) - len(s.word)
            cursor = s.offset + len(s.word)
        pieces.append(text[cursor:])
        out[p] = "".join(pieces)
    return out, moved


def restore_spun(
    paragraphs: Sequence[str], report: SpinReport, model: SpinModel
) -> tuple[list[str], list[Replacement]]:
    """Put back the originals of the restorable suspects of a spun article; nothing else changes.

    Each candidate is judged again with its neighbours already restored: next to a spun word a
    genuine one can look odd (大模子爆发 suggests 发生; 大模型爆发 does not). An article not judged
    spun is returned as it is: a lone likely swap in real news is more often an unusual but genuine
    word than a spinner's work."""
    chosen = [s for s in report.suspects if s.restorable] if report.spun else []
    if not chosen:
        return list(paragraphs), []
    draft, moved = _apply(paragraphs, chosen)
    k = model.order - 1
    windows = []
    for s in chosen:
        text, at = draft[s.paragraph], moved[s]
        left, right = text[max(0, at - k) : at], text[at + len(s.original) : at + len(s.original) + k]
        windows += [(left, s.original, right), (left, s.word, right)]
    scores = model.window_logprobs(windows)
    kept = [s for i, s in enumerate(chosen) if scores[2 * i] - scores[2 * i + 1] >= _bar(model, s.word)]
    restored, _ = _apply(paragraphs, kept)
    return restored, [Replacement(s.paragraph, s.offset, s.word, s.original) for s in kept]


def _bar(model: SpinModel, word: str) -> float:
    """The gain a restoration needs: the model's, or more for a form real news often uses."""
    return max(model.restore_gain, model.clean_gain.get(word, -math.inf) + model.restore_margin)


def spin_field(
    paragraphs: Sequence[str], model: SpinModel, *, restore: bool = False
) -> tuple[list[str], dict]:
    """What the chain adds to an article: its paragraphs (restored when ``restore`` and the article
    is judged spun) and the ``spin`` field — score, verdict, evidence and, when restoring, every
    replacement made (offsets refer to the paragraphs before restoration)."""
    report = detect_spin(paragraphs, model)
    field_ = report.to_json()
    field_["model"] = model.version
    if not restore:
        return list(paragraphs), field_
    restored, done = restore_spun(paragraphs, report, model)
    field_["restored"] = [r.to_json() for r in done]
    return restored, field_
