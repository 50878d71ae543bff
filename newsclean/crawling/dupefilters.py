"""The request duplicate filter of a crawl."""

from __future__ import annotations

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter


class RedirectCycleDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter, saying why when a redirect leads back to a page already requested.

    The stock filter drops such a request silently, so a redirect cycle (a -> b -> a) would leave
    no trace in the crawl log.
    """

    def log(self, request: Request, spider) -> None:
        if request.meta.get("redirect_times"):
            first = (request.meta.get("redirect_urls") or [request.url])[0]
            spider.logger.info(
                "not fetched %s: redirect cycle (%s redirects back to a page already requested)",
                first,
                request.url,
            )
            spider.crawler.stats.inc_value("newsclean/redirect_cycles")
        super().log(request, spider)
