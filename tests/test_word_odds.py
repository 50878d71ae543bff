"""The word odds (clean news vs spam vocabulary): a tech word standing alone in an article is kept,
the same word in a menu is boilerplate (not adult), terms glued to a headline are spam even where
the line model misses them, and the spam vocabulary model is built and read like the other models."""

from __future__ import annotations

import json
import shutil

import pytest

from newsclean.chain import clean_document
from newsclean.classifiers.spam_lm import PACKAGE_SPAM_LM_DIR, build, lexicon_terms, load_spam_lm
from newsclean.core.errors import ModelError, NewscleanError
from newsclean.core.types import Line
from newsclean.pipelines.classify import decide, glued_pieces
from tests.conftest import TESTS_DIR, needs_shared

PAGES = TESTS_DIR / "pages"


class WithoutOdds:
    """The bundled classifier minus ``news_odds``: what the chain did before the odds existed."""

    def __init__(self, clf) -> None:
        self._clf = clf
        self.version = clf.version

    def predict(self, lines):
        return self._clf.predict(lines)

    def predict_texts(self, texts):
        return self._clf.predict_texts(texts)


def _clean(name: str, judge) -> dict:
    return clean_document((PAGES / name).read_bytes(), url="http://www.example.cn/a", classifier=judge)


def test_lone_tech_words_in_a_text_dump_are_kept(line_classifier):
    before = _clean("dump-lone-words.txt", WithoutOdds(line_classifier))
    after = _clean("dump-lone-words.txt", line_classifier)
    lost_before = {r["text"] for r in before["removed"] if r["reason"] in ("spam", "adult")}
    assert lost_before & {"氢能", "无人机"}, "the line model alone no longer removes these: pick harder words"
    for word in ("氢能", "无人机", "人形机器人", "隐私计算", "智慧交通", "交换机"):
        assert word in after["paragraphs"], word
    assert not [r for r in after["removed"] if r["reason"] in ("spam", "adult")]


def test_tech_words_in_a_menu_go_as_boilerplate_and_a_lone_ad_as_spam(line_classifier):
    article = _clean("neg-bold-headings.html", line_classifier)
    reasons = {r["text"]: r["reason"] for r in article["removed"]}
    for word in ("芯片", "无人机", "机器人"):
        assert reasons[word] == "boilerplate", (word, reasons[word])
    assert reasons["真人百家乐官网开户送彩金"] == "spam"
    assert {"氢能", "无人机", "交换机"} <= set(article["paragraphs"])


def test_news_words_read_as_news_and_lexicon_words_do_not(line_classifier):
    news = line_classifier.news_odds(["芯片", "无人机", "氢能"])
    spam = line_classifier.news_odds(["裸聊", "百家乐"])
    assert min(news) > 0 > max(spam)
    assert line_classifier.news_odds([]) == []


class CallsAllContent:
    """A line model that misses everything (as a model meeting a spam family it never learned
    does), with the real word odds of the bundled models."""

    def __init__(self, clf) -> None:
        self._clf = clf
        self.version = clf.version

    def predict(self, lines):
        return [type("V", (), {"label": "content", "score": 1.0})() for _ in lines]

    def predict_texts(self, texts):
        return self.predict(texts)

    def news_odds(self, texts):
        return self._clf.news_odds(texts)


PARAGRAPHS = [
    "西部一座大型储能电站本周正式并网，总容量达到两百兆瓦时，可以在用电高峰时段为周边城市提供调峰服务。",
    "项目负责人介绍，电站采用磷酸铁锂电池，配套建设了智能监控系统，能够实时监测每一个电池簇的温度和电压。",
]
GLUED = [
    "11月01日,准车主们买车要留心眼了不要让销售知道,大白屁股爽网,包房自拍,少妇寂寞夜聊",
    "10月28日|国产大飞机新一轮试飞任务顺利完成|午夜激情影院|寂寞少妇在线|美女裸聊热线",
    "11月18日 多地气温将创新低注意防寒保暖 情色基地 护☆士☆美☆穴",
]
NOT_GLUED = [
    "标签 人工智能 芯片 大模型 储能",  # tags: no headline among the pieces
    "2025年11月1日，国家能源局发布新版储能电站安全规范，自明年起施行。",  # a sentence
    "参加发布会的有张伟、李娜、王强、赵敏等专家，",  # prose cut at a comma
    "潭瓶息装贸沫佣扭, 危炸媒腋桑猫幕蝎, 虾莫删目鸳小镁远, 疲涩趾址炸蘑闸斋.",  # ends a sentence
    "2005年\t储能论坛\t主讲嘉宾\t王强",  # a table row
    "国产大飞机新一轮试飞任务顺利完成 | C919 | ARJ21 | 试飞",  # Latin and digits are no pieces
]


def test_glued_pieces_are_the_short_chinese_pieces_beside_a_headline():
    assert glued_pieces(GLUED[0]) == ["大白屁股爽网", "包房自拍", "少妇寂寞夜聊"]
    assert glued_pieces(GLUED[2]) == ["情色基地", "护士美穴"]
    for text in NOT_GLUED:
        assert len(glued_pieces(text)) < 2, text


def test_terms_glued_to_a_headline_go_as_spam_when_the_line_model_misses_them(line_classifier):
    texts = [PARAGRAPHS[0], *GLUED, *NOT_GLUED, PARAGRAPHS[1]]
    lines = [Line(text=t, tag="p", index=i, total=len(texts)) for i, t in enumerate(texts)]
    decisions = decide(lines, CallsAllContent(line_classifier))
    fates = {d.line.text: (d.kept, d.reason) for d in decisions}
    for text in GLUED:
        assert fates[text] == (False, "spam"), text
    for text in [*PARAGRAPHS, *NOT_GLUED]:
        assert fates[text] == (True, None), text
    # without word odds (a judge of the user's) the chain keeps what its line model keeps
    plain = decide(lines, WithoutOdds(CallsAllContent(line_classifier)))
    assert all(d.kept for d in plain)


def _lexicons(folder, terms: dict[str, list[str]]) -> None:
    folder.mkdir()
    for name in (
        "lexicon_adult.txt",
        "lexicon_adult_extended.txt",
        "lexicon_gambling.txt",
        "lexicon_ads_spam.txt",
    ):
        (folder / name).write_text("\n".join(terms.get(name, ["占位词语"])) + "\n", encoding="utf-8")


def test_the_same_lexicons_build_the_same_bytes(tmp_path):
    _lexicons(tmp_path / "data", {"lexicon_gambling.txt": ["# comment", "网上赌场", "甲乙|丙丁", "x"]})
    assert lexicon_terms(tmp_path / "data")[2:5] == ["网上赌场", "甲乙", "丙丁"]
    first = build(tmp_path / "data", tmp_path / "a")
    second = build(tmp_path / "data", tmp_path / "b")
    assert first["version"] == second["version"]
    for name in ("model.npz", "model.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    lm = load_spam_lm(tmp_path / "a")
    seen, unseen = lm.per_char(["网上赌场", "量子通信"])
    assert seen > unseen


def test_a_missing_lexicon_is_one_line(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(NewscleanError, match="missing") as err:
        build(tmp_path / "data", tmp_path / "out")
    assert "\n" not in str(err.value)


def test_a_tampered_or_foreign_model_is_refused(tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(PACKAGE_SPAM_LM_DIR, folder)
    data = bytearray((folder / "model.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "model.npz").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="checksum"):
        load_spam_lm(folder)
    shutil.copy(PACKAGE_SPAM_LM_DIR / "model.npz", folder / "model.npz")
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    (folder / "model.json").write_text(json.dumps(dict(meta, format="other/1")), encoding="utf-8")
    with pytest.raises(ModelError, match="format"):
        load_spam_lm(folder)


@pytest.mark.shared
@needs_shared
def test_the_shipped_model_is_what_the_lexicons_build(shared, tmp_path):
    build(shared / "data", tmp_path / "spamlm")
    for name in ("model.npz", "model.json"):
        assert (tmp_path / "spamlm" / name).read_bytes() == (PACKAGE_SPAM_LM_DIR / name).read_bytes(), name
