"""The news spider's link queries find what Scrapy's ``response.css`` finds, on any page it reads."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from newsclean.spiders.news import LINKS, TYPED_LINKS, select

PAGES = {
    "plain": b"""<html><head><link rel="next" href="/list/2.html">
        <link rel="alternate" type="application/rss+xml" href="/feed.rss"></head>
        <body><a href="/news/1.html">one</a><a>no href</a><a href="">empty</a>
        <a href=" /news/2.html ">spaces</a><a href="javascript:void(0)">js</a>
        <p><a href="http://spam.example.net/">ad</a></p></body></html>""",
    "upper case": b"""<HTML><HEAD><LINK REL="Next" HREF="/a"><LINK rel="NEXT" href="/b">
        <LINK REL="alternate stylesheet" TYPE="text/css" HREF="/c.css"></HEAD>
        <BODY><A HREF="/news/3.html">x</A><A TYPE="application/atom+xml" HREF="/atom.xml">f</A></BODY></HTML>""",
    "rel tokens": b"""<html><head><link rel="prev next" href="/p2"><link rel="nextpage" href="/no">
        <link rel=" next\t" href="/tab"><link rel="alternate" href="/untyped">
        <link rel="alternate" type=" Application/RSS+XML; charset=utf-8" href="/typed.rss"></head>
        <body><a type="text/html" href="/typed-a">t</a><a type="application/rss+xml">no href</a></body></html>""",
    "broken": b"<p><a href='/x'>unclosed <a href=/y>bare <link rel=next href=/z></p>",
    "empty": b"",
    "chinese": "<html><body><a href='/新闻/1.html'>新闻</a><a href='/list?page=2'>下一页</a></body></html>".encode(),
}
XML_PAGES = {
    "rss": b"""<?xml version="1.0"?><rss><channel><link>http://h/</link>
        <item><link>http://h/news/1.html</link></item></channel></rss>""",
    "atom": b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
        <link rel="alternate" type="text/html" href="http://h/"/><entry><link href="http://h/1"/></entry></feed>""",
    "xhtml": b"""<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>
        <a href="/ns">namespaced</a></body></html>""",
    "bare xml": b"""<?xml version="1.0"?><root><a href="/x"/><link rel="next" href="/n"/>
        <a type="application/rss+xml" href="/f.rss"/><A href="/upper"/></root>""",
}


def _responses():
    for name, body in PAGES.items():
        yield name, HtmlResponse("http://h/news/1.html", body=body, encoding="utf-8")
    for name, body in XML_PAGES.items():
        yield name, XmlResponse("http://h/feed.xml", body=body, encoding="utf-8")
    yield "text/plain", TextResponse("http://h/robots.txt", body=b"<a href='/t'>x</a>", encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "response"), list(_responses()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_select_finds_what_css_finds(name: str, response) -> None:
    assert select(response, LINKS) == response.css(LINKS).getall()
    assert select(response, "a::attr(href)") == response.css("a::attr(href)").getall()
    mine = [(el.get("href"), el.get("type")) for el in select(response, TYPED_LINKS)]
    theirs = [(x.attrib["href"], x.attrib.get("type")) for x in response.css(TYPED_LINKS)]
    assert mine == theirs


def test_select_finds_links_in_document_order() -> None:
    response = HtmlResponse("http://h/", body=PAGES["plain"], encoding="utf-8")
    assert select(response, LINKS) == [
        "/list/2.html",
        "/news/1.html",
        "",
        " /news/2.html ",
        "javascript:void(0)",
        "http://spam.example.net/",
    ]


def test_json_page_fails_as_with_css() -> None:
    """A JSON text response: parsel refuses CSS on it, and so does select (the same error)."""
    response = TextResponse("http://h/api", body=b'{"a": 1}', encoding="utf-8")
    with pytest.raises(ValueError) as theirs:
        response.css(LINKS)
    with pytest.raises(ValueError) as mine:
        select(response, LINKS)
    assert str(mine.value) == str(theirs.value)
