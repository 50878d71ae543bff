"""Line features: hashed character n-grams of the compact view plus a few shape features.

The n-grams carry the vocabulary (terms, site names, boilerplate phrases); the shape features
carry what injected lines look like regardless of the words: comma/pipe runs of short pieces,
a date glued in front, domains, phone/QQ/WeChat numbers, symbols between characters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from newsclean.classifiers.text import compact_many, compact_normalised, views
from newsclean.core.text import LINE_CLOSERS

N_FEATURES = 2**18
NGRAM_RANGE = (1, 3)

_TAIL_SPLIT = re.compile(r"[,，|丨｜]")
_SEP = re.compile(r"[,，|丨｜、;；/]+|\s{2,}")
_DATE_PREFIX = re.compile(r"^\s*(?:\d{4}[-/.年])?\d{1,2}[-/.月]\d{1,2}日?(?:\s|[,，|丨:：]|$)")
# A news lead opens with a written date ("6月9日，"); a line opening with "2025-07-02" is mostly
# a post stamp: a meta line or an injected ad (in articles: a changelog entry now and then).
_NUMERIC_DATE_PREFIX = re.compile(r"^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)")
_DOMAIN = re.compile(
    r"(?:https?://|www\.)\S+|[a-z0-9][a-z0-9-]{0,30}\.(?:com|cn|net|org|cc|vip|xyz|top|me|tv|info|biz|"
    r"co|io|app|club|site|online|live|fun|pw|ws|la|in|hk|tw|us|asia|wang|ltd|link|win|bet)(?![a-z0-9-])"
)  # no \b after the TLD: a domain glued to Chinese text ("bw17.cn下载") has no word boundary
_CONTACT = re.compile(
    # The lookahead lists every branch's first character: the regex engine then skips to those
    # characters instead of trying each branch at every position (3x faster, same matches).
    r"(?=[1qvwtl扣微薇威加电热进群])"
    r"(?:1[3-9]\d{9}|(?:qq|扣扣|微信|vx|v信|wx|薇信|威信|加v|电话|热线|tel|\bv)\s*[:：号]?\s*[0-9a-z_-]{5,}"
    r"|(?<![a-z])(?:line|tg|telegram)\s*(?:客服|id|号)?\s*[:：]?\s*@[0-9a-z_.-]{4,}"
    r"|(?:vx|加v|薇信|威信|进群|加群|群号))"
)  # bare "qq" / "微信" are not contacts (news about the apps names them all the time); a LINE
# or Telegram handle is one only with its "@" ("@daily" alone is a cron keyword)
SENTENCE_ENDS = LINE_CLOSERS
_QUOTES = re.compile(r"[《》“”【】「」]")

SHAPE_NAMES = (
    "log_len",
    "cjk_ratio",
    "latin_ratio",
    "digit_ratio",
    "punct_ratio",
    "sep_runs",
    "has_pipe",
    "sentence_end",
    "date_prefix",
    "domains",
    "contacts",
    "very_short",
    "quotes",
    "mean_piece_len",
    "symbol_gaps",
    "other_symbols",
    "keyword_run",
    "numeric_date",
    "lexicon_share",  # Featurizer.parts fills it
)
SHAPE_COLUMN = {name: j for j, name in enumerate(SHAPE_NAMES)}


SPAN_SCALE = 6.0


def _char_class_counts(normal: Sequence[str]) -> np.ndarray:
    """Per line counts of CJK, Latin, digit, punctuation, space and other characters (vectorised)."""
    n_rows = len(normal)
    out = np.zeros((n_rows, 6), dtype=np.float32)
    lengths = np.fromiter((len(t) for t in normal), dtype=np.int64, count=n_rows)
    if lengths.sum() == 0:
        return out
    cp = np.frombuffer("".join(normal).encode("utf-32-le"), dtype=np.uint32)
    row_of = np.repeat(np.arange(n_rows), lengths)
    cjk = ((cp >= 0x4E00) & (cp <= 0x9FFF)) | ((cp >= 0x3400) & (cp <= 0x4DBF))
    latin = (cp >= 0x61) & (cp <= 0x7A)
    digit = (cp >= 0x30) & (cp <= 0x39)
    space = (cp == 0x20) | (cp == 0x09) | (cp == 0x3000) | (cp == 0xA0)
    ascii_punct = (cp >= 0x21) & (cp <= 0x7E) & ~latin & ~digit & ~((cp >= 0x41) & (cp <= 0x5A))
    punct = (
        ascii_punct
        | ((cp >= 0x2010) & (cp <= 0x2027))
        | ((cp >= 0x3000) & (cp <= 0x303F) & (cp != 0x3000))
        | ((cp >= 0xFF00) & (cp <= 0xFFEF))
        | (cp == 0xB7)
    )
    other = ~(cjk | latin | digit | space | punct)
    for j, mask in enumerate((cjk, latin, digit, punct, space, other)):
        out[:, j] = np.bincount(row_of[mask], minlength=n_rows)
    return out


def shape_matrix(raw: Sequence[str], normal: Sequence[str], compacts: Sequence[str]) -> np.ndarray:
    """Dense shape features, one row per line (see SHAPE_NAMES)."""
    n_rows = len(raw)
    out = np.zeros((n_rows, len(SHAPE_NAMES)), dtype=np.float32)
    if n_rows == 0:
        return out
    col = SHAPE_COLUMN
    counts = _char_class_counts(normal)  # CJK, Latin, digit, punctuation, space, other
    n = np.maximum(1.0, np.fromiter((len(t) for t in normal), dtype=np.float32, count=n_rows))
    out[:, col["log_len"]] = np.log1p(np.fromiter((len(t) for t in raw), dtype=np.float32, count=n_rows))
    out[:, col["cjk_ratio"]] = counts[:, 0] / n
    out[:, col["latin_ratio"]] = counts[:, 1] / n
    out[:, col["digit_ratio"]] = counts[:, 2] / n
    out[:, col["punct_ratio"]] = counts[:, 3] / n
    out[:, col["other_symbols"]] = counts[:, 5] / n
    compact_len = np.fromiter((len(c) for c in compacts), dtype=np.float32, count=n_rows)
    out[:, col["symbol_gaps"]] = np.maximum(0.0, n - counts[:, 4] - compact_len) / n
    for i, text in enumerate(normal):
        row = out[i]
        pieces = [p for p in _SEP.split(text) if p.strip()]
        row[col["sep_runs"]] = math.log1p(max(0, len(pieces) - 1))
        row[col["has_pipe"]] = 1.0 if ("|" in text or "丨" in text) else 0.0
        row[col["sentence_end"]] = 1.0 if text.rstrip().endswith(SENTENCE_ENDS) else 0.0
        dated = text[:1].isdigit()  # both date patterns start with a digit (views strip lines)
        row[col["date_prefix"]] = 1.0 if dated and _DATE_PREFIX.match(text) else 0.0
        if "." in text or "://" in text:  # the cheap test first: most lines hold no domain
            row[col["domains"]] = min(3, len(_DOMAIN.findall(text)))
        row[col["contacts"]] = min(3, len(_CONTACT.findall(text)))
        row[col["very_short"]] = 1.0 if len(text) <= 4 else 0.0
        row[col["quotes"]] = min(6, len(_QUOTES.findall(text))) / 6
        row[col["mean_piece_len"]] = math.log1p(sum(len(p) for p in pieces) / max(1, len(pieces)))
        # Three or more short pieces and no sentence: a keyword run, a tag line or a menu.
        row[col["keyword_run"]] = (
            1.0 if len(pieces) >= 3 and max(len(p.strip()) for p in pieces) <= 8 else 0.0
        )
        row[col["numeric_date"]] = 1.0 if dated and _NUMERIC_DATE_PREFIX.match(text) else 0.0
    return out


def _hash_coo(
    compacts: Sequence[str], n_features: int, salt: int = 0, min_order: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every hashed character n-gram (orders min_order..3) of the lines.

    All lines are concatenated into one code-point array; an n-gram starting at position i is
    valid when its last character belongs to the same line. Hash: polynomial over code points
    with a per-order salt, then a multiplicative mix (fixed constants: deterministic across runs).
    ``n_features`` must be a power of 2.
    """
    n_rows = len(compacts)
    lengths = np.fromiter((len(c) for c in compacts), dtype=np.int64, count=n_rows)
    total = int(lengths.sum())
    rows_parts: list[np.ndarray] = []
    cols_parts: list[np.ndarray] = []
    if total:
        codes = np.frombuffer("".join(compacts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        row_of = np.repeat(np.arange(n_rows, dtype=np.int64), lengths)
        h = np.zeros(total, dtype=np.uint64)
        for order in range(1, NGRAM_RANGE[1] + 1):
            span = total - order + 1
            if span <= 0:
                break
            # h[i] holds the hash of the (order-1)-gram at i; extend it by one character.
            h = h[:span] * np.uint64(1_000_003) + codes[order - 1 : order - 1 + span]
            if order < min_order:
                continue
            valid = row_of[:span] == row_of[order - 1 : order - 1 + span]
            mixed = (h[valid] + np.uint64((order + 8 * salt) * 0x9E3779B9)) * np.uint64(0xFF51AFD7ED558CCD)
            mixed ^= mixed >> np.uint64(29)
            rows_parts.append(row_of[:span][valid])
            cols_parts.append((mixed & np.uint64(n_features - 1)).astype(np.int64))
    if not rows_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows_parts), np.concatenate(cols_parts)


def _csr(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_features: int) -> sp.csr_matrix:
    """Counts of the (row, column) pairs as a CSR matrix with sorted indices. One np.unique over
    packed keys does the grouping: several times faster on a page than scipy's COO conversion."""
    shift = n_features.bit_length() - 1
    keys, counts = np.unique((rows << shift) | cols, return_counts=True)
    indptr = np.searchsorted(keys >> shift, np.arange(n_rows + 1))
    indices = (keys & (n_features - 1)).astype(np.int32)
    return sp.csr_matrix(
        (counts.astype(np.float32), indices, indptr.astype(np.int32)), shape=(n_rows, n_features)
    )


def hash_ngrams(
    compacts: Sequence[str], n_features: int = N_FEATURES, salt: int = 0, min_order: int = 1
) -> sp.csr_matrix:
    """Counts of hashed character n-grams, vectorised over the whole batch."""
    rows, cols = _hash_coo(compacts, n_features, salt, min_order)
    return _csr(rows, cols, len(compacts), n_features)


@dataclass
class Featurizer:
    """Turns raw line texts into one sparse matrix: n-grams, then shape columns.

    ``lexicon_buckets`` are hash buckets of n-grams typical of the spam lexicons and rare in
    news text (chosen at training time from training terms only); the share of a line's n-grams
    falling in them is one shape feature.
    """

    lexicon_buckets: np.ndarray | None = None
    n_features: int = N_FEATURES

    def __post_init__(self) -> None:
        self._mask = None
        if self.lexicon_buckets is not None:
            mask = np.zeros(self.n_features, dtype=np.float32)
            mask[self.lexicon_buckets] = 1.0
            self._mask = mask

    @property
    def n_columns(self) -> int:
        return self.n_features + len(SHAPE_NAMES)

    def ngram_counts(self, compacts: Sequence[str]) -> sp.csr_matrix:
        return hash_ngrams(compacts, self.n_features)

    def parts(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """(sublinear n-gram counts, inverse row norms, shape features): the model multiplies
        the parts separately, which is cheaper than building the stacked matrix per page."""
        normal, compacts = views(texts)
        n_rows = len(texts)
        rows, cols = _hash_coo(compacts, self.n_features)
        # Injected lines glue spam terms after a real headline: the pieces after the first
        # separator get their own n-gram namespace, so the headline's mass cannot hide them.
        tails = [_TAIL_SPLIT.split(t, maxsplit=1)[1] if _TAIL_SPLIT.search(t) else "" for t in normal]
        if any(tails):
            t_rows, t_cols = _hash_coo(compact_normalised(tails), self.n_features, salt=1, min_order=2)
            rows = np.concatenate([rows, t_rows])
            cols = np.concatenate([cols, t_cols])
        counts = _csr(rows, cols, n_rows, self.n_features)
        shape = shape_matrix(texts, normal, compacts)
        row_ids = np.repeat(np.arange(n_rows), np.diff(counts.indptr))
        if self._mask is not None and n_rows:
            hits = np.bincount(row_ids, weights=self._mask[counts.indices], minlength=n_rows)
            nnz = np.diff(counts.indptr)
            shape[:, SHAPE_COLUMN["lexicon_share"]] = hits / np.maximum(1.0, nnz)
        # Sublinear tf, then unit length: long paragraphs and short lines weigh alike.
        counts.data = np.log1p(counts.data)
        norms = np.sqrt(np.bincount(row_ids, weights=counts.data.astype(np.float64) ** 2, minlength=n_rows))
        inv = (1.0 / np.maximum(norms, 1e-6)).astype(np.float32)
        return counts, inv, shape

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        counts, inv, shape = self.parts(texts)
        counts.data *= np.repeat(inv, np.diff(counts.indptr))
        return sp.hstack([counts, sp.csr_matrix(shape)], format="csr", dtype=np.float32)


def choose_lexicon_buckets(
    featurizer: Featurizer, lexicon_terms: Sequence[str], content_texts: Sequence[str], max_df: float = 0.002
) -> np.ndarray:
    """Buckets of 2-3-grams present in lexicon terms and in at most ``max_df`` of news lines."""
    terms = [t for t in compact_many(lexicon_terms) if len(t) >= 2]
    lex = featurizer.ngram_counts(terms)
    lex_buckets = np.unique(lex.indices)
    news = featurizer.ngram_counts(compact_many(content_texts))
    news.data[:] = 1.0
    df = np.asarray(news.sum(axis=0)).ravel() / max(1, news.shape[0])
    # Unigram buckets would match everywhere: keep only buckets no single CJK character maps to,
    # approximated by requiring rarity in news text.
    keep = lex_buckets[df[lex_buckets] <= max_df]
    return keep.astype(np.int32)
