"""How fast is the cleaning chain, where does its time go, and how much memory does it take?

Every figure comes from the same generated page set in one run (bench/pages.py):

- the whole chain (``clean_document``) against trafilatura's extraction alone, in pages/s;
- a per-step profile: clean_document runs with each step function it calls wrapped in a timer
  (decode, DOM clean, extract, lines, normalise, metadata, classify, assemble; the rest is "other");
- OpenCC's share of the chain's time (converter construction and conversion, counted apart);
- the classifier's lines/s, batched over all lines, per page, and one line per call;
- peak memory (tracemalloc per page and over the run, and the process's ru_maxrss);
- cProfile's hot spots and the calls per page of work that should happen once per page.

The figures are printed as a table; ``--json OUT`` saves them. There are no thresholds here:
this measures, a reader judges.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from bench.pages import BenchPage, build_pages, describe

STEPS = ["decode", "dom_clean", "extract", "lines", "normalise", "metadata", "classify", "assemble", "other"]

# Work that should happen at most once per page (or once per run): name fragments of functions
# counted in the cProfile run. More calls per page than expected means repeated work.
WATCHED_CALLS = {
    "BeautifulSoup.__init__": ("bs4/__init__.py", "__init__"),
    "lxml HTML parse (fromstring/document_fromstring)": ("lxml/html/__init__.py", "document_fromstring"),
    "OpenCC() construction": ("opencc/__init__.py", "__init__"),
    "OpenCC.convert": ("opencc/__init__.py", "convert"),
    "langdetect detect": ("langdetect/detector_factory.py", "detect"),
    "langdetect detect_langs": ("langdetect/detector_factory.py", "detect_langs"),
    "w3lib html_to_unicode": ("w3lib/encoding.py", "html_to_unicode"),
}


@dataclass
class Timer:
    """Accumulates wall time per named section; a section inside another counts for the outer one."""

    totals: Counter = field(default_factory=Counter)
    depth: int = 0

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        if self.depth:
            yield
            return
        self.depth += 1
        start = time.perf_counter()
        try:
            yield
        finally:
            self.totals[name] += time.perf_counter() - start
            self.depth -= 1


# ------------------------------------------------------------------ the chain and its steps


def load_classifier(model: str | None = None):
    from newsclean.classifiers.model import load_classifier as load

    return load(model)


def run_chain(pages: list[BenchPage], classifier) -> dict:
    """Clean every page with clean_document; time, outcome counts and the articles' paragraphs."""
    from newsclean.chain import clean_document
    from newsclean.core.errors import NewscleanError

    outcomes: Counter = Counter()
    paragraphs: dict[str, list[str] | None] = {}
    start = time.perf_counter()
    for page in pages:
        try:
            article = clean_document(
                page.data, url=page.url, content_type=page.content_type, classifier=classifier
            )
        except NewscleanError as err:
            outcomes[type(err).__name__] += 1
            paragraphs[page.name] = None
        else:
            outcomes["ok"] += 1
            paragraphs[page.name] = article["paragraphs"]
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "outcomes": dict(outcomes), "paragraphs": paragraphs}


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
        "from bench.chain_bench import run_trafilatura\n"
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
    from newsclean.chain import clean_document
    from newsclean.core.errors import NewscleanError

    def chain(page: BenchPage):
        try:
            article = clean_document(
                page.data, url=page.url, content_type=page.content_type, classifier=classifier
            )
        except NewscleanError as err:
            return type(err).__name__, None
        return "ok", article["paragraphs"]

    timed = best_times(pages, chain, repeat)
    results = timed.pop("results")
    timed["outcomes"] = dict(Counter(outcome for outcome, _ in results))
    timed["paragraphs"] = {page.name: kept for page, (_, kept) in zip(pages, results, strict=True)}
    return {"chain": timed, "trafilatura": run_trafilatura_apart(count, seed, repeat)}


# The functions clean_document calls, by the step they belong to. They are timed by wrapping them
# where chain.py looks them up (its module namespace) while clean_document itself runs, so the
# profile follows chain.py as it changes; whatever is not wrapped shows up as "other".
STEP_OF = {
    "decode_bytes": "decode",
    "looks_like_html": "decode",
    "clean_dom": "dom_clean",
    "extract_html": "extract",
    "extract_text": "extract",
    "to_lines": "lines",
    "unreadable_lines": "lines",
    "normalise_lines": "normalise",
    "normalise_meta": "normalise",
    "split_metadata": "metadata",
    "decide": "classify",
    "_vet_short_texts": "classify",
    "build_article": "assemble",
    "_converted": "assemble",
    "traditional_chars": "assemble",
    "_page_order": "assemble",
    "_no_article_message": "assemble",
}


@contextmanager
def timed_steps(timer: Timer, seen_lines: list | None = None) -> Iterator[list[str]]:
    """Wrap chain.py's step functions with timers for the duration; yields the untimed callees."""
    import newsclean.chain as chain

    saved = {name: getattr(chain, name) for name in STEP_OF if hasattr(chain, name)}

    def wrap(name: str, fn: Callable) -> Callable:
        step = STEP_OF[name]

        def timed(*args, **kwargs):
            if name == "decide" and seen_lines is not None and args:
                seen_lines.append(list(args[0]))
            with timer.section(step):
                return fn(*args, **kwargs)

        return timed

    for name, fn in saved.items():
        setattr(chain, name, wrap(name, fn))
    try:
        yield untimed_callees(chain)
    finally:
        for name, fn in saved.items():
            setattr(chain, name, fn)


def untimed_callees(chain) -> list[str]:
    """Project functions chain.py imports or defines that no step claims (a new step, say)."""
    names = []
    for name, obj in vars(chain).items():
        module = getattr(obj, "__module__", "") or ""
        if (
            callable(obj)
            and not isinstance(obj, type)
            and name not in STEP_OF
            and name != "clean_document"
            and module.startswith(("pipelines.", "newsclean.", "classifiers."))
            and getattr(obj, "__name__", "") != "timed"
        ):
            names.append(name)
    return sorted(names)


def run_step_profile(pages: list[BenchPage], classifier, repeat: int = 3) -> dict:
    """Seconds per step over all pages: for each page and step, the best of ``repeat`` runs.

    ``other`` is clean_document's own time outside the wrapped steps (its glue code).
    """
    from newsclean.chain import clean_document
    from newsclean.core.errors import NewscleanError

    totals: Counter = Counter()
    batches: list[list] = []
    untimed_names: list[str] = []
    for page in pages:
        best: dict[str, float] = {}
        for r in range(max(1, repeat)):
            timer = Timer()
            seen: list = []
            with timed_steps(timer, seen if r == 0 else None) as untimed:
                start = time.perf_counter()
                with suppress(NewscleanError):
                    clean_document(
                        page.data, url=page.url, content_type=page.content_type, classifier=classifier
                    )
                whole = time.perf_counter() - start
            timer.totals["other"] += max(0.0, whole - sum(timer.totals.values()))
            for step, sec in timer.totals.items():
                best[step] = min(best.get(step, float("inf")), sec)
            if r == 0:
                batches.extend(b for b in seen if b)
                untimed_names = untimed
        totals.update(best)
    lines = [line for batch in batches for line in batch]
    return {"seconds": dict(totals), "lines": lines, "batches": batches, "untimed": untimed_names}


@contextmanager
def opencc_clock() -> Iterator[Counter]:
    """Time spent inside OpenCC, counted by patching its Python class for the duration."""
    import opencc

    cls = opencc.OpenCC
    spent: Counter = Counter()
    orig_init, orig_convert = cls.__init__, cls.convert

    def timed(name: str, fn: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name + "_seconds"] += time.perf_counter() - start
                spent[name + "_calls"] += 1

        return wrapper

    cls.__init__ = timed("construct", orig_init)
    cls.convert = timed("convert", orig_convert)
    try:
        yield spent
    finally:
        cls.__init__, cls.convert = orig_init, orig_convert


def run_opencc_share(pages: list[BenchPage], classifier) -> dict:
    with opencc_clock() as spent:
        chain = run_chain(pages, classifier)
    inside = spent["construct_seconds"] + spent["convert_seconds"]
    return {
        "chain_seconds": chain["seconds"],
        "opencc_seconds": inside,
        "share": inside / chain["seconds"] if chain["seconds"] else 0.0,
        **{k: v for k, v in spent.items()},
    }


def run_classifier(lines: list, batches: list[list], classifier, single_sample: int = 300) -> dict:
    """Lines/s of classifier.predict: one batch of every line, one call per page, one per line."""
    if not lines:
        return {"lines": 0}
    out: dict = {"lines": len(lines)}
    start = time.perf_counter()
    classifier.predict(lines)
    out["batched_lines_per_s"] = len(lines) / (time.perf_counter() - start)
    start = time.perf_counter()
    for batch in batches:
        classifier.predict(batch)
    out["per_page_lines_per_s"] = len(lines) / (time.perf_counter() - start)
    sample = lines[:single_sample]
    start = time.perf_counter()
    for line in sample:
        classifier.predict([line])
    out["one_per_call_lines_per_s"] = len(sample) / (time.perf_counter() - start)
    return out


def run_memory(pages: list[BenchPage], classifier) -> dict:
    """tracemalloc's peak for the worst single page and over the whole run, plus ru_maxrss."""
    from newsclean.chain import clean_document
    from newsclean.core.errors import NewscleanError

    gc.collect()
    tracemalloc.start()
    worst, worst_name = 0, ""
    base = tracemalloc.get_traced_memory()[0]
    for page in pages:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        with suppress(NewscleanError):
            clean_document(page.data, url=page.url, content_type=page.content_type, classifier=classifier)
        peak = tracemalloc.get_traced_memory()[1] - before
        if peak > worst:
            worst, worst_name = peak, page.name
    current = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "peak_per_page_bytes": worst,
        "peak_page": worst_name,
        "retained_after_run_bytes": current - base,
        "ru_maxrss_bytes": maxrss_kb * 1024,
    }


# ------------------------------------------------------------------ profile


def run_profile(pages: list[BenchPage], classifier, top: int = 25) -> dict:
    """cProfile over the chain: hot spots by own time and cumulative time, watched calls per page."""
    from newsclean.chain import clean_document
    from newsclean.core.errors import NewscleanError

    prof = cProfile.Profile()
    prof.enable()
    for page in pages:
        with suppress(NewscleanError):
            clean_document(page.data, url=page.url, content_type=page.content_type, classifier=classifier)
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt  # type: ignore[attr-defined]
    entries = stats.stats  # type: ignore[attr-defined]

    def row(key, value) -> dict:
        _cc, nc, tt, ct, _callers = value
        filename, lineno, func = key
        return {"function": f"{_short(filename)}:{lineno}({func})", "calls": nc, "own_s": tt, "cum_s": ct}

    by_own = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    by_cum = sorted(entries.items(), key=lambda kv: kv[1][3], reverse=True)
    project = [kv for kv in by_cum if _is_project(kv[0][0])][:top]
    watched = {}
    for label, (path_part, func) in WATCHED_CALLS.items():
        calls = sum(v[1] for k, v in entries.items() if k[0].endswith(path_part) and k[2] == func)
        watched[label] = calls / max(1, len(pages))
    return {
        "total_seconds": total,
        "by_own_time": [row(k, v) for k, v in by_own],
        "project_by_cumulative": [row(k, v) for k, v in project],
        "calls_per_page": watched,
    }


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/work/main/", str(Path(__file__).resolve().parents[1]) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _is_project(filename: str) -> bool:
    root = str(Path(__file__).resolve().parents[1])
    return filename.startswith(root) and "/bench/" not in filename


# ------------------------------------------------------------------ report


def run(
    count: int,
    seed: int,
    model: str | None,
    profile_top: int,
    skip: set[str],
    repeat: int = 3,
    blas_threads: int | None = None,
) -> dict:
    pages = build_pages(count, seed)
    classifier = load_classifier(model)
    if blas_threads:  # after the model: the BLAS library must be loaded to be limited
        from threadpoolctl import ThreadpoolController

        ThreadpoolController().limit(limits=blas_threads, user_api="blas")
    figures: dict = {
        "pages": describe(pages),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "classifier": classifier.version,
        "blas_threads": _blas_threads(),
    }
    warm = pages[: min(10, len(pages))]
    run_chain(warm, classifier)  # imports, lazy caches and converters: not what a long crawl pays

    speed = compare_speed(pages, classifier, repeat, count, seed)
    chain, traf = speed["chain"], speed["trafilatura"]
    n = len(pages)
    figures["repeat"] = repeat
    figures["chain"] = {
        "seconds": chain["seconds"],
        "pages_per_s": n / chain["seconds"],
        "first_pass_seconds": chain["first_pass_seconds"],
        "cpu_seconds": chain["cpu_seconds"],
        "pages_per_cpu_s": n / chain["cpu_seconds"],
        "outcomes": chain["outcomes"],
    }
    figures["trafilatura"] = {
        "seconds": traf["seconds"],
        "pages_per_s": n / traf["seconds"],
        "first_pass_seconds": traf["first_pass_seconds"],
        "cpu_seconds": traf["cpu_seconds"],
        "pages_per_cpu_s": n / traf["cpu_seconds"],
        "empty": traf["empty"],
        "version": traf["version"],
    }
    figures["speed_ratio_chain_over_trafilatura"] = traf["seconds"] / chain["seconds"]
    figures["cpu_speed_ratio_chain_over_trafilatura"] = traf["cpu_seconds"] / chain["cpu_seconds"]
    figures["load_average"] = os.getloadavg()[0]

    steps = run_step_profile(pages, classifier, repeat)
    figures["steps_seconds"] = steps["seconds"]
    figures["steps_untimed_callees"] = steps["untimed"]
    if "opencc" not in skip:
        figures["opencc"] = run_opencc_share(pages, classifier)
    figures["classifier_throughput"] = run_classifier(steps["lines"], steps["batches"], classifier)
    if "memory" not in skip:
        figures["memory"] = run_memory(pages, classifier)
    if "profile" not in skip:
        figures["profile"] = run_profile(pages, classifier, profile_top)
    return figures


def _blas_threads() -> dict[str, int]:
    """Threads of the BLAS libraries numpy/scipy loaded: extra threads spin on tiny products."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {}
    return {f"{i['internal_api']} ({i['user_api']})": i["num_threads"] for i in threadpool_info()}


def print_report(f: dict, out=sys.stdout) -> None:
    p = f["pages"]
    w = out.write
    w(
        f"newsclean chain benchmark: {p['pages']} pages, {p['bytes_total'] / 1e6:.1f} MB "
        f"(median {p['bytes_median'] / 1024:.0f} KiB, max {p['bytes_max'] / 1024:.0f} KiB; "
        f"{p['fixture_pages']} fixture pages, {p['text_dumps']} text dumps); "
        f"Python {f['python']}, model {f['classifier']}, BLAS threads {f.get('blas_threads') or 'unknown'}\n\n"
    )
    c, t = f["chain"], f["trafilatura"]
    w(f"speed: each page's best of {f.get('repeat', 1)} runs; trafilatura in a separate process\n")
    w(f"{'':30}{'wall s':>9}{'pages/s':>9}{'CPU s':>9}{'pages/CPU s':>13}{'1st pass s':>12}\n")
    for label, r in (("clean_document (whole chain)", c), ("trafilatura.extract " + t["version"], t)):
        w(
            f"{label:30}{r['seconds']:>9.2f}{r['pages_per_s']:>9.1f}{r['cpu_seconds']:>9.2f}"
            f"{r['pages_per_cpu_s']:>13.1f}{r['first_pass_seconds']:>12.2f}\n"
        )
    w(f"  chain outcomes {c['outcomes']}; trafilatura found nothing on {t['empty']} pages\n")
    w(
        f"ratio chain / trafilatura: {f['speed_ratio_chain_over_trafilatura']:.2f}x by wall time, "
        f"{f['cpu_speed_ratio_chain_over_trafilatura']:.2f}x by CPU time (aim >= 1.00x); "
        f"load average {f['load_average']:.1f} on {os.cpu_count()} cores\n\n"
    )

    s = f["steps_seconds"]
    total = sum(s.values()) or 1.0
    w(
        f"per step (each page's best of {f.get('repeat', 1)} runs; clean_document with its step functions timed)\n"
    )
    w(f"{'step':20}{'seconds':>10}{'share':>8}{'ms/page':>10}\n")
    for name in STEPS:
        sec = s.get(name, 0.0)
        w(f"{name:20}{sec:>10.2f}{sec / total:>8.1%}{1000 * sec / p['pages']:>10.2f}\n")
    w(f"{'total':20}{total:>10.2f}\n")
    if f.get("steps_untimed_callees"):
        w(
            f"  (counted in 'other': chain.py calls {', '.join(f['steps_untimed_callees'])}, which no step claims)\n"
        )
    w("\n")
    if "opencc" in f:
        o = f["opencc"]
        w(
            f"OpenCC: {o['opencc_seconds']:.3f} s of {o['chain_seconds']:.2f} s = {o['share']:.1%} of the chain "
            f"(construct {o.get('construct_calls', 0)} x, {o.get('construct_seconds', 0.0):.3f} s; "
            f"convert {o.get('convert_calls', 0)} x, {o.get('convert_seconds', 0.0):.3f} s)\n"
        )
    k = f["classifier_throughput"]
    if k.get("lines"):
        w(
            f"classifier: {k['lines']} lines; batched {k['batched_lines_per_s']:,.0f} lines/s, "
            f"one call per page {k['per_page_lines_per_s']:,.0f} lines/s, "
            f"one line per call {k['one_per_call_lines_per_s']:,.0f} lines/s\n"
        )
    if "memory" in f:
        m = f["memory"]
        w(
            f"memory: tracemalloc peak {m['peak_per_page_bytes'] / 2**20:.1f} MiB for one page ({m['peak_page']}), "
            f"{m['retained_after_run_bytes'] / 2**20:.1f} MiB retained after the run; "
            f"process ru_maxrss {m['ru_maxrss_bytes'] / 2**20:.0f} MiB\n"
        )
    if "profile" in f:
        pr = f["profile"]
        w(f"\ncProfile (total {pr['total_seconds']:.2f} s, profiler overhead included); calls per page:\n")
        for label, per in pr["calls_per_page"].items():
            w(f"  {label:52}{per:>8.2f}\n")
        w("\nhot spots by own time:\n")
        w(f"  {'own s':>7} {'cum s':>7} {'calls':>9}  function\n")
        for r in pr["by_own_time"]:
            w(f"  {r['own_s']:>7.2f} {r['cum_s']:>7.2f} {r['calls']:>9}  {r['function']}\n")
        w("\nproject functions by cumulative time:\n")
        for r in pr["project_by_cumulative"]:
            w(f"  {r['own_s']:>7.2f} {r['cum_s']:>7.2f} {r['calls']:>9}  {r['function']}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=300, help="number of pages (default 300)")
    parser.add_argument("--seed", type=int, default=20250702, help="page generator seed")
    parser.add_argument("--model", help="classifier model file (default: the bundled active model)")
    parser.add_argument("--json", metavar="OUT", help="also save the figures as JSON")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per page for the speed comparison; the best counts (default 3)",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        metavar="N",
        help="limit numpy's BLAS to N threads for the run (shows what a limit in the code would gain)",
    )
    parser.add_argument("--top", type=int, default=25, help="hot spots to list (default 25)")
    parser.add_argument(
        "--skip", action="append", default=[], choices=["opencc", "memory", "profile"], help="skip a part"
    )
    args = parser.parse_args(argv)
    from newsclean.core.errors import NewscleanError

    try:
        figures = run(
            args.pages, args.seed, args.model, args.top, set(args.skip), args.repeat, args.blas_threads
        )
    except NewscleanError as err:
        print(f"bench: {err}", file=sys.stderr)
        return err.exit_code
    print_report(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"\nfigures saved to {args.json}")
    return 0
