"""A character n-gram language model stored as hashed, quantised log-counts.

Two such models are shipped: one of clean news (inside the spin model, which compares spun words
with their originals in place) and one of spam and adult vocabulary. Scoring a text under both
tells an ordinary word (芯片, 无人机) from a lexicon-like one (a lone 裸聊) without any of the
line classifier's shape features, which meet few lines this short in training.

Pure: the tables are built by ``newsclean.classifiers.spin_train`` (``count_table``) and read by
the loaders in ``newsclean.classifiers``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BOS = "\x01"  # paragraph start and end padding, so a word's context never crosses paragraphs
EOS = "\x02"
_PRIME = np.uint64(0x100000001B3)
_SALT = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
LOG_STEP = math.log(2) / 2048  # quantised log-count: q = 1 + round(log2(count) * 2048), 0 = absent


def text_codes(text: str) -> np.ndarray:
    """Code points with the variation that says nothing about wording folded away: full-width
    ASCII forms to ASCII (corpora use ，, the chain emits ,), letters to lower case, digits to 0."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    full = (codes >= 0xFF01) & (codes <= 0xFF5E)
    codes[full] -= np.uint64(0xFEE0)
    upper = (codes >= 65) & (codes <= 90)
    codes[upper] += np.uint64(32)
    codes[(codes >= 48) & (codes <= 57)] = 48
    return codes


def ngram_hashes(codes: np.ndarray, n: int) -> np.ndarray:
    """64-bit hash of every n-gram; element k is the n-gram starting at k (ending at k + n - 1)."""
    size = len(codes) - n + 1
    if size <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = np.full(size, n, dtype=np.uint64) * _SALT
    for k in range(n):
        h = h * _PRIME + codes[k : k + size]
    h ^= h >> np.uint64(31)
    h *= _MIX1
    h ^= h >> np.uint64(29)
    h *= _MIX2
    return h ^ (h >> np.uint64(32))


def buckets_of(hashes: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Bucket (the top ``bits`` bits) and check byte (the low byte) of each hash: a bucket holds one
    n-gram, and the check byte keeps an unseen n-gram from reading a neighbour's count."""
    return (hashes >> np.uint64(64 - bits)).astype(np.int64), (hashes & np.uint64(0xFF)).astype(np.uint8)


@dataclass(frozen=True)
class CharLM:
    """Stupid-backoff n-gram model: ``table[bucket]`` is 1 + round(log2(count) * 2048), 0 absent."""

    table: np.ndarray  # uint16, 2**bits buckets of quantised log-counts
    check: np.ndarray  # uint8, the check byte of the n-gram each bucket holds
    bits: int
    order: int
    log_total: float  # log of the number of characters counted
    backoff: float = 0.4

    def window_logprobs(self, windows: Sequence[tuple[str, str, str]]) -> np.ndarray:
        """log P(middle + right | left) of each (left, middle, right); left and right are padded or
        cut to order-1 characters, so every candidate of one place is judged on the same context."""
        k = self.order - 1
        parts, scored, owner = [], [], []
        pos = 0
        for i, (left, middle, right) in enumerate(windows):
            piece = (BOS * k + left)[-k:] + middle + (right + EOS * k)[:k]
            parts.append(piece)
            span = range(pos + k, pos + len(piece))
            scored.extend(span)
            owner.extend([i] * len(span))
            pos += len(piece)
        if not windows:
            return np.zeros(0)
        codes = text_codes("".join(parts))
        t = np.asarray(scored, dtype=np.int64)
        logc = []  # logc[n-1][t]: log-count of the n-gram ending at t (nan where absent)
        for n in range(1, self.order + 1):
            bucket, check = buckets_of(ngram_hashes(codes, n), self.bits)
            q = self.table[bucket].astype(np.float64)
            full = np.full(len(codes), np.nan)
            full[n - 1 :] = np.where((q > 0) & (self.check[bucket] == check), (q - 1) * LOG_STEP, np.nan)
            logc.append(full)
        logp = np.full(len(t), math.log(0.5) - self.log_total + k * math.log(self.backoff))
        for n in range(1, self.order + 1):  # stupid backoff: the longest seen n-gram decides
            here = logc[n - 1][t]
            hist = np.full(len(t), self.log_total) if n == 1 else logc[n - 2][t - 1]
            ok = ~np.isnan(here) & ~np.isnan(hist)
            est = np.minimum(here - hist, 0.0) + (self.order - n) * math.log(self.backoff)
            logp = np.where(ok, est, logp)
        return np.bincount(np.asarray(owner), weights=logp, minlength=len(windows))

    def per_char(self, texts: Sequence[str]) -> np.ndarray:
        """Mean log-probability per character of each text on its own (padding included), so
        texts of different lengths compare."""
        k = self.order - 1
        sums = self.window_logprobs([("", t, "") for t in texts])
        return sums / np.array([len(t) + k for t in texts], dtype=np.float64) if len(texts) else sums


def log_odds(news: CharLM, other: CharLM, texts: Sequence[str]) -> np.ndarray:
    """Per character, how much likelier each text is as news than as the other model's text
    (0: as likely either way)."""
    return news.per_char(texts) - other.per_char(texts)
