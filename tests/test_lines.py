"""Blocks to lines: split on newlines, collapse white space, drop symbol-only lines."""

from __future__ import annotations

from newsclean.core.types import Block
from newsclean.pipelines.lines import to_lines


def test_split_collapse_and_context_are_carried():
    blocks = [
        Block("第一行文字\n\n  第二行\u3000\u3000有  空格 \n……\n↓↓↓", "p", 0.25, True, False),
        Block("OpenAI  发布   GPT 新版本\xa0模型", "h2"),
        Block("   ", "div"),
        Block("01", "p"),
    ]
    lines = to_lines(blocks)
    assert [line.text for line in lines] == [
        "第一行文字",
        "第二行 有 空格",
        "OpenAI 发布 GPT 新版本 模型",
        "01",
    ]
    assert [(line.index, line.total) for line in lines] == [(0, 4), (1, 4), (2, 4), (3, 4)]
    first = lines[0]
    assert (first.tag, first.link_density, first.in_list, first.in_main) == ("p", 0.25, True, False)
    assert lines[2].tag == "h2" and lines[2].in_main
    assert lines[3].position == 1.0


def test_no_blocks():
    assert to_lines([]) == []
