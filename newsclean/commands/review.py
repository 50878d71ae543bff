"""``newsclean review``: read article files, write one review page (see review_page.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from newsclean.commands.review_page import article_url, review_lines, write_report
from newsclean.core.errors import InputError


def load_articles(path: str) -> list[dict]:
    """Article objects from a file (``-`` for standard input): JSON Lines, or one JSON object as
    ``newsclean clean`` prints a single page (pretty, many lines). Blank lines are skipped.

    Anything else gives an InputError naming the file and line number.
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
    whole = _single_object(data)
    numbered = [(1, whole)] if whole is not None else _json_lines(data, name)
    articles = []
    for lineno, article in numbered:
        try:
            _check_article(article)
        except InputError as err:
            raise InputError(f"{name}:{lineno}: {err}") from None
        articles.append(article)
    if not articles:
        raise InputError(f"{name}: no articles (empty file)")
    return articles


def _single_object(data: bytes) -> dict | None:
    """The article when the whole file is one JSON object spread over several lines, else None."""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{") or text.rstrip().count(b"\n") == 0:
        return None
    try:
        value = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None  # JSON Lines, or broken: the line-by-line reading names the bad line
    return value if isinstance(value, dict) else None


def _json_lines(data: bytes, name: str) -> list[tuple[int, object]]:
    out = []
    for lineno, raw in enumerate(data.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            out.append((lineno, json.loads(raw.decode("utf-8-sig" if lineno == 1 else "utf-8"))))
        except UnicodeDecodeError:
            raise InputError(f"{name}:{lineno}: not UTF-8 text") from None
        except json.JSONDecodeError as err:
            raise InputError(f"{name}:{lineno}: not valid JSON ({err.msg} at column {err.colno})") from None
        except RecursionError:
            raise InputError(f"{name}:{lineno}: JSON nested too deeply to be an article") from None
    return out


def _check_article(article: object) -> None:
    """An article the page can show: its lines readable, its text valid Unicode."""
    review_lines(article)
    article_url(article)
    try:
        json.dumps(article, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("text holds a lone surrogate (\\ud800-\\udfff escape): not valid Unicode") from None
    except RecursionError:
        raise InputError("JSON nested too deeply to be an article") from None


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
