"""Relative publication stamps (``3小时前``, ``昨天 14:30``, ``刚刚``, ``12-03 09:15``) and their dates.

Portals, aggregators and forums print how long ago an item went up instead of a date. Finding
the stamp is part of reading the page; turning it into a date needs the moment the page was
fetched, so the two are separate pure functions: :func:`relative_stamp` on the page's text,
:func:`resolve_relative` when the article is built with its ``fetched_at``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))  # the stamps are the site's local time: China Standard Time
MAX_STAMP_LINE = 60  # a stamp line is short; in a longer line "3天前" is part of a sentence

_CLOCK = r"(?:\s*(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*\d{2})?)"
_AGO = re.compile(
    r"(?<![\d.])(\d{1,3})\s*(秒钟?|秒鐘|分钟|分鐘|分|小时|小時|个?钟头|個?鐘頭|天|日|周|週|星期)\s*[之以]?前"
)
_JUST_NOW = re.compile(r"刚刚|剛剛|刚才|剛才")
_DAY_WORD = re.compile(r"(今天|今日|昨天|昨日|前天)" + _CLOCK + "?")
_MONTH_DAY = re.compile(r"(?<![\d/.-])(\d{1,2})\s*(?:[-/]|月)\s*(\d{1,2})\s*日?" + _CLOCK + r"(?![\d/.-])")
# what may stand beside a stamp on its line: publication cues, separators, 来源/作者 fields, counters
_CUE = re.compile(
    r"^(?:发布于|發佈於|发布时间|發佈時間|发表于|發表於|发布|發佈|更新于|更新|时间|時間|于|於)?\s*[:：]?\s*$"
)

_UNIT_SECONDS = {
    "秒": 1, "秒钟": 1, "秒鐘": 1, "分": 60, "分钟": 60, "分鐘": 60,
    "小时": 3600, "小時": 3600, "钟头": 3600, "个钟头": 3600, "鐘頭": 3600, "個鐘頭": 3600,
    "天": 86400, "日": 86400, "周": 7 * 86400, "週": 7 * 86400, "星期": 7 * 86400,
}  # fmt: skip
_DAYS_BACK = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
MAX_AGO_DAYS = 31  # "40天前" is rarer than a sentence's "40天前"; months and years are too coarse


def relative_stamp(text: str) -> str | None:
    """The relative stamp of a short stamp line (normalised, e.g. ``3小时前``, ``昨天 14:30``), or None.

    Only a line that is the stamp, with at most a publication cue before it and fields after it
    (``3小时前 来源：新浪科技``); not a sentence that says 三天前.
    """
    s = text.strip()
    if not s or len(s) > MAX_STAMP_LINE:
        return None
    for pattern in (_AGO, _DAY_WORD, _JUST_NOW, _MONTH_DAY):
        m = pattern.search(s)
        if m is None or not _CUE.match(s[: m.start()]) or not _stamp_tail(s[m.end() :]):
            continue
        if pattern is _AGO:
            amount, unit = int(m.group(1)), m.group(2)
            if amount * _UNIT_SECONDS[unit] > MAX_AGO_DAYS * 86400:
                return None
            return f"{amount}{unit}前"
        if pattern is _DAY_WORD and m.group(2) is None:
            return m.group(1)  # 昨天 without a time: the date only
        if pattern is _MONTH_DAY:
            month, day, hour, minute = (int(g) for g in m.groups())
            if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60):
                return None
            return f"{month:02d}-{day:02d} {hour:02d}:{minute:02d}"
        return " ".join(m.group(0).split())
    return None


def _stamp_tail(rest: str) -> bool:
    """After the stamp: nothing, a separator, or metadata fields (not the rest of a sentence)."""
    rest = rest.strip(" \u3000|｜·•-—/")
    if not rest:
        return True
    if rest[0] in "，,。；;！？":
        return False
    return rest.startswith(
        (
            "来源",
            "來源",
            "作者",
            "编辑",
            "編輯",
            "发布",
            "發佈",
            "阅读",
            "閱讀",
            "浏览",
            "瀏覽",
            "评论",
            "評論",
            "更新",
        )
    )


def resolve_relative(stamp: str | None, reference: datetime) -> str | None:
    """The ISO date (or date-time, China time) a stamp from :func:`relative_stamp` stands for.

    ``reference`` is when the page was fetched. Stamps precise to the hour or better give a
    date-time to the minute; ``N天前`` and a bare ``昨天`` give a date only.
    """
    if not stamp:
        return None
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=timezone.utc)
    now = reference.astimezone(CHINA).replace(second=0, microsecond=0)
    m = _AGO.fullmatch(stamp)
    if m:
        seconds = int(m.group(1)) * _UNIT_SECONDS[m.group(2)]
        when = now - timedelta(seconds=seconds)
        return when.date().isoformat() if seconds >= 86400 else when.isoformat()
    if _JUST_NOW.fullmatch(stamp):
        return now.isoformat()
    m = _DAY_WORD.fullmatch(stamp)
    if m:
        day = now - timedelta(days=_DAYS_BACK[m.group(1)])
        if m.group(2) is None:
            return day.date().isoformat()
        return _at(day, int(m.group(2)), int(m.group(3)))
    m = _MONTH_DAY.fullmatch(stamp)
    if m:
        month, day, hour, minute = (int(g) for g in m.groups())
        for year in (now.year, now.year - 1):  # a month and day later than today are last year's
            try:
                when = now.replace(year=year, month=month, day=day, hour=hour, minute=minute)
            except ValueError:
                continue
            if when <= now + timedelta(days=1):
                return when.isoformat()
    return None


def _at(day: datetime, hour: int, minute: int) -> str | None:
    if hour > 23 or minute > 59:
        return None
    return day.replace(hour=hour, minute=minute).isoformat()
