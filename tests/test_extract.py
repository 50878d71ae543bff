"""Extraction: all visible blocks in reading order, the article body marked, metadata found."""

from __future__ import annotations

import pytest

from newsclean.pipelines.domclean import clean_dom
from newsclean.pipelines.extract import extract_html
from tests.conftest import needs_shared

PARAS = [
    "今年以来，本市新能源汽车销量持续增长，前五个月累计销售十二万辆，同比增长百分之三十五。",
    "业内人士分析，充电设施不断完善、购车补贴延续以及新车型集中上市，是销量增长的主要原因。",
    "与此同时，部分车企也面临电池原材料价格波动带来的成本压力，利润空间受到一定挤压。",
    "市商务局表示，下半年将继续推进充电桩进小区工程，并在郊区新建一批公共充电站。",
]


def news_page(head: str = "", header: str = "", after: str = "") -> str:
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body>
    <div class="nav"><a href="/">首页</a> | <a href="/a">财经</a> | <a href="/b">汽车</a> | <a href="/c">科技</a></div>
    <div class="wrap"><div class="left">{header}
      <div class="article-content">{paras}
        <h2>充电桩建设提速</h2>
        <p>据了解，全市公共充电桩数量已超过三万个，基本实现主城区三公里充电圈全覆盖。</p>
      </div>{after}
    </div>
    <div class="side"><ul>
      <li><a href="/n/1">热门新闻一则标题文字较长的链接</a></li>
      <li><a href="/n/2">热门新闻二则标题文字较长的链接</a></li>
      <li><a href="/n/3">热门新闻三则标题文字较长的链接</a></li>
    </ul></div></div>
    <div class="footer"><p>版权所有 某某日报社 京ICP备12345678号</p></div>
    </body></html>"""


def extract(html: str):
    doc, _ = clean_dom(html)
    return extract_html(doc, "http://news.example.cn/a/1.html")


def test_body_blocks_are_in_main_and_boilerplate_is_not():
    ex = extract(news_page())
    main = [b.text for b in ex.blocks if b.in_main]
    assert main == [
        *PARAS,
        "充电桩建设提速",
        "据了解，全市公共充电桩数量已超过三万个，基本实现主城区三公里充电圈全覆盖。",
    ]
    outside = [b for b in ex.blocks if not b.in_main]
    texts = [b.text for b in outside]
    assert "版权所有 某某日报社 京ICP备12345678号" in texts
    assert "热门新闻一则标题文字较长的链接" in texts
    hot = next(b for b in outside if b.text.startswith("热门新闻一则"))
    assert hot.tag == "li" and hot.in_list and hot.link_density == 1.0
    heading = next(b for b in ex.blocks if b.text == "充电桩建设提速")
    assert heading.tag == "h2"


def test_reading_order_is_document_order():
    ex = extract(news_page())
    texts = [b.text for b in ex.blocks]
    assert (
        texts.index(PARAS[0]) < texts.index(PARAS[3]) < texts.index("版权所有 某某日报社 京ICP备12345678号")
    )


def test_link_farm_is_split_into_list_blocks_outside_main():
    farm = "".join(f'<a href="http://spam{i}.example/">澳门赌场网址{i}号</a>' for i in range(8))
    ex = extract(news_page(after=f'<div class="links">{farm}</div>'))
    farm_blocks = [b for b in ex.blocks if b.text.startswith("澳门赌场网址")]
    assert len(farm_blocks) == 8
    assert all(b.in_list and not b.in_main and b.link_density == 1.0 and b.tag == "li" for b in farm_blocks)


def test_br_runs_are_joined_with_newlines():
    html = "<body><div class='content'><p>第一行文字<br>第二行文字<br/><br>第三行文字</p></div></body>"
    ex = extract(html)
    assert ex.blocks[0].text == "第一行文字\n第二行文字\n第三行文字"


def test_images_are_skipped_but_figcaption_is_kept():
    html = (
        "<body><div class='content'><p>" + PARAS[0] + "</p><figure><img src='a.jpg' alt='图片替代文字'>"
        "<figcaption>图为新建的充电站</figcaption></figure></div></body>"
    )
    ex = extract(html)
    texts = [b.text for b in ex.blocks]
    assert "图为新建的充电站" in texts
    assert not any("图片替代文字" in t for t in texts)
    assert next(b for b in ex.blocks if b.text == "图为新建的充电站").tag == "caption"


def test_metadata_from_h1_info_line_and_keywords_line():
    header = (
        "<h1>本市新能源汽车销量持续增长</h1>"
        '<div class="info"><span class="time">2025年7月2日 09:30</span> 来源：某某日报 作者：王小明</div>'
        "<div class='tags'>关键词：新能源汽车，充电桩，销量</div>"
    )
    head = "<title>垃圾标题_某某网</title><meta name='keywords' content='元关键词,另一个'>"
    ex = extract(news_page(head=head, header=header))
    assert ex.meta.title == "本市新能源汽车销量持续增长"
    assert ex.meta.published_at == "2025-07-02T09:30:00+08:00"
    assert ex.meta.source == "某某日报"
    assert ex.meta.author == "王小明"
    assert ex.meta.keywords == ["新能源汽车", "充电桩", "销量"]


def test_meta_tags_when_the_page_has_no_visible_fields():
    head = (
        '<meta property="og:title" content="新能源汽车销量增长_某某网">'
        '<meta property="article:published_time" content="2025-07-02T01:30:00Z">'
        '<meta name="author" content="李四">'
        '<meta name="keywords" content="新能源汽车,充电桩,与正文无关的词">'
    )
    ex = extract(news_page(head=head))
    assert ex.meta.title == "新能源汽车销量增长"
    assert ex.meta.published_at == "2025-07-02T01:30:00+00:00"
    assert ex.meta.author == "李四"
    assert ex.meta.keywords == ["新能源汽车", "充电桩"]  # the unrelated meta keyword is not on the page


def test_spam_stuffed_title_falls_back_to_the_segment_the_body_talks_about():
    head = (
        "<title>澳门葡京娱乐城,最新开户送彩金_今年以来本市新能源汽车销量持续增长_某某网</title>"
        "<meta name='keywords' content='澳门葡京娱乐城,最新开户送彩金'>"
    )
    ex = extract(news_page(head=head))
    assert ex.meta.title == "今年以来本市新能源汽车销量持续增长"


def test_title_site_suffix_is_stripped():
    ex = extract(news_page(head="<title>新能源汽车销量持续增长 - 某某网</title>"))
    assert ex.meta.title == "新能源汽车销量持续增长"


def test_dates_in_lists_are_not_the_publication_date():
    after = "<ul><li><span class='date'>2019-01-01</span><a href='/x'>旧闻标题</a></li></ul>"
    ex = extract(news_page(after=after))
    assert ex.meta.published_at is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025/7/2", "2025-07-02"),
        ("2025年07月02日 18:05", "2025-07-02T18:05:00+08:00"),
        ("发布时间：2025-7-2 8:05:09", "2025-07-02T08:05:09+08:00"),
    ],
)
def test_date_formats(text, expected):
    header = f"<h1>新能源汽车销量持续增长</h1><div class='pubtime'>{text}</div>"
    assert extract(news_page(header=header)).meta.published_at == expected


def test_table_layout_body_is_found():
    rows = "".join(f"<p>{p}</p>" for p in PARAS)
    html = (
        "<body><div class='top'><a href='/'>首页</a></div><div class='content'><table><tr><td>"
        f"{rows}</td></tr></table></div><div class='foot'>关于我们</div></body>"
    )
    ex = extract(html)
    assert [b.text for b in ex.blocks if b.in_main] == PARAS


def test_deep_page_does_not_crash():
    depth = 5000
    html = "<body>" + "<div>" * depth + "".join(f"<p>{p}</p>" for p in PARAS) + "</div>" * depth + "</body>"
    ex = extract(html)
    assert [b.text for b in ex.blocks if b.in_main] == PARAS


def test_page_without_text():
    ex = extract("<html><body><img src='x.png'></body></html>")
    assert ex.blocks == []
    assert ex.meta.title is None


@needs_shared
def test_seed_000_main_is_exactly_the_article(shared):
    import json

    html = (shared / "fixtures" / "seed-000.html").read_text(encoding="utf-8")
    gold = json.loads((shared / "fixtures" / "seed-000.gold.json").read_text(encoding="utf-8"))
    ex = extract(html)
    main = [b.text for b in ex.blocks if b.in_main]
    assert [t for t in main if t not in ("01", "02", "03")] == gold["paragraphs"]
    assert [b.text for b in ex.blocks if b.in_main and b.text in ("01", "02", "03")] == ["01", "02", "03"]
    outside = [b.text for b in ex.blocks if not b.in_main]
    for tail in ("监制:邓金木", "闽公网安备 35010302000113号", "尤物881.com", "李佩霞受贿案一审宣判"):
        assert tail in outside
    assert not any(b.in_main for b in ex.blocks if b.tag == "li")


@needs_shared
def test_seed_001_metadata(shared):
    html = (shared / "fixtures" / "seed-001.html").read_text(encoding="utf-8")
    ex = extract(html)
    assert ex.meta.title == "OpenAI 首次 “牽手” 谷歌芯片,欲擺脫英偉達依賴?"  # raw: normalise converts
    assert ex.meta.published_at == "2025-07-02"
    assert ex.meta.source == "深圳電子商會"
    assert "TPU" in ex.meta.keywords
    main = [b.text for b in ex.blocks if b.in_main]
    assert len(main) == 7 and main[0].startswith("近日,一則消息")


def test_logo_h1_loses_to_og_title():
    header = "<div class='brand'><h1>某某日报</h1></div>"
    head = '<meta property="og:title" content="本市新能源汽车销量持续增长_某某日报">'
    ex = extract(news_page(head=head, header=header))
    assert ex.meta.title == "本市新能源汽车销量持续增长"


def test_first_paragraph_starting_with_a_date_is_not_the_publication_date():
    html = (
        "<body><h1>新能源汽车销量持续增长</h1><div class='content'>"
        "<p>2024年3月5日，市商务局发布了上一年度的汽车消费数据。</p>"
        + "".join(f"<p>{p}</p>" for p in PARAS)
        + "</div></body>"
    )
    assert extract(html).meta.published_at is None


def test_source_field_inside_a_sentence_gives_only_the_name():
    header = "<h1>新能源汽车销量持续增长</h1><p class='src'>来源：市统计局，数据截至五月底</p>"
    assert extract(news_page(header=header)).meta.source == "市统计局"


def test_h1_with_the_date_after_a_br():
    header = "<h1>新能源汽车销量持续增长<br><span>2025-04-18 10:22:07 来源：某某日报</span></h1>"
    ex = extract(news_page(header=header))
    assert ex.meta.title == "新能源汽车销量持续增长"
    assert ex.meta.source == "某某日报"
    assert ex.meta.published_at == "2025-04-18T10:22:07+08:00"


def test_injected_og_title_loses_to_the_article_h1():
    head = '<meta property="og:title" content="澳门葡京娱乐城,最新开户送彩金">'
    ex = extract(news_page(head=head, header="<h1>本市新能源汽车销量持续增长</h1>"))
    assert ex.meta.title == "本市新能源汽车销量持续增长"


def test_h1_in_an_article_header_and_comment_dates_ignored():
    header = (
        '<header class="entry-header header-footer-group"><h1 class="entry-title">新能源汽车销量持续增长</h1>'
        '<ul class="post-meta"><li><time datetime="2025-03-27T08:15:00+08:00">2025年3月27日</time></li></ul>'
        "</header>"
    )
    after = (
        '<div class="comments"><div class="comment-metadata">'
        '<time datetime="2025-03-28T02:11:09+08:00">3月28日</time></div></div>'
    )
    head = "<title>新能源汽车销量持续增长 – 车友网</title>"
    ex = extract(news_page(head=head, header=header, after=after))
    assert ex.meta.title == "新能源汽车销量持续增长"
    assert ex.meta.published_at == "2025-03-27"


def test_link_list_inside_the_article_container_is_not_body():
    items = "".join(
        f"<li><span>01月30日</span>,<a href='/n/{i}.html'>各地新闻标题第{i}条</a>,免费看片网址{i}</li>"
        for i in range(4)
    )
    bullet = "<ul><li>第一，完善充电设施布局。</li><li>第二，延续购车补贴政策。</li><li>第三，推动电池回收。</li></ul>"
    html = (
        "<body><div class='article-content'>"
        + "".join(f"<p>{p}</p>" for p in PARAS)
        + bullet
        + f"<ul class='x'>{items}</ul></div></body>"
    )
    ex = extract(html)
    main = [b.text for b in ex.blocks if b.in_main]
    assert main == [*PARAS, "第一，完善充电设施布局。", "第二，延续购车补贴政策。", "第三，推动电池回收。"]
    assert sum(1 for b in ex.blocks if b.text.startswith("01月30日") and not b.in_main) == 4


def test_article_split_around_an_ad_slot():
    first = "".join(f"<p>{p}</p>" for p in PARAS[:2])
    second = "".join(f"<p>{p}</p>" for p in PARAS[2:])
    html = (
        "<body><div class='nav'><a href='/'>首页</a></div><div class='wrap'>"
        f"<div class='text'>{first}</div><div class='ad-slot'><a href='/ad'>广告位招租</a></div>"
        f"<div class='text'>{second}</div>"
        "<div class='related'><ul><li><a href='/1'>相关新闻一</a></li><li><a href='/2'>相关新闻二</a></li></ul></div>"
        "</div></body>"
    )
    ex = extract(html)
    assert [b.text for b in ex.blocks if b.in_main] == PARAS


def test_source_line_breaks_are_spaces_but_not_between_cjk():
    html = "<body><div class='content'><p>第一句话。\n  第二句话，\n继续 English\nword 中文</p><pre>代码 第一行\n代码 第二行</pre></div></body>"
    texts = [b.text for b in extract(html).blocks]
    assert texts == ["第一句话。第二句话，继续 English word 中文", "代码 第一行\n代码 第二行"]


def test_link_glued_after_the_last_sentence_gets_a_line_of_its_own():
    html = (
        "<html><body><div class='content'>"
        "<p>新款路由器支持三频并发，官方称其覆盖面积比上一代提高三成。<a href='http://x.example.com/'>某某娱乐城</a></p>"
        "<p>厂商表示，详情可参见<a href='/notice.html'>官方公告</a>中的说明。</p>"
        "</div></body></html>"
    )
    doc, _ = clean_dom(html)
    texts = [b.text for b in extract_html(doc, "http://news.example.cn/a.html").blocks]
    assert "新款路由器支持三频并发，官方称其覆盖面积比上一代提高三成。\n某某娱乐城" in texts
    assert "厂商表示，详情可参见官方公告中的说明。" in texts  # a link inside a sentence stays in it


def test_comment_between_text_keeps_the_pieces_apart():
    """Text on either side of a comment is read piece by piece: a line break next to the comment
    is a space, not glued away between two CJK characters (作者 赵婕 / 出自 stay apart)."""
    html = "<body><table><tr><td>作者： 某某 \n<!--author-->\n        出自某出版社</td></tr></table></body>"
    texts = [b.text for b in extract(html).blocks]
    assert "作者： 某某 出自某出版社" in texts, texts
