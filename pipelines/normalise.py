"""Text to clean Simplified Chinese: pinyin annotations out, Traditional converted, Simplified untouched.

Pinyin annotations (``訪問(wèn)``) are stripped BEFORE conversion so OpenCC sees whole phrases.
The OpenCC config depends on who wrote the text: genuine Taiwan writing takes ``tw2sp`` (its
vocabulary, 軟體 -> 软件), Hong Kong writing ``hk2s``, and mainland text mechanically put into
Traditional characters (seed 001) takes ``tw2s``: a phrase table there would break its words
(開啟 -> 打开 instead of 开启).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

import opencc
from langdetect import DetectorFactory, LangDetectException, detect_langs

from newsclean.core.text import HAN
from newsclean.core.types import Line, Metadata

DetectorFactory.seed = 0  # langdetect is random by default; the same page must give the same answer

TRADITIONAL_SHARE = 0.03  # share of CJK characters t2s changes above which text is Traditional
TRADITIONAL_SHARE_LANGDETECT = 0.01  # lower bar when langdetect also says zh-tw
MIN_TRADITIONAL_CHARS = 2
MAX_SAMPLE = 50_000  # characters the variant is judged on; a big page says no more than its start
MAX_WORD = 24  # longer "words" are not pinyin (and would make the syllable match backtrack)

TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_TONED_UPPER = "ĀÁǍÀĒÉĚÈĪÍǏÌŌÓǑÒŪÚǓÙǕǗǙǛ"
# Every syllable of Mandarin pinyin (tone marks off, ü kept), so "(café)" is not taken for one.
_SYLLABLE_TABLE = """
a o e ai ei ao ou an en ang eng er yi ya yo ye yao you yan yin yang ying yong wu wa wo wai wei wan wen
wang weng yu yue yuan yun ng m n hm ê
ba bo bai bei bao ban ben bang beng bi bie biao bian bin bing bu
pa po pai pei pao pou pan pen pang peng pi pie piao pian pin ping pu
ma mo me mai mei mao mou man men mang meng mi mie miao miu mian min ming mu
fa fo fei fou fan fen fang feng fu
da de dai dei dao dou dan den dang deng dong di die diao diu dian ding du duo dui duan dun
ta te tai tao tou tan tang teng tong ti tie tiao tian ting tu tuo tui tuan tun
na ne nai nei nao nou nan nen nang neng nong ni nie niao niu nian nin niang ning nu nuo nuan nü nüe
la le lai lei lao lou lan lang leng long li lia lie liao liu lian lin liang ling lu luo luan lun lü lüe lo
ga ge gai gei gao gou gan gen gang geng gong gu gua guo guai gui guan gun guang
ka ke kai kei kao kou kan ken kang keng kong ku kua kuo kuai kui kuan kun kuang
ha he hai hei hao hou han hen hang heng hong hu hua huo huai hui huan hun huang
ji jia jie jiao jiu jian jin jiang jing jiong ju jue juan jun
qi qia qie qiao qiu qian qin qiang qing qiong qu que quan qun
xi xia xie xiao xiu xian xin xiang xing xiong xu xue xuan xun
zha zhe zhi zhai zhei zhao zhou zhan zhen zhang zheng zhong zhu zhua zhuo zhuai zhui zhuan zhun zhuang
cha che chi chai chao chou chan chen chang cheng chong chu chua chuo chuai chui chuan chun chuang
sha she shi shai shei shao shou shan shen shang sheng shu shua shuo shuai shui shuan shun shuang
re ri rao rou ran ren rang reng rong ru rua ruo rui ruan run
za ze zi zai zei zao zou zan zen zang zeng zong zu zuo zui zuan zun
ca ce ci cai cao cou can cen cang ceng cong cu cuo cui cuan cun
sa se si sai sao sou san sen sang seng song su suo sui suan sun
"""
PINYIN_SYLLABLES = frozenset(_SYLLABLE_TABLE.split())
_SYLLABLE = "|".join(sorted(PINYIN_SYLLABLES, key=len, reverse=True))
_SYLLABLES_RE = re.compile(rf"^(?:{_SYLLABLE})+$")
_NUMBERED_RE = re.compile(rf"^(?:(?:{_SYLLABLE})[1-5])+$")

_CJK_RE = re.compile(f"[{HAN}]")
_PAREN_RE = re.compile(r"([（(])\s*([A-Za-zÀ-ɏɑɡḾḿüÜ\u0300-\u036f0-9' ]{1,60}?)\s*([）)])")
_FORMAT_CHARS = re.compile(
    "[\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)

# Regional vocabulary: Taiwan IT and everyday words that differ from the mainland's.
_TAIWAN_WORDS_TEXT = (
    "軟體 網路 伺服器 資訊 程式 硬碟 記憶體 螢幕 影片 部落格 行動電話 數位 介面 預設 晶片 網際網路 雲端 使用者 檔案 解析度 滑鼠 印表機 光碟 筆電 智慧型 演算法 資料庫 "
    "視訊 品質 計程車 捷運 作業系統 應用程式 資安 臉書 推特 登入 登出 連結 外掛 韌體 快閃記憶體 處理器 積體電路 網友們 立委 總統府 行政院 新台幣 台灣 臺灣 機車 便當 "
    "鮪魚 早餐店"
)
TAIWAN_WORDS = _TAIWAN_WORDS_TEXT.split()
# Mainland vocabulary written in Traditional characters: the text was converted, not written there.
_MAINLAND_WORDS_TEXT = (
    "芯片 軟件 網絡 信息 服務器 視頻 屏幕 默認 數字化 程序 硬盤 內存 博客 手機 用戶 互聯網 質量 出租車 地鐵 操作系統 數據 算力 大模型 人工智能 激光 鼠標 打印機 短信 "
    "新聞聯播"
)
MAINLAND_WORDS = _MAINLAND_WORDS_TEXT.split()
# Hong Kong: Cantonese characters (strong evidence), Hong Kong words and Hong Kong character forms.
HONGKONG_CHARS = "嘅咗喺冇佢睇唔啲哋嘢嚟乜咩嘥揾搵攰瞓嗰呢啱"
_HONGKONG_WORDS_TEXT = (
    "電訊 屋邨 屋苑 本港 港元 港幣 港鐵 港府 港股 港人 港島 九龍 新界 特區政府 立法會 消委會 強積金 劏房 私樓 "
    "公屋 居屋 的士 樓價 樓市 差餉 警務處 入境處 運輸署 醫管局 街市 寬頻"
)
HONGKONG_WORDS = _HONGKONG_WORDS_TEXT.split()
HONGKONG_FORMS = "綫衞衆啓僞峯羣麪裏"
# Words tw2sp's phrase table gets wrong: proper names and words both sides write the same way.
TW2SP_KEEP = ("數位發展部", "數位部", "文件")


@dataclass(frozen=True)
class Conversion:
    """What normalisation did: the OpenCC config chosen (None: Simplified), whether text changed,
    and where the Traditional characters were (page line indexes, the title)."""

    config: str | None
    converted: bool
    traditional_lines: frozenset[int] = frozenset()
    traditional_title: bool = False

    def converted_in(self, page_indexes: Iterable[int]) -> bool:
        """True when Traditional characters were converted in what the article keeps: these
        lines or the title (a Simplified article with converted spam around it is not converted)."""
        if not self.converted:
            return False
        return self.traditional_title or any(i in self.traditional_lines for i in page_indexes)


@functools.lru_cache(maxsize=8)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


# ------------------------------------------------------------------ pinyin


def _plain(word: str) -> str:
    """Lower-case, tone marks off (ü kept)."""
    word = word.lower().replace("ɑ", "a").replace("ɡ", "g").replace("ü", "v").replace("ê", "e^")
    decomposed = unicodedata.normalize("NFD", word)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.replace("v", "ü").replace("e^", "ê")


def _toned_annotation(inner: str) -> bool:
    """Tone-marked pinyin: every word is syllables, and at least one carries a tone mark."""
    words = inner.replace("'", " ").split()
    if not words or not any(ch in TONED or ch in _TONED_UPPER for ch in unicodedata.normalize("NFC", inner)):
        return False
    return all(len(w) <= MAX_WORD and _SYLLABLES_RE.match(_plain(w)) for w in words)


def _numbered_annotation(inner: str) -> bool:
    """Numeric-tone pinyin (``wen4``, ``fang3 wen4``)."""
    words = inner.replace("'", " ").split()
    return bool(words) and all(len(w) <= MAX_WORD and _NUMBERED_RE.match(_plain(w)) for w in words)


def strip_pinyin(text: str) -> str:
    """Remove parenthesised pinyin annotations, keep ordinary parenthesised words.

    A tone-marked annotation goes after any character (mojibake can precede it); a numeric-tone
    one only right after a CJK character. ``(AI)``, ``(2025)``, ``(WSE-3)`` and English words
    without tone marks stay.
    """
    if "(" not in text and "（" not in text:
        return text
    text = unicodedata.normalize("NFC", text)

    def repl(m: re.Match[str]) -> str:
        inner = m.group(2)
        if _toned_annotation(inner):
            return ""
        before = text[m.start() - 1] if m.start() else ""
        if before and _CJK_RE.match(before) and _numbered_annotation(inner):
            return ""
        return m.group(0)

    return _PAREN_RE.sub(repl, text)


def strip_format_chars(text: str) -> str:
    """Zero-width and other invisible format characters out (they split words and hide spam)."""
    return _FORMAT_CHARS.sub("", text)


# ------------------------------------------------------------------ variant


def traditional_chars(text: str) -> int:
    """How many characters OpenCC t2s changes (著 ignored: it is also a Simplified character)."""
    converted = _converter("t2s").convert(text)
    if len(converted) != len(text):
        return sum(1 for ch in text if ch != "著" and _converter("t2s").convert(ch) != ch)
    return sum(1 for a, b in zip(text, converted, strict=True) if a != b and a != "著")


def _langdetect_tw(text: str) -> bool:
    try:
        langs = detect_langs(text[:3000])
    except LangDetectException:
        return False
    best = max(langs, key=lambda lang: lang.prob, default=None)
    return best is not None and best.lang == "zh-tw"


def detect_variant(texts: list[str]) -> str | None:
    """None for Simplified text; else the OpenCC config that fits who wrote the Traditional text."""
    joined = "\n".join(texts)[:MAX_SAMPLE]
    cjk = len(_CJK_RE.findall(joined))
    if cjk == 0:
        return None
    trad = traditional_chars(joined)
    share = trad / cjk
    if trad < MIN_TRADITIONAL_CHARS or share < TRADITIONAL_SHARE_LANGDETECT:
        return None
    if share < TRADITIONAL_SHARE and not _langdetect_tw(joined):
        return None
    hongkong = (
        2 * sum(joined.count(ch) for ch in HONGKONG_CHARS)
        + sum(joined.count(w) for w in HONGKONG_WORDS)
        + 0.5 * sum(joined.count(ch) for ch in HONGKONG_FORMS)
    )
    taiwan = sum(joined.count(w) for w in TAIWAN_WORDS)
    mainland = sum(joined.count(w) for w in MAINLAND_WORDS)
    if hongkong >= 2 and hongkong > taiwan:
        return "hk2s"
    if taiwan > mainland:
        return "tw2sp"
    return "tw2s"


def _convert(text: str, config: str | None) -> str:
    """Convert a string holding Traditional characters; Simplified strings come back untouched.

    On a Simplified page (``config`` None) a stray Traditional line is converted with its own
    variant, or character by character (``t2s``) when it is too short to tell.
    """
    if not text or traditional_chars(text) == 0:
        return text
    return _convert_traditional(text, config)


def _convert_traditional(text: str, config: str | None) -> str:
    """:func:`_convert` for a string known to hold Traditional characters."""
    config = config or detect_variant([text]) or "t2s"
    if config == "tw2sp" and any(word in text for word in TW2SP_KEEP):
        # convert the kept words character by character, the rest with the phrase table
        parts = re.split("(" + "|".join(map(re.escape, TW2SP_KEEP)) + ")", text)
        return "".join(
            _converter("tw2s" if part in TW2SP_KEEP else config).convert(part) for part in parts if part
        )
    return _converter(config).convert(text)


# ------------------------------------------------------------------ the step


def normalise_page(lines: list[Line], meta: Metadata) -> tuple[list[Line], Metadata, Conversion]:
    """The step: the page's lines and metadata normalised with one variant, and where it converted."""
    out, conversion = normalise_lines(lines)
    meta, title_traditional = _normalise_meta(meta, conversion.config)
    return out, meta, replace(conversion, traditional_title=title_traditional)


def normalise_lines(lines: list[Line]) -> tuple[list[Line], Conversion]:
    """Pinyin and format characters out, then Traditional lines converted with the page's variant."""
    cleaned = [strip_format_chars(strip_pinyin(line.text)) for line in lines]
    main = [text for text, line in zip(cleaned, lines, strict=True) if line.in_main] or cleaned
    config = detect_variant(main)
    out: list[Line] = []
    traditional: set[int] = set()
    for text, line in zip(cleaned, lines, strict=True):
        new = text
        if text and traditional_chars(text):
            traditional.add(line.index)
            new = _convert_traditional(text, config)
        new = " ".join(new.split())
        out.append(replace(line, text=new) if new != line.text else line)
    return out, Conversion(config, bool(traditional), frozenset(traditional))


def normalise_meta(meta: Metadata, conversion: Conversion) -> Metadata:
    """The same treatment for title, source, author and keywords; the title's white space collapsed."""
    return _normalise_meta(meta, conversion.config)[0]


def _normalise_meta(meta: Metadata, config: str | None) -> tuple[Metadata, bool]:
    """Normalised metadata, and whether the title held Traditional characters."""

    def clean(value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(_convert(strip_format_chars(strip_pinyin(value)), config).split())
        return value or None

    title = meta.title and strip_format_chars(strip_pinyin(meta.title))
    title_traditional = bool(title) and traditional_chars(title) > 0
    if title_traditional:
        title = " ".join(_convert_traditional(title, config).split()) or None
    elif title is not None:
        title = " ".join(title.split()) or None
    keywords = [k for k in (clean(k) for k in meta.keywords) if k]
    normalised = replace(
        meta,
        title=title,
        source=clean(meta.source),
        author=clean(meta.author),
        keywords=list(dict.fromkeys(keywords)),
    )
    return normalised, title_traditional
