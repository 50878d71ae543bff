"""The per-line view used by the review page, and the title check, on a real page and model."""

from __future__ import annotations

from pathlib import Path

from newsclean.chain import _echoes_body, clean_document

PAGES = Path(__file__).resolve().parent / "pages"


def _page(name: str) -> dict:
    data = (PAGES / name).read_bytes()
    return clean_document(data, url="http://127.0.0.1/a.html", kind="html", with_lines=True)


def test_each_line_carries_its_own_verdict():
    # A page whose title and date lines are taken out before classification: the verdicts of
    # the remaining lines must stay on those lines, not slide up onto the metadata lines.
    article = _page("neg-moderation.html")
    kept = [line["text"] for line in article["lines"] if line["kept"]]
    assert kept == article["paragraphs"]
    by_text = {line["text"]: line for line in article["lines"]}
    assert by_text[article["title"]]["reason"] == "metadata"
    for text in article["paragraphs"]:
        assert by_text[text]["reason"] is None and by_text[text]["score"] is not None


def test_title_that_echoes_the_body_is_not_dropped():
    body = "网信部门启动专项行动，集中清理色情低俗内容和网络赌博信息，处置违规账号两万余个。"
    assert _echoes_body("网信部门开展专项行动 集中清理色情低俗和网络赌博信息", body)
    assert not _echoes_body("成人视频 在线观看 免费注册送彩金", body)
    assert not _echoes_body("专项行动", body)  # too short to tell
