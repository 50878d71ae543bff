"""``newsclean crawl``: the scheduled crawl job, safe to run from cron.

Runs the ``news`` spider in this process with the project's Scrapy settings, prints one-line
progress on standard error and a summary on standard output, and ends with an exit code cron
can act on:

====  =========================================================================
0     the crawl finished; page-level failures (404, timeouts...) are only counted
1     crawl errors: a start page could not be fetched, a cleaning step or the spider
      failed, or the crawl was stopped before it finished
2     bad arguments or a bad sources file
6     the classifier model could not be loaded
69    distributed mode: Redis is out of reach (EX_UNAVAILABLE)
73    the output folder cannot be created or written (EX_CANTCREAT)
74    the state folder, its lock or its seen-store is unusable: not a folder, corrupt,
      truncated, empty, unreadable (EX_IOERR)
75    another crawl holds the state directory's lock (EX_TEMPFAIL: try later)
====  =========================================================================
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
from pathlib import Path

from newsclean.core.errors import InputError, NewscleanError
from newsclean.crawling.state import Outcome

SPIDER = "news"  # started by name through Scrapy's spider loader (SPIDER_MODULES)
EXIT_OK, EXIT_CRAWL_ERRORS, EXIT_CONFIG, EXIT_MODEL, EXIT_STORE, EXIT_LOCKED = 0, 1, 2, 6, 69, 75
EXIT_OUTPUT, EXIT_STATE = 73, 74
RUN_ERRORS = ("cleaning", "output", "seen_store")  # newsclean/errors/*: each fails the run


class StoreError(NewscleanError):
    """The shared seen-store (Redis) is out of reach."""

    exit_code = EXIT_STORE


EXIT_CODES_HELP = (
    "exit codes: 0 finished (page-level failures only counted), 1 crawl errors, 2 bad arguments or "
    "sources file, 6 classifier model unusable, 69 Redis unreachable (--redis mode), 73 output folder "
    "not writable, 74 state folder or seen-store unusable, 75 another crawl holds the lock"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXIT_CODES_HELP
    parser.add_argument(
        "--sources",
        required=True,
        metavar="FILE",
        help="sources file (TOML: [[site]] tables with name, start_urls and optional keys; see the README)",
    )
    parser.add_argument(
        "--output", default="output", metavar="DIR", help="where JSON Lines go (default: output/)"
    )
    parser.add_argument(
        "--state", metavar="DIR", help="lock, seen-store and log of past runs (default: OUTPUT/.state)"
    )
    parser.add_argument("--log-file", metavar="F", help="Scrapy's log (default: STATE/crawl.log)")
    parser.add_argument("--max-pages", type=int, metavar="N", help="cap every site at N pages this run")
    parser.add_argument(
        "--no-robots", action="store_true", help="ignore robots.txt (only for your own sites)"
    )
    parser.add_argument(
        "--skip-spun",
        action="store_true",
        help="leave out articles judged spun (伪原创); counted in the summary",
    )
    parser.add_argument(
        "--restore-spun",
        action="store_true",
        help="put back the original of spun words where it is unambiguous (listed under spin.restored)",
    )
    parser.add_argument(
        "--model", metavar="FILE", help="classifier model file (default: the bundled active one)"
    )
    parser.add_argument(
        "--progress-interval", type=float, default=10.0, metavar="S", help="seconds between progress lines"
    )
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy setting, e.g. -s DOWNLOAD_TIMEOUT=5 (repeatable)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines, only the summary")
    distributed = _distributed()
    if distributed is not None:
        distributed.add_arguments(parser)


def _distributed():
    """The Redis mode's module, where the "distributed" extra is installed."""
    try:
        from newsclean.distributed import addon as distributed
    except ImportError:
        return None
    return distributed


def run(args: argparse.Namespace) -> int:
    """Run one crawl; raises NewscleanError (one line for the user) on config, model or lock trouble."""
    from newsclean.crawling.sources import load_sources

    if args.max_pages is not None and args.max_pages < 1:
        raise InputError("--max-pages must be a positive number")
    load_sources(args.sources, max_pages=args.max_pages)  # fail before Scrapy starts
    output = Path(args.output)
    state = Path(args.state) if args.state else output / ".state"
    log_file = Path(args.log_file) if args.log_file else state / "crawl.log"
    _check_folders(output, state, log_file)

    distributed = _distributed()
    shared = distributed.settings_from_args(args) if distributed is not None else {}
    settings = crawl_settings(
        output=output,
        state=state,
        log_file=log_file,
        no_robots=args.no_robots,
        model=args.model,
        skip_spun=args.skip_spun,
        restore_spun=args.restore_spun,
        progress_interval=0 if args.quiet else args.progress_interval,
        overrides=args.set,
    )
    settings.setdict(shared, priority="cmdline")
    started = time.monotonic()
    stats, outcome = _run_spider(settings, args.sources, args.max_pages, quiet=args.quiet)
    elapsed = time.monotonic() - started
    reason, message = closing(stats, outcome)
    if outcome.reason:
        raise CrawlNotRun(outcome.message or outcome.reason, outcome.exit_code)
    if reason == "redis_error":
        raise StoreError(message or "the seen-store could not be opened")

    summary = summarise(stats, reason, elapsed, log_file)
    print(format_summary(summary))
    if stats.get("newsclean/fault"):  # the log may be on the disk that failed: say it here too
        print(f"newsclean crawl: {stats['newsclean/fault']}", file=sys.stderr)
    try:
        (state / "last_run.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=2) + "\n", "utf-8"
        )
    except OSError as err:
        raise CrawlNotRun(
            f"cannot write {state / 'last_run.json'}: {err.strerror or err}", EXIT_CRAWL_ERRORS
        ) from None
    return exit_code(summary)


class CrawlNotRun(NewscleanError):
    """A crawl that could not run (or not record its run): the one line its component gave."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code or EXIT_CRAWL_ERRORS


def _check_folders(output: Path, state: Path, log_file: Path) -> None:
    """Refuse at once, before Scrapy starts, unusable folders or a held lock (the crawl re-checks)."""
    from newsclean.crawling.runlock import OutputError, RunLocks, StateError, usable_dir

    usable_dir(output, "output directory", OutputError)
    usable_dir(state, "state directory", StateError)
    usable_dir(log_file.parent, "log directory", StateError)
    try:
        with open(log_file, "a", encoding="utf-8"):
            pass
    except OSError as err:
        raise StateError(f"cannot write the crawl log {log_file}: {err.strerror or err}") from None
    locks = RunLocks(output, state)
    locks.acquire()
    locks.release()


def crawl_settings(
    *,
    output: Path,
    state: Path,
    log_file: Path | None,
    no_robots: bool = False,
    model: str | None = None,
    skip_spun: bool = False,
    restore_spun: bool = False,
    progress_interval: float = 10.0,
    overrides: list[str] = (),  # type: ignore[assignment]
):
    """The project's Scrapy settings plus this run's choices (also used by ``newsclean demo``)."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("newsclean.crawling.settings", priority="project")
    chosen = {
        "NEWSCLEAN_OUTPUT_DIR": str(output),
        "NEWSCLEAN_STATE_DIR": str(state),
        "NEWSCLEAN_PROGRESS_INTERVAL": progress_interval,
        "NEWSCLEAN_SKIP_SPUN": skip_spun,
        "NEWSCLEAN_RESTORE_SPUN": restore_spun,
    }
    if log_file is not None:
        chosen.update(LOG_FILE=str(log_file), LOG_FILE_APPEND=True)
    if no_robots:
        chosen["ROBOTSTXT_OBEY"] = False
    if model:
        chosen["NEWSCLEAN_MODEL"] = model
    settings.setdict(chosen, priority="cmdline")
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--set expects NAME=VALUE, got {item!r}")
        settings.set(name.strip(), value, priority="cmdline")
    return settings


def closing(stats: dict, outcome: Outcome) -> tuple[str, str | None]:
    """Why the crawl ended, and the one line to say when it could not run at all."""
    from newsclean.distributed.addon import FINISH_REASON_REDIS

    if outcome.reason:
        return outcome.reason, outcome.message
    redis_error = stats.get("newsclean/distributed/redis_error")
    if redis_error:  # set by the distributed mode when Redis fails mid-crawl
        return FINISH_REASON_REDIS, str(redis_error)
    return stats.get("finish_reason", "unknown"), None


def _run_spider(settings, sources: str, max_pages: int | None, quiet: bool = False):
    """Run the ``news`` spider, found by name; its stats and the crawl state's outcome."""
    from scrapy.crawler import CrawlerProcess

    from newsclean.crawling.state import crawl_state

    log_file = open_log_file(settings)
    process = CrawlerProcess(settings)
    progress = logging.getLogger("newsclean.progress")
    handler = None
    if not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        progress.addHandler(handler)
    crawler = process.create_crawler(SPIDER)
    try:
        process.crawl(crawler, sources=sources, max_pages=max_pages)
        process.start()
    finally:
        if handler is not None:
            progress.removeHandler(handler)
        if log_file is not None:
            logging.root.removeHandler(log_file)
            log_file.close()
    state = crawl_state(crawler)
    return dict(crawler.stats.get_stats()), state.outcome if state is not None else Outcome()


class CrawlLogFile(logging.FileHandler):
    """The crawl log, as Scrapy's LOG_FILE handler writes it, but a full or failing disk under it
    costs log lines only: never a traceback per line on the terminal, never a crash at close."""

    def handleError(self, record: logging.LogRecord) -> None:
        self.lost += 1

    def flush(self) -> None:
        with contextlib.suppress(OSError):
            super().flush()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            super().close()

    lost = 0


def open_log_file(settings) -> CrawlLogFile | None:
    """Install the crawl log in place of Scrapy's root handler (LOG_FILE, LOG_LEVEL, LOG_FORMAT)."""
    path = settings.get("LOG_FILE")
    if not path:
        return None
    mode = "a" if settings.getbool("LOG_FILE_APPEND") else "w"
    handler = CrawlLogFile(path, mode=mode, encoding=settings.get("LOG_ENCODING"), delay=True)
    handler.setFormatter(logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT")))
    handler.setLevel(settings.get("LOG_LEVEL"))
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    logging.root.setLevel(logging.NOTSET)
    logging.root.addHandler(handler)
    return handler


def summarise(stats: dict, reason: str, elapsed: float, log_file: Path | None = None) -> dict:
    """The end-of-run figures, from Scrapy's stats and the pipelines' counters."""

    def group(prefix: str) -> dict[str, int]:
        return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}

    errors = group("newsclean/fetch_errors/")
    for key, value in group("spider_exceptions/").items():
        errors[f"spider:{key}"] = value
    errors.update(group("newsclean/errors/"))  # cleaning, output, seen_store
    return {
        "finish_reason": reason,
        "seconds": round(elapsed, 1),
        "pages_fetched": stats.get("response_received_count", 0),
        "articles_written": stats.get("newsclean/articles_written", 0),
        "output_file": stats.get("newsclean/output_file") or None,
        "duplicates_skipped": group("newsclean/duplicates/"),
        "near_duplicates_marked": stats.get("newsclean/near_duplicates", 0),
        "spun_articles": stats.get("newsclean/spun_articles", 0),
        "already_exported_not_fetched": stats.get("newsclean/skipped_seen_urls", 0),
        "pages_skipped": group("newsclean/skipped/"),
        "lines_removed": group("newsclean/lines_removed/"),
        "errors": errors,
        "start_page_errors": stats.get("newsclean/start_errors", 0),
        # errors logged by anything but the retry middleware giving up on one page
        "error_log_lines": stats.get("log_count/ERROR", 0) - stats.get("retry/max_reached", 0),
        "refused_by_robots": stats.get("robotstxt/forbidden", 0),
        "recovered_lines": stats.get("newsclean/recovered_lines", 0),
        "max_pages_reached": group("newsclean/max_pages_reached/"),
        "revisits": {
            k: stats.get(f"newsclean/revisits/{k}", 0) for k in ("requested", "unchanged", "updated")
        },
        "log_file": str(log_file) if log_file else None,
    }


def exit_code(summary: dict) -> int:
    if summary["finish_reason"] != "finished":
        return EXIT_CRAWL_ERRORS
    if summary["start_page_errors"] or summary["error_log_lines"]:
        return EXIT_CRAWL_ERRORS
    if any(k.startswith("spider:") or k in RUN_ERRORS for k in summary["errors"]):
        return EXIT_CRAWL_ERRORS
    return EXIT_OK


def format_summary(s: dict) -> str:
    def counts(d: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in d.items()) or "none"

    lines = [
        f"crawl {s['finish_reason']} in {s['seconds']} s",
        f"  pages fetched          {s['pages_fetched']}",
        f"  articles written       {s['articles_written']}"
        + (f"  -> {s['output_file']}" if s["output_file"] else ""),
        f"  duplicates skipped     {sum(s['duplicates_skipped'].values())} ({counts(s['duplicates_skipped'])})",
        f"  near-duplicates marked {s['near_duplicates_marked']}",
        f"  spun articles          {s['spun_articles']}"
        + (f" ({s['pages_skipped']['spun']} left out)" if s["pages_skipped"].get("spun") else ""),
        f"  known URLs not fetched {s['already_exported_not_fetched']}",
        f"  pages skipped          {counts(s['pages_skipped'])}",
        f"  lines removed          {counts(s['lines_removed'])}",
        f"  errors                 {counts(s['errors'])}",
    ]
    if s["recovered_lines"]:
        lines.append(f"  recovered              {s['recovered_lines']} lines of an interrupted run")
    if s["max_pages_reached"]:
        lines.append(f"  max_pages reached      {counts(s['max_pages_reached'])}")
    if s.get("revisits", {}).get("requested"):
        r = s["revisits"]
        lines.append(
            f"  revisits               {r['requested']} (unchanged {r['unchanged']}, updated {r['updated']})"
        )
    if s["log_file"]:
        lines.append(f"  log                    {s['log_file']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m newsclean.commands.crawl``: the same command without the ``newsclean`` front end."""
    parser = argparse.ArgumentParser(prog="newsclean crawl", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except NewscleanError as err:
        print(f"newsclean crawl: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
