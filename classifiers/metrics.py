"""Evaluation figures shared by ``newsclean train`` and ``newsclean eval``.

Besides per-label precision/recall/F1 the figures that matter for cleaning are two error
rates: spam/adult lines that survive (kept = predicted content) and content lines that are lost.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_curve, precision_recall_fscore_support

from newsclean.classifiers.dataset import Example
from newsclean.classifiers.model import label_columns
from newsclean.core.labels import LABELS

TARGETS = {"spam_adult_kept": 0.005, "content_removed": 0.002, "hard_negative_kept": 1.0}
BOOTSTRAP_ROUNDS = 1000


@dataclass
class Scored:
    examples: list[Example]
    proba: np.ndarray  # n x len(LABELS)
    seconds: float
    on_page: np.ndarray | None = None  # True where the line was scored with its page
    page_threshold: float | None = None
    line_threshold: float | None = None

    @property
    def predicted(self) -> list[str]:
        """Labels by the model's own decision rule (content threshold), as the cleaner applies it."""
        if self.on_page is None:
            return [LABELS[j] for j in self.proba.argmax(axis=1)]
        best = np.where(
            self.on_page,
            label_columns(self.proba, self.page_threshold),
            label_columns(self.proba, self.line_threshold),
        )
        return [LABELS[j] for j in best]


def score_examples(clf, examples: Sequence[Example]) -> Scored:
    """Page lines are scored page by page (with context), isolated lines with predict_texts."""
    pages: dict[str, list[int]] = {}
    isolated: list[int] = []
    for i, e in enumerate(examples):
        if e.page is not None and e.line is not None:
            pages.setdefault(e.page, []).append(i)
        else:
            isolated.append(i)
    proba = np.zeros((len(examples), len(LABELS)), dtype=np.float32)
    order = {lab: j for j, lab in enumerate(clf.labels)}
    cols = [order[lab] for lab in LABELS]
    t0 = time.perf_counter()
    if pages:
        idx = [i for ids in pages.values() for i in ids]
        p = clf.predict_pages_proba([[examples[i].line for i in ids] for ids in pages.values()])
        proba[idx] = p[:, cols]
    if isolated:
        p = clf.stage1_proba([examples[i].text for i in isolated])
        proba[isolated] = p[:, cols]
    seconds = time.perf_counter() - t0
    on_page = np.zeros(len(examples), dtype=bool)
    on_page[[i for ids in pages.values() for i in ids]] = True
    return Scored(
        list(examples),
        proba,
        seconds,
        on_page=on_page,
        page_threshold=getattr(clf, "page_threshold", None),
        line_threshold=getattr(clf, "line_threshold", None),
    )


def figures(true: Sequence[str], pred: Sequence[str], examples: Sequence[Example] | None = None) -> dict:
    true_a = np.array(true)
    pred_a = np.array(pred)
    p, r, f, s = precision_recall_fscore_support(true_a, pred_a, labels=list(LABELS), zero_division=0)
    per_label = {
        lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, lab in enumerate(LABELS)
    }
    present = [i for i, lab in enumerate(LABELS) if s[i] > 0]
    bad = np.isin(true_a, ["spam", "adult"])
    content = true_a == "content"
    out = {
        "lines": len(true_a),
        "per_label": per_label,
        "macro_f1": float(np.mean(f[present])) if present else 0.0,
        "accuracy": float((true_a == pred_a).mean()) if len(true_a) else 0.0,
        "confusion": confusion_matrix(true_a, pred_a, labels=list(LABELS)).tolist(),
        "spam_adult_kept": float((pred_a[bad] == "content").mean()) if bad.any() else 0.0,
        "spam_adult_lines": int(bad.sum()),
        "content_removed": float((pred_a[content] != "content").mean()) if content.any() else 0.0,
        "content_lines": int(content.sum()),
    }
    if examples is not None:
        hard = np.array([e.source == "hard_negative" for e in examples])
        if hard.any():
            out["hard_negative_kept"] = float((pred_a[hard] == "content").mean())
            out["hard_negative_lines"] = int(hard.sum())
        groups = [e.page if e.page is not None else f"line:{i}" for i, e in enumerate(examples)]
        counts = np.stack(
            [bad, bad & (pred_a == "content"), content, content & (pred_a != "content")], axis=1
        )
        lo_hi = page_bootstrap(groups, counts)
        out["spam_adult_kept_ci"] = lo_hi[0]
        out["content_removed_ci"] = lo_hi[1]
    return out


def page_bootstrap(
    groups: Sequence[str], counts: np.ndarray, rounds: int = BOOTSTRAP_ROUNDS
) -> list[list[float]]:
    """95% intervals of the two error rates, resampling whole pages: errors cluster by page and
    article (one article's table rows, one page's ad block), so a line-level interval would be
    too narrow. ``counts`` holds per line (spam/adult, kept, content, removed) as 0/1 columns."""
    if not len(groups):
        return [[0.0, 0.0], [0.0, 0.0]]
    names, group_of = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    per_group = np.zeros((len(names), 4))
    np.add.at(per_group, group_of, counts)
    rng = np.random.default_rng(0)  # fixed: the same model gets the same interval
    sums = np.stack(
        [per_group[rng.integers(0, len(per_group), len(per_group))].sum(axis=0) for _ in range(rounds)]
    )
    rates = [sums[:, 1] / np.maximum(sums[:, 0], 1), sums[:, 3] / np.maximum(sums[:, 2], 1)]
    return [[float(v) for v in np.percentile(r, [2.5, 97.5])] for r in rates]


def format_report(name: str, fig: dict) -> list[str]:
    lines = [f"{name}: {fig['lines']} lines"]
    lines.append(f"  {'label':<12} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}")
    for lab, m in fig["per_label"].items():
        lines.append(f"  {lab:<12} {m['precision']:9.4f} {m['recall']:9.4f} {m['f1']:9.4f} {m['support']:8d}")
    lines.append(f"  macro F1 {fig['macro_f1']:.4f}   accuracy {fig['accuracy']:.4f}")
    lines.append("  confusion (rows true, columns predicted: " + " ".join(LABELS) + ")")
    for lab, row in zip(LABELS, fig["confusion"], strict=True):
        lines.append(f"  {lab:<12} " + " ".join(f"{v:7d}" for v in row))
    for key, what, total in (
        ("spam_adult_kept", "spam+adult kept", fig["spam_adult_lines"]),
        ("content_removed", "content removed", fig["content_lines"]),
    ):
        ci = f", 95% page-bootstrap interval {interval_text(fig[key + '_ci'])}" if key + "_ci" in fig else ""
        lines.append(f"  {what} {fig[key]:.4%} of {total} (target <= {TARGETS[key]:.1%}{ci})")
    if "hard_negative_kept" in fig:
        lines.append(
            f"  hard negatives kept {fig['hard_negative_kept']:.2%} of {fig['hard_negative_lines']} (target 100%)"
        )
    return lines


def interval_text(ci: list[float]) -> str:
    return f"{ci[0]:.2%}–{ci[1]:.2%}"


def plot_pr(true: Sequence[str], proba: np.ndarray, path: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    true_a = np.array(true)
    fig, ax = plt.subplots(figsize=(6, 5), dpi=100)
    for j, lab in enumerate(LABELS):
        y = true_a == lab
        if y.any() and (~y).any():
            prec, rec, _ = precision_recall_curve(y, proba[:, j])
            ax.plot(rec, prec, label=lab)
    # "Dropped" as one class: what a cleaner cares about.
    y = true_a != "content"
    if y.any() and (~y).any():
        prec, rec, _ = precision_recall_curve(y, 1.0 - proba[:, 0])
        ax.plot(rec, prec, "k--", label="any non-content")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.01)
    ax.set_title(title)
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_confusion(confusion: list[list[int]], path: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = np.array(confusion, dtype=float)
    norm = m / np.maximum(1, m.sum(axis=1, keepdims=True))
    fig, ax = plt.subplots(figsize=(5.5, 4.8), dpi=100)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(LABELS)), LABELS, rotation=30)
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(LABELS)):
        for j in range(len(LABELS)):
            ax.text(
                j,
                i,
                f"{int(m[i, j])}\n{norm[i, j]:.1%}",
                ha="center",
                va="center",
                color="white" if norm[i, j] > 0.5 else "black",
                fontsize=8,
            )
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


SHORT_LINES_TARGET = 0.005  # short content lines removed, at most


def short_line_figures(clf, pages: Sequence[Sequence[Example]]) -> dict:
    """Share of the battery's short content lines removed, and the lines removed (with the
    label that removed them), scored page by page as the cleaner does."""
    examples = [e for page in pages for e in page]
    scored = score_examples(clf, examples)
    wrong = [
        (e.text, label, e.source.removeprefix("battery:"))
        for e, label in zip(examples, scored.predicted, strict=True)
        if e.source.startswith("battery:") and label != "content"
    ]
    n = sum(e.source.startswith("battery:") for e in examples)
    # what a user gets: the chain's decision, whose layout rules keep a heading between paragraphs
    from newsclean.pipelines.classify import decide

    chain_removed = 0
    for page in pages:
        decisions = decide([e.line for e in page], clf)
        chain_removed += sum(
            e.source.startswith("battery:") and not d.kept for e, d in zip(page, decisions, strict=True)
        )
    return {
        "short_lines": n,
        "short_lines_removed": len(wrong) / max(1, n),
        "short_lines_removed_chain": chain_removed / max(1, n),
        "short_lines_wrong": wrong,
    }


def format_short_lines(fig: dict, show: int = 40) -> list[str]:
    out = [
        f"short content lines in articles (battery): {fig['short_lines_removed']:.2%} removed "
        f"({len(fig['short_lines_wrong'])}/{fig['short_lines']}, target <= {SHORT_LINES_TARGET:.1%}) by the "
        f"model; {fig.get('short_lines_removed_chain', 0.0):.2%} by the cleaning chain"
    ]
    for text, label, form in fig["short_lines_wrong"][:show]:
        out.append(f"  removed as {label:<11} {text}  [{form}]")
    return out
