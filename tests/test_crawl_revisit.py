"""Revisits: real crawls (subprocesses) of a small site whose server checks ETag and Last-Modified.

Each test runs two or three crawls on one state directory, a little more than ``refresh_after``
apart, and reads what the server answered (its log of conditional requests) and what was written.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import jsonschema
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.site

from bench.site.generator import article_html
from bench.site.server import FixtureServer
from newsclean.core.schema import ARTICLE_SCHEMA
from tests.site.runner import articles, paths
from tests.site.three_articles import build_small_site, crawl, write_sources

pytestmark = pytest.mark.slow


def newest_output(out: Path) -> list[dict]:
    files = sorted(out.glob("news-*.jsonl"))
    return [json.loads(line) for line in files[-1].read_text("utf-8").splitlines()] if files else []


def by_path(objs: list[dict]) -> dict[str, dict]:
    return dict(zip(paths(objs), objs, strict=True))


def wait_past(seconds: float, since: float) -> None:
    time.sleep(max(0.0, since + seconds - time.time()))


def test_changed_page_is_a_new_version_and_unchanged_ones_are_not_written(tmp_path):
    root = build_small_site(tmp_path / "site")
    with FixtureServer(root, validators=True) as server:
        sources = write_sources(tmp_path / "sources.toml", server.origin, refresh_after="1s")
        out = tmp_path / "out"
        _, first = crawl(sources, out)
        started = time.time()
        assert first["articles_written"] == 3
        assert first["revisits"] == {"requested": 0, "unchanged": 0, "updated": 0}
        v1 = by_path(articles(out))
        assert all("version" not in a for a in v1.values())  # a first export carries no version

        # 2: new text (new ETag); 3: new bytes around the same article (new ETag, same fingerprint)
        (root / "www/news/2.html").write_text(article_html(7), "utf-8")
        page3 = root / "www/news/3.html"
        page3.write_text(page3.read_text("utf-8").replace("</body>", "<!-- rebuilt --></body>"), "utf-8")
        server.clear_log()
        wait_past(1.2, started)
        result, second = crawl(sources, out)

        answered = dict(server.conditional)
        assert answered == {"/news/1.html": 304, "/news/2.html": 200, "/news/3.html": 200}
        assert second["revisits"] == {"requested": 3, "unchanged": 2, "updated": 1}
        assert "revisits               3 (unchanged 2, updated 1)" in result.stdout
        [v2] = newest_output(out)
        assert v2["url"].endswith("/news/2.html")
        assert v2["version"] == 2
        assert v2["supersedes"] == v1["/news/2.html"]["fingerprint"]
        assert v2["fingerprint"] != v2["supersedes"]
        assert v2["updated_at"].startswith("20") and "near_duplicate_of" not in v2
        jsonschema.validate(v2, ARTICLE_SCHEMA)
        assert second["duplicates_skipped"] == {} and second["articles_written"] == 1

        # the third run sees version 2 as the stored one: unchanged now, answered 304
        server.clear_log()
        wait_past(1.2, time.time())
        _, third = crawl(sources, out)
        assert dict(server.conditional) == {p: 304 for p in ("/news/1.html", "/news/2.html", "/news/3.html")}
        assert third["revisits"] == {"requested": 3, "unchanged": 3, "updated": 0}
        assert newest_output(out) == [v2]  # a run that writes nothing leaves the last file the newest


def test_without_refresh_after_an_exported_page_is_never_fetched_again(tmp_path):
    root = build_small_site(tmp_path / "site")
    with FixtureServer(root, validators=True) as server:
        sources = write_sources(tmp_path / "sources.toml", server.origin)
        out = tmp_path / "out"
        _, first = crawl(sources, out)
        assert first["articles_written"] == 3
        (root / "www/news/2.html").write_text(article_html(7), "utf-8")
        server.clear_log()
        time.sleep(1.2)
        result, second = crawl(sources, out)
        hits = server.hits()
        assert not [p for p in hits if p.startswith("/news/")], hits
        assert server.conditional == []
        assert second["articles_written"] == 0 and second["already_exported_not_fetched"] == 3
        assert second["revisits"] == {"requested": 0, "unchanged": 0, "updated": 0}
        assert "revisits" not in result.stdout


SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://__ORIGIN__/news/1.html</loc><lastmod>2099-01-01T00:00:00+00:00</lastmod></url>
<url><loc>http://__ORIGIN__/news/2.html</loc><lastmod>2000-01-01</lastmod></url>
<url><loc>http://__ORIGIN__/news/3.html</loc></url>
</urlset>
"""


def test_sitemap_lastmod_decides_before_and_against_refresh_after(tmp_path):
    # the start page links the articles too: the sitemap's hint must still be heard
    root = build_small_site(tmp_path / "site", sitemap=SITEMAP)
    with FixtureServer(root, validators=True) as server:
        out = tmp_path / "out"
        # a day: only a newer lastmod brings an article back
        sources = write_sources(tmp_path / "sources.toml", server.origin, refresh_after="1d")
        _, first = crawl(sources, out)
        assert first["articles_written"] == 3
        server.clear_log()
        _, second = crawl(sources, out)
        assert dict(server.conditional) == {"/news/1.html": 304}
        assert second["revisits"] == {"requested": 1, "unchanged": 1, "updated": 0}

        # a second: due by time, but a lastmod older than the last fetch says no need
        sources = write_sources(tmp_path / "sources.toml", server.origin, refresh_after="1s")
        server.clear_log()
        time.sleep(1.2)
        _, third = crawl(sources, out)
        assert dict(server.conditional) == {"/news/1.html": 304, "/news/3.html": 304}
        assert third["revisits"] == {"requested": 2, "unchanged": 2, "updated": 0}


FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>small</title><id>urn:small</id>
<updated>2026-01-01T00:00:00Z</updated>
<entry><title>1</title><id>urn:1</id><link href="http://__ORIGIN__/news/1.html"/><updated>2000-01-01T00:00:00Z</updated></entry>
<entry><title>2</title><id>urn:2</id><link href="http://__ORIGIN__/news/2.html"/><updated>2099-01-01T00:00:00Z</updated></entry>
</feed>
"""


def test_feed_updated_is_a_hint_too(tmp_path):
    root = build_small_site(tmp_path / "site", feed=FEED)
    with FixtureServer(root, validators=True) as server:
        out = tmp_path / "out"
        sources = write_sources(tmp_path / "sources.toml", server.origin, refresh_after="1d")
        _, first = crawl(sources, out)
        assert first["articles_written"] == 3
        (root / "www/news/2.html").write_text(article_html(8), "utf-8")
        server.clear_log()
        _, second = crawl(sources, out)
        assert server.hits()["/feed.rss"] == 1
        assert dict(server.conditional) == {"/news/2.html": 200}
        assert second["revisits"] == {"requested": 1, "unchanged": 0, "updated": 1}
