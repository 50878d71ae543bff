"""Distributed crawl: any number of workers share one crawl through Redis.

scrapy-redis supplies the shared request queue and dupefilter; this module adds what a crawl
that must not lose pages needs on top of it:

* **No request lost with a dead worker.** scrapy-redis pops a request and forgets it, so a
  worker killed mid-download takes its pages with it. Here a Lua script moves each popped
  request, in the same atomic step, into the worker's *in-flight* hash in Redis; the worker
  deletes the entry once Scrapy has finished with the request (the page exported, skipped or
  failed, its links queued). Each worker keeps a heartbeat key with a short TTL. A worker whose
  heartbeat expired is dead: whoever notices (every worker looks when idle, and every TTL
  seconds while busy) moves its in-flight requests back into the queue, again in one atomic
  script. Re-fetching a page that was in fact exported is a no-op: the shared seen-store
  (:mod:`newsclean.distributed.store`) knows it, and each article is claimed there before it is
  written, so two workers can never both write it.
* **No link lost between dupefilter and queue.** Marking a request as seen and queueing it is
  one script, so a crash or a Redis outage cannot leave a link "seen" but never queued.
* **Workers end by themselves** when the queue has been empty, and no worker has held a
  request, for ``NEWSCLEAN_IDLE_TIMEOUT`` seconds (default 30).
* **Incremental runs.** The first worker of a new crawl (nobody alive, nothing queued or held)
  clears the previous crawl's dupefilter, as does the last worker to leave a finished crawl;
  what was exported stays in the seen-store, so the next crawl fetches only new pages.
* **Queue entries are data, never code.** Requests are JSON of a closed schema in Redis, never
  pickle (scrapy-redis's default) nor Scrapy's ``request_from_dict`` (which imports any class and
  calls any spider method an entry names): whoever can write to the Redis server cannot make a
  worker run code, fetch a URL its sources do not allow, or lift a download limit
  (:mod:`newsclean.distributed.codec`). Whatever else workers read back from Redis (held
  requests, the seen-store's values) is checked too: a malformed record is a logged skip.
* **A Redis outage stops the worker with one clear line**; its in-flight requests stay in Redis
  and are recovered by the next run.

The mode is switched on by the ``REDIS_URL`` setting (``newsclean crawl --redis URL`` or
``scrapy crawl news -s REDIS_URL=...``) through :class:`DistributedAddon`, listed in the
project's ``ADDONS``. This module holds the settings and the command-line options and imports
neither redis nor scrapy-redis (the ``distributed`` extra), so crawls without Redis never need
them. The machinery is in modules named for their Scrapy role: ``scheduler`` (with ``queue`` and
``codec``), ``middlewares`` (links to exported pages not followed), ``pipelines`` (each article
claimed before it is written), ``extensions`` (heartbeat, recovery, idle end), ``store`` (the
shared seen-store), ``connection`` (the server's URL and client) and ``outage`` (stopping a
worker whose Redis failed).
Only a standalone Redis server is supported (the scripts touch keys they derive from worker
names, which Redis Cluster does not allow).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import socket
from typing import TYPE_CHECKING, Any

from newsclean.core.errors import InputError, NewscleanError
from newsclean.crawling.state import SETUP_ERROR_SETTING
from newsclean.distributed.connection import check_url

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

DEFAULT_PREFIX = "newsclean"
DEFAULT_IDLE_TIMEOUT = 30.0
DEFAULT_HEARTBEAT_TTL = 15.0
FINISH_REASON_REDIS = "redis_error"


# ---------------------------------------------------------------- settings


def idle_timeout(settings: BaseSettings) -> float:
    """Seconds of an empty queue before a worker ends: setting, else environment, else 30."""
    return _seconds(settings, "NEWSCLEAN_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT)


def heartbeat_ttl(settings: BaseSettings) -> float:
    """Seconds without a heartbeat after which a worker counts as dead."""
    return _seconds(settings, "NEWSCLEAN_HEARTBEAT_TTL", DEFAULT_HEARTBEAT_TTL)


def _seconds(settings: BaseSettings, name: str, default: float) -> float:
    raw = settings.get(name)
    if raw in (None, ""):
        raw = os.environ.get(name) or default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise InputError(f"{name} must be positive, got {raw!r}")
    return value


def redis_prefix(settings: BaseSettings) -> str:
    """The first part of every key of this crawl in Redis (NEWSCLEAN_REDIS_PREFIX)."""
    return settings.get("NEWSCLEAN_REDIS_PREFIX") or DEFAULT_PREFIX


def worker_id(settings: BaseSettings) -> str:
    """This worker's name in Redis: NEWSCLEAN_WORKER_ID, else host-pid-random (unique per run)."""
    chosen = settings.get("NEWSCLEAN_WORKER_ID") or os.environ.get("NEWSCLEAN_WORKER_ID")
    if chosen:
        if any(c.isspace() for c in chosen):
            raise InputError(f"worker id must not contain spaces: {chosen!r}")
        return chosen
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def distributed_settings(redis_url: str, prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """The Scrapy settings of Redis mode (applied by :class:`DistributedAddon`)."""
    return {
        "REDIS_URL": redis_url,
        "SCHEDULER": "newsclean.distributed.scheduler.SharedScheduler",
        "SCHEDULER_QUEUE_CLASS": "newsclean.distributed.queue.HeldPriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
        "SCHEDULER_PERSIST": True,  # a worker that leaves must not flush the others' queue
        "SCHEDULER_FLUSH_ON_START": False,
    }


REQUIRED = ("SCHEDULER", "SCHEDULER_QUEUE_CLASS", "DUPEFILTER_CLASS", "SCHEDULER_PERSIST")
ADDON_PRIORITY = 15  # scrapy.settings.SETTINGS_PRIORITIES["addon"]


class DistributedAddon:
    """Turns Redis mode on when REDIS_URL is set, from any source, before components are built.

    An add-on sees the final settings (project file, ``-s`` options, scrapyd's ``setting=``), so
    one ``REDIS_URL`` is all a worker needs, whichever way it was started.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("REDIS_URL")
        if not url:
            return
        try:  # `scrapy crawl -s REDIS_URL=...` reaches here unchecked: end with one line, not a traceback
            require_extra()
            check_redis(url)
        except NewscleanError as err:
            # the crawl's state records it (newsclean.crawling.state.configure) and the run ends
            # before any request, with this error's exit code; no shared scheduler is installed
            settings.set(SETUP_ERROR_SETTING, {"message": str(err), "exit_code": err.exit_code}, "addon")
            return
        prefix = redis_prefix(settings)
        for name, value in distributed_settings(url, prefix).items():
            # the shared crawl needs these classes whatever the project file says (a project-wide
            # DUPEFILTER_CLASS, say); key names and the like stay the user's to choose
            forced = name in REQUIRED
            priority = max(settings.getpriority(name) or 0, ADDON_PRIORITY) if forced else "addon"
            settings.set(name, value, priority=priority)
        settings["EXTENSIONS"]["newsclean.distributed.extensions.SharedCrawlWorker"] = 500
        settings["SPIDER_MIDDLEWARES"]["newsclean.distributed.middlewares.SharedSeenFilter"] = 950
        # after the dedupe step (300), before the line is written (800)
        settings["ITEM_PIPELINES"]["newsclean.distributed.pipelines.SharedClaimPipeline"] = 750


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``newsclean crawl`` options of Redis mode."""
    group = parser.add_argument_group("distributed crawl (several workers share one crawl through Redis)")
    group.add_argument(
        "--redis",
        metavar="URL",
        help="share the crawl through this Redis server, e.g. redis://host:6379/0 "
        "(every worker: the same URL and sources, its own --output)",
    )
    group.add_argument(
        "--idle-timeout",
        type=float,
        metavar="S",
        help=f"end this worker after S seconds of an empty shared queue "
        f"(default: $NEWSCLEAN_IDLE_TIMEOUT or {DEFAULT_IDLE_TIMEOUT:g})",
    )
    group.add_argument(
        "--worker-id", metavar="NAME", help="this worker's name in Redis (default: host-pid-random)"
    )


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Scrapy settings for the options of :func:`add_arguments`; checks Redis is reachable first.

    A malformed URL is a usage error (InputError, exit 2), told apart from a server that is down
    (RedisUnavailableError, exit 69) before anything else is checked.
    """
    url = getattr(args, "redis", None)
    if url is not None:
        check_url(url)
    if not url:
        if getattr(args, "idle_timeout", None) is not None or getattr(args, "worker_id", None):
            raise InputError("--idle-timeout and --worker-id only apply with --redis URL")
        return {}
    chosen: dict[str, Any] = {"REDIS_URL": url}
    if args.idle_timeout is not None:
        if args.idle_timeout <= 0:
            raise InputError("--idle-timeout must be a positive number of seconds")
        chosen["NEWSCLEAN_IDLE_TIMEOUT"] = args.idle_timeout
    if args.worker_id:
        chosen["NEWSCLEAN_WORKER_ID"] = args.worker_id
    from scrapy.settings import Settings

    probe = Settings(chosen)  # settings, then environment: a bad value fails here, in one line
    idle_timeout(probe), heartbeat_ttl(probe), worker_id(probe)
    check_redis(url)
    return chosen


def check_redis(url: str) -> None:
    """Fail before Scrapy starts, with one line, when the Redis server cannot be reached."""
    require_extra()
    from newsclean.distributed.connection import connect

    connect(url).close()


def require_extra() -> None:
    """Redis mode needs scrapy-redis and redis (``pip install 'newsclean[distributed]'``)."""
    missing = [m for m in ("redis", "scrapy_redis") if importlib.util.find_spec(m) is None]
    if missing:
        raise InputError(
            f"the distributed crawl needs {' and '.join(missing)}: pip install 'newsclean[distributed]'"
        )
