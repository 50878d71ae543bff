"""Fit the two stages from assembled splits and pack them into a LineClassifier.

Stage 1 learns from isolated lines; its calibrator and the context stage learn from the
separate stage-2 pages, whose articles, headlines and generated lines stage 1 never saw, so the
probabilities the context stage learns to trust are as good as on new pages.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from newsclean.classifiers.context import context_features
from newsclean.classifiers.dataset import Example, Splits
from newsclean.classifiers.features import N_FEATURES, Featurizer, choose_lexicon_buckets
from newsclean.classifiers.model import LineClassifier, label_columns
from newsclean.core.labels import LABELS

MLP_HIDDEN = (64, 32)
MLP_MEMBERS = 5
CONTENT_COST = 2.5  # the targets allow 0.5% spam+adult kept per 0.2% content removed
BOILER_COST = 0.1
COST_TOLERANCE = 0.05  # thresholds this close to the cheapest count as ties
THRESHOLD_GRID = tuple(round(0.5 - 0.025 * i, 3) for i in range(19))  # 0.5 down to 0.05
SGD_ALPHA = 2e-6
SGD_EPOCHS = 12


def _y(examples: Sequence[Example]) -> np.ndarray:
    index = {lab: i for i, lab in enumerate(LABELS)}
    return np.array([index[e.label] for e in examples], dtype=np.int64)


def fit(splits: Splits, **kwargs) -> LineClassifier:
    """Train both stages on one BLAS thread: sums in a fixed order, so the same data gives the same
    model bytes on any machine (multi-threaded BLAS sums in an order that depends on the cores)."""
    with threadpool_limits(limits=1):
        return _fit(splits, **kwargs)


def _fit(
    splits: Splits,
    *,
    seed: int,
    version: str,
    extra: Sequence[Example] = (),
    n_features: int = N_FEATURES,
    log: Callable[[str], None] = print,
    meta: dict | None = None,
) -> LineClassifier:
    t0 = time.perf_counter()
    stage1 = list(splits.stage1) + [
        Example(e.text, e.label, e.source, weight=3.0) for e in extra
    ]  # user corrections count triple
    probe = Featurizer(n_features=n_features)
    buckets = choose_lexicon_buckets(probe, splits.lexicon_train_terms, splits.content_sample)
    featurizer = Featurizer(lexicon_buckets=buckets, n_features=n_features)
    x1 = featurizer.transform([e.text for e in stage1])
    y1 = _y(stage1)
    w = np.array([e.weight for e in stage1], dtype=np.float64)
    log(f"stage 1: {x1.shape[0]} lines, {x1.shape[1]} features ({time.perf_counter() - t0:.1f}s)")
    sgd = SGDClassifier(
        loss="log_loss",
        alpha=SGD_ALPHA,
        max_iter=SGD_EPOCHS,
        tol=None,
        random_state=seed,
        average=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sgd.fit(x1, y1, sample_weight=w)
    _check_classes(sgd.classes_)
    w1 = sgd.coef_.T.astype(np.float32)
    b1 = sgd.intercept_.astype(np.float32)
    log(f"stage 1 fitted ({time.perf_counter() - t0:.1f}s)")

    # Calibrator on isolated lines stage 1 never saw: predict_texts' probabilities.
    xc = featurizer.transform([e.text for e in splits.calib])
    cal = LogisticRegression(C=10.0, max_iter=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cal.fit(np.asarray(xc @ w1, dtype=np.float32) + b1, _y(splits.calib))
    _check_classes(cal.classes_)
    cal_w = cal.coef_.T.astype(np.float32)
    cal_b = cal.intercept_.astype(np.float32)
    log(f"calibrator: {len(splits.calib)} lines ({time.perf_counter() - t0:.1f}s)")

    # Stage-2 pages: calibrated stage-1 probabilities, then the context MLP.
    pages = [[e.line for e in page] for page in splits.stage2_pages]
    rows = [e for page in splits.stage2_pages for e in page]
    y2 = _y(rows)
    x2 = featurizer.transform([e.text for e in rows])
    scores = np.asarray(x2 @ w1, dtype=np.float32) + b1
    z = scores @ cal_w + cal_b
    # Stage 1 is surer of generated lines than of real injections: every second page gets its
    # stage-1 log-odds softened (temperature 0.3-1), so the context stage learns to act on
    # moderate stage-1 evidence too instead of overruling it.
    temp_rng = np.random.default_rng(seed)
    temps = np.ones(len(rows), dtype=np.float32)
    start = 0
    for page in pages:
        if temp_rng.random() < 0.5:
            temps[start : start + len(page)] = temp_rng.uniform(0.3, 1.0)
        start += len(page)
    z = z * temps[:, None]
    z -= z.max(axis=1, keepdims=True)
    p1 = np.exp(z)
    p1 /= p1.sum(axis=1, keepdims=True)
    shape2 = x2[:, n_features:].toarray().astype(np.float32)
    xc = context_features(p1.astype(np.float32), pages, shape2)
    mean = xc.mean(axis=0)
    scale = xc.std(axis=0)
    scale[scale < 1e-6] = 1.0
    log(
        f"stage 2: {len(pages)} pages, {len(rows)} lines, {xc.shape[1]} context features "
        f"({time.perf_counter() - t0:.1f}s)"
    )
    # Several MLPs from different seeds, averaged: one MLP's verdicts on borderline lines swing
    # with its seed; the average does not.
    mlps = []
    for k in range(MLP_MEMBERS):
        mlp = MLPClassifier(
            hidden_layer_sizes=MLP_HIDDEN,
            alpha=1e-4,
            batch_size=256,
            learning_rate_init=2e-3,
            max_iter=80,
            early_stopping=True,
            n_iter_no_change=8,
            random_state=seed + k,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp.fit((xc - mean) / scale, y2)
        _check_classes(mlp.classes_)
        mlps.append(mlp)
    log(f"stage 2 fitted ({time.perf_counter() - t0:.1f}s)")

    arrays = {
        "lexicon_buckets": buckets.astype(np.int32),
        "w1": w1,
        "b1": b1,
        "cal_w": cal_w,
        "cal_b": cal_b,
        "ctx_mean": mean.astype(np.float32),
        "ctx_scale": scale.astype(np.float32),
    }
    for k, mlp in enumerate(mlps):
        prefix = f"m{k}_" if k else ""
        for i, (cw, cb) in enumerate(zip(mlp.coefs_, mlp.intercepts_, strict=True)):
            arrays[f"{prefix}mlp_w{i}"] = cw.astype(np.float32)
            arrays[f"{prefix}mlp_b{i}"] = cb.astype(np.float32)
    info = dict(meta or {})
    info.update(
        version=version,
        labels=list(LABELS),
        n_features=n_features,
        mlp_layers=len(mlps[0].coefs_),
        mlp_members=len(mlps),
        seed=seed,
        stage1_lines=int(x1.shape[0]),
        stage2_pages=len(pages),
        stage2_lines=len(rows),
    )
    clf = LineClassifier(arrays, info)
    if splits.calib_pages:
        cal_pages = [[e.line for e in page] for page in splits.calib_pages]
        cal_rows = [e for page in splits.calib_pages for e in page]
        t_pages = choose_threshold(clf.predict_pages_proba(cal_pages), _y(cal_rows), log, "pages")
        t_lines = choose_threshold(
            clf.stage1_proba([e.text for e in splits.calib]), _y(splits.calib), log, "lines"
        )
        clf.meta.update(content_threshold_pages=t_pages, content_threshold_lines=t_lines)
        log(f"content thresholds: pages {t_pages}, lines {t_lines} ({time.perf_counter() - t0:.1f}s)")
    return clf


def choose_threshold(
    proba: np.ndarray, y: np.ndarray, log: Callable[[str], None] = print, name: str = ""
) -> float:
    """The P(content) below which a line is removed, chosen on calibration lines or pages.

    Cost per threshold: share of content removed (counted CONTENT_COST times: a lost paragraph is
    the worst failure) + share of spam/adult kept + BOILER_COST x share of boilerplate kept. The
    curve is flat near its minimum (a few lines apart), so the highest threshold within
    COST_TOLERANCE of the cheapest wins: a dip made by a handful of lines does not pull the
    threshold down to where unfamiliar spam slips through.
    """
    content = y == 0
    bad = (y == 1) | (y == 2)
    boiler = y == 3
    costs: list[tuple[float, float]] = []
    curve = []
    for t in THRESHOLD_GRID:
        keep = label_columns(proba, t) == 0
        removed = float((~keep[content]).mean()) if content.any() else 0.0
        kept = float(keep[bad].mean()) if bad.any() else 0.0
        bkept = float(keep[boiler].mean()) if boiler.any() else 0.0
        cost = CONTENT_COST * removed + kept + BOILER_COST * bkept
        curve.append(f"{t:.2f}:{removed:.4f}/{kept:.4f}/{bkept:.4f}")
        costs.append((t, cost))
    log(f"threshold curve ({name}; t: content removed/spam+adult kept/boilerplate kept) " + " ".join(curve))
    cheapest = min(cost for _, cost in costs)
    return float(max(t for t, cost in costs if cost <= cheapest * (1 + COST_TOLERANCE) + 1e-12))


def _check_classes(classes: np.ndarray) -> None:
    if list(classes) != list(range(len(LABELS))):
        missing = [LABELS[i] for i in range(len(LABELS)) if i not in set(classes.tolist())]
        raise ValueError(f"training data lacks labels: {', '.join(missing)}")
