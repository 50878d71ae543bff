"""The near-duplicate signature keeps datasketch's values: stored signatures stay comparable."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import MinHash

from newsclean.pipelines.signature import (
    MINHASH_CHARS,
    NUM_PERM,
    SCHEME,
    SHINGLE,
    SHINGLE_BATCH,
    minhash_from_bytes,
    minhash_to_bytes,
    text_minhash,
)

STORY = "星河微电子于3月5日发布新一代边缘计算网关。"


def datasketch_minhash(text: str) -> MinHash:
    """The signature as datasketch computes it: MinHash.update_batch over the UTF-8 shingles."""
    compact = "".join(text[: MINHASH_CHARS * 2].split())[:MINHASH_CHARS]
    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    if len(compact) <= SHINGLE:
        m.update_batch([compact.encode("utf-8")])
    else:
        m.update_batch([compact[i : i + SHINGLE].encode("utf-8") for i in range(len(compact) - SHINGLE + 1)])
    return m


def _random_text(rng: random.Random, n: int) -> str:
    """Characters of 1 to 4 UTF-8 bytes, with spaces, tabs and newlines among them."""
    ranges = [(0x21, 0x7E), (0xA1, 0x7FF), (0x4E00, 0x9FFF), (0xE000, 0xFFFD), (0x10000, 0x1FAFF)]
    out = []
    for _ in range(n):
        if rng.random() < 0.1:
            out.append(rng.choice(" \t\n\u3000\u00a0"))
        else:
            lo, hi = rng.choice(ranges)
            out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def _texts() -> list[str]:
    rng = random.Random(20261203)
    texts = [
        "",
        " ",
        "\n\t ",
        "a",
        "新",
        "abcd",
        "abcde",
        "a b c d e",
        "abcdef",
        "新闻报道",
        "新闻报道今",
        "新闻报道今天",
    ]
    texts += ["😀" * n for n in (1, 5, 6, 40)]  # 4-byte characters
    texts += [" \n".join(STORY for _ in range(k)) for k in (1, 3, 50)]
    texts += ["x" * (SHINGLE_BATCH + SHINGLE + 7), "中" * (SHINGLE_BATCH * 3 + 1)]  # more than one batch
    texts += ["ascii only text, " * 700]
    texts += [_random_text(rng, rng.choice([3, 6, 40, 900, SHINGLE_BATCH + 100, 9000])) for _ in range(60)]
    texts += ["长" * (MINHASH_CHARS + 500), ("新 闻" * MINHASH_CHARS)]  # cut at MINHASH_CHARS characters
    return texts


@pytest.mark.parametrize("text", _texts(), ids=lambda t: f"{len(t)}:{t[:6]!r}")
def test_values_are_datasketchs(text: str) -> None:
    mine = text_minhash(text)
    theirs = datasketch_minhash(text)
    assert mine.hashvalues.dtype == theirs.hashvalues.dtype
    assert np.array_equal(mine.hashvalues, theirs.hashvalues)
    assert np.array_equal(mine.permutations, theirs.permutations)
    assert mine.jaccard(theirs) == 1.0


def test_values_of_a_known_text_never_change() -> None:
    """Fixed values: a datasketch upgrade that changed them would make stored signatures useless."""
    assert text_minhash(STORY).hashvalues[:8].tolist() == [
        119976024,
        1027218510,
        359391709,
        139475832,
        654064402,
        227945443,
        696198569,
        337189764,
    ]
    assert text_minhash("").hashvalues[:4].tolist() == [2352276844, 248246596, 2087646422, 1965619192]


def test_white_space_is_ignored() -> None:
    assert np.array_equal(text_minhash("新闻 报道\n今天").hashvalues, text_minhash("新闻报道今天").hashvalues)


def test_stored_signature_reads_back_equal() -> None:
    m = text_minhash(STORY * 3)
    back = minhash_from_bytes(minhash_to_bytes(m))
    assert np.array_equal(back.hashvalues, m.hashvalues)
    assert back.scheme == SCHEME
    assert np.array_equal(back.permutations, MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME).permutations)
    assert back.jaccard(datasketch_minhash(STORY * 3)) == 1.0


def test_lone_surrogate_fails_as_before() -> None:
    """Text that cannot be UTF-8 encoded raises, as datasketch's hashing of it did."""
    with pytest.raises(UnicodeEncodeError):
        text_minhash("新闻\ud800报道今天")
    with pytest.raises(UnicodeEncodeError):
        datasketch_minhash("新闻\ud800报道今天")
