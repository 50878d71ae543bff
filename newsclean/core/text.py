"""The text vocabulary every step shares: character classes, sentence ends, markup tag sets, bigrams.

One home, so two steps can never disagree on what a Han character or a sentence's end is. Where
two sets differ, they differ on purpose and their names say why.
"""

from __future__ import annotations

import re

# ------------------------------------------------------------------ characters

# Han ideographs: the unified block, extension A, the compatibility block and the supplementary
# planes (extensions B-G). Pages write rare names and places with the supplementary ones.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RE = re.compile(f"[{HAN}]")
KANA_RE = re.compile(r"[\u3040-\u30ff]")
# Han plus CJK punctuation and full-width forms: between two of these a source line break is
# no space (Chinese has no spaces between words).
CJK_RUN = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"

# ------------------------------------------------------------------ sentence ends

# What ends a sentence, closing quotes and the ellipsis included (a quoted sentence ends on 」).
SENTENCE_FINAL = tuple("。！？!?…”」』")
# A line that ends a sentence or closes a bracket: a finished line, not a cut-off teaser.
LINE_CLOSERS = (*SENTENCE_FINAL, "）", ")", "]")
# How a body paragraph ends (a full stop, a clause, or a colon that introduces a list); not ! or ?,
# which end headlines and slogans as often as paragraphs.
PARAGRAPH_FINAL = ("。", "。”", "。）", "；", ".", "：", ":")
# Sentence punctuation inside a line: a line holding one is prose, not a metadata field.
PROSE_MARKS = "。！？!?"
# What a metadata line may end with and still be a field line ("来源：新华社。").
FIELD_TRAILERS = "。！？!?；;"
# A headline never ends on these (it is a sentence or a clause of one).
NOT_HEADLINE_FINAL = "。；;，,"
# The marks that count a block's clauses when the article body is scored.
CLAUSE_MARKS_RE = re.compile(r"[，,。、；;：:！？!?]")

# ------------------------------------------------------------------ markup


def _tags(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Elements that end one text block and start another when the page is read in order.
BLOCK_TAGS = _tags(
    "address article aside blockquote caption center dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr legend li main menu nav ol p pre section "
    "summary table tbody td tfoot th thead tr ul body html"
)
# Where words part in a hidden element's recorded text: the block elements, <br>, and <marquee>
# (which scrolls its text as a unit of its own).
WORD_BREAK_TAGS = BLOCK_TAGS | {"br", "marquee"}
# Elements that hold a list of items.
LIST_CONTAINER_TAGS = frozenset(("ul", "ol", "dl", "menu"))
# Block kinds (``Block.tag``) of one item of a list or a table.
ITEM_BLOCK_TAGS = frozenset(("li", "dd", "dt", "td"))

# ------------------------------------------------------------------ bigrams


def bigrams(text: str, *, across_spaces: bool = True) -> set[str]:
    """The distinct character bigrams of ``text``.

    ``across_spaces`` joins the words first ("AI 芯片" gives "I芯"); without it a bigram never
    spans white space, which keeps a title's separate phrases apart.
    """
    if across_spaces:
        chars = "".join(text.split())
        return {chars[i : i + 2] for i in range(len(chars) - 1)}
    return {text[i : i + 2] for i in range(len(text) - 1) if not any(c.isspace() for c in text[i : i + 2])}


def bigram_share(segment: str, text: str, *, across_spaces: bool = True, min_grams: int = 1) -> float:
    """Share of the segment's distinct bigrams that occur in ``text``; 0.0 below ``min_grams``."""
    grams = bigrams(segment, across_spaces=across_spaces)
    if len(grams) < min_grams or not grams:
        return 0.0
    return sum(1 for g in grams if g in text) / len(grams)


# A heading that opens a list of other stories (往期推荐, 相关阅读...): what follows it is not the article.
# Lines are in Simplified characters by then (normalise runs before classify).
RELATED_HEADING_RE = re.compile(
    r"^[\W_]*"  # any marks around the words: 【】, ▍, ▼, ——, 👇
    r"(?:往期(?:推荐|回顾|精选|精彩)|推荐阅读|相关(?:阅读|文章|新闻|推荐|链接|报道)|延伸阅读|扩展阅读|"
    r"热门(?:推荐|文章|阅读)|精彩(?:推荐|回顾|阅读)|更多(?:精彩|阅读|推荐)|猜你喜欢|你可能(?:还)?(?:喜欢|感兴趣))"
    r"[\W_]*$"
)

# A domain or URL in (lowercased) text, also glued to Chinese. The line classifier's features have
# the same two patterns (classifiers/features.py, kept byte for byte there: the training code's
# bytes are part of a model's id); tests/test_classifier_features.py checks they stay equal.
DOMAIN_RE = re.compile(
    r"(?:https?://|www\.)\S+|[a-z0-9][a-z0-9-]{0,30}\.(?:com|cn|net|org|cc|vip|xyz|top|me|tv|info|biz|"
    r"co|io|app|club|site|online|live|fun|pw|ws|la|in|hk|tw|us|asia|wang|ltd|link|win|bet)(?![a-z0-9-])"
)  # no \b after the TLD: a domain glued to Chinese text ("bw17.cn下载") has no word boundary
# A phone, QQ, WeChat, LINE or Telegram contact in (lowercased) text.
CONTACT_RE = re.compile(
    # The lookahead lists every branch's first character: the regex engine then skips to those
    # characters instead of trying each branch at every position (3x faster, same matches).
    r"(?=[1qvwtl扣微薇威加电热进群])"
    r"(?:1[3-9]\d{9}|(?:qq|扣扣|微信|vx|v信|wx|薇信|威信|加v|电话|热线|tel|\bv)\s*[:：号]?\s*[0-9a-z_-]{5,}"
    r"|(?<![a-z])(?:line|tg|telegram)\s*(?:客服|id|号)?\s*[:：]?\s*@[0-9a-z_.-]{4,}"
    r"|(?:vx|加v|薇信|威信|进群|加群|群号))"
)  # bare "qq" / "微信" are not contacts (news about the apps names them all the time); a LINE
# or Telegram handle is one only with its "@" ("@daily" alone is a cron keyword)
# Words that ask the reader to act: what an ad clause glued to a paragraph says.
CALL_TO_ACTION_RE = re.compile(
    r"注册|下载|点击|进入|官网|彩金|首充|送\d+|加盟|代理|办证|贷款|咨询热线|联系电话|扫码|免费领|立即|马上"
)
