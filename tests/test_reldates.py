"""Relative publication stamps (3小时前, 昨天 14:30): found on the page, dated against fetched_at."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from newsclean.pipelines.reldates import relative_stamp, resolve_relative

FETCHED = datetime(2026, 12, 3, 6, 0, tzinfo=timezone.utc)  # 14:00 in China


@pytest.mark.parametrize(
    ("line", "published"),
    [
        ("3小时前", "2026-12-03T11:00:00+08:00"),
        ("发布于 3小时前 来源：新浪科技", "2026-12-03T11:00:00+08:00"),
        ("時間：2小時前", "2026-12-03T12:00:00+08:00"),
        ("5分钟前 | 阅读 120", "2026-12-03T13:55:00+08:00"),
        ("刚刚", "2026-12-03T14:00:00+08:00"),
        ("今天 08:05", "2026-12-03T08:05:00+08:00"),
        ("昨天 14:30", "2026-12-02T14:30:00+08:00"),
        ("前天 23:59", "2026-12-01T23:59:00+08:00"),
        ("昨天", "2026-12-02"),
        ("3天前", "2026-11-30"),
        ("2周前", "2026-11-19"),
        ("12-01 09:15", "2026-12-01T09:15:00+08:00"),
        ("12月01日 09:15", "2026-12-01T09:15:00+08:00"),
        ("12-24 10:00", "2025-12-24T10:00:00+08:00"),  # later than today in the year: last year's
    ],
)
def test_stamps_resolve_against_the_fetch_time(line: str, published: str):
    assert resolve_relative(relative_stamp(line), FETCHED) == published


@pytest.mark.parametrize(
    "line",
    [
        "3天前，公司宣布了新的芯片计划",  # a sentence, not a stamp
        "该公司在两周前发布了财报，股价随后上涨",
        "40天前",  # too far back to trust as a stamp
        "3个月前",  # too coarse to date
        "2024-12-03 09:15",  # an absolute date is not relative
        "10-32 10:00",
        "13-01 10:00",
        "今天天气很好",
        "",
    ],
)
def test_sentences_and_absolute_dates_are_not_relative_stamps(line: str):
    stamp = relative_stamp(line)
    assert stamp is None or resolve_relative(stamp, FETCHED) is None


def test_a_naive_fetch_time_is_taken_as_utc():
    naive = FETCHED.replace(tzinfo=None)
    assert resolve_relative("1小时前", naive) == "2026-12-03T13:00:00+08:00"


PAGE = """<html><head><meta charset="utf-8"><title>国产芯片厂商发布新一代处理器_科技频道</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/tech/">科技</a></div>
<div class="article"><h1>国产芯片厂商发布新一代处理器</h1>
<div class="info"><span class="time">{stamp}</span> <span>来源：示例科技</span></div>
<p>国内一家芯片厂商今天发布了新一代处理器，采用自研架构，性能较上一代提升约三成，功耗下降两成。</p>
<p>该公司表示，新处理器面向数据中心和边缘计算场景，已有多家服务器厂商完成适配，预计明年一季度批量供货。</p>
<p>业内人士认为，随着国产处理器生态逐步完善，软件适配将成为下一阶段竞争的关键，厂商需要持续投入。</p>
</div><div class="footer">关于我们 | 联系我们</div></body></html>"""


@pytest.mark.parametrize(
    ("stamp", "published"),
    [("3小时前", "2026-12-03T11:00:00+08:00"), ("昨天 09:30", "2026-12-02T09:30:00+08:00")],
)
def test_a_page_with_a_relative_stamp_gets_a_date(line_classifier, stamp: str, published: str):
    from newsclean.chain import clean_document

    article = clean_document(
        PAGE.format(stamp=stamp).encode(),
        url="http://127.0.0.1/a.html",
        classifier=line_classifier,
        fetched_at=FETCHED,
    )
    assert article["published_at"] == published
    assert stamp not in article["text"]
    assert article["paragraphs"][0].startswith("国内一家芯片厂商")


def test_an_absolute_date_wins_over_a_relative_stamp(line_classifier):
    from newsclean.chain import clean_document

    page = PAGE.format(stamp="2026-11-20 10:00 3小时前")
    article = clean_document(
        page.encode(), url="http://127.0.0.1/a.html", classifier=line_classifier, fetched_at=FETCHED
    )
    assert article["published_at"] == "2026-11-20T10:00:00+08:00"


def test_a_text_dump_with_a_relative_stamp_gets_a_date(line_classifier):
    from newsclean.chain import clean_document

    dump = (
        "国产芯片厂商发布新一代处理器\n2小时前 来源：示例科技\n\n"
        "国内一家芯片厂商今天发布了新一代处理器，采用自研架构，性能较上一代提升约三成，功耗下降两成。\n\n"
        "该公司表示，新处理器面向数据中心和边缘计算场景，已有多家服务器厂商完成适配，预计明年一季度批量供货。\n"
    )
    article = clean_document(
        dump.encode(),
        url="http://127.0.0.1/a.txt",
        classifier=line_classifier,
        kind="text",
        fetched_at=FETCHED,
    )
    assert article["published_at"] == "2026-12-03T12:00:00+08:00"
    assert all("小时前" not in p for p in article["paragraphs"])
