"""Synthetic spam, adult and boilerplate lines, and synthetic pages around real articles.

Lines are filled from the hand-written templates in ``classifiers/data`` with lexicon terms,
real headlines and random numbers/domains. Every template has an id (``family/n``); the
dataset module hashes template ids and lexicon terms into train and test, so held-out lines
come from templates and terms the model never saw.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsclean.classifiers.text import to_traditional
from newsclean.core.types import Line

DATA_DIR = Path(__file__).resolve().parent / "data"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏晨宇航浩然欣怡子轩雨涵思远佳琪梓萱博文嘉"
CITIES = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "重庆",
    "武汉",
    "西安",
    "天津",
    "长沙",
    "郑州",
    "青岛",
    "厦门",
    "福州",
    "合肥",
    "济南",
    "沈阳",
    "大连",
    "昆明",
    "南宁",
    "贵阳",
    "太原",
    "石家庄",
    "哈尔滨",
    "长春",
    "南昌",
    "兰州",
    "海口",
    "宁波",
    "无锡",
    "东莞",
    "佛山",
    "泉州",
    "温州",
    "珠海",
]
PROVINCES = [
    "京",
    "沪",
    "粤",
    "浙",
    "苏",
    "闽",
    "川",
    "渝",
    "鄂",
    "陕",
    "津",
    "湘",
    "豫",
    "鲁",
    "辽",
    "吉",
    "黑",
    "皖",
    "赣",
    "桂",
    "琼",
    "滇",
    "黔",
    "晋",
    "冀",
    "蒙",
    "宁",
    "青",
    "甘",
    "新",
    "藏",
]
SECTIONS = [
    "新闻",
    "国内",
    "国际",
    "财经",
    "科技",
    "体育",
    "娱乐",
    "汽车",
    "房产",
    "教育",
    "健康",
    "文化",
    "旅游",
    "军事",
    "时政",
    "社会",
    "评论",
    "图片",
    "视频",
    "专题",
    "数码",
    "手机",
    "互联网",
    "产业",
    "公告",
    "通知",
    "政务",
    "民生",
    "本地",
    "要闻",
    "深度",
    "观察",
    "访谈",
]
SITE_WORDS = [
    "科技",
    "信息",
    "新闻",
    "资讯",
    "时报",
    "在线",
    "之窗",
    "热线",
    "频道",
    "周刊",
    "观察",
    "前沿",
    "快讯",
    "日报",
    "晚报",
    "商情",
    "门户",
    "社区",
]
SITE_SUFFIX = ["网", "在线", "门户网", "信息网", "新闻网", "资讯网", ""]
DRUGS = [
    "伟哥",
    "壮阳药",
    "延时喷剂",
    "减肥胶囊",
    "安眠药",
    "印度仿制药",
    "增高药",
    "丰胸精油",
    "迷情水",
    "催情药",
    "助孕药",
    "进口特效药",
]
TLDS = ["com", "cn", "net", "cc", "vip", "xyz", "top", "me", "tv", "info", "org", "club", "site", "win"]
WEEKDAYS = "一二三四五六日"
ORGS = [
    "人民政府门户网站",
    "中小企业公共服务平台",
    "科学技术局",
    "教育信息网",
    "电子信息窗口",
    "政务服务网",
    "工商业联合会",
    "融媒体中心",
    "文化和旅游局",
    "人力资源和社会保障局",
    "图书馆",
    "电子商会",
]
LATIN_WORDS = [
    "AI",
    "GPU",
    "5G",
    "Linux",
    "iPhone",
    "App",
    "CPU",
    "IoT",
    "SaaS",
    "VR",
    "Android",
    "Web3",
    "API",
]

# A few characters spam spells in pinyin or by initial letter to dodge keyword filters.
PINYIN = {
    "色": "se",
    "黄": "huang",
    "性": "xing",
    "淫": "yin",
    "情": "qing",
    "爱": "ai",
    "操": "cao",
    "射": "she",
    "乳": "ru",
    "奶": "nai",
    "逼": "bi",
    "穴": "xue",
    "裸": "luo",
    "精": "jing",
    "片": "pian",
    "妹": "mei",
    "美": "mei",
    "女": "nv",
    "赌": "du",
    "博": "bo",
    "彩": "cai",
    "钱": "qian",
    "码": "ma",
    "约": "yue",
    "炮": "pao",
    "骚": "sao",
    "欲": "yu",
    "偷": "tou",
    "拍": "pai",
    "av": "a v",
}
SYMBOLS = "*#★☆♥·-_~^.°•◆"
EMOJI = "🔥💋🍑🐻🎰💰🌸✨😍👉🈲🔞"
HOMOGLYPH_OUT = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "v": "ν"}
OBFUSCATIONS = ("spaced", "symbols", "fullwidth", "homoglyph", "emoji", "pinyin", "initials", "traditional")

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Template:
    family: str
    label: str
    text: str
    index: int

    @property
    def id(self) -> str:
        return f"{self.family}/{self.index}"


def _read_templates(path: Path, with_label: bool) -> list[Template]:
    out: list[Template] = []
    counts: dict[str, int] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        if with_label:
            family, label, text = parts[0], parts[1], "\t".join(parts[2:])
        else:
            family, label, text = parts[0], "boilerplate", "\t".join(parts[1:])
        index = counts.get(family, 0)
        counts[family] = index + 1
        out.append(Template(family, label, text, index))
    return out


def spam_templates() -> list[Template]:
    return _read_templates(DATA_DIR / "spam_templates.txt", with_label=True)


def content_templates() -> list[Template]:
    """Short content lines (captions, spec and version lines, headings); label ``content``."""
    return [
        Template(t.family, "content", t.text, t.index)
        for t in _read_templates(DATA_DIR / "content_templates.txt", with_label=False)
    ]


def boilerplate_templates() -> list[Template]:
    return _read_templates(DATA_DIR / "boilerplate_templates.txt", with_label=False)


@dataclass
class Pools:
    """What templates are filled with; the dataset module gives train or test pools."""

    adult: Sequence[str]
    gamble: Sequence[str]
    ads: Sequence[str]
    domains: Sequence[str]
    headlines: Sequence[str]
    obfuscate: float = 0.25
    extra: dict[str, Callable[[random.Random], str]] = field(default_factory=dict)


SPEC_UNITS = ("GB", "TB", "MB/s", "GHz", "MHz", "Hz", "mAh", "W", "MT/s", "nm", "英寸", "万像素", "mm", "g")
SPEC_WORDS = (
    "DDR5",
    "LPDDR5X",
    "PCIe 4.0",
    "PCIe 5.0",
    "USB-C",
    "Wi-Fi 7",
    "OLED",
    "IPS",
    "NVMe",
    "HDR",
    "NFC",
)


def spec_version(rng: random.Random) -> str:
    parts = [str(rng.randint(0, 20)), str(rng.randint(0, 30))] + [str(rng.randint(0, 99))] * rng.randint(0, 1)
    return rng.choice(("v", "V", "", "")) + ".".join(parts)


def spec_value(rng: random.Random) -> str:
    """One spec item: a number with a unit, or a standard's name."""
    if rng.random() < 0.3:
        return rng.choice(SPEC_WORDS)
    number = rng.choice(
        (str(2 ** rng.randint(1, 11)), str(rng.randint(1, 9999)), f"{rng.randint(1, 9)}.{rng.randint(0, 9)}")
    )
    return number + rng.choice(SPEC_UNITS)


# Section headings that name no word of their article, written for this project. An article's
# own title, headings and captions speak of it; a heading that does not is one of these.
SECTION_HEADINGS = (
    "写在最后", "写在前面", "结语", "总结", "小结", "背景", "前言", "引言", "概述", "简介", "安装",
    "配置", "使用方法", "快速上手", "准备工作", "常见问题", "下一步", "展望", "结论", "测试结果",
    "性能对比", "工作原理", "实现思路", "案例分析", "附录", "致谢", "解决方案", "代码示例", "注意事项",
    "专家观点", "市场反应", "业内声音", "事件回顾", "现场直击", "数据解读", "记者手记", "编者按",
    "问题在哪里", "怎么办", "为什么重要", "还有哪些不足", "未来会怎样", "上手体验", "外观设计",
    "续航表现", "价格与上市时间", "我的看法", "最后", "第一步", "第二步", "动手试试", "环境要求",
    "依赖项", "从源码构建", "升级说明", "已知问题", "版本变化", "新特性一览", "兼容性", "调试技巧",
    "排错指南", "延伸思考", "一点感想", "开场白", "来龙去脉", "关键数字", "多方回应", "官方说法",
    "网友热议", "幕后故事", "人物小传", "时间线", "现状", "挑战", "机遇", "对策", "影响几何",
    "各方看法", "深度分析", "拍照体验", "屏幕素质", "系统与软件", "游戏表现", "散热表现", "购买建议",
)  # fmt: skip

SPAM_END_SHARE = 0.1  # injected lines that close like a sentence ("速来！", "激情视频……")
SPAM_ENDINGS = ("。", "！", "!!", "……", "～", "？", "…")
_CLOSED = tuple("。！？!?…～")


def spam_line(template: str, rng: random.Random, pools: Pools) -> str:
    """A filled spam/adult template, now and then closed like a sentence: a sentence's end must
    not read as the mark of a paragraph."""
    text = fill(template, rng, pools)
    if rng.random() < SPAM_END_SHARE and not text.endswith(_CLOSED):
        text += rng.choice(SPAM_ENDINGS)
    return text


DATED_LEAD_SHARE = 0.3  # share of synthetic pages whose first paragraph opens with a date


def dated_lead(paragraph: str, rng: random.Random) -> str:
    """The paragraph as a dated news lead ("6月9日，…", "2025年6月9日，…"). Leads open with a date
    in most Chinese news, the training corpora rarely do; without them a date at the start of
    a line reads as the mark of injected "date + headline + keywords" lines."""
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    date = rng.choice((f"{month}月{day}日", f"{rng.randint(2015, 2026)}年{month}月{day}日"))
    return date + rng.choice(("，", "，", " ", "晚间，", "上午，")) + paragraph


_CLAUSE_SPLIT = re.compile(r"[，。；：！？,;:!?、（）()“”\s]+")


def article_phrase(paragraphs: Sequence[str], rng: random.Random, longest: int = 16) -> str | None:
    """A clause of the article (4 to ``longest`` characters) for a section heading or a caption:
    those speak of the article, unlike the related-news headlines after it."""
    pieces = [
        c
        for p in paragraphs
        for c in _CLAUSE_SPLIT.split(p)
        if 4 <= len(c) <= longest and sum(ch.isdigit() for ch in c) * 3 < len(c)  # not a date or a number
    ]
    return rng.choice(pieces) if pieces else None


def article_word(paragraphs: Sequence[str], rng: random.Random) -> str | None:
    """A two- to four-character piece of the article: a keyword a site would tag it with."""
    phrase = article_phrase(paragraphs, rng)
    if not phrase:
        return None
    size = rng.randint(2, 4)
    start = rng.randint(0, max(0, len(phrase) - size))
    return phrase[start : start + size]


def name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def random_domain(rng: random.Random) -> str:
    letters = string.ascii_lowercase + string.digits
    body = "".join(rng.choice(letters) for _ in range(rng.randint(3, 9)))
    return f"{body}.{rng.choice(TLDS)}"


def site_name(rng: random.Random) -> str:
    head = rng.choice([rng.choice(CITIES), rng.choice(PROVINCES) + rng.choice(PROVINCES), name(rng)[1:]])
    return head + rng.choice(SITE_WORDS) + rng.choice(SITE_SUFFIX)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def obfuscate(term: str, how: str, rng: random.Random) -> str:
    """Spell a term the ways spam does to slip past keyword lists."""
    if how == "spaced":
        return " ".join(term)
    if how == "symbols":
        sym = rng.choice(SYMBOLS)
        return sym.join(term)
    if how == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in term)
    if how == "homoglyph":
        return "".join(HOMOGLYPH_OUT.get(c, c) if rng.random() < 0.7 else c for c in term.lower())
    if how == "emoji":
        pos = rng.randint(1, max(1, len(term) - 1))
        return term[:pos] + rng.choice(EMOJI) + term[pos:]
    if how == "pinyin":
        hits = [i for i, c in enumerate(term) if c in PINYIN]
        if hits:
            i = rng.choice(hits)
            return term[:i] + PINYIN[term[i]] + term[i + 1 :]
        return term
    if how == "initials":
        return "".join(PINYIN[c][0] if c in PINYIN and rng.random() < 0.6 else c for c in term)
    if how == "traditional":
        return to_traditional(term)
    return term


def _term(pool: Sequence[str], rng: random.Random, pools: Pools) -> str:
    term = rng.choice(pool).replace("|", rng.choice(("", " ", "")))
    if rng.random() < pools.obfuscate:
        term = obfuscate(term, rng.choice(OBFUSCATIONS), rng)
    return term


def fill(template: str, rng: random.Random, pools: Pools) -> str:
    """Fill every placeholder; each occurrence draws anew."""
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    year = rng.randint(2005, 2026)

    def one(m: re.Match) -> str:
        key = m.group(1)
        if key in pools.extra:
            return pools.extra[key](rng)
        match key:
            case "adult":
                return _term(pools.adult, rng, pools)
            case "gamble":
                return _term(pools.gamble, rng, pools)
            case "ad":
                return _term(pools.ads, rng, pools)
            case "headline":
                return rng.choice(pools.headlines)
            case "illdomain":
                return rng.choice(pools.domains)
            case "rdomain" | "domain":
                return random_domain(rng)
            case "site":
                return site_name(rng)
            case "mmdd":
                return rng.choice((f"{month:02d}月{day:02d}日", f"{month}月{day}日"))
            case "ymd" | "date":
                return rng.choice(
                    (f"{year}-{month:02d}-{day:02d}", f"{year}年{month}月{day}日", f"{year}/{month}/{day}")
                )
            case "time":
                return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
            case "phone":
                return rng.choice(("13", "15", "18", "17", "19")) + _digits(rng, 9)
            case "qq":
                return _digits(rng, rng.randint(6, 10)).lstrip("0") or "10086"
            case "wx":
                return rng.choice(("", "wx", "vip", "a")) + _digits(rng, rng.randint(5, 9))
            case "n":
                return str(rng.randint(1, 99))
            case "num":
                return str(int(10 ** rng.uniform(1, 5)))
            case "money":
                return str(rng.choice((8, 18, 38, 66, 88, 188, 288, 888)))
            case "city":
                return rng.choice(CITIES)
            case "surname":
                return rng.choice(SURNAMES)
            case "drug":
                return rng.choice(DRUGS)
            case "name":
                return name(rng)
            case "names":
                return " ".join(name(rng) for _ in range(rng.randint(2, 5)))
            case "names_dun":
                return "、".join(name(rng) for _ in range(rng.randint(2, 3)))
            case "year":
                return str(year)
            case "icp":
                return _digits(rng, 8)
            case "police":
                return _digits(rng, 14)
            case "prov":
                return rng.choice(PROVINCES)
            case "section":
                return rng.choice(SECTIONS)
            case "nav":
                sep = rng.choice((" | ", "  ", " ", "|", " · "))
                return sep.join(rng.sample(SECTIONS, rng.randint(4, 10)))
            case "email":
                return f"{random_domain(rng).split('.')[0]}@{random_domain(rng)}"
            case "page":
                return str(rng.randint(1, 5))
            case "pages":
                return str(rng.randint(2, 9))
            case "kw":
                head = rng.choice(pools.headlines)
                start = rng.randint(0, max(0, len(head) - 2))
                return head[start : start + rng.randint(2, 4)]
            case "org":
                return rng.choice(ORGS)
            case "latin":
                return rng.choice(LATIN_WORDS)
            case "weekday":
                return rng.choice(WEEKDAYS)
            case "ver":
                return spec_version(rng)
            case "spec":
                return spec_value(rng)
            case "price":
                return str(rng.choice((99, 199, 299, 999, 1299, 1999, 2499, 2999, 3999, 4999, 5999, 8999)))
        return m.group(0)

    return _PLACEHOLDER.sub(one, template)


# ---------------------------------------------------------------------------------------------
# Pages: real article paragraphs with the furniture and injections real pages carry.


@dataclass
class PageParts:
    """Inputs of one synthetic page. ``headings`` are short real headlines used as section
    headings; ``related`` real headlines for the related-news list after the article."""

    paragraphs: Sequence[str]
    title: str | None
    headings: Sequence[str]
    related: Sequence[str]
    captions: Sequence[str] = ()


SPAM_FRAGMENTS = ("……", "↓↓↓", "→→→", "点击进入", "最新地址", "···", "↓")


def _line(text: str, tag: str, html: bool, *, main: bool = True, links: float = 0.0, in_list: bool = False):
    if not html:
        return {"text": text, "tag": "text", "link_density": 0.0, "in_list": False, "in_main": True}
    return {"text": text, "tag": tag, "link_density": links, "in_list": in_list, "in_main": main}


def build_page(
    parts: PageParts,
    rng: random.Random,
    spam: Callable[[random.Random], tuple[str, str]],
    boiler: Callable[[random.Random, str | None], str],
    *,
    html: bool,
) -> list[tuple[Line, str, str]]:
    """One page as (Line, label, role) triples in reading order (role: title, heading, related...).

    ``spam(rng)`` gives one (text, label) injected line; ``boiler(rng, family)`` one boilerplate
    line of a family (None: any). Layout: html pages mark blocks outside the article as
    ``in_main=False`` and link lists with link density 1; text dumps have no layout at all.
    """
    rows: list[tuple[dict, str, str]] = []

    def add(d: dict, label: str, role: str) -> None:
        rows.append((d, label, role))

    plain_boiler = boiler

    def boiler(r: random.Random, family: str | None = None) -> str:
        # The keyword line under a headline lists the article's own words.
        text = plain_boiler(r, family)
        if family == "tags" and parts.paragraphs and r.random() < 0.6:
            head = re.match(r"^[^:：]*[:：]\s*", text)
            words = [w for w in (article_word(parts.paragraphs, r) for _ in range(r.randint(2, 6))) if w]
            text = (head.group(0) if head else "关键词：") + r.choice((" ", ",", "、")).join(words)
        return text

    # Header: navigation, welcome line, breadcrumb.
    for fam in rng.sample(["nav", "welcome", "crumb", "nav"], rng.randint(0, 3)):
        add(
            _line(
                boiler(rng, fam), "li" if fam == "nav" else "div", html, main=False, links=1.0, in_list=True
            ),
            "boilerplate",
            fam,
        )
    if rng.random() < 0.35:  # spam injected at the top: above or below the site header
        at = 0 if rng.random() < 0.5 else len(rows)
        for _ in range(rng.randint(1, 2)):
            text, label = spam(rng)
            line = _line(text, "div", html, main=rng.random() < 0.3, links=1.0, in_list=rng.random() < 0.5)
            rows.insert(at, (line, label, "top-spam"))
    if parts.title and rng.random() < 0.8:
        add(_line(parts.title, "h1", html), "content", "title")
    if rng.random() < 0.6:
        add(_line(boiler(rng, "meta"), "div", html), "boilerplate", "meta")
        if rng.random() < 0.4:
            add(_line(boiler(rng, rng.choice(("counter", "share"))), "div", html), "boilerplate", "counter")
        if rng.random() < 0.3:  # the keyword line many sites print under the headline
            add(_line(boiler(rng, "tags"), "div", html), "boilerplate", "tags")

    # Body: paragraphs with section headings, numbers, captions and the odd injected line.
    paragraphs = list(parts.paragraphs)
    n = len(paragraphs)
    sections = sorted(rng.sample(range(1, n), min(n - 1, rng.randint(0, 3)))) if n > 3 else []
    numbered = rng.random() < 0.4
    headings = list(parts.headings)
    captions = list(parts.captions)
    for i, para in enumerate(paragraphs):
        if i in sections and headings:
            if numbered:
                add(_line(f"{sections.index(i) + 1:02d}", "p", html), "content", "number")
            add(_line(headings.pop(), rng.choice(("h2", "h3", "p")), html), "content", "heading")
        if captions and rng.random() < 0.08:
            add(_line(captions.pop(), "p", html), "content", "caption")
        add(_line(para, "p", html), "content", "paragraph")
        if i < n - 1 and rng.random() < 0.08:
            text, label = spam(rng)
            add(_line(text, "p", html, links=rng.choice((0.0, 1.0))), label, "body-spam")

    if not paragraphs:  # a page with no article at all: the spam is the body
        for _ in range(rng.randint(3, 15)):
            text, label = spam(rng)
            add(
                _line(text, rng.choice(("p", "li", "div")), html, links=rng.choice((0.0, 1.0))),
                label,
                "spam-page",
            )
    elif rng.random() < 0.3:  # articles often end with a short line: a heading, a one-sentence close
        if headings and rng.random() < 0.5:
            add(_line(headings.pop(), rng.choice(("h2", "h3", "p")), html), "content", "heading")
        closing = re.split(r"(?<=[。！？])", paragraphs[-1])[0][:60]
        add(_line(closing, "p", html), "content", "closing")

    # Tail: blocks in random order, footer last.
    blocks: list[list[tuple[dict, str, str]]] = []
    if rng.random() < 0.5:
        blocks.append(
            [
                (_line(boiler(rng, "editor"), "p", html), "boilerplate", "editor")
                for _ in range(rng.randint(1, 4))
            ]
        )
    if rng.random() < 0.4:
        block = []
        for _ in range(rng.randint(1, 3)):
            fam = rng.choice(("share", "prevnext", "tags", "social"))
            block.append((_line(boiler(rng, fam), "div", html, main=False), "boilerplate", fam))
        blocks.append(block)
    if rng.random() < 0.55 and parts.related:
        block = []
        if rng.random() < (0.6 if html else 0.9):  # text dumps: lists mostly follow a header
            block.append(
                (_line(boiler(rng, "related"), "h3", html, main=False), "boilerplate", "related-header")
            )
        for h in parts.related:
            block.append(
                (_line(h, "li", html, main=False, links=1.0, in_list=True), "boilerplate", "related")
            )
        blocks.append(block)
    if rng.random() < 0.45:
        block = []
        for _ in range(rng.randint(2, 16)):
            if rng.random() < 0.12:
                block.append((_line(rng.choice(SPAM_FRAGMENTS), "div", html, main=False), "spam", "fragment"))
            else:
                text, label = spam(rng)
                line = _line(text, "li", html, main=rng.random() < 0.3, links=1.0, in_list=True)
                block.append((line, label, "tail-spam"))
        blocks.append(block)
    rng.shuffle(blocks)
    for block in blocks:
        for d, label, role in block:
            add(d, label, role)
    for _ in range(rng.randint(0, 4)):
        fam = rng.choice(("copyright", "icp", "police", "footer", "footer", "social"))
        add(
            _line(boiler(rng, fam), "div", html, main=False, links=rng.choice((0.0, 1.0))), "boilerplate", fam
        )

    total = len(rows)
    return [
        (Line(index=i, total=total, **d), label, role)  # type: ignore[arg-type]
        for i, (d, label, role) in enumerate(rows)
    ]
