"""``newsclean state`` and ``newsclean forget`` as a user runs them: subprocesses on a real crawl's state."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.site

from bench.site.server import FixtureServer
from newsclean.core.paths import PROJECT_ROOT
from newsclean.crawling.runlock import RunLocks
from tests.site.runner import env, paths
from tests.site.three_articles import build_small_site, crawl, write_sources


def newsclean(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsclean.commands.cli", *args],
        capture_output=True,
        text=True,
        env=env(),
        cwd=PROJECT_ROOT,
        timeout=60,
    )


def one_line(result: subprocess.CompletedProcess, code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def output_lines(out: Path) -> list[dict]:
    files = sorted(out.glob("news-*.jsonl"))
    return [json.loads(x) for x in files[-1].read_text("utf-8").splitlines()]


@pytest.mark.slow
def test_state_lists_sites_and_forget_brings_articles_back(tmp_path):
    root = build_small_site(tmp_path / "site")
    with FixtureServer(root, validators=True) as server:
        sources = write_sources(tmp_path / "sources.toml", server.origin)  # no revisits
        out = tmp_path / "out"
        crawl(sources, out)
        shown = newsclean("state", "--output", str(out))
        assert shown.returncode == 0, shown.stderr
        [row] = [x for x in shown.stdout.splitlines() if x.strip().startswith("small ")]
        assert row.split()[:4] == ["small", "3", "3", "0"]
        assert "last run: finished" in shown.stdout and "3 articles written" in shown.stdout
        as_json = json.loads(newsclean("state", "--output", str(out), "--json").stdout)
        assert as_json["sites"][0]["articles"] == 3 and as_json["last_run"]["articles_written"] == 3

        url = server.origin + "/news/2.html"
        gone = newsclean("forget", "--output", str(out), url + "#comments", server.origin + "/nowhere")
        assert gone.returncode == 0, gone.stderr
        assert "forgot 1 article(s)" in gone.stdout and "not in the seen-store: " in gone.stdout
        server.clear_log()
        _, again = crawl(sources, out)
        assert server.hits()["/news/2.html"] == 1 and server.hits()["/news/1.html"] == 0
        assert again["articles_written"] == 1 and paths(output_lines(out)) == ["/news/2.html"]

        site = newsclean("forget", "--output", str(out), "--site", "small")
        assert "forgot 3 article(s) of site small" in site.stdout, site.stdout + site.stderr
        _, third = crawl(sources, out)
        assert third["articles_written"] == 3
        assert (
            json.loads(newsclean("state", "--output", str(out), "--json").stdout)["sites"][0]["articles"] == 3
        )


def test_state_and_forget_refuse_while_a_crawl_holds_the_lock(tmp_path):
    out, state = tmp_path / "out", tmp_path / "out" / ".state"
    state.mkdir(parents=True)
    from newsclean.crawling.seenstore import SqliteSeenStore

    store = SqliteSeenStore(state / "seen.sqlite3")
    store.add("http://h/news/1.html", "fp-1", site="s")
    store.close()
    locks = RunLocks(out, state)
    locks.acquire()
    try:
        for args in (("state",), ("forget", "--site", "s"), ("forget", "http://h/news/1.html")):
            line = one_line(newsclean(*args, "--output", str(out)), 75)
            assert "another crawl is running" in line
    finally:
        locks.release()
    store = SqliteSeenStore(state / "seen.sqlite3")
    assert store.seen_url("http://h/news/1.html"), "a refused forget changed nothing"
    store.close()
    assert newsclean("forget", "--output", str(out), "http://h/news/1.html").returncode == 0


def test_missing_or_corrupt_store_is_one_line_exit_74(tmp_path):
    out = tmp_path / "out"
    line = one_line(newsclean("state", "--output", str(out)), 74)
    assert "no state folder" in line and not out.exists(), "nothing is created"
    (out / ".state").mkdir(parents=True)
    line = one_line(newsclean("forget", "--output", str(out), "--site", "x"), 74)
    assert "no seen-store" in line and not (out / ".state" / "seen.sqlite3").exists()
    (out / ".state" / "seen.sqlite3").write_bytes(b"not a database at all" * 10)
    for args in (("state",), ("forget", "--site", "x")):
        line = one_line(newsclean(*args, "--output", str(out)), 74)
        assert "is not a SQLite database" in line
    assert one_line(newsclean("forget", "--output", str(out)), 2).startswith("newsclean: forget: name")
