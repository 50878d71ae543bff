"""The Redis bookkeeping of the distributed crawl, step by step, on a real redis-server.

The end-to-end tests (tests/test_distributed.py) run real workers; these pin down each rule
they rely on: atomic pop-and-hold, requeue of dead workers only, the dupefilter's life span,
JSON (never pickle) in the queue, and the settings that switch the mode on.
"""

from __future__ import annotations

import argparse
import json
import time

import pytest
import redis
import scrapy
from scrapy.settings import Settings
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from newsclean.core.errors import InputError
from newsclean.crawling.robots import RobotsTxtMiddleware
from newsclean.distributed.addon import (
    DistributedAddon,
    distributed_settings,
    idle_timeout,
    settings_from_args,
    worker_id,
)
from newsclean.distributed.connection import RedisUnavailableError
from newsclean.distributed.extensions import SharedCrawlWorker
from newsclean.distributed.middlewares import SharedSeenFilter
from newsclean.distributed.pipelines import SharedClaimPipeline
from newsclean.distributed.scheduler import SharedScheduler
from tests.redis_server import free_port, redis_server, redis_url  # noqa: F401

pytestmark = pytest.mark.redis


class TinySpider(scrapy.Spider):
    name = "tiny"

    def parse(self, response):  # pragma: no cover - never downloads here
        return None


def open_scheduler(url: str, worker: str, ttl: float = 30.0) -> SharedScheduler:
    settings = {
        **distributed_settings(url),
        "NEWSCLEAN_WORKER_ID": worker,
        "NEWSCLEAN_HEARTBEAT_TTL": ttl,
    }
    crawler = get_crawler(TinySpider, settings)
    spider = TinySpider.from_crawler(crawler)
    crawler.spider = spider
    scheduler = SharedScheduler.from_crawler(crawler)
    scheduler.open(spider)
    return scheduler


def req(path: str, **kw) -> scrapy.Request:
    return scrapy.Request(f"http://127.0.0.1:9/{path}", **kw)


def test_requests_travel_as_json_never_pickle(redis_url):  # noqa: F811
    s = open_scheduler(redis_url, "w1")
    original = req(
        "news/1.html",
        headers={"Accept-Language": "zh-CN"},
        meta={"site": "x", "kind": "article", "handle_httpstatus_list": [404, 410]},
        priority=1,
    )
    assert s.enqueue_request(original)
    [stored] = s.server.zrange(s.queue.key, 0, -1)
    decoded = json.loads(stored)  # plain JSON in Redis
    assert decoded["url"] == original.url and decoded["meta"]["kind"] == "article"
    back = s.next_request()
    assert back.url == original.url and back.priority == 1
    assert back.headers[b"Accept-Language"] == b"zh-CN"
    assert back.meta["handle_httpstatus_list"] == [404, 410]
    assert back.callback is None  # the spider's parse, as before


def test_a_request_that_cannot_be_shared_is_refused_in_one_line(redis_url, caplog):  # noqa: F811
    s = open_scheduler(redis_url, "w1")
    assert not s.enqueue_request(req("odd.html", meta={"thing": object()}))
    assert not s.enqueue_request(req("post.html", method="POST", body=b"x=1"))
    assert not s.enqueue_request(req("cb.html", callback=lambda r: None))
    assert caplog.text.count("cannot be stored in the shared queue") == 3
    assert "meta key 'thing'" in caplog.text
    assert s.server.zcard(s.queue.key) == 0
    assert s.stats.get_value("newsclean/distributed/unqueueable") == 3


def test_a_pickled_entry_is_dropped_not_unpickled(redis_url):  # noqa: F811
    import pickle

    s = open_scheduler(redis_url, "w1")
    s.server.zadd(s.queue.key, {pickle.dumps({"url": "http://evil/"}): 0})
    assert s.next_request() is None
    assert s.server.hlen(s.held_key) == 0 and s.server.zcard(s.queue.key) == 0


def test_pop_holds_until_released(redis_url):  # noqa: F811
    s = open_scheduler(redis_url, "w1")
    for i in range(3):
        assert s.enqueue_request(req(f"{i}.html"))
    assert not s.enqueue_request(req("1.html"))  # the dupefilter
    # a retry passes the dupefilter (dont_filter), but dont_filter itself never travels
    assert s.enqueue_request(req("1.html", dont_filter=True, meta={"retry_times": 1}))
    got = [s.next_request() for _ in range(4)]
    assert not any(r.dont_filter for r in got)
    assert s.next_request() is None
    assert s.server.hlen(s.held_key) == 4 and s.server.zcard(s.queue.key) == 0
    assert s.release_finished(live={got[0], got[1]}) == 2  # Scrapy finished the other two
    assert s.server.hlen(s.held_key) == 2
    assert s.release_finished(live=set()) == 2
    assert s.server.hlen(s.held_key) == 0


def test_only_dead_workers_lose_their_requests(redis_url):  # noqa: F811
    alive = open_scheduler(redis_url, "alive", ttl=30)
    dying = open_scheduler(redis_url, "dying", ttl=0.3)
    for i in range(4):
        alive.enqueue_request(req(f"{i}.html"))
    a = alive.next_request()
    d1, d2 = dying.next_request(), dying.next_request()
    assert {a.url, d1.url, d2.url} <= {req(f"{i}.html").url for i in range(4)}
    assert alive.recover_dead() == 0  # everybody's heartbeat is fresh
    assert alive.status() == (1, 3, 2)
    time.sleep(0.5)  # "dying" stops beating (as after SIGKILL)
    assert alive.recover_dead() == 2
    assert alive.recover_dead() == 0  # moved once, not twice
    assert alive.status() == (3, 1, 1)
    again = {alive.next_request().url for _ in range(3)}
    assert {d1.url, d2.url} <= again


def test_a_slow_worker_taken_for_dead_rejoins_with_its_beat(redis_url):  # noqa: F811
    slow = open_scheduler(redis_url, "slow", ttl=0.3)
    other = open_scheduler(redis_url, "other")
    time.sleep(0.5)
    assert other.recover_dead() == 0
    slow.heartbeat()
    slow.enqueue_request(req("x.html"))
    slow.next_request()
    assert other.status() == (0, 1, 2)  # counted again: its new requests are protected


def test_dupefilter_lives_as_long_as_the_crawl(redis_url):  # noqa: F811
    first = open_scheduler(redis_url, "first")
    first.enqueue_request(req("a.html"))
    first.next_request()
    late = open_scheduler(redis_url, "late")  # joins a running crawl: the dupefilter stays
    assert not late.enqueue_request(req("a.html"))
    late.close("finished")
    assert first.server.exists(first.df_key)
    first.release_finished(set())
    first.close("finished")  # the last one out of a finished crawl
    assert not first.server.exists(first.df_key)
    nxt = open_scheduler(redis_url, "next-run")
    assert nxt.enqueue_request(req("a.html"))  # a new crawl visits its pages again


def test_a_worker_stopped_early_hands_back_what_it_held(redis_url):  # noqa: F811
    s = open_scheduler(redis_url, "w1")
    for i in range(3):
        s.enqueue_request(req(f"{i}.html"))
    s.next_request(), s.next_request()
    s.close("shutdown")  # Ctrl-C: Scrapy cancelled the downloads
    probe = redis.Redis.from_url(redis_url)
    assert probe.zcard(s.queue.key) == 3 and probe.hlen(s.held_key) == 0
    assert probe.exists(s.df_key)  # not finished: the next run resumes with the same dupefilter


def test_a_crawl_interrupted_by_a_dead_worker_resumes(redis_url):  # noqa: F811
    dead = open_scheduler(redis_url, "dead", ttl=0.3)
    dead.enqueue_request(req("a.html"))
    dead.next_request()
    time.sleep(0.5)
    resumed = open_scheduler(redis_url, "new")  # held work left: not a new crawl
    assert not resumed.enqueue_request(req("a.html"))
    assert resumed.recover_dead() == 1
    assert resumed.next_request().url.endswith("/a.html")


def test_redis_failure_stops_the_worker_without_releasing(redis_server):  # noqa: F811
    s = open_scheduler(redis_server.url, "w1")
    s.enqueue_request(req("a.html"))
    s.next_request()
    redis_server.kill()
    assert s.next_request() is None
    assert s.failed and "unavailable" in s.failed and "\n" not in s.failed
    assert not s.enqueue_request(req("b.html"))
    s.close("redis_error")  # must not raise, must not try to hand anything back


def test_unreachable_redis_at_scheduler_start():
    with pytest.raises(RedisUnavailableError, match="unavailable"):
        open_scheduler(f"redis://127.0.0.1:{free_port()}/0", "w")


def test_addon_switches_the_mode_on_only_with_a_url(redis_url):  # noqa: F811
    from newsclean.crawling import settings as project_settings

    plain = Settings({"SCHEDULER": "scrapy.core.scheduler.Scheduler"})
    DistributedAddon().update_settings(plain)
    assert plain["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    project = {
        "ADDONS": {"newsclean.distributed.addon.DistributedAddon": 0},
        "REDIS_URL": redis_url,
        "DUPEFILTER_CLASS": "scrapy.dupefilters.RFPDupeFilter",  # a project-wide choice...
        # the project's robots.txt fix (a worker joining a running crawl pops many URLs at once)
        "DOWNLOADER_MIDDLEWARES": project_settings.DOWNLOADER_MIDDLEWARES,
    }
    crawler = get_crawler(TinySpider, project)
    crawler._apply_settings()
    s = crawler.settings
    assert s["SCHEDULER"] == "newsclean.distributed.scheduler.SharedScheduler"
    assert s["DUPEFILTER_CLASS"] == "scrapy_redis.dupefilter.RFPDupeFilter"  # ...gives way
    assert s.getbool("SCHEDULER_PERSIST")
    from scrapy.utils.conf import build_component_list

    assert SharedCrawlWorker in map(load_object, build_component_list(s.getwithbase("EXTENSIONS")))
    assert SharedSeenFilter in map(load_object, build_component_list(s.getwithbase("SPIDER_MIDDLEWARES")))
    assert SharedClaimPipeline in map(load_object, build_component_list(s.getwithbase("ITEM_PIPELINES")))
    downloader = [load_object(c) for c in build_component_list(s.getwithbase("DOWNLOADER_MIDDLEWARES"))]
    assert RobotsTxtMiddleware in downloader
    assert not any(
        c.__module__.startswith("scrapy.") and c.__name__ == "RobotsTxtMiddleware" for c in downloader
    )


def test_idle_timeout_from_setting_then_environment(monkeypatch):
    monkeypatch.delenv("NEWSCLEAN_IDLE_TIMEOUT", raising=False)
    assert idle_timeout(Settings()) == 30.0
    monkeypatch.setenv("NEWSCLEAN_IDLE_TIMEOUT", "4.5")
    assert idle_timeout(Settings()) == 4.5
    assert idle_timeout(Settings({"NEWSCLEAN_IDLE_TIMEOUT": "2"})) == 2.0
    for bad in ("soon", "0", "-1"):
        with pytest.raises(InputError):
            idle_timeout(Settings({"NEWSCLEAN_IDLE_TIMEOUT": bad}))


def test_worker_ids_unique_unless_chosen(monkeypatch):
    monkeypatch.delenv("NEWSCLEAN_WORKER_ID", raising=False)
    assert worker_id(Settings()) != worker_id(Settings())
    assert worker_id(Settings({"NEWSCLEAN_WORKER_ID": "m1-a"})) == "m1-a"
    with pytest.raises(InputError):
        worker_id(Settings({"NEWSCLEAN_WORKER_ID": "has space"}))


def test_command_line_options(redis_url, monkeypatch):  # noqa: F811
    def ns(**kw):
        base = {"redis": None, "idle_timeout": None, "worker_id": None}
        return argparse.Namespace(**{**base, **kw})

    assert settings_from_args(ns()) == {}
    assert settings_from_args(ns(redis=redis_url, idle_timeout=2.0, worker_id="a")) == {
        "REDIS_URL": redis_url,
        "NEWSCLEAN_IDLE_TIMEOUT": 2.0,
        "NEWSCLEAN_WORKER_ID": "a",
    }
    with pytest.raises(InputError, match="only apply with --redis"):
        settings_from_args(ns(idle_timeout=2.0))
    with pytest.raises(InputError, match="positive"):
        settings_from_args(ns(redis=redis_url, idle_timeout=0.0))
    with pytest.raises(RedisUnavailableError):
        settings_from_args(ns(redis=f"redis://127.0.0.1:{free_port()}/0"))
    monkeypatch.setenv("NEWSCLEAN_HEARTBEAT_TTL", "soon")  # checked before Scrapy starts
    with pytest.raises(InputError, match="NEWSCLEAN_HEARTBEAT_TTL"):
        settings_from_args(ns(redis=redis_url))


def test_claim_withdrawn_when_the_line_is_not_written(redis_url):  # noqa: F811
    from scrapy import signals
    from scrapy.exceptions import DropItem
    from twisted.python.failure import Failure

    from newsclean.crawling.items import ArticleItem
    from newsclean.distributed.store import RedisSeenStore

    crawler = get_crawler(TinySpider, {"REDIS_URL": redis_url})
    pipeline = SharedClaimPipeline.from_crawler(crawler)
    store = RedisSeenStore(redis_url)

    def item(n):
        return ArticleItem(article={"url": f"http://h/{n}.html", "fingerprint": f"fp{n}"}, site="s")

    written, broken = item(1), item(2)
    assert pipeline.process_item(written) is written
    assert pipeline.process_item(broken) is broken
    crawler.signals.send_catch_log(signals.item_scraped, item=written, response=None, spider=None)
    failure = Failure(OSError(28, "No space left on device"))
    crawler.signals.send_catch_log(
        signals.item_error, item=broken, response=None, spider=None, failure=failure
    )
    assert store.seen_urls(["http://h/1.html", "http://h/2.html"]) == [True, False]
    with pytest.raises(DropItem, match="another worker"):
        pipeline.process_item(item(1))
    assert pipeline.process_item(item(2)) is not None  # the next try may write it


def test_crawls_without_redis_never_import_it():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['redis'] = sys.modules['scrapy_redis'] = None\n"
        "from scrapy.settings import Settings\n"
        "from newsclean.distributed.addon import DistributedAddon\n"
        "DistributedAddon().update_settings(Settings())  # no REDIS_URL: nothing to import\n"
        "settings = Settings({'REDIS_URL': 'redis://h/0'})\n"
        "DistributedAddon().update_settings(settings)  # recorded for the crawl to end with, not raised\n"
        "print(settings.get('NEWSCLEAN_SETUP_ERROR'), settings.get('SCHEDULER'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'newsclean[distributed]'" in out and "'exit_code': 2" in out
    assert "SharedScheduler" not in out  # no shared crawl is set up


def _claim_pipeline(url: str, tmp_path, worker: str) -> SharedClaimPipeline:
    crawler = get_crawler(TinySpider, {"REDIS_URL": url, "NEWSCLEAN_OUTPUT_DIR": str(tmp_path / "out")})
    crawler.stats.set_value("newsclean/distributed/worker", worker)  # as the scheduler does
    return SharedClaimPipeline.from_crawler(crawler)


def test_claim_of_unknown_outcome_is_settled_at_next_start(redis_server, tmp_path):  # noqa: F811
    from newsclean.crawling.items import ArticleItem
    from newsclean.distributed.store import RedisSeenStore

    def item(n):
        return ArticleItem(article={"url": f"http://h/{n}.html", "fingerprint": f"fp{n}"}, site="s")

    before = _claim_pipeline(redis_server.url, tmp_path, "w-old")
    before.open_spider()
    redis_server.kill()  # the claim's reply never comes
    with pytest.raises(Exception, match="not written"):
        before.process_item(item(1))
    journal = tmp_path / "out" / ".state" / SharedClaimPipeline.JOURNAL
    assert json.loads(journal.read_text("utf-8"))["article"]["url"] == "http://h/1.html"
    redis_server.start()
    # what Redis may hold by then: our claim went through (2), another worker's (3), none (1)
    with journal.open("a", encoding="utf-8") as fh:
        for n in (2, 3):
            fh.write(json.dumps({"worker": "w-old", "article": item(n).output()}) + "\n")
        fh.write('{"worker": "w-old", "arti')  # torn by the crash
    store = RedisSeenStore(redis_server.url)
    store.claim("http://h/2.html", "fp2", owner="w-old")
    store.claim("http://h/3.html", "fp3", owner="w-other")
    after = _claim_pipeline(redis_server.url, tmp_path, "w-new")
    after.open_spider()
    written = [json.loads(line) for f in (tmp_path / "out").glob("*.jsonl") for line in f.open()]
    assert [a["url"] for a in written] == ["http://h/2.html"]
    assert not journal.exists()


BAD_URLS = [
    "redis://:99999",
    "redis://127.0.0.1:99999/0",
    "http://x",
    "redis://[::1",
    "redis://127.0.0.1:0/0",
    "redis://127.0.0.1:6379/zero",
    "redis://127.0.0.1:port/0",
    "redis:///0",
    "unix://",
    "redis://h:6379/0 x",
    "",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_malformed_redis_url_is_a_usage_error(url):
    from newsclean.distributed.connection import check_url

    with pytest.raises(InputError, match="bad Redis URL") as info:
        check_url(url)
    assert "\n" not in str(info.value)
    with pytest.raises(InputError):
        settings_from_args(argparse.Namespace(redis=url, idle_timeout=None, worker_id=None))


def test_well_formed_redis_urls_pass_the_check():
    from newsclean.distributed.connection import check_url

    for url in (
        "redis://127.0.0.1:6379/0",
        "redis://h",
        "rediss://u:p@h:6380/2",
        "unix:///run/redis.sock?db=1",
    ):
        check_url(url)


def _crawl_with_redis(url: str, tmp_path):
    import subprocess

    from tests.site.runner import crawl_cmd, env, write_sources

    sources = write_sources(tmp_path / "sources.toml", f"http://127.0.0.1:{free_port()}")
    cmd = crawl_cmd(sources, tmp_path / "out", "--redis", url)
    return subprocess.run(cmd, capture_output=True, text=True, env=env(), timeout=120)


@pytest.mark.parametrize("url", ["redis://:99999", "http://x", "redis://[::1"])
def test_the_crawl_command_exits_2_on_a_malformed_url(url, tmp_path):
    bad = _crawl_with_redis(url, tmp_path)
    assert bad.returncode == 2, bad.stderr
    assert bad.stderr.count("\n") == 1 and "bad Redis URL" in bad.stderr and bad.stdout == ""


def test_the_crawl_command_exits_69_when_redis_is_unreachable(tmp_path):
    down = _crawl_with_redis(f"redis://127.0.0.1:{free_port()}/0", tmp_path)
    assert down.returncode == 69, down.stderr
    assert down.stderr.count("\n") == 1 and "unavailable" in down.stderr
