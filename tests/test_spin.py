"""Spun-article detection and restoration: the pure step, the spinner, the splits, the shipped model."""

from __future__ import annotations

import random

import numpy as np
import pytest

from newsclean.classifiers.spin_model import load_spin_model
from newsclean.classifiers.spin_train import (
    Pair,
    article_part,
    originals_of,
    pair_held_out,
    read_dictionary,
    spin,
    split_pairs,
)
from newsclean.core.errors import InputError
from newsclean.pipelines.charlm import ngram_hashes, text_codes
from newsclean.pipelines.spin import SpinReport, Suspect, detect_spin, restore_spun, spin_field

# invented tech news, written for these tests (not taken from any corpus)
CLEAN = [
    "据了解,这家公司计划在明年推出新一代大模型,并为合作伙伴提供云服务。",
    "公司负责人表示,核心技术的研发已经超过三年,目前进展顺利,长期来看将改变整个行业的格局。",
    "根据合同,双方将共同建设数据中心,相关设备预计在下半年开始交付,用于训练和推理计算。",
    "尽管竞争对手纷纷降价,该企业仍然坚持自己的路线,希望在人工智能领域保持领先地位。",
]


@pytest.fixture(scope="module")
def model():
    return load_spin_model()


@pytest.fixture(scope="module")
def learned() -> dict[str, str]:
    return {p.original: p.spun for p in split_pairs(read_dictionary())[0]}


def test_codes_fold_width_case_and_digits():
    assert np.array_equal(text_codes("ＡＢ，2025年"), text_codes("ab,0000年"))
    assert not np.array_equal(text_codes("技术"), text_codes("手艺"))


def test_ngram_hashes_align_and_separate_orders():
    codes = text_codes("服务器服务")
    h2 = ngram_hashes(codes, 2)
    assert len(h2) == 4 and h2[0] == h2[3]  # 服务 at 0 and at 3
    assert ngram_hashes(codes, 1)[0] != h2[0]
    assert len(ngram_hashes(codes, 9)) == 0


def test_dictionary_is_split_by_original_and_keeps_seen_pairs():
    pairs = read_dictionary()
    assert len(pairs) >= 300
    learned, held = split_pairs(pairs)
    assert all(p.kind == "made" for p in held)
    assert all(not pair_held_out(p) for p in learned)
    assert {p.original for p in learned}.isdisjoint({p.original for p in held})
    share = len(held) / sum(p.kind == "made" for p in pairs)
    assert 0.2 < share < 0.4
    assert split_pairs(pairs) == (learned, held)


def test_dictionary_refuses_a_malformed_line(tmp_path):
    bad = tmp_path / "d.tsv"
    bad.write_text("技术\t手艺\tseen\n服务 效劳\n", encoding="utf-8")
    with pytest.raises(InputError, match=":2:"):
        read_dictionary(bad)


def test_originals_group_every_source_of_a_spun_form():
    table = originals_of(
        [Pair("全国", "天下", "made"), Pair("世界", "天下", "made"), Pair("技术", "手艺", "seen")]
    )
    assert table == {"天下": ("世界", "全国"), "手艺": ("技术",)}


def test_spinner_records_where_it_swapped(learned):
    spun, swaps = spin(CLEAN, learned, random.Random(1), rate=1.0)
    assert swaps and spun != CLEAN
    for s in swaps:
        assert spun[s.paragraph][s.offset : s.offset + len(s.spun)] == s.spun
    undone = list(spun)
    for s in sorted(swaps, key=lambda s: -s.offset):  # right to left keeps earlier offsets valid
        text = undone[s.paragraph]
        undone[s.paragraph] = text[: s.offset] + s.original + text[s.offset + len(s.spun) :]
    assert undone == CLEAN
    assert spin(CLEAN, learned, random.Random(1), rate=0.0) == (CLEAN, [])


def test_articles_split_three_ways_by_their_first_paragraph():
    parts = [article_part([f"第{i}段文字。"]) for i in range(2000)]
    assert {"test", "calibration", "train"} == set(parts)
    assert 0.06 < parts.count("test") / len(parts) < 0.14
    assert article_part(["同一段。", "别的"]) == article_part(["同一段。"])


def test_clean_news_is_not_flagged(model):
    report = detect_spin(CLEAN, model)
    assert not report.spun and report.score < model.threshold
    assert restore_spun(CLEAN, report, model) == (CLEAN, [])


def test_spun_news_is_flagged_with_evidence_and_restored(model, learned):
    spun, swaps = spin(CLEAN, learned, random.Random(7), rate=1.0)
    report = detect_spin(spun, model)
    assert report.spun and report.score > 0.9
    truth = {(s.paragraph, s.offset): s.original for s in swaps}
    for s in report.suspects:
        assert spun[s.paragraph][s.offset : s.offset + len(s.word)] == s.word
    hits = [s for s in report.suspects if truth.get((s.paragraph, s.offset)) == s.original]
    assert len(hits) >= len(swaps) * 0.7
    restored, done = restore_spun(spun, report, model)
    assert done and all(truth.get((r.paragraph, r.offset)) == r.restored for r in done)
    for k, p in enumerate(restored):  # only listed replacements changed anything
        if not any(r.paragraph == k for r in done):
            assert p == spun[k]
    assert "手艺" not in "".join(restored) and "效劳" not in "".join(restored)


def test_an_ordinary_word_is_judged_in_context(model):
    """主要 is a spun form of 重要/紧张, but in 主要原因 it is the genuine word."""
    text = ["这次调整的主要原因是市场需求下降,公司的主要业务仍然保持增长。"]
    assert all(s.word != "主要" for s in detect_spin(text, model).suspects)
    spun = ["这是一个非常主要的决定,对公司的未来主要。"]
    assert any(s.word == "主要" for s in detect_spin(spun, model).suspects)


def test_restoration_only_on_a_spun_verdict(model):
    text = ["公司的小我私家用户增长很快,新的手艺很先进。"]
    suspects = (
        Suspect(0, 3, "小我私家", "个人", 9.0, float("inf"), True),
        Suspect(0, 16, "手艺", "技术", 9.0, float("inf"), True),
    )
    assert restore_spun(text, SpinReport(0.1, False, suspects), model) == (text, [])
    restored, done = restore_spun(text, SpinReport(0.9, True, suspects), model)
    assert restored == ["公司的个人用户增长很快,新的技术很先进。"]
    assert [r.to_json() for r in done] == [
        {"paragraph": 0, "offset": 3, "from": "小我私家", "to": "个人"},
        {"paragraph": 0, "offset": 16, "from": "手艺", "to": "技术"},
    ]


def test_restoration_is_checked_again_in_the_restored_text(model):
    """A candidate the context does not support is left alone, whatever the report claims."""
    text = ["工程师们使用的开发工具很多,新的手艺很先进。"]
    suspects = (
        Suspect(0, 9, "工具", "对象", 9.0, float("inf"), True),
        Suspect(0, 16, "手艺", "技术", 9.0, float("inf"), True),
    )
    restored, done = restore_spun(text, SpinReport(0.9, True, suspects), model)
    assert restored == ["工程师们使用的开发工具很多,新的技术很先进。"] and [r.spun for r in done] == ["手艺"]


def test_spin_field_is_plain_json(model, learned):
    spun, _ = spin(CLEAN, learned, random.Random(7), rate=1.0)
    paragraphs, field = spin_field(spun, model)
    assert paragraphs == spun and set(field) == {"score", "spun", "evidence", "model"}
    assert 0.0 <= field["score"] <= 1.0
    assert set(field["evidence"][0]) == {"paragraph", "offset", "word", "original", "gain"}
    restored, field = spin_field(spun, model, restore=True)
    assert field["restored"] and restored != spun


@pytest.mark.parametrize("paragraphs", [[], [""], ["\ud800技术\x00"], ["手艺" * 5000]])
def test_odd_input_gives_a_verdict(model, paragraphs):
    report = detect_spin(paragraphs, model)
    assert 0.0 <= report.score <= 1.0
    assert restore_spun(paragraphs, report, model)[0] is not paragraphs
