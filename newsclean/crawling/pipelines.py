"""Scrapy item pipelines: thin adapters between the news spider and :mod:`newsclean.crawling.crawlrun`.

Cleaning happens in the spider (it decides whether a page is an article at all); here articles
are deduplicated and written. Exact duplicates (same canonical URL, same content fingerprint) are
dropped; near-duplicates (MinHash/LSH, the same story reworded slightly) are written with a
``near_duplicate_of`` field naming the earlier article, so nothing cleaned is thrown away.
"""

from __future__ import annotations

from collections import Counter

from scrapy.exceptions import DropItem

from newsclean.crawling.items import ArticleItem


class _RunPipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def run(self):
        return getattr(self.crawler.spider, "run", None)


class DedupePipeline(_RunPipeline):
    """Drop articles exported before (by URL or content); mark near-duplicates."""

    def process_item(self, item):
        if not isinstance(item, ArticleItem) or self.run is None:
            return item
        verdict = self.run.judge(item.article, item.aliases)
        if verdict.duplicate:
            for url in (item.article["url"], *item.aliases) if verdict.duplicate == "content" else ():
                self.run.remember_duplicate(url, verdict, item.article.get("fingerprint") or "")
            self.stats.inc_value(f"newsclean/duplicates/{verdict.duplicate}")
            raise DropItem(f"duplicate {verdict.duplicate} of {verdict.duplicate_of}: {item.article['url']}")
        if verdict.near_duplicate_of:
            item.near_duplicate_of = verdict.near_duplicate_of
            self.stats.inc_value("newsclean/near_duplicates")
        return item


class JsonLinesPipeline(_RunPipeline):
    """Write each article as one line of this run's output file."""

    def process_item(self, item):
        if not isinstance(item, ArticleItem) or self.run is None:
            return item
        self.run.write(item.output(), item.aliases)
        self.stats.inc_value("newsclean/articles_written")
        removed = Counter(r.get("reason", "?") for r in item.article.get("removed") or [])
        for reason, n in removed.items():
            self.stats.inc_value(f"newsclean/lines_removed/{reason}", n)
        return item
