"""Build the spin model from the clean news corpora: ``python -m newsclean.classifiers.spin_train``.

Three reproducible splits, all decided by SHA-256 of fixed text (no random state to keep):

- the spin dictionary (``spin/dictionary.tsv``, original -> spun, hand-written): pairs seen on real
  spun pages are always learned; of the others, those whose original hashes into the first 30 %
  are held out — the detector never sees them, only the benchmark's test spinner uses them;
- the articles of ``news_articles.jsonl``: by their first paragraph, 10 % test (the benchmark's
  held-out articles), 10 % calibration (fits the score and the restoration threshold), 80 % the
  language model's text (plus the People's Daily sentences);
- the test spinner itself draws from ``random.Random`` seeded with the article's hash.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from newsclean.classifiers.places import spin_home
from newsclean.classifiers.spin_model import FORMAT, SPIN_DIR, spin_model_from
from newsclean.core.errors import InputError, NewscleanError
from newsclean.core.paths import shared_dir
from newsclean.pipelines.charlm import BOS, EOS, buckets_of, ngram_hashes, text_codes
from newsclean.pipelines.spin import SpinModel, detect_spin, features, gains, restore_spun

DICTIONARY = SPIN_DIR / "dictionary.tsv"
ARTICLES = "news_articles.jsonl"
SENTENCES = "news_sentences_peoplesdaily.txt"
HELD_OUT_PAIRS = 77  # of 256: the share of the "made" pairs the detector never learns
TEST_ARTICLES = 26  # of 256
CALIBRATION_ARTICLES = 26  # of 256, after the test ones
ORDER = 3
BITS = 21
MIN_COUNT = 2
SPIN_RATE = 0.7  # share of the found originals a spinner replaces
CLEAN_FLAG_RATE = 0.005  # the threshold lets at most this share of clean calibration articles through
RESTORE_NOT_SPUN = 0.005  # the restoration threshold is the lowest that touches fewer genuine words
RESTORE_CORRECT = 0.95  # ... and restores at least this share correctly, on calibration


@dataclass(frozen=True)
class Pair:
    original: str
    spun: str
    kind: str  # "seen" (found on real spun pages) or "made"


@dataclass(frozen=True)
class Swap:
    paragraph: int
    offset: int  # in the spun paragraph
    spun: str
    original: str


def _byte(text: str) -> int:
    return hashlib.sha256(text.encode("utf-8")).digest()[0]


def read_dictionary(path: Path = DICTIONARY) -> list[Pair]:
    pairs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 3 or not cells[0] or not cells[1] or cells[2] not in ("seen", "made"):
            raise InputError(f"{path}:{n}: expected original<TAB>spun<TAB>seen|made")
        pairs.append(Pair(*cells))
    return pairs


def pair_held_out(pair: Pair) -> bool:
    """By the original word, so every spun form of one original falls on the same side."""
    return pair.kind != "seen" and _byte("spin-pair:" + pair.original) < HELD_OUT_PAIRS


def split_pairs(pairs: Iterable[Pair]) -> tuple[list[Pair], list[Pair]]:
    learned, held = [], []
    for pair in pairs:
        (held if pair_held_out(pair) else learned).append(pair)
    return learned, held


def article_part(paragraphs: Sequence[str]) -> str:
    b = _byte("spin-article:" + (paragraphs[0] if paragraphs else ""))
    if b < TEST_ARTICLES:
        return "test"
    return "calibration" if b < TEST_ARTICLES + CALIBRATION_ARTICLES else "train"


def read_articles(data_dir: Path) -> list[list[str]]:
    path = data_dir / ARTICLES
    if not path.is_file():
        raise InputError(f"corpus not found: {path}")
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            paragraphs = [p for p in json.loads(line).get("paragraphs", []) if p.strip()]
            if paragraphs:
                out.append(paragraphs)
    return out


def corpus_parts(data_dir: Path) -> dict[str, list[list[str]]]:
    parts: dict[str, list[list[str]]] = {"train": [], "calibration": [], "test": []}
    for paragraphs in read_articles(data_dir):
        parts[article_part(paragraphs)].append(paragraphs)
    return parts


def lm_paragraphs(data_dir: Path, parts: dict[str, list[list[str]]]) -> list[str]:
    """The language model's text: training articles and sentences, minus any paragraph that also
    occurs in a test or calibration article (the corpora share some)."""
    banned = {p for part in ("test", "calibration") for a in parts[part] for p in a}
    text = [p for a in parts["train"] for p in a]
    sentences = data_dir / SENTENCES
    if sentences.is_file():
        text += sentences.read_text(encoding="utf-8").splitlines()
    return [p for p in text if p.strip() and p not in banned]


def count_table(
    paragraphs: Sequence[str], order: int, bits: int, min_count: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Hashed, pruned n-gram log-counts: n-grams seen fewer than ``min_count`` times are dropped,
    and where two share a bucket the more frequent one keeps it."""
    k = order - 1
    codes = text_codes("".join(BOS * k + p + EOS * k for p in paragraphs))
    hashes, counts = [], []
    for n in range(1, order + 1):
        h, c = np.unique(ngram_hashes(codes, n), return_counts=True)
        keep = c >= (min_count if n > 1 else 1)
        hashes.append(h[keep])
        counts.append(c[keep])
    h = np.concatenate(hashes)
    c = np.concatenate(counts)
    bucket, check = buckets_of(h, bits)
    order_idx = np.lexsort((h, c, bucket))  # by bucket, then count, then hash: the last one wins
    bucket, check, c = bucket[order_idx], check[order_idx], c[order_idx]
    last = np.r_[bucket[1:] != bucket[:-1], True]
    table = np.zeros(1 << bits, dtype=np.uint16)
    checks = np.zeros(1 << bits, dtype=np.uint8)
    table[bucket[last]] = (1 + np.round(np.log2(c[last]) * 2048)).astype(np.uint16)
    checks[bucket[last]] = check[last]
    return table, checks, math.log(max(len(codes), 1))


def spin(
    paragraphs: Sequence[str], table: dict[str, str], rng: random.Random, rate: float = SPIN_RATE
) -> tuple[list[str], list[Swap]]:
    """A word spinner: longest original first, each occurrence swapped with probability ``rate``."""
    if not table:
        return list(paragraphs), []
    pattern = re.compile("|".join(map(re.escape, sorted(table, key=lambda w: (-len(w), w)))))
    out, swaps = [], []
    for i, text in enumerate(paragraphs):
        pieces, cursor, shift = [], 0, 0
        for m in pattern.finditer(text):
            if rng.random() >= rate:
                continue
            word = table[m.group()]
            pieces.append(text[cursor : m.start()])
            pieces.append(word)
            swaps.append(Swap(i, m.start() + shift, word, m.group()))
            shift += len(word) - len(m.group())
            cursor = m.end()
        pieces.append(text[cursor:])
        out.append("".join(pieces))
    return out, swaps


def article_rng(paragraphs: Sequence[str], salt: str) -> random.Random:
    return random.Random(hashlib.sha256((salt + (paragraphs[0] if paragraphs else "")).encode()).hexdigest())


def originals_of(pairs: Iterable[Pair]) -> dict[str, tuple[str, ...]]:
    out: dict[str, set[str]] = {}
    for pair in pairs:
        out.setdefault(pair.spun, set()).add(pair.original)
    return {spun: tuple(sorted(o)) for spun, o in sorted(out.items())}


def _fit_score(model: SpinModel, clean: list[list[str]], spun: list[list[str]]) -> dict:
    """Logistic regression of the article features, then the threshold that keeps clean
    calibration articles below ``CLEAN_FLAG_RATE``."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([features(a, detect_spin(a, model).suspects) for a in clean + spun])
    y = np.array([0] * len(clean) + [1] * len(spun))
    fit = LogisticRegression(C=1.0).fit(x, y)
    weights, bias = [float(w) for w in fit.coef_[0]], float(fit.intercept_[0])
    z = x[: len(clean)] @ np.array(weights) + bias
    clean_scores = np.sort(1 / (1 + np.exp(-z)))
    allowed = int(len(clean) * CLEAN_FLAG_RATE)
    threshold = max(0.5, float(clean_scores[len(clean) - allowed - 1]) + 1e-4) if len(clean) else 0.5
    return {"score_weights": weights, "score_bias": bias, "threshold": round(threshold, 4)}


def _clean_gains(model: SpinModel, clean: list[list[str]]) -> dict[str, float]:
    """Per spun form, the highest gain any of its genuine occurrences in clean articles shows."""
    top: dict[str, float] = {}
    for paragraphs in clean:
        for _, _, word, cands in gains(paragraphs, model):
            if cands[0][0] > top.get(word, 0.0):
                top[word] = round(cands[0][0], 2)
    return dict(sorted(top.items()))


def _fit_restore(model: SpinModel, spun: list[tuple[list[str], list[Swap]]]) -> float:
    """The lowest gain at which restoration of the calibration articles touches at most
    ``RESTORE_NOT_SPUN`` genuine words and gets at least ``RESTORE_CORRECT`` right."""
    for gain in (3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0):
        trial = replace(model, restore_gain=gain)
        touched = correct = not_spun = 0
        for paragraphs, swaps in spun:
            truth = {(s.paragraph, s.offset): s for s in swaps}
            for r in restore_spun(paragraphs, detect_spin(paragraphs, trial), trial)[1]:
                t = truth.get((r.paragraph, r.offset))
                touched += 1
                not_spun += t is None or t.spun != r.spun
                correct += t is not None and t.spun == r.spun and t.original == r.restored
        if touched and not_spun <= RESTORE_NOT_SPUN * touched and correct >= RESTORE_CORRECT * touched:
            return gain
    return 10.0


def build(
    data_dir: Path, out_dir: Path = SPIN_DIR, *, bits: int = BITS, dictionary: Path = DICTIONARY
) -> dict:
    """Build and save the model; returns its description. Same inputs, same bytes."""
    from newsclean.classifiers.bundle import sha256_of, write_npz

    pairs = read_dictionary(dictionary)
    learned, held = split_pairs(pairs)
    parts = corpus_parts(data_dir)
    table, check, log_total = count_table(lm_paragraphs(data_dir, parts), ORDER, bits, MIN_COUNT)
    meta = {
        "format": FORMAT,
        "order": ORDER,
        "bits": bits,
        "min_count": MIN_COUNT,
        "log_total": log_total,
        "originals": {k: list(v) for k, v in originals_of(learned).items()},
        "pairs": {"learned": len(learned), "held_out": len(held)},
        "dictionary_sha256": sha256_of(dictionary),
        "articles": {k: len(v) for k, v in parts.items()},
    }
    model = spin_model_from({"table": table, "check": check}, meta)
    calib = parts["calibration"]
    table_learned = {p.original: p.spun for p in learned}
    spun = [spin(a, table_learned, article_rng(a, "calibration:")) for a in calib]
    spun_ok = [(a, s) for a, s in spun if s]
    if len(calib) >= 20:
        meta.update(_fit_score(model, calib, [a for a, _ in spun_ok]))
        # genuine forms' gains from one half of the calibration articles, the bar from the other
        meta["clean_gain"] = _clean_gains(model, calib[0::2])
        model = spin_model_from({"table": table, "check": check}, meta)
        meta["restore_gain"] = _fit_restore(
            model, [spin(a, table_learned, article_rng(a, "calibration:")) for a in calib[1::2]]
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    npz = out_dir / "model.npz"
    write_npz(npz, {"table": table, "check": check})
    meta["npz_sha256"] = sha256_of(npz)
    described = json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8")
    meta["version"] = f"spin-{hashlib.sha256(described).hexdigest()[:12]}"
    (out_dir / "model.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m newsclean.classifiers.spin_train", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--data", type=Path, help="corpus folder (default: ../shared/data)")
    ap.add_argument(
        "--out",
        type=Path,
        help="model folder (default: the package's spin/ in a writable source checkout, else the user data folder's spin/)",
    )
    args = ap.parse_args(argv)
    if args.out is None:
        args.out = spin_home()
        print(f"writing the spin model to {args.out}")
    data = args.data or ((shared_dir() or Path("../shared")) / "data")
    try:
        meta = build(data, args.out)
    except NewscleanError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    print(
        f"{meta['version']}: {meta['pairs']['learned']} pairs learned, {meta['pairs']['held_out']} held out; "
        f"threshold {meta.get('threshold')}, restore gain {meta.get('restore_gain')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
