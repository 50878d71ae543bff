"""A crawl that cleans in worker processes writes what an in-process crawl writes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.*

from bench.site.server import FixtureServer
from tests.site.runner import articles, run_crawl
from tests.site.small import build_small_site, write_sites

pytestmark = pytest.mark.slow

FLAGS = ("--no-robots", "--progress-interval", "0")


def _by_url(out: Path) -> dict[str, tuple]:
    return {
        a["url"]: (a["title"], tuple(a["paragraphs"]), tuple(r["text"] for r in a["removed"]))
        for a in articles(out)
    }


def test_two_workers_write_the_same_articles_as_one_process(tmp_path):
    build_small_site(tmp_path / "site", range(1, 9), spam=2)
    with FixtureServer(tmp_path / "site") as server:
        sources = write_sites(tmp_path / "s.toml", {"daily": server.origin})
        one = run_crawl(sources, tmp_path / "one", *FLAGS)
        two = run_crawl(sources, tmp_path / "two", *FLAGS, settings={"NEWSCLEAN_CLEAN_JOBS": "2"})
    assert one.returncode == 0, one.stderr[-2000:]
    assert two.returncode == 0, two.stderr[-2000:]
    log = (tmp_path / "two" / ".state" / "crawl.log").read_text("utf-8")
    assert "cleaning in 2 worker processes" in log
    assert "cleaning in" not in (tmp_path / "one" / ".state" / "crawl.log").read_text("utf-8")
    written = _by_url(tmp_path / "two")
    assert len(written) == 8 and written == _by_url(tmp_path / "one")
    assert all(removed for _, _, removed in written.values())  # the injected lines went in both


def test_bad_jobs_values(tmp_path):
    build_small_site(tmp_path / "site", range(1, 2))
    with FixtureServer(tmp_path / "site") as server:
        sources = write_sites(tmp_path / "s.toml", {"daily": server.origin})
        done = run_crawl(sources, tmp_path / "o", *FLAGS, "--jobs", "0")
    assert done.returncode == 2 and "--jobs must be a positive number" in done.stderr


def test_a_page_without_an_article_is_a_skip_not_an_error_in_a_worker(tmp_path):
    import json

    build_small_site(tmp_path / "site", range(1, 4), empty=True)
    with FixtureServer(tmp_path / "site") as server:
        sources = write_sites(tmp_path / "s.toml", {"daily": server.origin})
        done = run_crawl(sources, tmp_path / "o", *FLAGS, settings={"NEWSCLEAN_CLEAN_JOBS": "2"})
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    summary = json.loads((tmp_path / "o" / ".state" / "last_run.json").read_text("utf-8"))
    assert summary["pages_skipped"] == {"NoArticleError": 3} and summary["errors"] == {}
