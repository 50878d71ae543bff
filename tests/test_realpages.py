"""The steps that make extraction hold on real pages, one class at a time (pages written here),
and the development set of real pages when ../shared is present."""

from __future__ import annotations

import pytest

from newsclean.core.errors import NoArticleError
from newsclean.core.types import Line
from newsclean.pipelines import bylines
from newsclean.pipelines.decode import _best_cjk_score, decode_bytes
from newsclean.pipelines.domclean import clean_dom
from newsclean.pipelines.extract import extract_html
from newsclean.pipelines.metalines import stamp_date
from newsclean.pipelines.pagekind import not_an_article
from newsclean.pipelines.paragraphs import rewrap, wrap_width
from newsclean.pipelines.scriptmeta import script_metadata
from newsclean.pipelines.streams import is_post_header
from tests.conftest import needs_shared

POST = "本市首条自动驾驶公交线路昨日开始试运营，全程十二公里，沿途设有十八个站点，安全员全程随车。"
REPLY = "我觉得这条线路的站点设置还可以再优化一下，尤其是学校附近，早高峰的时候人特别多，车根本挤不上去。"


def _main_texts(html: str) -> list[str]:
    doc, _ = clean_dom(html)
    return [b.text for b in extract_html(doc, "http://x.example.cn/").blocks if b.in_main]


# ------------------------------------------------------------------ posts and comment streams


def test_post_headers_carry_a_time_and_are_not_sentences():
    assert is_post_header("# re: 标题 2004-12-27 12:46 网名")
    assert is_post_header("发表于 2025-11-03 09:12")
    assert is_post_header("由某某张贴 @ 2005-03-18 01:28:08 (369)")
    assert is_post_header("回复标题【网名】08-11 16:06 298字")
    assert not is_post_header("2025年7月1日，某公司宣布新一轮融资。")  # a dated sentence
    assert not is_post_header("2025年7月1日 来源：本地晚报")  # a date line without a time


def test_the_first_post_of_a_thread_is_the_article_not_the_longer_replies():
    posts = "".join(
        f'<table class="post"><tr><td class="head">网友{i} 发表于 2025-11-0{i} 0{i}:12</td></tr>'
        f"<tr><td><p>{POST * 3 if i == 1 else REPLY * 3}</p></td></tr></table>"
        for i in range(1, 5)
    )
    main = _main_texts(f"<html><body><div id='thread'>{posts}</div></body></html>")
    assert POST * 3 in main and REPLY * 3 not in main


def test_a_comment_stream_beside_the_post_is_set_aside():
    comments = "".join(
        f"<h4># re: 标题 2025-10-1{i} 2{i}:05 网友{i}</h4><p>{REPLY * 2}</p>" for i in range(6)
    )
    html = (
        f"<html><body><div id='main'><div class='post'><h2>标题</h2><p>{POST}</p><p>{POST}</p><p>{POST}</p></div>"
        f"<div id='comments'><h3>评论</h3>{comments}</div></div></body></html>"
    )
    main = _main_texts(html)
    assert POST in main and not any(REPLY in t for t in main)


def test_a_comment_heading_ends_the_body():
    html = (
        f"<html><body><div class='entry'><p>{POST}</p><p>{POST}</p><p>{POST}</p>"
        f"<h3>《标题》已有 2 条评论</h3><p>{REPLY}</p><p>{REPLY}</p></div></body></html>"
    )
    main = _main_texts(html)
    assert POST in main and REPLY not in main


def test_a_dated_related_list_inside_an_article_does_not_cut_the_article():
    related = "".join(
        f"<li><a href='/{i}'>相关新闻标题第{i}条</a> 2025-11-0{i} 10:00</li>" for i in range(1, 5)
    )
    html = (
        f"<html><body><div class='article'><p>{POST}</p><p>{POST}</p><ul>{related}</ul></div></body></html>"
    )
    assert POST in _main_texts(html)


# ------------------------------------------------------------------ hard-wrapped text


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def test_hard_wrapped_lines_are_joined_into_their_paragraphs():
    first, second = POST * 2, REPLY * 2
    lines = [*_wrap(first, 30), "", *_wrap(second, 30)]
    assert wrap_width(lines) == 60
    assert rewrap(lines) == [first, second]


def test_lines_that_are_paragraphs_are_left_alone():
    lines = [POST, REPLY, "短行。", POST + REPLY]
    assert rewrap(lines) == lines
    assert wrap_width(lines) is None


def test_a_hard_wrapped_pre_block_comes_out_as_paragraphs(line_classifier):
    from newsclean.chain import clean_document

    body = "\n".join(_wrap(POST * 3, 32))
    html = f"<html><body><h1>试运营</h1><pre>{body}</pre></body></html>"
    article = clean_document(html, url="http://x.example.cn/a.html", classifier=line_classifier)
    assert article["paragraphs"] == [POST * 3]


# ------------------------------------------------------------------ authors and dates


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("光明日报记者 王建宏 张文攀", "王建宏 张文攀"),
        ("本报记者罗科苏盈发自北京", "罗科苏盈"),
        ("顶端新闻·河南商报记者马俊峰/文受访者供图", "马俊峰"),
        ("新京报记者 彭冲 山东冠县报道", "彭冲"),
        ("□ 本报记者 葛灵丹", "葛灵丹"),
        ("今天天气很好，我们去公园散步。", None),
    ],
)
def test_bylines(text, names):
    assert bylines.byline_names(text) == names


def test_credits_closing_or_opening_a_paragraph():
    assert (
        bylines.credit_names("……施工期缩短到两个月。（记者 宋晓雨 通讯员 韩立）", last=True) == "宋晓雨 韩立"
    )
    assert bylines.credit_names("……取得积极进展。（姚峰 上海报道）", last=True) == "姚峰"
    assert bylines.credit_names("这是全文的最后一句。（完）", last=True) is None
    assert bylines.credit_names("新华社拉萨2月13日电（记者 格桑边觉）记者近日获悉", last=False) == "格桑边觉"


def test_poster_lines():
    assert bylines.poster_names("本贴由大卫于2005年8月12日16:12:21在〖论坛〗发表.") == "大卫"
    assert bylines.poster_names("江城老工程师\n积分 1284\n楼主\n发表于 2025-11-03 09:12") == "江城老工程师"
    assert bylines.poster_names("发布时间 2005/03/15 22:36:13 by duscha 〓") == "duscha"
    assert bylines.poster_names("由于他们在现场发表了意见") is None


def test_stamps():
    assert stamp_date("http://biz.example.cn 2005-04-25 08:24:06 来源: 某日报") == "2005-04-25T08:24:06+08:00"
    assert stamp_date("2005-04-05 06:40更新 来源：转载文章").startswith("2005-04-05")
    assert stamp_date("建立于:2004年10月6日", timed=True) is None
    assert stamp_date("2025年7月1日 10:30，地震发生后") is None  # a sentence's date


# ------------------------------------------------------------------ pages that are not articles


def _lines(*texts: str, link_density: float = 0.0) -> list[Line]:
    return [Line(t, link_density=link_density, index=i, total=len(texts)) for i, t in enumerate(texts)]


def test_not_an_article():
    assert "404" in not_an_article(_lines("对不起，您访问的页面不存在或已被删除。"), "404")
    assert "login" in not_an_article(_lines("本文为会员专享内容，请先登录后查看全文。"), None)
    assert "robots" in not_an_article(_lines("User-agent: *", "Disallow: /admin/"), None)
    assert "list" in not_an_article(
        _lines(*[f"第{i}条新闻标题很长很长" for i in range(8)], link_density=1.0), None
    )
    story = POST + "网信部门提醒，遇到“页面不存在”的钓鱼链接不要点击。" + REPLY * 3
    assert not_an_article(_lines(story), "钓鱼网站") is None


def test_a_soft_404_is_no_article(line_classifier):
    from newsclean.chain import clean_document

    html = "<html><head><title>404 - 页面不存在</title></head><body><h1>404</h1><p>对不起，您访问的页面不存在。</p><p>返回首页</p></body></html>"
    with pytest.raises(NoArticleError, match="soft 404"):
        clean_document(html, url="http://x.example.cn/a.html", classifier=line_classifier)


def test_the_no_article_message_adds_up(line_classifier):
    import re

    from newsclean.chain import clean_document

    html = "<html><body><div style='display:none'>隐藏的文字</div><p>关于我们</p><p>联系我们</p><p>……</p></body></html>"
    with pytest.raises(NoArticleError) as err:
        clean_document(html, url="http://x.example.cn/a.html", classifier=line_classifier)
    m = re.search(r"\((\d+) lines: (\d+) kept, (\d+) removed: (.*)\)", str(err.value))
    assert m, str(err.value)
    total, kept, removed = int(m.group(1)), int(m.group(2)), int(m.group(3))
    assert total == kept + removed == 4 and sum(int(n) for n in re.findall(r"\d+", m.group(4))) == removed


@pytest.mark.parametrize(
    ("text", "furniture"),
    [
        ("00:00 / 03:25", True),
        ("倍速 高清 全屏", True),
        ("发布于：北京市", True),
        ("平台声明：该文观点仅代表作者本人", True),
        ("首赞", True),
        ("2025年高清电视销量增长百分之十二。", False),
        ("播放量突破一亿次", False),
    ],
)
def test_page_furniture(text, furniture):
    from newsclean.pipelines.classify import is_furniture

    assert is_furniture(text) is furniture


# ------------------------------------------------------------------ WeChat, scripts, bytes


def test_an_article_hidden_until_its_script_runs_is_kept():
    html = f"<html><body><div id='js_content' style='visibility: hidden;'>{f'<p>{POST}</p>' * 6}</div><div style='visibility:hidden'>隐藏的广告</div></body></html>"
    doc, hidden = clean_dom(html)
    assert POST in doc.text_content() and [r.text for r in hidden] == ["隐藏的广告"]


def test_script_metadata():
    html = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "标题", '
        '"datePublished": "2025-10-01T08:00:00+08:00", "author": [{"name": "甲"}, {"name": "乙"}], '
        '"publisher": {"name": "某报"}}</script>'
        '<script>var nickname = htmlDecode("城市观察笔记"); var ct = "1759196400";</script>'
    )
    meta = script_metadata(html)
    assert (meta.title, meta.published_at, meta.author, meta.source) == (
        "标题",
        "2025-10-01T08:00:00+08:00",
        "甲 乙",
        "某报",
    )
    assert script_metadata('<script>var ct = "1759196400";</script>').published_at.startswith(
        "2025-09-30T09:40"
    )


def test_a_gbk_page_with_a_stray_byte_is_still_gbk():
    data = ("<html><body><p>" + POST * 20 + "</p></body></html>").encode("gbk") + b"\xc7"
    best, score = _best_cjk_score(data)
    assert best is not None and best.encoding == "gb18030" and score > 0.9
    assert POST in decode_bytes(data).text


@pytest.mark.parametrize(
    "text", ["BMW 发布新车型，续航提升到六百公里。", "ID3 标签的格式说明", "正文" * 50 + "\x00" + "结尾"]
)
def test_text_that_starts_like_a_binary_format_is_read(text):
    assert decode_bytes(text.encode("utf-8")).text.replace("\x00", "")[:3] == text[:3]


# ------------------------------------------------------------------ the development set of real pages


@needs_shared
@pytest.mark.slow
def test_real_development_pages(shared):
    from bench.real import DATASET, score_pages

    folder = shared / DATASET
    if not folder.is_dir():
        pytest.skip(f"no real-page set at {folder}")
    scores = score_pages(folder)
    mean = sum(s.f1["newsclean"][2] for s in scores) / len(scores)
    dates = [s.date_ok for s in scores if s.date_ok is not None]
    authors = [s.author_ok for s in scores if s.author_ok is not None]
    assert mean >= 0.94, f"body F1 {mean:.3f}"
    assert sum(dates) >= 0.88 * len(dates) and sum(authors) >= 0.8 * len(authors)
    lost = [s.name for s in scores if s.f1["newsclean"][2] < 0.5 and max(v[2] for v in s.f1.values()) >= 0.8]
    assert not lost, f"pages an anchor gets and newsclean loses: {lost}"
