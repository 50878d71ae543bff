"""The chain's speed against trafilatura's, on the same pages, each page's best of a few runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.pages import BenchPage


def load_classifier(model: str | None = None):
    from newsclean.classifiers.model import load_classifier as load

    return load(model)


def clean_one(page: BenchPage, classifier) -> tuple[str, list[str] | None]:
    """One page through clean_document: its outcome (``ok`` or the error's name) and paragraphs."""
    from newsclean.chain import clean_document
    from newsclean.classifiers.spin_model import load_spin_model
    from newsclean.core.errors import NewscleanError

    try:  # with 伪原创 detection, as `newsclean clean` runs it
        article = clean_document(
            page.data,
            url=page.url,
            content_type=page.content_type,
            classifier=classifier,
            spin=load_spin_model(),
        )
    except NewscleanError as err:
        return type(err).__name__, None
    return "ok", article["paragraphs"]


def run_chain(pages: list[BenchPage], classifier) -> float:
    """Clean every page once; the wall seconds it took."""
    start = time.perf_counter()
    for page in pages:
        clean_one(page, classifier)
    return time.perf_counter() - start


def best_times(pages: list[BenchPage], work: Callable[[BenchPage], object], repeat: int) -> dict:
    """Each page's best wall and CPU time over ``repeat`` runs of ``work``, plus the first results.

    CPU time (this process, all its threads) is what other jobs on a shared machine change least;
    the best of a few runs drops the moments when something else had the CPU.
    """
    n = len(pages)
    best_wall, best_cpu = [float("inf")] * n, [float("inf")] * n
    first_wall, results = 0.0, []
    for r in range(max(1, repeat)):
        for i, page in enumerate(pages):
            w0, c0 = time.perf_counter(), time.process_time()
            result = work(page)
            w1, c1 = time.perf_counter(), time.process_time()
            best_wall[i], best_cpu[i] = min(best_wall[i], w1 - w0), min(best_cpu[i], c1 - c0)
            if r == 0:
                first_wall += w1 - w0
                results.append(result)
    return {
        "seconds": sum(best_wall),
        "cpu_seconds": sum(best_cpu),
        "first_pass_seconds": first_wall,
        "results": results,
    }


def run_trafilatura(pages: list[BenchPage], repeat: int = 3) -> dict:
    """trafilatura.extract on the same bytes (it decodes them itself): extraction only."""
    import trafilatura

    trafilatura.extract(pages[0].data, url=pages[0].url)  # warm up
    timed = best_times(pages, lambda page: bool(trafilatura.extract(page.data, url=page.url)), repeat)
    return {
        "seconds": timed["seconds"],
        "cpu_seconds": timed["cpu_seconds"],
        "first_pass_seconds": timed["first_pass_seconds"],
        "empty": sum(not found for found in timed["results"]),
        "version": trafilatura.__version__,
    }


def run_trafilatura_apart(count: int, seed: int, repeat: int) -> dict:
    """trafilatura in a child process that never loads numpy's BLAS or the classifier.

    In one process, the BLAS threads woken by the classifier keep spinning for a while after each
    product and their CPU time lands on whatever runs next: measured side by side in-process,
    trafilatura looked 1.5x slower than it is.
    """
    code = (
        "import json, sys\n"
        "from bench.chain_speed import run_trafilatura\n"
        "from bench.pages import build_pages\n"
        "count, seed, repeat = map(int, sys.argv[1:4])\n"
        "print(json.dumps(run_trafilatura(build_pages(count, seed), repeat)))\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(
        [sys.executable, "-c", code, str(count), str(seed), str(repeat)],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"trafilatura run failed: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare_speed(pages: list[BenchPage], classifier, repeat: int, count: int, seed: int) -> dict:
    """The whole chain in this process and trafilatura in a clean child, on the same pages."""
    timed = best_times(pages, lambda page: clean_one(page, classifier), repeat)
    results = timed.pop("results")
    timed["outcomes"] = dict(Counter(outcome for outcome, _ in results))
    timed["paragraphs"] = {page.name: kept for page, (_, kept) in zip(pages, results, strict=True)}
    return {"chain": timed, "trafilatura": run_trafilatura_apart(count, seed, repeat)}
