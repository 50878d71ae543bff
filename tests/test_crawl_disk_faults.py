"""Kills and full disks at the worst moments: every line is in the store once, nothing twice.

Real processes killed with SIGKILL, real files, and a real tiny filesystem (tmpfs, as root) that
fills up; skipped with the reason where it cannot be mounted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.*

from newsclean.crawling.crawlrun import CrawlRun
from newsclean.crawling.runlock import OutputError
from tests.tinyfs import fill, tiny_fs

# the child dies by SIGKILL at the very moment its finished output file has been renamed into place
KILLED_AT_RENAME = """
import json, os, signal, sys
from newsclean.crawling.crawlrun import CrawlRun

real_replace = os.replace


def replace_then_die(src, dst):
    real_replace(src, dst)
    if str(dst).endswith(".jsonl") and "/out/" in str(dst):
        os.kill(os.getpid(), signal.SIGKILL)


os.replace = replace_then_die
out, state, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
run = CrawlRun(out, state)
run.open()
for i in range(n):
    text = "第%d篇文章的正文，讲的是一家公司发布了新产品，销量超过预期。" % i
    run.write({"url": "http://h/news/%d.html" % i, "text": text, "fingerprint": "fp-%d" % i})
run.close()
"""


def article(i: int) -> dict:
    text = f"第{i}篇文章的正文，讲的是一家公司发布了新产品，销量超过预期。" + "内容" * 3000
    return {"url": f"http://h/news/{i}.html", "text": text, "fingerprint": f"fp-{i}"}


def exported_urls(out: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for path in out.glob("*.jsonl"):
        for line in path.read_bytes().splitlines():
            found[json.loads(line)["url"]] += 1
    return found


def test_sigkill_right_after_the_final_rename_duplicates_nothing(tmp_path: Path):
    out, state = tmp_path / "out", tmp_path / "state"
    n = 25  # more than one sync batch: the last lines are committed only at close
    child = subprocess.run(
        [sys.executable, "-c", KILLED_AT_RENAME, str(out), str(state), str(n)], timeout=120
    )
    assert child.returncode == -9, "the child was meant to die by SIGKILL at the rename"
    nxt = CrawlRun(out, state)
    nxt.open()
    try:
        fresh = [i for i in range(n) if nxt.judge(article(i)).duplicate is None]
        assert fresh == [], f"articles the next run would export again: {fresh}"
    finally:
        nxt.close()
    urls = exported_urls(out)
    assert sorted(urls) == sorted(f"http://h/news/{i}.html" for i in range(n))
    assert set(urls.values()) == {1}


def test_disk_full_spell_loses_no_bookkeeping_and_repeats_nothing(tmp_path: Path):
    with tiny_fs(tmp_path / "disk", "256k") as disk:
        out, state = disk / "out", tmp_path / "state"
        run = CrawlRun(out, state)
        run.open()
        run.write(article(0))
        filler = fill(disk)
        failed = []
        for i in range(1, 4):
            with pytest.raises(OutputError, match="No space left"):
                run.write(article(i))
            failed.append(i)
        filler.unlink()  # the spell is over
        for i in range(4, 8):
            run.write(article(i))
        path = run.close()
        lines = path.read_bytes().splitlines()
        urls = [json.loads(x)["url"] for x in lines]  # json.loads: no torn line either
        assert urls == [f"http://h/news/{i}.html" for i in (0, 4, 5, 6, 7)]
        again = CrawlRun(out, state)
        again.open()
        try:
            for i in range(8):
                verdict = again.judge(article(i)).duplicate
                assert (verdict is None) == (i in failed), (i, verdict)
        finally:
            again.close()


# ------------------------------------------------------------------ a real crawl onto a full disk


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from bench.site.generator import build_site
    from bench.site.server import FixtureServer

    root = tmp_path_factory.mktemp("site")
    sitemap = build_site(root, n_articles=12)
    with FixtureServer(root, slow_seconds=1) as server:
        yield sitemap, server


@pytest.mark.slow
def test_crawl_onto_a_full_output_disk_says_so_and_exports_later(site, tmp_path: Path):
    from tests.site.runner import articles, run_crawl, write_sources

    sitemap, server = site
    sources = write_sources(
        tmp_path / "sources.toml", server.origin, article_url_pattern=sitemap.article_pattern
    )
    state = tmp_path / "state"
    with tiny_fs(tmp_path / "disk", "256k") as disk:
        out = disk / "out"
        out.mkdir()
        filler = fill(disk)
        full = run_crawl(sources, out, "--state", str(state))
        assert full.returncode == 1, (full.returncode, full.stdout, full.stderr[-2000:])
        assert "Traceback" not in full.stderr and "Logging error" not in full.stderr
        [line] = [x for x in full.stderr.splitlines() if x.startswith("newsclean crawl:")]
        assert "No space left on device" in line
        assert "crawl output_error" in full.stdout
        errors = json.loads((state / "last_run.json").read_text("utf-8"))["errors"]
        assert errors.get("output", 0) >= 1, errors
        filler.unlink()
        again = run_crawl(sources, out, "--state", str(state))
        assert again.returncode == 0, again.stdout + again.stderr[-2000:]
        urls = Counter(a["url"] for a in articles(out))
        assert len(urls) >= 10 and set(urls.values()) == {1}, urls


def test_full_state_disk_keeps_the_part_for_the_next_run(tmp_path: Path):
    from newsclean.crawling.runlock import StateError

    with tiny_fs(tmp_path / "disk", "512k") as disk:
        out, state = tmp_path / "out", disk / "state"
        run = CrawlRun(out, state)
        run.open()
        filler = fill(disk)
        with pytest.raises(StateError, match="seen-store"):
            for i in range(40):  # a sync every 20 lines: the store's commit meets the full disk
                run.write(article(i))
        written = run.lines_written
        with pytest.raises(StateError, match="seen-store"):
            run.close()  # still full: the .part stays for the next run, the locks are released
        assert list(out.glob("*.jsonl.part")) and not list(out.glob("*.jsonl"))
        filler.unlink()
        again = CrawlRun(out, state)
        again.open()
        try:
            assert again.recovered_lines == written >= 20
            for url in exported_urls(out):
                assert again.seen_url(url), url
        finally:
            again.close()
        assert set(exported_urls(out).values()) == {1}


@pytest.mark.slow
def test_log_file_on_a_full_disk_floods_nothing(tmp_path: Path):
    from tests.site.runner import run_crawl

    sources = tmp_path / "s.toml"
    sources.write_text('[[site]]\nname = "x"\nstart_urls = ["http://127.0.0.1:9/"]\n', "utf-8")
    with tiny_fs(tmp_path / "disk", "64k") as disk:
        fill(disk)
        done = run_crawl(sources, tmp_path / "out", "--log-file", str(disk / "crawl.log"))
        assert "Logging error" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]
        assert "crawl finished" in done.stdout
        assert done.returncode == 1  # the start page could not be fetched
