"""`newsclean clean` end to end, as a user runs it: a subprocess, real files, a real model."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsclean.core.schema import article_errors
from tests.conftest import needs_shared

PARAS = [
    "国内一家储能企业本周在合肥发布了新一代钠离子电池包，能量密度达到每公斤一百六十瓦时。",
    "该企业技术负责人介绍，新电池包在零下二十摄氏度的环境中仍能保持九成以上的放电容量。",
    "业内人士认为，钠离子电池原料成本较低，有望在两轮电动车和家庭储能领域率先实现规模应用。",
]
SPAM = "01月30日,储能产业峰会在京开幕,欧美一级黄片免费观看,澳门皇冠赌场在线注册送彩金"
PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>钠离子电池包发布_科技频道</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/tech/">科技</a></div>
<div class="article"><h1>国产钠离子电池包亮相 低温性能成亮点</h1>
<div class="info">2025年08月12日 10:30 来源：东方储能网</div>
<div class="keywords">关键词：钠离子电池 储能</div>
{"".join(f"<p>{p}</p>" for p in PARAS)}
</div>
<ul class="spam"><li>{SPAM}</li></ul>
<div class="footer">Copyright 2025 东方储能网 版权所有 京ICP备12345678号</div>
</body></html>"""
PURE_SPAM = """<html><head><meta charset="utf-8"><title>免费看片</title></head><body>
<ul><li><a href="http://a.example/">欧美一级黄片免费观看</a></li>
<li><a href="http://b.example/">澳门皇冠赌场在线注册送彩金</a></li>
<li><a href="http://c.example/">无码高清视频在线播放</a></li>
<li><a href="http://d.example/">代开各地增值税发票 联系微信</a></li></ul></body></html>"""


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsclean.commands.cli", *args], input=stdin, capture_output=True, timeout=180
    )


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode()
    assert proc.returncode != 0
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture()
def page(tmp_path: Path) -> Path:
    path = tmp_path / "battery.html"
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_clean_file_prints_one_valid_article(page):
    proc = run("clean", str(page), "--url", "http://news.example.cn/2025/0812/1.html")
    assert proc.returncode == 0, proc.stderr.decode()
    article = json.loads(proc.stdout)
    assert article_errors(article) == []
    assert article["url"] == "http://news.example.cn/2025/0812/1.html"
    assert article["paragraphs"] == PARAS
    assert article["title"] == "国产钠离子电池包亮相 低温性能成亮点"
    assert article["published_at"].startswith("2025-08-12")
    assert article["source"] == "东方储能网"
    assert article["keywords"] == ["钠离子电池", "储能"]  # short words found in the body are kept
    removed = {r["text"]: r["reason"] for r in article["removed"]}
    assert any(SPAM in text or text in SPAM for text in removed), removed
    assert "黄片" not in article["text"] and "ICP" not in article["text"]


def test_stdin_and_file_agree(page):
    from_file = json.loads(run("clean", str(page), "--url", "http://x.example.cn/a").stdout)
    from_stdin = json.loads(
        run("clean", "-", "--url", "http://x.example.cn/a", stdin=page.read_bytes()).stdout
    )
    assert from_stdin["paragraphs"] == from_file["paragraphs"]
    assert from_stdin["fingerprint"] == from_file["fingerprint"]


def test_folder_with_one_bad_page_gives_json_lines_and_one_error(tmp_path, page):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.html").write_bytes(page.read_bytes())
    (folder / "b.htm").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (folder / "c.txt").write_text("\n".join(PARAS), encoding="utf-8")
    (folder / "ignored.json").write_text("{}")
    proc = run("clean", str(folder))
    assert proc.returncode != 0
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [Path(r["url"]).name for r in rows] == ["a.html", "c.txt"]
    assert all(article_errors(r) == [] for r in rows)
    assert "b.htm" in one_line_error(proc)


def test_missing_file_is_one_clear_line(tmp_path):
    assert "no such file" in one_line_error(run("clean", str(tmp_path / "nope.html")))


def test_empty_file_is_one_clear_line(tmp_path):
    (tmp_path / "empty.html").write_bytes(b"")
    assert "empty" in one_line_error(run("clean", str(tmp_path / "empty.html"))).lower()


def test_binary_file_is_one_clear_line(tmp_path):
    (tmp_path / "photo.html").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8)
    assert "photo.html" in one_line_error(run("clean", str(tmp_path / "photo.html")))


@pytest.mark.parametrize("url", ["ftp://example.cn/a.html", "file:///etc/passwd"])
def test_non_http_schemes_are_refused(url):
    assert "scheme" in one_line_error(run("clean", url))


def test_pure_spam_page_has_no_article(tmp_path):
    path = tmp_path / "spam.html"
    path.write_text(PURE_SPAM, encoding="utf-8")
    line = one_line_error(run("clean", str(path)))
    assert "no article" in line


def test_corrupt_model_is_refused(tmp_path, page):
    bad = tmp_path / "model.skops"
    bad.write_bytes(b"PK\x03\x04 this is not a model")
    line = one_line_error(run("clean", str(page), "--model", str(bad)))
    assert "model" in line.lower()


class _Site(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = PAGE.encode("gb18030") if self.path == "/gbk.html" else PAGE.encode()
        charset = "gb2312" if self.path == "/gbk.html" else "utf-8"
        self.send_response(200 if self.path != "/robots.txt" else 404)
        self.send_header("Content-Type", f"text/html; charset={charset}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_clean_urls_from_a_local_server(site):
    proc = run("clean", f"{site}/utf8.html", f"{site}/gbk.html")
    assert proc.returncode == 0, proc.stderr.decode()
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["paragraphs"] for r in rows] == [PARAS, PARAS]  # GB2312 label, GB18030 bytes: same text
    assert rows[1]["url"] == f"{site}/gbk.html"


def test_review_page_is_written(tmp_path, page):
    report = tmp_path / "review.html"
    proc = run("clean", str(page), "--review", str(report))
    assert proc.returncode == 0, proc.stderr.decode()
    html = report.read_text(encoding="utf-8")
    assert PARAS[0] in html and "lines" not in json.loads(proc.stdout)


@needs_shared
@pytest.mark.parametrize("name", ["seed-000.html", "seed-001.html", "seed-000-text.txt", "seed-001-text.txt"])
def test_seed_fixtures_meet_their_gold(shared, name):
    from tests.scoring import judge_run, load_gold

    page = shared / "fixtures" / name
    gold = load_gold(page.parent / (page.name.rsplit(".", 1)[0] + ".gold.json"))
    proc = run("clean", str(page), "--url", gold.url)
    verdict = judge_run(proc.returncode, proc.stdout.decode(), proc.stderr.decode(), gold)
    assert verdict.problems == [], verdict.problems
