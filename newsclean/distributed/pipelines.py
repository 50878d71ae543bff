"""The distributed crawl's item pipeline: each article claimed in the shared seen-store first."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsclean.distributed.connection import RedisUnavailableError
from newsclean.distributed.outage import stop_worker
from newsclean.distributed.store import SharedStoreComponent

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
