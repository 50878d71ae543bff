"""The review report as HTML: line order, verdicts, escaping of hostile text, the embedded export data."""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from newsclean.classifiers import dataset
from newsclean.commands.review import add_arguments, load_articles, run
from newsclean.commands.review_page import DATA_ELEMENT_ID, render_report, review_lines, write_report
from newsclean.core.errors import InputError
from newsclean.core.labels import LABELS

# Hand-written lines of an imagined page about a city's battery recycling pilot.
BODY_1 = "本市启动动力电池回收试点，首批二十家维修网点参与登记。"
BODY_2 = "试点方案要求回收企业公开处理流程，并接受第三方抽检。"
SPAM = "2025-07-02 皇冠娱乐城 注册即送88元 官方网站直达"
ADULT = "深夜私密直播间 点击进入 成人专区免费看"
NAV = "首页 | 科技 | 财经 | 联系我们"
HIDDEN = "隐藏层里的关键词 彩票 彩票 彩票"
META = "来源：城市科技观察"
DUP = "试点方案要求回收企业公开处理流程，并接受第三方抽检。"
HOSTILE = '</td></tr></table><script>window.pwned = 1</script><img src=x onerror="window.pwned=2">开奖'
HOSTILE_TITLE = "</title><script>alert(1)</script>电池回收"


def page_article(url: str = "http://127.0.0.1:8000/news/1.html") -> dict:
    """An article with the ``lines`` field: the page's lines in page order."""
    lines = [
        {"text": NAV, "kept": False, "reason": "boilerplate", "score": 0.91},
        {"text": META, "kept": False, "reason": "metadata", "score": None},
        {"text": BODY_1, "kept": True, "reason": None, "score": 0.04},
        {"text": SPAM, "kept": False, "reason": "spam", "score": 0.987},
        {"text": BODY_2, "kept": True, "reason": None, "score": 0.12},
        {"text": ADULT, "kept": False, "reason": "adult", "score": 0.95},
        {"text": HIDDEN, "kept": False, "reason": "hidden", "score": None},
        {"text": DUP, "kept": False, "reason": "duplicate", "score": None},
    ]
    return {
        "url": url,
        "title": "动力电池回收试点启动",
        "published_at": "2025-07-02",
        "source": "城市科技观察",
        "paragraphs": [BODY_1, BODY_2],
        "text": BODY_1 + "\n" + BODY_2,
        "removed": [
            {"text": line["text"], "reason": line["reason"], "score": line["score"]}
            for line in lines
            if not line["kept"]
        ],
        "classifier": "lines-20250702-abcdef12",
        "lines": lines,
    }


def plain_article() -> dict:
    """An article object without ``lines`` (as ``newsclean clean`` prints it)."""
    return {
        "url": "http://127.0.0.1:8000/news/2.html",
        "title": "第二篇",
        "paragraphs": ["充电桩建设进度超过年初计划。", "明年将覆盖全部乡镇。"],
        "removed": [
            {"text": "六合彩内部资料 稳赚不赔", "reason": "spam", "score": 0.99},
            {"text": "版权所有 城市科技观察", "reason": "boilerplate", "score": 0.7},
        ],
        "classifier": "lines-20250702-abcdef12",
    }


def rows(page: str) -> list[dict]:
    soup = BeautifulSoup(page, "html.parser")
    out = []
    for tr in soup.select("tr.line"):
        sel = tr.select_one("select.relabel")
        chosen = sel.select_one("option[selected]")
        out.append(
            {
                "article": int(tr["data-a"]),
                "status": tr.select_one("td.status").get_text(),
                "reason": tr.select_one("td.reason").get_text(),
                "score": tr.select_one("td.score").get_text(),
                "text": tr.select_one("td.text").get_text(),
                "group": tr["data-group"],
                "classes": tr["class"],
                "selected": chosen["value"] if chosen else None,
                "options": [o["value"] for o in sel.select("option")],
            }
        )
    return out


def embedded(page: str) -> dict:
    soup = BeautifulSoup(page, "html.parser")
    return json.loads(soup.find("script", id=DATA_ELEMENT_ID).string)


def test_lines_render_in_page_order_with_verdict_reason_score():
    article = page_article()
    got = rows(render_report([article]))
    assert [r["text"] for r in got] == [line["text"] for line in article["lines"]]
    assert [r["status"] for r in got] == [
        "REMOVED",
        "REMOVED",
        "KEPT",
        "REMOVED",
        "KEPT",
        "REMOVED",
        "REMOVED",
        "REMOVED",
    ]
    assert [r["reason"] for r in got] == [
        "boilerplate",
        "metadata",
        "—",
        "spam",
        "—",
        "adult",
        "hidden",
        "duplicate",
    ]
    assert [r["score"] for r in got] == ["0.91", "—", "0.04", "0.99", "0.12", "0.95", "—", "—"]
    # colour class per verdict, filter group per reason
    assert [r["group"] for r in got] == [
        "boilerplate",
        "metadata",
        "kept",
        "spam",
        "kept",
        "adult",
        "hidden",
        "duplicate",
    ]
    assert all(f"k-{r['group']}" in r["classes"] for r in got)


def test_relabel_control_starts_at_current_label():
    got = rows(render_report([page_article()]))
    assert [r["selected"] for r in got] == [
        "boilerplate",
        "",  # metadata: no training label yet
        "content",
        "spam",
        "content",
        "adult",
        "",
        "",
    ]
    for r in got:
        assert [o for o in r["options"] if o] == list(LABELS)


def test_filters_list_each_reason_present_with_counts():
    soup = BeautifulSoup(render_report([page_article(), plain_article()]), "html.parser")
    chips = [(i["value"], i.parent.get_text()) for i in soup.select("input.filter")]
    assert [v for v, _ in chips] == [
        "kept",
        "spam",
        "adult",
        "boilerplate",
        "hidden",
        "metadata",
        "duplicate",
    ]
    assert dict(chips)["kept"] == "kept (4)"
    assert dict(chips)["spam"] == "spam (2)"
    assert soup.find(id="export") is not None


def test_without_lines_kept_paragraphs_come_first_then_removed():
    article = plain_article()
    page = render_report([article])
    got = rows(page)
    assert [r["text"] for r in got] == article["paragraphs"] + [r["text"] for r in article["removed"]]
    assert [r["status"] for r in got] == ["KEPT", "KEPT", "REMOVED", "REMOVED"]
    assert "Page order unknown" in page


def test_several_articles_give_one_section_each():
    page = render_report([page_article(), plain_article()])
    soup = BeautifulSoup(page, "html.parser")
    sections = soup.select("section.article")
    assert [s.h2.get_text() for s in sections] == ["动力电池回收试点启动", "第二篇"]
    assert [len(s.select("tr.line")) for s in sections] == [8, 4]
    assert {r["article"] for r in rows(page)} == {0, 1}


def test_hostile_text_is_escaped_everywhere():
    article = page_article(url='http://127.0.0.1/"><script>alert(2)</script>')
    article["title"] = HOSTILE_TITLE
    article["lines"].append({"text": HOSTILE, "kept": False, "reason": "spam", "score": 0.5})
    page = render_report([article])
    # no raw markup of the hostile lines survives anywhere in the file
    for raw in (
        "<script>window.pwned",
        "<img src=x",
        "<script>alert(1)",
        "<script>alert(2)",
        "</title><script>",
    ):
        assert raw not in page
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("img") is None
    scripts = soup.find_all("script")
    assert [s.get("id") for s in scripts] == [DATA_ELEMENT_ID, None]  # the data and our own code only
    assert soup.title.get_text() == "newsclean review"
    assert soup.h2.get_text() == HOSTILE_TITLE
    assert rows(page)[-1]["text"] == HOSTILE  # shown as text, character for character
    # the JSON island cannot be closed early by text in it
    data_source = scripts[0].string
    assert "</" not in data_source and "<" not in data_source
    assert embedded(page)["articles"][0]["lines"][-1]["text"] == HOSTILE


def test_link_only_for_http_urls():
    article = plain_article()
    article["url"] = "javascript:alert(1)"
    soup = BeautifulSoup(render_report([article]), "html.parser")
    assert soup.select("section.article a") == []
    assert "javascript:alert(1)" in soup.select_one("section.article .meta").get_text()


def test_csp_allows_exactly_the_inline_script_and_style():
    page = render_report([page_article()])
    soup = BeautifulSoup(page, "html.parser")
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    code = soup.find_all("script")[-1].string
    style = soup.style.string

    def sha(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert f"script-src {sha(code)};" in csp
    assert f"style-src {sha(style)};" in csp
    assert "default-src 'none'" in csp
    # nothing external: no src/href to other hosts, no @import
    assert not re.search(r'\s(src|href)="(?!http://127\.0\.0\.1)', page)
    assert "@import" not in page


def test_embedded_data_gives_export_records_train_accepts(tmp_path):
    article = page_article()
    data = embedded(render_report([article, plain_article()]))
    assert data["labels"] == list(LABELS)
    first = data["articles"][0]
    assert first["source"] == "review:" + article["url"]
    assert [line["text"] for line in first["lines"]] == [line["text"] for line in article["lines"]]
    assert [line["was"] for line in first["lines"]] == [
        "boilerplate",
        "metadata",
        "content",
        "spam",
        "content",
        "adult",
        "hidden",
        "duplicate",
    ]
    assert [line["label"] for line in first["lines"]] == [
        "boilerplate",
        None,
        "content",
        "spam",
        "content",
        "adult",
        None,
        None,
    ]
    # Build records the way the page's export does (text, label, source, was) for a relabel of
    # every line to a label other than its current one, and feed them to the training loader.
    records = []
    for art in data["articles"]:
        for line in art["lines"]:
            new = next(lab for lab in data["labels"] if lab != line["label"])
            records.append({"text": line["text"], "label": new, "source": art["source"], "was": line["was"]})
    path = tmp_path / "corrections.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    examples = dataset.read_labelled(path)
    assert [(e.text, e.label, e.source) for e in examples] == [
        (r["text"], r["label"], r["source"]) for r in records
    ]


def test_page_script_builds_records_from_the_embedded_fields():
    """The export code must use exactly the fields checked above."""
    code = BeautifulSoup(render_report([plain_article()]), "html.parser").find_all("script")[-1].string
    assert "{ text: ref.line.text, label: sel.value, source: ref.article.source, was: ref.line.was }" in code


@pytest.mark.parametrize(
    ("article", "message"),
    [
        ([], "not an object"),
        ({"url": "u"}, "none of 'lines'"),
        ({"url": "u", "lines": [{"text": "x", "kept": "yes"}]}, "lines[0].kept"),
        ({"url": "u", "lines": [{"text": 3, "kept": True}]}, "lines[0].text"),
        ({"url": "u", "lines": [{"text": "x", "kept": False, "reason": "spam", "score": "hi"}]}, "score"),
        ({"url": "u", "paragraphs": ["a"], "removed": ["b"]}, "removed[0]"),
        ({"paragraphs": ["a"], "removed": []}, "'url'"),
    ],
)
def test_malformed_article_is_a_one_line_input_error(article, message):
    with pytest.raises(InputError) as err:
        render_report([plain_article(), article])
    assert str(err.value).startswith("article 2: ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_removed_line_without_reason_still_gets_a_group():
    lines = review_lines({"url": "u", "lines": [{"text": "无理由", "kept": False}]})
    assert lines == [{"text": "无理由", "kept": False, "reason": "removed", "score": None}]


def test_write_report_is_atomic_and_leaves_no_temp(tmp_path):
    out = tmp_path / "report.html"
    write_report([page_article()], out)
    first = out.read_text(encoding="utf-8")
    assert first.startswith("<!DOCTYPE html>") and BODY_1 in first
    assert os.stat(out).st_mode & 0o777 == 0o644
    # a failing render leaves the earlier report as it was and no temp file behind
    with pytest.raises(InputError):
        write_report([{"url": "u", "lines": "bad"}], out)
    assert out.read_text(encoding="utf-8") == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_write_report_into_missing_folder_is_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        write_report([page_article()], tmp_path / "nope" / "report.html")
    with pytest.raises(InputError, match="is a folder"):
        write_report([page_article()], tmp_path)


def write_jsonl(path: Path, items: list) -> None:
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in items), encoding="utf-8")


def test_load_articles_skips_blank_lines_and_names_bad_line(tmp_path):
    good = tmp_path / "a.jsonl"
    write_jsonl(good, [page_article(), plain_article()])
    good.write_text(good.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    assert [a["url"] for a in load_articles(str(good))] == [page_article()["url"], plain_article()["url"]]

    bad = tmp_path / "b.jsonl"
    bad.write_text(
        json.dumps(plain_article(), ensure_ascii=False) + "\n\n" + '{"url": "x", "paragraphs": [\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"b\.jsonl:3: not valid JSON"):
        load_articles(str(bad))
    bad.write_text(json.dumps(plain_article()) + "\n[1, 2]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"b\.jsonl:2: article is a JSON list"):
        load_articles(str(bad))
    bad.write_bytes(json.dumps(plain_article()).encode() + b'\n{"url": "\xff"}\n')
    with pytest.raises(InputError, match=r"b\.jsonl:2: not UTF-8"):
        load_articles(str(bad))
    bad.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(InputError, match="no articles"):
        load_articles(str(bad))
    with pytest.raises(InputError, match="no such file"):
        load_articles(str(tmp_path / "missing.jsonl"))
    with pytest.raises(InputError, match="is a folder"):
        load_articles(str(tmp_path))


def test_run_writes_one_report_for_several_files(tmp_path, capsys):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    write_jsonl(one, [page_article()])
    write_jsonl(two, [plain_article(), page_article("http://127.0.0.1:8000/news/3.html")])
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out = tmp_path / "report.html"
    assert run(parser.parse_args([str(one), str(two), "--out", str(out)])) == 0
    data = embedded(out.read_text(encoding="utf-8"))
    assert [a["url"] for a in data["articles"]] == [
        "http://127.0.0.1:8000/news/1.html",
        "http://127.0.0.1:8000/news/2.html",
        "http://127.0.0.1:8000/news/3.html",
    ]
    assert "3 article(s), 20 lines" in capsys.readouterr().err


def test_review_command_reports_bad_line_in_one_line(tmp_path):
    """Through the installed command: exit code and a single error line, no traceback."""
    src = tmp_path / "crawl.jsonl"
    src.write_text(json.dumps(plain_article()) + "\nnot json\n", encoding="utf-8")
    out = tmp_path / "report.html"
    cmd = [sys.executable, "-m", "newsclean.commands.cli", "review", str(src), "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "crawl.jsonl:2: not valid JSON" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()
    write_jsonl(src, [page_article(), plain_article()])
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(embedded(out.read_text(encoding="utf-8"))["articles"]) == 2
