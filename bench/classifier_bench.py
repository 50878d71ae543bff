"""Throughput of the bundled line classifier (target: >= 20,000 lines/s).

Scores the held-out pages built from the shared corpora (or, without them, from the small
hand-written test corpus) page by page as the cleaning chain does, then the same lines in one
batch, then isolated lines through predict_texts. Prints lines/s for each; best of --repeat runs.

    python bench/classifier_bench.py [--model DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsclean.classifiers import corpora, dataset  # noqa: E402
from newsclean.classifiers.model import load_classifier  # noqa: E402
from newsclean.core.errors import InputError  # noqa: E402

TARGET = 20_000


def _pages(scale: float) -> tuple[list[list], str]:
    try:
        data_dir = corpora.default_data_dir()
        name = "held-out pages from the shared corpora"
    except InputError:
        data_dir = ROOT / "tests" / "data_classifier"
        scale = 0.05
        name = "pages from the small test corpus"
    test = dataset.build(corpora.load_corpora(data_dir), scale=scale, only_test=True).test
    pages: dict[str, list] = {}
    for e in test:
        if e.page is not None:
            pages.setdefault(e.page, []).append(e.line)
    return list(pages.values()), name


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model bundle folder (default: the active model)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    clf = load_classifier(args.model)
    load_s = time.perf_counter() - t0
    pages, name = _pages(float(clf.meta.get("config", {}).get("scale", 1.0)))
    n = sum(len(p) for p in pages)
    texts = [line.text for p in pages for line in p]
    print(f"model {clf.version} loaded in {load_s:.2f}s; {len(pages)} {name}, {n} lines")

    per_page = _best(lambda: [clf.predict(p) for p in pages], args.repeat)
    batched = _best(lambda: clf.predict_pages_proba(pages), args.repeat)
    isolated = _best(lambda: clf.predict_texts(texts), args.repeat)
    for label, secs in (
        ("predict, page by page", per_page),
        ("predict, all pages in one batch", batched),
        ("predict_texts, isolated lines", isolated),
    ):
        rate = n / secs
        flag = "ok" if rate >= TARGET else f"BELOW {TARGET}"
        print(f"{label:<34} {rate:>10,.0f} lines/s  ({secs:.2f}s)  {flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
