"""The per-line view used by the review page, and the title check, on a real page and model."""

from __future__ import annotations

from pathlib import Path

from newsclean.chain import clean_document
from newsclean.classifiers.model import load_classifier
from newsclean.pipelines.classify import echoes_body

PAGES = Path(__file__).resolve().parent / "pages"


def _page(name: str) -> dict:
    data = (PAGES / name).read_bytes()
    return clean_document(
        data, url="http://127.0.0.1/a.html", kind="html", with_lines=True, classifier=load_classifier()
    )


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
    assert echoes_body("网信部门开展专项行动 集中清理色情低俗和网络赌博信息", body)
    assert not echoes_body("成人视频 在线观看 免费注册送彩金", body)
    assert not echoes_body("专项行动", body)  # too short to tell


def test_converted_looks_at_the_kept_lines_themselves():
    # The title and date lines are taken out first; only the last paragraph was Traditional.
    dump = "\n".join(
        [
            "本市新建三座变电站投入运行",
            "2025年7月2日 10:30 来源：本地晚报",
            "市发展改革委宣布，今年新增的三座变电站已全部投入运行，全市供电能力明显提升，居民用电更加稳定可靠。",
            "据电网公司介绍，新变电站采用智能巡检系统，运行维护人员可以远程掌握设备状态，故障处理时间大幅缩短。",
            "業內人士認為，這批變電站的投運將為今年夏季用電高峰提供有力保障，也為新能源接入創造了條件。",
        ]
    )
    article = clean_document(
        dump, url="http://127.0.0.1/b.txt", kind="text", with_lines=True, classifier=load_classifier()
    )
    assert article["paragraphs"][-1].startswith("业内人士认为")
    assert article["converted"] is True
    assert [line["reason"] for line in article["lines"][:2]] == ["metadata", "metadata"]
