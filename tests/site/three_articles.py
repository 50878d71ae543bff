"""A three-article site and two-line crawls of it, for tests of runs that follow one another."""

from __future__ import annotations

import json
from pathlib import Path

from bench.site.generator import article_html, page_html
from tests.site.runner import run_crawl

ARTICLES = (1, 2, 3)
PATTERN = r"/news/\d+\.html$"


def build_small_site(
    root: Path, *, listed: bool = True, sitemap: str | None = None, feed: str | None = None
) -> Path:
    """Three articles, linked from the start page (``listed``), named in a sitemap and/or a feed
    (``/feed.rss``, which the start page links to)."""
    www = root / "www"
    (www / "news").mkdir(parents=True)
    links = "".join(f'<li><a href="/news/{i}.html">第{i}篇</a></li>' for i in ARTICLES) if listed else ""
    (www / "index.html").write_text(page_html("首页", f"<ul>{links}</ul>"), "utf-8")
    for i in ARTICLES:
        (www / "news" / f"{i}.html").write_text(article_html(i), "utf-8")
    (www / "robots.txt").write_text("User-agent: *\nAllow: /\n", "utf-8")
    if sitemap is not None:
        (www / "sitemap.xml").write_text(sitemap, "utf-8")
    if feed is not None:
        (www / "feed.rss").write_text(feed, "utf-8")
    return root


def write_sources(path: Path, origin: str, **keys: str) -> Path:
    lines = [
        "[[site]]",
        'name = "small"',
        f'start_urls = ["{origin}/"]',
        f"article_url_pattern = {json.dumps(PATTERN)}",
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in keys.items()]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def crawl(sources: Path, out: Path):
    result = run_crawl(sources, out, "-q", timeout=120)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout
    return result, json.loads((out / ".state" / "last_run.json").read_text("utf-8"))
