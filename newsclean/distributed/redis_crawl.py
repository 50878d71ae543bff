"""The Redis machinery of the distributed crawl (see :mod:`newsclean.distributed.addon`).

scrapy-redis's scheduler, queue and dupefilter, plus what a crawl that must not lose pages needs
on top of them: requests held per worker until Scrapy is done with them, heartbeats, recovery
of dead workers' requests, the idle end, and the shared seen-store's part in a crawl (links to
exported pages not followed, each article claimed before it is written). Every step that must
not be cut in half by a crash or an outage is one Lua script.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, DropItem, NotConfigured
from scrapy.utils.misc import load_object
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from newsclean.distributed.addon import FINISH_REASON_REDIS, heartbeat_ttl, idle_timeout, worker_id
from newsclean.distributed.store import (
    RedisSeenStore,
    RedisUnavailableError,
    describe_redis_error,
    redact_url,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- requests in Redis as JSON


class JsonRequestCodec:
    """Request dicts as JSON: bytes and bytes-keyed dicts (headers) are tagged, nothing is pickled."""

    @staticmethod
    def dumps(obj: dict) -> bytes:
        return json.dumps(_tag(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @staticmethod
    def loads(data: bytes) -> dict:
        return json.loads(data, object_hook=_untag)


def _tag(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and "__b64__" not in value and "__items__" not in value:
            return {k: _tag(v) for k, v in value.items()}
        return {"__items__": [[_tag(k), _tag(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_tag(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(
        f"a {type(value).__name__} cannot be stored in the shared queue (use JSON values in meta)"
    )


def _untag(obj: dict) -> Any:
    if len(obj) == 1 and "__b64__" in obj:
        return base64.b64decode(obj["__b64__"])
    if len(obj) == 1 and "__items__" in obj:
        return {(tuple(k) if isinstance(k, list) else k): v for k, v in obj["__items__"]}
    return obj


# ---------------------------------------------------------------- Redis scripts

# Every step that must not be cut in half by a crash or an outage is one script.

_PUSH_IF_NEW = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

_POP_AND_HOLD = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], id, item[2] .. ' ' .. item[1])
return {tostring(id), item[1]}
"""

# Moves the held requests of one worker (ARGV[3]) or of every dead worker back into the queue.
_REQUEUE = """
local moved = 0
local workers = ARGV[3] ~= '' and {ARGV[3]} or redis.call('SMEMBERS', KEYS[1])
for _, w in ipairs(workers) do
  if ARGV[3] ~= '' or redis.call('EXISTS', ARGV[1] .. w) == 0 then
    local held = ARGV[2] .. w
    for _, v in ipairs(redis.call('HVALS', held)) do
      local sep = string.find(v, ' ', 1, true)
      redis.call('ZADD', KEYS[2], string.sub(v, 1, sep - 1), string.sub(v, sep + 1))
      moved = moved + 1
    end
    redis.call('DEL', held)
    redis.call('SREM', KEYS[1], w)
  end
end
return moved
"""

_STATUS = """
local held, alive = 0, 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  held = held + redis.call('HLEN', ARGV[2] .. w)
  alive = alive + redis.call('EXISTS', ARGV[1] .. w)
end
return {redis.call('ZCARD', KEYS[2]), held, alive}
"""

# A crawl is over when nobody is alive and nothing is queued or held: forget its dupefilter so
# the next crawl starts from its start pages again (the seen-store keeps what was exported).
_FORGET_IF_OVER = """
local function over()
  if redis.call('ZCARD', KEYS[2]) > 0 then return false end
  for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if redis.call('EXISTS', ARGV[1] .. w) == 1 or redis.call('HLEN', ARGV[2] .. w) > 0 then
      return false
    end
  end
  return true
end
"""

_JOIN = (
    _FORGET_IF_OVER
    + """
local fresh = over()
if fresh then redis.call('DEL', KEYS[1], KEYS[3], KEYS[4]) end
redis.call('SADD', KEYS[1], ARGV[3])
redis.call('SET', ARGV[1] .. ARGV[3], '1', 'PX', ARGV[4])
return fresh and 1 or 0
"""
)

_LEAVE = (
    _FORGET_IF_OVER
    + """
local held = ARGV[2] .. ARGV[3]
for _, v in ipairs(redis.call('HVALS', held)) do
  local sep = string.find(v, ' ', 1, true)
  redis.call('ZADD', KEYS[2], string.sub(v, 1, sep - 1), string.sub(v, sep + 1))
end
redis.call('DEL', held, ARGV[1] .. ARGV[3])
redis.call('SREM', KEYS[1], ARGV[3])
if over() then
  redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
  return 1
end
return 0
"""
)


class HeldPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop also records the request as held by this worker."""

    def _script(self, source: str):
        scripts = self.__dict__.setdefault("_scripts", {})
        if source not in scripts:
            scripts[source] = self.server.register_script(source)
        return scripts[source]

    def push_if_new(self, request: Request, fingerprint: str, dupefilter_key: str) -> bool:
        """Mark as seen and queue in one step; False when the dupefilter already had it."""
        data = self._encode_request(request)
        return bool(
            self._script(_PUSH_IF_NEW)(
                keys=[dupefilter_key, self.key], args=[fingerprint, -request.priority, data]
            )
        )

    def pop_and_hold(self, held_key: str, seq_key: str) -> tuple[bytes, bytes] | None:
        """The next request's encoded form and its id in ``held_key``, or None when empty."""
        got = self._script(_POP_AND_HOLD)(keys=[self.key, held_key, seq_key])
        if not got:
            return None
        return got[0], got[1]


# ---------------------------------------------------------------- scheduler


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler with held requests, worker registration and recovery.

    The Redis bookkeeping lives here; :class:`SharedCrawlWorker` decides when to run it.
    """

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        url = crawler.settings.get("REDIS_URL") or ""
        try:
            instance = super().from_crawler(crawler)
        except redis.RedisError as err:
            raise RedisUnavailableError(describe_redis_error(url, err)) from None
        instance.crawler = crawler
        instance.url = url
        if instance.serializer is None:  # never scrapy-redis's pickle default
            instance.serializer = JsonRequestCodec
        instance.worker = worker_id(crawler.settings)
        instance.ttl_ms = int(heartbeat_ttl(crawler.settings) * 1000)
        instance.held = {}  # id in the held hash -> the Request Scrapy is working on
        instance.failed = None  # the one-line error once Redis failed
        instance.left = False
        return instance

    # -- keys

    def open(self, spider) -> None:
        """Build queue and dupefilter (as scrapy-redis does), then join the crawl."""
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server,
            spider=spider,
            key=self.queue_key % {"spider": spider.name},
            serializer=self.serializer,
        )
        if not isinstance(self.queue, HeldPriorityQueue):
            raise NotConfigured(f"SCHEDULER_QUEUE_CLASS must be a HeldPriorityQueue, not {self.queue_cls}")
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        base = self.queue.key.rsplit(":", 1)[0]  # PREFIX:SPIDER
        self.workers_key = f"{base}:workers"
        self.alive_prefix = f"{base}:alive:"
        self.held_prefix = f"{base}:held:"
        self.held_key = self.held_prefix + self.worker
        self.seq_key = f"{base}:held-seq"
        self.df_key = self.df.key
        self._scripts = {
            name: self.server.register_script(src)
            for name, src in (("requeue", _REQUEUE), ("status", _STATUS), ("join", _JOIN), ("leave", _LEAVE))
        }
        fresh = self._run("join", [self.alive_prefix, self.held_prefix, self.worker, self.ttl_ms])
        spider.logger.info(
            "worker %s joined %s on %s (%d requests queued)",
            self.worker,
            "a new crawl" if fresh else "a running crawl",
            redact_url(self.url),
            len(self.queue),
        )
        if self.stats:
            self.stats.set_value("newsclean/distributed/worker", self.worker)

    def _run(self, name: str, args: list) -> Any:
        keys = [self.workers_key, self.queue.key, self.df_key, self.seq_key]
        return self._scripts[name](keys=keys, args=args)

    # -- Scrapy's scheduler interface

    def enqueue_request(self, request: Request) -> bool:
        if self.failed:
            return False
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        try:
            added = self.queue.push_if_new(request, fingerprint, self.df_key)
        except redis.RedisError as err:
            self.fail(err)
            return False
        except (TypeError, ValueError) as err:  # meta that JSON cannot hold, a lambda callback
            logger.error("cannot queue %s in Redis: %s", request, err)
            if self.stats:
                self.stats.inc_value("newsclean/distributed/unqueueable")
            return False
        if not added:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.failed:
            return None
        try:
            got = self.queue.pop_and_hold(self.held_key, self.seq_key)
        except redis.RedisError as err:
            self.fail(err)
            return None
        if got is None:
            return None
        held_id, data = got
        try:
            request = self.queue._decode_request(data)
        except Exception as err:  # not our JSON (another tool's pickle?): drop it, loudly
            logger.error("dropped an unreadable request from the shared queue: %s", err)
            self._forget([held_id])
            return None
        self.held[held_id] = request
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.failed:
            return False
        try:
            return len(self) > 0
        except redis.RedisError as err:
            self.fail(err)
            return False

    def close(self, reason: str) -> None:
        """Leave the crawl; held requests go back to the queue (not after a Redis failure)."""
        if self.failed or self.left:
            return
        self.left = True
        try:
            over = self._run("leave", [self.alive_prefix, self.held_prefix, self.worker])
        except redis.RedisError as err:
            logger.error("%s", describe_redis_error(self.url, err))
            return
        self.held.clear()
        if over:
            logger.info("last worker of a finished crawl: shared queue and dupefilter cleared")

    # -- bookkeeping for SharedCrawlWorker

    def heartbeat(self) -> None:
        if self.left:
            return
        pipe = self.server.pipeline(transaction=True)
        pipe.sadd(self.workers_key, self.worker)  # back in, should a slow beat have been taken for death
        pipe.set(self.alive_prefix + self.worker, b"1", px=self.ttl_ms)
        pipe.execute()

    def release_finished(self, live: set[Request]) -> int:
        """Forget held requests Scrapy is done with: those no longer in ``live``."""
        done = [k for k, r in self.held.items() if r not in live]
        if done:
            self._forget(done)
            for k in done:
                self.held.pop(k, None)
        return len(done)

    def _forget(self, ids: list[bytes]) -> None:
        self.server.hdel(self.held_key, *ids)

    def recover_dead(self) -> int:
        """Requeue what dead workers held; the number of requests moved."""
        return int(self._run("requeue", [self.alive_prefix, self.held_prefix, ""]))

    def status(self) -> tuple[int, int, int]:
        """(queued requests, requests held by any worker, workers alive)."""
        queued, held, alive = self._run("status", [self.alive_prefix, self.held_prefix])
        return int(queued), int(held), int(alive)

    def fail(self, err: Exception) -> None:
        """Stop this worker after a Redis error; its held requests stay in Redis for recovery."""
        if not self.failed:
            self.failed = describe_redis_error(self.url, err)
            stop_worker(self.crawler, self.failed)


def stop_worker(crawler: Crawler, message: str) -> None:
    """End this worker because Redis failed: one line in the log and for the command line.

    Nothing is released or requeued after this: what the worker held stays held in Redis and the
    next run's workers requeue it once this worker's heartbeat has expired.
    """
    stats = crawler.stats
    if stats is not None and stats.get_value("newsclean/distributed/redis_error"):
        return
    logger.error("%s; stopping this worker (run the crawl again once Redis is back)", message)
    if stats is not None:
        stats.set_value("newsclean/distributed/redis_error", message)
    spider = _late(crawler, "spider")
    if spider is not None and hasattr(spider, "closing_reason"):
        spider.closing_reason, spider.closing_message = FINISH_REASON_REDIS, message
    slot = getattr(_late(crawler, "engine"), "_slot", None)
    scheduler = getattr(slot, "scheduler", None)
    if isinstance(scheduler, SharedScheduler) and not scheduler.failed:
        scheduler.failed = message
    from twisted.internet import reactor  # imported late: Scrapy installs the reactor first

    reactor.callLater(0, _close_spider, crawler, FINISH_REASON_REDIS)


def _late(crawler: Crawler, name: str) -> Any:
    """``crawler.engine`` / ``crawler.spider``, or None before the crawl has started."""
    try:
        return getattr(crawler, name, None)
    except RuntimeError:  # Scrapy >= 2.14 raises for attributes set when the crawl starts
        return None


def _close_spider(crawler: Crawler, reason: str) -> None:
    engine = _late(crawler, "engine")
    if engine is None or engine.spider is None:
        return
    if hasattr(engine, "close_spider_async"):
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason=reason))
    else:  # Scrapy < 2.13
        engine.close_spider(engine.spider, reason)


# ---------------------------------------------------------------- the shared seen-store in a crawl


class _SharedStoreComponent:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store: RedisSeenStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL not set")
        return cls(crawler)

    def _store(self) -> RedisSeenStore | None:
        if self.store is None:
            try:
                self.store = RedisSeenStore.from_settings(self.crawler.settings)
            except RedisUnavailableError as err:
                stop_worker(self.crawler, str(err))
        return self.store


class SharedSeenFilter(_SharedStoreComponent):
    """Spider middleware: a link to a page any worker exported in any run is not followed.

    The worker's own seen-store knows only its own exports; this asks the shared one, once per
    page for all of its links.
    """

    async def process_spider_output_async(self, response, result, spider=None):
        output = [obj async for obj in result]
        for obj in self._unseen(output):
            yield obj

    def process_spider_output(self, response, result, spider=None):
        yield from self._unseen(list(result))

    def _unseen(self, output: list) -> list:
        asked = [o for o in output if isinstance(o, Request) and not o.dont_filter]
        if not asked:
            return output
        store = self._store()
        try:
            if store is None:
                raise RedisUnavailableError("Redis unavailable")
            seen = store.seen_urls([r.url for r in asked])
        except RedisUnavailableError as err:
            if store is not None:
                stop_worker(self.crawler, str(err))
            seen = [True] * len(asked)  # the worker is stopping: queue nothing more
        drop = {id(r) for r, s in zip(asked, seen, strict=True) if s}
        if drop:
            self.crawler.stats.inc_value("newsclean/skipped_seen_urls", len(drop))
        return [o for o in output if id(o) not in drop]


class SharedClaimPipeline(_SharedStoreComponent):
    """Item pipeline, just before the output file: claim the article in the shared seen-store.

    The claim comes first and the line second, so a Redis failure leaves no line that the store
    does not know (the page stays held and is exported on the next run), and two workers that
    hold the same page (one taken for dead) cannot both write it. A claim whose line then fails
    to be written (a later pipeline raised) is withdrawn, so the page is not lost either.

    One case is ambiguous: Redis dies after recording the claim but before answering. The
    article then goes to ``STATE/unconfirmed-claims.jsonl``; the worker's next start asks
    Redis who holds the claim and writes the article to the output only if it was this worker.
    """

    JOURNAL = "unconfirmed-claims.jsonl"

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.claimed: dict[int, tuple[str, str, list[str]]] = {}
        settings = crawler.settings
        self.output_dir = Path(settings.get("NEWSCLEAN_OUTPUT_DIR") or "output")
        self.journal = Path(settings.get("NEWSCLEAN_STATE_DIR") or self.output_dir / ".state") / self.JOURNAL

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        pipeline = super().from_crawler(crawler)
        crawler.signals.connect(pipeline.item_written, signal=signals.item_scraped)
        # dropped or failed after the claim (by a later pipeline): not written, so not exported
        crawler.signals.connect(pipeline.item_not_written, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.item_not_written, signal=signals.item_error)
        return pipeline

    @property
    def worker(self) -> str:
        return self.crawler.stats.get_value("newsclean/distributed/worker") or ""

    def open_spider(self, spider=None) -> None:
        if self._store() is not None and self.journal.exists():
            self.settle_unconfirmed()

    def process_item(self, item, spider=None):
        article = getattr(item, "article", None)
        if not isinstance(article, dict) or "url" not in article:
            return item
        store = self._store()
        if store is None:
            raise DropItem(NOT_WRITTEN)
        url, fingerprint = article["url"], article.get("fingerprint") or ""
        aliases = list(getattr(item, "aliases", None) or ())
        try:
            verdict = store.claim(url, fingerprint, aliases=aliases, owner=self.worker)
        except RedisUnavailableError as err:
            self._remember_unconfirmed(item, article)
            stop_worker(self.crawler, str(err))
            raise DropItem(NOT_WRITTEN) from None
        if verdict is not None:
            kind, other = verdict
            self.crawler.stats.inc_value(f"newsclean/duplicates/{kind}")
            raise DropItem(f"duplicate {kind} of {other} (exported by another worker): {url}")
        self.claimed[id(item)] = (url, fingerprint, aliases)
        return item

    def _remember_unconfirmed(self, item, article: dict) -> None:
        output = item.output() if hasattr(item, "output") else dict(article)
        aliases = [a for a in getattr(item, "aliases", None) or () if a != output["url"]]
        if aliases:
            output["aliases"] = aliases
        line = json.dumps({"worker": self.worker, "article": output}, ensure_ascii=False)
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        with open(self.journal, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def settle_unconfirmed(self) -> int:
        """Write the journal's articles whose claim this worker did win; the number written."""
        from newsclean.crawling.jsonl import JsonLinesWriter, run_file_name

        assert self.store is not None
        won = []
        for raw in self.journal.read_text("utf-8").splitlines():
            try:
                entry = json.loads(raw)
                article, worker = entry["article"], entry["worker"]
                url = article["url"]
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line: its claim was never sent
            if worker and self.store.owner_of(url) == worker:
                won.append(article)
        if won:
            writer = JsonLinesWriter(self.output_dir / run_file_name("news-confirmed"))
            for article in won:
                writer.write(article)
            writer.close()
            self.crawler.stats.inc_value("newsclean/articles_written", len(won))
            logger.warning("wrote %d article(s) whose claim was recorded as Redis went down", len(won))
        self.journal.unlink()
        return len(won)

    def item_written(self, item, **kwargs) -> None:
        self.claimed.pop(id(item), None)

    def item_not_written(self, item, **kwargs) -> None:
        claim = self.claimed.pop(id(item), None)
        if claim is None or self.store is None:
            return
        url, fingerprint, aliases = claim
        try:
            self.store.unclaim(url, fingerprint, aliases)
        except RedisUnavailableError as err:
            stop_worker(self.crawler, str(err))
            return
        logger.warning("claim withdrawn, article not written: %s", url)

    def close_spider(self, spider=None) -> None:
        if self.store is not None:
            self.store.close()


NOT_WRITTEN = "Redis unavailable: article not written, it is fetched again on the next run"


# ---------------------------------------------------------------- the worker's clock


class SharedCrawlWorker:
    """Heartbeat, release of finished requests, recovery of dead workers, and the idle timeout.

    Runs every ``tick`` seconds. The worker keeps going (DontCloseSpider) while the shared queue
    has requests or any worker holds one (it may still add links); it ends once the queue has
    been empty and nothing held for ``NEWSCLEAN_IDLE_TIMEOUT`` seconds.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.idle_timeout = idle_timeout(crawler.settings)
        self.ttl = ttl = heartbeat_ttl(crawler.settings)
        self.tick = max(0.05, min(1.0, ttl / 4, self.idle_timeout / 4))
        self.last_recovery = time.monotonic()
        self.scheduler: SharedScheduler | None = None
        self.loop: task.LoopingCall | None = None
        self.idle_since: float | None = None
        self.may_close = False
        self.recovered = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedCrawlWorker:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL not set")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        slot = getattr(self.crawler.engine, "_slot", None)
        scheduler = getattr(slot, "scheduler", None)
        if not isinstance(scheduler, SharedScheduler):
            logger.warning(
                "REDIS_URL is set but the scheduler is %s: no shared crawl", type(scheduler).__name__
            )
            return
        self.scheduler = scheduler
        self.loop = task.LoopingCall(self.beat)
        self.loop.start(self.tick, now=True)

    def spider_idle(self, spider) -> None:
        if self.scheduler is None or self.scheduler.failed or self.may_close:
            return
        raise DontCloseSpider

    def spider_closed(self, spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.recovered:
            self.crawler.stats.set_value("newsclean/distributed/recovered_requests", self.recovered)

    def beat(self) -> None:
        scheduler = self.scheduler
        if scheduler is None or scheduler.failed:
            if self.loop is not None and self.loop.running:
                self.loop.stop()
            return
        try:
            self._beat(scheduler)
        except redis.RedisError as err:
            scheduler.fail(err)

    def _beat(self, scheduler: SharedScheduler) -> None:
        scheduler.heartbeat()
        engine = self.crawler.engine
        live = _live_requests(engine)
        idle = engine.spider_is_idle()
        if live is not None:
            scheduler.release_finished(live)
        elif idle:  # nothing in progress at all
            scheduler.release_finished(set())
        now = time.monotonic()
        if idle or now - self.last_recovery >= self.ttl:  # busy workers look now and then too
            self.last_recovery = now
            moved = scheduler.recover_dead()
            if moved:
                self.recovered += moved
                logger.warning("requeued %d request(s) held by worker(s) that stopped answering", moved)
        if not idle:
            self.idle_since, self.may_close = None, False
            _wake(engine)
            return
        queued, held, _alive = scheduler.status()
        if queued or held:
            self.idle_since, self.may_close = None, False
            _wake(engine)
            return
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since >= self.idle_timeout and not self.may_close:
            logger.info("shared queue empty for %.1f s: this worker ends", now - self.idle_since)
            self.may_close = True
            _wake(engine)


def _live_requests(engine) -> set[Request] | None:
    """The requests Scrapy has not finished with (downloading, parsing, items in the pipelines).

    Read from the engine's slot, the one place that tracks a request until its callback's output
    is fully processed. None when this Scrapy keeps it elsewhere: then held requests are only
    released when the engine is idle, which is slower to release but never too early.
    """
    inprogress = getattr(getattr(engine, "_slot", None), "inprogress", None)
    return set(inprogress) if isinstance(inprogress, set) else None


def _wake(engine) -> None:
    """Let the engine look at the shared queue now rather than at its next 5-second heartbeat."""
    nextcall = getattr(getattr(engine, "_slot", None), "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()
