"""A real crawl of a site that sets link traps, and the crawl command's own edges.

One crawl (a subprocess, the shipped settings plus short timeouts) against tests/hostile.py's
link-trap server on 127.0.0.1: decorated links to one article, malformed links, a link that
makes a backtracking regex engine hang, an endless tree of sitemap indexes, a duplicate.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.*

from newsclean.core.paths import PROJECT_ROOT
from tests.hostile import SITEMAP_FANOUT, VARIANTS, link_trap_site
from tests.site.runner import articles, env, run_crawl, scrapy_crawl_cmd

pytestmark = pytest.mark.slow
MAX_PAGES = 50
CRAWL_TIMEOUT = 180  # a hang on the ReDoS link shows as this timeout


@dataclass
class Trapped:
    result: subprocess.CompletedProcess
    out: Path
    hits: list[str]
    log: str


@pytest.fixture(scope="module")
def trapped(tmp_path_factory) -> Trapped:
    tmp = tmp_path_factory.mktemp("traps")
    with link_trap_site() as site:
        sources = tmp / "sources.toml"
        sources.write_text(
            "[[site]]\n"
            'name = "traps"\n'
            f'start_urls = ["{site.base}/"]\n'
            'article_url_pattern = "/news/\\\\d+\\\\.html$"\n'
            # both patterns backtrack catastrophically on REDOS_LINK in Python's re
            'follow_url_pattern = "(a+)+$|/p/([a-z0-9]+-?)+\\\\.html$"\n'
            f"max_pages = {MAX_PAGES}\n",
            "utf-8",
        )
        out = tmp / "out"
        result = run_crawl(sources, out, timeout=CRAWL_TIMEOUT)
        log = (out / ".state" / "crawl.log").read_text("utf-8", "replace")
        return Trapped(result, out, list(site.hits), log)


def test_the_crawl_ends_without_a_traceback(trapped: Trapped):
    assert trapped.result.returncode == 0, trapped.result.stdout + trapped.result.stderr[-2000:]
    assert "Traceback" not in trapped.log, trapped.log[trapped.log.find("Traceback") - 500 :][:3000]


def test_url_variants_are_fetched_and_exported_once(trapped: Trapped):
    fetched = Counter(urlsplit(h).path for h in trapped.hits)
    assert fetched["/news/1.html"] == 1, f"{fetched['/news/1.html']} fetches of /news/1.html"
    exported = Counter(urlsplit(a["url"]).path for a in articles(trapped.out))
    assert exported["/news/1.html"] == 1, exported
    [one] = [a for a in articles(trapped.out) if urlsplit(a["url"]).path == "/news/1.html"]
    assert "?" not in one["url"] and "#" not in one["url"] and "/./" not in one["url"]
    assert len(trapped.hits) < VARIANTS, "the variants spent the crawl's budget"


def test_a_malformed_link_drops_only_itself(trapped: Trapped):
    paths = {urlsplit(a["url"]).path for a in articles(trapped.out)}
    # the good links follow the malformed ones on the start page
    assert paths & {"/news/0.html", "/news/100.html"}, paths
    summary = json.loads((trapped.out / ".state" / "last_run.json").read_text("utf-8"))
    assert summary["errors"] == {}, summary["errors"]


def test_content_duplicate_is_dropped_in_one_short_line(trapped: Trapped):
    paths = Counter(urlsplit(a["url"]).path for a in articles(trapped.out))
    assert paths["/news/0.html"] + paths["/news/100.html"] == 1, paths
    lines = trapped.log.splitlines()
    drops = [i for i, line in enumerate(lines) if "Dropped: duplicate" in line]
    assert drops, "no duplicate drop logged"
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
    for i in drops:
        assert len(lines[i]) < 400, lines[i]
        assert i + 1 == len(lines) or stamp.match(lines[i + 1]), (
            f"the item follows the drop: {lines[i + 1][:200]}"
        )


def test_sitemap_tree_is_bounded_by_max_pages(trapped: Trapped):
    sitemaps = [h for h in trapped.hits if h.startswith("/sm/")]
    assert 1 <= len(sitemaps) <= MAX_PAGES, f"{len(sitemaps)} sitemaps fetched"
    assert len(sitemaps) < SITEMAP_FANOUT**2


def test_remote_control_endpoint_is_off(trapped: Trapped):
    enabled = trapped.log[trapped.log.find("Enabled extensions") :][:3000]
    assert "Enabled extensions" in trapped.log and "RemoteControl" not in enabled
    assert "TelnetConsole" not in enabled


# ------------------------------------------------------------------ the command line's own edges


@pytest.mark.parametrize(
    ("args", "message"),
    [([], "no sources file"), (["-a", "max_pages=abc"], "max_pages must be a positive integer")],
    ids=["no-sources", "bad-max-pages"],
)
def test_scrapy_crawl_that_cannot_run_exits_non_zero(tmp_path: Path, args: list[str], message: str):
    if args:
        sources = tmp_path / "s.toml"
        sources.write_text('[[site]]\nname = "x"\nstart_urls = ["http://127.0.0.1:9/"]\n', "utf-8")
        args = ["-a", f"sources={sources}", *args]
    done = subprocess.run(
        scrapy_crawl_cmd(tmp_path / "o", *args),
        capture_output=True,
        text=True,
        env=env(),
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("redis_url", "code", "message"),
    [("redis://[::1", 2, "bad Redis URL"), ("redis://127.0.0.1:1/0", 69, "unavailable")],
    ids=["malformed", "unreachable"],
)
def test_scrapy_crawl_with_a_bad_redis_url_ends_with_one_line(
    tmp_path: Path, redis_url: str, code: int, message: str
):
    pytest.importorskip("scrapy_redis", reason="the distributed extra is not installed")
    sources = tmp_path / "s.toml"
    sources.write_text('[[site]]\nname = "x"\nstart_urls = ["http://127.0.0.1:9/"]\n', "utf-8")
    done = subprocess.run(
        scrapy_crawl_cmd(tmp_path / "o", "-a", f"sources={sources}", "-s", f"REDIS_URL={redis_url}"),
        capture_output=True,
        text=True,
        env=env(),
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert done.returncode == code, done.stderr[-2000:]
    assert message in done.stderr and "Traceback" not in done.stderr
    assert "GET http://127.0.0.1:9/" not in done.stderr  # ended before any request


def test_redos_pattern_in_sources_matches_in_linear_time():
    import time

    from newsclean.crawling.sources import parse_sources

    [site] = parse_sources(
        {"site": [{"name": "a", "start_urls": ["http://h/"], "article_url_pattern": "(a+)+$"}]}
    )
    started = time.monotonic()
    assert site.is_article_url("http://h/" + "a" * 5000 + "!") is False
    assert time.monotonic() - started < 1.0


def test_crawl_of_unreachable_start_page_still_summarises(tmp_path: Path):
    sources = tmp_path / "s.toml"
    sources.write_text('[[site]]\nname = "x"\nstart_urls = ["http://127.0.0.1:9/"]\n', "utf-8")
    done = run_crawl(sources, tmp_path / "out")
    assert done.returncode == 1 and "crawl finished" in done.stdout
