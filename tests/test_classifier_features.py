"""Line features and training-data helpers that the model's figures depend on."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from newsclean.classifiers import fill, isolated, phrases, split
from newsclean.classifiers.article_pages import article_pages
from newsclean.classifiers.context import N_LAYOUT, OFFSETS, body_overlap, context_features, layout_column
from newsclean.classifiers.corpora import load_corpora
from newsclean.classifiers.features import N_FEATURES, SHAPE_NAMES, hash_ngrams, shape_matrix
from newsclean.classifiers.fit import choose_threshold
from newsclean.classifiers.metrics import page_bootstrap
from newsclean.classifiers.templates import content_templates
from newsclean.classifiers.text import views
from newsclean.classifiers.wordlists import words
from newsclean.core.types import Line


def _shape(text: str) -> dict[str, float]:
    normal, compacts = views([text])
    row = shape_matrix([text], normal, compacts)[0]
    return dict(zip(SHAPE_NAMES, row.tolist(), strict=True))


def test_domain_glued_to_chinese_text_is_found():
    assert _shape("也可直接手机登录ab17.cn下载游戏")["domains"] == 1
    assert _shape("访问www.example.com了解详情")["domains"] == 1
    assert _shape("这家公司的产品很受欢迎")["domains"] == 0


def test_group_numbers_are_contacts_and_app_names_are_not():
    assert _shape("王老师带单,稳赚不赔,进群7004890")["contacts"] >= 1
    assert _shape("加v信 abc12345 了解更多")["contacts"] >= 1
    assert _shape("微信支付上线新的境外银行卡绑定功能。")["contacts"] == 0
    assert _shape("QQ音乐与另一家平台达成版权合作。")["contacts"] == 0


def test_every_contact_keyword_is_found_behind_the_lookahead():
    # The contact pattern starts with a lookahead of each branch's first character; a branch
    # added without its character would silently stop matching.
    for line in (
        "电话:13812345678",
        "qq 1234567",
        "扣扣:7654321",
        "微信号 abc_12345",
        "vx:hello88",
        "v信 haha888",
        "wx 5566778",
        "薇信:xyz12345",
        "威信 abcde99",
        "加v 12345678",
        "热线:40012345",
        "tel:55512345",
        "看这里 v 13572468",
        "进群",
        "加群",
        "群号",
        "加line客服：@ylc888",
        "tg:@abcd123",
    ):
        assert _shape(line)["contacts"] >= 1, line
    for line in ("pipeline @daily 运行", "在 command line 中输入 @hourly", "line 12345"):
        assert _shape(line)["contacts"] == 0, line


def test_numeric_date_marks_post_stamps_not_written_dates():
    assert _shape("2025-07-02 北京赛车计划 稳赚不赔")["numeric_date"] == 1
    assert _shape("2024/3/5 10:30 来源:某某网")["numeric_date"] == 1
    assert _shape("6月9日，华为在深圳发布新款手机。")["numeric_date"] == 0
    assert _shape("2025年6月9日，华为在深圳发布新款手机。")["numeric_date"] == 0
    assert _shape("3.5 亿元的投资已经到位。")["numeric_date"] == 0


def test_keyword_run_marks_short_pieces_only():
    assert _shape("全职,招聘,侦探,客服电话")["keyword_run"] == 1
    assert _shape("首页 | 新闻 | 科技 | 财经")["keyword_run"] == 1
    assert _shape("今天上午，市政府召开新闻发布会，介绍了今年的重点工作安排。")["keyword_run"] == 0
    assert _shape("只有两段,内容")["keyword_run"] == 0


def test_promotional_paragraphs_are_left_out_even_with_glued_domains():
    assert split.promotional("也可直接手机登录ab17.cn下载即时手机网游！官方交流群：61540316")
    assert split.promotional("玩家们还可以领取限量内测号，进群123456了解")
    assert not split.promotional("市民可拨打热线电话 12345 咨询相关政策。")
    assert not split.promotional("该公司在官网发布了新一季的财报。")


def test_lexicon_sentences_are_mined_capped_and_deterministic():
    articles = [
        {"paragraphs": ["这台代理服务器负责转发请求。代理商也在观望。今天天气很好，适合出门散步。"]},
        {"paragraphs": ["比赛进入加时，速度与激情的较量让观众屏住呼吸。" * 1]},
        {"paragraphs": [f"第{i}家代理商公布了新的价格表。" for i in range(10)]},
    ]
    terms = ["代理", "激情", "代理商", "不存在的词"]
    got = isolated.lexicon_sentences(articles, terms, random.Random(1), per_term=3)
    assert "比赛进入加时，速度与激情的较量让观众屏住呼吸。" in got
    assert "这台代理服务器负责转发请求。" in got
    assert not any("天气" in s for s in got)
    # the longest term wins, and no term brings more than per_term sentences
    assert sum("代理商" in s for s in got) == 3
    again = isolated.lexicon_sentences(articles, list(reversed(terms)), random.Random(1), per_term=3)
    assert got == again


def test_boilerplate_words_in_article_sentences_are_mined_as_content():
    articles = [
        {"paragraphs": ["工信部表示，网站ICP备案信息将定期核验。今天天气很好，适合出门散步。"]},
        {"paragraphs": ["这篇文章介绍了新版本的三项变化。作者在文末附上了测试数据。"]},
    ]
    got = isolated.lexicon_sentences(articles, isolated.BOILERPLATE_WORDS, random.Random(2), per_term=5)
    assert "工信部表示，网站ICP备案信息将定期核验。" in got
    assert "这篇文章介绍了新版本的三项变化。" in got
    assert not any("天气" in s for s in got)


def test_content_templates_fill_to_short_content_lines():
    templates = content_templates()
    assert {t.family for t in templates} >= {"caption", "spec", "version", "heading", "table"}
    assert all(t.label == "content" for t in templates)
    pools = fill.Pools(
        adult=["x"], gamble=["y"], ads=["z"], domains=["a.com"], headlines=["新型储能电站并网发电"]
    )
    rng = random.Random(3)
    lines = [fill.fill(t.text, rng, pools) for t in templates]
    assert all(lines) and not any("{" in line for line in lines)
    assert np.mean([len(line) for line in lines]) < 30


def test_section_headings_split_three_ways():
    sides = [set(split.section_headings(part)) for part in ("test", "calib", "train")]
    assert all(sides)
    assert not (sides[0] & sides[1]) and not (sides[0] & sides[2]) and not (sides[1] & sides[2])
    assert set().union(*sides) == set(words("section_headings"))
    assert split.section_headings("stage2") == split.section_headings("train")


def test_page_titles_headings_and_captions_come_from_the_article():
    """Never another story's headline: only the article's title, its clauses or a generic heading."""
    c = load_corpora(Path(__file__).resolve().parent / "data_classifier")
    articles = [a for a in c.articles if a.get("paragraphs")]
    pages = article_pages(c, split.Side(articles, c.headlines, [], []), "test", random.Random(5), 200)
    sections = set(split.section_headings("test"))
    titles = {a.get("title") for a in articles}
    seen = {"title": 0, "heading": 0, "caption": 0}
    for page in pages:
        text = "".join(e.text for e in page if e.source == "page:paragraph")
        for e in page:
            role = e.source.removeprefix("page:")
            if role == "title":
                assert e.text in titles
            elif role == "heading":
                assert e.text in sections or e.text in text, e.text
            elif role == "caption":
                assert e.text.removeprefix("图为").removeprefix("图：") in text, e.text
            else:
                continue
            seen[role] += 1
    assert all(seen.values()), seen


def test_spam_lines_now_and_then_close_like_a_sentence():
    pools = fill.Pools(adult=["词甲"], gamble=["词乙"], ads=["词丙"], domains=["a.com"], headlines=["标题"])
    rng = random.Random(4)
    lines = [fill.spam_line("{adult},{adult}", rng, pools) for _ in range(2000)]
    closed = [line for line in lines if line.endswith(fill.SPAM_ENDINGS)]
    assert 0.05 < len(closed) / len(lines) < 0.15
    closed_already = [fill.spam_line("{adult}速来！", rng, pools) for _ in range(500)]
    assert all(line.endswith("速来！") for line in closed_already)  # never a second ending


def test_body_overlap_tells_a_section_heading_from_a_related_headline():
    texts = [
        "华为今天发布了新款折叠屏手机，搭载自研麒麟芯片，起售价为九千九百九十九元。",
        "折叠屏手机的铰链",  # a heading in the article's words
        "新款折叠屏手机采用了全新的铰链设计，展开后屏幕几乎看不到折痕，重量也更轻。",
        "某地暴雨导致航班大面积延误",  # a related-news headline
    ]
    body = np.array([True, False, True, False])
    overlap = body_overlap(texts, body)
    assert overlap[1] > 0.8
    assert overlap[3] == 0.0
    # a body line's own bigrams do not count: only what the other body lines share with it
    assert 0.0 < overlap[0] < 1.0


def _overlap_by_sets(texts: list[str], body: np.ndarray) -> np.ndarray:
    """The definition of body_overlap, written with plain sets."""
    grams = []
    for t in texts:
        kept = "".join(
            ch for ch in t.lower() if (ch.isascii() and ch.isalnum()) or "\u3400" <= ch <= "\u9fff"
        )
        grams.append({kept[i : i + 2] for i in range(len(kept) - 1)})
    out = np.zeros(len(texts))
    for i, g in enumerate(grams):
        if len(g) >= 2:
            others = set().union(*(grams[j] for j in range(len(texts)) if body[j] and j != i))
            out[i] = len(g & others) / len(g)
    return out


def test_body_overlap_agrees_with_its_definition_on_random_pages():
    rng = random.Random(11)
    alphabet = "新款手机芯片发布会价格屏幕电池abcxyz019 ，。|"
    for _ in range(200):
        texts = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(rng.randint(1, 8))
        ]
        body = np.array([rng.random() < 0.5 for _ in texts])
        np.testing.assert_allclose(body_overlap(texts, body), _overlap_by_sets(texts, body), atol=1e-6)


def test_hashed_ngram_counts_match_a_plain_count():
    lines = ["abcab", "", "新手机新手机", "a"]
    got = hash_ngrams(lines).toarray()
    for row, line in enumerate(lines):
        grams = [line[i : i + n] for n in (1, 2, 3) for i in range(len(line) - n + 1)]
        assert got[row].sum() == len(grams)
        assert got[row].max(initial=0) == max((grams.count(g) for g in grams), default=0)
    assert got.shape == (4, N_FEATURES)
    assert hash_ngrams(lines).has_sorted_indices  # what the packed-key grouping promises


def _layout_columns(texts: list[str], *names: str) -> np.ndarray:
    """The named layout columns of each line, every line content-like."""
    p = np.tile(np.array([[0.9, 0.04, 0.03, 0.03]], dtype=np.float32), (len(texts), 1))
    shape = np.zeros((len(texts), len(SHAPE_NAMES)), dtype=np.float32)
    x = context_features(p, [[Line(t) for t in texts]], shape)
    assert x.shape[1] == 2 * 4 + len(OFFSETS) * 5 + N_LAYOUT + len(SHAPE_NAMES)
    return x[:, [layout_column(name, 4) for name in names]]


def _list_run_columns(texts: list[str]) -> np.ndarray:
    """(run length, run's mean body overlap) of each line."""
    return _layout_columns(texts, "short_run", "short_run_overlap")


def test_table_rows_are_told_from_a_lone_pipe_run():
    body = "新版办公套件的几款产品在授权方式和文件格式支持上各有不同，下面的表格列出了它们的区别。"
    table = ["软件 | 授权 | 平台", "甲 | 免费 | 全平台", "乙 | 收费 | 仅桌面"]
    lone = "01月02日|某地新闻标题|词一|词二|词三"
    cols = _layout_columns([body, *table, body, lone, body, "一 | 二 | 三", "甲|乙"], "table_row")[:, 0]
    assert cols.tolist() == [0, 1, 1, 1, 0, 0, 0, 0, 0]  # rows of one table; the lone run and a
    # line with a different cell count are no table


def test_list_runs_carry_their_overlap_with_the_article():
    body = [
        "这款开源同步工具支持多种云存储，可以在图形界面中浏览、上传和下载远程文件，配置文件与命令行版本共用。",
        "新版本还改进了传输队列，大文件上传中断后可以从断点继续，不必重新开始，速度也更稳定。",
    ]
    features = ["浏览远程文件", "上传和下载文件", "断点继续传输"]  # items speaking the article's words
    menu = ["首页", "国际", "财经", "体育"]  # a menu: words the article never uses
    cols = _list_run_columns([body[0], *features, body[1], *menu])
    assert np.allclose(cols[1:4, 0], 0.3) and np.allclose(cols[5:9, 0], 0.4)  # run lengths / 10
    assert cols[1:4, 1].min() > 0.5  # the feature list shares the article's bigrams
    assert cols[5:9, 1].max() == 0.0  # the menu shares none
    assert (cols[[0, 4], :] == 0).all()  # body paragraphs belong to no run


def _curve_case(spam_at_04: int) -> tuple[np.ndarray, np.ndarray]:
    """2,000 content lines (8 at P(content) 0.4, the rest 0.9) and 5,000 spam lines
    (``spam_at_04`` at 0.4, the rest 0.05): thresholds above 0.4 remove the 8 paragraphs,
    thresholds up to 0.4 keep the spam lines at 0.4."""
    content = [[0.9, 0.1, 0.0, 0.0]] * 1992 + [[0.4, 0.6, 0.0, 0.0]] * 8
    spam = [[0.05, 0.95, 0.0, 0.0]] * (5000 - spam_at_04) + [[0.4, 0.6, 0.0, 0.0]] * spam_at_04
    return np.array(content + spam, dtype=np.float32), np.array([0] * 2000 + [1] * 5000)


def test_threshold_near_tie_goes_to_the_higher_threshold():
    # high thresholds: 2.5 x 8/2000 = 1.0%; low ones: 49/5000 = 0.98%, within 5%
    proba, y = _curve_case(49)
    assert choose_threshold(proba, y, log=lambda _: None) == 0.5


def test_threshold_clear_win_goes_to_the_cheaper_threshold():
    # low thresholds: 40/5000 = 0.8%, 20% cheaper: the highest of those wins
    proba, y = _curve_case(40)
    assert choose_threshold(proba, y, log=lambda _: None) == 0.4


def test_dated_lead_starts_with_a_date():
    rng = random.Random(3)
    leads = [phrases.dated_lead("华为发布新款手机。", rng) for _ in range(20)]
    assert all(lead.endswith("华为发布新款手机。") and lead[0].isdigit() for lead in leads)


def test_article_phrase_is_a_clause_of_the_article_and_never_a_date():
    paras = ["2025年6月9日，华为在深圳发布新款折叠屏手机，售价9999元。"]
    rng = random.Random(5)
    got = {phrases.article_phrase(paras, rng) for _ in range(30)}
    assert got <= {"华为在深圳发布新款折叠屏手机"}


def test_page_bootstrap_resamples_whole_pages():
    # 10 pages of 100 content lines; all 10 removed lines sit on page 0 (1% overall)
    groups = [f"p{i // 100}" for i in range(1000)]
    counts = np.zeros((1000, 4))
    counts[:, 2] = 1
    counts[:10, 3] = 1
    _, (lo, hi) = page_bootstrap(groups, counts)
    # page 0 is missing from about a third of the resamples: a page-level interval reaches 0,
    # where a line-level one would stay above 0.4%
    assert lo == 0.0 and hi >= 0.02
    counts[:, 3] = 0
    assert page_bootstrap(groups, counts)[1] == [0.0, 0.0]


def test_the_chain_and_the_features_share_the_ad_mark_patterns():
    """``core.text`` holds the domain and contact patterns for the chain (spliced ads); the features
    keep their own copy byte for byte, because the training code's bytes are part of a model's
    id. The two must stay equal."""
    from newsclean.classifiers import features
    from newsclean.core import text

    assert features._DOMAIN.pattern == text.DOMAIN_RE.pattern
    assert features._CONTACT.pattern == text.CONTACT_RE.pattern
