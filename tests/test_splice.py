"""Ad clauses spliced into real paragraphs are cut; the paragraph and sentences about spam stay."""

from __future__ import annotations

import pytest

from newsclean.core.types import Line
from newsclean.pipelines.splice import cut_spliced, has_ad_marks, sentences

ARTICLE = "指南指出，中小网站由于缺乏专业运维人员，更容易成为攻击目标，被篡改后常被用来发布赌博和色情信息。"


@pytest.mark.parametrize(
    "text",
    [
        ARTICLE + "澳门新葡京官网 www.xpj888.com",
        "第一句。第二句！第三句？没有句号的尾巴",
        "“引号里的话。”后面的话。",
        "无标点",
    ],
)
def test_sentences_give_back_the_line_exactly(text: str):
    assert "".join(sentences(text)) == text


def test_ad_marks():
    assert has_ad_marks("澳门新葡京官网 www.xpj888.com") and has_ad_marks("加微信 vx886699 代开发票")
    assert has_ad_marks("联系电话13812345678") and not has_ad_marks(ARTICLE)


def test_a_kept_paragraph_loses_its_glued_ad(line_classifier):
    ad = "澳门新葡京娱乐场官网 www.xpj888.com 注册即送彩金"
    [(line, cut)] = cut_spliced([Line(ARTICLE + ad)], [True], [None], line_classifier)
    assert line is not None and line.text == ARTICLE
    assert [c.text for c in cut] == [ad] and cut[0].reason == "spam" and cut[0].score >= 0.9


def test_a_paragraph_dropped_for_its_ad_comes_back_without_it(line_classifier):
    ad = "澳门新葡京娱乐场官网 www.xpj888.com 注册即送彩金"
    [(line, cut)] = cut_spliced([Line(ARTICLE + ad)], [False], ["spam"], line_classifier)
    assert line is not None and line.text == ARTICLE and [c.text for c in cut] == [ad]


@pytest.mark.parametrize(
    "text",
    [
        "警方提醒，所谓“澳门赌场官网”多为诈骗网站，市民切勿注册或充值。发现此类网站可以向公安机关举报。",
        "该平台表示，用户可以在官网下载最新版本的客户端。新版本修复了多个安全漏洞，并提升了运行速度。",
    ],
)
def test_sentences_about_spam_and_downloads_stay(line_classifier, text: str):
    [(line, cut)] = cut_spliced([Line(text)], [True], [None], line_classifier)
    assert line is not None and line.text == text and cut == []


def test_a_whole_spam_line_stays_dropped(line_classifier):
    spam = "澳门新葡京官网 www.xpj888.com 注册即送彩金！真人百家乐，日赚千元，加微信 vx886699。"
    [(line, cut)] = cut_spliced([Line(spam)], [False], ["spam"], line_classifier)
    assert line is None and cut == []
