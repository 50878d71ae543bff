"""``newsclean train --extra FILE`` without the training corpora: adjust the bundled model.

Method. Stage 1's weights are the starting point. They are moved, by L-BFGS on stage 1's own
one-vs-rest log loss, to fit the user's labelled lines (each counted CORRECTION_WEIGHT times)
mixed with a *replay set*: lines the project ships whose labels are known (the trained part of the
hand-written hard negatives, the seeds' spam lines) and lines of the bundled demo site and of the
repository's small corpus that the bundled model itself labels with P >= REPLAY_CONFIDENCE. An L2
penalty on the change (not on the weights) keeps every weight that no line touches where it was.
The calibrator, the context stage and the thresholds stay as they are.

Gate. The corrections are scored by cross-validation (FOLDS parts, by a hash of the line's compact
text: the model scoring a line never learned it); the replay lines and the held-out hard negatives
(never trained on) show whether the model still says what it said before. The candidate replaces
the active model only when it is not worse than the active one on both sets by the rule of
``train.gate`` and keeps as many hard negatives, or with ``--force``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from newsclean.classifiers import machine, metrics
from newsclean.classifiers.examples import Example
from newsclean.classifiers.model import LineClassifier
from newsclean.classifiers.places import PACKAGE_MODELS_DIR
from newsclean.classifiers.split import bucket
from newsclean.classifiers.text import compact
from newsclean.classifiers.wordlists import data_lines
from newsclean.core.labels import LABELS
from newsclean.core.paths import PACKAGE_DIR

REPLAY_CONFIDENCE = 0.9  # pseudo-labelled replay lines: the bundled model's stage 1 is this sure
CORRECTION_WEIGHT = 5.0
PENALTY = 1e-4  # L2 on the change of stage-1 weights (per unit of mean loss)
MAX_ITER = 300
FOLDS = 5
HARD_TEST_PCT = 30  # as split.HARD_TEST_PCT: the held-out part the bundled model never learned
DEMO_SITE = PACKAGE_DIR / "demo_site"
SMALL_CORPUS = PACKAGE_MODELS_DIR.parent.parent / "tests" / "data_classifier"  # in a checkout only
CODE_FILES = ("adjust.py", "features.py", "text.py", "model.py")


@dataclass
class Adjusted:
    model: LineClassifier
    corrections: list[Example]
    replay: list[Example]
    held_out_hard: list[Example]
    cross_validated: metrics.Scored  # the corrections, each scored by a model that never saw it


def corrections_of(examples: Sequence[Example]) -> list[Example]:
    """One example per compact text, the last label given winning (a later review corrects an
    earlier one). Page fields are dropped: stage 1 sees a line's text only."""
    by_key: dict[str, Example] = {}
    for e in examples:
        key = compact(e.text)
        if key:
            by_key.pop(key, None)
            by_key[key] = Example(e.text, e.label, e.source or "correction")
    return list(by_key.values())


def hard_negative_parts() -> tuple[list[str], list[str]]:
    """(trained part, held-out part) of the hand-written hard negatives, as the full training splits them."""
    train, test = [], []
    for t in data_lines("hard_negatives.txt"):
        (test if bucket("hard:" + t) < HARD_TEST_PCT else train).append(t)
    return train, test


def _demo_site_texts() -> list[str]:
    """Body lines of the bundled demo site's pages, as the cleaning chain splits them."""
    from newsclean.pipelines.decode import decode_bytes
    from newsclean.pipelines.domclean import clean_dom
    from newsclean.pipelines.extract import extract_html
    from newsclean.pipelines.lines import to_lines
    from newsclean.pipelines.metalines import split_metadata
    from newsclean.pipelines.normalise import normalise_page

    out: list[str] = []
    for page in sorted(DEMO_SITE.rglob("*.html")):
        text = decode_bytes(page.read_bytes(), None).text
        doc, _ = clean_dom(text)
        extracted = extract_html(doc, f"http://demo.invalid/{page.relative_to(DEMO_SITE).as_posix()}")
        lines, meta, _ = normalise_page(to_lines(extracted.blocks), extracted.meta)
        out += [line.text for line in split_metadata(lines, meta).body]
    return out


def _small_corpus_texts() -> list[str]:
    if not (SMALL_CORPUS / "news_articles.jsonl").is_file():
        return []
    out: list[str] = []
    for raw in (SMALL_CORPUS / "news_articles.jsonl").read_text(encoding="utf-8").splitlines():
        if raw.strip():
            article = json.loads(raw)
            out += [article.get("title") or "", *article.get("paragraphs", [])]
    heads = SMALL_CORPUS / "headlines.tsv"
    if heads.is_file():
        out += [t.split("\t", 1)[-1] for t in heads.read_text(encoding="utf-8").splitlines()]
    return [t.strip() for t in out if t.strip()]


def replay_set(base: LineClassifier, exclude: set[str]) -> list[Example]:
    """Lines whose labels the adjusted model must keep; ``exclude`` holds compact texts the user
    labelled (the user's label wins)."""
    hard_train, _ = hard_negative_parts()
    known = [Example(t, "content", "replay:hard_negative") for t in hard_train]
    for row in data_lines("seed_spam.txt"):
        label, _, text = row.partition("\t")
        if label in LABELS and text.strip():
            known.append(Example(text, label, "replay:seed"))
    pseudo = [(t, "replay:demo_site") for t in _demo_site_texts()]
    pseudo += [(t, "replay:small_corpus") for t in _small_corpus_texts()]
    seen = set(exclude)
    out: list[Example] = []
    for e in known:
        key = compact(e.text)
        if key and key not in seen:
            seen.add(key)
            out.append(e)
    fresh = []
    for text, source in pseudo:
        key = compact(text)
        if key and key not in seen:
            seen.add(key)
            fresh.append((text, source))
    if fresh:
        proba = base.stage1_proba([t for t, _ in fresh])
        for (text, source), p in zip(fresh, proba, strict=True):
            j = int(p.argmax())
            if p[j] >= REPLAY_CONFIDENCE:
                out.append(Example(text, base.labels[j], source))
    return out


def _y(examples: Sequence[Example], labels: Sequence[str]) -> np.ndarray:
    index = {lab: i for i, lab in enumerate(labels)}
    y = np.zeros((len(examples), len(labels)))
    y[np.arange(len(examples)), [index[e.label] for e in examples]] = 1.0
    return y


def finetune(
    base: LineClassifier, lines: Sequence[Example], weights: np.ndarray, meta: dict
) -> LineClassifier:
    """Stage 1's n-gram weights moved to fit ``lines`` (OvR log loss, weighted mean, plus
    PENALTY/2 * |change|^2),
    on one BLAS thread so the same lines give the same bytes."""
    x = base._featurizer.transform([e.text for e in lines]).astype(np.float64)
    n_ngrams = base._featurizer.n_features
    # Only n-gram weights some line uses move: the shape weights and the biases act on every
    # line, and a few corrections must not shift what the full corpora taught about all lines.
    cols = np.unique(x.indices)
    cols = cols[cols < n_ngrams]
    xs = sp.csr_matrix(x[:, cols])
    y = _y(lines, base.labels)
    w1 = base._a["w1"].astype(np.float64)
    s0 = np.asarray(x @ w1) + base._a["b1"].astype(np.float64)
    wn = weights / weights.sum()
    k = len(base.labels)
    n_cols = len(cols)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        dw = theta.reshape(n_cols, k)
        s = s0 + xs @ dw
        # log loss of sigmoid(s) against y, in a form that does not overflow
        loss = np.logaddexp(0.0, s) - y * s
        g = (1.0 / (1.0 + np.exp(-s)) - y) * wn[:, None]
        value = float((loss * wn[:, None]).sum() + 0.5 * PENALTY * (dw * dw).sum())
        return value, (np.asarray(xs.T @ g) + PENALTY * dw).ravel()

    with threadpool_limits(limits=1):
        res = minimize(
            objective, np.zeros(n_cols * k), jac=True, method="L-BFGS-B", options={"maxiter": MAX_ITER}
        )
    new_w1 = w1.copy()
    new_w1[cols] += res.x.reshape(n_cols, k)
    arrays = dict(base._a)
    arrays["w1"] = new_w1.astype(np.float32)
    return LineClassifier(arrays, meta)


def _weights(lines: Sequence[Example]) -> np.ndarray:
    return np.array([1.0 if e.source.startswith("replay:") else CORRECTION_WEIGHT for e in lines])


def fold_of(e: Example, folds: int) -> int:
    return bucket("fold:" + compact(e.text)) % folds


def adjust(
    base: LineClassifier,
    labelled: Sequence[Example],
    *,
    version: str,
    log: Callable[[str], None] = print,
) -> Adjusted:
    t0 = time.perf_counter()
    corrections = corrections_of(labelled)
    replay = replay_set(base, {compact(e.text) for e in corrections})
    _, hard_test = hard_negative_parts()
    held_out_hard = [Example(t, "content", "hard_negative") for t in hard_test]
    log(f"adjusting {base.version}: {len(corrections)} labelled lines, {len(replay)} replay lines")
    meta = dict(base.meta)
    # cross-validation: each correction scored by a model fitted without its fold
    folds = min(FOLDS, len(corrections))
    cv_proba = np.zeros((len(corrections), len(LABELS)), dtype=np.float32)
    if folds >= 2:
        order = {lab: j for j, lab in enumerate(base.labels)}
        cols = [order[lab] for lab in LABELS]
        for k in range(folds):
            inside = [e for e in corrections if fold_of(e, folds) != k]
            outside = [i for i, e in enumerate(corrections) if fold_of(e, folds) == k]
            if not outside:
                continue
            train_lines = inside + replay
            model = finetune(base, train_lines, _weights(train_lines), meta)
            cv_proba[outside] = model.stage1_proba([corrections[i].text for i in outside])[:, cols]
            log(f"fold {k + 1}/{folds}: {len(outside)} lines held out ({time.perf_counter() - t0:.1f}s)")
    cv = metrics.Scored(
        corrections,
        cv_proba,
        0.0,
        on_page=np.zeros(len(corrections), dtype=bool),
        line_threshold=base.line_threshold,
    )
    lines = corrections + replay
    info = dict(meta)
    info.update(
        version=version,
        trained_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        machine=machine.signature(),
        adjusted={
            "from": base.version,
            "method": "stage-1 weights refitted on labelled lines plus replay (L-BFGS, L2 on the change)",
            "labelled_lines": len(corrections),
            "replay_lines": len(replay),
            "correction_weight": CORRECTION_WEIGHT,
            "penalty": PENALTY,
            "replay_confidence": REPLAY_CONFIDENCE,
        },
    )
    model = finetune(base, lines, _weights(lines), info)
    log(f"stage 1 adjusted ({time.perf_counter() - t0:.1f}s)")
    return Adjusted(model, corrections, replay, held_out_hard, cv)


def make_version(base: LineClassifier, labelled: Sequence[Path], config: dict) -> str:
    """lines-<hash of the base model, the labelled files, the replay inputs, the code, the settings>."""
    digest = hashlib.sha256()
    digest.update(str(base.meta.get("npz_sha256", base.version)).encode())
    for p in labelled:
        digest.update(Path(p).read_bytes())
    for name in ("hard_negatives.txt", "seed_spam.txt"):
        digest.update(name.encode())
        digest.update("\n".join(data_lines(name)).encode())
    for page in sorted(DEMO_SITE.rglob("*.html")):
        digest.update(page.read_bytes())
    for name in ("news_articles.jsonl", "headlines.tsv"):
        if (SMALL_CORPUS / name).is_file():
            digest.update((SMALL_CORPUS / name).read_bytes())
    for name in CODE_FILES:
        digest.update(Path(__file__).with_name(name).read_bytes())
    digest.update(json.dumps(config, sort_keys=True).encode())
    return f"lines-{digest.hexdigest()[:12]}"


def settings() -> dict:
    return {
        "correction_weight": CORRECTION_WEIGHT,
        "penalty": PENALTY,
        "max_iter": MAX_ITER,
        "folds": FOLDS,
        "replay_confidence": REPLAY_CONFIDENCE,
    }
