"""``newsclean demo``: the bundled site is served on 127.0.0.1, crawled and cleaned, offline."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from newsclean.commands.demo import DEMO_SITE
from newsclean.core.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

SPAM = re.compile(r"百家乐|六合彩|pk10|赌球|葡京|成人影片|代开发票|example-bet")


def test_demo_site_is_complete():
    articles = sorted(DEMO_SITE.glob("news/*/*.html"))
    assert len(articles) >= 13
    assert (DEMO_SITE / "robots.txt").is_file() and (DEMO_SITE / "sitemap.xml").is_file()
    assert (DEMO_SITE / "rss.xml").is_file() and len(list(DEMO_SITE.glob("list/*.html"))) >= 2
    heads = [a.read_bytes()[:200] for a in articles]
    assert any(b'charset="gbk"' in h for h in heads) and any(b'charset="big5"' in h for h in heads)


def test_demo_crawls_the_bundled_site(tmp_path):
    cmd = [sys.executable, "-m", "newsclean.commands.demo", "--output", str(tmp_path), "-q"]
    if os.environ.get("NEWSCLEAN_TEST_MODEL"):
        cmd += ["--model", os.environ["NEWSCLEAN_TEST_MODEL"]]
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "crawl finished" in result.stdout and "demo site served at http://127.0.0.1:" in result.stdout
    [out] = list(tmp_path.glob("demo-*.jsonl"))
    articles = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    urls = [a["url"] for a in articles]
    assert len(urls) == len(set(urls)) == 14, urls
    assert not any("/admin/" in u or "/199.html" in u for u in urls)  # robots.txt; the pure-spam page
    for a in articles:
        assert a["paragraphs"] and a["title"]
        assert not SPAM.search(a["title"] + a["text"]), a["url"]
        assert {"spam", "hidden"} & {r["reason"] for r in a["removed"]}
    by_id = {a["url"].rsplit("/", 1)[1]: a for a in articles}
    assert by_id["112.html"]["converted"] and "台湾" in by_id["112.html"]["title"]  # Big5, Traditional
    assert by_id["113.html"]["converted"] and "数据库" in by_id["113.html"]["text"]  # Traditional, UTF-8
    assert "储能" in by_id["111.html"]["title"]  # GBK
    assert "NoArticleError" in result.stdout  # the pure-spam page is a logged skip
    # the review command the demo prints at the end works on what it wrote
    [hint] = [line for line in result.stdout.splitlines() if "newsclean review" in line]
    review = hint.split(": ", 1)[1].replace("newsclean review", "").split()
    pattern, report = review[0], tmp_path / "review.html"
    files = [str(p) for p in Path(pattern).parent.glob(Path(pattern).name)]
    proc = subprocess.run(
        [sys.executable, "-m", "newsclean.commands.cli", "review", *files, "--out", str(report)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and files and report.is_file(), proc.stderr
