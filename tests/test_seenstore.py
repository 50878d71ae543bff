"""The SQLite seen-store and the near-duplicate index."""

from __future__ import annotations

from datetime import datetime, timezone

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


OLD_SCHEMA = """
CREATE TABLE urls (url TEXT PRIMARY KEY, article TEXT NOT NULL);
CREATE TABLE articles (url TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, minhash BLOB, exported_at TEXT NOT NULL);
CREATE INDEX articles_fingerprint ON articles (fingerprint);
INSERT INTO articles VALUES ('http://h/news/1.html', 'fp1', NULL, '2026-01-02T03:04:05+00:00');
INSERT INTO urls VALUES ('http://h/news/1.html', 'http://h/news/1.html');
INSERT INTO urls VALUES ('http://h/old/1', 'http://h/news/1.html');
"""


def test_a_store_of_the_first_format_is_migrated_in_place(tmp_path):
    import sqlite3

    path = tmp_path / "seen.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.commit()
    db.close()
    store = SqliteSeenStore(path)
    record = store.record("http://h/old/1")
    assert (record.url, record.fingerprint, record.site, record.etag, record.version) == (
        "http://h/news/1.html",
        "fp1",
        None,
        None,
        1,
    )
    assert record.fetched_at == record.exported_at == "2026-01-02T03:04:05+00:00"
    assert store.seen_url("http://h/news/1.html") and store.url_for_fingerprint("fp1")
    [counts] = store.site_counts()
    assert (counts.site, counts.articles, counts.versions) == (None, 1, 1)
    store.touch("http://h/news/1.html", site="s")  # a first revisit names its site
    assert store.record("http://h/news/1.html").site == "s"
    store.add("http://h/news/1.html", "fp2", site="s", etag='"x"', version=2)
    store.close()
    store = SqliteSeenStore(path)  # opening a migrated file again adds nothing twice
    record = store.record("http://h/news/1.html")
    assert (record.fingerprint, record.site, record.etag, record.version) == ("fp2", "s", '"x"', 2)
    assert record.exported_at == "2026-01-02T03:04:05+00:00" != record.fetched_at
    store.close()
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(articles)")]
    assert columns == [
        "url",
        "fingerprint",
        "minhash",
        "exported_at",
        "site",
        "etag",
        "last_modified",
        "fetched_at",
        "version",
    ]


def test_revisit_rule():
    from newsclean.crawling.crawlrun import revisit_due
    from newsclean.crawling.seenstore import Record

    def record(first: float, last: float) -> Record:
        iso = lambda t: datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")  # noqa: E731
        return Record("http://h/a", "fp", "s", None, None, iso(first), iso(last))

    now, hour, day = 1_800_000_000.0, 3600.0, 86400.0
    fresh = record(now - 2 * hour, now - 2 * hour)
    assert not revisit_due(fresh, None, 30 * day, None, now)  # no refresh_after: never
    assert not revisit_due(fresh, None, 30 * day, now, now)  # ... whatever a sitemap says
    assert revisit_due(fresh, hour, 30 * day, None, now)
    assert not revisit_due(fresh, 3 * hour, 30 * day, None, now)
    assert revisit_due(fresh, 3 * hour, 30 * day, now - hour, now)  # lastmod after the last fetch
    assert not revisit_due(fresh, hour, 30 * day, now - 3 * hour, now)  # lastmod before it
    old = record(now - 31 * day, now - 2 * hour)
    assert not revisit_due(old, hour, 30 * day, None, now)  # past refresh_until from the first export
    assert not revisit_due(old, hour, 30 * day, now, now)
    refetched = record(now - 10 * day, now - 10)
    assert not revisit_due(refetched, hour, 30 * day, None, now)  # measured from the last fetch
