"""What the components of one scheduled crawl share, hung on the crawler (never on the spider).

The news spider reads the sources file into a :class:`CrawlState`; the run extension opens the
:class:`~newsclean.crawling.crawlrun.CrawlRun` into it; the seen-filter and the item pipelines
read it; the command reads :attr:`CrawlState.outcome` after the crawl. A crawl without a state
(a one-off fetch) leaves every one of those components switched off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newsclean.core.errors import ConfigError, NewscleanError
from newsclean.crawling.sources import Site, load_sources

if TYPE_CHECKING:
    from newsclean.crawling.crawlrun import CrawlRun

ATTRIBUTE = "newsclean_crawl"
# an add-on that found the crawl cannot run (a bad or unreachable REDIS_URL) leaves
# {"message": ..., "exit_code": ...} here; the crawl then ends before any request
SETUP_ERROR_SETTING = "NEWSCLEAN_SETUP_ERROR"


class SetupError(NewscleanError):
    """A failure an add-on found while the settings were built, with its own exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Outcome:
    """Why a crawl ended before it began, for the command line: a reason and one line."""

    reason: str | None = None  # config_error, lock_held, model_error, store_error, output_error
    message: str | None = None
    exit_code: int = 0  # the exit code ``newsclean crawl`` and ``scrapy crawl`` end with


@dataclass
class CrawlState:
    sites: dict[str, Site] = field(default_factory=dict)
    run: CrawlRun | None = None
    outcome: Outcome = field(default_factory=Outcome)

    def fail(self, reason: str, err: NewscleanError) -> None:
        """Record the first failure only: it is the one the user must fix."""
        if self.outcome.reason is None:
            self.outcome = Outcome(reason, str(err), err.exit_code)

    def check_setup(self, settings: Any) -> None:
        """Record what an add-on found wrong once the settings were built (after the spider was made)."""
        error = settings.get(SETUP_ERROR_SETTING)
        if isinstance(error, dict):
            self.fail("config_error", SetupError(str(error.get("message")), int(error.get("exit_code") or 1)))

    @property
    def failed(self) -> bool:
        return self.outcome.reason is not None


def configure(crawler: Any, sources: str | None, max_pages: str | int | None) -> CrawlState:
    """Put this crawl's state on the crawler, with the sites of the sources file (or its error)."""
    state = CrawlState()
    setattr(crawler, ATTRIBUTE, state)
    path = sources or crawler.settings.get("NEWSCLEAN_SOURCES")
    try:
        if not path:
            raise ConfigError("no sources file: pass -a sources=FILE (or set NEWSCLEAN_SOURCES)")
        state.sites = {s.name: s for s in load_sources(path, max_pages=_max_pages(max_pages))}
    except NewscleanError as err:
        state.fail("config_error", err)
    return state


def crawl_state(crawler: Any) -> CrawlState | None:
    """The crawl's state, or None for crawls that are not scheduled crawls."""
    return getattr(crawler, ATTRIBUTE, None)


def _max_pages(value: str | int | None) -> int | None:
    """``-a max_pages=N`` arrives as text: a positive integer or nothing."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise ConfigError(f"max_pages must be a positive integer, got {value!r}")
    return number
