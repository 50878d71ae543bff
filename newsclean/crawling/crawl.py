"""``scrapy crawl`` (the project's COMMANDS_MODULE): Scrapy's command, ending non-zero when a crawl could not run.

Scrapy's own command exits 0 whenever the spider was built, so ``scrapy crawl news`` without
``-a sources`` (or with a held lock) would look like success to cron. Here the crawl state's
outcome gives the exit code ``newsclean crawl`` uses for the same failure.
"""

from __future__ import annotations

from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from newsclean.crawling.state import crawl_state


class Command(ScrapyCrawlCommand):
    _crawler: Any = None

    def _create_crawler(self, spidercls):
        self._crawler = super()._create_crawler(spidercls)
        return self._crawler

    def run(self, args: list[str], opts: Any) -> None:
        super().run(args, opts)
        state = crawl_state(self._crawler) if self._crawler is not None else None
        if state is not None and state.failed and not self.exitcode:
            self.exitcode = state.outcome.exit_code or 1
