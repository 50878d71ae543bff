"""The line classifier: two linear/MLP stages stored as plain arrays, loaded without pickle.

A model bundle is a folder with ``model.npz`` (numbers only, read with ``allow_pickle=False``)
and ``model.json`` (labels, version, feature settings and the sha256 of the npz). Nothing in a
bundle can run code: pickle, joblib and skops files are refused, never opened by an unpickler.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
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
from newsclean.classifiers.context import CONTENT, context_features
from newsclean.classifiers.features import SHAPE_NAMES, Featurizer
from newsclean.classifiers.places import PACKAGE_MODELS_DIR, bundled_active_dir, default_model
from newsclean.classifiers.spam_lm import load_spam_lm
from newsclean.classifiers.spin_model import load_spin_model
from newsclean.core.errors import ModelError
from newsclean.core.types import Line
from newsclean.pipelines.charlm import log_odds

FORMAT = "newsclean-lines/1"
MODELS_DIR = PACKAGE_MODELS_DIR  # the bundled models; retrained ones may live elsewhere (places)
ACTIVE_DIR = MODELS_DIR / "active"
REQUIRED_ARRAYS = ("lexicon_buckets", "w1", "b1", "cal_w", "cal_b", "ctx_mean", "ctx_scale")
BATCH = 8192


@lru_cache(maxsize=1)
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread():
    """One BLAS thread for a page's small matrices: more threads only spin (measured: about 1.5x
    more pages per CPU-second), and a crawl's other work needs the cores."""
    return _blas_controller().limit(limits=1, user_api="blas")


@dataclass(frozen=True)
class Verdict:
    label: str
    score: float  # calibrated probability of ``label``


def member_prefixes(meta: dict) -> list[str]:
    """Array name prefixes of the stage-2 members: "" for the first, "m1_", "m2_" ... after it."""
    return [""] + [f"m{k}_" for k in range(1, int(meta.get("mlp_members", 1)))]


def label_columns(proba: np.ndarray, threshold: float | None) -> np.ndarray:
    """Column index of each row's label. A dropped paragraph costs a reader more than a kept ad,
    so a line is removed only when P(content) is below ``threshold`` (then the likeliest other
    label wins); without a threshold (older models) the likeliest label wins."""
    best = proba.argmax(axis=1)
    if threshold is None or proba.shape[0] == 0:
        return best
    other = proba[:, CONTENT + 1 :].argmax(axis=1) + CONTENT + 1
    return np.where(proba[:, CONTENT] >= threshold, CONTENT, other)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class LineClassifier:
    """Stage 1: hashed n-grams + shape features -> linear scores -> calibrated probabilities.
    Stage 2: those probabilities for the line and its neighbours + page layout -> small MLP."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        self.meta = meta
        self.version: str = meta["version"]
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        # C order: scipy ravels the dense operand of a sparse product, which copies a transposed array.
        self._a = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
        self._featurizer = Featurizer(
            lexicon_buckets=arrays["lexicon_buckets"], n_features=int(meta["n_features"])
        )
        # Stage 2 may be several MLPs (members) whose probabilities are averaged.
        self._mlps = [
            [
                (
                    arrays[f"{prefix}mlp_w{i}"].astype(np.float32),
                    arrays[f"{prefix}mlp_b{i}"].astype(np.float32),
                )
                for i in range(int(meta["mlp_layers"]))
            ]
            for prefix in member_prefixes(meta)
        ]

    # -- stage 1
    def stage1_scores_and_shape(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Raw linear scores of stage 1 (one column per label) and the lines' shape features."""
        out = []
        shapes = []
        n = self._featurizer.n_features
        w_ngram = np.ascontiguousarray(self._a["w1"][:n])
        w_shape = self._a["w1"][n:]
        for start in range(0, len(texts), BATCH):
            counts, inv, shape = self._featurizer.parts(texts[start : start + BATCH])
            scores = np.asarray(counts @ w_ngram, dtype=np.float32) * inv[:, None] + shape @ w_shape
            out.append(scores + self._a["b1"])
            shapes.append(shape)
        if not out:
            return (
                np.zeros((0, len(self.labels)), dtype=np.float32),
                np.zeros((0, len(SHAPE_NAMES)), dtype=np.float32),
            )
        return np.vstack(out), np.vstack(shapes)

    def stage1_scores(self, texts: Sequence[str]) -> np.ndarray:
        return self.stage1_scores_and_shape(texts)[0]

    def calibrate(self, scores: np.ndarray) -> np.ndarray:
        return _softmax(scores @ self._a["cal_w"] + self._a["cal_b"])

    def stage1_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.calibrate(self.stage1_scores(texts))

    # -- stage 2
    def context_proba(self, p1: np.ndarray, pages: Sequence[Sequence[Line]], shape: np.ndarray) -> np.ndarray:
        x = context_features(p1, pages, shape)
        x = (x - self._a["ctx_mean"]) / self._a["ctx_scale"]
        out = None
        for mlp in self._mlps:
            h = x
            for i, (w, b) in enumerate(mlp):
                h = h @ w + b
                if i < len(mlp) - 1:
                    h = np.maximum(h, 0.0)
            p = _softmax(h)
            out = p if out is None else out + p
        return out / len(self._mlps)

    def predict_pages_proba(self, pages: Sequence[Sequence[Line]]) -> np.ndarray:
        texts = [line.text for lines in pages for line in lines]
        # stage 1 sees a line's text only: a repeated line (menus, 分享到, a pasted block) is scored once
        position: dict[str, int] = {}
        where = np.fromiter(
            (position.setdefault(t, len(position)) for t in texts), dtype=np.int64, count=len(texts)
        )
        scores, shape = self.stage1_scores_and_shape(list(position))
        return self.context_proba(self.calibrate(scores[where]), pages, shape[where])

    @property
    def page_threshold(self) -> float | None:
        """P(content) at or above which a page line is kept (tuned on calibration pages)."""
        t = self.meta.get("content_threshold_pages")
        return None if t is None else float(t)

    @property
    def line_threshold(self) -> float | None:
        """The same for isolated lines (stage 1 only, tuned on the calibration lines)."""
        t = self.meta.get("content_threshold_lines")
        return None if t is None else float(t)

    def _verdicts(self, proba: np.ndarray, threshold: float | None) -> list[Verdict]:
        best = label_columns(proba, threshold)
        return [Verdict(self.labels[j], float(proba[i, j])) for i, j in enumerate(best)]

    def predict(self, lines: Sequence[Line]) -> list[Verdict]:
        """Verdicts for ONE page's lines in reading order (neighbours are evidence)."""
        if not lines:
            return []
        with _one_blas_thread():
            return self._verdicts(self.predict_pages_proba([list(lines)]), self.page_threshold)

    def predict_texts(self, texts: list[str]) -> list[Verdict]:
        """Verdicts for isolated lines (keywords, titles): stage 1 only, no page context."""
        if not texts:
            return []
        with _one_blas_thread():
            return self._verdicts(self.stage1_proba(texts), self.line_threshold)

    def news_odds(self, texts: Sequence[str]) -> list[float]:
        """Per character, how much likelier each text is as clean news than as spam or adult
        vocabulary, by two character models that ignore shape (> 0: more news-like). Stage 1
        meets few content lines this short, so for a lone word the odds say more than it does."""
        if not texts:
            return []
        return [float(v) for v in log_odds(load_spin_model().lm, load_spam_lm(), texts)]

    # -- persistence
    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        npz = folder / NPZ_NAME
        write_npz(npz, self._a)
        meta = dict(self.meta, format=FORMAT, npz_sha256=sha256_of(npz))
        (folder / JSON_NAME).write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        return folder


def _resolve(path: str | Path | None) -> tuple[Path, Path]:
    p = Path(path) if path is not None else ACTIVE_DIR
    if p.is_dir():
        return p / JSON_NAME, p / NPZ_NAME
    if not p.exists():
        raise ModelError(f"model not found: {p}")
    refuse_foreign(p)
    if p.suffix == ".npz":
        return p.with_name(JSON_NAME), p
    if p.suffix == ".json":
        return p, p.with_name(NPZ_NAME)
    raise ModelError(f"not a model bundle: {p} (expected a folder with {JSON_NAME} and {NPZ_NAME})")


def _load(path: str | Path | None) -> LineClassifier:
    json_path, npz_path = _resolve(path)
    meta, arrays = read_bundle(json_path, npz_path, fmt=FORMAT, what="model")
    try:
        missing = [k for k in REQUIRED_ARRAYS if k not in arrays]
        layers = int(meta["mlp_layers"])
        missing += [
            f"{prefix}mlp_w{i}"
            for prefix in member_prefixes(meta)
            for i in range(layers)
            if f"{prefix}mlp_w{i}" not in arrays
        ]
        if missing:
            raise ModelError(f"model file lacks arrays: {', '.join(missing)}")
        clf = LineClassifier(arrays, meta)
        n_labels = len(clf.labels)
        width = _context_width(n_labels)
        if (
            arrays["w1"].shape != (clf._featurizer.n_columns, n_labels)
            or any(mlp[-1][0].shape[1] != n_labels for mlp in clf._mlps)
            or arrays["ctx_mean"].shape != (width,)
            or arrays["ctx_scale"].shape != (width,)
            or any(mlp[0][0].shape[0] != width for mlp in clf._mlps)
        ):
            # e.g. a bundle trained before the features changed: refuse it here, not on every page
            raise ModelError(f"model arrays do not fit this version's features (retrain): {npz_path}")
    except (KeyError, TypeError, ValueError):
        raise ModelError(f"corrupt model description: {json_path}") from None
    return clf


def _context_width(n_labels: int) -> int:
    """How many context features this code computes per line (a stale bundle expects another)."""
    probe = np.full((1, n_labels), 1.0 / n_labels, dtype=np.float32)
    shape = np.zeros((1, len(SHAPE_NAMES)), dtype=np.float32)
    return int(context_features(probe, [[Line("probe")]], shape).shape[1])


def _load_default() -> LineClassifier:
    path, _ = default_model()
    if path is None:
        return _load_cached(str(_unpacked_active()), None)
    return _load_cached(str(path), _stamp(path))


def _stamp(path: Path) -> tuple:
    """Changes when a model is installed over the old one, so the cache does not serve it."""
    return file_stamp(*((path / JSON_NAME, path / NPZ_NAME) if path.is_dir() else (path,)))


@lru_cache(maxsize=2)
def _load_cached(path: str, stamp: tuple | None) -> LineClassifier:
    return _load(path)


@lru_cache(maxsize=1)
def _unpacked_active() -> Path:
    """The bundled model copied out of a zipped install (a scrapyd egg), where it is no plain file."""
    import importlib.resources
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="newsclean-model-"))
    source = importlib.resources.files("classifiers").joinpath("models", "active")
    for name in (JSON_NAME, NPZ_NAME):
        try:
            (folder / name).write_bytes(source.joinpath(name).read_bytes())
        except (FileNotFoundError, OSError):
            raise ModelError(f"the bundled model is missing from this installation ({name})") from None
    return folder


def load_bundled() -> LineClassifier:
    """The model shipped in the package (what ``train --extra`` adjusts without the corpora)."""
    folder = bundled_active_dir()
    return _load(folder if folder.is_dir() else _unpacked_active())


def load_classifier(path: str | Path | None = None) -> LineClassifier:
    """The classifier at ``path`` (a bundle folder or its json/npz), or the default one:
    ``$NEWSCLEAN_MODEL``, else the user-installed active model, else the bundled one."""
    if path is None:
        return _load_default()
    return _load(path)
