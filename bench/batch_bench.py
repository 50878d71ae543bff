"""Batch cleaning of a web archive: ``newsclean clean x.warc.gz`` with 1 and N worker processes,
beside trafilatura's extraction of the same records in one process.

Writes a WARC (gzip per record) of ``--pages`` generated pages plus the demo site and a few
non-HTML records (bench/warc.py), then times, each in its own subprocess, ``newsclean clean`` on
it with ``--jobs`` 1 and the machine's cores (model loads and worker start-up included: what a
user waits for), and trafilatura's ``extract`` over the same HTML records read with fastwarc.
Prints records per second; no thresholds.

    python -m bench.batch_bench [--pages 400] [--jobs 1,0]
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

from bench.warc import corpus_pages, write_warc

ROOT = Path(__file__).resolve().parents[1]

TRAFILATURA_CHILD = r"""
import sys, time
from fastwarc.warc import ArchiveIterator, WarcRecordType
import trafilatura
bodies = []
with open(sys.argv[1], "rb") as fh:
    for record in ArchiveIterator(fh, record_types=WarcRecordType.response, parse_http=True):
        ctype = record.http_headers.get("Content-Type", "") if record.http_headers else ""
        if "html" in ctype:
            bodies.append(record.reader.read())
t0 = time.perf_counter()
n = sum(1 for b in bodies if trafilatura.extract(b) is not None)
print(len(bodies), n, time.perf_counter() - t0)
"""


def timed(cmd: list[str], out: Path) -> tuple[float, float]:
    """Seconds ``cmd`` took and its peak RSS in MiB (Linux ru_maxrss: the largest of the process
    and the worker processes it waited for), its standard output saved to ``out``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    t0 = time.monotonic()
    with out.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 4):  # 1 or 4: some records hold no article (counted, skipped)
        raise SystemExit(f"{cmd} failed with exit {code}")
    return time.monotonic() - t0, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400, help="generated pages in the archive")
    parser.add_argument("--jobs", default="1,0", help="--jobs values to time (0: the machine's cores)")
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp:
        warc = write_warc(Path(tmp) / "bench.warc.gz", corpus_pages(args.pages))
        rows = []
        for jobs in [int(j) for j in args.jobs.split(",")]:
            n = jobs or cores
            out = Path(tmp) / f"out-{n}.jsonl"
            cmd = [sys.executable, "-m", "newsclean.commands.cli", "clean", str(warc), "--jobs", str(n)]
            cmd += ["--format", "jsonl", "--no-removed"]
            seconds, peak = timed(cmd, out)
            articles = sum(1 for _ in out.open(encoding="utf-8"))
            rows.append((f"newsclean clean --jobs {n}", articles, seconds, peak))
        child = Path(tmp) / "traf.py"
        child.write_text(TRAFILATURA_CHILD, "utf-8")
        _, peak = timed([sys.executable, str(child), str(warc)], Path(tmp) / "traf.txt")
        records, extracted, extract_s = (Path(tmp) / "traf.txt").read_text().split()
        rows.append((f"trafilatura.extract ({records} HTML records)", int(extracted), float(extract_s), peak))
    print(f"{'run':<44} {'articles':>8} {'seconds':>8} {'records/s':>10} {'peak MiB':>9}")
    for name, n, s, peak in rows:
        print(f"{name:<44} {n:>8} {s:>8.1f} {int(records) / s:>10.1f} {peak:>9.0f}")
    print(
        f"cores: {cores}; newsclean times include start-up and model loads; trafilatura's is extraction only"
    )
    print(json.dumps({"rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
