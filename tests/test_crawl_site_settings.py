"""A sources file's per-site settings in a real crawl: headers, user agent, encoding, max_age, delay.

The server records every request's headers and its arrival time, so the test sees what reached it.
"""

from __future__ import annotations

import itertools
import random
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.site

from bench.site.generator import article_text
from newsclean.crawling.middlewares import site_slots
from newsclean.crawling.sources import parse_sources
from tests.site.runner import articles, paths, run_crawl

pytestmark = pytest.mark.slow

DELAY = 0.5
AGENT = "ExampleNewsBot/2.0 (+https://example.cn/bot)"


def gbk_article(i: int, date: str) -> bytes:
    """A GBK page that says it is UTF-8 (header and <meta>), as some old CMSs do."""
    title, paras = article_text(i)
    body = "".join(f"<p>{p}</p>" for p in paras)
    html = (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><div class='article'>"
        f"<h1>{title}</h1><p>{date} 来源：示例日报</p>{body}</div></body></html>"
    )
    return html.encode("gbk")


def utf8_lookalike() -> tuple[bytes, str]:
    """A GBK page whose bytes are also valid UTF-8 (each character's GBK bytes form a UTF-8
    pair): it declares UTF-8, decodes without error as UTF-8 into nonsense, and only a site's
    ``encoding = "gbk"`` reads it right. Returns the page and its first paragraph."""
    chars = []
    for lead in range(0xC2, 0xD8):  # GB2312's common characters whose bytes are a UTF-8 pair
        for trail in range(0xA1, 0xC0):
            chars.append(bytes([lead, trail]).decode("gbk"))
    rng = random.Random(7)
    paras = [
        ", ".join("".join(rng.choice(chars) for _ in range(8)) for _ in range(4)) + "." for _ in range(4)
    ]
    html = (
        f"<html><head><meta charset='utf-8'><title>{''.join(chars[100:108])}</title></head><body>"
        f"<div class='article'>{''.join(f'<p>{p}</p>' for p in paras)}</div></body></html>"
    )
    data = html.encode("gbk")
    data.decode("utf-8")  # valid UTF-8 too: the declared charset cannot be caught lying
    return data, paras[0]


LOOKALIKE, LOOKALIKE_TEXT = utf8_lookalike()

PAGES = {
    "/": b"<html><body>"
    + b"".join(f"<a href='/news/{n}.html'>{n}</a>".encode() for n in ("1", "2", "3", "old", "both"))
    + b"</body></html>",
    # robots.txt rules for the site's own user agent: page 2 is off limits to it alone
    "/robots.txt": b"User-agent: ExampleNewsBot\nDisallow: /news/2.html\n\nUser-agent: *\nAllow: /\n",
    "/news/1.html": gbk_article(901, "2099-01-01"),
    "/news/2.html": gbk_article(902, "2099-01-02"),
    "/news/3.html": gbk_article(903, ""),
    "/news/old.html": gbk_article(904, "2019-03-01"),
    "/news/both.html": LOOKALIKE,
}


SLOW_PAGES = {
    "/slow/": b"<html><body>"
    + b"".join(f"<a href='/slow/{n}.html'>{n}</a>".encode() for n in range(1, 7))
    + b"</body></html>",
    **{f"/slow/{n}.html": gbk_article(910 + n, "2099-01-01") for n in range(1, 7)},
}


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.seen.append(
            (self.path, time.monotonic(), {k.lower(): v for k, v in self.headers.items()})
        )
        if self.path.startswith("/slow/"):  # a slow page: the server counts how many are in flight
            with self.server.lock:
                self.server.in_flight += 1
                self.server.most = max(self.server.most, self.server.in_flight)
            time.sleep(0.3)
            with self.server.lock:
                self.server.in_flight -= 1
        body = SLOW_PAGES.get(self.path) or PAGES.get(self.path)
        status = 200 if body is not None else 404
        body = body if body is not None else b"not found"
        self.send_response(status)
        self.send_header(
            "Content-Type", "text/plain" if self.path.endswith(".txt") else "text/html; charset=utf-8"
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    httpd.seen = []
    httpd.lock, httpd.in_flight, httpd.most = threading.Lock(), 0, 0
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def write_sources(path: Path, origin: str, extra: str) -> Path:
    path.write_text(
        f'[[site]]\nname = "gbk-site"\nstart_urls = ["{origin}/"]\n'
        f'article_url_pattern = "/news/\\\\w+\\\\.html$"\n{extra}',
        "utf-8",
    )
    return path


SITE_KEYS = f"""
user_agent = "{AGENT}"
encoding = "gbk"
max_age = "365d"
download_delay = {DELAY}
concurrency = 1
[site.headers]
X-Feed-Token = "t0ken"
Accept-Language = "zh-CN"
"""


def test_site_settings_reach_the_server_and_the_chain(server, tmp_path):
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    out = tmp_path / "out"
    done = run_crawl(write_sources(tmp_path / "s.toml", origin, SITE_KEYS), out, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout
    pages = [(p, t, h) for p, t, h in server.seen if p.startswith("/news/") or p == "/"]
    assert len(pages) == 5 and "/news/2.html" not in {p for p, _, _ in pages}  # robots.txt, for AGENT
    for path, _, headers in pages:
        assert headers.get("user-agent") == AGENT, (path, headers)
        assert headers.get("x-feed-token") == "t0ken" and headers.get("accept-language") == "zh-CN"
    # the site's delay: consecutive page requests are at least DELAY apart (server-side times;
    # robots.txt is fetched by Scrapy's middleware apart from the site's requests)
    times = sorted(t for _, t, _ in pages)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Scrapy holds each request DELAY after the last one left; arrival times jitter a little
    # on a loaded machine (0.467 s once, between 0.5 s gaps), so: every gap near DELAY, most at it
    assert min(gaps) >= 0.8 * DELAY and sorted(gaps)[len(gaps) // 2] >= DELAY - 0.01, gaps
    print(f"gaps with download_delay {DELAY}: {min(gaps):.3f}-{max(gaps):.3f} s")
    # the pages say UTF-8 but are GBK: the site's encoding decodes them right
    exported = {p: o for p, o in zip(paths(articles(out)), articles(out), strict=True)}
    assert set(exported) == {"/news/1.html", "/news/3.html", "/news/both.html"}  # not old.html, not 2.html
    assert article_text(901)[1][0] in exported["/news/1.html"]["text"]
    assert LOOKALIKE_TEXT in exported["/news/both.html"]["text"]
    assert article_text(903)[1][1] in exported["/news/3.html"]["text"]  # no date: kept
    summary = (out / ".state" / "last_run.json").read_text("utf-8")
    assert "too_old" in summary
    log = (out / ".state" / "crawl.log").read_text("utf-8")
    assert "older than max_age 365d" in log


def test_without_the_settings_the_crawl_is_as_before(server, tmp_path):
    """The same site without the keys: the project's user agent, no delay, the declared charset."""
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    out = tmp_path / "out"
    done = run_crawl(write_sources(tmp_path / "s.toml", origin, ""), out, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout
    agents = {h.get("user-agent") for p, _, h in server.seen}
    assert len(agents) == 1 and agents.pop().startswith("newsclean/")
    assert not any("x-feed-token" in h for _, _, h in server.seen)
    exported = {p: o for p, o in zip(paths(articles(out)), articles(out), strict=True)}
    assert "/news/old.html" in exported and "/news/2.html" in exported  # no max_age; robots.txt allows
    # read as the UTF-8 it declares, the look-alike page is nonsense
    assert LOOKALIKE_TEXT not in (exported.get("/news/both.html") or {}).get("text", "")
    times = sorted(t for p, t, _ in server.seen if p != "/robots.txt")
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) < DELAY
    print(f"gaps without download_delay: {min(gaps):.3f}-{max(gaps):.3f} s")


def test_slots_are_only_for_sites_that_ask():
    sites = parse_sources(
        {
            "site": [
                {"name": "slow", "start_urls": ["http://a.cn/"], "download_delay": 2, "concurrency": 2},
                {"name": "few", "start_urls": ["http://b.cn/"], "concurrency": 1},
                {"name": "plain", "start_urls": ["http://c.cn/"]},
            ]
        }
    )
    slots = site_slots(sites)
    assert set(slots) == {"site:slow", "site:few"}
    assert slots["site:slow"]["delay"] == 2.0 and slots["site:slow"]["concurrency"] == 2
    assert slots["site:few"] == {"concurrency": 1}


def test_a_bare_date_counts_to_the_end_of_its_day():
    from datetime import datetime, timezone

    from newsclean.crawling.pipelines import published_time

    assert published_time("2025-07-02") == datetime(2025, 7, 3, tzinfo=timezone.utc)
    assert published_time("2025-07-02T10:00:00+08:00") == datetime(2025, 7, 2, 2, tzinfo=timezone.utc)
    assert published_time("2025-07-02T10:00") == datetime(2025, 7, 2, 10, tzinfo=timezone.utc)
    assert published_time(None) is None and published_time("not a date") is None


@pytest.mark.parametrize("concurrency, most", [(1, 1), (4, 4)])
def test_a_sites_concurrency_caps_its_requests_in_flight(server, tmp_path, concurrency, most):
    """Six slow pages: one at a time with ``concurrency = 1``; with 4, the server sees them overlap."""
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    path = tmp_path / "s.toml"
    path.write_text(
        f'[[site]]\nname = "slow"\nstart_urls = ["{origin}/slow/"]\n'
        f'article_url_pattern = "/slow/\\\\d+\\\\.html$"\nconcurrency = {concurrency}\nencoding = "gbk"\n',
        "utf-8",
    )
    done = run_crawl(path, tmp_path / "out", timeout=120)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout
    assert len(articles(tmp_path / "out")) == 6
    print(f"concurrency {concurrency}: at most {server.most} requests in flight")
    if concurrency == 1:
        assert server.most == 1
    else:
        assert 2 <= server.most <= most
