"""Hostile HTTP servers on 127.0.0.1, for robustness tests of the crawl and of ``newsclean clean URL``.

Each route misbehaves the way a broken or malicious site does. Everything is generated on the fly
(the 100 MB response is never held in memory or on disk) and nothing leaves the machine.

=====================  ==================================================================
``/news/bomb.html``     gzip decompression bomb: ~2 MB on the wire, 2 GiB of zeros decoded
``/news/inflated.html`` gzip, 3 KB on the wire, 3 MiB decoded: over DOWNLOAD_WARNSIZE only
``/news/loop/N.html``   endless redirect chain: N -> N+1 -> N+2 ...
``/news/cycle-a.html``  two pages redirecting to each other
``/news/trickle.html``  headers, then one byte per second
``/news/huge.html``     100 MB of HTML, Content-Length announced
``/news/huge-stream``   100 MB of HTML, no Content-Length (ends when the connection closes)
``/list/links.html``    one million links (about 40 MB)
``/list/many.html``     150,000 links (about 6 MB), under the default 8 MB cap
``/news/m/N.html``      the targets of those links: a tiny page without an article
=====================  ==================================================================

A second, well-behaved server (:func:`normal_site`) serves a small news site whose articles must
still be exported while the hostile one misbehaves.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOMB_BYTES = 2 * 1024**3  # decoded size of the gzip bomb
HUGE_BYTES = 100 * 1000**2
MILLION = 1_000_000
MANY = 150_000
TRICKLE_SECONDS_MAX = 300  # the trickle gives up on its own after this, whatever the client does

ROBOTS = b"User-agent: *\nAllow: /\n"

# ------------------------------------------------------------------ generated bodies


@lru_cache(maxsize=1)
def inflated_page(size: int = 3 * 1024**2) -> bytes:
    """A gzip body small on the wire whose decoded size passes the warning size, not the cap."""
    import gzip

    html = (
        "<html><head><meta charset='utf-8'></head><body><p>填充页面</p><!--"
        + " " * size
        + "--></body></html>"
    )
    return gzip.compress(html.encode(), 9)


@lru_cache(maxsize=1)
def gzip_bomb(decoded_size: int = BOMB_BYTES) -> bytes:
    """A valid gzip member of ``decoded_size`` zero bytes, built in milliseconds.

    Deflate with a full flush resets the compressor's state, so every further MiB of zeros
    compresses to the very same bytes: compress one MiB, repeat its block, add a valid trailer.
    """
    chunk = b"\0" * (1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    assert comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH) == block
    n = decoded_size // len(chunk)
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    final = comp.flush()  # an empty final block
    trailer = crc.to_bytes(4, "little") + (n * len(chunk) % 2**32).to_bytes(4, "little")
    return header + block * n + final + trailer


def huge_chunks(total: int = HUGE_BYTES) -> Iterator[bytes]:
    """``total`` bytes of plausible HTML, 64 KiB at a time."""
    head = b"<html><head><meta charset='utf-8'><title>huge</title></head><body>"
    para = "<p>这是一段重复的填充文字，用来制造一个极大的页面。</p>\n".encode()
    piece = para * (65536 // len(para))
    yield head
    sent = len(head)
    while sent < total:
        out = piece[: total - sent]
        sent += len(out)
        yield out


def links_chunks(count: int) -> Iterator[bytes]:
    """A list page with ``count`` links to distinct article-looking URLs."""
    yield b"<html><head><meta charset='utf-8'><title>links</title></head><body>\n"
    batch = 5000
    for start in range(0, count, batch):
        yield "".join(
            f'<a href="/news/m/{i}.html">{i}</a>\n' for i in range(start, min(count, start + batch))
        ).encode()
    yield b"</body></html>\n"


def links_size(count: int) -> int:
    return sum(len(c) for c in links_chunks(count))


# ------------------------------------------------------------------ the normal site

ARTICLE_TITLES = ["城市数据中心完成液冷改造", "开源编译器发布长期支持版本"]
# Two different bodies: equal text would be skipped as a duplicate, which is not what is tested.
ARTICLE_BODIES = [
    [
        "记者从市经济和信息化局获悉，位于高新区的一座大型数据中心近日完成液冷改造，全年预计节约用电两千余万千瓦时。",
        "据项目负责人介绍，改造采用冷板式液冷方案，服务器的核心发热部件直接由冷却液带走热量，机房不再依赖大功率空调。",
        "改造期间，运营方分批次迁移业务，没有中断对外服务，数百家租户的系统均平稳运行。",
        "业内人士认为，随着算力需求增长，液冷将从试点走向普及，但初期投资较高，中小机房仍需要配套的融资支持。",
        "下一步，当地将总结这一项目的经验，制定数据中心节能改造指引，并鼓励更多存量机房参与改造。",
    ],
    [
        "一个由国内开发者主导的开源编译器项目本周发布了首个长期支持版本，承诺在未来三年内持续提供安全更新。",
        "项目维护者表示，新版本重点改进了代码优化和错误提示，在常用基准测试中生成的程序平均快了百分之十二。",
        "目前已有多家嵌入式设备厂商在产品中采用这一编译器，并向社区反馈了大量兼容性问题。",
        "维护团队计划每半年发布一次功能版本，同时设立专门的小组负责审核外部贡献的补丁。",
        "有高校教师表示，准备把这个项目引入编译原理课程，让学生直接参与真实的开源开发。",
    ],
]


def article_html(i: int) -> bytes:
    title = ARTICLE_TITLES[i % len(ARTICLE_TITLES)]
    body = "".join(f"<p>{p}</p>" for p in ARTICLE_BODIES[i % len(ARTICLE_BODIES)])
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}_科技新闻</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/news/'>新闻</a></div>"
        f"<div class='article'><h1>{title}</h1><div class='info'>2025-07-0{i + 1} 来源：本地测试网</div>"
        f"{body}</div><div class='footer'>版权所有 本地测试网</div></body></html>"
    ).encode()


# ------------------------------------------------------------------ servers


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.stopping = threading.Event()
        self.hits: list[str] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: close-delimited bodies work

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, chunks: Iterator[bytes], length: int | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        for chunk in chunks:
            if self.server.stopping.is_set():  # type: ignore[attr-defined]
                return
            self.wfile.write(chunk)

    def do_GET(self):
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        # the client gives up on purpose (size cap, timeout): that is the point, not an error
        with suppress(BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.route()


class HostileHandler(_Quiet):
    def route(self) -> None:
        path = self.path
        if path == "/robots.txt":
            self._send(200, ROBOTS, "text/plain")
        elif path == "/":
            links = [
                "/news/bomb.html",
                "/news/inflated.html",
                "/news/loop/0.html",
                "/news/cycle-a.html",
                "/news/trickle.html",
                "/news/huge.html",
                "/news/huge-stream",
                "/list/links.html",
                "/list/many.html",
                "file:///etc/passwd",
                "ftp://127.0.0.1/pub/news/1.html",
            ]
            body = "".join(f"<p><a href='{u}'>{u}</a></p>" for u in links)
            self._send(200, f"<html><body><h1>hostile</h1>{body}</body></html>".encode())
        elif path == "/news/bomb.html":
            self._send(200, gzip_bomb(), Content_Encoding="gzip")
        elif path == "/news/inflated.html":
            self._send(200, inflated_page(), Content_Encoding="gzip")
        elif path.startswith("/news/loop/"):
            n = int(path.rsplit("/", 1)[1].split(".")[0] or 0)
            self._send(302, b"", Location=f"/news/loop/{n + 1}.html")
        elif path == "/news/cycle-a.html":
            self._send(302, b"", Location="/news/cycle-b.html")
        elif path == "/news/cycle-b.html":
            self._send(302, b"", Location="/news/cycle-a.html")
        elif path == "/news/trickle.html":
            self.trickle()
        elif path == "/news/huge.html":
            self._stream(huge_chunks(), HUGE_BYTES)
        elif path == "/news/huge-stream":
            self._stream(huge_chunks(), None)
        elif path == "/list/links.html":
            self._stream(links_chunks(MILLION), None)
        elif path == "/list/many.html":
            self._stream(links_chunks(MANY), None)
        elif path.startswith("/news/m/"):
            self._send(200, b"<html><body><p>x</p></body></html>")
        else:
            self._send(404, b"not here")

    def trickle(self) -> None:
        body = article_html(0)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        started = time.monotonic()
        for i in range(len(body)):
            if self.server.stopping.is_set() or time.monotonic() - started > TRICKLE_SECONDS_MAX:  # type: ignore[attr-defined]
                return
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()
            if self.server.stopping.wait(1.0):  # type: ignore[attr-defined]
                return


class NormalHandler(_Quiet):
    def route(self) -> None:
        if self.path == "/robots.txt":
            self._send(200, ROBOTS, "text/plain")
        elif self.path == "/":
            links = "".join(
                f"<li><a href='/news/{i}.html'>{t}</a></li>" for i, t in enumerate(ARTICLE_TITLES)
            )
            self._send(
                200, f"<html><head><meta charset='utf-8'></head><body><ul>{links}</ul></body></html>".encode()
            )
        elif self.path.startswith("/news/") and self.path.endswith(".html"):
            try:
                i = int(self.path[len("/news/") : -len(".html")])
            except ValueError:
                i = -1
            if 0 <= i < len(ARTICLE_TITLES):
                self._send(200, article_html(i))
            else:
                self._send(404, b"not here")
        else:
            self._send(404, b"not here")


# a link that makes a backtracking regex engine run for hours against '(a+)+$'-like patterns
REDOS_LINK = "/p/" + "a" * 48 + "!"
VARIANTS = 200  # decorated links to one article on the trap site's start page
SITEMAP_FANOUT = 40  # child sitemaps of every index of the trap site's endless sitemap tree


class LinkTrapHandler(_Quiet):
    """Links that cost a crawl its budget, its links or its liveness, and an endless sitemap tree.

    The start page holds VARIANTS decorated links to /news/1.html (tracking parameters,
    fragments, ``/./``), malformed links before good ones, and REDOS_LINK. Article pages print
    the address they were asked for, as many sites do, so every variant's text differs;
    /news/100.html carries /news/0.html's text (an exact duplicate under another URL).
    """

    def route(self) -> None:
        path = self.path
        if path == "/robots.txt":
            self._send(
                200, f"User-agent: *\nAllow: /\nSitemap: {self.server.base}/sm/0.xml\n".encode(), "text/plain"
            )  # type: ignore[attr-defined]
        elif path == "/":
            decorations = [
                "?utm_source=feed{i}",
                "?spm=a2c{i}.b",
                "#c{i}",
                "?utm_medium=x&utm_campaign={i}#top",
            ]
            variants = [
                ("/./news/1.html" if i % 5 == 0 else "/news/1.html")
                + decorations[i % len(decorations)].format(i=i)
                for i in range(VARIANTS)
            ]
            bad = ["http://[::1", "http://127.0.0.1:99999/news/7.html", "http://[::1/news/8.html"]
            good = ["/news/0.html", "/news/100.html", REDOS_LINK]
            body = "".join(f"<a href='{h}'>链接</a>" for h in [*variants, *bad, *good])
            self._send(200, f"<html><body><h1>首页</h1>{body}</body></html>".encode())
        elif path.startswith("/news/"):
            number = path.split("?")[0].split("#")[0].rsplit("/", 1)[-1].split(".")[0]
            if not number.isdigit():
                self._send(404, b"not here")
                return
            page = article_html(int(number) % 100).decode()  # /news/100.html: /news/0.html's text
            if number == "1":
                address = f"<p class='permalink'>本文地址：{self.server.base}{path}</p>"  # type: ignore[attr-defined]
                page = page.replace("</h1>", "</h1>" + address)
            self._send(200, page.encode())
        elif path.startswith("/sm/"):
            name = path[len("/sm/") : -len(".xml")]
            base = self.server.base  # type: ignore[attr-defined]
            children = "".join(
                f"<sitemap><loc>{base}/sm/{name}-{k}.xml</loc></sitemap>" for k in range(SITEMAP_FANOUT)
            )
            xml = f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{children}</sitemapindex>"
            self._send(200, xml.encode(), "application/xml")
        else:
            self._send(404, b"not here")


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[_Server]:
    """Run a server in a thread for the duration; stops trickles and streams on exit."""
    server = _Server(handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()


def hostile_site():
    return serve(HostileHandler)


def normal_site():
    return serve(NormalHandler)


def link_trap_site():
    return serve(LinkTrapHandler)


if __name__ == "__main__":  # serve both by hand: python tests/hostile.py
    with hostile_site() as bad, normal_site() as good:
        print(f"hostile: {bad.base}/\nnormal:  {good.base}/\nCtrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
