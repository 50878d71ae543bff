"""Filling template placeholders: lexicon terms (now and then obfuscated), real headlines,
made-up names, sites, domains, numbers, dates and spec values."""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from newsclean.classifiers.obfuscate import OBFUSCATIONS, obfuscate
from newsclean.classifiers.wordlists import words

SURNAMES = "".join(words("surnames"))
GIVEN = "".join(words("given_names"))
CITIES = words("cities")
PROVINCES = words("provinces")
SECTIONS = words("sections")
SITE_WORDS = words("site_words")
SITE_SUFFIX = (*words("site_suffixes"), "")  # "" : a site name with no ending
DRUGS = words("drugs")
TLDS = words("tlds")
WEEKDAYS = "一二三四五六日"
ORGS = words("orgs")
LATIN_WORDS = words("latin_words")
SPEC_UNITS = words("spec_units")
SPEC_WORDS = words("spec_words")

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Placeholders filled with one entry of a word list.
_WORD_CHOICES: dict[str, Sequence[str]] = {
    "city": CITIES,
    "surname": SURNAMES,
    "drug": DRUGS,
    "prov": PROVINCES,
    "section": SECTIONS,
    "org": ORGS,
    "latin": LATIN_WORDS,
    "weekday": WEEKDAYS,
}


@dataclass
class Pools:
    """What templates are filled with; each side of the split has its own pools."""

    adult: Sequence[str]
    gamble: Sequence[str]
    ads: Sequence[str]
    domains: Sequence[str]
    headlines: Sequence[str]
    obfuscate: float = 0.25
    extra: dict[str, Callable[[random.Random], str]] = field(default_factory=dict)


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
        if key in _WORD_CHOICES:
            return rng.choice(_WORD_CHOICES[key])
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
            case "ver":
                return spec_version(rng)
            case "spec":
                return spec_value(rng)
            case "price":
                return str(rng.choice((99, 199, 299, 999, 1299, 1999, 2499, 2999, 3999, 4999, 5999, 8999)))
        return m.group(0)

    return _PLACEHOLDER.sub(one, template)
