"""Multi-page articles: the chain joins the pages; a crawl and ``newsclean clean URL`` fetch them.

The crawls are real (subprocesses) against a fixture site on 127.0.0.1 whose access log shows
what was fetched.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.site

import newsclean
from bench.site.server import FixtureServer
from newsclean.core.paths import PROJECT_ROOT
from newsclean.core.schema import article_errors
from tests.redis_server import redis_server  # noqa: F401
from tests.site.multipage import FOOTER, LEAD, TITLE, build_multipage_site, page_paragraphs
from tests.site.runner import articles, crawl_cmd, env, paths, run_crawl

ORIGIN = "http://news.example.cn"
NAMES = ("a.html", "a_2.html", "a_3.html")


def expected_paragraphs() -> list[str]:
    return [LEAD, *page_paragraphs(1), *page_paragraphs(2), *page_paragraphs(3)]


@pytest.fixture(scope="module")
def www(tmp_path_factory) -> Path:
    return build_multipage_site(tmp_path_factory.mktemp("multipage"))


def test_clean_pages_joins_the_pages_in_order(www):
    pages = [((www / "news" / n).read_bytes(), f"{ORIGIN}/news/{n}", None) for n in NAMES]
    article = newsclean.Cleaner().clean_pages(pages).to_dict()
    assert article["paragraphs"] == expected_paragraphs()
    assert article["title"] == TITLE and article["published_at"].startswith("2025-07-02")
    assert article["pages"] == [u for _, u, _ in pages]
    # the lead every page repeats is kept once; its repeats are listed as removed duplicates
    assert [r["text"] for r in article["removed"] if r["reason"] == "duplicate"] == [LEAD, LEAD]
    assert article_errors(article) == []
    # the pages in another order give another text: the order is the caller's page order
    shuffled = newsclean.Cleaner().clean_pages([pages[0], pages[2], pages[1]]).to_dict()
    assert shuffled["paragraphs"][-len(page_paragraphs(2)) :] == page_paragraphs(2)


def test_one_page_is_clean_document_exactly(www):
    cleaner = newsclean.Cleaner()
    data = (www / "news" / "b.html").read_bytes()
    one = cleaner.clean_pages([(data, f"{ORIGIN}/news/b.html", None)]).to_dict()
    single = cleaner.clean(data, f"{ORIGIN}/news/b.html").to_dict()
    assert {k: v for k, v in one.items() if k != "fetched_at"} == {
        k: v for k, v in single.items() if k != "fetched_at"
    }
    assert "pages" not in one


def sources(tmp_path: Path, origin: str, start: str = "/") -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[[site]]\nname = "fixture"\nstart_urls = ["{origin}{start}"]\n'
        'article_url_pattern = "/news/\\\\w+\\\\.html$"\n',
        "utf-8",
    )
    return path


def check_joined(exported: list[dict], origin: str) -> dict:
    counts = Counter(paths(exported))
    assert counts["/news/a.html"] == 1 and counts["/news/a_2.html"] == 0 and counts["/news/a_3.html"] == 0
    [joined] = [o for o in exported if o["url"].endswith("/news/a.html")]
    assert joined["paragraphs"] == expected_paragraphs()
    assert joined["pages"] == [f"{origin}/news/{n}" for n in NAMES]
    assert {f"{origin}/news/a_2.html", f"{origin}/news/a_3.html"} <= set(joined["aliases"])
    assert joined["title"] == TITLE and FOOTER not in joined["text"]
    assert article_errors({k: v for k, v in joined.items() if k not in ("site", "aliases")}) == []
    return joined


@pytest.mark.slow
def test_crawl_exports_a_three_page_article_once(www, tmp_path):
    with FixtureServer(www.parent) as server:
        out = tmp_path / "out"
        first = run_crawl(sources(tmp_path, server.origin), out, timeout=120)
        assert first.returncode == 0, first.stderr[-3000:] + first.stdout
        exported = articles(out)
        check_joined(exported, server.origin)
        by_path = dict(zip(paths(exported), exported, strict=True))
        assert set(by_path) == {"/news/a.html", "/news/b.html", "/news/c.html"}
        assert "pages" not in by_path["/news/b.html"]
        # page 2 of c is missing: the article ends there, page 1 is kept, with a note in the log
        assert by_path["/news/c.html"]["paragraphs"] and "pages" not in by_path["/news/c.html"]
        log = (out / ".state" / "crawl.log").read_text("utf-8")
        assert f"{server.origin}/news/c_2.html: HTTP 404" in log
        hits = server.hits()
        assert hits["/news/a_3.html"] == 1 and 1 <= hits["/news/a_2.html"] <= 2  # the list links page 2 too

        # the next run fetches none of the article's pages again: they are aliases in the seen-store
        server.clear_log()
        second = run_crawl(sources(tmp_path, server.origin), out, timeout=120)
        assert second.returncode == 0, second.stderr[-3000:]
        hits = server.hits()
        assert hits["/"] == 1
        assert all(hits[f"/news/{n}"] == 0 for n in NAMES), hits
        assert len(articles(out)) == 3


@pytest.mark.slow
def test_a_later_page_reached_first_gives_the_whole_article(www, tmp_path):
    with FixtureServer(www.parent) as server:
        out = tmp_path / "out"
        done = run_crawl(sources(tmp_path, server.origin, "/news/a_2.html"), out, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:] + done.stdout
        exported = articles(out)  # page 2 links on to other stories (下一篇), which are crawled too
        check_joined(exported, server.origin)
        assert server.hits()["/news/a_3.html"] == 1
        summary = json.loads((out / ".state" / "last_run.json").read_text("utf-8"))
        assert "continuation_page" in json.dumps(summary), summary


@pytest.mark.slow
def test_clean_url_fetches_every_page(www):
    with FixtureServer(www.parent) as server:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "newsclean.commands.cli",
                "clean",
                "--no-robots",
                f"{server.origin}/news/a.html",
            ],
            capture_output=True,
            text=True,
            env=env(),
            cwd=PROJECT_ROOT,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        article = json.loads(proc.stdout)
        assert article["paragraphs"] == expected_paragraphs()
        assert article["pages"] == [f"{server.origin}/news/{n}" for n in NAMES]
        assert article_errors(article) == []
        assert server.hits()["/news/a_2.html"] == 1

        broken = subprocess.run(
            [
                sys.executable,
                "-m",
                "newsclean.commands.cli",
                "clean",
                "--no-robots",
                f"{server.origin}/news/c.html",
            ],
            capture_output=True,
            text=True,
            env=env(),
            cwd=PROJECT_ROOT,
            timeout=120,
        )
        assert broken.returncode == 0, broken.stderr[-3000:]
        assert "c_2.html: HTTP 404" in broken.stderr
        assert json.loads(broken.stdout)["paragraphs"]


@pytest.mark.slow
@pytest.mark.redis
def test_two_workers_of_a_shared_crawl_export_the_article_once(www, redis_server, tmp_path):  # noqa: F811
    """Distributed mode: the later pages never enter the Redis queue; whichever worker has page 1
    fetches them, and page 2 from the list is skipped by whichever worker pops it."""
    with FixtureServer(www.parent) as server:
        src = sources(tmp_path, server.origin)
        outs = [tmp_path / f"worker{i}" for i in range(2)]
        redis = ["--redis", redis_server.url, "--idle-timeout", "2"]
        settings = {"NEWSCLEAN_HEARTBEAT_TTL": "5", "CONCURRENT_REQUESTS": "2"}
        procs = [
            subprocess.Popen(
                crawl_cmd(src, out, *redis, settings=settings),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env(),
                cwd=PROJECT_ROOT,
            )
            for out in outs
        ]
        for proc in procs:
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err[-3000:] + out
        exported = [o for out in outs for o in articles(out)]
        check_joined(exported, server.origin)
        assert sorted(paths(exported)) == ["/news/a.html", "/news/b.html", "/news/c.html"]
