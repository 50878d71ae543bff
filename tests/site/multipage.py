"""A small fixture site with a three-page article, for crawls and one-off cleans of it."""

from __future__ import annotations

from pathlib import Path

from bench.site.generator import article_text

FOOTER = "本文来源：示例科技网，未经授权不得转载，违者必究。"  # on every page of the article
TITLE = "示例科技网：国产固态电池样品首次装车测试"
# a lead every page repeats, which the classifier keeps: joined, it must be there once
LEAD = "编者按：固态电池被认为是下一代动力电池的主要方向，本报分三期介绍国内企业的最新进展。"


def _pager(stem: str, number: int, total: int) -> str:
    links = []
    if number > 1:
        prev = f"{stem}.html" if number == 2 else f"{stem}_{number - 1}.html"
        links.append(f"<a href='{prev}'>上一页</a>")
    for n in range(1, total + 1):
        href = f"{stem}.html" if n == 1 else f"{stem}_{n}.html"
        links.append(f"<span>{n}</span>" if n == number else f"<a href='{href}'>{n}</a>")
    if number < total:
        links.append(f"<a href='{stem}_{number + 1}.html'>下一页</a>")
    return "<div class='pages'>" + " ".join(links) + "</div>"


def article_page(
    title: str, paragraphs: list[str], pager: str = "", date: str = "2025-07-02 10:00", lead: str = ""
) -> str:
    body = "".join(f"<p>{p}</p>" for p in ([lead] if lead else []) + paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}_示例科技网</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/index.html'>科技</a></div>"
        f"<div class='article'><h1>{title}</h1><p class='info'>{date} 来源：示例科技网</p>"
        f"{body}<p>{FOOTER}</p>{pager}</div>"
        "<div class='next'><a href='/news/b.html'>下一篇：芯片企业出货量创新高</a></div>"
        "<ul class='related'><li><a href='/news/b.html'>芯片企业出货量创新高</a></li></ul>"
        "<div class='footer'>版权所有 © 2025 示例科技网 京ICP备12345678号</div></body></html>"
    )


def page_paragraphs(number: int) -> list[str]:
    """The paragraphs of page ``number`` of the three-page article (distinct on every page)."""
    return article_text(700 + number)[1]


def build_multipage_site(root: Path, *, list_page_two: bool = True) -> Path:
    """``/news/a.html`` in three pages, ``/news/b.html`` in one, ``/news/c.html`` whose page 2 is
    missing (404); the start page links a, b, c (and a's page 2 directly)."""
    www = root / "www"
    (www / "news").mkdir(parents=True, exist_ok=True)
    (www / "robots.txt").write_text("User-agent: *\nAllow: /\n", "utf-8")
    links = ["/news/a.html", "/news/b.html", "/news/c.html"] + (["/news/a_2.html"] if list_page_two else [])
    items = "".join(f"<li><a href='{u}'>新闻 {u}</a></li>" for u in links)
    (www / "index.html").write_text(f"<html><body><ul>{items}</ul></body></html>", "utf-8")
    for number in (1, 2, 3):
        name = "a.html" if number == 1 else f"a_{number}.html"
        title = TITLE if number == 1 else f"{TITLE}({number})"
        html = article_page(title, page_paragraphs(number), _pager("a", number, 3), lead=LEAD)
        (www / "news" / name).write_text(html, "utf-8")
    title, paras = article_text(801)
    (www / "news" / "b.html").write_text(article_page(title, paras), "utf-8")
    title, paras = article_text(802)
    (www / "news" / "c.html").write_text(article_page(title, paras, _pager("c", 1, 2)), "utf-8")
    return www
