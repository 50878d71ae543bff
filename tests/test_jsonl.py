"""Output files are complete or absent, and leftovers of a killed writer are recovered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from newsclean.crawling.jsonl import JsonLinesWriter, read_jsonl, recover_parts, run_file_name


def test_writer_renames_on_close_and_creates_nothing_when_empty(tmp_path):
    w = JsonLinesWriter(tmp_path / "a.jsonl")
    assert w.close() is None
    assert list(tmp_path.iterdir()) == []
    w = JsonLinesWriter(tmp_path / "b.jsonl")
    w.write({"url": "u1", "text": "中文"})
    assert (tmp_path / "b.jsonl.part").exists() and not (tmp_path / "b.jsonl").exists()
    w.write({"url": "u2"})
    assert w.close() == tmp_path / "b.jsonl"
    assert [o["url"] for o in read_jsonl(tmp_path / "b.jsonl")] == ["u1", "u2"]
    assert not (tmp_path / "b.jsonl.part").exists()


def test_recover_keeps_complete_lines_and_drops_torn_one(tmp_path):
    part = tmp_path / "news-1.jsonl.part"
    part.write_bytes(b'{"url": "a"}\n{"url": "b"}\nnot json\n{"url": "c", "te')
    [rec] = recover_parts(tmp_path)
    assert [o["url"] for o in rec.objects] == ["a", "b"]
    assert rec.dropped == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news-1.jsonl"]
    assert (tmp_path / "news-1.jsonl").read_bytes() == b'{"url": "a"}\n{"url": "b"}\n'


def test_recover_removes_part_with_nothing_complete(tmp_path):
    (tmp_path / "x.jsonl.part").write_bytes(b'{"url": ')
    [rec] = recover_parts(tmp_path)
    assert rec.objects == [] and rec.dropped == 1
    assert list(tmp_path.iterdir()) == []


WRITER = """
import sys
from newsclean.crawling.jsonl import JsonLinesWriter
w = JsonLinesWriter(sys.argv[1])
i = 0
while True:
    w.write({"n": i, "text": "长文本" * 500})
    if i % 7 == 0:
        w.sync()
    i += 1
"""


def test_sigkill_mid_write_loses_no_complete_line(tmp_path):
    target = tmp_path / "k.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)])
    part = tmp_path / "k.jsonl.part"
    deadline = time.time() + 20
    while time.time() < deadline and (not part.exists() or part.stat().st_size < 2_000_000):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    [rec] = recover_parts(tmp_path)
    numbers = [o["n"] for o in rec.objects]
    assert len(numbers) > 50
    assert numbers == list(range(len(numbers)))
    for line in target.read_bytes().splitlines():
        json.loads(line)


def test_run_file_name_is_sortable_and_per_process():
    name = run_file_name(pid=42)
    assert name.startswith("news-") and name.endswith("Z-42.jsonl")
