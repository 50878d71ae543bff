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


def test_a_revisit_is_judged_against_its_own_earlier_version_not_as_a_duplicate(tmp_path):
    from newsclean.crawling.items import ArticleItem

    run = CrawlRun(tmp_path / "out", tmp_path / "state")
    run.open()
    run.write({**art("http://h/news/1.html", TEXT_A, "fp-a"), "site": "s"}, etag='"a1"', last_modified="Mon")
    run.close()

    run = CrawlRun(tmp_path / "out", tmp_path / "state")
    run.open()
    assert run.revisit("http://h/news/1.html", None, 86400.0) is None  # no refresh_after: never
    record = run.revisit("http://h/news/1.html", 0.001, 86400.0)
    assert (record.etag, record.last_modified, record.site) == ('"a1"', "Mon", "s")
    assert run.revisit("http://h/news/1.html", 0.001, 86400.0, hint=0.0) is None  # lastmod long before
    assert run.judge_revisit(art("http://h/news/1.html", TEXT_A, "fp-a")).unchanged
    edited = art("http://h/news/1.html", TEXT_A.replace("两千人", "两千五百人"), "fp-a2")
    assert run.judge(edited).duplicate == "url"  # as a new page it would be dropped
    verdict = run.judge_revisit(edited)
    assert (verdict.duplicate, verdict.near_duplicate_of) == (None, None)  # not a near-copy of itself
    assert (verdict.version, verdict.supersedes) == (2, "fp-a")
    item = ArticleItem(article=edited, site="s", version=verdict.version, supersedes=verdict.supersedes)
    run.write(item.output(), etag='"a2"')
    assert run.revisit("http://h/news/1.html", 0.001, 86400.0) is None  # written this run: not again
    path = run.close()
    [line] = [json.loads(x) for x in path.read_text("utf-8").splitlines()]
    assert (line["version"], line["supersedes"]) == (2, "fp-a") and line["updated_at"]

    store = SqliteSeenStore(tmp_path / "state" / "seen.sqlite3")
    now = store.record("http://h/news/1.html")
    assert (now.version, now.fingerprint, now.etag, now.last_modified) == (2, "fp-a2", '"a2"', None)
    store.close()


def test_a_killed_runs_new_version_is_recovered_as_that_version(tmp_path):
    run = CrawlRun(tmp_path / "out", tmp_path / "state")
    run.open()
    run.write({**art("http://h/news/1.html", TEXT_A, "fp-a"), "site": "s"})
    run.close()
    v2 = {**art("http://h/news/1.html", TEXT_B, "fp-b"), "site": "s", "version": 2, "supersedes": "fp-a"}
    (tmp_path / "out" / "news-20990101T000000Z-1.jsonl.part").write_text(json.dumps(v2) + "\n", "utf-8")
    run = CrawlRun(tmp_path / "out", tmp_path / "state")
    run.open()
    assert run.recovered_lines == 1
    run.close()
    store = SqliteSeenStore(tmp_path / "state" / "seen.sqlite3")
    record = store.record("http://h/news/1.html")
    assert (record.version, record.fingerprint) == (2, "fp-b")
    assert store.url_for_fingerprint("fp-b") == "http://h/news/1.html"
    store.close()
