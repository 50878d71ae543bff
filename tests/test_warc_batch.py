"""One corpus, four ways in: `newsclean clean` page by page, a WARC file through the CLI on two
workers, the Python chain over the WARC's records, and the datatrove step on datatrove's local
executor. All four must give the same articles."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bench.warc import WARC_DATE, corpus_pages, write_warc
from newsclean.core.schema import article_errors

pytestmark = pytest.mark.slow


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsclean.commands.cli", *args],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=cwd,
    )


def essence(article: dict) -> tuple:
    """What must agree: everything but the clock."""
    return tuple(
        json.dumps(article.get(k), ensure_ascii=False)
        for k in ("url", "title", "published_at", "source", "author", "keywords", "paragraphs", "removed")
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    base = tmp_path_factory.mktemp("warc")
    pages = corpus_pages(220)
    html = [p for p in pages if p.is_html]
    assert len(html) >= 200 and len(pages) - len(html) >= 3
    files = base / "pages"
    files.mkdir()
    listing = []
    for i, page in enumerate(html):
        path = files / f"{i:04d}"  # extension-less on purpose: sniffed as HTML
        path.write_bytes(page.body)
        listing.append(f"{path} {page.url}")
    (base / "list.txt").write_text("# saved pages and their addresses\n" + "\n".join(listing) + "\n", "utf-8")
    (base / "archive").mkdir()
    write_warc(base / "archive" / "crawl.warc.gz", pages)
    return {"base": base, "pages": pages, "html": html}


@pytest.fixture(scope="module")
def one_by_one(corpus):
    """The reference: each saved page cleaned on its own, with its address, in one process."""
    proc = cli("clean", "-i", str(corpus["base"] / "list.txt"), "--jobs", "1")
    articles = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(articles) >= 150, proc.stderr[-2000:]
    assert all(article_errors(a) == [] for a in articles[:20])
    return articles


def test_warc_through_the_cli_on_two_workers(corpus, one_by_one):
    proc = cli("clean", str(corpus["base"] / "archive" / "crawl.warc.gz"), "--jobs", "2")
    articles = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [essence(a) for a in articles] == [essence(a) for a in one_by_one]
    assert all(a["fetched_at"].startswith(WARC_DATE[:19]) for a in articles)  # the record's date
    skipped = len(corpus["pages"]) - len(corpus["html"])
    summary = [line for line in proc.stderr.splitlines() if "skipped, not pages" in line]
    assert summary and sum(int(n) for n in __import__("re").findall(r"\) (\d+)", summary[0])) == skipped
    assert f"pages {len(corpus['html'])}: articles {len(articles)}" in proc.stderr


def test_python_chain_over_the_warc_records(corpus, one_by_one):
    from newsclean.chain import clean_document
    from newsclean.classifiers.model import load_classifier
    from newsclean.commands.warc import read_warc
    from newsclean.core.errors import NewscleanError

    classifier = load_classifier()
    articles, skipped = [], Counter()
    for rec in read_warc(corpus["base"] / "archive" / "crawl.warc.gz", skipped):
        try:
            articles.append(
                clean_document(rec.body, url=rec.url, content_type=rec.content_type, classifier=classifier)
            )
        except NewscleanError:
            continue
    assert [essence(a) for a in articles] == [essence(a) for a in one_by_one]
    assert sum(skipped.values()) == len(corpus["pages"]) - len(corpus["html"])


def run_datatrove(reader, tmp_path: Path) -> list[dict]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter

    from newsclean.datatrove import NewscleanExtractor

    out = tmp_path / "clean"
    LocalPipelineExecutor(
        [reader, NewscleanExtractor(), JsonlWriter(str(out), compression=None)],
        tasks=1,
        logging_dir=str(tmp_path / "logs"),
    ).run()
    return [
        json.loads(line) for f in sorted(out.glob("*.jsonl")) for line in f.read_text("utf-8").splitlines()
    ]


def test_datatrove_pipeline_gives_the_same_articles(corpus, one_by_one, tmp_path):
    pytest.importorskip("datatrove")
    from newsclean.datatrove import NewscleanWarcReader

    docs = run_datatrove(NewscleanWarcReader(str(corpus["base"] / "archive")), tmp_path)
    got = [
        (d["metadata"]["url"], d["metadata"]["title"], d["metadata"]["paragraphs"], d["text"]) for d in docs
    ]
    assert got == [(a["url"], a["title"], a["paragraphs"], a["text"]) for a in one_by_one]


def test_datatroves_own_warc_reader_agrees_on_what_it_reads(corpus, one_by_one, tmp_path):
    """datatrove's WarcReader decodes by itself and drops pages it cannot (GBK, Big5): each
    article it does give is newsclean's for that page."""
    pytest.importorskip("datatrove")
    from datatrove.pipeline.readers import WarcReader

    docs = run_datatrove(WarcReader(str(corpus["base"] / "archive")), tmp_path)
    expected: dict[str, list[tuple]] = {}
    for a in one_by_one:
        expected.setdefault(a["url"], []).append((a["text"], a["title"]))
    assert docs
    for doc in docs:
        meta = doc["metadata"]
        assert (doc["text"], meta["title"]) in expected[meta["url"]], meta["url"]
