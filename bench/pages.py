"""The benchmark's page set, built at run time from tests/pages and templates of our own.

A few hundred pages of the shapes the cleaner meets in practice: CMS article templates, portal pages
heavy with navigation, hidden SEO blocks, tail injections, link farms, GBK/Big5/UTF-8 with and
without labels, Traditional text, pinyin notes, short and very long bodies, and plain-text dumps.
The same seed gives the same pages, so two runs measure the same work. Nothing is fetched.
"""

from __future__ import annotations

import html
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from newsclean.core.paths import PROJECT_ROOT, shared_dir

PAGES_DIR = PROJECT_ROOT / "tests" / "pages"


@dataclass(frozen=True)
class BenchPage:
    """One page as the chain receives it: bytes plus what a server would have said about them."""

    name: str
    data: bytes
    url: str
    content_type: str | None = None  # the HTTP header, None for a file on disk

    @property
    def size(self) -> int:
        return len(self.data)


# ------------------------------------------------------------------ original text material

TITLES = [
    "国产固态电池中试线投产 能量密度提升三成",
    "城市算力调度平台上线 闲置服务器可跨区共享",
    "开源数据库社区发布新版本 查询性能显著改善",
    "低轨卫星互联网完成首次海上组网测试",
    "新能源汽车充电桩互联互通标准征求意见",
    "工业机器人关节减速器实现批量国产替代",
    "光纤到房间方案在多地小区试点推广",
    "高校团队研制出柔性可拉伸显示屏样品",
    "智能电表远程升级覆盖千万家庭用户",
    "芯片设计企业推出面向边缘推理的低功耗处理器",
    "无人机物流航线在山区县城常态化运行",
    "数据中心液冷改造项目节电效果超出预期",
]

PARAGRAPHS = [
    "记者从园区管委会获悉，这条中试线总投资约十二亿元，设计年产能为两千兆瓦时，首批电芯已送往整车企业进行装车验证。",
    "项目负责人介绍，新工艺把电解质涂布和叠片两道工序合并，生产节拍缩短了将近一半，良品率稳定在九成以上。",
    "业内专家认为，固态电池从实验室走向量产还要跨过成本和一致性两道坎，中试线的意义在于用真实数据回答这些问题。",
    "平台接入了本市十四家数据中心的空闲算力，企业可以按小时租用，价格比传统包年方式低百分之三十左右。",
    "据运营方统计，上线首月共完成调度任务四万余次，平均排队时间不到五分钟，主要用户是中小型软件公司和科研团队。",
    "新版本重写了查询优化器，对多表关联查询的执行计划做了大幅调整，官方测试显示部分复杂报表的耗时下降六成。",
    "社区维护者表示，本次发布共合并了来自三百多位贡献者的提交，其中近三分之一来自国内企业和高校。",
    "测试期间，搭载终端的科考船在远海连续航行九天，视频通话和数据回传均保持稳定，最高下行速率达到每秒两百兆比特。",
    "征求意见稿明确了充电接口、通信协议和支付结算的统一要求，不同运营商的充电桩今后可以用同一个应用扫码启动。",
    "过去这类精密减速器长期依赖进口，交货周期动辄半年，如今国内厂商的产品在精度保持性测试中已接近国际同类水平。",
    "试点小区的住户反映，卧室和书房的无线信号明显变好，在线会议和网课不再频繁卡顿。",
    "研究团队在论文中介绍，这种屏幕可以拉伸到原长度的一点三倍，反复拉伸五千次后亮度衰减不到百分之五。",
    "电力公司工作人员说，远程升级后电表可以按分钟记录用电数据，居民在手机上就能看到家里每台电器的大致耗电量。",
    "这款处理器集成了专用神经网络单元，典型功耗只有两瓦，适合安防摄像头、工业网关等对散热要求苛刻的设备。",
    "航线开通后，药品和生鲜从县城配送到山顶村落只需二十分钟，而过去走盘山公路需要一个多小时。",
    "改造完成后，机房的电能利用效率从一点五降到一点二以下，一年可节约用电约三千万千瓦时。",
    "不过也有分析人士提醒，新技术推广初期的维护成本较高，地方在规划时应当留出足够的运营预算。",
    "相关部门表示，下一步将总结试点经验，适时扩大应用范围，并推动形成可复制的建设和运营模式。",
    "据了解，该企业今年研发投入占营业收入的比重超过百分之十五，已累计申请相关专利两百余项。",
    "多位受访者认为，标准统一之后，用户体验会明显改善，行业竞争也会从拼数量转向拼服务质量。",
    "数据显示，今年前三季度全国新增的同类项目数量同比增长四成，其中中西部地区的增速最快。",
    "该团队下一步计划与材料企业合作，争取在两年内完成中试，并探索在可穿戴设备上的应用。",
]

SOURCES = ["科技日报网", "电子产业观察", "通信世界周刊", "新能源在线", "本网综合"]
AUTHORS = ["王明", "陈佳", "李晓东", "赵一帆", "周宁"]
SITE_NAMES = ["华夏科技网", "数码前沿", "产业资讯港", "新技术观察"]

SPAM_LINES = [
    "澳门新葡京在线娱乐 注册即送八十八元彩金",
    "真人百家乐官网 首存翻倍 提款秒到账",
    "体育投注平台 足球篮球全场滚球 每日返水",
    "午夜影院免费在线观看 高清无删减",
    "成人视频免费看 夜夜撸在线",
    "六合彩开奖直播 一码中特 内部资料",
    "代开各类发票 联系电话一三八零零零零零零零",
    "老虎机电子游戏 爆奖率最高的网站",
]
LINK_FARM_WORDS = ["娱乐", "棋牌", "彩票", "导航", "影院", "直播", "捕鱼", "电竞"]

NAV = ["首页", "新闻", "产业", "技术", "评测", "专题", "视频", "关于我们"]
FOOTER = [
    "版权所有 © 2025 本站 保留所有权利",
    "京ICP备12345678号-1 京公网安备11010502000000号",
    "联系我们 | 广告服务 | 网站地图 | 免责声明",
    "未经授权禁止转载、摘编、复制或建立镜像",
]
SHARE = ["分享到：微信 微博 QQ空间", "扫一扫在手机上阅读", "【字体：大 中 小】 【打印】 【关闭】"]

PINYIN = {"测试": "测(cè)试(shì)", "运行": "运(yùn)行(xíng)", "数据": "数(shù)据(jù)"}


# ------------------------------------------------------------------ page templates


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _date(rng: random.Random) -> str:
    return f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _body(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(PARAGRAPHS) for _ in range(n)]


def _spam_block(rng: random.Random, n: int) -> list[str]:
    return [f"{_date(rng)} {rng.choice(SPAM_LINES)}" for _ in range(n)]


def _link_farm(rng: random.Random, n: int) -> str:
    items = []
    for _ in range(n):
        host = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7))
        word = rng.choice(LINK_FARM_WORDS) + rng.choice(LINK_FARM_WORDS)
        items.append(f'<li><a href="http://www.{host}.com/">{word}{rng.randint(1, 999)}</a></li>')
    return "<ul class='links'>" + "".join(items) + "</ul>"


def _head(title: str, charset: str | None, keywords: str = "") -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    kw = f'<meta name="keywords" content="{_esc(keywords)}">' if keywords else ""
    return f"<head>{meta}<title>{_esc(title)}</title>{kw}<style>.x{{color:red}}</style></head>"


def _nav() -> str:
    return (
        "<div class='nav'><ul>"
        + "".join(f"<li><a href='/c{i}/'>{w}</a></li>" for i, w in enumerate(NAV))
        + "</ul></div>"
    )


def _furniture(rng: random.Random) -> str:
    """What makes real pages 30-150 KB: inline scripts, tracking code, a mega menu, a sidebar."""
    js = "".join(
        f"var cfg{i}={{id:{rng.randint(1, 99999)},slot:'ad-{i}',lazy:true}};window.q&&q.push(cfg{i});\n"
        for i in range(rng.randint(50, 1200))
    )
    menu = "".join(
        f"<li><a href='/{rng.choice(NAV)}/{j}.html' title='{rng.choice(NAV)}'>{rng.choice(NAV)}{j}</a></li>"
        for j in range(rng.randint(50, 400))
    )
    side = "".join(
        f"<li><a href='/p/{rng.randint(1, 99999)}.html'>{_esc(rng.choice(TITLES))}</a></li>"
        for _ in range(30)
    )
    return (
        f"<script type='text/javascript'>{js}</script><div class='mega'><ul>{menu}</ul></div>"
        f"<div class='side'><h3>推荐阅读</h3><ul>{side}</ul></div><!-- cache {rng.random()} -->"
    )


def _footer() -> str:
    return "<div class='footer'>" + "".join(f"<p>{_esc(t)}</p>" for t in FOOTER) + "</div>"


def _dedecms(rng, title, paras, meta_line, extra_tail, charset):
    ps = "".join(f"<p>{_esc(p)}</p>" for p in paras)
    return (
        f"<!DOCTYPE html><html>{_head(title + '_' + rng.choice(SITE_NAMES), charset)}<body>{_nav()}"
        f"<div class='place'>当前位置：<a href='/'>主页</a> &gt; <a href='/a/'>产业</a></div>"
        f"<div class='viewbox'><div class='title'><h2>{_esc(title)}</h2></div>"
        f"<div class='info'>{_esc(meta_line)}</div><div class='content'>{ps}</div>"
        f"<div class='share'>{_esc(rng.choice(SHARE))}</div></div>{extra_tail}{_footer()}</body></html>"
    )


def _wordpress(rng, title, paras, meta_line, extra_tail, charset):
    ps = "".join(f"<p>{_esc(p)}</p>" for p in paras)
    date = _date(rng)
    related = "".join(
        f"<li><a href='/p/{rng.randint(1, 9999)}'>{_esc(t)}</a></li>" for t in rng.sample(TITLES, 4)
    )
    return (
        f"<!DOCTYPE html><html lang='zh-CN'>{_head(title + ' – ' + rng.choice(SITE_NAMES), charset)}"
        f"<body class='single'><header class='site-header'>{_nav()}</header><main><article class='post'>"
        f"<header class='entry-header'><h1 class='entry-title'>{_esc(title)}</h1>"
        f"<div class='entry-meta'><time datetime='{date}T08:30:00+08:00'>{date}</time> {_esc(meta_line)}</div></header>"
        f"<div class='entry-content'>{ps}</div></article>"
        f"<section class='related'><h3>相关文章</h3><ul>{related}</ul></section></main>"
        f"<aside class='sidebar'><h3>热门</h3><ul>{related}</ul></aside>{extra_tail}{_footer()}</body></html>"
    )


def _table(rng, title, paras, meta_line, extra_tail, charset):
    ps = "<br>\n".join(_esc(p) for p in paras)
    return (
        f"<html>{_head(title, charset)}<body><table width='960'><tr><td colspan='2'>{_nav()}</td></tr>"
        f"<tr><td width='700'><table><tr><td class='title'><b>{_esc(title)}</b></td></tr>"
        f"<tr><td class='info'>{_esc(meta_line)}</td></tr><tr><td class='content'>{ps}</td></tr></table></td>"
        f"<td width='260'>{_link_farm(rng, 12)}</td></tr></table>{extra_tail}{_footer()}</body></html>"
    )


def _bare(rng, title, paras, meta_line, extra_tail, charset):
    ps = "\n".join(f"<p>{_esc(p)}" for p in paras)  # unclosed <p>, no <head>: sloppy but common
    return f"<html><body><h1>{_esc(title)}</h1><div>{_esc(meta_line)}</div>\n{ps}\n{extra_tail}</body></html>"


TEMPLATES = [_dedecms, _wordpress, _table, _bare]


def _pollution(rng: random.Random) -> tuple[str, str]:
    """(tail, kind): hidden spam, a tail injection, a link farm, several at once, or none."""
    kind = rng.choice(["none", "hidden", "tail", "farm", "all"])
    parts = []
    if kind in ("hidden", "all"):
        style = rng.choice(
            ["display:none", "visibility:hidden", "position:absolute;left:-9999px", "font-size:0"]
        )
        parts.append(
            f"<div style='{style}'>" + "".join(f"<p>{_esc(s)}</p>" for s in _spam_block(rng, 8)) + "</div>"
        )
    if kind in ("tail", "all"):
        parts.append(
            "<div>" + "".join(f"<p>{_esc(s)}</p>" for s in _spam_block(rng, rng.randint(3, 15))) + "</div>"
        )
    if kind in ("farm", "all"):
        parts.append(_link_farm(rng, rng.randint(20, 200)))
    return "".join(parts), kind


def _traditional(text: str) -> str:
    return _converter("s2tw").convert(text)


@lru_cache(maxsize=4)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def _synthetic(rng: random.Random, i: int) -> BenchPage:
    title = rng.choice(TITLES)
    n_paras = rng.choice([2, 4, 6, 8, 12, 20, 60])
    paras = _body(rng, n_paras)
    meta_line = (
        f"时间：{_date(rng)} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}  "
        f"来源：{rng.choice(SOURCES)}  作者：{rng.choice(AUTHORS)}"
    )
    script = rng.choice(["simplified"] * 6 + ["traditional", "pinyin"])
    if script == "pinyin":
        paras = [_pinyin(p) for p in paras]
    tail, pollution = _pollution(rng)
    if script == "traditional":
        title, paras, meta_line = (
            _traditional(title),
            [_traditional(p) for p in paras],
            _traditional(meta_line),
        )
    encoding, label, header = _encoding(rng, script)
    template = rng.choice(TEMPLATES)
    if template is not _bare and rng.random() < 0.8:
        tail += _furniture(rng)
    page = template(rng, title, paras, meta_line, tail, label)
    data = page.encode(encoding, errors="xmlcharrefreplace")
    name = f"syn-{i:04d}-{template.__name__.strip('_')}-{pollution}-{script}-{encoding}"
    return BenchPage(name, data, f"http://bench.example.cn/news/{i}.html", header)


def _pinyin(text: str) -> str:
    for plain, noted in PINYIN.items():
        text = text.replace(plain, noted)
    return text


def _encoding(rng: random.Random, script: str) -> tuple[str, str | None, str | None]:
    """(codec, <meta> charset label or None, Content-Type header or None)."""
    if script == "traditional":
        codec = rng.choice(["big5", "utf-8"])
    else:
        codec = rng.choice(["utf-8", "utf-8", "gbk", "gb18030"])
    label = {"gbk": "gb2312", "gb18030": "gbk"}.get(codec, codec)  # Chinese sites under-declare
    where = rng.choice(["meta", "header", "both", "none"])
    meta = label if where in ("meta", "both") else None
    header = f"text/html; charset={label}" if where in ("header", "both") else None
    return codec, meta, header


def _text_dump(rng: random.Random, i: int) -> BenchPage:
    """A plain-text dump of a page (as a browser's 'save as text' gives), the chain's text path."""
    title = rng.choice(TITLES)
    lines = [*NAV[:4], title, f"{_date(rng)} 来源：{rng.choice(SOURCES)}", *_body(rng, rng.randint(3, 15))]
    lines += _spam_block(rng, rng.randint(0, 10)) + FOOTER[:2]
    return BenchPage(f"txt-{i:04d}", "\n".join(lines).encode("utf-8"), f"http://bench.example.cn/t/{i}.html")


def fixture_pages() -> list[BenchPage]:
    """The hand-made test pages and, when present, the shared seed reconstructions."""
    out = []
    folders = [PAGES_DIR]
    shared = shared_dir()
    if shared is not None:
        folders.append(shared / "fixtures")
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".html", ".htm", ".txt"):
                continue
            out.append(BenchPage(f"file-{path.stem}", path.read_bytes(), _gold_url(path)))
    return out


def _gold_url(path: Path) -> str:
    import json

    gold = path.with_suffix(".gold.json")
    try:
        return json.loads(gold.read_text(encoding="utf-8"))["url"]
    except (OSError, ValueError, KeyError):
        return f"http://bench.example.cn/{path.name}"


def build_pages(count: int = 300, seed: int = 20250702) -> list[BenchPage]:
    """``count`` pages: every fixture page, the rest synthetic (about one in eight a text dump)."""
    rng = random.Random(seed)
    pages = fixture_pages()[:count]
    i = 0
    while len(pages) < count:
        pages.append(_text_dump(rng, i) if rng.random() < 0.125 else _synthetic(rng, i))
        i += 1
    return pages


def iter_pages(count: int = 300, seed: int = 20250702) -> Iterator[BenchPage]:
    yield from build_pages(count, seed)


def describe(pages: list[BenchPage]) -> dict:
    """Counts and sizes of the set, printed with the figures so a reader knows what was measured."""
    sizes = sorted(p.size for p in pages)
    total = sum(sizes)
    return {
        "pages": len(pages),
        "bytes_total": total,
        "bytes_median": sizes[len(sizes) // 2] if sizes else 0,
        "bytes_max": sizes[-1] if sizes else 0,
        "fixture_pages": sum(p.name.startswith("file-") for p in pages),
        "text_dumps": sum(p.name.startswith("txt-") for p in pages),
    }
