"""The distributed crawl's extension: the worker's clock (heartbeat, recovery, idle end)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import redis
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

from newsclean.distributed.addon import heartbeat_ttl, idle_timeout
from newsclean.distributed.outage import engine_scheduler
from newsclean.distributed.scheduler import SharedScheduler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


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
        scheduler = engine_scheduler(self.crawler)
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
