"""Assemble labelled lines and synthetic pages from the shared corpora and our own lists.

Honest split: every item is hashed into a part by a key that groups what must stay together —
content by article (news_articles.jsonl line number) or by the line itself for corpora without
article ids (headlines, People's Daily sentences, DRCD paragraphs, SMS rows); synthetic lines by
template id; lexicon terms and listed domains by the term. ``test`` items are never seen in
training; ``stage2`` articles/headlines build the pages the context stage learns from, so the
first stage's probabilities on them are as honest as on new pages.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsclean.classifiers import synth
from newsclean.classifiers.text import to_simplified
from newsclean.core.errors import InputError
from newsclean.core.labels import LABELS
from newsclean.core.paths import shared_dir
from newsclean.core.types import Line

_PIECE_SPLIT = re.compile(r"[,，:：!！?？;；、\s]+")
LOCAL_DATA = Path(__file__).resolve().parent / "data"

REQUIRED_FILES = (
    "news_articles.jsonl",
    "headlines.tsv",
    "lexicon_adult.txt",
    "lexicon_adult_extended.txt",
    "lexicon_gambling.txt",
    "lexicon_ads_spam.txt",
    "lexicon_illegal_domains.txt",
)
OPTIONAL_FILES = ("news_sentences_peoplesdaily.txt", "trad_paragraphs_drcd_wiki.txt", "spam_sms_labeled.tsv")

EVAL_SEED = 20261121  # seed of the held-out pages (independent of --seed)
TEST_PCT = 15  # articles / lines held out for evaluation
STAGE2_PCT = 25  # articles / headlines kept apart for the context stage
TERM_TEST_PCT = 20  # lexicon terms and domains held out
TERM_STAGE2_PCT = 10  # terms kept for the stage-2 pages and the calibrator
TERM_CALIB_PCT = 10  # terms only the calibration pages use (new to both stages, like held-out ones)
TEMPLATE_TEST_PCT = 25  # templates held out (never a family's first template)
TEMPLATE_CALIB_PCT = 10  # spam/adult templates only the calibration pages use
SECTION_CALIB_PCT = 15  # generic section headings only the calibration pages use
SMS_WEIGHT = 2.0  # real shop and service ads: the spam shape generated lines cover least
LEXICON_SENTENCE_WEIGHT = 2.0  # mined hard negatives: sentences with a spam-lexicon word
LEXICON_SENTENCES_PER_TERM = 40
BOILERPLATE_SENTENCES_PER_WORD = 120  # few words, each in many kinds of sentence
# Words boilerplate lines are made of. Article sentences that use them ("ICP备案" in a story on
# site registration, "这篇文章" in a closing remark) are mined as content, so the word alone
# does not make a line boilerplate.
BOILERPLATE_WORDS = (
    "备案", "ICP", "版权", "转载", "编辑", "来源", "免责", "声明", "本文", "文章", "帮助", "分享",
    "点击", "点赞", "转发", "登录", "注册", "订阅", "阅读", "评论", "首页", "关注", "扫码", "二维码",
    "投稿", "联系", "举报", "浏览", "收藏", "推荐", "网站", "本站", "许可", "客服", "下载", "上一篇",
)  # fmt: skip
STAGE2_PAGES = 4000
TEST_PAGES = 3000  # held-out pages: every held-out article two or three times, a narrower interval
CALIB_PAGES = 5000  # the content threshold is chosen on these: enough errors to tell thresholds apart
CALIB_EVERY = 3  # one stage-2 article/headline in three builds the calibration pages instead
CALIB_SEED_OFFSET = 7919
_SENTENCE = re.compile(r"(?<=[。！？!?；;])")


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
    return [h for h in synth.SECTION_HEADINGS if side(h) == want]


def template_part(t: synth.Template) -> str:
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
class Example:
    """One labelled line; page fields are set for lines of (synthetic or given) pages."""

    text: str
    label: str
    source: str
    weight: float = 1.0
    page: str | None = None
    line: Line | None = None

    def to_json(self) -> dict:
        d = {"text": self.text, "label": self.label, "source": self.source}
        if self.page is not None and self.line is not None:
            d.update(
                page=self.page,
                tag=self.line.tag,
                link_density=self.line.link_density,
                in_list=self.line.in_list,
                in_main=self.line.in_main,
            )
        return d


@dataclass
class Corpora:
    articles: list[dict]
    headlines: list[str]
    sentences: list[str]
    trad: list[str]
    sms: list[tuple[str, str]]
    adult: list[str]
    gamble: list[str]
    ads: list[str]
    domains: list[str]
    hard_negatives: list[str]
    seed_spam: list[tuple[str, str]]
    files: list[Path] = field(default_factory=list)


def default_data_dir() -> Path:
    base = shared_dir()
    if base is None:
        raise InputError(
            "training data not found: no ../shared folder; give --data-dir or set NEWSCLEAN_SHARED"
        )
    return base / "data"


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            raw = raw.rstrip("\n")
            if raw.strip():
                yield raw


def _local_list(name: str) -> list[str]:
    return [t for t in _lines(LOCAL_DATA / name) if not t.startswith("#")]


def load_corpora(data_dir: Path) -> Corpora:
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"training data folder not found: {data_dir}")
    missing = [n for n in REQUIRED_FILES if not (data_dir / n).is_file()]
    if missing:
        raise InputError(f"training data incomplete in {data_dir}: missing {', '.join(missing)}")
    files = [data_dir / n for n in REQUIRED_FILES + OPTIONAL_FILES if (data_dir / n).is_file()]
    try:
        articles = [json.loads(t) for t in _lines(data_dir / "news_articles.jsonl")]
    except json.JSONDecodeError as err:
        raise InputError(f"news_articles.jsonl is not JSON Lines: {err}") from None
    headlines = [t.split("\t", 1)[-1].strip() for t in _lines(data_dir / "headlines.tsv")]

    def opt(name: str) -> list[str]:
        p = data_dir / name
        return list(_lines(p)) if p.is_file() else []

    sms = []
    for t in opt("spam_sms_labeled.tsv"):
        label, _, text = t.partition("\t")
        if text.strip():
            sms.append((label, text.strip()))
    adult = _terms(data_dir / "lexicon_adult.txt") + _terms(data_dir / "lexicon_adult_extended.txt")
    seed = []
    for t in _local_list("seed_spam.txt"):
        label, _, text = t.partition("\t")
        seed.append((label, text))
    return Corpora(
        articles=articles,
        headlines=headlines,
        sentences=opt("news_sentences_peoplesdaily.txt"),
        trad=opt("trad_paragraphs_drcd_wiki.txt"),
        sms=sms,
        adult=adult,
        gamble=_terms(data_dir / "lexicon_gambling.txt"),
        ads=_terms(data_dir / "lexicon_ads_spam.txt"),
        domains=_terms(data_dir / "lexicon_illegal_domains.txt"),
        hard_negatives=_local_list("hard_negatives.txt"),
        seed_spam=seed,
        files=files,
    )


def _terms(path: Path) -> list[str]:
    return [t.strip() for t in _lines(path) if len(t.strip()) >= 2]


def data_fingerprint(files: Iterable[Path], extra: Sequence[Path] = ()) -> str:
    """sha256 over the training inputs, our own lists and templates (the version id's hash part)."""
    h = hashlib.sha256()
    local = sorted(LOCAL_DATA.glob("*.txt"))
    for p in [*files, *local, *extra]:
        h.update(p.name.encode())
        with Path(p).open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------


@dataclass
class Splits:
    """Everything training and evaluation need."""

    stage1: list[Example]  # isolated lines for the n-gram stage
    calib: list[Example]  # isolated lines (other articles/headlines) for the stage-1 calibrator
    stage2_pages: list[list[Example]]  # synthetic pages for the context stage
    test: list[Example]  # held-out: lines of test pages, then isolated hard negatives
    lexicon_train_terms: list[str]
    content_sample: list[str]
    # Pages from stage-2 articles the context stage does not learn from: the content threshold
    # of the decision rule is chosen on them (never on the held-out pages).
    calib_pages: list[list[Example]] = field(default_factory=list)


def _pools(c: Corpora, part: str, headlines: Sequence[str]) -> synth.Pools:
    want = part

    def side(terms: list[str]) -> list[str]:
        # A tiny lexicon may put no term on one side; then both sides share it (small data only).
        return [t for t in terms if term_part(t) == want] or terms

    return synth.Pools(
        adult=side(c.adult),
        gamble=side(c.gamble),
        ads=side(c.ads),
        domains=side(c.domains),
        headlines=headlines or c.headlines,
    )


class LineMaker:
    """Draws spam/adult and boilerplate lines from one side of the template split."""

    def __init__(self, pools: synth.Pools, part: str, sms_spam: Sequence[str], seed_spam=()) -> None:
        want = part if part in ("test", "calib") else "train"
        self.pools = pools
        spam_t = synth.spam_templates()
        self.spam_t = [t for t in spam_t if template_part(t) == want]
        if not self.spam_t:  # no calibration templates set aside: the training ones
            self.spam_t = [t for t in spam_t if template_part(t) == "train"]
        boiler_want = "train" if want == "calib" else want
        boiler = [t for t in synth.boilerplate_templates() if template_part(t) == boiler_want]
        self.boiler_by_family: dict[str, list[synth.Template]] = {}
        for t in boiler:
            self.boiler_by_family.setdefault(t.family, []).append(t)
        self.boiler_t = boiler
        self.sms_spam = list(sms_spam)
        self.seed_spam = list(seed_spam)

    def spam(self, rng: random.Random) -> tuple[str, str]:
        r = rng.random()
        if self.sms_spam and r < 0.06:
            return rng.choice(self.sms_spam), "spam"
        if self.seed_spam and r < 0.08:
            label, text = rng.choice(self.seed_spam)
            return text, label
        t = rng.choice(self.spam_t)
        return synth.spam_line(t.text, rng, self.pools), t.label

    def spam_of(self, rng: random.Random, label: str) -> str:
        while True:
            text, got = self.spam(rng)
            if got == label:
                return text

    def boiler(self, rng: random.Random, family: str | None = None) -> str:
        cands = self.boiler_by_family.get(family or "", None) or self.boiler_t
        return synth.fill(rng.choice(cands).text, rng, self.pools)


def _content_items(c: Corpora) -> dict[str, list[tuple[str, str]]]:
    """(text, source) content lines per part; article paragraphs grouped by article."""
    parts: dict[str, list[tuple[str, str]]] = {"train": [], "stage2": [], "test": []}
    for i, s in enumerate(c.sentences):
        parts[part_of(f"sent:{i}")].append((s, "peoplesdaily"))
    for i, s in enumerate(c.trad):
        parts[part_of(f"trad:{i}")].append((to_simplified(s), "drcd-t2s"))
    # The SMS "ham" rows are cut-off fragments of mixed text (some of it product names and
    # promotions): too noisy for either label, so they are not used.
    return parts


def build(c: Corpora, seed: int = 13, *, scale: float = 1.0, only_test: bool = False) -> Splits:
    """Build all splits. ``scale`` shrinks every count (tests use small scales); ``only_test``
    builds just the held-out lines (identical to a full build's: they have their own seed)."""
    rng = random.Random(seed)
    art_parts: dict[str, list[dict]] = {"train": [], "stage2": [], "test": []}
    for i, a in enumerate(c.articles):
        paras = [p for p in a.get("paragraphs") or () if not promotional(p)]
        if paras:
            art_parts[part_of(f"article:{i}")].append(dict(a, paragraphs=paras))
    head_parts: dict[str, list[str]] = {"train": [], "stage2": [], "test": []}
    for h in c.headlines:
        head_parts[part_of("headline:" + h)].append(h)
    sms_spam = {p: [t for lab, t in c.sms if lab == "spam" and part_of("sms:" + t) == p] for p in head_parts}
    items = _content_items(c)
    hard = {"train": [], "test": []}
    for t in c.hard_negatives:
        hard["test" if bucket("hard:" + t) < 30 else "train"].append(t)

    def n(x: float) -> int:
        return max(1, round(x * scale))

    # The held-out pages use their own fixed seed: every training seed is judged on the same lines.
    test_pages = _pages(
        c,
        art_parts["test"],
        head_parts["test"],
        items["test"],
        sms_spam["test"],
        "test",
        random.Random(EVAL_SEED),
        n(TEST_PAGES),
        (),
    )
    test = [e for page in test_pages for e in page]
    test += [Example(t, "content", "hard_negative") for t in hard["test"]]
    if only_test:
        return Splits([], [], [], test, [], [])

    # ---- stage 1 (train part) and its calibration set (stage-2 part): isolated lines
    pools = _pools(c, "train", head_parts["train"])
    stage1 = _isolated(
        c,
        art_parts["train"],
        head_parts["train"],
        items["train"],
        sms_spam["train"],
        hard["train"],
        c.seed_spam,
        pools,
        rng,
        scale,
        per_article=10,
    )
    calib_pools = _pools(c, "stage2", head_parts["stage2"])
    calib = _isolated(
        c,
        art_parts["stage2"],
        head_parts["stage2"],
        items["stage2"],
        sms_spam["stage2"],
        (),
        (),
        calib_pools,
        rng,
        scale * 0.3,
        per_article=3,
    )
    # ---- stage 2 pages; every third stage-2 article and headline builds the calibration pages
    s2_arts, cal_arts = _calib_split(art_parts["stage2"])
    s2_heads, cal_heads = _calib_split(head_parts["stage2"])
    s2_sms, cal_sms = _calib_split(sms_spam["stage2"])
    stage2_pages = _pages(
        c,
        s2_arts or art_parts["stage2"],
        s2_heads or head_parts["stage2"],
        items["stage2"],
        s2_sms or sms_spam["stage2"],
        "stage2",
        rng,
        n(STAGE2_PAGES),
        (),  # the seeds' lines are stage-1 training lines: too familiar for the context stage
    )
    calib_pages = _pages(
        c,
        cal_arts or art_parts["stage2"],
        cal_heads or head_parts["stage2"],
        items["stage2"],
        cal_sms or sms_spam["stage2"],
        "calib",  # spam from templates and terms neither stage learns from: as new as the held-out's
        random.Random(seed + CALIB_SEED_OFFSET),
        n(CALIB_PAGES),
        (),
    )
    lex_terms = pools.adult + pools.gamble + pools.ads
    content_sample = [e.text for e in stage1 if e.label == "content"][:20000]
    return Splits(stage1, calib, stage2_pages, test, lex_terms, content_sample, calib_pages)


def _calib_split(items: list) -> tuple[list, list]:
    """(stage-2 items, calibration items): every CALIB_EVERY-th item builds calibration pages."""
    return (
        [x for j, x in enumerate(items) if j % CALIB_EVERY],
        [x for j, x in enumerate(items) if not j % CALIB_EVERY],
    )


def sizes(splits: Splits) -> dict:
    """Line counts per label of each split (for the card and metrics.json)."""

    def count(examples: Iterable[Example]) -> dict[str, int]:
        out = dict.fromkeys(LABELS, 0)
        for e in examples:
            out[e.label] += 1
        return out

    return {
        "stage1": count(splits.stage1),
        "calibration": count(splits.calib),
        "stage2_pages": len(splits.stage2_pages),
        "stage2_lines": count(e for page in splits.stage2_pages for e in page),
        "held_out": count(splits.test),
        "held_out_pages": len({e.page for e in splits.test if e.page}),
    }


def _isolated(
    c: Corpora,
    articles: list[dict],
    headlines: list[str],
    extra_content: list[tuple[str, str]],
    sms_spam: list[str],
    hard: Sequence[str],
    seed_spam,
    pools: synth.Pools,
    rng: random.Random,
    scale: float,
    per_article: int,
) -> list[Example]:
    """Isolated labelled lines in the proportions stage 1 learns from."""

    def n(x: float) -> int:
        return max(1, round(x * scale))

    maker = LineMaker(pools, "train", sms_spam)
    out: list[Example] = []
    for a in articles:
        if rng.random() >= min(1.0, scale * 1.0001):
            continue
        paras = a["paragraphs"]
        for p in rng.sample(paras, min(len(paras), per_article)):
            if p is paras[0] and rng.random() < synth.DATED_LEAD_SHARE:
                p = synth.dated_lead(p, rng)
            out.append(Example(p, "content", a.get("source", "article")))
        if a.get("title"):
            out.append(Example(a["title"], "content", "title"))
        # Short paragraphs (one sentence, a closing remark, a table row of a spec) are body lines
        # too: single sentences of the article's paragraphs.
        sentences = [t.strip() for p in paras for t in _SENTENCE.split(p) if 6 <= len(t.strip()) <= 60]
        for t in rng.sample(sentences, min(len(sentences), per_article // 3)):
            out.append(Example(t, "content", "sentence"))
        # Spec and command lines of tech articles (mostly Latin letters and digits: model names,
        # versions, options) are content; without them such lines look like link-farm entries.
        latin = [t for t in _clauses(paras) if _latin_share(t) >= 0.4]
        for t in rng.sample(latin, min(len(latin), per_article // 3)):
            out.append(Example(t, "content", "latin-clause"))
    for h in rng.sample(headlines, min(len(headlines), n(30000))):
        out.append(Example(h, "content", "headline"))
    # Short section headings and captions are content too: pieces of headlines.
    for h in rng.sample(headlines, min(len(headlines), n(12000))):
        piece = rng.choice(_PIECE_SPLIT.split(h))
        if 4 <= len(piece) <= 14:
            out.append(Example(piece, "content", "headline-piece"))
    for text, src in extra_content:
        if rng.random() < scale:
            out.append(Example(text, "content", src))
    # Generic section headings ("结语", "常见问题") share no word with any article: without them
    # stage 1 reads some as boilerplate ("下一步") or worse.
    for h in section_headings("train"):
        out.append(Example(h, "content", "section-heading", weight=3.0))
    for t in hard:
        out.append(Example(t, "content", "hard_negative", weight=5.0))
    # News sentences that use a spam-lexicon word ("代理服务器", "速度与激情"): mined hard
    # negatives, so a term alone does not outweigh the sentence around it.
    for t in lexicon_sentences(articles, [*pools.adult, *pools.gamble, *pools.ads], rng):
        out.append(Example(t, "content", "lexicon-sentence", weight=LEXICON_SENTENCE_WEIGHT))
    for t in lexicon_sentences(articles, BOILERPLATE_WORDS, rng, BOILERPLATE_SENTENCES_PER_WORD):
        out.append(Example(t, "content", "boilerplate-word-sentence", weight=LEXICON_SENTENCE_WEIGHT))
    content_t = synth.content_templates()
    for k in range(n(6000)):
        t = content_t[k % len(content_t)]
        out.append(Example(synth.fill(t.text, rng, pools), "content", "synth:" + t.family))
    for t in sms_spam:
        if rng.random() < scale:
            out.append(Example(t, "spam", "sms-spam", weight=SMS_WEIGHT))
    for label, t in seed_spam:
        out.append(Example(t, label, "seed", weight=2.0))
    # Per-template counts even out: every shape gets seen, not only the long families.
    for label, count in (("adult", n(24000)), ("spam", n(26000))):
        templates = [t for t in maker.spam_t if t.label == label]
        for k in range(count):
            t = templates[k % len(templates)]
            out.append(Example(synth.spam_line(t.text, rng, pools), label, "synth:" + t.family))
    for k in range(n(16000)):
        t = maker.boiler_t[k % len(maker.boiler_t)]
        out.append(Example(synth.fill(t.text, rng, pools), "boilerplate", "synth:" + t.family))
    return out


def lexicon_sentences(
    articles: Sequence[dict],
    terms: Sequence[str],
    rng: random.Random,
    per_term: int = LEXICON_SENTENCES_PER_TERM,
) -> list[str]:
    """Article sentences (8-80 characters) containing a lexicon term, at most ``per_term`` per
    term (common words like 网络 would crowd out the rest). Terms are found through an index
    of their first two characters: one dict lookup per position instead of a huge regex."""
    by_prefix: dict[str, list[str]] = {}
    # sorted: longest term first, and the same order whatever PYTHONHASHSEED is
    for t in sorted({t for t in terms if len(t) >= 2 and "|" not in t}, key=lambda t: (-len(t), t)):
        by_prefix.setdefault(t[:2], []).append(t)
    found: dict[str, list[str]] = {}
    for a in articles:
        for p in a["paragraphs"]:
            for sent in _SENTENCE.split(p):
                sent = sent.strip()
                if not 8 <= len(sent) <= 80:
                    continue
                for i in range(len(sent) - 1):
                    cands = by_prefix.get(sent[i : i + 2])
                    hit = cands and next((t for t in cands if sent.startswith(t, i)), None)
                    if hit:
                        found.setdefault(hit, []).append(sent)
                        break
    out: list[str] = []
    for term in sorted(found):
        sents = found[term]
        out.extend(rng.sample(sents, min(per_term, len(sents))))
    return out


_CLAUSE = re.compile(r"(?<=[。！？!?；;，,：:])")
_LATIN = re.compile(r"[A-Za-z0-9]")


def _clauses(paras: Sequence[str]) -> list[str]:
    pieces = (t.strip().rstrip("，,；;") for p in paras for t in _CLAUSE.split(p))
    return [t for t in pieces if 8 <= len(t) <= 60]


def _latin_share(text: str) -> float:
    chars = [ch for ch in text if not ch.isspace()]
    return len(_LATIN.findall(text)) / max(1, len(chars))


def _pages(
    c: Corpora,
    articles: list[dict],
    headlines: list[str],
    extra_content: list[tuple[str, str]],
    sms_spam: list[str],
    part: str,
    rng: random.Random,
    count: int,
    seed_spam,
) -> list[list[Example]]:
    pools = _pools(c, part, headlines)
    maker = LineMaker(pools, part, sms_spam, seed_spam)
    sections = section_headings(part)
    pages: list[list[Example]] = []
    if not articles:
        return pages
    for k in range(count):
        a = articles[k % len(articles)]
        paras = list(a["paragraphs"])
        if len(paras) > 14:
            start = rng.randint(0, len(paras) - 14)
            paras = paras[start : start + rng.randint(6, 14)]
        if paras and rng.random() < synth.DATED_LEAD_SHARE:
            paras[0] = synth.dated_lead(paras[0], rng)
        if extra_content and rng.random() < 0.3:  # other corpora's lines as extra paragraphs
            for _ in range(rng.randint(1, 3)):
                paras.insert(rng.randint(0, len(paras)), rng.choice(extra_content)[0])
        parts = synth.PageParts(
            paragraphs=paras,
            title=a.get("title"),  # an untitled article gets no title: another story's would be noise
            headings=[h for h in (_heading(paras, sections, rng) for _ in range(3)) if h],
            related=rng.sample(headlines, min(len(headlines), rng.randint(3, 12))),
            captions=[c for c in (_caption(paras, rng),) if c],
        )
        if rng.random() < 0.03:  # now and then a page that carries no article, only spam
            parts = synth.PageParts(paragraphs=[], title=None, headings=[], related=[])
        html = rng.random() < 0.5
        page_id = f"{part}-{k}"
        rows = synth.build_page(parts, rng, maker.spam, maker.boiler, html=html)
        pages.append(
            [Example(line.text, label, f"page:{role}", page=page_id, line=line) for line, label, role in rows]
        )
    return pages


ARTICLE_HEADING_SHARE = 0.9  # section headings taken from the article's own words (else generic)
ARTICLE_CAPTION_SHARE = 0.7  # pages with a caption (always the article's words)


def _heading(paras: Sequence[str], sections: Sequence[str], rng: random.Random) -> str | None:
    """A section heading: mostly a clause of the article, else a generic one ("结语", "写在最后").
    Never another story's headline: an article's headings speak of it, and a content label on an
    unrelated headline between paragraphs would teach that injected headlines belong there."""
    if rng.random() < ARTICLE_HEADING_SHARE:
        phrase = synth.article_phrase(paras, rng)
        if phrase:
            return phrase
    return rng.choice(sections) if sections else None


def _caption(paras: Sequence[str], rng: random.Random) -> str | None:
    """A picture caption from the article's words, or none."""
    if rng.random() < ARTICLE_CAPTION_SHARE:
        phrase = synth.article_phrase(paras, rng, longest=14)
        if phrase:
            return rng.choice(("", "", "", "图为", "图：")) + phrase
    return None


def read_labelled(path: Path) -> list[Example]:
    """Labelled JSON Lines: {"text", "label", "source"} plus optional page/layout fields."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"labelled file not found: {path}")
    out: list[Example] = []
    pages: dict[str, int] = {}
    rows = []
    with path.open(encoding="utf-8") as fh:
        for no, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                d = json.loads(raw)
            except json.JSONDecodeError:
                raise InputError(f"{path}:{no}: not a JSON object") from None
            if not isinstance(d, dict) or not isinstance(d.get("text"), str) or d.get("label") not in LABELS:
                raise InputError(f"{path}:{no}: needs a text and a label in {', '.join(LABELS)}")
            rows.append(d)
            if d.get("page") is not None:
                pages[str(d["page"])] = pages.get(str(d["page"]), 0) + 1
    index: dict[str, int] = {}
    for d in rows:
        page = d.get("page")
        line = None
        if page is not None:
            page = str(page)
            i = index.get(page, 0)
            index[page] = i + 1
            line = Line(
                text=d["text"],
                tag=str(d.get("tag", "text")),
                link_density=float(d.get("link_density", 0.0)),
                in_list=bool(d.get("in_list", False)),
                in_main=bool(d.get("in_main", True)),
                index=i,
                total=pages[page],
            )
        out.append(Example(d["text"], d["label"], str(d.get("source", path.name)), page=page, line=line))
    return out


def write_labelled(path: Path, examples: Iterable[Example]) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for e in examples:
            fh.write(json.dumps(e.to_json(), ensure_ascii=False) + "\n")
