"""What ``newsclean clean`` was given, as pages in input order: URLs, files, folders, lists, WARCs.

A folder is searched recursively (name order, hidden entries skipped) for ``*.html``, ``*.htm``,
``*.shtml``, ``*.xhtml``, ``*.txt`` and extension-less saved pages that look like HTML. A list
file (``-i``) holds one URL or path per line, optionally followed by the page's address (``PATH
URL``); ``#`` starts a comment. A WARC file gives its HTML responses. Pages are read lazily, so a
list of a million files is never in memory at once.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsclean.commands.warc import is_warc, read_warc
from newsclean.core.errors import FetchError, InputError, NewscleanError

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # javascript:, data:, ftp://, file://
PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".txt")
MAX_PAGE_BYTES = 10 * 1024 * 1024  # same order as the crawl's DOWNLOAD_MAXSIZE; bigger is not a news page
HTML_START = re.compile(rb"<(!doctype\s+html|html|head|body|meta|title)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One thing to read: ``-``, a URL, a file (maybe a WARC), with the address given for it."""

    source: str
    url: str | None = None


@dataclass(frozen=True)
class PageJob:
    """One page ready to clean, or the one-line reason it could not be read (kept in order)."""

    name: str
    data: bytes = b""
    url: str = ""
    content_type: str | None = None
    fetched_at: datetime | None = None
    error: NewscleanError | None = None
    more_pages: tuple[tuple[bytes, str, str | None], ...] = ()  # a multi-page article's later pages


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def entries(sources: Iterable[str], lists: Iterable[str], url: str | None) -> list[Entry]:
    """The command line's sources, then each list file's lines, folders expanded, in order."""
    out: list[Entry] = []
    for source in sources:
        out.extend(_expand(source, url))
    for listing in lists:
        for line_url, (source, given) in _list_lines(listing):
            try:
                out.extend(_expand(source, given))
            except InputError as err:
                raise InputError(f"{listing}:{line_url}: {err}") from None
    return out


def _list_lines(listing: str) -> Iterator[tuple[int, tuple[str, str | None]]]:
    try:
        text = sys.stdin.read() if listing == "-" else Path(listing).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{listing}: no such list file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(
            f"{listing}: cannot read the list: {getattr(err, 'strerror', None) or err}"
        ) from None
    for lineno, line in enumerate(text.splitlines(), 1):
        parts = line.split("#", 1)[0].split() if not line.lstrip().startswith("#") else []
        if not parts:
            continue
        if len(parts) > 2:
            raise InputError(f"{listing}:{lineno}: expected 'PATH-OR-URL [URL]', got {len(parts)} fields")
        yield lineno, (parts[0], parts[1] if len(parts) == 2 else None)


def _expand(source: str, url: str | None) -> list[Entry]:
    if source == "-" or is_url(source):
        return [Entry(source, url)]
    if SCHEME.match(source) and not Path(source).exists():
        from newsclean.crawling.fetch import check_url

        check_url(source)  # raises a clear error for ftp:, file:, javascript:, data: ...
    path = Path(source)
    if path.is_dir():
        found = [Entry(str(p)) for p in _walk(path)]
        if not found:
            raise InputError(f"{source}: folder has no saved pages (*.html, *.htm, *.shtml, *.xhtml, *.txt)")
        return found
    return [Entry(source, url)]


def _walk(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir():
            yield from _walk(path)
        elif path.is_file() and (path.suffix.lower() in PAGE_SUFFIXES or _sniffed(path)):
            yield path


def _sniffed(path: Path) -> bool:
    """An extension-less saved page that starts like HTML, or a WARC file."""
    if path.suffix:
        return path.name.lower().endswith((".warc", ".warc.gz"))
    try:
        with path.open("rb") as fh:
            head = fh.read(2048)
    except OSError:
        return False
    return bool(HTML_START.search(head)) or is_warc(path)


def page_jobs(items: list[Entry], fetched: dict, skipped: Counter) -> Iterator[PageJob]:
    """Each entry's page(s), read when needed; a WARC gives one job per HTML response."""
    for entry in items:
        if entry.source != "-" and not is_url(entry.source) and is_warc(Path(entry.source)):
            try:
                for rec in read_warc(Path(entry.source), skipped):
                    yield PageJob(rec.url or entry.source, rec.body, rec.url, rec.content_type, rec.date)
            except NewscleanError as err:
                yield PageJob(entry.source, error=err)
            except ValueError as err:  # fastwarc on a damaged archive
                yield PageJob(entry.source, error=InputError(f"damaged WARC file: {err}"))
            continue
        try:
            data, url, ctype = _load(entry, fetched)
        except NewscleanError as err:
            yield PageJob(entry.source, error=err)
        else:
            more = getattr(fetched.get(entry.source), "more", ()) if is_url(entry.source) else ()
            yield PageJob(
                entry.source,
                data,
                url,
                ctype,
                more_pages=tuple((m.body, m.url, m.content_type) for m in more),
            )


def _load(entry: Entry, fetched: dict) -> tuple[bytes, str, str | None]:
    """The page's bytes, its address and its Content-Type (None for files)."""
    page, url = entry.source, entry.url
    if is_url(page):
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
