"""Write a WARC file the way web archives do (gzip per record, HTTP headers kept), from pages.

Used by the WARC benchmark and the tests of ``newsclean clean x.warc.gz``: the page set comes
from bench/pages.py (tests/pages plus generated pages) and the bundled demo site, and a few
non-HTML records (an image, a stylesheet, a text dump, request records) are mixed in, as in a
real crawl.
"""

from __future__ import annotations

import gzip
import hashlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.pages import build_pages
from newsclean.core.paths import PACKAGE_DIR

DEMO_SITE = PACKAGE_DIR / "demo_site"
DEMO_ORIGIN = "http://demo.example.cn"
WARC_DATE = "2025-07-02T08:00:00Z"


@dataclass(frozen=True)
class WarcPage:
    """One HTTP response: what the server sent and where it came from."""

    url: str
    body: bytes
    content_type: str  # the HTTP header, charset included where the server said it

    @property
    def is_html(self) -> bool:
        return self.content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml")


def _record(kind: str, url: str, block: bytes, extra: dict[str, str] | None = None) -> bytes:
    headers = {
        "WARC-Type": kind,
        "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, kind + url)}>",
        "WARC-Date": WARC_DATE,
        **({"WARC-Target-URI": url} if url else {}),
        **(extra or {}),
        "Content-Length": str(len(block)),
    }
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return gzip.compress(head.encode("utf-8") + block + b"\r\n\r\n", mtime=0)


def warc_records(pages: Iterable[WarcPage]) -> Iterator[bytes]:
    """A warcinfo record, then a request and a response record per page, each its own gzip member."""
    yield _record("warcinfo", "", b"software: newsclean bench\r\nformat: WARC File Format 1.0\r\n")
    for page in pages:
        host = page.url.split("/")[2]
        request = f"GET /{page.url.split('/', 3)[3]} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
        yield _record("request", page.url, request, {"Content-Type": "application/http; msgtype=request"})
        http = (
            "HTTP/1.1 200 OK\r\n"
            f"Content-Type: {page.content_type}\r\n"
            f"Content-Length: {len(page.body)}\r\n"
            "Server: bench\r\n\r\n"
        ).encode("latin-1")
        digest = "sha1:" + hashlib.sha1(page.body).hexdigest()
        yield _record(
            "response",
            page.url,
            http + page.body,
            {"Content-Type": "application/http; msgtype=response", "WARC-Payload-Digest": digest},
        )


def write_warc(path: Path, pages: Iterable[WarcPage]) -> Path:
    with path.open("wb") as fh:
        for record in warc_records(pages):
            fh.write(record)
    return path


def _content_type(data: bytes) -> str:
    """The header a server that knows its pages would send: the type and the charset they really have."""
    from newsclean.core.errors import NewscleanError
    from newsclean.pipelines.decode import decode_bytes, looks_like_html

    try:
        decoded = decode_bytes(data)
    except NewscleanError:
        return "application/octet-stream"
    kind = "text/html" if looks_like_html(decoded.text) else "text/plain"
    return f"{kind}; charset={decoded.encoding}" if decoded.encoding else kind


def corpus_pages(count: int = 200, seed: int = 20250702) -> list[WarcPage]:
    """``count`` pages from bench/pages.py, the demo site's pages, and a few non-HTML responses."""
    out = []
    for page in build_pages(count, seed):
        ctype = _content_type(page.data)  # the truth: bench/pages.py lies in some labels on purpose
        out.append(WarcPage(page.url, page.data, ctype))
    for path in sorted(DEMO_SITE.rglob("*.html")):
        url = f"{DEMO_ORIGIN}/{path.relative_to(DEMO_SITE).as_posix()}"
        out.append(WarcPage(url, path.read_bytes(), _content_type(path.read_bytes())))
    out.append(WarcPage(f"{DEMO_ORIGIN}/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "image/png"))
    out.append(WarcPage(f"{DEMO_ORIGIN}/site.css", b"body { color: #333 }\n", "text/css"))
    out.append(WarcPage(f"{DEMO_ORIGIN}/robots.txt", b"User-agent: *\nDisallow:\n", "text/plain"))
    return out
