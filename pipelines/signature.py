"""The near-duplicate signature of an article's text: MinHash over character shingles.

A pure function of the text, so it can be computed wherever the text is cleaned (a crawl's
worker process) and compared wherever articles are remembered (the seen-store). Stored
signatures must be read back with the scheme, seed and permutations that made them.

The values are datasketch's (``MinHash(num_perm=64, seed=1, scheme="affine32")`` fed the UTF-8
bytes of each shingle, hashed with ``sha1_hash32``); they are computed here without datasketch's
per-shingle Python calls: the text is encoded once, each shingle's SHA-1 is taken from a slice
of it, and the permutations are applied to the whole batch with numpy, as datasketch does.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from datasketch import MinHash

try:  # CPython's own SHA-1: the same digests as OpenSSL's, a third faster on 15-byte inputs
    from _sha1 import sha1
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import sha1

NUM_PERM = 64
SCHEME = "affine32"  # stored signatures must be read back with the scheme that made them
SHINGLE = 5  # characters; Chinese has no spaces, so shingles are character runs
MINHASH_CHARS = 50_000  # characters of a text its signature sees (a long article is ~10,000)
SHINGLE_BATCH = 4096  # shingles hashed at once: bounds the signature's working memory

# datasketch's affine32 scheme: the MurmurHash3 finalizer, then a * h + b in uint32 (wrapping)
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_EMPTY = np.uint32(0xFFFFFFFF)


@lru_cache(maxsize=1)
def _permutations() -> np.ndarray:
    """Drawing the permutations is a third of a signature's cost; they depend only on the seed."""
    return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME).permutations


def _fmix32(hv: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s3)


def _sha1_32(digests: bytes) -> np.ndarray:
    """``datasketch.hashfunc.sha1_hash32`` of each joined 20-byte SHA-1 digest: its first 4 bytes, little-endian."""
    return np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32)


@lru_cache(maxsize=1)
def _columns() -> tuple[np.ndarray, np.ndarray]:
    """The permutations' ``a`` and ``b`` as columns: one contiguous row of values per permutation."""
    a, b = _permutations()
    return a.reshape(-1, 1), b.reshape(-1, 1)


def _permuted_min(hv: np.ndarray) -> np.ndarray:
    """The smallest permuted value per permutation over ``hv`` (what MinHash.update_batch keeps)."""
    a, b = _columns()
    values = a * _fmix32(hv)  # NUM_PERM x len(hv), uint32 arithmetic wraps as datasketch's does
    values += b
    return values.min(axis=1)


def text_minhash(text: str) -> MinHash:
    """MinHash of the text's character shingles, white space ignored.

    Only the first MINHASH_CHARS characters count (near-duplicates share their beginning), and
    shingles go in batches of SHINGLE_BATCH, so a multi-megabyte page needs little memory. A
    text of SHINGLE characters or fewer (the empty one too) is one value: the whole of it.
    """
    compact = "".join(text[: MINHASH_CHARS * 2].split())[:MINHASH_CHARS]
    data = compact.encode("utf-8")  # one encoding; shingles are slices of it
    if len(compact) <= SHINGLE:
        values = _permuted_min(_sha1_32(sha1(data).digest()))
    else:
        ascii = len(data) == len(compact)  # a character is a byte
        offsets = list(range(len(data) + 1)) if ascii else _utf8_offsets(compact)
        last = len(compact) - SHINGLE + 1
        values = np.full(NUM_PERM, _EMPTY, dtype=np.uint32)
        for start in range(0, last, SHINGLE_BATCH):
            stop = min(start + SHINGLE_BATCH, last)
            ends = offsets[start + SHINGLE : stop + SHINGLE]
            digests = b"".join(
                [sha1(data[i:j]).digest() for i, j in zip(offsets[start:stop], ends, strict=True)]
            )
            hv = _sha1_32(digests)
            values = np.minimum(values, _permuted_min(hv))
    return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=values, permutations=_permutations())


def _utf8_offsets(text: str) -> list[int]:
    """Byte offset of each character of ``text`` in its UTF-8 encoding, and the end."""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    widths = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
    offsets = np.zeros(len(points) + 1, dtype=np.int64)
    np.cumsum(widths, out=offsets[1:])
    return offsets.tolist()


def minhash_to_bytes(m: MinHash) -> bytes:
    return np.asarray(m.hashvalues, dtype=np.uint64).tobytes()


def minhash_from_bytes(data: bytes) -> MinHash:
    """A stored signature; with the cached permutations (drawing them again cost more than the rest)."""
    return MinHash(
        num_perm=NUM_PERM,
        seed=1,
        scheme=SCHEME,
        hashvalues=np.frombuffer(data, dtype=np.uint64),
        permutations=_permutations(),
    )
