"""Continuation links of multi-page articles (newsclean.pipelines.pager) on small pages."""

from __future__ import annotations

import pytest

from newsclean.pipelines.pager import MAX_PAGES, Pager, find_pager

BODY = (
    "<p>市场监管总局今天发布通知，要求各地加强对电动自行车电池的抽查，重点检查充电器与电池组是否匹配。</p>"
    "<p>通知还提到，今年以来多地发生电池起火事故，相关企业须在三十日内完成自查并提交报告。</p>"
)


def page(inner: str, head: str = "") -> str:
    return f"<html><head><title>t</title>{head}</head><body><div class='main'>{inner}</div></body></html>"


def article(pager: str, after: bool = False) -> str:
    if after:  # the pager right after the article's block, not inside it
        return page(f"<div class='content'>{BODY}</div><div class='pages'>{pager}</div>")
    return page(f"<div class='content'>{BODY}<div class='pages'>{pager}</div></div>")


URL = "http://news.example.cn/tech/2024/0512/a123.html"


def test_numbered_pager_gives_the_later_pages_in_order():
    pager = "<span>1</span> <a href='a123_3.html'>3</a> <a href='a123_2.html'>2</a> <a href='a123_2.html'>下一页</a>"
    got = find_pager(article(pager), URL)
    assert got.next_pages == (
        "http://news.example.cn/tech/2024/0512/a123_2.html",
        "http://news.example.cn/tech/2024/0512/a123_3.html",
    )
    assert got.number == 1 and got.first_page is None


@pytest.mark.parametrize("text", ["下一页", "下一页>>", "[下页]", "后页 »", "第2页", "[2]", "Next page"])
def test_a_next_link_alone_is_enough(text):
    got = find_pager(article(f"<a href='a123-2.html'>{text}</a>", after=True), URL)
    assert got.next_pages == ("http://news.example.cn/tech/2024/0512/a123-2.html",)


def test_query_and_segment_shapes():
    url = "https://m.example.com/view?id=77&page=1"
    got = find_pager(article("<a href='/view?page=2&id=77'>2</a><a href='/view?id=77&page=3'>3</a>"), url)
    assert got.next_pages == (
        "https://m.example.com/view?page=2&id=77",
        "https://m.example.com/view?id=77&page=3",
    )
    got = find_pager(article("<a href='/story/abc/2/'>下一页</a>"), "https://x.cn/story/abc/")
    assert got.next_pages == ("https://x.cn/story/abc/2/",)


def test_a_later_page_knows_the_first():
    url = "http://news.example.cn/tech/2024/0512/a123_2.html"
    pager = (
        "<a href='a123.html'>上一页</a> <a href='a123.html'>1</a> <span>2</span> <a href='a123_3.html'>3</a>"
    )
    got = find_pager(article(pager), url)
    assert got.number == 2
    assert got.first_page == "http://news.example.cn/tech/2024/0512/a123.html"
    assert got.next_pages == ("http://news.example.cn/tech/2024/0512/a123_3.html",)


def test_rel_next_on_a_link_in_the_article_counts_but_not_in_the_head():
    got = find_pager(article("<a rel='next' href='a123_2.html'>›</a>"), URL)
    assert got.next_pages == ("http://news.example.cn/tech/2024/0512/a123_2.html",)
    head_only = page(f"<div class='content'>{BODY}</div>", head="<link rel='next' href='a123_2.html'>")
    assert find_pager(head_only, URL) == Pager()


def test_next_story_links_are_not_pages():
    # a 下一篇 link whose URL even looks like a sibling page
    url = "http://news.example.cn/a/20240512-3.html"
    pager = "<a href='20240512-2.html'>上一篇：电池新规</a> <a href='20240512-4.html'>下一篇：充电桩</a>"
    assert find_pager(article(pager), url) == Pager()
    assert find_pager(article("<a href='/a/20240512-4.html' title='下一篇'>下一页</a>"), url) == Pager()


def test_list_pagination_is_not_a_continuation():
    items = "".join(
        f"<li><a href='/news/{i}.html'>新闻标题第{i}条关于电池抽查的报道</a><span>2024-05-{i:02d}</span></li>"
        for i in range(1, 21)
    )
    listing = page(
        f"<ul class='list'>{items}</ul><div class='pagination'><a href='index_2.html'>2</a>"
        "<a href='index_3.html'>3</a><a href='index_2.html'>下一页</a></div>"
    )
    assert find_pager(listing, "http://news.example.cn/news/index.html") == Pager()


def test_related_articles_and_other_sites_are_not_pages():
    related = (
        "<ul class='related'><li><a href='a123_2.html'>电池抽查结果公布 2</a></li>"
        "<li><a href='a124.html'>3</a></li></ul>"
    )
    assert find_pager(article(related, after=True), URL) == Pager()
    other_host = "<a href='http://other.example.cn/tech/2024/0512/a123_2.html'>2</a>"
    assert find_pager(article(other_host), URL) == Pager()
    other_story = "<a href='a124_2.html'>2</a>"
    assert find_pager(article(other_story), URL) == Pager()


def test_comment_pages_are_not_article_pages():
    comments = f"<div id='comments'><p>{'网友评论内容很长很长' * 5}</p><a href='?page=2'>2</a><a href='?page=2'>下一页</a></div>"
    assert find_pager(page(f"<div class='content'>{BODY}</div>{comments}"), URL) == Pager()


def test_page_numbers_beyond_the_cap_are_not_followed():
    pager = f"<a href='a123_2.html'>2</a><a href='a123_{MAX_PAGES + 1}.html'>{MAX_PAGES + 1}</a>"
    got = find_pager(article(pager), URL)
    assert got.next_pages == ("http://news.example.cn/tech/2024/0512/a123_2.html",)


def test_empty_or_broken_input():
    assert find_pager("", URL) == Pager()
    assert find_pager("<html><body><a href='a123_2.html'>2</a></body></html>", URL) == Pager()  # no text
    assert find_pager(article("<a href='http://[::1'>2</a>"), URL) == Pager()


def test_a_parsed_tree_is_read_as_well():
    from parsel import Selector

    sel = Selector(text=article("<a href='a123_2.html'>2</a>"))
    assert find_pager(sel, URL).next_pages == ("http://news.example.cn/tech/2024/0512/a123_2.html",)
