"""A crawl's folders and seen-store when they are wrong: one line, a non-zero exit, nothing touched.

Real files, real locks and real ``newsclean crawl`` processes; the start page is a closed port
on 127.0.0.1, so a crawl that does run ends at once.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.*

from newsclean.crawling.crawlrun import CrawlRun, LockHeldError
from newsclean.crawling.seenstore import SqliteSeenStore, text_minhash
from tests.site.runner import run_crawl
from tests.tinyfs import remount_read_only, tiny_fs

CLOSED_PORT = "http://127.0.0.1:9/"


@pytest.fixture()
def sources(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(f'[[site]]\nname = "x"\nstart_urls = ["{CLOSED_PORT}"]\n', "utf-8")
    return path


def one_line(result, code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, result.stderr[-2000:]
    assert "internal error" not in lines[0], lines[0]
    return lines[0]


def article(i: int) -> dict:
    text = f"第{i}篇文章的正文，讲的是一家公司发布了新的产品，市场反应热烈，销量超过预期。"
    return {"url": f"http://h/news/{i}.html", "text": text, "fingerprint": f"fp-{i}", "paragraphs": [text]}


# ------------------------------------------------------------------ one output folder, two state folders


def test_run_with_another_state_on_a_live_output_folder_is_refused(tmp_path: Path):
    out = tmp_path / "out"
    first = CrawlRun(out, tmp_path / "state-a")
    first.open()
    first.write(article(1))
    live = first.writer.part
    assert live.exists()
    second = CrawlRun(out, tmp_path / "state-b")
    with pytest.raises(LockHeldError, match="output directory"):
        second.open()
    assert live.exists() and not list(out.glob("*.jsonl")), "the live run's .part was taken as a leftover"
    first.write(article(2))
    path = first.close()
    assert [json.loads(x)["url"] for x in path.read_text("utf-8").splitlines()] == [
        "http://h/news/1.html",
        "http://h/news/2.html",
    ]


def test_crawl_command_refuses_a_live_output_folder(tmp_path: Path, sources: Path):
    out = tmp_path / "out"
    first = CrawlRun(out, tmp_path / "state-a")
    first.open()
    first.write(article(1))
    try:
        result = run_crawl(sources, out, "--state", str(tmp_path / "state-b"))
        line = one_line(result, 75)
        assert "another crawl is running" in line and "output directory" in line
        assert first.writer.part.exists()
    finally:
        first.close()


# ------------------------------------------------------------------ a damaged seen-store


def _store_with_rows(path: Path, n: int = 2000) -> None:
    store = SqliteSeenStore(path)
    for i in range(n):
        store.add(f"http://h/news/{i}.html", f"fp-{i}", text_minhash(article(i)["text"]))
    store.commit()
    store.close()
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)


def _damage(store: Path, kind: str) -> None:
    store.parent.mkdir(parents=True, exist_ok=True)
    if kind == "garbage":
        store.write_bytes(os.urandom(8192))
    elif kind == "empty":
        store.write_bytes(b"")
    elif kind == "truncated":
        _store_with_rows(store)
        with open(store, "r+b") as fh:
            fh.truncate(store.stat().st_size // 2)
    elif kind == "folder":
        store.mkdir()
    elif kind == "dangling-symlink":
        store.symlink_to(store.parent / "gone" / "seen.sqlite3")
    elif kind == "unreadable":
        if os.geteuid() == 0:
            pytest.skip("root reads any file: an unreadable store cannot be made here")
        _store_with_rows(store, 1)
        store.chmod(0)


@pytest.mark.parametrize(
    "kind", ["garbage", "empty", "truncated", "folder", "dangling-symlink", "unreadable"]
)
def test_damaged_seen_store_fails_the_crawl_in_one_line(tmp_path: Path, sources: Path, kind: str):
    out = tmp_path / "out"
    store = out / ".state" / "seen.sqlite3"
    _damage(store, kind)
    result = run_crawl(sources, out)
    line = one_line(result, 74)
    assert "seen-store" in line and str(store) in line, line
    assert not result.stdout.strip(), "no summary for a crawl that did not run"
    assert kind != "garbage" or store.stat().st_size == 8192, "the damaged store was overwritten"


# ------------------------------------------------------------------ folders and locks that are not what they seem


@pytest.mark.parametrize("which", ["output", "state"])
def test_output_or_state_that_is_a_file(tmp_path: Path, sources: Path, which: str):
    a_file = tmp_path / "a-file"
    a_file.write_text("x", "utf-8")
    args = ("--state", str(a_file)) if which == "state" else ()
    out = a_file if which == "output" else tmp_path / "out"
    line = one_line(run_crawl(sources, out, *args), 73 if which == "output" else 74)
    assert "not a folder" in line and str(a_file) in line


@pytest.mark.parametrize("kind", ["folder", "symlink-loop"])
def test_lock_that_is_a_folder_or_a_symlink_loop(tmp_path: Path, sources: Path, kind: str):
    out = tmp_path / "out"
    lock = out / ".state" / "crawl.lock"
    lock.parent.mkdir(parents=True)
    if kind == "folder":
        lock.mkdir()
    else:
        (lock.parent / "other").symlink_to(lock)
        lock.symlink_to(lock.parent / "other")
    line = one_line(run_crawl(sources, out), 74)
    assert "cannot take the lock" in line and "crawl.lock" in line


def test_read_only_output_folder(tmp_path: Path, sources: Path):
    with tiny_fs(tmp_path / "ro") as ro:
        (ro / "out").mkdir()
        remount_read_only(ro)
        line = one_line(run_crawl(sources, ro / "out", "--state", str(tmp_path / "state")), 73)
        assert "Read-only file system" in line and str(ro / "out") in line
