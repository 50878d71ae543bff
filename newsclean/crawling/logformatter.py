"""How a crawl logs dropped items: one short line (a duplicate is routine), never the whole item.

Scrapy's default puts the dropped item's repr in the log: a whole article (or page body) at
INFO for every duplicate. Skipped pages were logged with their reason already.
"""

from __future__ import annotations

from scrapy.logformatter import LogFormatter

from newsclean.crawling.pipelines import PageSkipped


class CrawlLogFormatter(LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        if isinstance(exception, PageSkipped):
            return None
        entry = super().dropped(item, exception, response, spider)
        return {"level": entry["level"], "msg": "Dropped: %(exception)s", "args": {"exception": exception}}
