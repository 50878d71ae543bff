"""One-off fetching through Scrapy against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newsclean.core.errors import InputError
from newsclean.crawling.fetch import check_url

ARTICLE = (
    "<html><head><meta charset='utf-8'><title>测试</title></head><body><h1>本地服务器测试</h1>"
    "<p>这是一段用于测试抓取流程的正文，讲述一家公司发布新款固态电池样品的消息。</p></body></html>"
).encode()


class Handler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):  # quiet test output
        pass

    def do_GET(self):
        Handler.hits.append(self.path)
        routes = {
            "/robots.txt": (200, b"User-agent: *\nDisallow: /private/\n", "text/plain"),
            "/ok.html": (200, ARTICLE, "text/html; charset=utf-8"),
            "/private/secret.html": (200, ARTICLE, "text/html; charset=utf-8"),
            "/missing.html": (404, b"not here", "text/html"),
            "/big.html": (200, b"<html><body>" + b"x" * 300_000 + b"</body></html>", "text/html"),
        }
        if self.path == "/slow.html":
            time.sleep(3)
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok.html")
            self.end_headers()
            return
        status, body, ctype = routes.get(self.path, (200, ARTICLE, "text/html; charset=utf-8"))
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on purpose (size cap, timeout)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def fetch_in_subprocess(urls: list[str], overrides: dict | None = None) -> dict:
    """Twisted's reactor runs once per process, so each fetch runs in a fresh interpreter."""
    code = (
        "import json,sys\n"
        "from newsclean.crawling.fetch import fetch_urls\n"
        "from newsclean.crawling.fetch import Fetched\n"
        "urls, over = json.loads(sys.argv[1]), json.loads(sys.argv[2])\n"
        "res = fetch_urls(urls, over)\n"
        "print(json.dumps({u: (r if isinstance(r, str) else {'url': r.url, 'status': r.status, "
        "'len': len(r.body), 'ctype': r.content_type}) for u, r in res.items()}))\n"
    )
    import json

    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(urls), json.dumps(overrides or {})],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "url", ["ftp://example.cn/a.html", "file:///etc/passwd", "javascript:alert(1)", "http://"]
)
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(InputError):
        check_url(url)


def test_fetch_outcomes_are_one_line_each(server):
    urls = [f"{server}/ok.html", f"{server}/private/secret.html", f"{server}/missing.html", f"{server}/moved"]
    Handler.hits.clear()
    res = fetch_in_subprocess(urls, {"RETRY_TIMES": 0})
    assert res[urls[0]]["status"] == 200 and res[urls[0]]["len"] == len(ARTICLE)
    assert res[urls[1]] == "forbidden by robots.txt"
    assert "/private/secret.html" not in Handler.hits  # robots.txt respected: never requested
    assert res[urls[2]] == "HTTP 404 from server"
    assert res[urls[3]]["url"].endswith("/ok.html")  # redirect followed, final address reported


def test_fetch_caps_size_and_time(server):
    big, slow = f"{server}/big.html", f"{server}/slow.html"
    res = fetch_in_subprocess(
        [big, slow], {"DOWNLOAD_MAXSIZE": 100_000, "DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 0}
    )
    assert res[big] == "response larger than the download cap of 100000 bytes"
    assert res[slow] == "timed out after 1 s"


def test_unreachable_host_is_a_clear_error():
    # A port nobody listens on: bind, read the port, close.
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    url = f"http://127.0.0.1:{port}/x.html"
    res = fetch_in_subprocess([url], {"RETRY_TIMES": 0})
    assert res[url] == "connection refused"
