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

With ``--every`` it runs until stopped, one crawl per slot in a child process
(:mod:`newsclean.crawling.schedule`): 0 when stopped by SIGTERM/SIGINT, 2 at once for bad
arguments or a bad sources file; any other failed run is reported and the schedule goes on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import logging.handlers
import shlex
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from newsclean.core.errors import InputError, NewscleanError
from newsclean.crawling import sitestats
from newsclean.crawling.state import Outcome

SPIDER = "news"  # started by name through Scrapy's spider loader (SPIDER_MODULES)
EXIT_OK, EXIT_CRAWL_ERRORS, EXIT_CONFIG, EXIT_MODEL, EXIT_STORE, EXIT_LOCKED = 0, 1, 2, 6, 69, 75
EXIT_OUTPUT, EXIT_STATE = 73, 74
RUN_ERRORS = ("cleaning", "output", "seen_store")  # newsclean/errors/*: each fails the run
ALERT_TIMEOUT = 30.0  # seconds an --alert-command may take
NO_ARTICLES_HINT = "its layout may have changed, it may block the crawler, or it is down"


class StoreError(NewscleanError):
    """The shared seen-store (Redis) is out of reach."""

    exit_code = EXIT_STORE


EXIT_CODES_HELP = (
    "exit codes: 0 finished (page-level failures only counted), 1 crawl errors, 2 bad arguments or "
    "sources file, 6 classifier model unusable, 69 Redis unreachable (--redis mode), 73 output folder "
    "not writable, 74 state folder or seen-store unusable, 75 another crawl holds the lock; with --every: "
    "0 stopped by a signal, 2 bad arguments or sources file"
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
        "--model",
        metavar="FILE",
        help="classifier model file (default: $NEWSCLEAN_MODEL, else one newsclean train installed for this user, else the bundled one)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="processes that clean pages while the crawl downloads (default: one per core; 1: in the crawl's process)",
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
    parser.add_argument(
        "--alert-command",
        metavar="CMD",
        help="run CMD (split like a shell line, not run by one) with the run's site alerts as JSON "
        f"on standard input when there are any; {ALERT_TIMEOUT:g} s at most, failures only logged",
    )
    parser.add_argument(
        "--every",
        metavar="DURATION",
        help="run until stopped, one crawl every DURATION (e.g. 30m, 1h); SIGTERM/SIGINT end it "
        "after the current crawl",
    )
    parser.add_argument(
        "--jitter",
        metavar="J",
        help="with --every: start each crawl up to J later than its slot, J a duration (90s) or a "
        "share of the interval (10%%)",
    )
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
    if args.jobs is not None and args.jobs < 1:
        raise InputError("--jobs must be a positive number")
    alert_command = _alert_argv(getattr(args, "alert_command", None))
    if getattr(args, "every", None) or getattr(args, "jitter", None):
        return _run_every(args)
    sites = load_sources(args.sources, max_pages=args.max_pages)  # fail before Scrapy starts
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
        jobs=args.jobs,
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
    last_run = state / "last_run.json"
    add_site_warnings(summary, [s.name for s in sites], _previous_sites(last_run))
    print(format_summary(summary))
    if stats.get("newsclean/fault"):  # the log may be on the disk that failed: say it here too
        print(f"newsclean crawl: {stats['newsclean/fault']}", file=sys.stderr)
    try:
        _write_atomically(last_run, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    except OSError as err:
        raise CrawlNotRun(f"cannot write {last_run}: {err.strerror or err}", EXIT_CRAWL_ERRORS) from None
    if summary["alerts"] and alert_command:
        run_alert_command(alert_command, summary)
    return exit_code(summary)


def _write_atomically(path: Path, text: str) -> None:
    from newsclean.crawling.jsonl import write_text_atomically

    write_text_atomically(path, text)


def _previous_sites(last_run: Path) -> dict:
    """The per-site figures of the previous run's summary; none if it is missing or unreadable."""
    try:
        previous = json.loads(last_run.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    sites = previous.get("sites") if isinstance(previous, dict) else None
    return sites if isinstance(sites, dict) else {}


def _alert_argv(command: str | None) -> list[str] | None:
    """``--alert-command`` split like a shell line (it is never given to a shell)."""
    if command is None:
        return None
    try:
        argv = shlex.split(command)
    except ValueError as err:
        raise InputError(f"--alert-command: {err}") from None
    if not argv:
        raise InputError("--alert-command is empty")
    return argv


def run_alert_command(argv: list[str], summary: dict) -> bool:
    """Give the run's alerts to the operator's command on standard input; a failure is one line
    on standard error, never the crawl's failure. True when the command succeeded."""
    message = {
        "alerts": summary["alerts"],
        "finished_at": summary.get("finished_at"),
    }
    try:
        done = subprocess.run(
            argv,
            input=json.dumps(message, ensure_ascii=False),
            text=True,
            encoding="utf-8",
            capture_output=True,
            timeout=ALERT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(f"newsclean crawl: alert command timed out after {ALERT_TIMEOUT:g} s", file=sys.stderr)
        return False
    except OSError as err:
        print(f"newsclean crawl: alert command not run: {err.strerror or err}", file=sys.stderr)
        return False
    if done.returncode != 0:
        detail = " ".join((done.stderr or "").split())[:200]
        print(
            f"newsclean crawl: alert command failed with exit {done.returncode}"
            + (f": {detail}" if detail else ""),
            file=sys.stderr,
        )
        return False
    return True


def _run_every(args: argparse.Namespace) -> int:
    """``--every``: this same command without ``--every``, in a child process at every slot."""
    from newsclean.core.durations import parse_duration
    from newsclean.crawling.schedule import Schedule, parse_jitter
    from newsclean.crawling.sources import load_sources

    if not args.every:
        raise InputError("--jitter needs --every")
    try:
        interval = parse_duration(args.every)
    except ValueError as err:
        raise InputError(f"--every: {err}") from None
    jitter = parse_jitter(args.jitter, interval)
    load_sources(args.sources, max_pages=args.max_pages)  # bad arguments end it before any run
    crawl_settings(output=Path(args.output), state=Path("."), log_file=None, overrides=args.set)
    output = Path(args.output)
    last_run = (Path(args.state) if args.state else output / ".state") / "last_run.json"
    seen = {"written": _mtime(last_run)}

    def describe(rc: int) -> str:
        """This run's figures, when it wrote its summary."""
        written = _mtime(last_run)
        if written in (None, seen["written"]):
            return ""
        seen["written"] = written
        try:
            summary = json.loads(last_run.read_text("utf-8"))
        except (OSError, ValueError):
            return ""
        if not isinstance(summary, dict):
            return ""
        alerts = len(summary.get("alerts") or [])
        warnings = len(summary.get("site_warnings") or [])
        return (
            f"{summary.get('pages_fetched', 0)} pages, {summary.get('articles_written', 0)} articles"
            + (f", {warnings} site warnings" if warnings else "")
            + (f", {alerts} alerts" if alerts else "")
        )

    argv = [sys.executable, "-m", "newsclean.commands.crawl", *child_arguments(args)]
    return Schedule(argv, interval, jitter, describe=describe).run()


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def child_arguments(args: argparse.Namespace) -> list[str]:
    """The command line of one run of a schedule: every option given, except --every and --jitter."""
    parser = argparse.ArgumentParser(add_help=False)
    add_arguments(parser)
    argv: list[str] = []
    for action in parser._actions:
        if not action.option_strings or action.dest in ("every", "jitter"):
            continue
        value = getattr(args, action.dest, action.default)
        if value == action.default or value is None:
            continue
        option = action.option_strings[-1]  # the long form
        if action.nargs == 0:  # a flag
            argv.append(option)
        elif isinstance(value, list):
            argv += [f"{option}={item}" for item in value]
        else:
            argv.append(f"{option}={value}")
    return argv


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
    jobs: int | None = None,
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
    if jobs is not None:
        chosen["NEWSCLEAN_CLEAN_JOBS"] = jobs
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


class CrawlLogFile(logging.handlers.RotatingFileHandler):
    """The crawl log, as Scrapy's LOG_FILE handler writes it, rotated by size (crawl.log.1 ...),
    but a full or failing disk under it costs log lines only: never a traceback per line on the
    terminal, never a crash at close."""

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
    try:
        max_bytes = settings.getint("NEWSCLEAN_LOG_MAX_BYTES")
        backups = settings.getint("NEWSCLEAN_LOG_BACKUPS")
    except ValueError:
        raise InputError("NEWSCLEAN_LOG_MAX_BYTES and NEWSCLEAN_LOG_BACKUPS must be whole numbers") from None
    if max_bytes < 0 or backups < 0:
        raise InputError("NEWSCLEAN_LOG_MAX_BYTES and NEWSCLEAN_LOG_BACKUPS cannot be negative")
    if max_bytes and not backups:
        max_bytes = 0  # RotatingFileHandler's rule: nothing to rotate into, so the file only grows
    handler = CrawlLogFile(  # appends whenever it rotates (RotatingFileHandler's rule)
        path,
        mode=mode,
        maxBytes=max_bytes,
        backupCount=backups,
        encoding=settings.get("LOG_ENCODING"),
        delay=True,
    )
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
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sites": sitestats.per_site(stats),
        "site_warnings": [],  # filled by add_site_warnings, which knows the previous run
        "alerts": [
            v for k, v in sorted(stats.items()) if k.startswith("newsclean/alerts/") and isinstance(v, dict)
        ],
    }


def add_site_warnings(summary: dict, site_names: list[str], previous: dict) -> None:
    """Every site of the sources file in ``summary["sites"]``, and a warning for each site whose
    every page failed and each that wrote articles last run but none in this one."""
    sites = summary["sites"]
    for name in site_names:
        sites.setdefault(name, sitestats.empty_site())
    summary["sites"] = dict(sorted(sites.items()))
    warnings = summary["site_warnings"]
    for name, site in summary["sites"].items():
        before = (
            previous.get(name, {}).get("articles_written", 0) if isinstance(previous.get(name), dict) else 0
        )
        site["previous_articles_written"] = before if isinstance(before, int) else 0
        failed = sum(site["errors"].values())
        if failed and not site["pages_ok"] and not site["articles_written"]:
            warnings.append(
                {
                    "site": name,
                    "problem": "all_pages_failed",
                    "message": f"every page failed ({_counts(site['errors'])})",
                    "failed_urls": site["failed_urls"],
                }
            )
        elif site["previous_articles_written"] and not site["articles_written"]:
            evidence = _no_articles_evidence(site)
            if evidence:  # else nothing new was linked: a quiet site, not a broken one
                warnings.append(
                    {
                        "site": name,
                        "problem": "no_articles_now",
                        "message": f"wrote {site['previous_articles_written']} articles last run and none "
                        f"in this one ({evidence}): {NO_ARTICLES_HINT}",
                    }
                )


def _no_articles_evidence(site: dict) -> str:
    """Why a site that wrote nothing looks broken rather than quiet, or "" if it does not."""
    if not site["article_links"]:
        return "no article links found"
    found = []
    if site["pages_skipped"]:
        found.append(f"pages skipped: {_counts(site['pages_skipped'])}")
    if site["errors"]:
        found.append(f"errors: {_counts(site['errors'])}")
    return "; ".join(found)


def _counts(d: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items()) or "none"


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
    lines += format_sites(s)
    return "\n".join(lines)


def format_sites(s: dict) -> list[str]:
    """The per-site block of the summary, its warnings and its alerts."""
    sites = s.get("sites") or {}
    if not sites:
        return []
    width = max(len(name) for name in sites)
    lines = ["sites"]
    for name, site in sites.items():
        parts = [f"{site['pages_fetched']} pages", f"{site['articles_written']} articles"]
        if site["pages_skipped"]:
            parts.append(f"skipped {_counts(site['pages_skipped'])}")
        if site["errors"]:
            parts.append(f"errors {_counts(site['errors'])}")
        lines.append(f"  {name:<{width}}  " + ", ".join(parts))
        for url in site["failed_urls"]:
            lines.append(f"  {'':<{width}}  failed {url}")
        if site["failed_urls_more"]:
            lines.append(f"  {'':<{width}}  failed ... and {site['failed_urls_more']} more (see the log)")
    for warning in s.get("site_warnings") or []:
        lines.append(f"WARNING site {warning['site']}: {warning['message']}")
    for alert in s.get("alerts") or []:
        lines.append(
            f"ALERT site {alert['site']}: {alert['suspect_lines']} spam/adult/hidden lines removed from "
            f"{alert['articles']} articles ({alert['rate']:g} per article; median of its last "
            f"{alert['past_runs']} run(s): {alert['median_rate']:g}) - the site may be compromised"
        )
        lines += [f"  sample: {line}" for line in alert.get("samples", [])[:3]]
    return lines


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
