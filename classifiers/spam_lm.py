"""The spam vocabulary model: a character n-gram model of the adult, gambling and ad lexicons.

Set against the clean-news model (the spin model's), it tells an ordinary word standing alone in
an article (芯片, 无人机, 天线) from a lexicon-like one: ``pipelines.charlm.log_odds``. Built
reproducibly from the corpora folder: ``python -m newsclean.classifiers.spam_lm``. Stored like the
other models (``model.json`` + ``model.npz``, read without pickle, checksummed).

The SMS spam is left out on purpose: its shop and phone-plan words (套餐, 流量, 价格, 快递) are
tech news words too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np

from newsclean.classifiers.bundle import (
    JSON_NAME,
    NPZ_NAME,
    file_stamp,
    read_bundle,
    refuse_foreign,
    sha256_of,
    write_npz,
)
from newsclean.classifiers.places import PACKAGE_SPAM_LM_DIR, default_spam_lm, spam_lm_home
from newsclean.core.errors import ModelError, NewscleanError
from newsclean.core.paths import shared_dir
from newsclean.pipelines.charlm import CharLM

FORMAT = "newsclean-charlm/1"
SOURCES = ("lexicon_adult.txt", "lexicon_adult_extended.txt", "lexicon_gambling.txt", "lexicon_ads_spam.txt")
ORDER = 3  # the news model's order: both sides of the odds see the same context
BITS = 18  # 262,144 buckets for about 60,000 n-grams
MIN_COUNT = 1  # a lexicon lists each term once: every n-gram it has counts


def lexicon_terms(data_dir: Path) -> list[str]:
    """The terms of the source lexicons, in file order; ``a|b`` AND-entries give both parts."""
    terms: list[str] = []
    for name in SOURCES:
        path = Path(data_dir) / name
        if not path.is_file():
            raise NewscleanError(f"spam vocabulary source missing: {path}")
        for raw in path.read_text(encoding="utf-8").splitlines():
            raw = raw.strip()
            if raw and not raw.startswith("#"):
                terms += [p.strip() for p in raw.split("|") if len(p.strip()) >= 2]
    return terms


def build(data_dir: Path, out_dir: Path = PACKAGE_SPAM_LM_DIR) -> dict:
    """Count, save and describe the model; the same lexicons give the same bytes."""
    from newsclean.classifiers.spin_train import count_table

    terms = lexicon_terms(data_dir)
    table, check, log_total = count_table(terms, ORDER, BITS, MIN_COUNT)
    out_dir.mkdir(parents=True, exist_ok=True)
    npz = out_dir / NPZ_NAME
    write_npz(npz, {"table": table, "check": check})
    meta = {
        "format": FORMAT,
        "order": ORDER,
        "bits": BITS,
        "min_count": MIN_COUNT,
        "log_total": log_total,
        "terms": len(terms),
        "sources": {name: sha256_of(Path(data_dir) / name) for name in SOURCES},
        "npz_sha256": sha256_of(npz),
    }
    described = json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8")
    meta["version"] = f"spamlm-{hashlib.sha256(described).hexdigest()[:12]}"
    (out_dir / JSON_NAME).write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return meta


def lm_from(arrays: dict[str, np.ndarray], meta: dict) -> CharLM:
    """A CharLM from a bundle's parts; anything malformed is a ModelError."""
    try:
        bits = int(meta["bits"])
        table, check = arrays["table"], arrays["check"]
        if table.dtype != np.uint16 or check.dtype != np.uint8:
            raise ModelError("spam vocabulary model arrays have the wrong type")
        if table.shape != (1 << bits,) or check.shape != table.shape:
            raise ModelError("spam vocabulary model arrays have the wrong size")
        return CharLM(table, check, bits, int(meta["order"]), float(meta["log_total"]))
    except (KeyError, TypeError, ValueError) as err:
        raise ModelError(f"malformed spam vocabulary model ({type(err).__name__}: {err})") from None


def load_spam_lm(folder: str | Path | None = None) -> CharLM:
    """The model in ``folder`` (default: one the user built, else the shipped one), checked."""
    if folder is None:
        folder = default_spam_lm()[0]
        return _cached(folder, file_stamp(folder / JSON_NAME, folder / NPZ_NAME))
    return _load(Path(folder))


@lru_cache(maxsize=2)
def _cached(folder: Path, stamp: tuple) -> CharLM:
    return _load(folder)


def _load(folder: Path) -> CharLM:
    if folder.is_file():
        refuse_foreign(folder)
        folder = folder.parent
    meta, arrays = read_bundle(
        folder / JSON_NAME, folder / NPZ_NAME, fmt=FORMAT, what="spam vocabulary model"
    )
    return lm_from(arrays, meta)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m newsclean.classifiers.spam_lm", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--data", type=Path, help="corpus folder (default: ../shared/data)")
    ap.add_argument(
        "--out", type=Path, help="model folder (default: the package's spamlm/ in a writable checkout)"
    )
    args = ap.parse_args(argv)
    out = args.out or spam_lm_home()
    data = args.data or ((shared_dir() or Path("../shared")) / "data")
    try:
        meta = build(data, out)
    except NewscleanError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    print(f"{meta['version']}: {meta['terms']} terms into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
