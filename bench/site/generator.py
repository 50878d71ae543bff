"""Generate a polluted fixture news site on disk for crawl tests and benchmarks.

Everything is deterministic for a seed. The text is written for this project: invented companies
and products in sentence templates, so every article is distinct (own numbers, own names) yet
reads like tech news. :class:`SiteMap` tells tests which URLs are articles and which special
pages exist.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from bench.site.server import ORIGIN_PLACEHOLDER as O

COMPANIES = [
    "星河微电子",
    "云杉科技",
    "北辰智能",
    "蓝鲸数据",
    "青藤软件",
    "远山半导体",
    "赤霄通信",
    "澄海云计算",
    "松果机器人",
    "白鹭光电",
    "岚图网络",
    "墨池信息",
    "鹿鸣医疗科技",
    "潮汐能源",
    "启明星芯",
    "长风航天电子",
]
PRODUCTS = [
    "边缘计算网关",
    "车规级芯片",
    "开源数据库",
    "大模型推理框架",
    "工业视觉平台",
    "折叠屏手机",
    "固态电池模组",
    "低轨卫星终端",
    "智能网联座舱",
    "量子随机数发生器",
    "国产操作系统",
    "分布式存储系统",
    "协作机器人",
]
CITIES = ["深圳", "杭州", "合肥", "成都", "苏州", "武汉", "西安", "南京", "厦门", "长沙", "青岛", "天津"]
PEOPLE = ["王海峰", "李静", "陈卓然", "赵一鸣", "刘思远", "周晓岚", "孙立", "吴文博", "郑佳怡", "黄志强"]
SOURCES = ["本网讯", "科技日报网", "电子工程观察", "城市晚报科技版", "产业观察周刊"]

TEMPLATES = [
    "{city}消息，{co}于{m}月{d}日发布新一代{prod}，官方数据显示，新产品的能效比上一代提升了{p}%，"
    "首批样品已经交付给{n}家合作伙伴进行测试。",
    "{co}首席技术官{person}在发布会上介绍，团队用了将近{y}年时间重写底层架构，"
    "目前核心代码的自主率超过{p}%，关键模块全部通过了第三方安全评估。",
    "据了解，该{prod}主要面向制造、能源和交通等行业客户，单套系统的部署周期从过去的{w}周缩短到{w2}周，"
    "运维人员可以通过统一的控制台远程升级设备。",
    "市场研究机构的统计显示，今年前三季度国内{prod}市场规模约为{b}亿元，同比增长{p}%，"
    "其中{city}及周边地区的出货量占到全国的三分之一左右。",
    "业内人士分析，{prod}赛道竞争正在加剧，价格较两年前下降了约{p}%，"
    "具备芯片、算法和整机全链条能力的企业更有机会在下一轮洗牌中胜出。",
    "{co}方面表示，公司已在{city}建成一条年产{n}万套的生产线，良品率稳定在{p2}%以上，"
    "明年计划再投入{b}亿元用于扩产和研发。",
    "值得注意的是，新产品首次支持国产指令集和开源工具链，开发者可以在{w}天内完成应用迁移，"
    "{co}同时开放了{n}个示例项目供社区下载。",
    "在当天举行的生态大会上，{co}与{co2}签署了战略合作协议，双方将在{prod}的标准制定、"
    "联合测试和海外市场拓展等方面展开为期{y}年的合作。",
    "{person}坦言，当前最大的挑战来自供应链，部分高端元器件的交货周期仍长达{w}周，"
    "公司正在与上游厂商共同验证替代方案，预计年底前完成切换。",
    "有用户在试用后反馈，{prod}在高温和强电磁干扰环境下依然运行稳定，连续{n}小时压力测试中没有出现宕机，"
    "但配套软件的中文文档还需要进一步完善。",
    "根据规划，{co}将在未来{y}年内把研发人员规模扩大到{n}人，并与{city}的{n2}所高校共建联合实验室，"
    "重点攻关低功耗设计和可靠性验证。",
    "分析师指出，随着相关行业标准在{m}月正式实施，{prod}的合规门槛明显提高，"
    "预计将有约{p}%的中小厂商退出市场，行业集中度会进一步上升。",
]
TITLES = [
    "{co}发布新一代{prod} 能效提升{p}%",
    "{co}在{city}投产{prod}生产线",
    "{prod}市场升温 {co}加码研发",
    "{co}与{co2}合作推进{prod}国产化",
    "{city}企业{co}完成{prod}关键技术验证",
]
SPAM_TAIL = [
    "2025-07-02 澳门正规赌场官网 注册即送888元 www.example-bet-{n}.com",
    "2025-07-02 【网赌平台】真人百家乐在线 日赚千元 点击进入",
    "2025-07-03 成人视频免费看 无需注册 每日更新 {n}部",
    "2025-07-03 六合彩开奖结果 特码资料 彩票平台{n}",
]
NAV = '<div class="nav"><a href="/">首页</a> | <a href="/list/1.html">科技</a> | <a href="/about.html">关于我们</a></div>'
FOOTER = (
    '<div class="footer">版权所有 © 2025 示例科技网 未经授权禁止转载 <a href="/about.html">联系我们</a> '
    "京ICP备00000000号</div>"
)


@dataclass
class SiteMap:
    """What a generated site holds, for assertions."""

    root: Path
    articles: list[str] = field(default_factory=list)  # paths that must be exported exactly once
    never_fetch: list[str] = field(default_factory=list)  # disallowed by robots.txt
    duplicates: list[str] = field(default_factory=list)  # same content as an article under another URL
    near_duplicates: list[tuple[str, str]] = field(default_factory=list)  # (article, reworded copy)
    specials: dict[str, str] = field(default_factory=dict)  # role -> path

    @property
    def article_pattern(self) -> str:
        return r"/news/\d+\.html$"


def article_text(i: int, seed: int = 0) -> tuple[str, list[str]]:
    """Title and 4-5 paragraphs of the i-th invented article."""
    rng = random.Random(seed * 100_003 + i)
    co, co2 = rng.sample(COMPANIES, 2)
    fill = {
        "co": co,
        "co2": co2,
        "prod": rng.choice(PRODUCTS),
        "city": rng.choice(CITIES),
        "person": rng.choice(PEOPLE),
        "m": rng.randint(1, 12),
        "d": rng.randint(1, 28),
        "p": rng.randint(11, 67),
        "p2": rng.randint(90, 99),
        "n": rng.randint(3, 900),
        "n2": rng.randint(2, 9),
        "y": rng.randint(2, 6),
        "w": rng.randint(6, 30),
        "w2": rng.randint(1, 5),
        "b": rng.randint(2, 300),
    }
    paras = [t.format(**fill) for t in rng.sample(TEMPLATES, rng.randint(4, 5))]
    paras[-1] += f"（记者 {rng.choice(PEOPLE)} 第{i}号稿）"
    return rng.choice(TITLES).format(**fill), paras


def article_html(i: int, seed: int = 0, charset: str = "utf-8", title_spam: bool = False) -> str:
    title, paras = article_text(i, seed)
    rng = random.Random(i)
    spam = "".join(f"<p>{escape(s.format(n=rng.randint(10, 99)))}</p>" for s in rng.sample(SPAM_TAIL, 2))
    farm = "".join(f'<a href="http://spam{k}.example.net/">免费彩票{k}</a>' for k in range(8))
    head_title = f"{title}_示例科技网" if not title_spam else f"{title}_澳门赌场_真人百家乐_示例科技网"
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{escape(head_title)}</title>'
        f'<meta name="keywords" content="科技,{escape(title[:4])}"></head><body>{NAV}'
        f'<div class="article"><h1>{escape(title)}</h1>'
        f'<div class="info">2025-0{1 + i % 9}-1{i % 10} 10:0{i % 10} 来源：{SOURCES[i % len(SOURCES)]}</div>'
        f'{body}</div><div style="display:none">{farm}</div>'
        f'<div class="related">{spam}</div>{FOOTER}</body></html>'
    )


def page_html(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<link rel="alternate" type="application/rss+xml" href="/feed.rss" title="RSS"></head>'
        f"<body>{NAV}{body}{FOOTER}</body></html>"
    )


def build_site(root: Path, n_articles: int = 48, seed: int = 0, per_list: int = 6) -> SiteMap:
    """Write the site under ``root/www`` and its ``routes.json``; returns what it holds.

    Articles are reached by list pagination (most), only a sitemap (some), only the RSS feed
    (some), and one only through a redirect; plus the special pages tests need.
    """
    root = Path(root)
    www = root / "www"
    site = SiteMap(root)
    routes: dict[str, dict] = {}

    def put(path: str, data: str | bytes) -> None:
        file = www / path.lstrip("/")
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    ids = list(range(1, n_articles + 1))
    n_sitemap = max(3, n_articles // 10)
    n_feed = max(3, n_articles // 12)
    listed, sitemap_only, feed_only = (
        ids[: -n_sitemap - n_feed],
        ids[-n_sitemap - n_feed : -n_feed],
        ids[-n_feed:],
    )
    for i in ids:
        put(f"/news/{i}.html", article_html(i, seed, title_spam=(i % 7 == 0)))
        site.articles.append(f"/news/{i}.html")

    # encodings: a GBK page announced in the header, a Big5 page announced only in <meta>
    gbk_id, big5_id, trad_id = 9001, 9002, 9003
    put(
        f"/news/{gbk_id}.html",
        article_html(gbk_id, seed, charset="gbk").encode("gbk", errors="xmlcharrefreplace"),
    )
    routes[f"/news/{gbk_id}.html"] = {"kind": "static", "content_type": "text/html; charset=gbk"}
    put(f"/news/{big5_id}.html", _to_traditional_big5(article_html(big5_id, seed, charset="big5")))
    routes[f"/news/{big5_id}.html"] = {"kind": "static", "content_type": "text/html"}
    site.articles += [f"/news/{gbk_id}.html", f"/news/{big5_id}.html"]
    del trad_id

    # the redirect: only /old/N is linked; it moves to /news/N.html
    redirected = listed[2]
    routes[f"/old/{redirected}"] = {"kind": "redirect", "to": f"/news/{redirected}.html"}
    # robots.txt forbids /private/: the article there must never be fetched
    secret = "/private/news/7777.html"
    put(secret, article_html(7777, seed))
    site.never_fetch.append(secret)
    # the same article under a second URL: exported once only
    mirror = f"/mirror/news/{listed[0]}.html"
    put(mirror, article_html(listed[0], seed))
    site.duplicates.append(mirror)
    # the same story lightly reworded: exported, marked as a near-duplicate of the other
    near_id = 9100
    put(f"/news/{near_id}.html", article_html(listed[1], seed).replace("。", "！", 1))
    site.articles.append(f"/news/{near_id}.html")
    site.near_duplicates.append((f"/news/{listed[1]}.html", f"/news/{near_id}.html"))
    # broken and awkward pages
    put("/broken/truncated.html", article_html(8001, seed)[:180])
    put("/broken/empty.html", b"")
    put("/broken/garbage.html", bytes(range(256)) * 8)
    routes["/error.html"] = {"kind": "error", "status": 500}
    routes["/cycle/a.html"] = {"kind": "redirect", "to": "/cycle/b.html"}
    routes["/cycle/b.html"] = {"kind": "redirect", "to": "/cycle/a.html"}
    put("/slow/news/8100.html", article_html(8100, seed))
    routes["/slow/news/8100.html"] = {"kind": "slow"}
    put(
        "/big/news/8200.html",
        article_html(8200, seed).replace("</body>", "<!--" + "x" * 400_000 + "--></body>"),
    )
    put("/files/report", b"%PDF-1.4\n" + bytes(range(256)) * 40)
    routes["/files/report"] = {"kind": "static", "content_type": "application/octet-stream"}
    put("/files/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(100))
    put("/about.html", page_html("关于我们", "<p>示例科技网是一个用于测试的站点。</p>"))
    site.specials = {
        "redirect": f"/old/{redirected}",
        "redirect_target": f"/news/{redirected}.html",
        "error": "/error.html",
        "missing": "/missing.html",
        "slow": "/slow/news/8100.html",
        "big": "/big/news/8200.html",
        "binary": "/files/report",
        "truncated": "/broken/truncated.html",
        "cycle": "/cycle/a.html",
    }

    # list pages with pagination; the specials hang off the first one
    pages = [listed[k : k + per_list] for k in range(0, len(listed), per_list)]
    for n, chunk in enumerate(pages, 1):
        items = []
        for i in chunk:
            href = f"/old/{i}" if i == redirected else f"/news/{i}.html"
            items.append(f'<li><a href="{href}">{escape(article_text(i, seed)[0])}</a></li>')
        if n == 1:
            items += [
                f'<li><a href="/news/{gbk_id}.html">GBK</a></li>',
                f'<li><a href="/news/{big5_id}.html">Big5</a></li>',
                f'<li><a href="{secret}">内部</a></li>',
                f'<li><a href="{mirror}">转载</a></li>',
                f'<li><a href="/news/{near_id}.html">改写</a></li>',
                *(
                    f'<li><a href="{p}">{k}</a></li>'
                    for k, p in site.specials.items()
                    if k != "redirect_target"
                ),
                '<li><a href="/broken/empty.html">空</a></li><li><a href="/broken/garbage.html">乱码</a></li>',
                '<li><a href="/files/logo.png">logo</a></li><li><a href="#top">顶部</a></li>',
                '<li><a href="http://elsewhere.example.org/news/1.html">外站</a></li>',
            ]
        nav = f'<a href="/list/{n + 1}.html">下一页</a>' if n < len(pages) else ""
        if n > 1:
            nav = f'<a href="/list/{n - 1}.html">上一页</a> ' + nav
        put(
            f"/list/{n}.html",
            page_html(f"科技新闻 第{n}页", f'<ul>{"".join(items)}</ul><div class="pages">{nav}</div>'),
        )
    put(
        "/index.html",
        page_html("示例科技网", '<a href="/list/1.html">科技新闻</a>').replace(
            "</head>",
            '<link rel="alternate" type="application/atom+xml" href="/atom.xml" title="Atom"></head>',
        ),
    )

    # discovery files
    put("/robots.txt", f"User-agent: *\nDisallow: /private/\n\nSitemap: {O}/sitemap-index.xml\n")
    put(
        "/sitemap-index.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{O}/sitemap-news.xml</loc></sitemap></sitemapindex>",
    )
    put("/sitemap-news.xml", _urlset([f"/news/{i}.html" for i in sitemap_only] + [secret]))
    put("/sitemap.xml", _urlset([f"/news/{i}.html" for i in sitemap_only[:2]]))
    half = len(feed_only) // 2
    put("/feed.rss", _rss([(article_text(i, seed)[0], f"/news/{i}.html") for i in feed_only[:half]]))
    put("/atom.xml", _atom([(article_text(i, seed)[0], f"/news/{i}.html") for i in feed_only[half:]]))
    (root / "routes.json").write_text(json.dumps(routes, indent=1), "utf-8")
    (root / "sitemap.json").write_text(
        json.dumps(
            {"articles": site.articles, "never_fetch": site.never_fetch, "duplicates": site.duplicates}
        ),
        "utf-8",
    )
    return site


def _urlset(paths: list[str]) -> str:
    urls = "".join(f"<url><loc>{O}{p}</loc><lastmod>2025-07-02</lastmod></url>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )


def _rss(entries: list[tuple[str, str]]) -> str:
    items = "".join(
        f"<item><title>{escape(t)}</title><link>{O}{p}</link><pubDate>Wed, 02 Jul 2025 08:00:00 +0800</pubDate></item>"
        for t, p in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>示例科技网</title>'
        f"<link>{O}/</link><description>科技新闻</description>{items}</channel></rss>"
    )


def _atom(entries: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<entry><title>{escape(t)}</title><link href="{O}{p}"/><id>{O}{p}</id>'
        "<updated>2025-07-02T08:00:00+08:00</updated></entry>"
        for t, p in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>示例科技网</title><id>{O}/</id><updated>2025-07-02T08:00:00+08:00</updated>{items}</feed>"
    )


def _to_traditional_big5(html: str) -> bytes:
    """Big5 bytes of the page in Traditional characters (OpenCC s2t), as Taiwan sites serve them."""
    import opencc

    return opencc.OpenCC("s2t").convert(html).encode("big5", errors="xmlcharrefreplace")
