"""The distributed crawl's item pipeline: each article claimed in the shared seen-store first."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsclean.crawling.pipelines import UnchangedRevisit
from newsclean.crawling.seenstore import now_iso
from newsclean.crawling.urls import canonical_url
from newsclean.distributed.connection import RedisUnavailableError
from newsclean.distributed.outage import stop_worker
from newsclean.distributed.store import SharedStoreComponent, version_entry

logger = logging.getLogger(__name__)


class SharedClaimPipeline(SharedStoreComponent):
    """Item pipeline, just before the output file: claim the article in the shared seen-store.

    The claim comes first and the line second, so a Redis failure leaves no line that the store
    does not know (the page stays held and is exported on the next run), and two workers that
    hold the same page (one taken for dead) cannot both write it. A claim whose line then fails
    to be written (a later pipeline raised) is withdrawn, so the page is not lost either.

    One case is ambiguous: Redis dies after recording the claim but before answering. The
    article then goes to ``STATE/unconfirmed-claims.jsonl``; the worker's next start asks
    Redis who holds the claim and writes the article to the output only if it was this worker.

    A revisit (the site's refresh policy fetched an exported article again) is not claimed: the
    shared record says whether its text changed. Unchanged, only the last-fetch time moves; changed,
    the new version is recorded over the fingerprint this worker saw, so two workers cannot both
    write one (and it is put back when the line is not written).
    """

    JOURNAL = "unconfirmed-claims.jsonl"

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.claimed: dict[int, tuple[str, str, list[str]]] = {}
        self.revised: dict[int, tuple[str, bytes | None]] = {}  # item -> (URL, the record replaced)
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
        fetch = getattr(item, "fetch", None)
        if getattr(fetch, "revisit", False):
            try:
                if self._revised(store, item, url, fingerprint, fetch):
                    return item
            except RedisUnavailableError as err:
                stop_worker(self.crawler, str(err))
                raise DropItem(NOT_WRITTEN) from None
        try:
            verdict = store.claim(
                url,
                fingerprint,
                aliases=aliases,
                owner=self.worker,
                site=getattr(item, "site", None),
                etag=getattr(fetch, "etag", None),
                last_modified=getattr(fetch, "last_modified", None),
            )
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

    def _revised(self, store, item, url: str, fingerprint: str, fetch) -> bool:
        """A revisit by the shared record: True to write it as the next version; drops it otherwise.

        False when the shared store does not hold the article (forgotten): it is claimed as new.
        """
        record = store.record(url)
        if record is None or record.url != canonical_url(url):
            return False
        if fingerprint and fingerprint == record.fingerprint:
            store.touch(url, fetch.etag, fetch.last_modified, getattr(item, "site", None))
            self.crawler.stats.inc_value("newsclean/revisits/unchanged")
            raise UnchangedRevisit(f"unchanged since the last fetch (by any worker): {url}")
        version = record.version + 1
        previous = store.saved_version(record.url)
        entry = version_entry(
            fingerprint, getattr(item, "site", None), fetch.etag, fetch.last_modified, now_iso(), version
        )
        if not store.revise(url, fingerprint, None, entry, expected=record.fingerprint):
            self.crawler.stats.inc_value("newsclean/duplicates/url")
            raise DropItem(f"another worker wrote a newer version of {url}")
        item.version, item.supersedes = version, record.fingerprint
        self.revised[id(item)] = (record.url, previous)
        return True

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
        self.revised.pop(id(item), None)

    def item_not_written(self, item, exception=None, **kwargs) -> None:
        revised = self.revised.pop(id(item), None)
        try:
            if revised is not None and self.store is not None and revised[1] is not None:
                self.store.restore_version(*revised)
            fetch = getattr(item, "fetch", None)
            if isinstance(exception, UnchangedRevisit) and self.store is not None and fetch is not None:
                # the worker's own store found it unchanged: the shared record learns of the fetch
                self.store.touch(item.article["url"], fetch.etag, fetch.last_modified, item.site)
        except RedisUnavailableError as err:
            stop_worker(self.crawler, str(err))
            return
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
