"""Isolated labelled lines for stage 1: article paragraphs, sentences and clauses, headlines
and their pieces, mined hard negatives, generated spam, adult, boilerplate and short content
lines, in the proportions stage 1 learns from."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from newsclean.classifiers.examples import Example
from newsclean.classifiers.fill import Pools, fill, spam_line
from newsclean.classifiers.injections import LineMaker
from newsclean.classifiers.phrases import DATED_LEAD_SHARE, dated_lead
from newsclean.classifiers.split import Side, section_headings
from newsclean.classifiers.templates import content_templates
from newsclean.classifiers.wordlists import words

_PIECE_SPLIT = re.compile(r"[,，:：!！?？;；、\s]+")
SMS_WEIGHT = 2.0  # real shop and service ads: the spam shape generated lines cover least
LEXICON_SENTENCE_WEIGHT = 2.0  # mined hard negatives: sentences with a spam-lexicon word
LEXICON_SENTENCES_PER_TERM = 40
BOILERPLATE_SENTENCES_PER_WORD = 120  # few words, each in many kinds of sentence
# Words boilerplate lines are made of. Article sentences that use them ("ICP备案" in a story on
# site registration, "这篇文章" in a closing remark) are mined as content, so the word alone
# does not make a line boilerplate.
BOILERPLATE_WORDS = words("boilerplate_words")
_SENTENCE = re.compile(r"(?<=[。！？!?；;])")


def isolated_lines(
    side: Side,
    pools: Pools,
    rng: random.Random,
    *,
    scale: float,
    per_article: int,
    hard: Sequence[str] = (),
    seed_spam: Sequence[tuple[str, str]] = (),
) -> list[Example]:
    """Isolated labelled lines in the proportions stage 1 learns from: ``side``'s real lines,
    generated lines filled from ``pools``, plus hand-written ``hard`` negatives and the seeds'
    own spam lines (``seed_spam``, (label, text))."""
    articles, headlines, extra_content = side.articles, side.headlines, side.extra_content

    def n(x: float) -> int:
        return max(1, round(x * scale))

    maker = LineMaker(pools, "train", side.sms_spam)
    out: list[Example] = []
    for a in articles:
        if rng.random() >= min(1.0, scale * 1.0001):
            continue
        paras = a["paragraphs"]
        for p in rng.sample(paras, min(len(paras), per_article)):
            if p is paras[0] and rng.random() < DATED_LEAD_SHARE:
                p = dated_lead(p, rng)
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
    content_t = content_templates()
    for k in range(n(6000)):
        t = content_t[k % len(content_t)]
        out.append(Example(fill(t.text, rng, pools), "content", "synth:" + t.family))
    for t in side.sms_spam:
        if rng.random() < scale:
            out.append(Example(t, "spam", "sms-spam", weight=SMS_WEIGHT))
    for label, t in seed_spam:
        out.append(Example(t, label, "seed", weight=2.0))
    # Per-template counts even out: every shape gets seen, not only the long families.
    for label, count in (("adult", n(24000)), ("spam", n(26000))):
        templates = [t for t in maker.spam_t if t.label == label]
        for k in range(count):
            t = templates[k % len(templates)]
            out.append(Example(spam_line(t.text, rng, pools), label, "synth:" + t.family))
    for k in range(n(16000)):
        t = maker.boiler_t[k % len(maker.boiler_t)]
        out.append(Example(fill(t.text, rng, pools), "boilerplate", "synth:" + t.family))
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
