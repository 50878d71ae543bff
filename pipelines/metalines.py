"""Page metadata lines (date, 来源, 作者, 关键词, view counter, repeated title) out of the body.

The same text helpers read metadata from HTML blocks in :mod:`newsclean.pipelines.extract`, so a page and
its plain-text dump give the same metadata. A line only counts as metadata when its whole shape
says so: "2025年7月1日，某公司宣布……" starts with a date but is a sentence, and stays.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import datetime
from typing import NamedTuple

from newsclean.core.text import FIELD_TRAILERS, HAN, NOT_HEADLINE_FINAL, PROSE_MARKS
from newsclean.core.types import Line, Metadata, Removed
from newsclean.pipelines.bylines import name_list
from newsclean.pipelines.reldates import relative_stamp

CHINA_OFFSET = "+08:00"  # pages without an offset are dated in China Standard Time
HEADER_LINES = 15  # the page header (title, date, source, counter) sits within this many lines
MAX_FIELD_LINE = 100  # a metadata line is short; longer lines are prose
MAX_LEAD = 15  # a site name may stand before the date on a date line
MAX_NAME = 40  # a publisher or author name; longer is a sentence

DATE_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)\s*日?"
    r"(?:\s*T?\s*(\d{1,2})\s*[:：时時]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?\s*秒?)?"
)

SOURCE_KEYS = ("文章来源", "文章來源", "新闻来源", "新聞來源", "来源", "來源", "稿源", "出处", "出處")
AUTHOR_KEYS = ("作者", "记者", "記者", "撰文", "撰稿", "执笔人", "执笔", "發文機關", "发文机关", "文")
EDITOR_KEYS = ("责任编辑", "責任編輯", "责编", "責編", "编辑", "編輯")
CREDIT_KEYS = (
    "责任编辑",
    "責任編輯",
    "编辑",
    "編輯",
    "责编",
    "責編",
    "监制",
    "監製",
    "策划",
    "策劃",
    "主创",
    "主創",
    "校对",
    "校對",
    "审核",
    "審核",
    "摄影",
    "攝影",
    "通讯员",
    "通訊員",
    "实习生",
    "實習生",
    "发布者",
    "發布者",
)
COUNTER_KEYS = (
    "浏览次数",
    "瀏覽次數",
    "阅读量",
    "閱讀量",
    "浏览",
    "瀏覽",
    "阅读",
    "閱讀",
    "点击",
    "點擊",
    "人气",
    "人氣",
)
TIME_KEYS = (
    "发布时间",
    "發布時間",
    "發佈時間",
    "发布日期",
    "成文日期",
    "发文日期",
    "发表日期",
    "發布日期",
    "更新时间",
    "更新時間",
    "时间",
    "時間",
    "日期",
    "发布",
    "發布",
)
KEYWORD_KEYS = ("关键词", "關鍵詞", "关键字", "關鍵字", "标签", "標籤", "Tags", "TAGS", "tags", "Tag", "TAG")

_ALL_KEYS = sorted(
    SOURCE_KEYS + AUTHOR_KEYS + CREDIT_KEYS + COUNTER_KEYS + TIME_KEYS + KEYWORD_KEYS, key=len, reverse=True
)
_KEY_ALT = "|".join(re.escape(k) for k in _ALL_KEYS)
# A field: a key and a colon (the slash form "文/张三" for the author).
_LONG_KEY_ALT = "|".join(re.escape(k) for k in _ALL_KEYS if len(k) > 1)
_COUNTER_ALT = "|".join(re.escape(k) for k in COUNTER_KEYS)
# Fields inside one line, also when the page's spans run together ("10:00来源：X作者：Y阅读 38"):
# a long key and a colon; 记者 and a name; a counter and its number; 文/X only after a boundary.
_FIELD_RE = re.compile(
    rf"(?:({_LONG_KEY_ALT})\s*[:：]|(记者|記者)\s+(?=[{HAN}])|({_COUNTER_ALT})\s*(?=\d)"
    rf"|(?:^|(?<=[\s|丨｜]))(文)\s*[:：/／|｜])\s*"
)
_FIELD_START_RE = re.compile(rf"^\s*[【\[（(]?\s*({_KEY_ALT})\s*[】\]]?\s*(?:[:：]|(?<=文)\s*[/／|｜])")
_WEEKDAY_RE = re.compile(r"^(?:星期|礼拜|禮拜|周|週)[一二三四五六日天]")
_REPORTER_RE = re.compile(
    rf"^(?:本报|本報|本台|本刊|新华社|新華社|特约|特約)?(?:记者|記者|通讯员|通訊員)\s*[:：]?\s*[{HAN}·]{{2,4}}(?:[\s、，,]+[{HAN}·]{{2,4}})*$"
)
_COUNTER_RE = re.compile(rf"^(?:(?:{'|'.join(COUNTER_KEYS)})\s*[:：]?\s*)?\d{{1,9}}\s*(?:次|人|views?)?$")
_REPORTED = re.compile(r"(?<=..)(?:报道|報導|摄影|攝影|摄|攝|报|報)$")  # "张三报道" names 张三
_SEP = " \t|丨｜/／·•"
MAX_STAMP_LINE = 160
_STAMP_CUE = re.compile(
    r"(?:发布时间|發布時間|发表时间|發表時間|发表于|發表於|发布于|發布於|更新时间|更新於|发布|發布|更新|时间|時間|"
    r"日期|posted|published|于)\s*[:：]?\s*$",
    re.IGNORECASE,
)
_STAMP_AFTER = ("更新", "发布", "發布", "发表", "發表")


# ------------------------------------------------------------------ text helpers (shared)


def iso_date(text: str) -> str | None:
    """The first plausible date in ``text`` as ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS+08:00``."""
    for m in DATE_RE.finditer(text):
        iso = _iso_from_match(m)
        if iso:
            return iso
    return None


def stamp_date(text: str, *, timed: bool = False) -> str | None:
    """The date of a publication stamp inside a short line: a date with a time of day, or one
    next to 发布/更新/发表于 (``http://biz.163.com 2005-04-25 08:24:06 来源:…``,
    ``2005-04-05 06:40更新``, ``本贴由大卫于2005年8月12日16:12:21在…发表``); not a sentence's date.
    ``timed``: only a date with a time of day."""
    s = text.strip()
    if len(s) > MAX_STAMP_LINE:
        return None
    for m in DATE_RE.finditer(s):
        iso = _iso_from_match(m)
        after = s[m.end() :].lstrip()
        if not iso or after.startswith(("，", ",")):
            continue
        if m.group(4) is not None:
            return iso
        if not timed and (_STAMP_CUE.search(s[: m.start()]) or after.startswith(_STAMP_AFTER)):
            return iso
    return None


def iso_from_meta(value: str) -> str | None:
    """An ISO date-time from a meta tag (keeps its offset; none means China time)."""
    value = value.strip()
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return iso_date(value)
    if not 1900 < dt.year < 2100:
        return None
    if len(value) <= 10:
        return dt.date().isoformat()
    stamp = dt.replace(microsecond=0).isoformat()
    return stamp if dt.tzinfo else stamp + CHINA_OFFSET


def field_values(text: str) -> dict[str, str]:
    """``{key: value}`` for every ``KEY:value`` field in a short metadata line."""
    out: dict[str, str] = {}
    matches = list(_FIELD_RE.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[m.end() : end].strip(_SEP + "　")
        key = next(g for g in m.groups() if g)
        if value and key not in out:
            out[key] = value
    return out


def source_from(text: str) -> str | None:
    """The publisher in a ``来源:X`` field."""
    fields = field_values(text)
    for key in SOURCE_KEYS:
        if key in fields:
            return _first_name(fields[key])
    return None


def author_from(text: str) -> str | None:
    """The author in a ``作者:X`` / ``记者:X`` / ``文/X`` field."""
    fields = field_values(text)
    for key in AUTHOR_KEYS:
        if key in fields:
            value = re.split(r"[，。；;！？!?：:]", fields[key], maxsplit=1)[0].strip(_SEP + "　）)")
            listed = name_list(_REPORTED.sub("", value))
            if listed:
                return listed
            name = _first_name(value)
            return _REPORTED.sub("", name) if name else None
    m = _REPORTER_RE.match(text.strip())
    if m:
        return re.sub(r"^.*?(?:记者|記者|通讯员|通訊員)\s*[:：]?\s*", "", text.strip()) or None
    return None


def editor_from(text: str) -> str | None:
    """The editor in a ``责任编辑:X`` / ``编辑:X`` field: the author of record when none is named."""
    fields = field_values(text.strip().strip("（）()【】[] "))
    for key in EDITOR_KEYS:
        if key in fields:
            return name_list(fields[key]) or _first_name(fields[key])
    return None


def keywords_from(text: str) -> list[str] | None:
    """The items of a ``关键词:`` / ``Tags:`` line, or None when the line is not one."""
    m = _FIELD_START_RE.match(text)
    if not m or m.group(1) not in KEYWORD_KEYS:
        return None
    value = text[m.end() :]
    items = [w for w in re.split(r"[\s,，、;；|丨｜/]+", value) if w]
    return list(dict.fromkeys(items))


def is_date_line(text: str) -> bool:
    """A date alone, or a date followed only by metadata fields (来源, 作者, 浏览...)."""
    s = text.strip()
    if len(s) > MAX_FIELD_LINE:
        return False
    prefix = _FIELD_START_RE.match(s)
    if prefix and prefix.group(1) in TIME_KEYS:
        s = s[prefix.end() :].strip()
    m = DATE_RE.search(s)
    if not m or not _iso_from_match(m):
        return False
    lead = s[: m.start()].strip(_SEP + "　")
    rest = s[m.end() :].strip(_SEP + "　")
    # "航天快报 2025-08-14 来源：航天快报": a short site name may stand before the date, fields after it
    bad_lead = (
        len(lead) > MAX_LEAD or any(p in lead for p in "，。,；;：:！？") or not _FIELD_START_RE.match(rest)
    )
    if lead and bad_lead:
        return False
    if not rest:
        return True
    return bool(_WEEKDAY_RE.match(rest) or _FIELD_START_RE.match(rest) or _COUNTER_RE.match(rest))


def is_field_line(text: str) -> bool:
    """A short line made of ``KEY:value`` fields (来源, 作者, 编辑, 关键词, 浏览...), not prose."""
    s = text.strip()
    if len(s) > MAX_FIELD_LINE or not _FIELD_START_RE.match(s):
        return False
    inner = s.rstrip(FIELD_TRAILERS)
    return not any(ch in inner for ch in PROSE_MARKS)


# ------------------------------------------------------------------ the step


class MetaSplit(NamedTuple):
    """The body lines (renumbered among themselves), the filled metadata, the dropped lines,
    and the page index each body line had (so a caller can map fates back onto the page)."""

    body: list[Line]
    meta: Metadata
    removed: list[Removed]
    page_indexes: list[int]


def split_metadata(lines: list[Line], meta: Metadata) -> MetaSplit:
    """Take page-metadata lines out of the body and fill the metadata fields still empty."""
    meta = replace(meta, keywords=list(meta.keywords))
    header_end = _header_end(lines)
    kinds: list[str | None] = [_kind(line.text) for line in lines]
    for i in range(min(header_end, len(lines))):  # 3小时前 in the header: a stamp, in the body: prose
        if kinds[i] is None and relative_stamp(lines[i].text):
            kinds[i] = "relative"

    if meta.title is None:
        _title_from_dump(lines, kinds, header_end, meta)
    title_key = _key(meta.title) if meta.title else None

    drop: set[int] = set()
    for i, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
        if kind is not None:
            drop.add(i)
            _fill(meta, line.text, kind)
        elif i < header_end and title_key and _key(line.text) == title_key:
            kinds[i] = "title"
            drop.add(i)
    for i, line in enumerate(lines):
        if i in drop or i >= header_end or not _COUNTER_RE.match(line.text.strip()):
            continue
        near = [j for j in range(max(0, i - 2), min(len(lines), i + 3)) if j != i and kinds[j] is not None]
        if near:  # a bare number beside the date/source lines is a view counter
            drop.add(i)

    kept = [line for i, line in enumerate(lines) if i not in drop]
    page_indexes = [line.index for line in kept]
    total = len(kept)
    kept = [line.renumbered(i, total) for i, line in enumerate(kept)]
    removed = [Removed(lines[i].text, "metadata", None) for i in sorted(drop)]
    return MetaSplit(kept, meta, removed, page_indexes)


def _kind(text: str) -> str | None:
    if is_date_line(text):
        return "date"
    if keywords_from(text) is not None:
        return "keywords"
    if is_field_line(text):
        return "fields"
    if len(text) <= 30 and _REPORTER_RE.match(text.strip()):
        return "fields"
    return None


def _fill(meta: Metadata, text: str, kind: str) -> None:
    if kind == "keywords":
        if not meta.keywords:
            meta.keywords = keywords_from(text) or []
        return
    if meta.published_at is None and kind == "date":
        meta.published_at = iso_date(text)
    if kind == "relative" and meta.published_at is None and meta.published_relative is None:
        meta.published_relative = relative_stamp(text)
    if meta.source is None:
        meta.source = source_from(text)
    if meta.author is None:
        meta.author = author_from(text)


def _title_from_dump(lines: list[Line], kinds: list[str | None], header_end: int, meta: Metadata) -> None:
    """A text dump's headline: the headline-like line right before the first date/来源 line."""
    for i in range(min(header_end + 1, len(lines))):
        if kinds[i] not in ("date", "fields"):
            continue
        for j in range(i - 1, -1, -1):
            if kinds[j] is not None:
                continue
            if _headline_like(lines[j].text):
                meta.title = lines[j].text.strip()
                kinds[j] = "title"
            return
        return


def _headline_like(text: str) -> bool:
    s = text.strip()
    return 4 <= len(s) <= 80 and s[-1] not in NOT_HEADLINE_FINAL and not DATE_RE.match(s) and not s.isdigit()


def _header_end(lines: list[Line]) -> int:
    """Index of the first body-like line; the page's metadata sits before it.

    Body-like: a sentence (long, with 。！？), or the first long line of the chosen article body
    when the extractor marked one. Comma-joined spam runs at the top do not end the header.
    """
    marked = any(not line.in_main for line in lines)
    for i, line in enumerate(lines[:HEADER_LINES]):
        text = line.text
        if len(text) < 30 or is_field_line(text):
            continue
        if any(p in text for p in "。！？") or (marked and line.in_main):
            return i
    return min(len(lines), HEADER_LINES)


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def _first_name(value: str) -> str | None:
    """The name at the start of a field value; None when the "value" is a sentence."""
    value = re.split(r"[，。；;！？!?：:（(）)]", value, maxsplit=1)[0].strip(_SEP + "　,[]【】")
    if not value or len(value) > MAX_NAME or any(ch in value for ch in '="<>'):
        return None
    if value.isascii():
        return value
    return value.split()[0].strip(_SEP) or None


def _iso_from_match(m: re.Match[str]) -> str | None:
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        date = datetime(year, month, day)
    except ValueError:
        return None
    if m.group(4) is None:
        return date.date().isoformat()
    hour, minute, second = int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return date.date().isoformat()
    return f"{date.date().isoformat()}T{hour:02d}:{minute:02d}:{second:02d}{CHINA_OFFSET}"
