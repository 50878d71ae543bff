"""Decoding: declared charsets are checked, undeclared pages detected, binary refused."""

from __future__ import annotations

import pytest

from newsclean.core.errors import NotADocumentError
from newsclean.pipelines.decode import decode_bytes, looks_like_html

SIMPLIFIED = "市气象台今晨发布消息，受冷空气影响，本周末全市将出现明显降温，最低气温可能跌破零度。"
TRADITIONAL = "本週末臺北市將迎來寒流，氣象局提醒民眾出門注意保暖，夜間最低溫可能降至十度以下。"
CANTONESE = "佢哋話呢間舖頭嘅嘢好抵食，我哋今晚去睇下啦，唔好遲到呀。"


def page(body: str, meta: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{meta}<title>News</title></head><body><p>{body}</p></body></html>"


def test_gbk_declared_in_meta():
    data = page(SIMPLIFIED, '<meta charset="gbk">').encode("gbk")
    out = decode_bytes(data)
    assert out.encoding == "gb18030"
    assert SIMPLIFIED in out.text


def test_gb2312_label_decodes_gb18030_only_characters():
    # 镕 and 堃 are outside GB2312; the four-byte 𠮷 is GB18030 only.
    text = SIMPLIFIED + "朱镕基、王堃与𠮷野家"
    data = page(text, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode(
        "gb18030"
    )
    out = decode_bytes(data)
    assert out.encoding == "gb18030"
    assert "朱镕基、王堃与𠮷野家" in out.text


def test_http_header_charset_is_used():
    out = decode_bytes(SIMPLIFIED.encode("gbk"), "text/html; charset=GB2312")
    assert out.text == SIMPLIFIED


def test_big5_declared():
    data = page(TRADITIONAL, '<meta charset="big5">').encode("big5")
    out = decode_bytes(data)
    assert out.encoding == "big5"
    assert TRADITIONAL in out.text


def test_big5_label_with_hkscs_characters_falls_back_to_big5hkscs():
    data = page(CANTONESE, '<meta charset="big5">').encode("big5hkscs")
    with pytest.raises(UnicodeDecodeError):
        data.decode("big5")
    out = decode_bytes(data)
    assert out.encoding == "big5hkscs"
    assert CANTONESE in out.text


@pytest.mark.parametrize(
    ("text", "codec", "expected_codec"),
    [
        (SIMPLIFIED, "gbk", "gb18030"),
        (TRADITIONAL, "big5", "big5"),
        (SIMPLIFIED, "utf-8", "utf-8"),
        (TRADITIONAL, "utf-8", "utf-8"),
    ],
)
def test_undeclared_pages_are_detected(text, codec, expected_codec):
    out = decode_bytes(page(text).encode(codec))
    assert out.encoding == expected_codec
    assert text in out.text


def test_utf8_label_on_gbk_bytes():
    data = page(SIMPLIFIED, '<meta charset="utf-8">').encode("gbk")
    out = decode_bytes(data, "text/html; charset=utf-8")
    assert SIMPLIFIED in out.text


def test_gb2312_label_on_utf8_bytes():
    data = page(SIMPLIFIED, '<meta charset="gb2312">').encode("utf-8")
    out = decode_bytes(data)
    assert out.encoding == "utf-8"
    assert SIMPLIFIED in out.text


def test_gb2312_label_on_big5_bytes():
    data = page(TRADITIONAL, '<meta charset="gb2312">').encode("big5")
    out = decode_bytes(data)
    assert TRADITIONAL in out.text


def test_big5_label_on_gbk_bytes():
    data = page(SIMPLIFIED, '<meta charset="big5">').encode("gbk")
    assert SIMPLIFIED in decode_bytes(data).text


@pytest.mark.parametrize(("bom", "codec"), [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le")])
def test_bom_wins_over_a_wrong_label(bom, codec):
    data = bom + page(SIMPLIFIED, '<meta charset="gbk">').encode(codec)
    out = decode_bytes(data, "text/html; charset=gbk")
    assert SIMPLIFIED in out.text
    assert not out.text.startswith("\ufeff")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
        b"<html>\x00\x01\x02 hidden nul bytes</html>",
        bytes(range(1, 32)) * 20,
    ],
)
def test_binary_is_refused_with_one_line(data):
    with pytest.raises(NotADocumentError) as err:
        decode_bytes(data)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("data", [b"", b"   \n\t "])
def test_empty_input_is_refused(data):
    with pytest.raises(NotADocumentError, match="empty"):
        decode_bytes(data)


def test_looks_like_html():
    assert looks_like_html(page(SIMPLIFIED))
    assert looks_like_html("\n\n<div class='x'>正文</div>")
    assert not looks_like_html("标题\n2025-07-02 来源:某报\n" + SIMPLIFIED)
    assert not looks_like_html("比较 a<b 与 b>c 的大小")


def test_utf16_declared_in_the_header_is_not_binary():
    data = page(SIMPLIFIED).encode("utf-16-le")
    assert SIMPLIFIED in decode_bytes(data, "text/html; charset=UTF-16LE").text
    with pytest.raises(NotADocumentError):
        decode_bytes(data)  # undeclared: NUL bytes everywhere look binary


def test_server_default_latin1_label_on_gbk_bytes():
    data = page(SIMPLIFIED).encode("gbk")
    assert SIMPLIFIED in decode_bytes(data, "text/html; charset=ISO-8859-1").text


def test_a_real_latin1_page_stays_latin():
    text = "Le café était fermé à cause de la grève générale, déclarée très tôt ce matin près de la gare."
    out = decode_bytes(page(text).encode("latin-1"), "text/html; charset=ISO-8859-1")
    assert text in out.text


def test_true_label_on_rare_characters_is_kept():
    """Text of rare characters under its true label is not handed to detection, which reads
    it no better (a GBK page of 丂丼乲亍亪 once came out as cp932 katakana)."""
    text = "。。。。。。。。。丂丂丂丂丼丼丼乲亍亍亪"
    data = f"<html><head><title>ok</title></head><body><p>{text}</p></body></html>".encode("gbk")
    decoded = decode_bytes(data, "text/html; charset=gbk")
    assert text in decoded.text, decoded.encoding
