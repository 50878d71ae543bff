"""Metadata lines: taken out of the body and into the metadata; dated sentences stay."""

from __future__ import annotations

import pytest

from newsclean.core.types import Line, Metadata
from newsclean.pipelines.domclean import clean_dom
from newsclean.pipelines.extract import extract_html
from newsclean.pipelines.lines import to_lines
from newsclean.pipelines.metalines import is_date_line, split_metadata
from newsclean.pipelines.normalise import normalise_lines, normalise_meta
from newsclean.pipelines.textdump import extract_text
from tests.conftest import needs_shared

BODY = "今年夏季用电高峰提前到来，电网公司已启动迎峰度夏应急预案，确保居民用电平稳有序。"


def lines_of(*texts: str) -> list[Line]:
    return [Line(t, tag="text", index=i, total=len(texts)) for i, t in enumerate(texts)]


def test_text_dump_header_becomes_metadata():
    lines = lines_of(
        "欢迎访问本地新闻网",
        "迎峰度夏电网保供应",
        "2025年7月2日 10:30 来源：本地晚报 作者：赵一鸣",
        "1288",
        "关键词：电网，迎峰度夏、用电",
        BODY,
        "2025年7月1日，市发展改革委宣布，今年新增的三座变电站已全部投入运行。",
        "据来源于电网公司的数据显示，昨日全市最高负荷创下历史新高。",
        "01",
    )
    kept, meta, removed, _ = split_metadata(lines, Metadata())
    assert meta.title == "迎峰度夏电网保供应"
    assert meta.published_at == "2025-07-02T10:30:00+08:00"
    assert meta.source == "本地晚报"
    assert meta.author == "赵一鸣"
    assert meta.keywords == ["电网", "迎峰度夏", "用电"]
    assert [r.text for r in removed] == [
        "迎峰度夏电网保供应",
        "2025年7月2日 10:30 来源：本地晚报 作者：赵一鸣",
        "1288",
        "关键词：电网，迎峰度夏、用电",
    ]
    assert all(r.reason == "metadata" and r.score is None for r in removed)
    assert [line.text for line in kept] == [
        "欢迎访问本地新闻网",
        BODY,
        "2025年7月1日，市发展改革委宣布，今年新增的三座变电站已全部投入运行。",
        "据来源于电网公司的数据显示，昨日全市最高负荷创下历史新高。",
        "01",
    ]
    assert [(line.index, line.total) for line in kept] == [(i, 5) for i in range(5)]
    # where each body line stood on the page, so its verdict can be put back in page order
    assert split_metadata(lines, Metadata()).page_indexes == [0, 5, 6, 7, 8]


def test_existing_metadata_is_not_overwritten_and_title_repeat_is_dropped():
    meta = Metadata(title="迎峰度夏电网保供应", published_at="2025-06-30", source="电网报")
    lines = lines_of("迎峰度夏 电网保供应", "来源：本地晚报", "记者 钱多多", BODY)
    kept, out, removed, _ = split_metadata(lines, meta)
    assert out.published_at == "2025-06-30" and out.source == "电网报"
    assert out.author == "钱多多"
    assert [r.text for r in removed] == ["迎峰度夏 电网保供应", "来源：本地晚报", "记者 钱多多"]
    assert [line.text for line in kept] == [BODY]
    assert meta.author is None  # input untouched


@pytest.mark.parametrize(
    "text",
    [
        "2025-07-02",
        "2025/7/2 星期三",
        "发布时间：2025-07-02 09:00",
        "2025年7月2日 来源:本地晚报 编辑:孙某",
        "2025-07-02 10:30:15 浏览：322次",
    ],
)
def test_date_lines(text):
    assert is_date_line(text)


@pytest.mark.parametrize(
    "text",
    [
        "2025年7月1日，某公司宣布完成新一轮融资。",
        "2025年7月1日起，本市将实行新的垃圾分类标准",
        "2025-07-02 市政府召开常务会议研究部署防汛工作",
        "7月2日 来源:本地晚报",  # no year: not a publication date
    ],
)
def test_dated_sentences_are_not_date_lines(text):
    assert not is_date_line(text)
    kept, meta, removed, _ = split_metadata(lines_of(text, BODY), Metadata(title="标题"))
    if "来源" not in text:
        assert removed == [] and meta.published_at is None
        assert [line.text for line in kept] == [text, BODY]


def test_bare_numbers_in_the_body_stay():
    lines = lines_of("标题文字在这里", "2025-07-02", BODY, "01", "二级标题", BODY, "2025")
    kept, _, removed, _ = split_metadata(lines, Metadata())
    assert [r.text for r in removed] == ["标题文字在这里", "2025-07-02"]
    assert "01" in [line.text for line in kept] and "2025" in [line.text for line in kept]


def test_credit_lines_are_metadata():
    _, meta, removed, _ = split_metadata(lines_of(BODY, "责任编辑：周某某", "监制:吴某"), Metadata())
    assert [r.text for r in removed] == ["责任编辑：周某某", "监制:吴某"]
    assert meta.author is None


def test_prose_starting_with_a_field_word_stays():
    text = "来源地不同的产品，价格差距很大。业内人士表示，这一现象将持续较长时间，消费者需要仔细辨别。"
    kept, _, removed, _ = split_metadata(lines_of(BODY, text), Metadata())
    assert removed == []
    assert len(kept) == 2


@needs_shared
def test_seed_001_dump_and_page_give_the_same_metadata(shared):
    expected_title = "OpenAI 首次 “牵手” 谷歌芯片,欲摆脱英伟达依赖?"
    results = []
    dump = (shared / "fixtures" / "seed-001-text.txt").read_text(encoding="utf-8")
    ex = extract_text(dump)
    lines, conv = normalise_lines(to_lines(ex.blocks))
    results.append(split_metadata(lines, normalise_meta(ex.meta, conv)))
    doc, _ = clean_dom((shared / "fixtures" / "seed-001.html").read_text(encoding="utf-8"))
    ex = extract_html(doc, "http://example.cn/")
    lines, conv = normalise_lines(to_lines(ex.blocks))
    results.append(split_metadata(lines, normalise_meta(ex.meta, conv)))
    for kept, meta, removed, _ in results:
        assert meta.title == expected_title
        assert meta.published_at == "2025-07-02"
        assert meta.source == "深圳电子商会"
        assert meta.keywords[:3] == ["OpenAI", "谷歌", "TPU"]
        texts = [line.text for line in kept]
        assert "322" not in texts
        assert not any(t.startswith(("2025-07-02", "关键词")) for t in texts)
        assert "2025-07-02 来源:深圳电子商会" in [r.text for r in removed]


def test_site_name_before_the_date_line():
    assert is_date_line("航天快报 2025-08-14 08:00:12 来源：航天快报")
    assert not is_date_line("会议于2025年8月14日召开 来源：航天快报")
    assert not is_date_line("航天快报 2025-08-14")  # no fields after the date: could be a caption


def test_fields_run_together_without_spaces():
    lines = lines_of("新电池量产", "2025-09-25 10:00来源：新智科技作者：陈思远阅读 3821", BODY)
    _, meta, removed, _ = split_metadata(lines, Metadata())
    assert (meta.title, meta.source, meta.author) == ("新电池量产", "新智科技", "陈思远")
    assert meta.published_at == "2025-09-25T10:00:00+08:00"
    assert len(removed) == 2


@pytest.mark.parametrize(
    ("text", "author"),
    [
        ("本报记者 张三报道：今天上午", "张三"),
        ("作者：李四（实习）", "李四"),
        ("记者 王报", "王报"),
        ("文/赵钱孙", "赵钱孙"),
    ],
)
def test_author_names(text, author):
    from newsclean.pipelines.metalines import author_from

    assert author_from(text) == author
