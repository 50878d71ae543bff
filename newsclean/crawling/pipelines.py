"""Scrapy item pipelines of a scheduled crawl: clean, dedupe, export (in that order).

The spider hands over the pages it takes for articles; :class:`CleanPipeline` runs the cleaning
chain (``newsclean.chain.clean_document``) on each. Exact duplicates (same canonical URL, same
content fingerprint) are dropped; near-duplicates (MinHash/LSH, the same story reworded
slightly) are written with a ``near_duplicate_of`` field naming the earlier article, so nothing
cleaned is thrown away. The run itself (:mod:`newsclean.crawling.crawlrun`) is reached through
the crawl's state on the crawler.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timedelta, timezone
from typing import NoReturn

from scrapy import signals
from scrapy.exceptions import CloseSpider, DropItem, NotConfigured
from scrapy.utils.misc import load_object

from newsclean.core.durations import format_duration
from newsclean.core.errors import NewscleanError
from newsclean.crawling import sitestats
from newsclean.crawling.crawlrun import offer_signature
from newsclean.crawling.items import ArticleItem, PageItem
from newsclean.crawling.runlock import OutputError, StateError
from newsclean.crawling.sources import Site
from newsclean.crawling.state import CrawlState, crawl_state
from newsclean.pipelines.signature import minhash_from_bytes

logger = logging.getLogger(__name__)


def record_fault(crawler, kind: str, err: NewscleanError) -> None:
    """An output or seen-store write failed: count it, say it once, and end the crawl.

    Going on would fetch pages that cannot be kept; what was not written is not in the store
    either, so the next run fetches it again.
    """
    stats = crawler.stats
    stats.inc_value(f"newsclean/errors/{kind}")
    if stats.get_value("newsclean/fault"):
        return
    stats.set_value("newsclean/fault", str(err))
    logger.error("%s; ending the crawl", err)
    engine = getattr(crawler, "engine", None)
    if engine is not None and engine.spider is not None:
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason=f"{kind}_error"))


class PageSkipped(DropItem):
    """A page that holds no article (or whose cleaning failed): counted and logged where it happened."""


class UnchangedRevisit(DropItem):
    """A revisit found the text the store already has: nothing to write (the last fetch is now)."""


class _CrawlPipeline:
    def __init__(self, crawler, state: CrawlState) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.state = state

    @classmethod
    def from_crawler(cls, crawler):
        state = crawl_state(crawler)
        if state is None:
            raise NotConfigured  # not a scheduled crawl
        return cls(crawler, state)


def clean_jobs(settings) -> int:
    """NEWSCLEAN_CLEAN_JOBS: processes that clean (0: one per core, 1: in the crawl's own process)."""
    from newsclean.workers import default_jobs

    raw = settings.get("NEWSCLEAN_CLEAN_JOBS", 1)
    try:
        jobs = int(raw)
    except (TypeError, ValueError):
        jobs = -1
    if jobs < 0:
        logger.warning(
            "NEWSCLEAN_CLEAN_JOBS must be 0 or a positive number, got %r: cleaning in-process", raw
        )
        return 1
    return jobs or default_jobs()


class CleanPipeline(_CrawlPipeline):
    """Turn each page into an article with the cleaning chain; a page without one is skipped."""

    def __init__(self, crawler, state: CrawlState) -> None:
        super().__init__(crawler, state)
        self.cleaner = None
        self.classifier = None
        self.spin = None  # the 伪原创 model, with the classifier (a custom cleaner gets neither)
        self.skip_spun = crawler.settings.getbool("NEWSCLEAN_SKIP_SPUN")
        self.restore_spun = crawler.settings.getbool("NEWSCLEAN_RESTORE_SPUN")
        self.jobs = clean_jobs(crawler.settings)
        self.pool = None  # worker processes that clean, when jobs > 1 (newsclean.workers)
        # after the run extension's handler: no model is loaded for a crawl that cannot run
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_opened(self, spider=None) -> None:
        if self.state.run is None:
            return
        settings = self.crawler.settings
        try:
            self.cleaner = load_object(settings.get("NEWSCLEAN_CLEANER", "newsclean.chain.clean_document"))
            if settings.getbool("NEWSCLEAN_LOAD_CLASSIFIER", True):
                from newsclean.classifiers.model import load_classifier
                from newsclean.classifiers.spin_model import load_spin_model

                self.classifier = load_classifier(settings.get("NEWSCLEAN_MODEL") or None)
                self.spin = load_spin_model()
        except NewscleanError as err:
            self.state.fail("model_error", err)
            logger.error(str(err))
            raise CloseSpider("model_error") from None
        from newsclean.chain import clean_document

        if self.jobs > 1 and self.classifier is not None and self.cleaner is clean_document:
            self._start_pool()

    def _start_pool(self) -> None:
        from newsclean.workers import start_pool

        self.pool = start_pool(self.jobs, self.crawler.settings.get("NEWSCLEAN_MODEL") or None)
        logger.info("cleaning in %d worker processes", self.jobs)

    def spider_closed(self, spider=None, reason: str = "") -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item, spider=None):
        if not isinstance(item, PageItem) or self.cleaner is None:
            return item
        site = self.state.sites.get(item.site)
        spin = {}
        restore = site.restore_spun if site and site.restore_spun is not None else self.restore_spun
        if self.spin is not None:
            spin = {"spin": self.spin, "restore_spun": restore}
        try:
            if self.pool is not None:
                article = await self._clean_in_pool(item, site, restore)
            else:
                article = self._clean(item, site, spin)
        except NewscleanError as err:
            self._skipped(item, type(err).__name__, str(err))
        except PageSkipped:  # a worker's one-line error, counted where it came back
            raise
        except Exception:  # a bug in one cleaning step must not end the crawl
            self.stats.inc_value("newsclean/errors/cleaning")
            sitestats.inc(self.stats, item.site, "errors/cleaning")
            logger.exception("cleaning failed on %s", item.url)
            raise PageSkipped("cleaning failed") from None
        if (article.get("spin") or {}).get("spun"):
            self.stats.inc_value("newsclean/spun_articles")
            skip = site.skip_spun if site and site.skip_spun is not None else self.skip_spun
            if skip:
                self.stats.inc_value("newsclean/skipped/spun")
                sitestats.inc(self.stats, item.site, "skipped/spun")
                logger.info("skipped %s: spun article (spin score %s)", item.url, article["spin"]["score"])
                raise PageSkipped("spun")
        self._check_age(article, site)
        return ArticleItem(article=article, site=item.site, aliases=item.aliases, fetch=item.fetch)

    def _skipped(self, item: PageItem, kind: str, message: str) -> NoReturn:
        self.stats.inc_value(f"newsclean/skipped/{kind}")
        sitestats.inc(self.stats, item.site, f"skipped/{kind}")
        logger.info("skipped %s: %s", item.url, message)
        raise PageSkipped(kind)

    async def _clean_in_pool(self, item: PageItem, site: Site | None, restore: bool) -> dict:
        """The chain in a worker process; the reactor goes on downloading meanwhile.

        Back-pressure is Scrapy's own: a response stays in the scraper's slot until its item is
        through the pipelines, and the engine stops taking new downloads while that slot is full
        (SCRAPER_SLOT_MAX_ACTIVE_SIZE), so pages never pile up in memory waiting for a worker.
        """
        from newsclean.workers import clean_pages_here

        pages = [(b, u, site.content_type(c) if site else c) for b, u, c in item.pages()]
        pool = self.pool
        try:
            future = pool.submit(clean_pages_here, pages, datetime.now(timezone.utc), restore)
            article, kind, message, signature = await asyncio.wrap_future(future)
        except BrokenProcessPool:  # a worker died (killed, out of memory): start fresh ones
            if self.pool is pool:
                logger.error("a cleaning worker process died; starting new ones")
                pool.shutdown(wait=False, cancel_futures=True)
                self._start_pool()
            raise RuntimeError("cleaning worker process died") from None
        if kind is not None:
            self._skipped(item, kind, message)
        offer_signature(article.get("text") or "", minhash_from_bytes(signature))
        return article

    def _clean(self, item: PageItem, site: Site | None, spin: dict) -> dict:
        """The chain on one page, or on every page of a multi-page article (joined in page order)."""
        content_type = site.content_type(item.content_type) if site else item.content_type
        when = datetime.now(timezone.utc)
        if not item.more_pages:
            return self.cleaner(
                item.body,
                url=item.url,
                content_type=content_type,
                classifier=self.classifier,
                fetched_at=when,
                **spin,
            )
        from newsclean.chain import clean_pages

        pages = [(b, u, site.content_type(c) if site else c) for b, u, c in item.pages()]
        return clean_pages(pages, classifier=self.classifier, fetched_at=when, clean=self.cleaner, **spin)

    def _check_age(self, article: dict, site: Site | None) -> None:
        """A site's ``max_age``: an article published longer ago is skipped (one without a date is kept)."""
        if site is None or site.max_age is None:
            return
        published = published_time(article.get("published_at"))
        if published is None:
            return
        age = datetime.now(timezone.utc) - published
        if age.total_seconds() > site.max_age:
            self.stats.inc_value("newsclean/skipped/too_old")
            sitestats.inc(self.stats, site.name, "skipped/too_old")
            logger.info(
                "skipped %s: published %s, older than max_age %s",
                article["url"],
                article["published_at"],
                format_duration(site.max_age),
            )
            raise PageSkipped("too_old")


def published_time(value: str | None) -> datetime | None:
    """An article's ``published_at`` as an aware time; a bare date counts to the end of its day."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
            return day + timedelta(days=1)
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


class DedupePipeline(_CrawlPipeline):
    """Drop articles exported before (by URL or content); mark near-duplicates."""

    def process_item(self, item, spider=None):
        run = self.state.run
        if not isinstance(item, ArticleItem) or run is None:
            return item
        if item.fetch.revisit:
            return self.revisited(run, item)
        verdict = run.judge(item.article, item.aliases)
        if verdict.duplicate:
            for url in (item.article["url"], *item.aliases) if verdict.duplicate == "content" else ():
                run.remember_duplicate(url, verdict, item.article.get("fingerprint") or "")
            self.stats.inc_value(f"newsclean/duplicates/{verdict.duplicate}")
            raise DropItem(f"duplicate {verdict.duplicate} of {verdict.duplicate_of}: {item.article['url']}")
        if verdict.near_duplicate_of:
            item.near_duplicate_of = verdict.near_duplicate_of
            self.stats.inc_value("newsclean/near_duplicates")
        return item

    def revisited(self, run, item: ArticleItem):
        """A revisit: the stored text again is dropped (unchanged), a changed one is a new version."""
        verdict = run.judge_revisit(item.article, item.aliases)
        url = item.article["url"]
        if verdict.unchanged or verdict.duplicate:
            run.unchanged(url, item.fetch.etag, item.fetch.last_modified, item.site)
        if verdict.unchanged:
            self.stats.inc_value("newsclean/revisits/unchanged")
            raise UnchangedRevisit(f"unchanged since the last fetch: {url}")
        if verdict.duplicate:
            self.stats.inc_value(f"newsclean/duplicates/{verdict.duplicate}")
            raise DropItem(f"revisit is a duplicate {verdict.duplicate} of {verdict.duplicate_of}: {url}")
        item.version, item.supersedes = verdict.version, verdict.supersedes
        if verdict.near_duplicate_of:
            item.near_duplicate_of = verdict.near_duplicate_of
            self.stats.inc_value("newsclean/near_duplicates")
        return item


class ExportPipeline(_CrawlPipeline):
    """Write each article as one line of this run's output file."""

    def process_item(self, item, spider=None):
        run = self.state.run
        if not isinstance(item, ArticleItem) or run is None:
            return item
        try:
            run.write(item.output(), item.aliases, item.fetch.etag, item.fetch.last_modified)
        except OutputError as err:  # not in the file, not in the store: fetched again next run
            record_fault(self.crawler, "output", err)
            raise DropItem(f"not written: {item.article['url']}") from None
        except StateError as err:  # in the file; the store learns of it at close or on recovery
            record_fault(self.crawler, "seen_store", err)
        self.stats.inc_value("newsclean/articles_written")
        sitestats.inc(self.stats, item.site, "articles_written")
        sitestats.record_removed(self.stats, item.site, item.article.get("removed") or [])
        if item.version:
            self.stats.inc_value("newsclean/revisits/updated")
        removed = Counter(r.get("reason", "?") for r in item.article.get("removed") or [])
        for reason, n in removed.items():
            self.stats.inc_value(f"newsclean/lines_removed/{reason}", n)
        return item
