"""Model bundles on disk: a ``model.json`` description beside a ``model.npz`` of plain arrays.

The line classifier and the spin model are stored the same way and read by the same checks:
files that could run code are refused before anything opens them (pickle, joblib, skops), the
description must name the expected format, the npz must match the SHA-256 the description
records, and the arrays are read with ``allow_pickle=False`` (object arrays refused).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np

from newsclean.core.errors import ModelError

NPZ_NAME = "model.npz"
JSON_NAME = "model.json"


def read_bundle(
    json_path: Path, npz_path: Path, *, fmt: str, what: str
) -> tuple[dict, dict[str, np.ndarray]]:
    """(description, arrays) of a bundle, checked; ``what`` names it in the one-line errors."""
    for p in (json_path, npz_path):
        if not p.is_file():
            raise ModelError(f"{what} file missing: {p}")
    refuse_foreign(npz_path)
    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        meta = None
    if not isinstance(meta, dict):
        raise ModelError(f"corrupt {what} description: {json_path}")
    if meta.get("format") != fmt:
        raise ModelError(f"unknown {what} format in {json_path} (expected {fmt})")
    if meta.get("npz_sha256") != sha256_of(npz_path):
        raise ModelError(f"{what} file does not match its checksum (tampered or corrupt): {npz_path}")
    try:
        with np.load(npz_path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as err:  # zip/format errors, object arrays refused by allow_pickle=False
        raise ModelError(
            f"corrupt {what} file, unreadable arrays: {npz_path} ({type(err).__name__})"
        ) from None
    if any(a.dtype == object for a in arrays.values()):
        raise ModelError(f"{what} file holds object arrays: {npz_path}")
    return meta, arrays


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An npz numpy can load, written byte for byte the same for the same arrays: fixed member
    order and timestamps (np.savez stamps the current time, so two trainings would differ)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asarray(arrays[name]), allow_pickle=False)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_stamp(*paths: Path) -> tuple:
    """Times and sizes of the files: changes when a bundle is installed over another."""
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


def refuse_foreign(path: Path) -> None:
    """Refuse files that could run code when loaded (pickle, joblib, skops with foreign types)."""
    suffix = path.suffix.lower()
    head = path.read_bytes()[:4] if path.is_file() else b""
    if suffix in {".pkl", ".pickle", ".joblib", ".sav", ".dill"} or head[:1] == b"\x80":
        raise ModelError(
            f"refusing to load {path.name}: pickle/joblib files can run code; use a model bundle"
        )
    if head[:2] == b"PK" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
        if "schema.json" in names:  # a skops file
            try:
                from skops.io import get_untrusted_types

                untrusted = get_untrusted_types(file=path)
            except Exception:
                raise ModelError(f"refusing to load {path.name}: unreadable skops file") from None
            detail = f"untrusted types {', '.join(untrusted[:3])}" if untrusted else "not a model bundle"
            raise ModelError(f"refusing to load {path.name}: skops file ({detail})")
