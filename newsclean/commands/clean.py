"""``newsclean clean``: pages (URLs, files, folders, lists, WARC files, stdin) in, articles out.

The pages are read in input order (inputs.py), cleaned on ``--jobs`` worker processes
(workers.py) and written in the same order (report.py); a failed page is one line on standard
error and the exit code is then non-zero.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from newsclean.commands.inputs import Entry, entries, is_url, page_jobs
from newsclean.commands.messages import fail
from newsclean.commands.report import FORMATS, Summary, render
from newsclean.commands.workers import clean_all, default_jobs
from newsclean.core.errors import InputError, NewscleanError

DESCRIPTION = (
    "Clean pages and print the article JSON: one object for one page, JSON Lines for several "
    "pages, a folder (searched recursively for *.html, *.htm, *.shtml, *.xhtml, *.txt and "
    "extension-less saved pages), a list file (-i) or a WARC file (its HTML responses), in input "
    "order. Failed pages are reported on standard error and skipped; the exit code is then non-zero."
)


def add_arguments(clean: argparse.ArgumentParser) -> None:
    clean.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="http(s) URL, file, folder, WARC file, or - for stdin"
    )
    clean.add_argument(
        "-i",
        "--input-list",
        action="append",
        default=[],
        metavar="LIST",
        help="a file of URLs or paths, one per line, each optionally followed by the page's address",
    )
    clean.add_argument("--url", help="the page's address when SOURCE is a file or stdin")
    clean.add_argument(
        "--model",
        default=os.environ.get("NEWSCLEAN_MODEL") or None,
        help="classifier model file (default: $NEWSCLEAN_MODEL, else one newsclean train installed for this user, else the bundled one)",
    )
    clean.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=default_jobs(),
        metavar="N",
        help="worker processes, each loading the model once (default: this machine's cores)",
    )
    clean.add_argument(
        "--format",
        choices=FORMATS,
        default="json",
        help="json (default; JSON Lines for several pages), jsonl, txt or md",
    )
    clean.add_argument(
        "--jsonl", action="store_true", help="one line per article even for one page (safe to append with >>)"
    )
    clean.add_argument("--no-removed", action="store_true", help="leave out the list of removed lines")
    clean.add_argument(
        "--summary", action="store_true", help="print the run's summary (always shown on a terminal)"
    )
    clean.add_argument(
        "--review", metavar="HTML", help="also write a review page for a person to check and correct"
    )
    clean.add_argument("--no-robots", action="store_true", help="fetch URLs even where robots.txt forbids it")
    clean.add_argument(
        "--restore-spun",
        action="store_true",
        help="put back the original of 伪原创-swapped words where it is far more likely in context; "
        "every replacement is listed under spin.restored (default: off)",
    )
    clean.add_argument(
        "--skip-spun",
        action="store_true",
        help="leave out articles judged spun (spin.spun): one line on standard error each, not an error",
    )


def run(args: argparse.Namespace) -> int:
    if not args.sources and not args.input_list:
        raise InputError("nothing to clean: give a SOURCE or -i LIST")
    if args.jobs < 1:
        raise InputError("--jobs must be 1 or more")
    _check_url_option(args.url, args.sources, args.input_list)
    items = entries(args.sources, args.input_list, args.url)
    fmt = "jsonl" if args.jsonl else args.format
    single = (
        len(items) == 1
        and not args.input_list
        and not Path(args.sources[0]).is_dir()
        and not _is_warc_entry(items[0])
    )
    batch = bool(args.input_list) or any(_is_warc_entry(e) for e in items)
    show_summary = args.summary or batch or sys.stderr.isatty()
    fetched = _fetch_all([e.source for e in items if is_url(e.source)], no_robots=args.no_robots)
    summary = Summary()
    workers = 1 if single else args.jobs
    jobs = page_jobs(items, fetched, summary.skipped)
    reviewed: list[dict] = []
    with _progress(len(items) if not batch else None) as bar:
        try:
            for outcome in clean_all(
                jobs, workers, args.model, with_lines=bool(args.review), restore_spun=args.restore_spun
            ):
                bar.update(1)
                summary.add(outcome.article, outcome.error_kind)
                if outcome.article is None:
                    bar.clear()
                    fail(f"{outcome.name}: {outcome.message}")
                    continue
                article = outcome.article
                spin = article.get("spin") or {}
                if args.skip_spun and spin.get("spun"):
                    summary.spun_skipped += 1
                    bar.clear()
                    print(
                        f"newsclean: skipped spun article: {outcome.name} (spin score {spin['score']})",
                        file=sys.stderr,
                    )
                    continue
                if args.review:
                    reviewed.append(article)
                    article = {k: v for k, v in article.items() if k != "lines"}
                if args.no_removed:
                    article = {k: v for k, v in article.items() if k != "removed"}
                sys.stdout.write(render(article, fmt, pretty=single))
                sys.stdout.flush()
        except BrokenProcessPool:
            raise NewscleanError("a worker process died (out of memory?); output stops here") from None
    if args.review and reviewed:
        from newsclean.commands.review_page import write_report

        write_report(reviewed, Path(args.review))
        print(f"review page written: {args.review}", file=sys.stderr)
    if show_summary and not single:
        for line in summary.lines():
            print(f"newsclean: {line}", file=sys.stderr)
    return 1 if summary.errors else 0


def _is_warc_entry(entry: Entry) -> bool:
    from newsclean.commands.warc import is_warc

    return entry.source != "-" and not is_url(entry.source) and is_warc(Path(entry.source))


def _check_url_option(url: str | None, sources: list[str], lists: list[str]) -> None:
    """``--url`` gives a file's or stdin's address: never empty, never silently ignored."""
    if url is None:
        return
    if not url.strip():
        raise InputError("--url is empty: give the page's address, or leave --url out")
    if len(sources) > 1 or lists or (sources and Path(sources[0]).is_dir()):
        raise InputError("--url names one page; it cannot be used with several sources")
    if sources and is_url(sources[0]):
        raise InputError("--url is for a file or stdin; a URL source is its own address")


def _progress(total: int | None):
    """A progress bar on standard error when it is a terminal; otherwise nothing at all."""
    from tqdm import tqdm

    return tqdm(total=total, unit="page", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)


def _fetch_all(urls: list[str], no_robots: bool) -> dict:
    if not urls:
        return {}
    from newsclean.crawling.fetch import fetch_urls

    return fetch_urls(urls, {"ROBOTSTXT_OBEY": False} if no_robots else None)
