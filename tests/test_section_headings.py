"""Short section headings inside an article stay, where the line model alone calls them furniture."""

from __future__ import annotations

import pytest

from newsclean.chain import clean_document

PARAGRAPHS = [
    "这家公司周三发布了第三季度业绩，营业收入同比增长百分之十八，增速较上一季度有所回升。",
    "公司表示，增长主要来自海外市场和企业客户，其中云服务收入首次超过硬件收入，占比接近一半。",
    "分析人士认为，随着新一代产品在年底上市，第四季度的收入有望继续增长，但毛利率仍面临压力。",
    "公司管理层在电话会上表示，明年将继续加大研发投入，重点放在芯片设计和数据中心两个方向。",
]


def page(heading_html: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:2]) + heading_html
    body += "".join(f"<p>{p}</p>" for p in PARAGRAPHS[2:])
    return (
        "<html><head><meta charset='utf-8'><title>公司发布第三季度业绩</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/tech'>科技</a></div>"
        f"<div class='article'><h1>公司发布第三季度业绩</h1>{body}</div>"
        "<div class='footer'>关于我们 联系我们</div></body></html>"
    ).encode()


@pytest.mark.parametrize(
    "heading",
    ["<p>一、车联网</p>", "<h2>一、财报</h2>", "<h3>网盘</h3>", "<p>二、估值</p>", "<h2>（三）政策</h2>"],
)
def test_a_short_heading_between_paragraphs_is_kept(line_classifier, heading: str):
    article = clean_document(page(heading), url="http://127.0.0.1/a.html", classifier=line_classifier)
    text = heading.split(">", 1)[1].rsplit("<", 1)[0]
    assert article["paragraphs"] == [*PARAGRAPHS[:2], text, *PARAGRAPHS[2:]]


@pytest.mark.parametrize(
    "furniture",
    [
        "<h2><a href='/x'>一、车联网</a></h2>",
        "<p>分享到：</p>",
        "<p>分享到 微信 微博</p>",
        "<h2>相关阅读</h2>",
    ],
)
def test_links_furniture_and_related_headings_are_not_taken_for_headings(line_classifier, furniture: str):
    article = clean_document(page(furniture), url="http://127.0.0.1/a.html", classifier=line_classifier)
    assert len(article["paragraphs"]) >= 3 and all(p in PARAGRAPHS for p in article["paragraphs"][:2])
    text = furniture.rsplit("</", 1)[0].rsplit(">", 1)[1]
    assert text not in article["paragraphs"]
