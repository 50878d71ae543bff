"""Throughput of a distributed crawl: 1 worker against 2 (or more) sharing one Redis.

Serves a generated fixture site (bench/site) on 127.0.0.1, starts a throw-away redis-server
(Debian's ``redis-server``), and for each worker count runs that many ``newsclean crawl`` worker
subprocesses with the same sources, the same Redis URL and their own output folders.

The clock runs from the start of the workers to the last article line written (the newest
output file's modification time), so the idle timeout at the end is not counted; start-up is.
Pages per second counts every response the workers received (lists, sitemaps, feed, articles).
Each configuration is run ``--repeat`` times on a fresh Redis database; the best run is shown.

Prints a table (``--json OUT`` saves the figures). No thresholds: this measures, a reader judges.
Run: ``python -m bench.distributed_bench [--pages 600] [--workers 1,2]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from bench.crawl_bench import ROOT, child_env, make_site
from bench.redis_server import RedisServer
from bench.site.command import crawl_command
from bench.site.server import FixtureServer

# No AutoThrottle (it would measure its own delays); the project's concurrency otherwise.
BENCH_SETTINGS = {"AUTOTHROTTLE_ENABLED": "False", "RETRY_TIMES": "0", "DOWNLOAD_TIMEOUT": "5"}
IDLE_TIMEOUT = 3.0


def worker_cmd(sources: Path, out: Path, redis_url: str, extra: dict[str, str]) -> list[str]:
    more = ("--redis", redis_url, "--idle-timeout", str(IDLE_TIMEOUT), "-q")
    return crawl_command(sources, out, *more, settings={**BENCH_SETTINGS, **extra})


def summary_number(stdout: str, label: str) -> int:
    for line in stdout.splitlines():
        if line.strip().startswith(label):
            return int(line.split()[len(label.split())])
    return 0


def run_workers(n: int, sources: Path, work: Path, redis_url: str, extra: dict[str, str]) -> dict:
    redis.Redis.from_url(redis_url).flushdb()
    outs = [work / f"w{n}-{i}-{time.monotonic_ns()}" for i in range(n)]
    env = child_env()
    t0 = time.time()
    procs = [
        subprocess.Popen(
            worker_cmd(sources, out, redis_url, extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for out in outs
    ]
    results = [p.communicate() for p in procs]
    wall = time.time() - t0
    for p, (out, err) in zip(procs, results, strict=True):
        if p.returncode != 0:
            raise SystemExit(f"worker failed ({p.returncode}): {err.strip().splitlines()[-1:]}\n{out}")
    files = [f for out in outs for f in out.glob("*.jsonl")]
    if not files:
        raise SystemExit("no article written: is the classifier model there? (newsclean train)")
    last_write = max(f.stat().st_mtime for f in files)
    articles = sum(1 for f in files for line in f.open("rb") if line.strip())
    pages = sum(summary_number(out, "pages fetched") for out, _ in results)
    seconds = last_write - t0
    return {
        "workers": n,
        "pages": pages,
        "articles": articles,
        "seconds": round(seconds, 2),
        "wall_seconds": round(wall, 2),
        "pages_per_s": round(pages / seconds, 1),
        "articles_per_s": round(articles / seconds, 1),
        "pages_per_worker": [summary_number(out, "pages fetched") for out, _ in results],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=600, help="size of the generated site (default 600)")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare (default 1,2)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per worker count; the best is shown")
    parser.add_argument("--model", help="classifier bundle (default: the bundled active model)")
    parser.add_argument(
        "--cleaner", help="dotted path of another cleaning function: measures the crawl machinery alone"
    )
    parser.add_argument("--json", metavar="OUT", help="also save the figures as JSON")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.workers.split(",") if c.strip()]
    load_before = os.getloadavg()[0]  # other work on the machine shares its CPUs
    extra: dict[str, str] = {}
    if args.model:
        extra["NEWSCLEAN_MODEL"] = args.model
    if args.cleaner:
        extra.update(NEWSCLEAN_CLEANER=args.cleaner, NEWSCLEAN_LOAD_CLASSIFIER="False")

    with tempfile.TemporaryDirectory(prefix="newsclean-dbench-") as tmp:
        work = Path(tmp)
        site_root = make_site(work, args.pages)
        server_dir = work / "redis"
        server_dir.mkdir()
        redis_server = RedisServer(server_dir)
        redis_server.start()
        try:
            with FixtureServer(site_root, slow_seconds=0.5) as site:
                sources = work / "sources.toml"
                sources.write_text(
                    f'[[site]]\nname = "bench"\nstart_urls = ["{site.origin}/"]\n'
                    'article_url_pattern = "/news/\\\\d+\\\\.html$"\nmax_pages = 100000\n',
                    "utf-8",
                )
                rows = []
                for n in counts:
                    runs = [
                        run_workers(n, sources, work, redis_server.url, extra) for _ in range(args.repeat)
                    ]
                    rows.append(max(runs, key=lambda r: r["pages_per_s"]))
        finally:
            redis_server.stop()

    base = rows[0]["pages_per_s"]
    print(
        f"distributed crawl, {args.pages}-page site, {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"load average before {load_before:.2f}" + (f", cleaner {args.cleaner}" if args.cleaner else "")
    )
    print(
        f"{'workers':>7} {'pages':>6} {'articles':>8} {'seconds':>8} {'pages/s':>8} {'articles/s':>10} {'speed-up':>8}"
    )
    for r in rows:
        print(
            f"{r['workers']:>7} {r['pages']:>6} {r['articles']:>8} {r['seconds']:>8.2f} {r['pages_per_s']:>8.1f} "
            f"{r['articles_per_s']:>10.1f} {r['pages_per_s'] / base:>7.2f}x"
        )
    print("seconds: from the workers' start to the last article written (start-up included, idle end not)")
    print("pages fetched per worker: " + "; ".join(f"{r['workers']}: {r['pages_per_worker']}" for r in rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"pages": args.pages, "rows": rows}, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
