"""The SQLite seen-store and the near-duplicate index."""

from __future__ import annotations

from newsclean.crawling.seenstore import NearDuplicateIndex, SqliteSeenStore, canonical_url, text_minhash

STORY = (
    "国产开源数据库项目发布新版本，查询优化器重写后复杂联表查询的耗时平均下降四成，社区贡献者超过两千人。"
    "项目负责人表示，新版本还改进了存储引擎的压缩算法，同样的数据占用的磁盘空间比上一版少了约三成。"
    "多家云服务商已经宣布会在下个月上线托管版本，用户可以在控制台一键升级，旧版本的维护将持续两年。"
)


def test_urls_are_canonical_and_persist(tmp_path):
    path = tmp_path / "state" / "seen.sqlite3"
    store = SqliteSeenStore(path)
    store.add("http://h/news/1.html?b=2&a=1#top", "fp1", text_minhash(STORY), aliases=["http://h/old/1"])
    store.commit()
    store.close()
    store = SqliteSeenStore(path)
    assert store.seen_url("http://h/news/1.html?a=1&b=2")
    assert store.seen_url("http://h/old/1")
    assert not store.seen_url("http://h/news/2.html")
    assert store.url_for_fingerprint("fp1") == canonical_url("http://h/news/1.html?a=1&b=2")
    assert store.url_for_fingerprint("fp2") is None
    [(stored_url, sig)] = list(store.minhashes())
    assert sig.jaccard(text_minhash(STORY)) == 1.0
    assert store.count() == 1 and stored_url.startswith("http://h/news/1.html")
    store.close()


def test_uncommitted_adds_are_not_durable(tmp_path):
    path = tmp_path / "seen.sqlite3"
    store = SqliteSeenStore(path)
    store.add("http://h/a", "fp")
    other = SqliteSeenStore(path)  # a second connection sees only committed rows
    assert not other.seen_url("http://h/a")
    store.commit()
    assert other.seen_url("http://h/a")
    store.close()
    other.close()


def test_near_duplicates_found_and_distinct_texts_not():
    index = NearDuplicateIndex()
    index.insert("http://a/1", text_minhash(STORY))
    edited = STORY.replace("两千人", "两千五百人")
    assert index.nearest(text_minhash(edited)) == "http://a/1"
    other = (
        "新能源汽车企业公布三季度交付量，同比增长三成，其中海外市场贡献了近一半的增量，电池成本继续下行。"
        "分析人士认为，价格战仍在持续，利润率的修复要等到明年上半年，新车型的节奏将决定全年的表现。"
    )
    assert index.nearest(text_minhash(other)) is None
