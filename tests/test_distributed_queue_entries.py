"""Whatever a worker reads back from Redis is data: hostile entries are dropped, never run.

Whoever can write to the Redis server can write the shared queue and the held-request records.
Each hostile entry here goes straight into a real redis-server, and a real scheduler of the real
``news`` spider pops it: the entry is dropped with one log line and a count, nothing it names is
imported or called, and the worker goes on with the next entry. The decoder is also given random
JSON (hypothesis): it returns a request inside the schema or rejects, nothing else.
"""

from __future__ import annotations

import json
import pickle
import sys
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.utils.test import get_crawler

from newsclean.distributed.addon import distributed_settings
from newsclean.distributed.codec import (
    CALLBACKS,
    ERRBACKS,
    META,
    METHODS,
    QueueCodec,
    RejectedEntry,
)
from newsclean.distributed.scheduler import SharedScheduler
from newsclean.spiders.news import NewsSpider
from tests.redis_server import redis_server, redis_url  # noqa: F401
from tests.site.runner import write_sources

pytestmark = pytest.mark.redis

ORIGIN = "http://127.0.0.1:8123"
TIMEOUT = 30.0


def news_crawler(tmp_path, **site):
    sources = write_sources(tmp_path / "sources.toml", ORIGIN, **site)
    crawler = get_crawler(NewsSpider, {"DOWNLOAD_TIMEOUT": TIMEOUT, "RETRY_TIMES": 2})
    spider = NewsSpider.from_crawler(crawler, sources=str(sources))
    crawler.spider = spider
    return crawler, spider


def open_news_scheduler(url: str, tmp_path, **site) -> SharedScheduler:
    sources = write_sources(tmp_path / "sources.toml", ORIGIN, **site)
    settings = {**distributed_settings(url), "NEWSCLEAN_WORKER_ID": "w1", "DOWNLOAD_TIMEOUT": TIMEOUT}
    crawler = get_crawler(NewsSpider, settings)
    spider = NewsSpider.from_crawler(crawler, sources=str(sources))
    crawler.spider = spider
    scheduler = SharedScheduler.from_crawler(crawler)
    scheduler.open(spider)
    return scheduler


def page(path: str, **extra) -> dict:
    """A well-formed entry, as the spider's own article requests are stored."""
    entry = {
        "url": f"{ORIGIN}{path}",
        "callback": "parse_page",
        "errback": "on_error",
        "meta": {"site": "fixture", "kind": "article", "depth": 1},
        "priority": 1,
    }
    for key, value in extra.items():
        if key == "meta" and isinstance(value, dict):
            entry["meta"] = {**entry["meta"], **value}
        else:
            entry[key] = value
    return entry


def raw(entry) -> bytes:
    return entry if isinstance(entry, bytes) else json.dumps(entry).encode()


# what was found to reach code, files and hosts through request_from_dict: name -> (entry, reason)
HOSTILE = {
    "imports a module that prints": (page("/a.html", _class="this.s"), "field"),
    "imports a module that runs a CLI": (page("/a.html", _class="pip.__main__.x"), "field"),
    "re-initialises the spider": (page("/a.html", callback="__init__"), "callback"),
    "closes the spider": (page("/a.html", callback="close"), "callback"),
    "names a private method": (page("/a.html", errback="_closed"), "callback"),
    "no callback: Spider.parse raises": ({"url": f"{ORIGIN}/a.html", "meta": page("")["meta"]}, "callback"),
    "local file, dupefilter off": (page("/", url="file:///etc/passwd", dont_filter=True), "field"),
    "local file": (page("/", url="file:///etc/passwd"), "url"),
    "data URL": (page("/", url="data:text/html,<p>x</p>"), "url"),
    "off-site host": (page("/", url="http://evil.example/a.html"), "offsite"),
    "off-site alias poisons the seen-store": (
        page("/a.html", meta={"redirect_urls": ["http://evil.example/a"], "redirect_times": 1}),
        "offsite",
    ),
    "no download cap": (page("/a.html", meta={"download_maxsize": 0}), "meta"),
    "no size warning": (page("/a.html", meta={"download_warnsize": 0}), "meta"),
    "longer timeout": (page("/a.html", meta={"download_timeout": 10**6}), "meta"),
    "offsite allowed": (page("/a.html", meta={"allow_offsite": True}), "meta"),
    "robots.txt ignored": (page("/a.html", meta={"dont_obey_robotstxt": True}), "meta"),
    "through a proxy": (page("/a.html", meta={"proxy": "http://evil.example:3128"}), "meta"),
    "endless retries": (page("/a.html", meta={"retry_times": -100}), "meta"),
    "unknown site": (page("/a.html", meta={"site": "elsewhere"}), "site"),
    "POST with a body": (page("/a.html", method="POST", body="x=1"), "field"),
    "odd method": (page("/a.html", method="DELETE"), "method"),
    "Host header": (page("/a.html", headers={"Host": "evil.example"}), "headers"),
    "header injection": (page("/a.html", headers={"Referer": "x\r\nCookie: a=1"}), "headers"),
    "cookies": (page("/a.html", cookies={"session": "x"}), "field"),
    "callback arguments": (page("/a.html", cb_kwargs={"response": None}), "field"),
    "bad IPv6 host": (page("/", url="http://[::1/a.html"), "url"),
    "port out of range": (page("/", url="http://127.0.0.1:99999/a.html"), "url"),
    "credentials in the URL": (page("/", url="http://u:p@127.0.0.1:8123/a.html"), "url"),
    "huge priority": (page("/a.html", priority=10**30), "priority"),
    "pickle": (pickle.dumps({"url": f"{ORIGIN}/a.html"}), "format"),
    "not JSON": (b"\xff\xfe not json", "format"),
    "deep nesting": (b"[" * 30_000 + b"]" * 30_000, "format"),
    "a JSON list": (b"[1, 2, 3]", "format"),
    "oversized": (raw(page("/a.html", headers={"Referer": "x" * 70_000})), "size"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_entry_is_dropped_with_one_line_and_runs_nothing(name, redis_url, tmp_path, caplog, capfd):  # noqa: F811
    entry, reason = HOSTILE[name]
    s = open_news_scheduler(redis_url, tmp_path)
    sys.modules.pop("this", None)
    s.server.zadd(s.queue.key, {raw(entry): 0})
    s.server.zadd(s.queue.key, {raw(page("/after.html")): 1})  # the next, well-formed entry
    got = s.next_request()
    assert got is not None and got.url == f"{ORIGIN}/after.html", "the worker did not go on"
    assert got.callback == s.spider.parse_page and got.errback == s.spider.on_error
    assert s.stats.get_value(f"newsclean/distributed/rejected/{reason}") == 1
    dropped = [r for r in caplog.records if "dropped a shared-queue entry" in r.getMessage()]
    assert len(dropped) == 1 and "\n" not in dropped[0].getMessage()
    assert len(dropped[0].getMessage()) < 400
    assert "this" not in sys.modules and "pip.__main__" not in sys.modules
    assert "Beautiful is better than ugly" not in capfd.readouterr().out
    assert list(s.held.values()) == [got] and s.server.hlen(s.held_key) == 1  # only the good one held
    assert s.server.zcard(s.queue.key) == 0


def test_the_spiders_own_requests_survive_the_round_trip(redis_url, tmp_path):  # noqa: F811
    s = open_news_scheduler(redis_url, tmp_path)
    spider = s.spider
    sent = [
        Request(f"{ORIGIN}/news/1.html", callback=spider.parse_page, errback=spider.on_error, priority=1),
        Request(f"{ORIGIN}/robots.txt", callback=spider.parse_robots, errback=spider.on_aux_error),
        Request(
            f"{ORIGIN}/feed.xml",
            callback=spider.parse_feed,
            errback=spider.on_aux_error,
            headers={"Referer": f"{ORIGIN}/", "X-Other": "set again by the downloader"},
        ),
    ]
    metas = [
        {"site": "fixture", "kind": "article", "depth": 2, "retry_times": 1, "download_timeout": TIMEOUT},
        {"site": "fixture", "kind": "robots", "handle_httpstatus_list": [404, 410], "download_slot": "x"},
        {"site": "fixture", "kind": "feed", "redirect_urls": [f"{ORIGIN}/rss"], "redirect_times": 1},
    ]
    for request, meta in zip(sent, metas, strict=True):
        request.meta.update(meta)
        assert s.enqueue_request(request)
    back = sorted((s.next_request() for _ in sent), key=lambda r: r.url)
    for a, b in zip(sorted(sent, key=lambda r: r.url), back, strict=True):
        assert (a.url, a.callback, a.errback, a.priority, a.method) == (
            b.url,
            b.callback,
            b.errback,
            b.priority,
            b.method,
        )
        assert b.meta == {k: v for k, v in a.meta.items() if k != "download_slot"}
    feed = next(r for r in back if r.url.endswith("feed.xml"))
    assert feed.headers.get("Referer") == f"{ORIGIN}/".encode() and "X-Other" not in feed.headers


def test_a_request_with_a_sites_download_settings_survives_the_round_trip(redis_url, tmp_path):  # noqa: F811
    """SitePolicy's slot and delay flags are the downloader's: left out, set again at download."""
    from newsclean.crawling.middlewares import SitePolicy

    s = open_news_scheduler(redis_url, tmp_path, download_delay=0.5, user_agent="SiteBot/1")
    policy = SitePolicy.from_crawler(s.spider.crawler)
    request = Request(f"{ORIGIN}/news/1.html", callback=s.spider.parse_page, errback=s.spider.on_error)
    request.meta.update({"site": "fixture", "kind": "article", "retry_times": 1})
    policy.process_request(request)
    assert request.meta["download_slot"] == "site:fixture" and request.meta["autothrottle_dont_adjust_delay"]
    assert s.enqueue_request(request)  # a retry goes back to the queue with what the downloader set
    back = s.next_request()
    assert back.meta == {"site": "fixture", "kind": "article", "retry_times": 1}
    assert back.headers.get("User-Agent") == b"SiteBot/1"
    policy.process_request(back)
    assert back.meta["download_slot"] == "site:fixture" and back.meta["autothrottle_dont_adjust_delay"]


def test_a_revisit_keeps_its_marker_hint_and_validators_through_the_queue(redis_url, tmp_path):  # noqa: F811
    from newsclean.crawling.revisits import mark_revisit

    s = open_news_scheduler(redis_url, tmp_path)
    spider = s.spider
    request = Request(f"{ORIGIN}/news/7.html", callback=spider.parse_page, errback=spider.on_error)
    request.meta.update({"site": "fixture", "kind": "article", "modified_hint": 1_800_000_000.5})
    mark_revisit(request, '"v1-abc"', "Thu, 03 Dec 2026 10:00:00 GMT")
    assert s.enqueue_request(request)
    back = s.next_request()
    assert back.meta == {
        "site": "fixture",
        "kind": "article",
        "modified_hint": 1_800_000_000.5,
        "revisit": True,
        "handle_httpstatus_list": [304],
    }
    assert back.headers.get("If-None-Match") == b'"v1-abc"'
    assert back.headers.get("If-Modified-Since") == b"Thu, 03 Dec 2026 10:00:00 GMT"
    for meta in (
        {"revisit": "yes"},
        {"modified_hint": float("inf")},
        {"modified_hint": -1},
        {"modified_hint": True},
    ):
        s.server.zadd(s.queue.key, {raw(page("/news/8.html", meta=meta)): 0})
        assert s.next_request() is None, meta
    bad = page("/news/9.html", headers={"If-None-Match": "a\nInjected: 1"})
    s.server.zadd(s.queue.key, {raw(bad): 0})
    assert s.next_request() is None


def test_the_allow_list_names_the_news_spiders_methods():
    for name in CALLBACKS | ERRBACKS:
        assert callable(getattr(NewsSpider, name, None)), f"NewsSpider has no {name}"


def test_pages_from_the_queue_count_against_max_pages(redis_url, tmp_path):  # noqa: F811
    s = open_news_scheduler(redis_url, tmp_path, max_pages=3)
    for i in range(5):
        s.server.zadd(s.queue.key, {raw(page(f"/news/{i}.html")): i})
    s.server.zadd(
        s.queue.key, {raw(page("/robots.txt", meta={"kind": "robots"}, callback="parse_robots")): 9}
    )
    got = []
    while (r := s.next_request()) is not None:
        got.append(r.url)
    assert len([u for u in got if "/news/" in u]) == 3 and got[-1].endswith("/robots.txt")  # not a page
    assert s.stats.get_value("newsclean/max_pages_reached/fixture") == 2
    retry = page("/news/0.html", meta={"retry_times": 1})
    s.server.zadd(s.queue.key, {raw(retry): 0})
    assert s.next_request().url.endswith("/news/0.html")  # a page already taken is not a new one


def test_a_flood_of_junk_is_counted_not_logged_forever(redis_url, tmp_path, caplog):  # noqa: F811
    from newsclean.distributed import scheduler as scheduler_module

    s = open_news_scheduler(redis_url, tmp_path)
    n = scheduler_module.MAX_LOGGED_REJECTS + 50
    s.server.zadd(s.queue.key, {f"junk {i}".encode(): 0 for i in range(n)})
    while s.server.zcard(s.queue.key):
        assert s.next_request() is None
    assert s.stats.get_value("newsclean/distributed/rejected/format") == n
    assert sum("dropped a shared-queue entry" in r.getMessage() for r in caplog.records) < n
    assert s.server.hlen(s.held_key) == 0


# ---------------------------------------------------------------- held records and counters


def test_malformed_held_records_of_dead_workers_are_skipped(redis_url, tmp_path, caplog):  # noqa: F811
    s = open_news_scheduler(redis_url, tmp_path)
    good = raw(page("/news/7.html"))
    held = s.held_prefix + "dead"
    s.server.hset(
        held, mapping={"1": b"-1 " + good, "2": b"no-space", "3": b"nan x", "4": b"1e999 y", "5": b"3 "}
    )
    s.server.sadd(s.workers_key, "dead", "wrong-type", "")
    s.server.set(s.held_prefix + "wrong-type", "not a hash")
    assert s.status() == (0, 5, 1)
    assert s.recover_dead() == 1
    assert "dropped 4 malformed held-request record(s)" in caplog.text
    assert s.stats.get_value("newsclean/distributed/rejected/held_record") == 4
    assert s.next_request().url == f"{ORIGIN}/news/7.html"
    assert s.status() == (0, 1, 1)


def test_an_overwritten_held_counter_does_not_stop_the_pops(redis_url, tmp_path):  # noqa: F811
    s = open_news_scheduler(redis_url, tmp_path)
    s.server.set(s.seq_key, "not a number")
    s.server.hset(s.held_key, "1", b"0 " + raw(page("/news/held.html")))  # an id the counter gives next
    s.server.zadd(s.queue.key, {raw(page("/news/1.html")): 0})
    assert s.next_request().url.endswith("/news/1.html")
    assert s.server.hlen(s.held_key) == 2  # nothing overwritten


def test_a_hostile_own_held_key_is_cleared_on_join(redis_url, tmp_path):  # noqa: F811
    import redis

    probe = redis.Redis.from_url(redis_url)
    probe.set("newsclean:news:held:w1", "a string where a hash belongs")
    s = open_news_scheduler(redis_url, tmp_path)
    s.server.zadd(s.queue.key, {raw(page("/news/1.html")): 0})
    assert s.next_request() is not None


# ---------------------------------------------------------------- the decoder on random data

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
FIELD_VALUES = {
    "url": st.sampled_from(
        [
            f"{ORIGIN}/a.html",
            "http://evil.example/",
            "file:///etc/passwd",
            "http://[::1",
            "https://127.0.0.1:0/",
        ]
    )
    | st.text(max_size=30),
    "method": st.sampled_from(["GET", "HEAD", "POST", "get", ""]) | JSON,
    "callback": st.sampled_from([*CALLBACKS, "__init__", "close", "parse", "_closed"]) | JSON,
    "errback": st.sampled_from([*ERRBACKS, "__init__", "log"]) | JSON,
    "headers": st.dictionaries(st.sampled_from(["Referer", "Host", "Cookie", "accept"]), JSON, max_size=3)
    | JSON,
    "meta": st.dictionaries(
        st.sampled_from([*META, "download_maxsize", "dont_filter", "proxy", "x"]), JSON, max_size=5
    )
    | JSON,
    "priority": st.integers() | JSON,
    "_class": st.just("this.s"),
    "dont_filter": st.booleans(),
}
ENTRIES = st.fixed_dictionaries({}, optional=FIELD_VALUES) | JSON


def _inside_the_schema(request: Request, spider, codec: QueueCodec) -> None:
    parts = urlsplit(request.url)
    assert parts.scheme in ("http", "https") and parts.hostname == "127.0.0.1" and parts.port == 8123
    assert request.method in METHODS and not request.body and not request.dont_filter
    assert request.callback is None or request.callback.__name__ in CALLBACKS
    assert request.errback is None or request.errback.__name__ in ERRBACKS
    assert set(request.meta) <= set(META), request.meta
    assert request.meta.get("download_timeout", 0) <= codec.limits.download_timeout
    assert request.meta["site"] in spider.sites
    assert set(k.decode().lower() for k in request.headers) <= {
        "referer",
        "accept",
        "accept-language",
        "accept-encoding",
        "user-agent",
        "if-none-match",
        "if-modified-since",
    }


@pytest.fixture(scope="module")
def news_spider(tmp_path_factory):
    return news_crawler(tmp_path_factory.mktemp("spider"))[1]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entry=ENTRIES)
def test_random_entries_decode_inside_the_schema_or_are_rejected(entry, news_spider):
    spider = news_spider
    codec = QueueCodec(spider)
    near_valid = page("/a.html", **entry) if isinstance(entry, dict) else entry  # one field changed
    for data in (json.dumps(entry).encode(), json.dumps(near_valid).encode()):
        try:
            request = codec.decode(data)
        except RejectedEntry as err:
            assert err.reason and "\n" not in str(err) and len(str(err)) < 400
            continue
        _inside_the_schema(request, spider, codec)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200))
def test_random_bytes_are_rejected_never_raised(data):
    codec = QueueCodec(NewsSpider())
    with pytest.raises(RejectedEntry):
        codec.decode(data)


def test_control_scrapys_own_decoder_does_run_what_an_entry_names(tmp_path):
    """The same entries through ``request_from_dict`` import and call: the tests above can fail."""
    import subprocess

    code = (
        "from scrapy.utils.request import request_from_dict\n"
        "try:\n"
        "    request_from_dict({'url': 'http://h/', '_class': 'this.s'})\n"
        "except Exception as err:\n"
        "    print('then', type(err).__name__)\n"
        "from scrapy import Spider\n"
        "r = request_from_dict({'url': 'http://h/', 'callback': '__init__'}, spider=Spider('s'))\n"
        "print('callback', r.callback.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "Beautiful is better than ugly" in out and "callback __init__" in out


def test_a_key_of_the_wrong_type_stops_the_worker_with_one_line(redis_url, tmp_path):  # noqa: F811
    s = open_news_scheduler(redis_url, tmp_path)
    s.server.delete(s.queue.key)
    s.server.set(s.queue.key, "a string where the queue belongs")
    assert s.next_request() is None
    assert s.failed and "WRONGTYPE" in s.failed and "\n" not in s.failed
    assert s.stats.get_value("newsclean/distributed/redis_error") == s.failed
    s.close("redis_error")  # must not raise


def test_a_redirect_off_the_site_is_not_queued_and_not_an_error(redis_url, tmp_path, caplog):  # noqa: F811
    s = open_news_scheduler(redis_url, tmp_path)
    spider = s.spider
    meta = {"site": "fixture", "kind": "article", "redirect_urls": [f"{ORIGIN}/go"], "redirect_times": 1}
    away = Request("https://elsewhere.example/a.html", callback=spider.parse_page, meta=meta)
    assert not s.enqueue_request(away)
    assert s.server.zcard(s.queue.key) == 0
    assert s.stats.get_value("offsite/filtered") == 1
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_redirect_to_a_local_file_is_not_queued(redis_url, tmp_path, caplog):  # noqa: F811
    s = open_news_scheduler(redis_url, tmp_path)
    meta = {"site": "fixture", "kind": "article", "redirect_urls": [f"{ORIGIN}/go"], "redirect_times": 1}
    local = Request("file:///etc/passwd", callback=s.spider.parse_page, meta=meta)
    assert not s.enqueue_request(local)
    assert s.server.zcard(s.queue.key) == 0
    assert "not an http(s) url" in caplog.text
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
