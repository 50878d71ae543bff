"""``newsclean train``: rebuild the line classifier, evaluate it, and replace the active model
only when the candidate is not worse on the held-out set (or with --force).

Gate rule, on the same held-out split for both models: the candidate's spam+adult kept rate and
content removed rate may not exceed the active model's by more than GATE_RATE_SLACK, and its
macro-F1 may not be lower by more than GATE_F1_SLACK.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from newsclean.classifiers import corpora, dataset, fit, machine, metrics, split
from newsclean.classifiers.baseline import KeywordFilter
from newsclean.classifiers.card import write_card
from newsclean.classifiers.features import N_FEATURES
from newsclean.classifiers.model import ACTIVE_DIR, MODELS_DIR, LineClassifier, load_classifier
from newsclean.classifiers.shortlines import battery_pages
from newsclean.classifiers.split import sides
from newsclean.core.errors import InputError, ModelError

DEFAULT_SEED = 13
GATE_RATE_SLACK = 0.0002
GATE_F1_SLACK = 0.002
# The code that turns data into a model: its bytes are part of the model id.
CODE_FILES = (
    "wordlists.py",
    "corpora.py",
    "split.py",
    "examples.py",
    "templates.py",
    "obfuscate.py",
    "fill.py",
    "phrases.py",
    "injections.py",
    "isolated.py",
    "page_builder.py",
    "article_pages.py",
    "dataset.py",
    "features.py",
    "text.py",
    "context.py",
    "fit.py",
)
ARTIFACTS = ("model.npz", "model.json", "metrics.json", "card.md", "pr_curve.png", "confusion.png")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="folder of training corpora (default: ../shared/data)")
    parser.add_argument(
        "--extra",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE",
        help="labelled JSON Lines to add ({text, label, source}; e.g. corrected lines)",
    )
    parser.add_argument(
        "--out", type=Path, help="where to write the candidate (default: models/candidates/VERSION)"
    )
    parser.add_argument("--force", action="store_true", help="make the candidate active even if it is worse")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument("--active", type=Path, default=ACTIVE_DIR, help=argparse.SUPPRESS)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="shrink generated line counts (quick trials)"
    )


def config_of(args: argparse.Namespace) -> dict:
    return {
        "seed": args.seed,
        "scale": args.scale,
        "n_features": N_FEATURES,
        "sgd_alpha": fit.SGD_ALPHA,
        "sgd_epochs": fit.SGD_EPOCHS,
        "mlp_hidden": list(fit.MLP_HIDDEN),
        "mlp_members": fit.MLP_MEMBERS,
        "split": [split.TEST_PCT, split.STAGE2_PCT, split.TERM_TEST_PCT, split.TEMPLATE_TEST_PCT],
        "template_calib_pct": split.TEMPLATE_CALIB_PCT,
        "content_cost": fit.CONTENT_COST,
    }


def make_version(files: list[Path], extra: list[Path], config: dict) -> str:
    """lines-<hash of inputs, settings and training code>: same data, same id. Only content
    counts: a copy of the corpora (new file times) trains the same model under the same id."""
    digest = hashlib.sha256()
    digest.update(corpora.data_fingerprint(files, extra).encode())
    for name in CODE_FILES:  # the code that turns data into a model is part of the recipe
        digest.update((Path(__file__).with_name(name)).read_bytes())
    digest.update(json.dumps(config, sort_keys=True).encode())
    return f"lines-{digest.hexdigest()[:12]}"


def _say(msg: str, t0: float) -> None:
    print(f"[{time.perf_counter() - t0:6.1f}s] {msg}", flush=True)


def evaluate_on(clf: LineClassifier, test: list[dataset.Example]) -> tuple[metrics.Scored, dict]:
    scored = metrics.score_examples(clf, test)
    fig = metrics.figures([e.label for e in test], scored.predicted, test)
    fig["lines_per_second"] = round(len(test) / max(scored.seconds, 1e-9))
    return scored, fig


def baseline_figures(data_dir: Path, test: list[dataset.Example]) -> dict:
    kw = KeywordFilter.from_dir(data_dir)
    return metrics.figures([e.label for e in test], kw.labels(e.text for e in test), test)


def gate(candidate: dict, active: dict) -> tuple[bool, str]:
    checks = [
        (
            "spam+adult kept",
            candidate["spam_adult_kept"] <= active["spam_adult_kept"] + GATE_RATE_SLACK,
            candidate["spam_adult_kept"],
            active["spam_adult_kept"],
        ),
        (
            "content removed",
            candidate["content_removed"] <= active["content_removed"] + GATE_RATE_SLACK,
            candidate["content_removed"],
            active["content_removed"],
        ),
        (
            "macro F1",
            candidate["macro_f1"] >= active["macro_f1"] - GATE_F1_SLACK,
            candidate["macro_f1"],
            active["macro_f1"],
        ),
    ]
    failed = [f"{name} {c:.4f} vs {a:.4f}" for name, ok, c, a in checks if not ok]
    if failed:
        return False, "candidate is worse: " + "; ".join(failed)
    return True, "candidate is not worse on " + ", ".join(name for name, *_ in checks)


def install(candidate_dir: Path, active_dir: Path) -> None:
    """Copy the candidate's files into the active folder (staged, then swapped in)."""
    active_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = active_dir.with_name(active_dir.name + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    for name in ARTIFACTS:
        if (candidate_dir / name).is_file():
            shutil.copy2(candidate_dir / name, staging / name)
    old = active_dir.with_name(active_dir.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if active_dir.exists():
        active_dir.rename(old)
    staging.rename(active_dir)
    if old.exists():
        shutil.rmtree(old)


def run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    data_dir = Path(args.data_dir) if args.data_dir else corpora.default_data_dir()
    if args.scale <= 0 or args.scale > 1:
        raise InputError("--scale must be in (0, 1]")
    _say(f"reading training data from {data_dir}", t0)
    loaded = corpora.load_corpora(data_dir)
    extra_examples = [e for path in args.extra for e in dataset.read_labelled(path)]
    config = config_of(args)
    version = make_version(loaded.files, list(args.extra), config)
    _say(
        f"data: {len(loaded.articles)} articles, {len(loaded.headlines)} headlines, "
        f"{len(loaded.adult) + len(loaded.gamble) + len(loaded.ads)} lexicon terms, "
        f"{len(loaded.hard_negatives)} hard negatives, {len(extra_examples)} extra lines; version {version}",
        t0,
    )
    splits = dataset.build(loaded, seed=args.seed, scale=args.scale)
    _say(
        f"built: {len(splits.stage1)} stage-1 lines, {len(splits.calib)} calibration lines, "
        f"{len(splits.stage2_pages)} stage-2 pages, {len(splits.test)} held-out lines",
        t0,
    )
    clf = fit.fit(
        splits,
        seed=args.seed,
        version=version,
        extra=extra_examples,
        log=lambda m: _say(m, t0),
        meta={
            "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "config": config,
            # what chose the floating-point kernels: the same signature rebuilds the same bytes
            "machine": machine.signature(),
        },
    )
    out = Path(args.out) if args.out else MODELS_DIR / "candidates" / version
    clf.save(out)
    _say(f"candidate saved: {out}", t0)

    scored, fig = evaluate_on(clf, splits.test)
    base = baseline_figures(data_dir, splits.test)
    true = [e.label for e in splits.test]
    pr = metrics.plot_pr(true, scored.proba, out / "pr_curve.png", f"{version}: held-out lines")
    cm = metrics.plot_confusion(fig["confusion"], out / "confusion.png", f"{version}: held-out lines")
    short = metrics.short_line_figures(clf, battery_pages(sides(loaded)["test"]))
    train_seconds = time.perf_counter() - t0
    record = {
        "version": version,
        "machine": clf.meta["machine"],
        "held_out": fig,
        "baseline_keyword_filter": base,
        "training_seconds": round(train_seconds, 1),
        "sizes": dataset.sizes(splits),
        "short_lines": short,
    }
    (out / "metrics.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    card = write_card(out, clf, record, splits)
    for line in metrics.format_report("held-out (model)", fig):
        print(line)
    for line in metrics.format_report("held-out (keyword-lexicon baseline)", base):
        print(line)
    for line in metrics.format_short_lines(short):
        print(line)
    print(f"  lines/s (model, held-out): {fig['lines_per_second']}")
    print(f"precision-recall curve: {pr}")
    print(f"confusion matrix: {cm}")
    print(f"model card: {card}")
    print(card.read_text(encoding="utf-8"))

    active_dir = Path(args.active)
    decision, why = _replaces_active(active_dir, splits.test, fig, args.force)
    if decision:
        install(out, active_dir)
        print(f"ACTIVE MODEL REPLACED: {active_dir} is now {version} ({why})")
    else:
        print(f"ACTIVE MODEL KEPT: {active_dir} unchanged ({why}); candidate left in {out}")
    _say("done", t0)
    return 0


def _replaces_active(
    active_dir: Path, test: list[dataset.Example], fig: dict, force: bool
) -> tuple[bool, str]:
    if force:
        return True, "--force"
    try:
        active = load_classifier(active_dir)
    except ModelError as err:
        return True, f"no usable active model: {err}"
    _, active_fig = evaluate_on(active, test)
    print(
        f"active {active.version}: spam+adult kept {active_fig['spam_adult_kept']:.4%}, "
        f"content removed {active_fig['content_removed']:.4%}, macro F1 {active_fig['macro_f1']:.4f}"
    )
    return gate(fig, active_fig)


def main() -> int:  # pragma: no cover - `newsclean train` is the entry point
    parser = argparse.ArgumentParser(prog="newsclean train")
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
