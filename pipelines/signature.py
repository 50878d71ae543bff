"""The near-duplicate signature of an article's text: MinHash over character shingles.

A pure function of the text, so it can be computed wherever the text is cleaned (a crawl's
worker process) and compared wherever articles are remembered (the seen-store). Stored
signatures must be read back with the scheme, seed and permutations that made them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from datasketch import MinHash

NUM_PERM = 64
SCHEME = "affine32"  # stored signatures must be read back with the scheme that made them
SHINGLE = 5  # characters; Chinese has no spaces, so shingles are character runs
MINHASH_CHARS = 50_000  # characters of a text its signature sees (a long article is ~10,000)
SHINGLE_BATCH = 4096  # shingles hashed at once: bounds the signature's working memory


@lru_cache(maxsize=1)
def _permutations():
    """Drawing the permutations is a third of a signature's cost; they depend only on the seed."""
    return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME).permutations


def text_minhash(text: str) -> MinHash:
    """MinHash of the text's character shingles, white space ignored.

    Only the first MINHASH_CHARS characters count (near-duplicates share their beginning), and
    shingles go in batches of SHINGLE_BATCH: datasketch holds a NUM_PERM-wide array per shingle
    of a batch, so one batch of a multi-megabyte page took gigabytes.
    """
    compact = "".join(text[: MINHASH_CHARS * 2].split())[:MINHASH_CHARS]
    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, permutations=_permutations())
    if len(compact) <= SHINGLE:
        m.update(compact.encode("utf-8"))
        return m
    last = len(compact) - SHINGLE + 1
    for start in range(0, last, SHINGLE_BATCH):
        stop = min(start + SHINGLE_BATCH, last)
        m.update_batch([compact[i : i + SHINGLE].encode("utf-8") for i in range(start, stop)])
    return m


def minhash_to_bytes(m: MinHash) -> bytes:
    return np.asarray(m.hashvalues, dtype=np.uint64).tobytes()


def minhash_from_bytes(data: bytes) -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=np.frombuffer(data, dtype=np.uint64))
