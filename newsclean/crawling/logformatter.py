"""How a crawl logs dropped items: skipped pages were logged with their reason already."""

from __future__ import annotations

from scrapy.logformatter import LogFormatter

from newsclean.crawling.pipelines import PageSkipped


class CrawlLogFormatter(LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        if isinstance(exception, PageSkipped):
            return None
        return super().dropped(item, exception, response, spider)
