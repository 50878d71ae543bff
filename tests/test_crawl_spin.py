"""Spun (伪原创) articles in a real crawl: scored, counted, and left out where the sources say so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.site.server import FixtureServer
from newsclean.core.paths import PACKAGE_DIR, PROJECT_ROOT
from tests.site.runner import articles, paths, run_crawl

DEMO_NEWS = PACKAGE_DIR / "demo_site" / "news" / "202506"
DICTIONARY = PROJECT_ROOT / "classifiers" / "spin" / "dictionary.tsv"


def spun(html: str) -> str:
    """The page with every original of the pairs seen on real spun pages swapped for its spun form."""
    pairs = [
        line.split("\t") for line in DICTIONARY.read_text("utf-8").splitlines() if line.endswith("\tseen")
    ]
    for original, spun_form, _ in sorted(pairs, key=lambda p: -len(p[0])):
        html = html.replace(original, spun_form)
    return html


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site" / "www"
    (root / "news").mkdir(parents=True)
    (root / "index.html").write_text(
        '<html><body><a href="/news/1.html">一</a> <a href="/news/2.html">二</a></body></html>', "utf-8"
    )
    page = re.sub(r"<a\b[^>]*>|</a>", "", (DEMO_NEWS / "101.html").read_text("utf-8"))  # no links out
    (root / "news" / "1.html").write_text(page, "utf-8")
    (root / "news" / "2.html").write_text(spun(page), "utf-8")
    assert spun(page) != page
    return root.parent


def sources(tmp_path: Path, origin: str, extra: str = "") -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[[site]]\nname = "spin"\nstart_urls = ["{origin}/index.html"]\n'
        f'article_url_pattern = "/news/"\n{extra}',
        "utf-8",
    )
    return path


@pytest.mark.slow
def test_a_spun_article_is_scored_and_counted(site, tmp_path):
    with FixtureServer(site) as server:
        result = run_crawl(sources(tmp_path, server.origin), tmp_path / "out")
    assert result.returncode == 0, result.stderr[-2000:]
    by_path = {
        p: a for p, a in zip(paths(articles(tmp_path / "out")), articles(tmp_path / "out"), strict=True)
    }
    assert set(by_path) == {"/news/1.html", "/news/2.html"}
    assert by_path["/news/2.html"]["spin"]["spun"] is True
    assert by_path["/news/1.html"]["spin"]["spun"] is False
    assert "spun articles          1" in result.stdout


@pytest.mark.slow
def test_skip_spun_in_the_sources_file_leaves_it_out(site, tmp_path):
    with FixtureServer(site) as server:
        result = run_crawl(sources(tmp_path, server.origin, "skip_spun = true\n"), tmp_path / "out")
    assert result.returncode == 0, result.stderr[-2000:]
    assert paths(articles(tmp_path / "out")) == ["/news/1.html"]
    assert "spun articles          1 (1 left out)" in result.stdout


def test_a_site_flag_must_be_a_boolean(tmp_path):
    from newsclean.core.errors import ConfigError
    from newsclean.crawling.sources import load_sources

    path = tmp_path / "s.toml"
    path.write_text('[[site]]\nname = "x"\nstart_urls = ["http://127.0.0.1/"]\nskip_spun = "yes"\n', "utf-8")
    with pytest.raises(ConfigError, match="skip_spun"):
        load_sources(path)
