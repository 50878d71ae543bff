"""Plain-text dumps: one block per non-empty line, all in the body."""

from __future__ import annotations

from newsclean.pipelines.textdump import extract_text


def test_every_non_empty_line_is_a_text_block():
    dump = "  市图书馆新馆开放  \n\n2025-03-01 来源:本地晚报\r\n\n新馆藏书两百万册，周末客流预计超过一万人次。\n   \n"
    ex = extract_text(dump)
    assert [b.text for b in ex.blocks] == [
        "市图书馆新馆开放",
        "2025-03-01 来源:本地晚报",
        "新馆藏书两百万册，周末客流预计超过一万人次。",
    ]
    assert all(b.tag == "text" and b.in_main and not b.in_list and b.link_density == 0 for b in ex.blocks)
    assert ex.meta.title is None and ex.meta.published_at is None and ex.meta.keywords == []
    assert ex.removed == []


def test_empty_dump():
    assert extract_text("\n \n").blocks == []


def test_control_characters_and_lone_surrogates_are_cleaned():
    ex = extract_text("第一\x07行\ud800\n\x0c\n第二行")
    assert [b.text for b in ex.blocks] == ["第一行\ufffd", "第二行"]
