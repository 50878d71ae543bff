"""Small fixture sites for the operator tests: a list page and a few articles, quick to crawl."""

from __future__ import annotations

import json
import zlib
from html import escape
from pathlib import Path

from bench.site.generator import SPAM_TAIL, article_text


def article_page(i: int, spam: int = 0, seed: int = 0) -> str:
    """An article with no pollution, or with ``spam`` hidden and ``spam`` visible injected lines."""
    title, paras = article_text(i, seed)
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    lines = [SPAM_TAIL[k % len(SPAM_TAIL)].format(n=10 * i + k) for k in range(spam)]
    body += "".join(f'<p style="display:none">{escape(x)}</p>' for x in lines)
    body += "".join(f"<p>{escape(x)}（{k}）</p>" for k, x in enumerate(lines))
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f'<body><div class="article"><h1>{escape(title)}</h1>{body}</div></body></html>'
    )


def build_small_site(
    root: Path, ids: range, *, spam: int = 0, fail: bool = False, empty: bool = False
) -> list[str]:
    """Write (or rewrite) a site whose list page links articles ``ids``; returns their paths.

    The articles' text depends on the folder's name, so two sites never share an article.
    ``fail``: every page answers 500 (the server reads routes.json when it starts);
    ``empty``: the article pages hold no article (a changed layout).
    """
    www = root / "www"
    (www / "news").mkdir(parents=True, exist_ok=True)
    paths = [f"/news/{i}.html" for i in ids]
    links = "".join(f'<li><a href="{p}">第{i}篇</a></li>' for i, p in zip(ids, paths, strict=True))
    (www / "index.html").write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>新闻</title></head><body><ul>{links}</ul></body></html>',
        "utf-8",
    )
    for i, path in zip(ids, paths, strict=True):
        page = (
            "<html><body><p>页面改版中</p></body></html>"
            if empty
            else article_page(i, spam, seed=zlib.crc32(root.name.encode()))
        )
        (www / path.lstrip("/")).write_text(page, "utf-8")
    if fail:
        routes = {p: {"kind": "error", "status": 500} for p in ["/", *paths]}
        (root / "routes.json").write_text(json.dumps(routes), "utf-8")
    return paths


def write_sites(
    path: Path, sites: dict[str, str], starts: dict[str, list[str]] | None = None, **extra
) -> Path:
    """A sources file with one [[site]] per name -> origin, articles under /news/; ``starts``:
    the start paths of some sites (default ``/``)."""
    lines = []
    for name, origin in sites.items():
        urls = [origin + p for p in (starts or {}).get(name, ["/"])]
        lines += ["[[site]]", f'name = "{name}"', f"start_urls = {json.dumps(urls)}"]
        lines.append('article_url_pattern = "/news/\\\\d+\\\\.html$"')
        lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path
