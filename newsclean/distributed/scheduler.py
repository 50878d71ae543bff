"""The shared scheduler: scrapy-redis's, with held requests, worker registration and recovery.

scrapy-redis pops a request and forgets it, so a worker killed mid-download takes its pages
with it. Here each popped request stays in the worker's *held* hash in Redis until Scrapy has
finished with it (the page exported, skipped or failed, its links queued). Each worker keeps a
heartbeat key with a short TTL; whoever notices a dead worker (its heartbeat expired) moves its
held requests back into the queue. Every step that must not be cut in half by a crash or an
outage is one Lua script. When to run them is :class:`~newsclean.distributed.extensions.SharedCrawlWorker`'s
business. Held records are read back as data: a malformed one is dropped and counted, it cannot
stop the worker that recovers it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import redis
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler

from newsclean.distributed.addon import heartbeat_ttl, worker_id
from newsclean.distributed.codec import NotFetchable, OverBudget, RejectedEntry, UnqueueableRequest
from newsclean.distributed.connection import RedisUnavailableError, describe_redis_error, redact_url
from newsclean.distributed.outage import stop_worker
from newsclean.distributed.queue import HeldPriorityQueue

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

MAX_LOGGED_REJECTS = 100  # one line each, then only counted: a flood of junk cannot fill the disk
MAX_POPS_PER_CALL = 64  # rejected entries skipped in one next_request before the engine's turn

# KEYS: workers, queue, dupefilter, held-seq; ARGV: alive prefix, held prefix, [worker, ttl ms]
_HELPERS = """
local function held_len(key)
  if redis.call('TYPE', key).ok ~= 'hash' then return 0 end
  return redis.call('HLEN', key)
end
local function requeue(held)
  local moved, skipped = 0, 0
  if redis.call('TYPE', held).ok == 'hash' then
    for _, v in ipairs(redis.call('HVALS', held)) do
      local sep = string.find(v, ' ', 1, true)
      local score = sep and tonumber(string.sub(v, 1, sep - 1))
      if score and score == score and math.abs(score) <= 1e9 and sep < #v then
        redis.call('ZADD', KEYS[2], score, string.sub(v, sep + 1))
        moved = moved + 1
      else
        skipped = skipped + 1
      end
    end
  end
  redis.call('DEL', held)
  return moved, skipped
end
local function over()
  if redis.call('ZCARD', KEYS[2]) > 0 then return false end
  for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if redis.call('EXISTS', ARGV[1] .. w) == 1 or held_len(ARGV[2] .. w) > 0 then return false end
  end
  return true
end
"""

# Moves the held requests of one worker (ARGV[3]) or of every dead worker back into the queue.
_REQUEUE = (
    _HELPERS
    + """
local moved, skipped = 0, 0
local workers = ARGV[3] ~= '' and {ARGV[3]} or redis.call('SMEMBERS', KEYS[1])
for _, w in ipairs(workers) do
  if ARGV[3] ~= '' or redis.call('EXISTS', ARGV[1] .. w) == 0 then
    local m, s = requeue(ARGV[2] .. w)
    moved, skipped = moved + m, skipped + s
    redis.call('SREM', KEYS[1], w)
  end
end
return {moved, skipped}
"""
)

_STATUS = (
    _HELPERS
    + """
local held, alive = 0, 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  held = held + held_len(ARGV[2] .. w)
  alive = alive + redis.call('EXISTS', ARGV[1] .. w)
end
return {redis.call('ZCARD', KEYS[2]), held, alive}
"""
)

# A crawl is over when nobody is alive and nothing is queued or held: forget its dupefilter so
# the next crawl starts from its start pages again (the seen-store keeps what was exported).
_JOIN = (
    _HELPERS
    + """
local fresh = over()
if fresh then redis.call('DEL', KEYS[1], KEYS[3], KEYS[4]) end
local held = ARGV[2] .. ARGV[3]
if redis.call('TYPE', held).ok ~= 'hash' then redis.call('DEL', held) end
redis.call('SADD', KEYS[1], ARGV[3])
redis.call('SET', ARGV[1] .. ARGV[3], '1', 'PX', ARGV[4])
return fresh and 1 or 0
"""
)

_LEAVE = (
    _HELPERS
    + """
requeue(ARGV[2] .. ARGV[3])
redis.call('DEL', ARGV[1] .. ARGV[3])
redis.call('SREM', KEYS[1], ARGV[3])
if over() then
  redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
  return 1
end
return 0
"""
)


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler with held requests, worker registration and recovery."""

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
        instance.worker = worker_id(crawler.settings)
        instance.ttl_ms = int(heartbeat_ttl(crawler.settings) * 1000)
        instance.held = {}  # id in the held hash -> the Request Scrapy is working on
        instance.failed = None  # the one-line error once Redis failed
        instance.left = False
        instance.rejected = 0
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
        except NotFetchable as err:  # a redirect elsewhere: Scrapy's offsite check would drop it too
            if err.reason == "offsite":
                logger.debug("%s", err)
                self._count("offsite/filtered")
            else:
                logger.warning("%s", err)
                self._count("newsclean/distributed/unqueueable")
            return False
        except UnqueueableRequest as err:  # another class, a body, a callback the queue does not carry
            logger.error("%s", err)
            self._count("newsclean/distributed/unqueueable")
            return False
        if not added:
            self.df.log(request, self.spider)
            return False
        self._count("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.failed:
            return None
        for _ in range(MAX_POPS_PER_CALL):
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
            except RejectedEntry as err:
                self._reject(err)
                try:
                    self._forget([held_id])
                except redis.RedisError as redis_err:
                    self.fail(redis_err)
                    return None
                continue
            self.held[held_id] = request
            self._count("scheduler/dequeued/redis")
            return request
        return None

    def _reject(self, err: RejectedEntry) -> None:
        """One line and a count for an entry outside the schema; a page over max_pages is routine."""
        if isinstance(err, OverBudget):
            self._count(f"newsclean/max_pages_reached/{err.site}")
            logger.debug("not fetched: %s", err)
            return
        self._count(f"newsclean/distributed/rejected/{err.reason}")
        self.rejected += 1
        if self.rejected <= MAX_LOGGED_REJECTS:
            logger.error("dropped a shared-queue entry outside the schema (%s): %s", err.reason, err)
        if self.rejected == MAX_LOGGED_REJECTS:
            logger.error("further dropped entries are only counted (newsclean/distributed/rejected/*)")

    def _count(self, key: str, n: int = 1) -> None:
        if self.stats:
            self.stats.inc_value(key, n)

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
        moved, skipped = self._run("requeue", [self.alive_prefix, self.held_prefix, ""])
        if skipped:
            self._count("newsclean/distributed/rejected/held_record", int(skipped))
            logger.error("dropped %d malformed held-request record(s) of dead workers", skipped)
        return int(moved)

    def status(self) -> tuple[int, int, int]:
        """(queued requests, requests held by any worker, workers alive)."""
        queued, held, alive = self._run("status", [self.alive_prefix, self.held_prefix])
        return int(queued), int(held), int(alive)

    def fail(self, err: Exception) -> None:
        """Stop this worker after a Redis error; its held requests stay in Redis for recovery."""
        if not self.failed:
            self.failed = describe_redis_error(self.url, err)
            stop_worker(self.crawler, self.failed)
