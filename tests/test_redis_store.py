"""The Redis seen-store behaves like the SQLite one and fails with one clear line."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from newsclean.core.errors import InputError
from newsclean.crawling.seenstore import SqliteSeenStore, canonical_url, text_minhash
from newsclean.distributed.connection import RedisUnavailableError, connect, redact_url
from newsclean.distributed.store import SIGNATURE_BYTES, RedisSeenStore
from tests.redis_server import RedisServer, free_port, redis_server, redis_url  # noqa: F401

STORY = (
    "一家做工业机器人的创业公司完成新一轮融资，资金将用于扩建华东的装配线和招聘算法工程师。"
    "公司创始人说，过去一年订单主要来自汽车零部件厂，明年计划把协作机械臂推向食品包装行业。"
)

pytestmark = pytest.mark.redis


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    """Each store the crawl can use, so one set of assertions holds for both."""
    if request.param == "sqlite":
        s = SqliteSeenStore(tmp_path / "seen.sqlite3")
    else:
        s = RedisSeenStore(request.getfixturevalue("redis_url"), prefix="t")
    yield s
    s.close()


def test_same_answers_as_the_sqlite_store(store):
    assert not store.seen_url("http://h/news/1.html")
    store.add("http://h/news/1.html?b=2&a=1#x", "fp1", text_minhash(STORY), aliases=["http://h/old/1"])
    store.add("http://h/news/1.html?a=1&b=2", "fp-other")  # the same article again changes nothing
    store.commit()
    assert store.seen_url("http://h/news/1.html?a=1&b=2")
    assert store.seen_url("http://h/old/1")
    assert not store.seen_url("http://h/news/2.html")
    assert store.url_for_fingerprint("fp1") == canonical_url("http://h/news/1.html?a=1&b=2")
    assert store.url_for_fingerprint("nope") is None
    [(url, sig)] = list(store.minhashes())
    assert url == canonical_url("http://h/news/1.html?a=1&b=2")
    assert sig.jaccard(text_minhash(STORY)) == 1.0
    assert store.count() == 1


def test_an_add_is_visible_to_every_worker_at_once(redis_url):  # noqa: F811
    a = RedisSeenStore(redis_url, prefix="shared")
    b = RedisSeenStore(redis_url, prefix="shared")
    other_crawl = RedisSeenStore(redis_url, prefix="elsewhere")
    a.add("http://h/a.html", "fpa")  # no commit: Redis mode has no batching to wait for
    assert b.seen_url("http://h/a.html")
    assert b.url_for_fingerprint("fpa") == canonical_url("http://h/a.html")
    assert not other_crawl.seen_url("http://h/a.html")
    for s in (a, b, other_crawl):
        s.close()


def test_many_urls_in_one_round_trip(redis_url):  # noqa: F811
    store = RedisSeenStore(redis_url)
    store.add("http://h/a.html", "fpa", aliases=["http://h/old-a"])
    assert store.seen_urls(["http://h/b.html", "http://h/a.html#x", "http://h/old-a"]) == [False, True, True]
    assert store.seen_urls([]) == []


def test_from_settings_only_in_redis_mode(redis_url):  # noqa: F811
    assert RedisSeenStore.from_settings(Settings()) is None
    store = RedisSeenStore.from_settings(Settings({"REDIS_URL": redis_url, "NEWSCLEAN_REDIS_PREFIX": "p"}))
    assert store is not None and store.articles_key == "p:seen:articles"
    store.close()


def test_server_going_away_is_one_clear_line(redis_server: RedisServer):  # noqa: F811
    store = RedisSeenStore(redis_server.url)
    store.add("http://h/a.html", "fp")
    redis_server.kill()
    with pytest.raises(RedisUnavailableError) as info:
        store.seen_url("http://h/a.html")
    message = str(info.value)
    assert "\n" not in message and f"127.0.0.1:{redis_server.port}" in message
    with pytest.raises(RedisUnavailableError):
        store.add("http://h/b.html", "fp2")


def test_unreachable_server_at_start():
    with pytest.raises(RedisUnavailableError, match="unavailable"):
        connect(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(InputError, match="bad Redis URL"):  # a usage error, not an outage
        connect("http://127.0.0.1:1/")


def test_passwords_never_reach_messages():
    assert redact_url("redis://user:secret@h:6379/0") == "redis://user:***@h:6379/0"
    assert redact_url("redis://:secret@h:6379/0") == "redis://:***@h:6379/0"
    assert redact_url("redis://h:6379/0") == "redis://h:6379/0"


def test_claim_lets_exactly_one_worker_write_an_article(redis_url):  # noqa: F811
    a = RedisSeenStore(redis_url)
    b = RedisSeenStore(redis_url)
    assert a.claim("http://h/n/1.html", "fp1", aliases=["http://h/old/1"]) is None
    key = canonical_url("http://h/n/1.html")
    assert b.claim("http://h/n/1.html#frag", "fp-x") == ("url", key)
    assert b.claim("http://h/old/1", "fp-y") == ("url", key)  # reached through the old address
    assert b.claim("http://h/copy/1.html", "fp1") == ("content", key)  # same text elsewhere
    assert not b.seen_url("http://h/copy/1.html")  # a refused claim records nothing
    assert b.seen_url("http://h/old/1") and a.count() == 1


def test_concurrent_claims_of_one_page_have_one_winner(redis_url):  # noqa: F811
    from concurrent.futures import ThreadPoolExecutor

    stores = [RedisSeenStore(redis_url) for _ in range(8)]
    urls = [f"http://h/n/{i}.html" for i in range(50)]

    def claim_all(store):
        return [store.claim(u, "fp-" + u) is None for u in urls]

    with ThreadPoolExecutor(len(stores)) as pool:
        results = list(pool.map(claim_all, stores))
    wins_per_url = [sum(r[i] for r in results) for i in range(len(urls))]
    assert wins_per_url == [1] * len(urls)


def test_unclaim_undoes_only_its_own_claim(redis_url):  # noqa: F811
    store = RedisSeenStore(redis_url)
    assert store.claim("http://h/a.html", "fp", aliases=["http://h/old-a"]) is None
    assert store.claim("http://h/b.html", "fpb") is None
    store.unclaim("http://h/a.html", "fp", aliases=["http://h/old-a"])
    assert store.seen_urls(["http://h/a.html", "http://h/old-a", "http://h/b.html"]) == [False, False, True]
    assert store.url_for_fingerprint("fp") is None and store.count() == 1
    store.unclaim("http://h/c.html", "fpb")  # another article's fingerprint is left alone
    assert store.url_for_fingerprint("fpb") == canonical_url("http://h/b.html")
    assert store.claim("http://h/a.html", "fp") is None  # free to be written again


def test_a_claim_knows_its_owner(redis_url):  # noqa: F811
    store = RedisSeenStore(redis_url)
    assert store.owner_of("http://h/a.html") is None
    store.claim("http://h/a.html", "fp", aliases=["http://h/old-a"], owner="m1-1234-ab")
    store.claim("http://h/b.html", "fpb")
    assert store.owner_of("http://h/old-a") == "m1-1234-ab"
    assert store.owner_of("http://h/b.html") == ""


def test_hostile_values_in_the_store_are_skipped_not_fatal(redis_url, caplog):  # noqa: F811
    """Whoever can write to Redis can write the store's hashes: reading them back never crashes."""
    import redis

    store = RedisSeenStore(redis_url, prefix="t")
    store.add("http://h/good.html", "fp-good", text_minhash(STORY))
    raw = redis.Redis.from_url(redis_url)
    raw.hset(store.minhashes_key, "http://h/short", b"\x01\x02\x03")  # not a multiple of 8 bytes
    raw.hset(store.minhashes_key, "http://h/long", b"\x00" * (SIGNATURE_BYTES + 8))
    raw.hset(store.minhashes_key, b"\xff\xfe", b"\x00" * SIGNATURE_BYTES)  # a key that is not UTF-8
    raw.hset(store.fingerprints_key, "fp-bad", b"\xff\xfe")
    raw.hset(store.urls_key, canonical_url("http://h/bad.html"), b"\xc3")
    raw.hset(store.articles_key, b"\xc3", b"\xff not text")
    got = dict(store.minhashes())
    assert set(got) == {canonical_url("http://h/good.html"), "\ufffd\ufffd"}
    assert "skipped 2 malformed signature(s)" in caplog.text
    assert store.url_for_fingerprint("fp-bad") == "\ufffd\ufffd"
    assert store.owner_of("http://h/bad.html") == "not text"
    assert store.claim("http://h/bad.html", "fp-new") == ("url", "\ufffd")


def test_signatures_are_read_in_batches(redis_url, monkeypatch):  # noqa: F811
    """A large store is never read in one reply (HGETALL) that must fit in memory at once."""
    import newsclean.distributed.store as store_module

    monkeypatch.setattr(store_module, "SCAN_BATCH", 7)
    store = RedisSeenStore(redis_url, prefix="t")
    for i in range(60):
        store.add(f"http://h/{i}.html", f"fp{i}", text_minhash(f"{STORY} {i}"))
    calls = []
    real = store.client.hscan
    monkeypatch.setattr(store.client, "hscan", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert len(dict(store.minhashes())) == 60
    assert len(calls) > 1


def test_versions_validators_and_forgetting_alike_in_both_stores(store):
    url = "http://h/news/1.html"
    store.add(
        url,
        "fp1",
        text_minhash(STORY),
        aliases=["http://h/old/1"],
        site="s",
        etag='"e1"',
        last_modified="Mon",
    )
    store.add("http://h/news/2.html", "fp2", site="s")
    store.add("http://h/other/3.html", "fp3", site="t")
    store.commit()
    first = store.record("http://h/old/1")  # an alias leads to its article
    assert (first.url, first.fingerprint, first.site, first.etag, first.last_modified, first.version) == (
        canonical_url(url),
        "fp1",
        "s",
        '"e1"',
        "Mon",
        1,
    )
    assert first.fetched_at == first.exported_at and store.record("http://h/nope") is None

    store.add(url, "fp1b", text_minhash(STORY + "补充"), site="s", etag='"e2"', version=2)
    store.add(url, "fp-stale", site="s", etag='"old"', version=2)  # a version recovered twice: ignored
    store.commit()
    second = store.record(url)
    assert (second.fingerprint, second.etag, second.last_modified, second.version) == (
        "fp1b",
        '"e2"',
        None,
        2,
    )
    assert second.exported_at == first.exported_at
    assert store.url_for_fingerprint("fp1b") == canonical_url(url)
    assert store.url_for_fingerprint("fp1") == canonical_url(url)  # an earlier version's text is exported too
    [signature] = [m for u, m in store.minhashes() if u == canonical_url(url)]
    assert signature.jaccard(text_minhash(STORY + "补充")) == 1.0

    store.touch(url, last_modified="Tue")
    store.commit()
    touched = store.record(url)
    assert (touched.etag, touched.last_modified, touched.version) == ('"e2"', "Tue", 2)

    counts = {c.site: (c.articles, c.versions, c.revised) for c in store.site_counts()}
    assert counts == {"s": (2, 3, 1), "t": (1, 1, 0)}

    assert store.forget(["http://h/old/1"]) == 1  # by an alias: the article and every URL of it
    store.commit()
    assert not store.seen_url(url) and not store.seen_url("http://h/old/1")
    assert store.was_forgotten(url) and not store.was_forgotten("http://h/news/2.html")
    assert store.url_for_fingerprint("fp1b") is None and store.url_for_fingerprint("fp1") is None
    assert store.forget(site="t") == 1 and store.forget(["http://h/nope"]) == 0
    store.commit()
    assert [c.site for c in store.site_counts()] == ["s"]
    store.add(url, "fp1c", site="s")  # exported again: no longer forgotten
    store.commit()
    assert store.seen_url(url) and not store.was_forgotten(url) and store.record(url).version == 1


def test_two_workers_cannot_both_write_a_version(redis_url):  # noqa: F811
    a, b = RedisSeenStore(redis_url, prefix="v"), RedisSeenStore(redis_url, prefix="v")
    a.add("http://h/a.html", "fp1", site="s")
    entry = '{"fingerprint": "fp2", "version": 2, "site": "s"}'
    assert a.revise("http://h/a.html", "fp2", None, entry, expected="fp1")
    assert not b.revise("http://h/a.html", "fp2x", None, entry.replace("fp2", "fp2x"), expected="fp1")
    assert b.record("http://h/a.html").fingerprint == "fp2"
    a.close()
    b.close()


def test_an_article_stored_before_versions_gets_its_record_on_a_revisit(redis_url):  # noqa: F811
    store = RedisSeenStore(redis_url, prefix="old")
    key = "http://h/news/1.html"
    store.client.hset(store.articles_key, key, "2026-01-02T03:04:05+00:00 w1")  # the earlier layout
    store.client.hset(store.urls_key, key, key)
    record = store.record(key)
    assert (record.version, record.site, record.fingerprint) == (1, None, "")
    assert record.fetched_at == record.exported_at == "2026-01-02T03:04:05+00:00"
    assert [(c.site, c.articles) for c in store.site_counts()] == [(None, 1)]
    store.touch(key, etag='"e"', site="s")
    record = store.record(key)
    assert (record.site, record.etag) == ("s", '"e"') and record.fetched_at != record.exported_at
    store.touch("http://h/never-exported.html")  # nothing to touch: nothing created
    assert store.record("http://h/never-exported.html") is None
    assert store.client.hlen(store.versions_key) == 1
    store.close()
