"""How fast is the cleaning chain, where does its time go, and how much memory does it take?

Every figure comes from the same generated page set in one run (bench/pages.py):

- the whole chain (``clean_document``) against trafilatura's extraction alone, in pages/s
  (bench/chain_speed.py);
- a per-step profile (decode, DOM clean, extract, lines, normalise, metadata, classify, assemble;
  the rest is "other"), OpenCC's share, cProfile's hot spots and the calls per page of work that
  should happen once per page, all from one cProfile run (bench/chain_profile.py);
- the classifier's lines/s, batched over all lines, per page, and one line per call;
- peak memory (tracemalloc per page and over the run, and the process's ru_maxrss).

The figures are printed as a table; ``--json OUT`` saves them. There are no thresholds here:
this measures, a reader judges.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

from bench.chain_profile import (
    STEPS,
    hot_spots,
    opencc_share,
    page_lines,
    profile_chain,
    run_classifier,
    run_memory,
    step_shares,
)
from bench.chain_speed import compare_speed, load_classifier, run_chain
from bench.pages import build_pages, describe


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
    run_chain(pages[: min(10, len(pages))], classifier)  # imports, lazy caches: not what a long crawl pays

    speed = compare_speed(pages, classifier, repeat, count, seed)
    chain, traf = speed["chain"], speed["trafilatura"]
    n = len(pages)
    figures["repeat"] = repeat
    for name, r in (("chain", chain), ("trafilatura", traf)):
        figures[name] = {
            "seconds": r["seconds"],
            "pages_per_s": n / r["seconds"],
            "first_pass_seconds": r["first_pass_seconds"],
            "cpu_seconds": r["cpu_seconds"],
            "pages_per_cpu_s": n / r["cpu_seconds"],
        }
    figures["chain"]["outcomes"] = chain["outcomes"]
    figures["trafilatura"].update(empty=traf["empty"], version=traf["version"])
    figures["speed_ratio_chain_over_trafilatura"] = traf["seconds"] / chain["seconds"]
    figures["cpu_speed_ratio_chain_over_trafilatura"] = traf["cpu_seconds"] / chain["cpu_seconds"]
    figures["load_average"] = os.getloadavg()[0]

    stats = profile_chain(pages, classifier)
    steps = step_shares(stats)
    # shares measured under the profiler, applied to the unprofiled best times
    figures["steps_seconds"] = {k: share * chain["seconds"] for k, share in steps["shares"].items()}
    figures["steps_untimed_callees"] = steps["untimed"]
    if "opencc" not in skip:
        figures["opencc"] = opencc_share(stats)
    figures["classifier_throughput"] = run_classifier([page_lines(p) for p in pages], classifier)
    if "memory" not in skip:
        figures["memory"] = run_memory(pages, classifier)
    if "profile" not in skip:
        figures["profile"] = hot_spots(stats, n, profile_top)
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
        "per step (shares of the chain's calls into each step under cProfile, applied to the best times above)\n"
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
            f"OpenCC: {o['share']:.1%} of the chain under cProfile "
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
