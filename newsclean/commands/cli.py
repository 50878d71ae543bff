"""The ``newsclean`` command: clean, crawl, demo, train, eval, review.

Every failure a user can cause ends with one line on standard error and a non-zero exit code;
tracebacks are shown only with NEWSCLEAN_DEBUG=1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from newsclean import __version__
from newsclean.core.errors import InputError, NewscleanError

PAGE_SUFFIXES = (".html", ".htm", ".txt")
MAX_PAGE_BYTES = 10 * 1024 * 1024  # same order as the crawl's DOWNLOAD_MAXSIZE; bigger is not a news page


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_chosen_command(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except NewscleanError as err:
        _fail(str(err))
        return err.exit_code
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except Exception as err:  # last line of defence: one line, never a traceback
        if os.environ.get("NEWSCLEAN_DEBUG"):
            raise
        _fail(f"internal error: {type(err).__name__}: {err} (set NEWSCLEAN_DEBUG=1 for details)")
        return 1


def _chosen_command(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The full parser; only the chosen delegated command's module is imported (start-up time)."""
    parser = argparse.ArgumentParser(
        prog="newsclean",
        description="Turn polluted Chinese tech-news pages into clean articles.",
    )
    parser.add_argument("--version", action="version", version=f"newsclean {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    clean = sub.add_parser(
        "clean",
        help="clean one or more pages (URL, file, folder or -) and print article JSON",
        description=(
            "Clean pages and print the article JSON: one object for one page, JSON Lines for several "
            "pages or a folder (its *.html, *.htm, *.txt files, in name order). Failed pages are "
            "reported on standard error and skipped; the exit code is then non-zero."
        ),
    )
    clean.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="http(s) URL, file, folder, or - for stdin"
    )
    clean.add_argument("--url", help="the page's address when SOURCE is a file or stdin")
    clean.add_argument("--model", help="classifier model file (default: the bundled active model)")
    clean.add_argument(
        "--review", metavar="HTML", help="also write a review page for a person to check and correct"
    )
    clean.add_argument("--no-robots", action="store_true", help="fetch URLs even where robots.txt forbids it")
    clean.set_defaults(run=run_clean)

    for name, (module, help_text) in DELEGATED.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            mod = importlib.import_module(module)
            mod.add_arguments(p)
            p.set_defaults(run=mod.run)
    return parser


# Subcommands whose arguments and work live in their own module (add_arguments / run).
DELEGATED = {
    "crawl": (
        "newsclean.commands.crawl",
        "crawl the sites of a sources file into JSON Lines (cron-safe, incremental)",
    ),
    "demo": (
        "newsclean.commands.demo",
        "serve the bundled demo site on 127.0.0.1, crawl it, write output/*.jsonl",
    ),
    "train": (
        "newsclean.classifiers.train",
        "retrain the line classifier, evaluate it, replace the model if not worse",
    ),
    "eval": ("newsclean.classifiers.evaluate", "evaluate the classifier on held-out or given labelled lines"),
    "review": ("newsclean.classifiers.review", "write a review page for the articles of a JSON Lines file"),
}


# ---------------------------------------------------------------- clean


def run_clean(args: argparse.Namespace) -> int:
    from newsclean.chain import clean_document
    from newsclean.classifiers.model import load_classifier

    pages = list(_expand_sources(args.sources))
    if args.url and len(pages) > 1:
        raise InputError("--url names one page; it cannot be used with several sources")
    single = len(pages) == 1 and not Path(args.sources[0]).is_dir()
    classifier = load_classifier(args.model)
    fetched = _fetch_all([p for p in pages if _is_url(p)], no_robots=args.no_robots)
    failures = 0
    reviewed: list[dict] = []
    for page in pages:
        try:
            data, url, ctype = _load(page, args.url, fetched)
            article = clean_document(
                data, url=url, content_type=ctype, classifier=classifier, with_lines=bool(args.review)
            )
        except NewscleanError as err:
            failures += 1
            _fail(f"{page}: {err}")
            continue
        if args.review:
            reviewed.append(article)
            article = {k: v for k, v in article.items() if k != "lines"}
        out = json.dumps(article, ensure_ascii=False, indent=2 if single else None)
        sys.stdout.write(out + "\n")
        sys.stdout.flush()
    if args.review and reviewed:
        from newsclean.classifiers.review import write_report

        write_report(reviewed, Path(args.review))
        print(f"review page written: {args.review}", file=sys.stderr)
    return 1 if failures else 0


def _expand_sources(sources: list[str]) -> Iterator[str]:
    for source in sources:
        if source == "-" or _is_url(source):
            yield source
            continue
        if "://" in source:
            from newsclean.crawling.fetch import check_url

            check_url(source)  # raises a clear error for ftp:, file:, javascript: ...
        path = Path(source)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
            if not found:
                raise InputError(f"{source}: folder has no *.html, *.htm or *.txt pages")
            yield from (str(p) for p in found)
        else:
            yield source


def _is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def _fetch_all(urls: list[str], no_robots: bool) -> dict:
    if not urls:
        return {}
    from newsclean.crawling.fetch import fetch_urls

    return fetch_urls(urls, {"ROBOTSTXT_OBEY": False} if no_robots else None)


def _load(page: str, url: str | None, fetched: dict) -> tuple[bytes, str, str | None]:
    """The page's bytes, its address and its Content-Type (None for files)."""
    from newsclean.core.errors import FetchError

    if _is_url(page):
        result = fetched[page]
        if isinstance(result, str):
            raise FetchError(result)
        return result.body, result.url, result.content_type
    if page == "-":
        data = sys.stdin.buffer.read(MAX_PAGE_BYTES + 1)
        name = url or "stdin:"
    else:
        path = Path(page)
        if not path.exists():
            raise InputError("no such file")
        if not path.is_file():
            raise InputError("not a regular file")
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_PAGE_BYTES + 1)
        except OSError as err:
            raise InputError(f"cannot read: {err.strerror or err}") from None
        name = url or path.resolve().as_uri()
    if len(data) > MAX_PAGE_BYTES:
        raise InputError(f"page larger than the {MAX_PAGE_BYTES // (1024 * 1024)} MB cap")
    return data, name, None


def _fail(message: str) -> None:
    print(f"newsclean: {' '.join(message.split())}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
