"""robots.txt, obeyed by every request, also those that arrive while it is being fetched.

Scrapy 2.14+ (``RobotsTxtMiddleware.robot_parser``) lets every request that waits for a site's
robots.txt await the same Deferred through ``maybe_deferred_to_future``. Turning a Deferred into
a future consumes its result, so the first waiter gets the parser and every later one gets None,
which means "no robots.txt": those requests are downloaded even when robots.txt forbids them.
A single crawl rarely shows it (its first request is the start page); a worker that joins a
running distributed crawl pops a batch of arbitrary URLs at once and fetched forbidden pages.
Here each waiter gets its own Deferred, fed from the shared one without consuming its result.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

SCRAPY_MIDDLEWARE = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
    """Scrapy's middleware with the waiters' share of the parser fixed."""

    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        mine: Deferred = Deferred()

        def relay(result):
            mine.callback(result)
            return result  # left in place for the next waiter

        pending.addBoth(relay)
        return await maybe_deferred_to_future(mine)
