"""The review page in a real headless Chromium: relabel a line, export, read the downloaded file.

Chromium is driven through the DevTools protocol over ``--remote-debugging-pipe`` (JSON messages
ending in NUL on file descriptors 3 and 4): no driver binary, no websocket library, no port to pick.
``NEWSCLEAN_CHROMIUM`` names another Chromium binary; ``NEWSCLEAN_REVIEW_SCREENSHOT=docs/review.png``
also saves the screenshot for the README.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest
from test_review import BODY_1, HOSTILE, SPAM, page_article, plain_article

from newsclean.classifiers import dataset
from newsclean.commands.review_page import EXPORT_FILENAME, write_report

CHROMIUM = os.environ.get("NEWSCLEAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK),
        reason=f"chromium not found at {CHROMIUM} (Debian: apt-get install chromium)",
    ),
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
]
TIMEOUT = 30.0


class Browser:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, profile: Path, log: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_fds() -> None:  # chromium reads commands on fd 3 and writes replies on fd 4
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=wire_fds,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._messages: list[dict] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session: str | None = None

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_chrome, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._messages.append({"closed": True})
                    self._cond.notify_all()
                return
            buf += chunk
            *done, buf = buf.split(b"\0")
            with self._cond:
                self._messages.extend(json.loads(m) for m in done)
                self._cond.notify_all()

    def _wait_for(self, match, what: str) -> dict:
        deadline = time.monotonic() + TIMEOUT
        with self._cond:
            while True:
                for i, msg in enumerate(self._messages):
                    if msg.get("closed"):
                        raise RuntimeError(f"chromium exited while waiting for {what}")
                    if match(msg):
                        return self._messages.pop(i)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {what} from chromium within {TIMEOUT}s")
                self._cond.wait(left)

    def send(self, method: str, params: dict | None = None, *, browser: bool = False) -> dict:
        self._next_id += 1
        msg: dict = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and not browser:
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        reply = self._wait_for(lambda m, i=self._next_id: m.get("id") == i, method)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def event(self, method: str, where=lambda params: True) -> dict:
        return self._wait_for(lambda m: m.get("method") == method and where(m.get("params", {})), method)[
            "params"
        ]

    def open_page(self, width: int, height: int) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})
        self.event("Page.loadEventFired")

    def js(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click at the element's centre (scrolled into view first)."""
        box = self.js(
            f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
            " el.scrollIntoView({block: 'center'}); const r = el.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        x, y = box
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def key(self, key: str, code: int) -> None:
        for kind in ("rawKeyDown", "keyUp"):
            self.send(
                "Input.dispatchKeyEvent",
                {"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code},
            )

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close", browser=True)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        self._log.close()


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path / "profile", tmp_path / "chromium.log")
    try:
        b.send("Browser.getVersion", browser=True)
        yield b
    finally:
        b.close()


def visible_rows(b: Browser) -> int:
    return b.js("Array.from(document.querySelectorAll('tr.line')).filter(r => !r.hidden).length")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_relabel_and_export_in_chromium(browser, tmp_path):
    article = page_article()
    article["lines"].append({"text": HOSTILE, "kept": False, "reason": "spam", "score": 0.62})
    report = tmp_path / "report.html"
    write_report([article, plain_article()], report)
    downloads = tmp_path / "downloads"
    downloads.mkdir()

    b = browser
    b.open_page(1280, 900)
    b.send(
        "Browser.setDownloadBehavior",
        {"behavior": "allow", "downloadPath": str(downloads), "eventsEnabled": True},
        browser=True,
    )
    b.navigate(report.as_uri())

    # our script ran under the page's CSP; the hostile line is text and ran nothing
    assert b.js("document.documentElement.classList.contains('js')") is True
    assert b.js("typeof window.pwned") == "undefined"
    assert b.js("document.querySelectorAll('img').length") == 0
    assert b.js('document.querySelector(\'tr.line[data-a="0"][data-l="8"] td.text\').textContent') == HOSTILE
    total = b.js("document.querySelectorAll('tr.line').length")
    assert total == 9 + 4
    assert visible_rows(b) == total

    # filters: unticking "kept" with the mouse hides the 4 kept lines; ticking it again shows them
    b.click('input.filter[value="kept"]')
    assert visible_rows(b) == total - 4
    b.click('input.filter[value="kept"]')
    assert visible_rows(b) == total

    # export with nothing changed: no download, a message
    b.click("#export")
    assert b.js("document.getElementById('export-status').textContent").startswith("Nothing to export")
    assert b.js("window.newscleanExport") == ""

    # relabel with the keyboard on the focused controls, as a person would
    body_sel = 'select.relabel[data-a="0"][data-l="2"]'  # BODY_1, kept (content)
    spam_sel = 'select.relabel[data-a="0"][data-l="3"]'  # SPAM, removed as spam
    b.js(f"document.querySelector({json.dumps(body_sel)}).focus()")
    b.key("ArrowDown", 40)  # content -> spam
    b.js(f"document.querySelector({json.dumps(spam_sel)}).focus()")
    b.key("ArrowUp", 38)  # spam -> content
    assert b.js(f"document.querySelector({json.dumps(body_sel)}).value") == "spam"
    assert b.js(f"document.querySelector({json.dumps(spam_sel)}).value") == "content"
    assert b.js("document.getElementById('correction-count').textContent") == "2 corrections"
    assert b.js("document.querySelectorAll('tr.line.changed').length") == 2

    # "corrected only" narrows the table to the two changed lines
    b.click("#changed-only")
    assert visible_rows(b) == 2
    b.click("#changed-only")

    b.click("#export")
    done = b.event("Browser.downloadProgress", lambda p: p.get("state") in ("completed", "canceled"))
    assert done["state"] == "completed"
    exported = downloads / EXPORT_FILENAME
    text = exported.read_text(encoding="utf-8")
    assert text == b.js("document.getElementById('export-output').value")
    source = "review:" + article["url"]
    assert [json.loads(line) for line in text.splitlines()] == [
        {"text": BODY_1, "label": "spam", "source": source, "was": "content"},
        {"text": SPAM, "label": "content", "source": source, "was": "spam"},
    ]
    # the training command's reader takes the file as it is
    assert [(e.text, e.label) for e in dataset.read_labelled(exported)] == [
        (BODY_1, "spam"),
        (SPAM, "content"),
    ]

    # screenshot of the report with the corrections visible
    b.js("window.scrollTo(0, 0)")
    shot = base64.b64decode(b.send("Page.captureScreenshot", {"format": "png"})["data"])
    png = tmp_path / "review.png"
    png.write_bytes(shot)
    assert png_size(png.read_bytes()) == (1280, 900)
    assert png.stat().st_size > 10_000  # a rendered page, not a blank frame
    target = os.environ.get("NEWSCLEAN_REVIEW_SCREENSHOT")
    if target:
        Path(target).write_bytes(shot)
