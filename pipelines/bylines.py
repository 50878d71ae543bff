"""Who wrote the article: by-lines, credits and poster lines, read from text alone.

Real pages name their authors in many shapes besides ``作者：X``: a by-line under the headline
(``光明日报记者 王建宏 张文攀``, ``本报记者罗科苏盈发自北京``, ``顶端新闻·河南商报记者马俊峰/文``), a
credit closing the last paragraph (``（记者 胡晓蓉）``, ``（姚峰 上海报道）``) or opening the first
(``新华社拉萨电（记者 格桑边觉）``), a forum's poster line (``本贴由 大卫 于2005年…发表``,
``ggjjzhzz 发表于 2005-9-15``, ``发布时间 … by duscha``), or a line of names alone below the
headline. Several names are kept, space-separated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsclean.core.text import HAN

MAX_BYLINE = 60  # a by-line is short; longer lines are prose
MAX_NAMES = 6
MAX_HAN_SCREEN_NAME = 6  # a longer run of Han characters before 发表于 is the end of a sentence
MAX_LINE_NAME = 3  # a line of names alone: personal names, most of two or three characters
_NAME = rf"[{HAN}][{HAN}·]{{1,5}}"
_NAMES = rf"{_NAME}(?:[ \t　、，,]+{_NAME}){{0,{MAX_NAMES - 1}}}"
_ROLE = r"(?:特约记者|首席记者|见习记者|记者|通讯员|实习生|特约撰稿人?|撰稿人?|执笔人?)"
_OUTLET = rf"[{HAN}A-Za-z·　 ]{{0,16}}?"  # 新京报, 本报, 顶端新闻·河南商报, 新华网黑龙江频道
_TAIL = (
    rf"(?:(?:[{HAN}]{{0,8}}报道|发自[{HAN}]{{2,8}}|[/／]\s*文|[/／]?\s*摄影?)"
    rf"(?:\s*[{HAN}]{{0,8}}(?:供图|摄影?|制图|图))?)"
)

BYLINE_RE = re.compile(
    rf"^[□■▲●◆\s]*(?:整合\s*)?{_OUTLET}{_ROLE}\s*[:：]?\s*(?P<names>{_NAMES}?)\s*{_TAIL}?\s*$"
)
ROLE_ONLY_RE = re.compile(rf"^[□■\s]*(?:本报|本刊|本台)?{_ROLE}\s*[:：]?$")
NAMES_RE = re.compile(rf"^(?P<names>{_NAMES})$")
# "……。（记者 胡晓蓉）", "（常书香 马丹阳 ）", "（姚峰 上海报道）", "(信报记者 蔡雪婧)"
CREDIT_TAIL_RE = re.compile(
    rf"[（(]\s*(?:[{HAN}]{{0,6}}?{_ROLE}\s*)?(?P<names>{_NAMES}?)\s*{_TAIL}?\s*[)）]\s*$"
)
# "新华社拉萨2月13日电（记者 格桑边觉）……", "本报讯（记者 李某 通讯员 王某）"
CREDIT_LEAD_RE = re.compile(
    rf"^.{{0,30}}?(?:电|讯)\s*[（(]\s*{_ROLE}\s*(?P<names>{_NAMES}?)\s*(?:{_ROLE}\s*{_NAMES})?\s*[)）]"
)
_WORD = (
    r"[^\s:：@〓|。，,;；!！?？()（）\[\]【】<>《》\"“”]"  # a screen name: no spaces, brackets or punctuation
)
POSTER_LOOKBACK = 4  # lines above a 发表于 line searched for the poster's name
FLOOR_OR_COUNTER = re.compile(
    r"^(?:楼主|沙发|板凳|地板|地下室|\d+\s*(?:楼|#|层|樓)|#\d+|(?:积分|帖子|主题|精华|注册时间|在线时间|金钱|威望)\s*[:：]?\s*\S*)$"
)
NOT_POSTERS = frozenset(("本文", "本帖", "本贴", "文章", "此文", "该文"))
POSTER_RES = (
    re.compile(rf"(?:本贴|本帖|本文)由\s*(?P<names>{_WORD}{{2,20}}?)\s*(?:于|在|张贴|發表|发表)"),
    re.compile(rf"由\s*(?P<names>{_WORD}{{2,20}}?)\s*张贴"),
    re.compile(
        rf"\d{{1,2}}:\d{{2}}(?::\d{{2}})?\s*(?:[AaPp][Mm])?\s*by\s*\n?\s*(?P<names>{_WORD}{{2,20}})(?=\s|$|〓)"
    ),
    re.compile(rf"\[\s*(?P<names>{_NAMES})\s*\]\W{{0,3}}来源"),
)
# names alone below a headline that are not names: labels of the page header
_NOT_NAMES_TEXT = (
    "摘要 导读 正文 简介 原创 转载 推荐 评论 分享 打印 关闭 返回 首页 更多 相关 图片 视频 专题 "
    "来源 作者 编辑 责编 记者 完 图 组图 资料图 全文完 待续 本文完 上 中 下 显示 隐藏 收藏 字号 大字号 中字号 小字号 "
    "前言 引言 引子 背景 概述 序 序言 附录 注释 说明 声明 公告 通知 目录 提要 按语 编者按 结语 后记"
)
NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())


def name_list(value: str) -> str | None:
    """Space-separated names when ``value`` is only names (2-4 Han characters each, or a Latin
    name after a Chinese one: ``周思博 (Joel Spolsky)``); None otherwise."""
    value = re.sub(rf"(?:^|(?<=\s))(?:本报|本刊|本台)?{_ROLE}(?=\s|$)", " ", value).strip(" \t　,，、|丨｜/")
    m = re.match(rf"^(?P<han>{_NAME})\s*(?P<latin>[(（][A-Za-z][A-Za-z .'-]{{1,40}}[)）])$", value)
    if m:
        return f"{m.group('han')} {m.group('latin')}"
    if not NAMES_RE.match(value):
        return None
    names = [n for n in re.split(r"[ \t　、，,]+", value) if n]
    if not all(2 <= len(n) <= 4 for n in names) or any(n in NOT_NAMES for n in names):
        return None
    return " ".join(dict.fromkeys(names))


def byline_names(text: str) -> str | None:
    """The names of a by-line (``光明日报记者 王建宏 张文攀``)."""
    s = text.strip()
    if len(s) > MAX_BYLINE:
        return None
    m = BYLINE_RE.match(s)
    return name_list(m.group("names")) if m and m.group("names") else None


def credit_names(text: str, *, last: bool) -> str | None:
    """The names credited in parentheses at the end (``last``) or the start of a paragraph."""
    s = text.strip()
    m = CREDIT_TAIL_RE.search(s) if last else CREDIT_LEAD_RE.match(s)
    return name_list(m.group("names")) if m and m.group("names") else None


def poster_names(text: str) -> str | None:
    """The poster named by a forum or blog line (``本贴由 大卫 于…``, ``X 发表于``, ``by X``)."""
    found = _name_before_posted(text.split("\n"))
    if found:
        return found
    for pattern in POSTER_RES:
        m = pattern.search(text)
        if m:
            name = m.group("names").strip()
            han_only = all("\u3400" <= ch <= "\u9fff" for ch in name)
            if not re.search(r"\d{4}|[:：/=\"<>]", name) and not (
                han_only and len(name) > MAX_HAN_SCREEN_NAME
            ):
                return name
    return None


def author_in(header: Sequence[str], body: Sequence[str], after: Sequence[str] = ()) -> str | None:
    """The author named around the article: by-lines in the page header or at the body's end
    (or just ``after`` it), a credit in the first or last paragraphs, a poster line."""
    header = _lines(header)
    found = _bylines(header) or _bylines(_lines(body[-6:])) or _bylines(_lines(after))
    if found:
        return found
    for text in [*reversed(body[-5:]), *after]:
        found = credit_names(text, last=True)
        if found:
            return found
    for text in body[:2]:
        found = credit_names(text, last=False)
        if found:
            return found
    short = [t for t in [*header, *_lines(body[-8:]), *_lines(after)] if len(t) <= MAX_BYLINE]
    return poster_names("\n".join(short))


def _name_before_posted(lines: list[str]) -> str | None:
    """The screen name above a ``发表于`` line (``ggjjzhzz 发表于 …``), skipping the post's
    position (楼主, 沙发, 3楼) and the poster's counters (积分 1284)."""
    for n, line in enumerate(lines):
        head, sep, _ = line.partition("发表于")
        if not sep:
            continue
        candidates = [head.strip()] if head.strip() else []
        candidates += [lines[j].strip() for j in range(n - 1, max(-1, n - 1 - POSTER_LOOKBACK), -1)]
        for candidate in candidates:
            if FLOOR_OR_COUNTER.match(candidate):
                continue
            if candidate in NOT_POSTERS:
                return None
            if re.fullmatch(rf"{_WORD}{{2,20}}", candidate) and not re.search(r"\d{4}", candidate):
                return candidate
            break
        return None
    return None


def names_below_title(below_title: Sequence[str], body: Sequence[str]) -> str | None:
    """A line of names alone right below the headline or opening the body (``胡平``,
    ``赵延东、风笑天``): the weakest evidence, asked for last."""
    opening = [line for text in body[:2] for line in text.split("\n")[:3]]
    for text in [*below_title, *opening]:
        found = name_list(text) if len(text) <= 20 else None
        if found and all(len(name) <= MAX_LINE_NAME for name in found.split(" ")):
            return found
    return None


def _lines(texts: Sequence[str]) -> list[str]:
    return [line.strip() for text in texts for line in text.split("\n") if line.strip()]


def _bylines(texts: Sequence[str]) -> str | None:
    """All by-line names in ``texts``, a role line followed by a names line counting as one."""
    names: list[str] = []
    for i, text in enumerate(texts):
        found = byline_names(text)
        if found is None and ROLE_ONLY_RE.match(text.strip()) and i + 1 < len(texts):
            found = name_list(texts[i + 1])
        if found:
            names.extend(found.split(" "))
    return " ".join(dict.fromkeys(names)) or None
