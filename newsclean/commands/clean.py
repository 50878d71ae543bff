"""``newsclean clean``: pages (URLs, files, folders, stdin) in, article JSON out."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from newsclean.commands.messages import fail
from newsclean.core.errors import InputError, NewscleanError

PAGE_SUFFIXES = (".html", ".htm", ".txt")
MAX_PAGE_BYTES = 10 * 1024 * 1024  # same order as the crawl's DOWNLOAD_MAXSIZE; bigger is not a news page

DESCRIPTION = (
    "Clean pages and print the article JSON: one object for one page, JSON Lines for several "
    "pages or a folder (its *.html, *.htm, *.txt files, in name order). Failed pages are "
    "reported on standard error and skipped; the exit code is then non-zero."
)


def add_arguments(clean: argparse.ArgumentParser) -> None:
    clean.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="http(s) URL, file, folder, or - for stdin"
    )
    clean.add_argument("--url", help="the page's address when SOURCE is a file or stdin")
    clean.add_argument("--model", help="classifier model file (default: the bundled active model)")
    clean.add_argument(
        "--review", metavar="HTML", help="also write a review page for a person to check and correct"
    )
    clean.add_argument("--no-robots", action="store_true", help="fetch URLs even where robots.txt forbids it")


def run(args: argparse.Namespace) -> int:
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
            fail(f"{page}: {err}")
            continue
        if args.review:
            reviewed.append(article)
            article = {k: v for k, v in article.items() if k != "lines"}
        out = json.dumps(article, ensure_ascii=False, indent=2 if single else None)
        sys.stdout.write(out + "\n")
        sys.stdout.flush()
    if args.review and reviewed:
        from newsclean.commands.review_page import write_report

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
