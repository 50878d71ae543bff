"""``newsclean train``: rebuild the line classifier, evaluate it, and replace the active model
only when the candidate is not worse on the held-out set (or with --force).

Without the training corpora (no --data-dir, no ../shared/data) ``--extra`` files adjust the
bundled model instead (classifiers/adjust.py), gated on what the project ships.

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

from newsclean.classifiers import adjust, corpora, dataset, fit, machine, metrics, places, split
from newsclean.classifiers.baseline import KeywordFilter
from newsclean.classifiers.card import write_card
from newsclean.classifiers.features import N_FEATURES
from newsclean.classifiers.model import LineClassifier, load_bundled, load_classifier
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
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="folder of training corpora (default: ../shared/data; without it, --extra adjusts the bundled model)",
    )
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
        "--out",
        type=Path,
        help="where to write the candidate (default: candidates/VERSION in the models folder, see README)",
    )
    parser.add_argument("--force", action="store_true", help="make the candidate active even if it is worse")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument("--active", type=Path, default=None, help=argparse.SUPPRESS)
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
    if args.scale <= 0 or args.scale > 1:
        raise InputError("--scale must be in (0, 1]")
    home = places.models_home()
    # Installing into an empty user folder replaces the bundled model as the default: compare with it.
    compare_bundled = args.active is None
    if args.active is None:
        args.active = home / "active"
    if args.data_dir is None and not places.has_default_data():
        if not args.extra:
            raise InputError(
                "training data not found: no ../shared/data; give --data-dir, set NEWSCLEAN_SHARED, "
                "or give --extra FILE to adjust the bundled model with labelled lines"
            )
        return run_adjust(args, home, t0)
    args.compare_bundled = compare_bundled
    data_dir = Path(args.data_dir) if args.data_dir else corpora.default_data_dir()
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
    out = Path(args.out) if args.out else home / "candidates" / version
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
    if getattr(args, "compare_bundled", False) and not active_dir.exists():
        active_dir_for_gate = places.bundled_active_dir()
    else:
        active_dir_for_gate = active_dir
    decision, why = _replaces_active(active_dir_for_gate, splits.test, fig, args.force)
    _settle(decision, why, out, active_dir, version)
    _say("done", t0)
    return 0


def _settle(decision: bool, why: str, out: Path, active_dir: Path, version: str) -> None:
    """Install or keep, and say which model a bare ``newsclean clean`` now uses."""
    if decision:
        install(out, active_dir)
        print(f"ACTIVE MODEL REPLACED: {active_dir} is now {version} ({why})")
    else:
        print(f"ACTIVE MODEL KEPT: {active_dir} unchanged ({why}); candidate left in {out}")
    path, source = places.default_model()
    print(f"default model now: {path or 'bundled (unpacked from the package)'} ({source})")


def run_adjust(args: argparse.Namespace, home: Path, t0: float) -> int:
    """Adjust the bundled model with --extra lines; evaluate and gate on what the project ships."""
    base = load_bundled()
    labelled = [e for path in args.extra for e in dataset.read_labelled(path)]
    if not labelled:
        raise InputError("no labelled lines in " + ", ".join(str(p) for p in args.extra))
    _say(
        f"no training corpora (../shared/data): adjusting the bundled model {base.version} "
        f"({places.bundled_active_dir()}) with {len(labelled)} labelled lines",
        t0,
    )
    config = {"adjust": adjust.settings()}  # no randomness: --seed and --scale do not apply
    version = adjust.make_version(base, list(args.extra), config)
    result = adjust.adjust(base, labelled, version=version, log=lambda m: _say(m, t0))
    clf = result.model
    clf.meta["config"] = dict(clf.meta.get("config", {}), adjust=config["adjust"])
    out = Path(args.out) if args.out else home / "candidates" / version
    clf.save(out)
    _say(f"candidate saved: {out}", t0)

    active_dir = Path(args.active)
    try:
        # an empty target folder: the model a bare `newsclean clean` used so far is the bundled one
        active = load_classifier(active_dir) if active_dir.exists() else base
    except ModelError as err:
        active = None
        print(f"no usable active model in {active_dir}: {err}")
    kept_lines = result.replay + result.held_out_hard
    # (name, lines, the candidate's labels): the labelled lines each by a model that never saw it
    sets = [
        (
            "labelled lines, cross-validated",
            result.cross_validated.examples,
            result.cross_validated.predicted,
        ),
        ("replay and held-out hard negatives", kept_lines, _predicted(clf, kept_lines)),
    ]
    record: dict = {"version": version, "machine": clf.meta["machine"], "adjusted": clf.meta["adjusted"]}
    verdicts: list[tuple[bool, str]] = []
    for name, examples, predicted in sets:
        true = [e.label for e in examples]
        fig = metrics.figures(true, predicted, examples)
        for line in metrics.format_report(f"{name} (candidate {version})", fig):
            print(line)
        print_wrong(examples, predicted)
        entry = {"candidate": fig}
        if active is not None:
            act_fig = metrics.figures(true, _predicted(active, examples), examples)
            for line in metrics.format_report(f"{name} (active {active.version})", act_fig):
                print(line)
            verdicts.append(_adjust_gate(name, fig, act_fig))
            entry["active"] = act_fig
        record[name] = entry
    given = [e.label for e in result.corrections]
    fitted = sum(a == b for a, b in zip(given, _predicted(clf, result.corrections), strict=True))
    print(f"labelled lines the candidate labels as given (it learned them): {fitted}/{len(given)}")
    record["labelled_lines_fitted"] = [fitted, len(given)]
    record["training_seconds"] = round(time.perf_counter() - t0, 1)
    (out / "metrics.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / "card.md").write_text(_adjusted_card(clf, base, record), encoding="utf-8")
    every = [e for _, examples, _ in sets for e in examples]
    every_pred = [p for _, _, predicted in sets for p in predicted]
    true = [e.label for e in every]
    metrics.plot_confusion(
        metrics.figures(true, every_pred)["confusion"],
        out / "confusion.png",
        f"{version}: labelled (cv) + replay",
    )
    print(f"model card: {out / 'card.md'}")

    if args.force:
        decision, why = True, "--force"
    elif active is None:
        decision, why = True, "no usable active model"
    else:
        decision = all(ok for ok, _ in verdicts)
        why = "; ".join(w for _, w in verdicts)
    _settle(decision, why, out, active_dir, version)
    _say("done", t0)
    return 0


def _adjust_gate(name: str, candidate: dict, active: dict) -> tuple[bool, str]:
    ok, why = gate(candidate, active)
    if candidate.get("hard_negative_kept", 1.0) < active.get("hard_negative_kept", 1.0):
        ok = False
        why = (
            f"hard negatives kept {candidate['hard_negative_kept']:.2%} vs {active['hard_negative_kept']:.2%}"
        )
    return ok, f"{name}: {why}"


def _predicted(clf: LineClassifier, examples: list[dataset.Example]) -> list[str]:
    return metrics.score_examples(clf, examples).predicted


def print_wrong(examples: list[dataset.Example], predicted: list[str], show: int = 40) -> None:
    """The lines a model got wrong: what they are, what it called them."""
    wrong = [(e, p) for e, p in zip(examples, predicted, strict=True) if p != e.label]
    print(f"  lines wrong: {len(wrong)} of {len(examples)}")
    for e, p in wrong[:show]:
        where = f"page {e.page}, " if e.page is not None else ""
        print(f"    {e.label} called {p}: {e.text[:120]}  [{where}{e.source}]")
    if len(wrong) > show:
        print(f"    ... and {len(wrong) - show} more")


def _adjusted_card(clf: LineClassifier, base: LineClassifier, record: dict) -> str:
    info = clf.meta["adjusted"]
    lines = [
        f"# Model card: {clf.version}",
        "",
        f"Adjusted from `{base.version}` without the training corpora: {info['method']}.",
        f"{info['labelled_lines']} labelled lines (weight {info['correction_weight']}), "
        f"{info['replay_lines']} replay lines (the project's labelled lines, and demo-site and small-corpus "
        f"lines the base model labels with P >= {info['replay_confidence']}). The context stage, "
        "the calibrator and the thresholds are the base model's.",
        "",
        "| set | model | spam+adult kept | content removed | macro F1 | hard negatives kept |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in record.items():
        if not isinstance(entry, dict) or "candidate" not in entry:
            continue
        for who, fig in entry.items():
            hard = f"{fig['hard_negative_kept']:.2%}" if "hard_negative_kept" in fig else ""
            lines.append(
                f"| {name} | {who} | {fig['spam_adult_kept']:.2%} | {fig['content_removed']:.2%} "
                f"| {fig['macro_f1']:.4f} | {hard} |"
            )
    lines += ["", f"Machine: {machine.describe(clf.meta['machine'])}.", ""]
    return "\n".join(lines)


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
