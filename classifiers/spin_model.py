"""The shipped spin model (``spin/model.npz`` + ``spin/model.json``), loaded without pickle.

Like the line classifier: the npz holds two plain arrays read with ``allow_pickle=False``, the JSON
holds the settings, the learned spin table and the npz's SHA-256. A pickle, a tampered file or a
foreign format is refused with one line (:class:`ModelError`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from newsclean.classifiers.bundle import JSON_NAME, NPZ_NAME, file_stamp, read_bundle, refuse_foreign
from newsclean.classifiers.places import PACKAGE_SPIN_DIR, default_spin_model
from newsclean.core.errors import ModelError
from newsclean.pipelines.spin import SpinModel

FORMAT = "newsclean-spin/1"
SPIN_DIR = PACKAGE_SPIN_DIR  # the bundled model and the dictionary
_SETTINGS = ("backoff", "flag_gain", "restore_gain", "restore_margin", "score_bias", "threshold")


def spin_model_from(arrays: dict[str, np.ndarray], meta: dict) -> SpinModel:
    """A SpinModel from its arrays and description; a missing or malformed part is a ModelError."""
    try:
        bits = int(meta["bits"])
        table, check = arrays["table"], arrays["check"]
        if table.dtype != np.uint16 or check.dtype != np.uint8:
            raise ModelError("spin model arrays have the wrong type")
        if table.shape != (1 << bits,) or check.shape != table.shape:
            raise ModelError("spin model arrays have the wrong size")
        originals = {str(k): tuple(str(o) for o in v) for k, v in meta["originals"].items()}
        extra: dict = {k: float(meta[k]) for k in _SETTINGS if k in meta}
        extra["clean_gain"] = {str(k): float(v) for k, v in meta.get("clean_gain", {}).items()}
        if "score_weights" in meta:
            extra["score_weights"] = tuple(float(w) for w in meta["score_weights"])
        return SpinModel(
            table=table,
            check=check,
            bits=bits,
            order=int(meta["order"]),
            log_total=float(meta["log_total"]),
            originals=originals,
            version=str(meta.get("version", "spin-unversioned")),
            **extra,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ModelError(f"malformed spin model description ({type(err).__name__}: {err})") from None


def load_spin_model(folder: str | Path | None = None) -> SpinModel:
    """The spin model in ``folder`` (default: one the user trained into the user data folder, else
    the shipped one), checked before use."""
    if folder is None:
        default = default_spin_model()[0]
        return _load_default(default, file_stamp(default / JSON_NAME, default / NPZ_NAME))
    return _load(Path(folder))


@lru_cache(maxsize=2)
def _load_default(folder: Path, stamp: tuple) -> SpinModel:
    """Cached while the files stay the same (``stamp``: their times and sizes)."""
    return _load(folder)


def _load(folder: Path) -> SpinModel:
    if folder.is_file():
        refuse_foreign(folder)
        folder = folder.parent
    meta, arrays = read_bundle(folder / JSON_NAME, folder / NPZ_NAME, fmt=FORMAT, what="spin model")
    return spin_model_from(arrays, meta)
