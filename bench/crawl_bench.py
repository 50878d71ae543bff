"""How fast does the scheduled crawl go, compared with Scrapy doing nothing, and how much memory?

Serves a generated fixture site (bench/site) on 127.0.0.1 and runs, each in its own subprocess:

- ``newsclean crawl`` over a site of ``--pages`` pages (default 2,000);
- a no-op Scrapy spider over the same site with the same settings (follows every link, cleans and
  writes nothing): the ceiling set by Scrapy, the local server and the machine;
- ``newsclean crawl`` on sites of 1,000 and 10,000 pages for peak memory (``ru_maxrss`` of the
  crawl subprocess, from ``os.wait4``).

Prints a table (``--json OUT`` saves the figures); CPU is given in total (the crawl process and its
cleaning workers) and for the crawl's own process (the reactor: downloads, spider, pipelines). No thresholds: this measures, a reader judges.
Run: ``python -m bench.crawl_bench`` (add ``--model DIR`` to use another classifier bundle;
``CRAWL_BENCH_SET="NAME=VALUE ..."`` adds Scrapy settings to both crawlers, to try a change).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.site.command import crawl_command
from bench.site.generator import build_site
from bench.site.server import FixtureServer

ROOT = Path(__file__).resolve().parents[1]  # the children run from the checkout they came from

# The same settings for both crawlers: no AutoThrottle (it would measure its own delays), the
# project's concurrency and robots.txt handling otherwise.
BENCH_SETTINGS = {"AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "INFO", "RETRY_TIMES": "0"}
BENCH_SETTINGS.update(
    dict(kv.split("=", 1) for kv in os.environ.get("CRAWL_BENCH_SET", "").split() if "=" in kv)
)

NOOP_CHILD = r"""
import json, re, sys, time
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

class NoopSpider(scrapy.Spider):
    # fetches what the news spider fetches (links, robots.txt sitemaps, feeds), does nothing else

    name = "noop"

    def __init__(self, start, **kw):
        super().__init__(**kw)
        self.start_urls = [start, start + "robots.txt", start + "sitemap.xml"]
        self.allowed_domains = ["127.0.0.1"]

    def parse(self, response):
        if response.url.endswith("robots.txt"):
            urls = re.findall(r"(?im)^sitemap:\s*(\S+)", response.text)
        elif isinstance(response, scrapy.http.XmlResponse) or response.url.endswith((".xml", ".rss")):
            urls = re.findall(r"<(?:loc|link)>([^<]+)</", response.text)
        elif isinstance(response, scrapy.http.TextResponse):
            urls = response.css("a::attr(href), link[rel=alternate]::attr(href)").getall()
        else:
            urls = []
        for url in urls:
            yield response.follow(url, callback=self.parse)

settings = Settings()
settings.setmodule("newsclean.crawling.settings", priority="project")
settings.set("ITEM_PIPELINES", {}, priority="cmdline")
for item in sys.argv[3:]:
    k, _, v = item.partition("=")
    settings.set(k, v, priority="cmdline")
settings.set("LOG_FILE", sys.argv[2], priority="cmdline")
process = CrawlerProcess(settings)
crawler = process.create_crawler(NoopSpider)
t0 = time.monotonic()
process.crawl(crawler, start=sys.argv[1])
process.start()
stats = crawler.stats.get_stats()
print(json.dumps({"seconds": time.monotonic() - t0, "pages": stats.get("response_received_count", 0)}))
"""


# ``newsclean crawl`` as the bench runs it: its own process's CPU (without its cleaning workers)
# goes to the file named by CRAWL_BENCH_RUSAGE as it ends
CRAWL_CHILD = r"""
import json, os, resource, runpy, sys

sys.argv = ["newsclean-crawl", *sys.argv[1:]]
try:
    runpy.run_module("newsclean.commands.crawl", run_name="__main__", alter_sys=True)
finally:
    own = resource.getrusage(resource.RUSAGE_SELF)
    with open(os.environ["CRAWL_BENCH_RUSAGE"], "w", encoding="utf-8") as fh:
        json.dump({"cpu": own.ru_utime + own.ru_stime}, fh)
"""


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[int, str, float, int, float]:
    """Run a child; its exit code, stdout, wall seconds, peak RSS in KiB (Linux ru_maxrss: the
    largest of the child and the processes it waited for, e.g. cleaning workers) and CPU seconds
    (user + system, the child's and its waited-for workers' together)."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return proc.returncode, text, time.monotonic() - t0, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def make_site(base: Path, pages: int) -> Path:
    """A fixture site of about ``pages`` pages (articles plus list pages of 50 links)."""
    root = base / f"site-{pages}"
    n_articles = max(10, int(pages * 50 / 51) - 20)
    build_site(root, n_articles=n_articles, per_list=50)
    return root


def count_pages(root: Path) -> int:
    return sum(1 for p in (root / "www").rglob("*.html"))


def newsclean_crawl(origin: str, work: Path, model: str | None, jobs: int = 0) -> dict:
    sources = work / "sources.toml"
    sources.write_text(
        f'[[site]]\nname = "bench"\nstart_urls = ["{origin}/"]\n'
        'article_url_pattern = "/news/\\\\d+\\\\.html$"\nmax_pages = 100000\n',
        "utf-8",
    )
    out = work / "out"
    cmd = crawl_command(sources, out, "-q", settings={**BENCH_SETTINGS, "NEWSCLEAN_CLEAN_JOBS": str(jobs)})
    if model:
        cmd += ["--model", model]
    child = work / "crawl_child.py"
    child.write_text(CRAWL_CHILD, "utf-8")
    assert cmd[1:3] == ["-m", "newsclean.commands.crawl"]
    cmd[1:3] = [str(child)]
    env = {**child_env(), "CRAWL_BENCH_RUSAGE": str(work / "rusage.json")}
    code, _text, wall, rss, cpu = run_measured(cmd, env)
    summary = json.loads((out / ".state" / "last_run.json").read_text("utf-8")) if code in (0, 1) else {}
    try:
        own_cpu = json.loads((work / "rusage.json").read_text("utf-8"))["cpu"]
    except (OSError, ValueError, KeyError):
        own_cpu = None
    return {
        "exit": code,
        "pages": summary.get("pages_fetched", 0),
        "articles": summary.get("articles_written", 0),
        "seconds": summary.get("seconds", wall),
        "wall": wall,
        "rss_kib": rss,
        "cpu": cpu,
        "crawl_cpu": own_cpu,  # the crawl's own process, without its workers
        "jobs": jobs,
    }


def noop_crawl(origin: str, work: Path) -> dict:
    child = work / "noop_child.py"  # a file, not -c: Scrapy reads callbacks' source
    child.write_text(NOOP_CHILD, "utf-8")
    cmd = [sys.executable, str(child), origin + "/", str(work / "noop.log")]
    cmd += [f"{k}={v}" for k, v in BENCH_SETTINGS.items()]
    code, text, wall, rss, cpu = run_measured(cmd, child_env())
    figures = json.loads(text.strip().splitlines()[-1]) if code == 0 else {"seconds": wall, "pages": 0}
    return {
        "exit": code,
        "pages": figures["pages"],
        "seconds": figures["seconds"],
        "wall": wall,
        "rss_kib": rss,
        "cpu": cpu,
        "crawl_cpu": cpu,  # one process
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="site size for the throughput comparison")
    parser.add_argument("--memory-sizes", default="1000,10000", help="site sizes for peak memory")
    parser.add_argument("--model", help="classifier bundle (default: the bundled active model)")
    parser.add_argument(
        "--jobs",
        default="1,0",
        help="NEWSCLEAN_CLEAN_JOBS values for the throughput comparison (0: one per core; default 1,0)",
    )
    parser.add_argument("--json", metavar="OUT", help="also save the figures as JSON")
    args = parser.parse_args(argv)

    rows: list[dict] = []
    start_load = os.getloadavg()  # other work on the machine moves every figure here
    with tempfile.TemporaryDirectory(prefix="crawl-bench-") as tmp:
        base = Path(tmp)
        sizes = [args.pages] + [int(s) for s in args.memory_sizes.split(",") if s.strip()]
        for i, size in enumerate(dict.fromkeys(sizes)):
            root = make_site(base, size)
            n = count_pages(root)
            with FixtureServer(root, slow_seconds=0.0) as server:
                for jobs in [int(j) for j in args.jobs.split(",")] if i == 0 else [0]:
                    work = base / f"nc-{size}-{jobs}"
                    work.mkdir()
                    nc = newsclean_crawl(server.origin, work, args.model, jobs)
                    rows.append({"crawler": f"newsclean crawl -j {jobs or 'cores'}", "site_pages": n, **nc})
                    print(_row(rows[-1]), file=sys.stderr, flush=True)
                if i == 0:
                    work = base / f"noop-{size}"
                    work.mkdir()
                    noop = noop_crawl(server.origin, work)
                    rows.append({"crawler": "no-op Scrapy spider", "site_pages": n, **noop})
                    print(_row(rows[-1]), file=sys.stderr, flush=True)
    print(table(rows, start_load))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", "utf-8")
    return 0


def _rate(r: dict) -> float:
    return r["pages"] / r["seconds"] if r["seconds"] else 0.0


def _row(r: dict) -> str:
    cpu_ms = 1000 * r["cpu"] / r["pages"] if r["pages"] else 0.0
    own = r.get("crawl_cpu")
    own_ms = f"{1000 * own / r['pages']:.1f}" if own is not None and r["pages"] else "-"
    return (
        f"{r['crawler']:<24} {r['site_pages']:>10} {r['pages']:>8} {r.get('articles', '-')!s:>9} "
        f"{r['seconds']:>9.1f} {_rate(r):>8.1f} {cpu_ms:>11.1f} {own_ms:>10} {r['rss_kib'] / 1024:>9.0f} "
        f"{r['exit']:>5}"
    )


def table(rows: list[dict], start_load: tuple[float, ...] | None = None) -> str:
    head = (
        f"{'crawler':<24} {'site pages':>10} {'fetched':>8} {'articles':>9} {'seconds':>9} "
        f"{'pages/s':>8} {'CPU ms/page':>11} {'crawl proc':>10} {'peak MiB':>9} {'exit':>5}"
    )
    lines = [head, "-" * len(head), *(_row(r) for r in rows)]
    noop = next((r for r in rows if r["crawler"] == "no-op Scrapy spider"), None)
    for nc in [
        r
        for r in rows
        if r["crawler"].startswith("newsclean crawl") and noop and r["site_pages"] == noop["site_pages"]
    ]:
        if _rate(noop):
            lines.append(
                f"{nc['crawler']} runs at {_rate(nc) / _rate(noop):.2f} x the no-op spider's pages/s "
                f"on the {nc['site_pages']}-page site (same settings, same server)"
            )
    lines.append(
        f"cores: {os.cpu_count()}; CPU ms/page counts the crawl process and its cleaning workers, "
        "crawl proc the crawl process alone"
    )
    loads = [("start", start_load), ("end", os.getloadavg())]
    lines.append(
        "load average (1, 5, 15 min): "
        + "; ".join(f"{when} {' '.join(f'{x:.2f}' for x in load)}" for when, load in loads if load)
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
