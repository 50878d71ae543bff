"""The rules of one crawl run without Scrapy: lock, dedupe verdicts, durable bookkeeping, recovery."""

from __future__ import annotations

import json

import pytest

from newsclean.crawling.crawlrun import CrawlRun, LockHeldError
from newsclean.crawling.seenstore import SqliteSeenStore

TEXT_A = (
    "国产开源数据库项目发布新版本，查询优化器重写后复杂联表查询的耗时平均下降四成，社区贡献者超过两千人。"
    "项目负责人表示，新版本还改进了存储引擎的压缩算法，同样的数据占用的磁盘空间比上一版少了约三成。"
)
TEXT_B = "新能源汽车企业公布三季度交付量，同比增长三成，其中海外市场贡献了近一半的增量，电池成本继续下行。"


def art(url, text, fp):
    return {"url": url, "text": text, "fingerprint": fp, "paragraphs": [text]}


def test_second_run_on_the_same_state_is_refused(tmp_path):
    first = CrawlRun(tmp_path / "out", tmp_path / "state")
    first.open()
    second = CrawlRun(tmp_path / "out", tmp_path / "state")
    with pytest.raises(LockHeldError, match="another crawl is running"):
        second.open()
    first.close()
    second.open()  # free again once the first run closed
    second.close()


def test_verdicts_and_what_the_next_run_knows(tmp_path):
    run = CrawlRun(tmp_path / "out", tmp_path / "state")
    run.open()
    a = art("http://h/news/1.html", TEXT_A, "fp-a")
    assert run.judge(a).duplicate is None
    run.write(a, aliases=["http://h/old/1"])
    assert run.judge(art("http://h/news/1.html?", TEXT_B, "fp-x")).duplicate == "url"
    assert run.judge(art("http://h/old/1", TEXT_B, "fp-x")).duplicate == "url"
    assert run.judge(art("http://h/copy/1.html", TEXT_A, "fp-a")).duplicate == "content"
    near = run.judge(art("http://h/news/2.html", TEXT_A.replace("两千人", "两千五百人"), "fp-n"))
    assert near.duplicate is None and near.near_duplicate_of == "http://h/news/1.html"
    assert run.judge(art("http://h/news/3.html", TEXT_B, "fp-b")).near_duplicate_of is None
    path = run.close()
    [line] = path.read_text("utf-8").splitlines()
    assert json.loads(line)["aliases"] == ["http://h/old/1"]
    store = SqliteSeenStore(tmp_path / "state" / "seen.sqlite3")
    assert store.seen_url("http://h/news/1.html") and store.seen_url("http://h/old/1")
    assert store.url_for_fingerprint("fp-a") == "http://h/news/1.html"
    store.close()


def test_leftover_part_file_is_recovered_into_the_store(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    good = json.dumps(art("http://h/news/9.html", TEXT_B, "fp-9"), ensure_ascii=False)
    (out / "news-20260101T000000Z-1.jsonl.part").write_text(good + "\n" + good[:20], "utf-8")
    run = CrawlRun(out, tmp_path / "state")
    run.open()
    assert run.recovered_lines == 1 and run.recovered_dropped == 1
    assert run.seen_url("http://h/news/9.html")
    run.close()
    assert (out / "news-20260101T000000Z-1.jsonl").read_text("utf-8") == good + "\n"
    assert not list(out.glob("*.part"))
