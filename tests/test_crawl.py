"""Real crawls (subprocesses) of a fixture site served on 127.0.0.1.

The server's access log proves what was and was not fetched; the output files prove what was
exported.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.site

from bench.site.generator import article_text, build_site
from bench.site.server import FixtureServer
from newsclean.core.paths import PROJECT_ROOT
from tests.site.runner import (
    articles,
    env,
    paths,
    run_crawl,
    scrapy_crawl_cmd,
    settings_args,
    start_crawl,
    write_sources,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    sitemap = build_site(root)
    with FixtureServer(root, slow_seconds=3) as server:
        yield sitemap, server


def sources_for(tmp_path, server, sitemap, **extra):
    return write_sources(
        tmp_path / "sources.toml", server.origin, article_url_pattern=sitemap.article_pattern, **extra
    )


def expected_article_paths(sitemap) -> set[str]:
    return set(sitemap.articles)


def check_exported_once(sitemap, exported: list[dict]) -> None:
    counts = Counter(paths(exported))
    assert all(n == 1 for n in counts.values()), [p for p, n in counts.items() if n > 1]
    [mirror] = sitemap.duplicates
    original = "/news/" + mirror.rsplit("/", 1)[1]
    got = set(counts)
    # the mirror carries the same text as its original: exactly one of the two is exported
    assert len(got & {mirror, original}) == 1
    got.discard(mirror)
    got.add(original)
    assert got == expected_article_paths(sitemap)


def test_crawl_exports_every_article_once_then_nothing(site, tmp_path):
    sitemap, server = site
    server.clear_log()
    sources = sources_for(tmp_path, server, sitemap)
    out = tmp_path / "out"
    first = run_crawl(sources, out)
    assert first.returncode == 0, first.stderr[-3000:] + first.stdout
    assert "articles written" in first.stdout and "progress:" in first.stderr
    exported = articles(out)
    check_exported_once(sitemap, exported)
    assert not list(out.glob("*.part")), "a finished run leaves no .part file"
    log = server.hits()
    for path in sitemap.never_fetch:
        assert log[path] == 0, f"{path} is disallowed by robots.txt"
    assert (
        log["/robots.txt"] >= 1
        and log["/sitemap-news.xml"] == 1
        and log["/feed.rss"] == 1
        and log["/atom.xml"] == 1
    )
    summary = json.loads((out / ".state" / "last_run.json").read_text("utf-8"))
    assert summary["articles_written"] == len(exported)
    assert summary["duplicates_skipped"] == {"content": 1}
    assert {"http_404", "http_500"} <= set(summary["errors"])
    assert summary["refused_by_robots"] >= 1
    crawl_log = (out / ".state" / "crawl.log").read_text("utf-8")
    for role, reason in [
        ("slow", "took longer"),
        ("big", "larger than"),
        ("binary", "not a text page"),
        ("cycle", "redirect cycle"),
    ]:
        url = server.origin + sitemap.specials[role]
        assert any(url in line and reason in line for line in crawl_log.splitlines()), role

    # the article objects are the chain's, with the crawl's own fields
    by_path = {p: o for p, o in zip(paths(exported), exported, strict=False)}
    for obj in exported:
        assert obj["site"] == "fixture" and obj["paragraphs"] and obj["fingerprint"]
    redirected = by_path[sitemap.specials["redirect_target"]]
    assert redirected["aliases"] == [server.origin + sitemap.specials["redirect"]]
    gbk = by_path["/news/9001.html"]
    _, paras = article_text(9001)
    assert paras[0] in gbk["text"]
    big5 = by_path["/news/9002.html"]
    assert big5["converted"] is True
    assert article_text(9002)[1][0][:8] in big5["text"]
    [(a, b)] = sitemap.near_duplicates
    marks = {p: by_path[p].get("near_duplicate_of") for p in (a, b)}
    assert sorted(bool(v) for v in marks.values()) == [False, True], marks

    # second run: nothing new, and no article page fetched again
    server.clear_log()
    second = run_crawl(sources, out)
    assert second.returncode == 0, second.stderr[-3000:]
    assert len(articles(out)) == len(exported)
    assert len(list(out.glob("*.jsonl"))) == 1, "an empty run writes no file"
    refetched = [p for p in server.log if p in sitemap.articles or p in sitemap.duplicates]
    assert refetched == []
    assert "/list/1.html" in server.log, "list pages are visited again to find new articles"


def test_scrapy_crawl_gives_the_same_result(site, tmp_path):
    sitemap, server = site
    sources = sources_for(tmp_path, server, sitemap)
    out_a, out_b = tmp_path / "a", tmp_path / "b"
    cli = run_crawl(sources, out_a)
    assert cli.returncode == 0, cli.stderr[-3000:]
    cmd = scrapy_crawl_cmd(out_b, "-a", f"sources={sources}", *settings_args())
    scrapy = subprocess.run(cmd, capture_output=True, text=True, env=env(), cwd=PROJECT_ROOT, timeout=300)
    assert scrapy.returncode == 0, scrapy.stderr[-3000:]
    a = {(o["url"], o["fingerprint"]) for o in articles(out_a)}
    b = {(o["url"], o["fingerprint"]) for o in articles(out_b)}
    assert len(a) == len(articles(out_a)) > 40
    # which of two identical pages wins may differ; everything else must not
    assert {x[1] for x in a} == {x[1] for x in b}


def test_killed_crawl_loses_and_duplicates_nothing(site, tmp_path):
    sitemap, server = site
    sources = sources_for(tmp_path, server, sitemap)
    out = tmp_path / "out"
    slow = {"CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.15"}
    proc = start_crawl(sources, out, settings=slow)
    deadline = time.time() + 120
    part_lines = 0
    while time.time() < deadline and proc.poll() is None:
        parts = list(out.glob("*.jsonl.part"))
        part_lines = sum(p.read_bytes().count(b"\n") for p in parts)
        if part_lines >= 10:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the crawl ended before it could be killed; slow it down"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert list(out.glob("*.jsonl.part")), "the killed run left its .part file"
    assert not list(out.glob("*.jsonl"))

    again = run_crawl(sources, out)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "recovered" in again.stdout
    assert not list(out.glob("*.part"))
    check_exported_once(sitemap, articles(out))  # json.loads of every line: no torn line anywhere
    summary = json.loads((out / ".state" / "last_run.json").read_text("utf-8"))
    assert summary["recovered_lines"] >= 10
    assert summary["articles_written"] + summary["recovered_lines"] == len(articles(out))


def test_second_concurrent_run_refuses(site, tmp_path):
    sitemap, server = site
    sources = sources_for(tmp_path, server, sitemap)
    out = tmp_path / "out"
    slow = {"CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.1"}
    first = start_crawl(sources, out, settings=slow)
    deadline = time.time() + 60
    while time.time() < deadline and not list(out.glob("*.jsonl.part")) and first.poll() is None:
        time.sleep(0.05)
    second = run_crawl(sources, out)
    _first_out, first_err = first.communicate(timeout=300)
    assert second.returncode == 75, second.stdout + second.stderr
    assert "another crawl is running" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1, second.stderr
    assert first.returncode == 0, first_err[-3000:]
    check_exported_once(sitemap, articles(out))


def test_bad_sources_file_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[site]]\nname = "x"\nstart_urls = ["ftp://h/"]\n', "utf-8")
    result = run_crawl(bad, tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "http:// or https://" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("follow", ["/list/", None], ids=["follow-pattern", "no-patterns"])
def test_articles_recognised_by_the_extractor_without_a_url_pattern(site, tmp_path, follow):
    sitemap, server = site
    extra = {"follow_url_pattern": follow} if follow else {}
    sources = write_sources(tmp_path / "sources.toml", server.origin, **extra)
    out = tmp_path / "out"
    result = run_crawl(sources, out)
    assert result.returncode == 0, result.stderr[-3000:]
    check_exported_once(sitemap, articles(out))
    summary = json.loads((out / ".state" / "last_run.json").read_text("utf-8"))
    assert summary["pages_skipped"].get("NoArticleError", 0) >= 2  # the truncated and the empty page at least
