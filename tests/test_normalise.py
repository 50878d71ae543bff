"""Normalisation: pinyin out before conversion, the right OpenCC config, Simplified untouched."""

from __future__ import annotations

import json

import pytest

from newsclean.core.types import Line, Metadata
from newsclean.pipelines.domclean import clean_dom
from newsclean.pipelines.extract import extract_html
from newsclean.pipelines.lines import to_lines
from newsclean.pipelines.normalise import (
    Conversion,
    detect_variant,
    normalise_lines,
    normalise_meta,
    normalise_page,
    strip_pinyin,
    traditional_chars,
)
from newsclean.pipelines.textdump import extract_text
from tests.conftest import needs_shared

TAIWAN = [
    "這款筆電搭載最新的處理器與固態硬碟，記憶體升級到三十二GB，螢幕解析度也提高了。",
    "使用者可以透過應用程式連結雲端伺服器，下載影片與資訊，軟體更新後介面更直覺。",
]
HONG_KONG = [
    "佢哋今日喺中環開咗記者會，話下個月會推出新嘅手機應用程式。",
    "啲市民都唔係好理解點解要咁做，有人話冇乜用。",
]
MECHANICAL = [
    "近日，某國產大模型廠商宣布開啟新一輪融資，用戶規模持續擴大。",
    "該公司表示，芯片供應緊張，算力成本仍是行業面臨的主要難題，服務器採購計劃已經啟動。",
]
SIMPLIFIED = [
    "近日，某国产大模型厂商宣布开启新一轮融资，用户规模持续扩大。",
    "该公司表示，芯片供应紧张，算力成本仍是行业面临的主要难题。",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("歡迎訪問(wèn)本站", "歡迎訪問本站"),
        ("企業(yè)服務(wù)", "企業服務"),
        ("訪問（wèn）", "訪問"),
        ("訪問(wen4)", "訪問"),
        ("訪問(fǎng wèn)", "訪問"),
        ("訪問(fǎngwèn)", "訪問"),
        ("綠(lǜ)色", "綠色"),
        ("英偉_(dá)依賴", "英偉_依賴"),  # after mojibake: tone marks are enough
        ("谷歌(AI)芯片", "谷歌(AI)芯片"),
        ("成立于(2025)年", "成立于(2025)年"),
        ("TPU(谷歌自研的AI专用加速芯片)", "TPU(谷歌自研的AI专用加速芯片)"),
        ("晶圆级芯片(WSE-3)", "晶圆级芯片(WSE-3)"),
        ("苹果(Apple)与(Google Cloud)", "苹果(Apple)与(Google Cloud)"),
        ("咖啡馆(café)开业", "咖啡馆(café)开业"),
        ("模型(v3)上线", "模型(v3)上线"),
        ("单位(mm)", "单位(mm)"),
        ("X(fa3)", "X(fa3)"),  # numeric tones only right after a CJK character
    ],
)
def test_strip_pinyin(text, expected):
    assert strip_pinyin(text) == expected


def test_variants():
    assert detect_variant(TAIWAN) == "tw2sp"
    assert detect_variant(HONG_KONG) == "hk2s"
    assert detect_variant(MECHANICAL) == "tw2s"
    assert detect_variant(SIMPLIFIED) is None
    assert detect_variant(["OpenAI 发布 GPT"]) is None
    assert detect_variant([]) is None


def lines_of(texts, in_main=True):
    return [Line(t, in_main=in_main, index=i, total=len(texts)) for i, t in enumerate(texts)]


def test_mechanical_traditional_keeps_mainland_words():
    out, conv = normalise_lines(lines_of(MECHANICAL))
    assert (conv.config, conv.converted) == ("tw2s", True)
    assert conv.traditional_lines == frozenset(range(len(MECHANICAL)))
    assert out[0].text == "近日，某国产大模型厂商宣布开启新一轮融资，用户规模持续扩大。"  # 开启, not 打开
    assert out[1].text == "该公司表示，芯片供应紧张，算力成本仍是行业面临的主要难题，服务器采购计划已经启动。"


def test_taiwan_vocabulary_is_converted():
    out, conv = normalise_lines(lines_of(TAIWAN))
    assert conv.config == "tw2sp"
    assert "软件" in out[1].text and "服务器" in out[1].text and "屏幕" in out[0].text


def test_simplified_lines_are_untouched():
    lines = lines_of([*SIMPLIFIED, "乾隆年间的著名画家"])
    out, conv = normalise_lines(lines)
    assert conv == Conversion(None, False)
    assert not conv.converted_in(range(len(lines)))
    assert [line.text for line in out] == [*SIMPLIFIED, "乾隆年间的著名画家"]


def test_pinyin_is_stripped_before_conversion_and_format_chars_removed():
    lines = lines_of(["歡迎訪問(wèn)本站，開(kāi)啟新的服務(wù)。", "零\u200b宽\u200d字\ufeff符"])
    out, conv = normalise_lines(lines)
    assert out[0].text == "欢迎访问本站，开启新的服务。"
    assert out[1].text == "零宽字符"
    assert conv.converted


def test_variant_is_chosen_from_main_lines():
    side = lines_of(TAIWAN, in_main=False)
    main = lines_of(MECHANICAL)
    out, conv = normalise_lines(side + main)
    assert conv.config == "tw2s"
    assert "软体" in out[1].text  # tw2s keeps the Taiwan word, converting only characters


def test_normalise_meta():
    meta = Metadata(
        title="  開(kāi)啟  新一輪\u200b融資 ",
        published_at="2025-07-02",
        source="深圳電子商會",
        author="王曉明",
        keywords=["晶片", "融資", "融資"],
    )
    out = normalise_meta(meta, Conversion("tw2s", True))
    assert out.title == "开启 新一轮融资"
    assert out.source == "深圳电子商会"
    assert out.author == "王晓明"
    assert out.keywords == ["晶片", "融资"]
    assert out.published_at == "2025-07-02"
    assert meta.title == "  開(kāi)啟  新一輪\u200b融資 "  # the input is not mutated


@needs_shared
@pytest.mark.parametrize("name", ["seed-001-text.txt", "seed-000-text.txt", "seed-001.html", "seed-000.html"])
def test_seeds_leave_no_traditional_or_pinyin(shared, name):
    import re
    import unicodedata

    text = (shared / "fixtures" / name).read_text(encoding="utf-8")
    if name.endswith(".html"):
        doc, _ = clean_dom(text)
        extracted = extract_html(doc, "http://example.cn/")
    else:
        extracted = extract_text(text)
    out, conv = normalise_lines(to_lines(extracted.blocks))
    meta = normalise_meta(extracted.meta, conv)
    joined = "\n".join([meta.title or "", *(line.text for line in out)])
    assert traditional_chars(joined) == 0
    tones = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
    pinyin = re.compile(rf"\(\s*[a-zü{tones}]*[{tones}][a-zü{tones}]*\s*\)")
    assert pinyin.findall(unicodedata.normalize("NFKC", joined)) == []


@needs_shared
def test_seed_001_dump_matches_gold_paragraphs(shared):
    text = (shared / "fixtures" / "seed-001-text.txt").read_text(encoding="utf-8")
    gold = json.loads((shared / "fixtures" / "seed-001-text.gold.json").read_text(encoding="utf-8"))
    out, conv = normalise_lines(to_lines(extract_text(text).blocks))
    assert conv.config == "tw2s"
    texts = [line.text for line in out]
    for para in gold["paragraphs"]:
        assert para in texts


def test_hong_kong_written_chinese_without_cantonese_particles():
    texts = [
        "本港電訊商上月推出新的寬頻計劃，屋邨住戶可以免費試用一個月。",
        "消委會提醒市民，簽約前要留意合約裏有關港元收費及綫路維修的條款。",
    ]
    assert detect_variant(texts) == "hk2s"
    out, _ = normalise_lines(lines_of(texts))
    assert out[0].text == "本港电讯商上月推出新的宽频计划，屋邨住户可以免费试用一个月。"  # hk2s keeps 宽频


def test_tw2sp_keeps_proper_names_and_shared_words():
    texts = [*TAIWAN, "數位發展部要求廠商在投標文件中說明軟體授權方式。"]
    out, conv = normalise_lines(lines_of(texts))
    assert conv.config == "tw2sp"
    assert out[2].text == "数位发展部要求厂商在投标文件中说明软件授权方式。"


def test_page_conversion_says_where_traditional_text_was():
    # a Simplified article beside one Traditional line: converted only if that line is kept
    lines = lines_of([*SIMPLIFIED, "歡迎訪問本站，開啟新的服務。"])
    out, _, conv = normalise_page(lines, Metadata(title="今日要闻"))
    assert conv.traditional_lines == {len(SIMPLIFIED)} and not conv.traditional_title
    assert out[-1].text == "欢迎访问本站，开启新的服务。"
    assert conv.converted_in([len(SIMPLIFIED)]) and not conv.converted_in(range(len(SIMPLIFIED)))
    _, meta, conv = normalise_page(lines_of(SIMPLIFIED), Metadata(title="開啟新的服務"))
    assert meta.title == "开启新的服务" and conv.traditional_title
