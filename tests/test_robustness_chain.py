"""Hostile input for the cleaning chain: it either returns a schema-valid article or raises a
NewscleanError with a clear message. Never another exception, never a hang.

Property-based (hypothesis) over clean_document and over each step with random bytes, random and
malformed HTML, and Chinese text in many encodings with and without labels; plus the extreme
shapes (10,000 nested elements, a 10 MB attribute, tens of thousands of tiny lines, a 10 MB page)
run in child processes with a time limit, so a hang or a crash of the interpreter is a failure
and not a stuck test run. Example counts are kept small: the whole file runs in well under a
minute on two cores.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean.core.errors import NewscleanError
from newsclean.core.paths import PROJECT_ROOT, shared_dir

URL = "http://robust.example.cn/news/2025/0702/1.html"
REASONS = {"spam", "adult", "boilerplate", "hidden", "metadata", "duplicate"}
MODEL = (
    os.environ.get("NEWSCLEAN_TEST_MODEL") or None
)  # a model bundle to test with; default: the bundled one
EXAMPLE_SECONDS = 20  # wall-clock cap per example; a hang fails instead of stalling the run
HEAVY_SECONDS = 90  # per extreme input, in a child process: a hang detector (the 10 MB page takes ~30 s on 2 cores), not a speed target

SETTINGS = settings(
    max_examples=25,
    deadline=timedelta(seconds=10),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

# Original sentences: a real article body, so some random pages do survive as articles.
ARTICLE = [
    "本市首条自动驾驶公交线路昨日开始试运营，全程十二公里，沿途设有十八个站点。",
    "运营方介绍，车辆配备激光雷达和多路摄像头，安全员全程随车，遇到复杂路况会立即接管。",
    "试运营期间乘客免费乘坐，相关部门将根据运行数据评估是否扩大线路覆盖范围。",
]


# ------------------------------------------------------------------ checks


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the main thread after ``seconds`` (a hang becomes a failure)."""

    def expire(signum, frame):
        raise TimeoutError(f"no result after {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _schema_validator():
    shared = shared_dir()
    path = shared / "eval" / "article.schema.json" if shared else None
    if not path or not path.is_file():
        return None
    import jsonschema

    schema = json.loads(path.read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


VALIDATOR = _schema_validator()


def check_article(article: dict) -> None:
    """The article object: required fields and types, then the shared JSON Schema."""
    assert isinstance(article, dict)
    for key, kinds in {
        "url": str,
        "title": (str, type(None)),
        "published_at": (str, type(None)),
        "source": (str, type(None)),
        "author": (str, type(None)),
        "keywords": list,
        "language": str,
        "converted": bool,
        "paragraphs": list,
        "text": str,
        "removed": list,
        "fetched_at": str,
        "fingerprint": str,
        "classifier": str,
    }.items():
        assert key in article, f"missing {key}"
        assert isinstance(article[key], kinds), f"{key} is {type(article[key]).__name__}"
    assert article["url"] == URL
    assert article["paragraphs"], "an article without paragraphs must be an error instead"
    assert all(isinstance(p, str) and p.strip() for p in article["paragraphs"])
    assert article["text"] == "\n".join(article["paragraphs"])
    assert all(isinstance(k, str) for k in article["keywords"])
    assert article["language"] and article["fingerprint"] and article["classifier"]
    for item in article["removed"]:
        assert set(item) >= {"text", "reason", "score"}
        assert item["reason"] in REASONS, item
        assert item["score"] is None or 0.0 <= item["score"] <= 1.0, item
    # what the CLI and the crawl write: JSON in UTF-8 (a lone surrogate would break here)
    json.dumps(article, ensure_ascii=False, allow_nan=False).encode("utf-8")
    if VALIDATOR is not None:
        errors = sorted(VALIDATOR.iter_errors(article), key=lambda e: list(e.path))
        assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def check_error(err: NewscleanError) -> None:
    message = str(err)
    assert message.strip(), f"{type(err).__name__} with an empty message"
    assert len(message) < 2000, "an error message is one line a person reads"


@pytest.fixture(scope="module")
def classifier():
    from newsclean.classifiers.model import load_classifier

    clf = load_classifier(MODEL)
    from newsclean.chain import clean_document

    # warm up lazy caches (langdetect profiles, converters) so deadlines measure the work
    clean_document("<p>" + "".join(ARTICLE) + "</p>", url=URL, classifier=clf)
    return clf


def clean(data: bytes | str, classifier, **kw) -> dict | NewscleanError:
    from newsclean.chain import clean_document

    with time_limit(EXAMPLE_SECONDS):
        try:
            article = clean_document(data, url=URL, classifier=classifier, **kw)
        except NewscleanError as err:
            check_error(err)
            return err
    check_article(article)
    return article


# ------------------------------------------------------------------ strategies

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
PUNCT = st.sampled_from(list("，。、；：？！“”《》（）—… 0123456789abcXYZ\n\t"))
chinese = st.text(st.one_of(CJK, CJK, CJK, PUNCT), min_size=1, max_size=120)

TAGS = [
    "<html>",
    "</html>",
    "<head>",
    "</head>",
    "<body>",
    "</body>",
    "<div>",
    "</div>",
    "<p>",
    "</p>",
    "<br>",
    "<br/>",
    "<span>",
    "</span>",
    "<ul><li>",
    "</li></ul>",
    "<table><tr><td>",
    "</td></tr></table>",
    "<h1>",
    "</h1>",
    "<title>",
    "</title>",
    "<a href='/x'>",
    "<a href=http://spam.example/>",
    "</a>",
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    ".x{display:none}",
    "<noscript>",
    "<iframe src=x>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<!DOCTYPE html>",
    "<?xml version='1.0'?>",
    "<",
    ">",
    "&",
    "&amp;",
    "&#x4e2d;",
    "&#65;",
    "&nbsp;",
    "&#0;",
    "&#xD800;",
    "&bogus;",
    "\x00",
    "\x0c",
    "\u200b",
    "\ufeff",
    "<div style='display:none'>",
    '<div style="visibility:hidden;font-size:0">',
    "<p hidden>",
    "<div class='x'>",
    "<marquee>",
    "<ruby>中<rt>zhōng</rt></ruby>",
    "<rp>(</rp>",
    "<meta charset='big5'>",
    "<meta http-equiv='Content-Type' content='text/html; charset=gb2312'>",
    "<meta name='keywords' content='",
    "'>",
    "<time datetime='2025-13-45'>",
    "来源：",
    "作者：",
    "2025年7月2日",
    "2099-99-99 25:61",
    "<svg><text>",
    "</svg>",
    "<math>",
    "<template>",
    "</template>",
    "<img src=x onerror=alert(1)>",
    "<form><input value='",
    "<textarea>",
    "</textarea>",
    "<plaintext>",
    "<frameset>",
    "<select><option>",
]
html_soup = st.lists(st.one_of(st.sampled_from(TAGS), chinese, st.sampled_from(ARTICLE)), max_size=120).map(
    "".join
)
content_types = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "text/html",
            "text/html; charset=utf-8",
            "text/html; charset=gb2312",
            "text/html; charset=big5",
            "text/html; charset=utf-16",
            "text/html; charset=shift_jis",
            "text/html; charset=bogus-charset",
            "text/html; charset=",
            "application/octet-stream",
            "image/png",
            'text/html; charset="utf-8"; x=y',
            "text/plain; charset=iso-8859-1",
        ]
    ),
)


def _alphabet(codec: str) -> list[str]:
    out = []
    for cp in range(0x4E00, 0x9FA6):
        ch = chr(cp)
        try:
            ch.encode(codec)
        except UnicodeEncodeError:
            continue
        out.append(ch)
    return out


CODECS = ["gbk", "gb18030", "big5", "utf-16", "utf-16-le", "utf-16-be", "shift_jis", "utf-8", "euc-kr"]
ALPHABETS = {codec: _alphabet(codec) for codec in CODECS}
# labels as web pages write them (the Python codec name is not always what pages say)
LABELS = {"utf-16-le": "utf-16le", "utf-16-be": "utf-16be"}


@st.composite
def encoded_pages(draw):
    codec = draw(st.sampled_from(CODECS))
    text = draw(st.text(st.sampled_from(ALPHABETS[codec] + list("，。 ")), min_size=1, max_size=200))
    label_at = draw(st.sampled_from(["none", "header", "meta", "both", "wrong"]))
    label = LABELS.get(codec, codec)
    meta = (
        f"<meta charset='{label}'>" if label_at in ("meta", "both") and not codec.startswith("utf-16") else ""
    )
    page = f"<html><head>{meta}<title>ok</title></head><body><p>{text}</p></body></html>"
    data = page.encode(codec, errors="strict")
    header = None
    if label_at in ("header", "both"):
        header = f"text/html; charset={label}"
    elif label_at == "wrong":
        header = "text/html; charset=" + ("big5" if codec != "big5" else "gbk")
    labelled = bool(meta) or (header is not None and label_at != "wrong")
    return codec, text, label_at, header, data, labelled


# ------------------------------------------------------------------ clean_document


@SETTINGS
@given(data=st.binary(max_size=4000), ctype=content_types)
def test_random_bytes(classifier, data, ctype):
    clean(data, classifier, content_type=ctype)


@SETTINGS
@given(page=html_soup, ctype=content_types)
def test_random_html_bytes(classifier, page, ctype):
    clean(page.encode("utf-8", errors="surrogatepass"), classifier, content_type=ctype)


@SETTINGS
@given(page=html_soup)
def test_random_html_str_and_kinds(classifier, page):
    for kind in (None, "html", "text"):
        clean(page, classifier, kind=kind)


@SETTINGS
@given(junk=html_soup, where=st.sampled_from(["before", "inside", "after"]))
def test_article_survives_surrounding_junk(classifier, junk, where):
    """Junk around a real article may change what is kept, but the outcome stays well-formed."""
    body = "".join(f"<p>{p}</p>" for p in ARTICLE)
    page = {
        "before": f"{junk}<html><body><h1>试运营</h1>{body}</body></html>",
        "inside": f"<html><body><h1>试运营</h1>{body[:40]}{junk}{body[40:]}</body></html>",
        "after": f"<html><body><h1>试运营</h1>{body}</body></html>{junk}",
    }[where]
    clean(page.encode(), classifier)


@SETTINGS
@given(case=encoded_pages())
def test_chinese_in_any_encoding(classifier, case):
    _codec, _text, _label_at, header, data, _labelled = case
    clean(data, classifier, content_type=header)


def test_same_input_same_fingerprint(classifier):
    page = "<html><body><h1>试运营</h1>" + "".join(f"<p>{p}</p>" for p in ARTICLE) + "</body></html>"
    first, second = clean(page.encode(), classifier), clean(page.encode("gb18030"), classifier)
    assert isinstance(first, dict) and isinstance(second, dict)
    assert first["text"] == second["text"] and first["fingerprint"] == second["fingerprint"]


# ------------------------------------------------------------------ each step


@SETTINGS
@given(data=st.binary(max_size=4000), ctype=content_types)
def test_decode_random_bytes(data, ctype):
    from newsclean.pipelines.decode import decode_bytes

    with time_limit(EXAMPLE_SECONDS):
        try:
            decoded = decode_bytes(data, ctype)
        except NewscleanError as err:
            check_error(err)
            return
    assert isinstance(decoded.text, str) and decoded.text.strip()
    decoded.text.encode("utf-8")  # no lone surrogates leak out of decoding


@SETTINGS
@given(case=encoded_pages())
def test_decode_labelled_encodings_exactly(case):
    """A true label (or a BOM) must give back exactly the text that was encoded."""
    from newsclean.pipelines.decode import decode_bytes

    codec, text, _label_at, header, data, labelled = case
    with time_limit(EXAMPLE_SECONDS):
        try:
            decoded = decode_bytes(data, header)
        except NewscleanError as err:
            check_error(err)
            decoded = None
    exact = labelled or codec in ("utf-8", "utf-16")  # utf-16 carries a BOM; UTF-8 is self-checking
    if exact and text.strip():
        assert decoded is not None, f"{codec} page with label {header!r} refused"
        assert text in decoded.text, f"{codec} ({header!r}) decoded as {decoded.encoding}"


@pytest.mark.parametrize("text", ["之", "同时", "也说为"])
def test_true_gbk_label_beats_accidental_utf8(text):
    """Short GBK text can be valid UTF-8 by accident (之 = D6 AE = U+05AE); the true label must win."""
    from newsclean.pipelines.decode import decode_bytes

    data = f"<html><body><p>{text}</p></body></html>".encode("gbk")
    data.decode("utf-8")  # the premise: these bytes are valid UTF-8 too
    assert text in decode_bytes(data, "text/html; charset=gbk").text


# (a <meta> label cannot be read before UTF-16 bytes are decoded: UTF-16 is labelled in the header)
@pytest.mark.parametrize(
    ("codec", "where"),
    [(c, "header") for c in CODECS] + [(c, "meta") for c in CODECS if not c.startswith("utf-16")],
)
def test_decode_each_labelled_encoding(codec, where):
    """Every codec, labelled the way pages label it, decodes to exactly the text written."""
    from newsclean.pipelines.decode import decode_bytes

    text = "".join(ch for ch in "".join(ARTICLE) if ch in set(ALPHABETS[codec]) or ch in "，。")
    label = LABELS.get(codec, codec)
    meta = f"<meta charset='{label}'>" if where == "meta" else ""
    data = f"<html><head>{meta}</head><body><p>{text}</p></body></html>".encode(codec)
    header = f"text/html; charset={label}" if where == "header" else None
    decoded = decode_bytes(data, header)
    assert text in decoded.text, f"{codec} labelled in the {where} decoded as {decoded.encoding}"


@SETTINGS
@given(page=html_soup)
def test_dom_steps(page):
    from newsclean.core.types import Block, Extracted, Line, Metadata, Removed
    from newsclean.pipelines.decode import looks_like_html
    from newsclean.pipelines.domclean import clean_dom
    from newsclean.pipelines.extract import extract_html
    from newsclean.pipelines.lines import to_lines
    from newsclean.pipelines.metalines import split_metadata
    from newsclean.pipelines.normalise import normalise_lines, normalise_meta

    with time_limit(EXAMPLE_SECONDS):
        assert isinstance(looks_like_html(page), bool)
        try:
            doc, hidden = clean_dom(page)
            assert all(isinstance(r, Removed) and r.reason == "hidden" for r in hidden)
            extracted = extract_html(doc, URL)
            assert isinstance(extracted, Extracted) and isinstance(extracted.meta, Metadata)
            assert all(isinstance(b, Block) for b in extracted.blocks)
            lines = to_lines(extracted.blocks)
            assert all(isinstance(line, Line) for line in lines)
            normal, conversion = normalise_lines(lines)
            assert isinstance(conversion.converted, bool)
            meta = normalise_meta(extracted.meta, conversion)
            body, meta, removed, origin = split_metadata(normal, meta)
            assert len(body) + len(removed) == len(normal) and len(origin) == len(body)
            assert origin == sorted(set(origin)) and set(origin) <= {line.index for line in normal}
            assert all(isinstance(r, Removed) for r in removed)
        except NewscleanError as err:
            check_error(err)


@SETTINGS
@given(text=st.lists(st.one_of(chinese, st.sampled_from(ARTICLE)), max_size=80).map("\n".join))
def test_text_steps(text):
    from newsclean.pipelines.lines import to_lines
    from newsclean.pipelines.metalines import split_metadata
    from newsclean.pipelines.normalise import normalise_lines, normalise_meta
    from newsclean.pipelines.textdump import extract_text

    with time_limit(EXAMPLE_SECONDS):
        try:
            extracted = extract_text(text)
            normal, conversion = normalise_lines(to_lines(extracted.blocks))
            split_metadata(normal, normalise_meta(extracted.meta, conversion))
        except NewscleanError as err:
            check_error(err)


# ------------------------------------------------------------------ extreme shapes, in child processes

BODY = "".join(f"<p>{p}</p>" for p in ARTICLE)
HEAVY = {
    "nested-10000-div": f"'<html><body>' + '<div>' * 10000 + {BODY!r} + '</div>' * 10000 + '</body></html>'",
    "nested-10000-unclosed": f"'<html><body>' + '<div><span><b>' * 10000 + {BODY!r}",
    "nested-10000-table": f"'<html><body>' + '<table><tr><td>' * 10000 + {BODY!r}",
    "attribute-10MB": f"'<html><body><div data-x=\"' + 'x' * 10_000_000 + '\">' + {BODY!r} + '</div></body></html>'",
    "style-10MB": f"'<html><body><div style=\"' + 'color:red;' * 1_000_000 + '\">' + {BODY!r} + '</div></body></html>'",
    "tiny-lines-20000": f"'<html><body>' + '<p>字</p>' * 20000 + {BODY!r} + '</body></html>'",
    "tiny-text-lines-30000": f"'\\n'.join(['短'] * 30000 + {ARTICLE!r})",
    "br-lines-20000": f"'<html><body><div>' + '好<br>' * 20000 + {BODY!r} + '</div></body></html>'",
    "page-10MB": f"'<html><body><h1>长文</h1>' + {BODY!r} * (10_000_000 // len({BODY!r}.encode())) + '</body></html>'",
    "links-30000": f"'<html><body>' + ''.join(f'<a href=/x/{{i}}>链接{{i}}</a>' for i in range(30000)) + {BODY!r} + '</body></html>'",
    "one-line-10MB": f"'<html><body><p>' + '很长的一行' * 700_000 + '</p>' + {BODY!r} + '</body></html>'",
}

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from newsclean.chain import clean_document
    from newsclean.core.errors import NewscleanError
    from newsclean.classifiers.model import load_classifier
    page = eval(sys.argv[1])
    data = page.encode("utf-8")
    clf = load_classifier(sys.argv[4] if len(sys.argv) > 4 else None)
    start = time.perf_counter()
    try:
        article = clean_document(data, url=sys.argv[2], classifier=clf)
        out = {"article": article}
    except NewscleanError as err:
        out = {"error": str(err), "class": type(err).__name__}
    out["seconds"] = time.perf_counter() - start
    out["bytes"] = len(data)
    with open(sys.argv[3], "w", encoding="utf-8") as fh:
        json.dump(out, fh, ensure_ascii=False)
    """
)


@pytest.fixture(scope="module")
def heavy_results(tmp_path_factory) -> dict[str, dict]:
    """Run every extreme case in its own interpreter, two at a time, each with a time limit."""
    tmp = tmp_path_factory.mktemp("heavy")

    def one(name: str) -> dict:
        out = tmp / f"{name}.json"
        start = time.monotonic()
        try:
            proc = subprocess.run(
                [sys.executable, "-c", CHILD, HEAVY[name], URL, str(out), *([MODEL] if MODEL else [])],
                capture_output=True,
                timeout=HEAVY_SECONDS,
                cwd=PROJECT_ROOT,
            )
        except subprocess.TimeoutExpired:
            return {"hang": f"no result after {HEAVY_SECONDS} s"}
        if proc.returncode != 0 or not out.exists():
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            return {"crash": f"exit {proc.returncode}: {' | '.join(tail)}"}
        result = json.loads(out.read_text("utf-8"))
        result["wall"] = time.monotonic() - start
        return result

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(HEAVY, pool.map(one, HEAVY), strict=True))
    report = os.environ.get("NEWSCLEAN_ROBUSTNESS_REPORT")  # where to save the outcomes for docs
    if report:
        summary = {
            name: {k: v for k, v in r.items() if k != "article"}
            | ({"paragraphs": len(r["article"]["paragraphs"])} if "article" in r else {})
            for name, r in results.items()
        }
        Path(report).write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return results


@pytest.mark.parametrize("name", list(HEAVY))
def test_extreme_input(heavy_results, name):
    result = heavy_results[name]
    assert "hang" not in result, f"{name}: {result['hang']}"
    assert "crash" not in result, f"{name}: {result['crash']}"
    if "article" in result:
        check_article(result["article"])
    else:
        assert result["error"].strip() and "\n" not in result["error"], result


@pytest.mark.parametrize("name", ["nested-10000-div", "attribute-10MB", "tiny-lines-20000", "page-10MB"])
def test_extreme_input_keeps_the_article(heavy_results, name):
    """Where the article is plainly there, the extreme shape around it must not lose it."""
    result = heavy_results[name]
    assert "article" in result, f"{name}: {result}"
    text = result["article"]["text"]
    assert ARTICLE[0] in text, f"{name}: article lost; kept {text[:120]!r}"
