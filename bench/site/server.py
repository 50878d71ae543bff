"""A threaded HTTP server for a generated fixture site that records every requested path.

The access log is how tests prove what a crawl did and did not fetch (robots.txt, incremental
runs). With ``validators`` it sends ETag (a hash of the body) and Last-Modified (the file's
mtime) and answers conditional requests with 304, so revisits can be tested. Dynamic behaviour (redirects, 500, slow pages) comes from the site's ``routes.json``.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import threading
import time
from collections import Counter
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ORIGIN_PLACEHOLDER = "http://__ORIGIN__"
TEXT_TYPES = (".html", ".htm", ".xml", ".txt", ".rss")


class FixtureHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, root: Path, slow_seconds: float = 3.0, validators: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = Path(root)
        self.slow_seconds = slow_seconds
        self.validators = validators  # send ETag and Last-Modified, answer conditional requests
        self.conditional: list[tuple[str, int]] = []  # (path, status) of each conditional request
        routes_file = self.root / "routes.json"
        self.routes: dict = json.loads(routes_file.read_text("utf-8")) if routes_file.exists() else {}
        self.log: list[str] = []
        self._log_lock = threading.Lock()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request, client_address) -> None:
        """Clients that hang up (timeouts, size caps) are expected here, not errors."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def record(self, path: str) -> None:
        with self._log_lock:
            self.log.append(path)

    def record_conditional(self, path: str, status: int) -> None:
        with self._log_lock:
            self.conditional.append((path, status))


class _Handler(BaseHTTPRequestHandler):
    server: FixtureHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: the server keeps its own log
        pass

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.server.record(path)
        route = self.server.routes.get(path)
        if route:
            kind = route["kind"]
            if kind == "redirect":
                return self._send(route.get("status", 301), b"", "text/html", {"Location": route["to"]})
            if kind == "error":
                return self._send(route.get("status", 500), b"<h1>server error</h1>", "text/html")
            if kind == "slow":
                time.sleep(self.server.slow_seconds)
        file = (self.server.root / "www" / path.lstrip("/")).resolve()
        if path.endswith("/"):
            file = file / "index.html"
        www = (self.server.root / "www").resolve()
        if www not in file.parents or not file.is_file():
            return self._send(404, b"<h1>not found</h1>", "text/html")
        data = file.read_bytes()
        ctype = (route or {}).get("content_type") or _guess_type(file)
        if file.suffix in TEXT_TYPES:
            data = data.replace(ORIGIN_PLACEHOLDER.encode(), self.server.origin.encode())
        if not self.server.validators:
            return self._send(200, data, ctype)
        validators = {
            "ETag": '"' + hashlib.sha1(data).hexdigest()[:16] + '"',
            "Last-Modified": formatdate(int(file.stat().st_mtime), usegmt=True),
        }
        if self._not_modified(validators):
            self.server.record_conditional(path, 304)
            return self._send(304, b"", ctype, validators)
        if self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"):
            self.server.record_conditional(path, 200)
        self._send(200, data, ctype, validators)

    def _not_modified(self, validators: dict[str, str]) -> bool:
        """RFC 9110 13.1: If-None-Match decides when sent; else If-Modified-Since against the mtime."""
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            return validators["ETag"] in [t.strip().removeprefix("W/") for t in tags.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return parsedate_to_datetime(since) >= parsedate_to_datetime(validators["Last-Modified"])
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up (timeout, size cap): that is the point of some pages


def _guess_type(file: Path) -> str:
    if file.suffix in (".html", ".htm"):
        return "text/html; charset=utf-8"
    if file.suffix == ".xml":
        return "application/xml"
    if file.suffix == ".rss":
        return "application/rss+xml"
    if file.suffix == ".txt":
        return "text/plain; charset=utf-8"
    return mimetypes.guess_type(file.name)[0] or "application/octet-stream"


class FixtureServer:
    """Start/stop a :class:`FixtureHTTPServer` in a thread (a context manager)."""

    def __init__(self, root: Path, slow_seconds: float = 3.0, validators: bool = False) -> None:
        self.httpd = FixtureHTTPServer(root, slow_seconds, validators)
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def origin(self) -> str:
        return self.httpd.origin

    @property
    def log(self) -> list[str]:
        with self.httpd._log_lock:
            return list(self.httpd.log)

    def hits(self) -> Counter[str]:
        return Counter(self.log)

    @property
    def conditional(self) -> list[tuple[str, int]]:
        """(path, status) of each conditional request answered, 304 or 200."""
        with self.httpd._log_lock:
            return list(self.httpd.conditional)

    def clear_log(self) -> None:
        with self.httpd._log_lock:
            self.httpd.log.clear()
            self.httpd.conditional.clear()
