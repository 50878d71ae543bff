"""Peak memory of cleaning one page, by page size: ``python -m bench.memory``.

Each page is cleaned in a fresh interpreter (the model loaded first), which reports its peak
resident memory (``VmHWM``) before and after the page, so the figure is what one page adds on top
of a loaded cleaner. Two shapes: an article repeated to the size (many real paragraphs) and a
page of tiny elements (many DOM nodes, few characters each).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = """
import json, sys, time
from newsclean.chain import clean_document
from newsclean.classifiers.model import load_classifier
from newsclean.classifiers.spin_model import load_spin_model
from newsclean.core.errors import NewscleanError

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
clf, spin = load_classifier(), load_spin_model()
clean_document("<p>" + "预热的一段正文。" * 20 + "</p>", url="http://bench.test/0.html", classifier=clf, spin=spin)
before = hwm()
data = sys.stdin.buffer.read()
start = time.perf_counter()
try:
    clean_document(data, url="http://bench.test/1.html", classifier=clf, spin=spin)
    outcome = "article"
except NewscleanError as err:
    outcome = type(err).__name__
print(json.dumps({"before": before, "after": hwm(), "seconds": time.perf_counter() - start, "outcome": outcome}))
"""

PARAGRAPH = (
    "<p>国产芯片厂商近日发布新一代处理器，采用先进制程工艺，性能较上一代提升约百分之三十，"
    "功耗下降两成，首批产品将用于数据中心和边缘计算设备。</p>"
)


def article_page(size: int) -> bytes:
    body = PARAGRAPH * max(1, size // len(PARAGRAPH.encode()))
    return f"<html><body><h1>芯片发布</h1>{body}</body></html>".encode()


def tiny_page(size: int) -> bytes:
    cells = "<span>字</span>" * max(1, size // len("<span>字</span>".encode()))
    return f"<html><body><h1>芯片发布</h1>{PARAGRAPH * 3}<div>{cells}</div></body></html>".encode()


def measure(data: bytes) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD], input=data, capture_output=True, timeout=600)
    if proc.returncode != 0:
        return {"error": proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]}
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.25,1,2,4,8", help="page sizes in MiB, comma-separated")
    args = parser.parse_args(argv)
    sizes = [float(s) for s in args.sizes.split(",")]
    print(f"{'shape':<8} {'MiB':>6} {'seconds':>8} {'peak MiB':>9} {'added MiB':>10}  outcome")
    for shape, make in (("article", article_page), ("tiny", tiny_page)):
        for mib in sizes:
            data = make(int(mib * 1024 * 1024))
            r = measure(data)
            if "error" in r:
                print(f"{shape:<8} {len(data) / 2**20:6.2f}  failed: {r['error']}")
                continue
            added = r["after"] - r["before"]
            print(
                f"{shape:<8} {len(data) / 2**20:6.2f} {r['seconds']:8.1f} {r['after']:9.0f} {added:10.0f}  {r['outcome']}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
