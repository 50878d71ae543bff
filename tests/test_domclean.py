"""DOM cleaning: invisible text is removed and recorded, visible text stays."""

from __future__ import annotations

import pytest

from newsclean.pipelines.domclean import clean_dom

BODY = "<p>本市今年新建公园二十座，市民休闲去处明显增多。</p>"


def visible_and_hidden(html: str) -> tuple[str, list[str]]:
    doc, removed = clean_dom(html)
    assert all(r.reason == "hidden" and r.score is None for r in removed)
    return doc.text_content(), [r.text for r in removed]


def test_scripts_styles_comments_and_frames_are_dropped():
    html = (
        "<html><head><title>公园</title><script>var x='脚本文字';</script>"
        "<style>p{color:red}</style></head><body>"
        "<!-- 注释里的广告 --><noscript>请开启脚本</noscript><iframe>框架文字</iframe>"
        "<template>模板文字</template><svg><text>矢量文字</text></svg>" + BODY + "</body></html>"
    )
    text, hidden = visible_and_hidden(html)
    assert "本市今年新建公园二十座" in text
    for junk in ("脚本文字", "color:red", "注释里的广告", "请开启脚本", "框架文字", "模板文字", "矢量文字"):
        assert junk not in text
    assert hidden == []  # dropped markup is not "hidden text"


@pytest.mark.parametrize(
    "style",
    [
        "display:none",
        "DISPLAY: None !important",
        "visibility:hidden",
        "font-size:0",
        "font-size:0px",
        "font-size:0.0em",
        "opacity:0",
        "opacity:0.0",
        "position:absolute;left:-9999px",
        "position:fixed; top:-5000px",
        "text-indent:-9999px",
        "height:0;overflow:hidden",
        "max-height:0px; overflow: hidden",
    ],
)
def test_inline_hiding_styles(style):
    html = f'<body>{BODY}<div style="{style}">博彩<b>网址</b>大全</div></body>'
    text, hidden = visible_and_hidden(html)
    assert "博彩" not in text
    assert hidden == ["博彩网址大全"]
    assert "本市今年新建公园二十座" in text


@pytest.mark.parametrize(
    "style", ["display:block", "font-size:12px", "opacity:0.5", "position:absolute;left:10px", "height:0"]
)
def test_visible_styles_stay(style):
    text, hidden = visible_and_hidden(f'<body><div style="{style}">保留这段文字</div></body>')
    assert "保留这段文字" in text
    assert hidden == []


def test_hidden_attribute_and_marquee_but_not_aria_hidden_alone():
    html = (
        "<body><div hidden>隐藏属性文字</div><marquee>滚动广告</marquee>"
        '<div aria-hidden="true">图标说明</div>' + BODY + "</body>"
    )
    text, hidden = visible_and_hidden(html)
    assert hidden == ["隐藏属性文字", "滚动广告"]
    assert "图标说明" in text


def test_style_block_rules_on_class_id_and_tag_selectors():
    html = """<html><head><style>
      /* 隐藏的链接农场 */
      .lf { display : none }
      #kw, span.tiny { font-size: 0 }
      div.box .inner { visibility: hidden; }
      @media print { .printonly { display: none } }
      a:hover { display: none }
      .shown { display: none } .shown { color: red; display: block }
      .gone { color: blue } .gone { display: none }
    </style></head><body>
      <div class="lf">彩票<a href="#">网址</a></div>
      <p id="kw">关键词堆砌</p>
      <span class="tiny big">小字广告</span><span class="big">正常小标题</span>
      <div class="box"><p class="inner">盒子里的隐藏段</p><p>盒子里的正文段</p></div>
      <p class="printonly">打印时才隐藏</p>
      <a href="#">悬停链接</a>
      <p class="shown">后来的规则让它显示</p><p class="gone">后来的规则把它隐藏</p>
    </body></html>"""
    text, hidden = visible_and_hidden(html)
    assert hidden == ["彩票网址", "关键词堆砌", "小字广告", "盒子里的隐藏段", "后来的规则把它隐藏"]
    for kept in ("正常小标题", "盒子里的正文段", "打印时才隐藏", "悬停链接", "后来的规则让它显示"):
        assert kept in text


def test_inline_style_overrides_a_hiding_rule():
    html = '<head><style>.x{display:none}</style></head><body><p class="x" style="display:block">看得见</p></body>'
    text, hidden = visible_and_hidden(html)
    assert "看得见" in text
    assert hidden == []


def test_nested_hidden_elements_are_recorded_once():
    html = '<body><div style="display:none">外层<p style="font-size:0">内层</p></div></body>'
    _, hidden = visible_and_hidden(html)
    assert hidden == ["外层 内层"]


def test_ruby_annotations_removed_base_kept():
    html = "<body><p>欢迎访<ruby>問<rp>(</rp><rt>wèn</rt><rp>)</rp></ruby>本站<ruby>漢字<rt>hàn zì</rt></ruby></p></body>"
    text, hidden = visible_and_hidden(html)
    assert text == "欢迎访問本站漢字"
    assert hidden == []


def test_deep_nesting_does_not_crash():
    depth = 10_000
    html = (
        "<body>"
        + "<div>" * depth
        + "深处的文字<span style='display:none'>深处的隐藏</span>"
        + "</div>" * depth
    )
    text, hidden = visible_and_hidden(html)
    assert "深处的文字" in text
    assert "深处的隐藏" not in text
    assert hidden == ["深处的隐藏"]


def test_broken_markup_and_huge_attributes():
    html = (
        "<p title='" + "x" * 1_000_000 + "'>第一段正文" + "<div <<p>残缺标签</b></i>"
        "<p style='" + "color:red;" * 5000 + "display:none'>藏在长样式后"
    )
    text, hidden = visible_and_hidden(html)
    assert "第一段正文" in text
    assert "残缺标签" in text
    assert hidden == ["藏在长样式后"]


def test_empty_and_textless_input():
    doc, removed = clean_dom("")
    assert doc.text_content() == ""
    assert removed == []


def test_lone_surrogates_and_nul_in_text_input():
    text, _ = visible_and_hidden("<p>正\ud800文\x00内容\x01</p>")
    assert text == "正\ufffd文内容"


def test_combinator_and_attribute_selectors_and_many_rules():
    rules = "".join(f".r{i}{{display:none}}" for i in range(300))
    css = rules + "div.box > p.x{display:none} h2 + p.y{font-size:0} div[data-ad] span{visibility:hidden}"
    html = (
        f"<head><style>{css}</style></head><body>"
        "<div class='box'><p class='x'>直接子元素被藏</p><div><p class='x'>孙元素可见</p></div></div>"
        "<h2>小标题</h2><p class='y'>紧跟标题被藏</p><p class='y'>不紧跟可见</p>"
        "<div data-ad='1'><span>广告属性被藏</span></div><p class='r299'>第三百条规则</p></body>"
    )
    text, hidden = visible_and_hidden(html)
    assert hidden == ["直接子元素被藏", "紧跟标题被藏", "广告属性被藏", "第三百条规则"]
    assert "孙元素可见" in text and "不紧跟可见" in text
