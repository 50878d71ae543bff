"""``newsclean eval``: the held-out figures of the active (or a given) model, side by side with
the plain keyword-lexicon filter, plus throughput and the lines it got wrong.

Without the training corpora the held-out split is built from the repository's small corpus
(tests/data_classifier, in a checkout), else the project's own labelled lines are scored."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from newsclean.classifiers import adjust, corpora, dataset, metrics, places
from newsclean.classifiers.baseline import KeywordFilter
from newsclean.classifiers.model import load_classifier
from newsclean.classifiers.shortlines import battery_pages
from newsclean.classifiers.split import sides
from newsclean.classifiers.train import print_wrong
from newsclean.classifiers.wordlists import data_lines
from newsclean.core.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE",
        help="labelled JSON Lines to score (default: the held-out split built from the training data)",
    )
    parser.add_argument("--model", type=Path, help="model bundle folder (default: the active model)")
    parser.add_argument("--data-dir", type=Path, help="training corpora folder (default: ../shared/data)")
    parser.add_argument(
        "--wrong", type=int, default=40, metavar="N", help="list at most N lines it got wrong (default 40)"
    )
    parser.add_argument("--write-held-out", type=Path, metavar="FILE", help=argparse.SUPPRESS)


SMALL_CORPUS_SCALE = 0.1  # 300 held-out pages from the small corpus' test articles


def available_set() -> tuple[list[dataset.Example], str, Path | None]:
    """What there is to evaluate on without the training corpora, and its name."""
    small = adjust.SMALL_CORPUS
    if all((small / name).is_file() for name in corpora.REQUIRED_FILES):
        loaded = corpora.load_corpora(small)
        examples = dataset.build(loaded, scale=SMALL_CORPUS_SCALE, only_test=True).test
        name = (
            f"held-out split of the repository's small corpus {small} ({len(examples)} lines; "
            "no training corpora: not the figures of the README)"
        )
        return examples, name, small
    _, hard_test = adjust.hard_negative_parts()
    examples = [dataset.Example(t, "content", "hard_negative") for t in hard_test]
    for row in data_lines("seed_spam.txt"):
        label, _, text = row.partition("\t")
        examples.append(dataset.Example(text, label, "seed"))
    name = (
        f"the project's labelled lines ({len(examples)}: held-out hard negatives, and the seeds' spam "
        "lines, which the model learned; no training corpora)"
    )
    return examples, name, None


def run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    clf = load_classifier(args.model)
    if args.model is not None:
        print(f"model {clf.version} ({args.model})")
    else:
        path, source = places.default_model()
        print(f"model {clf.version} ({source}: {path or 'unpacked from the package'})")
    data_dir = Path(args.data_dir) if args.data_dir else None
    short = None
    if args.data:
        examples = [e for path in args.data for e in dataset.read_labelled(path)]
        if not examples:
            raise InputError("no labelled lines in " + ", ".join(str(p) for p in args.data))
        name = "labelled lines (" + ", ".join(str(p) for p in args.data) + ")"
        if data_dir is None:
            try:
                data_dir = corpora.default_data_dir()
            except InputError:
                data_dir = None
    elif data_dir is None and not places.has_default_data():
        examples, name, data_dir = available_set()
    else:
        data_dir = data_dir or corpora.default_data_dir()
        loaded = corpora.load_corpora(data_dir)
        scale = float(clf.meta.get("config", {}).get("scale", 1.0))
        examples = dataset.build(loaded, scale=scale, only_test=True).test
        name = f"held-out split ({len(examples)} lines)"
        short = metrics.short_line_figures(clf, battery_pages(sides(loaded)["test"]))
        if args.write_held_out:
            dataset.write_labelled(args.write_held_out, examples)
    print(f"[{time.perf_counter() - t0:6.1f}s] scoring {len(examples)} lines", flush=True)
    scored = metrics.score_examples(clf, examples)
    true = [e.label for e in examples]
    fig = metrics.figures(true, scored.predicted, examples)
    for line in metrics.format_report(f"{name}, model", fig):
        print(line)
    if args.wrong > 0:
        print_wrong(examples, scored.predicted, show=args.wrong)
    if data_dir is not None and any((data_dir / f).is_file() for f in ("lexicon_adult.txt",)):
        kw = KeywordFilter.from_dir(data_dir)
        base = metrics.figures(true, kw.labels(e.text for e in examples), examples)
        for line in metrics.format_report(f"{name}, keyword-lexicon filter", base):
            print(line)
        print("side by side          model    keyword filter")
        for key in ("spam_adult_kept", "content_removed", "hard_negative_kept"):
            if key in fig:
                print(f"  {key:<20} {fig[key]:8.4%} {base.get(key, 0.0):8.4%}")
        print(f"  {'macro_f1':<20} {fig['macro_f1']:8.4f} {base['macro_f1']:8.4f}")
    else:
        print("keyword-lexicon filter skipped: no lexicon files (give --data-dir)")
    if short is not None:
        for line in metrics.format_short_lines(short):
            print(line)
    print(
        f"throughput: {len(examples) / max(scored.seconds, 1e-9):,.0f} lines/s "
        f"({len(examples)} lines in {scored.seconds:.2f}s)"
    )
    return 0
