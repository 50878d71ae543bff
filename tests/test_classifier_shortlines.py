"""Short content lines: the battery that checks them and the active model on the words that
used to be removed (芯片 as adult, 无人机, 黄色预警...)."""

from __future__ import annotations

from pathlib import Path

from newsclean.classifiers.corpora import load_corpora
from newsclean.classifiers.model import load_classifier
from newsclean.classifiers.shortlines import (
    battery_lines,
    battery_pages,
    tech_terms,
)
from newsclean.classifiers.split import sides
from newsclean.core.types import Line

DATA = Path(__file__).resolve().parent / "data_classifier"
ARTICLE = [
    "今年上半年，国内消费电子市场发布的新品数量比去年同期多出近两成，厂商把更多预算投向了影像和续航。",
    "多家厂商在中高端机型上换用了新一代移动平台，能效比提升明显，整机发热也比上一代更低。",
    "分析师认为，下半年的竞争重点仍然会落在端侧模型的运行效率和售后服务上，价格战可能有所缓和。",
]


def test_battery_is_large_and_held_out_from_training():
    lines = battery_lines()
    assert len(lines) >= 500 // 2  # every line goes into an html page and a text dump
    held_out, trained = set(tech_terms("test")), set(tech_terms("train"))
    assert held_out and trained and not held_out & trained
    assert not any(text in trained for text, _, _ in lines)


def test_battery_pages_hold_one_short_line_between_paragraphs():
    pages = battery_pages(sides(load_corpora(DATA))["test"])
    assert len(pages) == 2 * len(battery_lines()) >= 500
    for page in pages[:200]:
        marked = [i for i, e in enumerate(page) if e.source.startswith("battery:")]
        assert len(marked) == 1
        i = marked[0]
        assert 0 < i < len(page) - 1 and all(e.label == "content" for e in page)
        assert len(page[i].text) <= 12 and len(page[i - 1].text) > 12 and len(page[i + 1].text) > 12
    assert {e.line.tag for page in pages for e in page if e.source.startswith("battery:")} == {
        "text",
        "h2",
        "h3",
        "p",
    }


def test_tech_word_headings_inside_an_article_are_kept():
    clf = load_classifier()
    for word in ("芯片", "无人机", "黄色预警", "直播", "机器人", "性价比"):
        texts = [ARTICLE[0], word, ARTICLE[1], ARTICLE[2]]
        tags = ["p", "h2", "p", "p"]
        lines = [
            Line(text=t, tag=tag, index=i, total=len(texts))
            for i, (t, tag) in enumerate(zip(texts, tags, strict=True))
        ]
        verdict = clf.predict(lines)[1]
        assert verdict.label == "content", (word, verdict)
