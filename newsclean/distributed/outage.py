"""Stopping a worker whose Redis failed: one line in the log and for the command line.

Every component of the distributed crawl that talks to Redis ends the worker the same way, so
an outage is reported once, whichever component noticed it first.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from newsclean.distributed.addon import FINISH_REASON_REDIS

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def stop_worker(crawler: Crawler, message: str) -> None:
    """End this worker because Redis failed.

    Nothing is released or requeued after this: what the worker held stays held in Redis and the
    next run's workers requeue it once this worker's heartbeat has expired.
    """
    stats = crawler.stats
    if stats is not None and stats.get_value("newsclean/distributed/redis_error"):
        return
    logger.error("%s; stopping this worker (run the crawl again once Redis is back)", message)
    if stats is not None:
        stats.set_value("newsclean/distributed/redis_error", message)
    spider = late_attribute(crawler, "spider")
    if spider is not None and hasattr(spider, "closing_reason"):
        spider.closing_reason, spider.closing_message = FINISH_REASON_REDIS, message
    scheduler = engine_scheduler(crawler)
    if scheduler is not None and getattr(scheduler, "failed", False) is None:  # the shared one
        scheduler.failed = message
    from twisted.internet import reactor  # imported late: Scrapy installs the reactor first

    reactor.callLater(0, _close_spider, crawler, FINISH_REASON_REDIS)


def late_attribute(crawler: Crawler, name: str) -> Any:
    """``crawler.engine`` / ``crawler.spider``, or None before the crawl has started."""
    try:
        return getattr(crawler, name, None)
    except RuntimeError:  # Scrapy >= 2.14 raises for attributes set when the crawl starts
        return None


def engine_scheduler(crawler: Crawler) -> Any:
    """The scheduler the engine is running, or None before the crawl has started."""
    slot = getattr(late_attribute(crawler, "engine"), "_slot", None)
    return getattr(slot, "scheduler", None)


def _close_spider(crawler: Crawler, reason: str) -> None:
    engine = late_attribute(crawler, "engine")
    if engine is None or engine.spider is None:
        return
    if hasattr(engine, "close_spider_async"):
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason=reason))
    else:  # Scrapy < 2.13
        engine.close_spider(engine.spider, reason)
