"""Keep or drop each line: the trained classifier's verdict plus the extractor's layout.

A line stays only when the classifier calls it content and it sits in the article body the
extractor chose; everything else goes to ``removed`` with a reason, so users can audit it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from newsclean.core.judge import LineJudge
from newsclean.core.text import RELATED_HEADING_RE, SENTENCE_FINAL, bigram_share
from newsclean.core.types import Line, Metadata, Removed
from newsclean.pipelines.splice import cut_spliced

MIN_DUPLICATE_CHARS = 10  # short repeats ("01", "图") are layout, not copied paragraphs
MAX_FURNITURE_CHARS = 160
_PLAYER_WORDS = (
    r"(?:倍速|高清|标清|超清|蓝光|流畅|自动|全屏|退出全屏|网页全屏|播放|暂停|重播|静音|画中画|弹幕|"
    r"关闭弹幕|开启弹幕|清晰度|音量|\d(?:\.\d+)?\s*[xX×倍]|\d{3,4}[pP]|\d{1,2}:\d{2}(?::\d{2})?)"
)
FURNITURE = (
    re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?\s*/\s*\d{1,2}:\d{2}(?::\d{2})?$"),  # player clock
    re.compile(rf"^{_PLAYER_WORDS}(?:[\s/|·]+{_PLAYER_WORDS})*$"),  # player controls
    re.compile(r"^(?:发布于|发表于|IP属地)\s*[:：]?\s*[\u4e00-\u9fff]{2,8}$"),  # where a post was sent from
    re.compile(r"^(?:平台声明|免责声明|特别声明)\s*[:：]"),  # a platform's disclaimer
    re.compile(r"^(?:首赞|点赞|赞|在看|分享|收藏|举报|打赏)(?:\s*\d+)?$"),
    re.compile(r"^(?:分享到|分享至|转发到)\s*[:：]?\s*(?:微信|微博|QQ|QQ空间|朋友圈|[\s|/、])*$"),
)
MAX_HEADING_CHARS = 16
HEADING_TAGS = frozenset(("h2", "h3", "h4", "h5", "h6"))
# 一、 （二） 3. 第四章 ...: a numbered section heading
ENUMERATED_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．]\s*\D|第[一二三四五六七八九十\d]{1,3}[章节部分])"
)
CHINESE_WORD = re.compile(r"^[\u4e00-\u9fff]+$")  # no Latin, digits or signs: names of sites, QQ ids
NEWS_ODDS_TO_KEEP = 0.0  # a lone word as likely news as spam vocabulary is the article's
GLUE_SEPARATORS = re.compile(r"[|丨,， \u3000]+")
PIECE_LINE_ENDS = (*SENTENCE_FINAL, ".", "．", "：", ":", "；", ";", "）", ")", '"', "，", "、")
NOT_CHINESE = re.compile(r"[^\u4e00-\u9fff]+")
LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9０-９Ａ-Ｚａ-ｚ]")
MIN_PIECE_CHARS, MAX_PIECE_CHARS = 2, 12
MIN_GLUED_TERMS = 2
MIN_HEADLINE_CHARS = 8  # the headline the terms are glued to: a name list has none
RELATED_LINK_SHARE = 0.5  # a line mostly link text, under a related-stories heading, is an entry
MAX_RELATED_TITLE = 40
TITLE_ECHO_SHARE = 0.7  # a title sharing this much of its bigrams with the body is the body's headline
MIN_TITLE_BIGRAMS = 4  # fewer bigrams say too little to tell an echo from chance


@dataclass(frozen=True)
class Decision:
    """What happened to one line, in page order."""

    line: Line
    kept: bool
    reason: str | None = None
    score: float | None = None


def decide(lines: Sequence[Line], classifier: LineJudge) -> list[Decision]:
    """One decision per line, in order."""
    verdicts = classifier.predict(lines) if lines else []
    news_words = _news_words(lines, verdicts, classifier)
    glued = _glued_terms(lines, verdicts, classifier)
    seen: set[str] = set()
    decisions: list[Decision] = []
    in_related = False  # after a 往期推荐 / 相关阅读 heading, until the article's prose resumes
    for i, (line, verdict) in enumerate(zip(lines, verdicts, strict=True)):
        score = round(float(verdict.score), 4)
        if RELATED_HEADING_RE.match(line.text):
            in_related = True
        elif in_related and not is_related_item(line):
            in_related = False
        if in_related and verdict.label == "content":
            decisions.append(Decision(line, False, "boilerplate", None))
        elif (verdict.label == "boilerplate" and _section_heading(lines, verdicts, i)) or (
            i in news_words and line.in_main
        ):
            decisions.append(Decision(line, True, None, None))
        elif i in news_words:  # outside the article: removed for where it is, not for its words
            decisions.append(Decision(line, False, "boilerplate", None))
        elif verdict.label != "content":
            decisions.append(Decision(line, False, verdict.label, score))
        elif i in glued:
            decisions.append(Decision(line, False, "spam", None))
        elif is_furniture(line.text):
            decisions.append(Decision(line, False, "boilerplate", None))
        elif not line.in_main:
            # Readable text outside the article container: navigation, sidebars, related lists.
            decisions.append(Decision(line, False, "boilerplate", None))
        else:
            key = _dedupe_key(line.text)
            if len(key) >= MIN_DUPLICATE_CHARS and key in seen:
                decisions.append(Decision(line, False, "duplicate", None))
            else:
                seen.add(key)
                decisions.append(Decision(line, True, None, score))
    return decisions


def cut_clauses(decisions: Sequence[Decision], judge: LineJudge) -> tuple[list[Decision], list[Removed]]:
    """Decisions after ad clauses spliced into paragraphs were cut (see :mod:`.splice`), and those clauses."""
    lines = [d.line for d in decisions]
    # a line dropped as spam or adult may come back without its ad only from inside the article
    labels = [d.reason if d.line.in_main else None for d in decisions]
    results = cut_spliced(lines, [d.kept for d in decisions], labels, judge)
    out: list[Decision] = []
    clauses: list[Removed] = []
    for d, (line, cut) in zip(decisions, results, strict=True):
        clauses += cut
        if line is None or not cut:
            out.append(d)
        else:
            out.append(Decision(line, True, None, d.score if d.kept else None))
    return out, clauses


def _section_heading(lines: Sequence[Line], verdicts: Sequence, i: int) -> bool:
    """A short heading between two body paragraphs (``<h2>芯片</h2>``, ``一、网盘``): the article's.

    A line model meets such a line without words of its own to go on and often calls it page
    furniture; its place says more: inside the article, heading markup or an enumerator, no
    link, content on both sides. Spam and adult verdicts are never overridden.
    """
    if not 0 < i < len(lines) - 1:
        return False
    line = lines[i]
    text = line.text.strip()
    if not line.in_main or line.link_density > 0 or len(text) > MAX_HEADING_CHARS:
        return False
    if line.tag not in HEADING_TAGS and not ENUMERATED_HEADING.match(text):
        return False
    if text.endswith(SENTENCE_FINAL) or RELATED_HEADING_RE.match(text):
        return False
    return all(
        lines[j].in_main and len(lines[j].text) > MAX_HEADING_CHARS and verdicts[j].label == "content"
        for j in (i - 1, i + 1)
    )


def _news_words(lines: Sequence[Line], verdicts: Sequence, classifier: LineJudge) -> set[int]:
    """Indexes of short lines called spam or adult whose words read as news (芯片, 一、无人机).

    Two character models, clean news and spam vocabulary, neither looking at shape, judge the
    words: at least as likely news as spam is news. The line classifier meets few content lines
    this short, so its verdict on them leans on shape. Such a line alone between two content
    lines of the article is kept; elsewhere (a 芯片 menu entry) it is still removed, as
    boilerplate rather than adult.
    """
    found: dict[int, str] = {}
    for i, v in enumerate(verdicts):
        if v.label in ("spam", "adult"):
            word = lone_word_text(lines[i].text)
            if word and (not lines[i].in_main or _alone_in_article(lines, verdicts, i)):
                found[i] = word
    odds_of = getattr(classifier, "news_odds", None)  # a judge of the user's may have none
    if not found or odds_of is None:
        return set()
    odds = odds_of(list(found.values()))
    return {i for i, o in zip(found, odds, strict=True) if o >= NEWS_ODDS_TO_KEEP}


def lone_word_text(text: str) -> str | None:
    """The words of a short line of Chinese characters (after an enumerator such as 一、), else
    None: Latin letters, digits and signs are where site names and contact ids live."""
    text = text.strip()
    if len(text) > MAX_HEADING_CHARS or RELATED_HEADING_RE.match(text) or is_furniture(text):
        return None
    enumerator = ENUMERATED_HEADING.match(text)
    word = text[enumerator.end() :].strip() if enumerator else text
    return word if CHINESE_WORD.match(word) else None


def _alone_in_article(lines: Sequence[Line], verdicts: Sequence, i: int) -> bool:
    """Line ``i`` sits in the article, without a link, between two content lines."""
    if not 0 < i < len(lines) - 1 or not lines[i].in_main or lines[i].link_density > 0:
        return False
    return all(lines[j].in_main and verdicts[j].label == "content" for j in (i - 1, i + 1))


def _glued_terms(lines: Sequence[Line], verdicts: Sequence, classifier: LineJudge) -> set[int]:
    """Indexes of lines called content that are terms glued to a headline (``05月03日,真实标题,
    某某网,某某视频``): a line of three or more pieces joined by ``,``, ``|``, ``丨`` or spaces, one
    of them headline-long, ending no sentence, where at least two short pieces of Chinese, and at least half of them, read as
    spam vocabulary rather than news by the word odds (see :func:`_news_words`). The odds know
    the words, not a template, so glue of a shape the line classifier never met is caught too.
    Prose (a 。 inside, a trailing ， or .), table rows (tabs) and pieces with Latin letters or digits
    (tech names, dates) are left alone.
    """
    pieces: dict[int, list[str]] = {}
    for i, (line, v) in enumerate(zip(lines, verdicts, strict=True)):
        if v.label == "content":
            words = glued_pieces(line.text)
            if len(words) >= MIN_GLUED_TERMS:
                pieces[i] = words
    odds_of = getattr(classifier, "news_odds", None)
    if not pieces or odds_of is None:
        return set()
    flat = [w for words in pieces.values() for w in words]
    odds = iter(odds_of(flat))
    out: set[int] = set()
    for i, words in pieces.items():
        spammy = sum(next(odds) < NEWS_ODDS_TO_KEEP for _ in words)
        if spammy >= MIN_GLUED_TERMS and 2 * spammy >= len(words):
            out.add(i)
    return out


def glued_pieces(text: str) -> list[str]:
    """The short Chinese pieces of a line that may be glued terms (see :func:`_glued_terms`):
    empty for a sentence, a table row, fewer than three pieces, or no headline among them. Symbols inside a piece
    (``护☆士``) are dropped, so spaced-out terms read whole."""
    text = text.strip()
    if "\t" in text or "。" in text or text.endswith(PIECE_LINE_ENDS):
        return []
    parts = [p for p in GLUE_SEPARATORS.split(text) if p]
    if len(parts) < 3 or not any(len(NOT_CHINESE.sub("", p)) >= MIN_HEADLINE_CHARS for p in parts):
        return []
    words = [NOT_CHINESE.sub("", p) for p in parts if not LATIN_OR_DIGIT.search(p)]
    return [w for w in words if MIN_PIECE_CHARS <= len(w) <= MAX_PIECE_CHARS]


def is_related_item(line: Line) -> bool:
    """An entry of a list of other stories: a link, or a short headline that ends no sentence."""
    text = line.text.strip()
    if line.link_density >= RELATED_LINK_SHARE:
        return True
    return len(text) <= MAX_RELATED_TITLE and not text.endswith(SENTENCE_FINAL) and "，" not in text


def is_furniture(text: str) -> bool:
    """Page furniture that reads like content to a line model: a video player's controls and
    clock (``00:00 / 03:25``, ``倍速 高清``), a post's IP location (``发布于：北京市``), a platform's
    disclaimer, a like button (``首赞``)."""
    s = text.strip()
    if len(s) > MAX_FURNITURE_CHARS:
        return False
    return any(p.match(s) for p in FURNITURE)


_SPACE = re.compile(r"\s+")  # the characters str.isspace() calls white space


def _dedupe_key(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def vet_meta(meta: Metadata, kept: Sequence[Line], classifier: LineJudge) -> Metadata:
    """Keywords and title minus spam, in one batched classifier call.

    A keyword that occurs in the clean body is kept as it is: a lone word like 芯片 is too short
    for the line classifier to judge. The others stay only when the classifier calls them
    content; the title goes only when it is called spam or adult and does not echo the body (a
    spam <title> is worse than none).
    """
    body = "".join(line.text for line in kept)
    title = meta.title
    keywords = list(dict.fromkeys(meta.keywords))  # the page's order, each once
    unsure = [k for k in keywords if k not in body]
    texts = [*unsure, title] if title else unsure
    verdicts = dict(zip(texts, classifier.predict_texts(texts), strict=True)) if texts else {}
    kept_keywords = [k for k in keywords if k in body or verdicts[k].label == "content"]
    if title and verdicts[title].label in ("spam", "adult") and not echoes_body(title, body):
        title = None
    return replace(meta, keywords=kept_keywords, title=title)


def echoes_body(title: str, body: str) -> bool:
    """True when most of the title's character bigrams occur in the clean body: the headline of
    a news story about moderation or gambling uses the story's words, while an injected title
    (site names, adult terms glued to a headline) brings words the article never uses."""
    share = bigram_share(title, body, across_spaces=False, min_grams=MIN_TITLE_BIGRAMS)
    return share >= TITLE_ECHO_SHARE
