"""Scrapy extensions of a scheduled crawl: the run's life cycle and its progress line.

Both act only on crawls whose spider put a :class:`~newsclean.crawling.state.CrawlState` on the
crawler (the ``news`` spider does); a one-off fetch runs without them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured
from twisted.internet import task

from newsclean.core.errors import NewscleanError
from newsclean.crawling import alerts, sitestats
from newsclean.crawling.crawlrun import CrawlRun, LockHeldError
from newsclean.crawling.items import PAGE_KINDS
from newsclean.crawling.pipelines import record_fault
from newsclean.crawling.runlock import StateError
from newsclean.crawling.state import CrawlState, crawl_state

logger = logging.getLogger(__name__)
progress_log = logging.getLogger("newsclean.progress")


def _state_or_off(crawler) -> CrawlState:
    state = crawl_state(crawler)
    if state is None:
        raise NotConfigured  # not a scheduled crawl: nothing to do, nothing to say
    return state


class CrawlRunExtension:
    """Open the run (lock, seen-store, recovery, output file) as the spider opens; close it after.

    A failure the spider met while reading its sources, or a lock held by another run, ends the
    crawl before any request with the failure recorded in the state's outcome.
    """

    def __init__(self, crawler, state: CrawlState) -> None:
        self.crawler = crawler
        self.state = state

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler, _state_or_off(crawler))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider=None) -> None:
        self.state.check_setup(self.crawler.settings)
        outcome = self.state.outcome
        if outcome.reason:
            logger.error(outcome.message)
            raise CloseSpider(outcome.reason)
        settings = self.crawler.settings
        output = Path(settings.get("NEWSCLEAN_OUTPUT_DIR") or "output")
        state_dir = Path(settings.get("NEWSCLEAN_STATE_DIR") or output / ".state")
        run = CrawlRun(output, state_dir, prefix=settings.get("NEWSCLEAN_OUTPUT_PREFIX") or "news")
        try:
            run.open()
        except NewscleanError as err:
            reason = "lock_held" if isinstance(err, LockHeldError) else "state_error"
            self.state.fail(reason, err)
            logger.error(str(err))
            raise CloseSpider(reason) from None
        self.state.run = run
        self.crawler.stats.set_value("newsclean/recovered_lines", run.recovered_lines)

    def spider_closed(self, spider=None, reason: str = "") -> None:
        run, self.state.run = self.state.run, None
        if run is None:
            return
        try:
            path = run.close()
        except NewscleanError as err:  # the .part file stays for the next run's recovery
            record_fault(self.crawler, "seen_store" if isinstance(err, StateError) else "output", err)
            path = None
        self.crawler.stats.set_value("newsclean/output_file", str(path) if path else "")


class SiteStatsExtension:
    """Pages fetched per site (``newsclean/site/<name>/pages_fetched``), from each response's
    ``site`` meta; the other per-site counters are kept where they happen (spider, pipelines)."""

    def __init__(self, crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        _state_or_off(crawler)
        ext = cls(crawler)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        return ext

    def response_received(self, response, request, spider=None) -> None:
        site = request.meta.get("site")
        sitestats.inc(self.stats, site, "pages_fetched")
        if response.status < 400 and request.meta.get("kind") in PAGE_KINDS:
            sitestats.inc(self.stats, site, "pages_ok")  # a page (not robots.txt, sitemap, feed) answered


class SiteAlertExtension:
    """At the end of a run, judge each site's suspect lines per article against its past runs
    (:mod:`newsclean.crawling.alerts`), record this run in the state's site history and put any
    alert in the stats: ``newsclean/alerts/count`` and ``newsclean/alerts/<site>``."""

    def __init__(self, crawler, state: CrawlState) -> None:
        self.crawler = crawler
        self.state = state

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler, _state_or_off(crawler))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider=None, reason: str = "") -> None:
        if self.state.failed:
            return  # the crawl never ran: nothing to judge, nothing to record
        settings = self.crawler.settings
        output = Path(settings.get("NEWSCLEAN_OUTPUT_DIR") or "output")
        path = Path(settings.get("NEWSCLEAN_STATE_DIR") or output / ".state") / alerts.HISTORY_FILE
        stats = self.crawler.stats
        history = alerts.load_history(path)
        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        found = 0
        for name, site in sitestats.per_site(stats.get_stats()).items():
            lines = sum(site["lines_removed"].get(r, 0) for r in sitestats.SUSPECT_REASONS)
            alert = alerts.judge(name, site["articles_written"], lines, alerts.rates(history.get(name, [])))
            alerts.record(history, name, site["articles_written"], lines, at)
            if alert is not None:
                alert["samples"] = site["suspect_samples"]
                stats.set_value(f"newsclean/alerts/{name}", alert)
                found += 1
                logger.warning(
                    "site %s: %d spam/adult/hidden lines in %d articles (%.2f per article, past median %.2f)",
                    name,
                    lines,
                    alert["articles"],
                    alert["rate"],
                    alert["median_rate"],
                )
        stats.set_value("newsclean/alerts/count", found)
        try:
            alerts.save_history(path, history)
        except OSError as err:
            logger.warning("site history %s not written: %s", path, err.strerror or err)


class ProgressExtension:
    """One line every NEWSCLEAN_PROGRESS_INTERVAL seconds on the ``newsclean.progress`` logger."""

    def __init__(self, crawler, state: CrawlState, interval: float) -> None:
        self.crawler = crawler
        self.state = state
        self.interval = interval
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        state = _state_or_off(crawler)
        interval = crawler.settings.getfloat("NEWSCLEAN_PROGRESS_INTERVAL", 10.0)
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, state, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider=None) -> None:
        if self.state.failed:
            return
        self._loop = task.LoopingCall(self.log_progress)
        self._loop.start(self.interval, now=False)

    def spider_closed(self, spider=None, reason: str = "") -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()

    def log_progress(self) -> None:
        stats = self.crawler.stats.get_stats()
        progress_log.info(
            "progress: %d pages fetched, %d articles written, %d duplicates skipped, %d pages skipped",
            stats.get("response_received_count", 0),
            stats.get("newsclean/articles_written", 0),
            sum(v for k, v in stats.items() if k.startswith("newsclean/duplicates/")),
            sum(v for k, v in stats.items() if k.startswith("newsclean/skipped/")),
        )
