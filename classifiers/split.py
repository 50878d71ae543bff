"""Split policy: which part of the data each item belongs to.

Every item is hashed into a part by a key that groups what must stay together — content by
article (news_articles.jsonl line number) or by the line itself for corpora without article ids
(headlines, People's Daily sentences, DRCD paragraphs, SMS rows); synthetic lines by template
id; lexicon terms and listed domains by the term. ``test`` items are never seen in training;
``stage2`` articles/headlines build the pages the context stage learns from, so the first
stage's probabilities on them are as honest as on new pages.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from newsclean.classifiers.corpora import Corpora
from newsclean.classifiers.templates import Template
from newsclean.classifiers.text import to_simplified
from newsclean.classifiers.wordlists import words

TEST_PCT = 15  # articles / lines held out for evaluation
STAGE2_PCT = 25  # articles / headlines kept apart for the context stage
TERM_TEST_PCT = 20  # lexicon terms and domains held out
TERM_STAGE2_PCT = 10  # terms kept for the stage-2 pages and the calibrator
TERM_CALIB_PCT = 10  # terms only the calibration pages use (new to both stages, like held-out ones)
TEMPLATE_TEST_PCT = 25  # templates held out (never a family's first template)
TEMPLATE_CALIB_PCT = 10  # spam/adult templates only the calibration pages use
SECTION_CALIB_PCT = 15  # generic section headings only the calibration pages use
HARD_TEST_PCT = 30  # hand-written hard negatives held out
CALIB_EVERY = 3  # one stage-2 article/headline in three builds the calibration pages instead
PARTS = ("train", "stage2", "test")

_CONTACT_OR_SITE = re.compile(
    r"(?i)(?:qq|群)[群号:：\s]*\d{5,}|https?://|www\.|[a-z0-9-]+\.(?:com|cn|net)(?![a-z0-9-])|1[3-9]\d{9}"
)
_PROMO = re.compile(r"下载|官网|官方|客服|短信|咨询|热线|报名|优惠|抢购|购买|订购|加盟|领取|交流群|商家电话")


def promotional(paragraph: str) -> bool:
    """An article's own ad (a contact number or site plus a sales word): neither clean content
    nor injected spam, so it is left out of both sides rather than taught as content."""
    return bool(_CONTACT_OR_SITE.search(paragraph) and _PROMO.search(paragraph))


def bucket(key: str) -> int:
    """Stable 0..99 bucket of a key (sha1, so it does not depend on PYTHONHASHSEED)."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 100


def part_of(key: str) -> str:
    b = bucket(key)
    if b < TEST_PCT:
        return "test"
    if b < TEST_PCT + STAGE2_PCT:
        return "stage2"
    return "train"


def term_part(term: str) -> str:
    """test, stage2 (terms only the context stage meets: stage 1 is as unsure of them as of new
    terms), calib (terms only the calibration pages use) or train."""
    b = bucket("term:" + term) - TERM_TEST_PCT
    if b < 0:
        return "test"
    if b < TERM_STAGE2_PCT:
        return "stage2"
    return "calib" if b < TERM_STAGE2_PCT + TERM_CALIB_PCT else "train"


def section_headings(part: str) -> list[str]:
    """The generic section headings of one side of the split: held-out and calibration pages
    each use their own, as new to the model as their templates."""

    def side(h: str) -> str:
        b = bucket("section:" + h)
        if b < TEMPLATE_TEST_PCT:
            return "test"
        return "calib" if b < TEMPLATE_TEST_PCT + SECTION_CALIB_PCT else "train"

    want = part if part in ("test", "calib") else "train"
    return [h for h in words("section_headings") if side(h) == want]


def template_part(t: Template) -> str:
    """test, calib or train. Calib spam/adult templates are used only by the calibration pages:
    their lines are as new to the model as the held-out ones, so the content threshold is not
    chosen on familiar spam. (Boilerplate templates are too few to spare any.)"""
    if t.index == 0:
        return "train"
    b = bucket("template:" + t.id)
    if b < TEMPLATE_TEST_PCT:
        return "test"
    calib = t.label != "boilerplate" and b < TEMPLATE_TEST_PCT + TEMPLATE_CALIB_PCT
    return "calib" if calib else "train"


@dataclass
class Side:
    """The real lines one part of the split owns: articles, headlines, other corpora's content
    lines (text, source) and SMS spam rows."""

    articles: list[dict]
    headlines: list[str]
    extra_content: list[tuple[str, str]]
    sms_spam: list[str]


def sides(c: Corpora) -> dict[str, Side]:
    """The corpora cut into train, stage2 and test (an article's own ads left out of all three)."""
    articles: dict[str, list[dict]] = {p: [] for p in PARTS}
    for i, a in enumerate(c.articles):
        paras = [p for p in a.get("paragraphs") or () if not promotional(p)]
        if paras:
            articles[part_of(f"article:{i}")].append(dict(a, paragraphs=paras))
    headlines: dict[str, list[str]] = {p: [] for p in PARTS}
    for h in c.headlines:
        headlines[part_of("headline:" + h)].append(h)
    sms = {p: [t for lab, t in c.sms if lab == "spam" and part_of("sms:" + t) == p] for p in PARTS}
    extra: dict[str, list[tuple[str, str]]] = {p: [] for p in PARTS}
    for i, s in enumerate(c.sentences):
        extra[part_of(f"sent:{i}")].append((s, "peoplesdaily"))
    for i, s in enumerate(c.trad):
        extra[part_of(f"trad:{i}")].append((to_simplified(s), "drcd-t2s"))
    # The SMS "ham" rows are cut-off fragments of mixed text (some of it product names and
    # promotions): too noisy for either label, so they are not used.
    return {p: Side(articles[p], headlines[p], extra[p], sms[p]) for p in PARTS}


def hard_negative_parts(c: Corpora) -> dict[str, list[str]]:
    """The hand-written hard negatives: HARD_TEST_PCT% held out, the rest trained on."""
    hard: dict[str, list[str]] = {"train": [], "test": []}
    for t in c.hard_negatives:
        hard["test" if bucket("hard:" + t) < HARD_TEST_PCT else "train"].append(t)
    return hard


def calib_split(items: list) -> tuple[list, list]:
    """(stage-2 items, calibration items): every CALIB_EVERY-th item builds calibration pages."""
    return (
        [x for j, x in enumerate(items) if j % CALIB_EVERY],
        [x for j, x in enumerate(items) if not j % CALIB_EVERY],
    )


def stage2_and_calib(side: Side) -> tuple[Side, Side]:
    """The stage-2 side cut for the context stage and for the calibration pages; a cut left
    empty (tiny corpora) falls back to the whole side's items."""
    s2_arts, cal_arts = calib_split(side.articles)
    s2_heads, cal_heads = calib_split(side.headlines)
    s2_sms, cal_sms = calib_split(side.sms_spam)
    stage2 = Side(
        s2_arts or side.articles, s2_heads or side.headlines, side.extra_content, s2_sms or side.sms_spam
    )
    calib = Side(
        cal_arts or side.articles, cal_heads or side.headlines, side.extra_content, cal_sms or side.sms_spam
    )
    return stage2, calib
