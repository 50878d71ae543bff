"""``newsclean review``: read article files, write one review page (see review_page.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from newsclean.commands.review_page import article_url, review_lines, write_report
from newsclean.core.errors import InputError


def load_articles(path: str) -> list[dict]:
    """Article objects from a JSON Lines file (``-`` for standard input); blank lines are skipped.

    A line that is not a JSON object gives an InputError naming the file and line number.
    """
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected a JSON Lines file of articles") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None
    name = "<stdin>" if path == "-" else path
    articles = []
    for lineno, raw in enumerate(data.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            article = json.loads(raw.decode("utf-8-sig" if lineno == 1 else "utf-8"))
        except UnicodeDecodeError:
            raise InputError(f"{name}:{lineno}: not UTF-8 text") from None
        except json.JSONDecodeError as err:
            raise InputError(f"{name}:{lineno}: not valid JSON ({err.msg} at column {err.colno})") from None
        try:
            review_lines(article)
            article_url(article)
        except InputError as err:
            raise InputError(f"{name}:{lineno}: {err}") from None
        articles.append(article)
    if not articles:
        raise InputError(f"{name}: no articles (empty file)")
    return articles


# --- command line ----------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``newsclean review``."""
    parser.add_argument(
        "articles",
        nargs="+",
        metavar="ARTICLES.jsonl",
        help="JSON Lines files of articles (as written by `newsclean clean` or a crawl); - for stdin",
    )
    parser.add_argument("--out", "-o", required=True, metavar="REPORT.html", help="where to write the report")
    parser.add_argument("--title", default="newsclean review", help="heading of the report page")


def run(args: argparse.Namespace) -> int:
    """``newsclean review``: one report with a section per article. Raises NewscleanError on bad input."""
    articles: list[dict] = []
    for path in args.articles:
        articles.extend(load_articles(path))
    write_report(articles, args.out, title=args.title)
    n_lines = sum(len(review_lines(a)) for a in articles)
    print(f"wrote {args.out}: {len(articles)} article(s), {n_lines} lines", file=sys.stderr)
    return 0
