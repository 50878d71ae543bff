"""Bytes to text: the declared charset when it is true, detection when it is not.

Chinese sites often lie about their charset (a page labelled GB2312 that holds GBK or
GB18030 characters, a UTF-8 label on GBK bytes, Big5 pages with Hong Kong characters), so a
declared charset is only trusted after a strict decode succeeds, and an undeclared page is
detected rather than assumed to be UTF-8.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from newsclean.core.errors import NotADocumentError
from newsclean.core.text import HAN_RE

SNIFF_BYTES = 8192  # how much of the page the binary and markup checks look at
PLAUSIBILITY_SAMPLE = 20_000  # characters scored when telling GB from Big5
MAX_STRAY_BYTES = 4  # undecodable byte runs a legacy-codec page may hold (a cut character, a typo)...
STRAY_SHARE = 0.0005  # ...or this share of its characters, whichever is more
MAX_CONTROL_SHARE = 0.05
MAX_STRAY_NULS = 4  # a few NUL bytes are a stray in a text page (they are dropped); binary data has many
NUL_SHARE = 0.001  # control bytes beyond this share mean binary data, not text

# Magic numbers of formats that are never a page (images, archives, documents, executables).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"BM", "BMP image"),
    (b"RIFF", "RIFF media (WebP/WAV/AVI)"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"\x00\x00\x01\x00", "icon"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x28\xb5\x2f\xfd", "zstd archive"),
    (b"\x7fELF", "ELF executable"),
    (b"\xca\xfe\xba\xbe", "Java class / Mach-O binary"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "MS Office document"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"fLaC", "FLAC audio"),
    (b"\x00asm", "WebAssembly module"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"wOFF", "web font"),
    (b"wOF2", "web font"),
)
_FTYP = re.compile(rb"^....ftyp")  # MP4 / MOV / HEIC / AVIF

# Labels that mean "some GB encoding": GB18030 is a superset of all of them.
_GB_LABELS = {
    "gb2312",
    "gbk",
    "gb18030",
    "x-gbk",
    "cp936",
    "ms936",
    "windows-936",
    "euc-cn",
    "chinese",
    "csgb2312",
    "iso-ir-58",
    "gb_2312",
    "gb_2312-80",
    "hz-gb-2312",
}
_BIG5_LABELS = {
    "big5",
    "big5-hkscs",
    "big5hkscs",
    "cn-big5",
    "x-x-big5",
    "csbig5",
    "cp950",
    "ms950",
    "x-euc-tw",
}

_HTML_RE = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|p|div|span|table|br|a\s|article|section|"
    r"h[1-6]|ul|ol|li|script|style|link|img)\b",
    re.IGNORECASE,
)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# control bytes of a binary file (text has tab, line feed, form feed and carriage return)
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0C, 0x0D)) + b"\x7f"
# what _checked counts as junk: U+FFFD and control characters (Unicode Cc) other than \t \n \r \f
_JUNK_RE = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Decoded:
    """The page's text and the codec that produced it (a Python codec name)."""

    text: str
    encoding: str


def decode_bytes(data: bytes, content_type: str | None = None) -> Decoded:
    """Decode a page; raise NotADocumentError for empty or binary input.

    Order: byte-order mark (it cannot lie), HTTP Content-Type charset, ``<meta>`` charset,
    then detection. A declared codec must decode the bytes strictly, else detection decides.
    """
    if not data or not data.strip():
        raise NotADocumentError("empty input: no bytes to read as a page")
    bom_codec, bom = read_bom(data)
    if bom_codec:
        codec = _python_codec(bom_codec)
        try:
            return _checked(Decoded(data[len(bom) :].decode(codec), codec))
        except UnicodeDecodeError:
            pass  # a stray BOM-like prefix: fall through to the other evidence
    header_codec = _python_codec(http_content_type_encoding(content_type) or "") if content_type else ""
    if header_codec.startswith(("utf-16", "utf-32")):
        # the only text encodings whose bytes hold NULs: decode before the binary check
        try:
            return _checked(Decoded(data.decode(header_codec), header_codec))
        except UnicodeDecodeError:
            pass
    _reject_binary(data)

    declared = [
        label
        for label in (
            http_content_type_encoding(content_type) if content_type else None,
            html_body_declared_encoding(data[:SNIFF_BYTES]),
        )
        if label
    ]
    for label in declared:
        found = _try_declared(data, label)
        if found is not None:
            return _checked(found)
    return _checked(_detect(data))


def sanitize_text(text: str) -> str:
    """Lone surrogates become U+FFFD and control characters go: parsers and JSON output choke on them."""
    text = _SURROGATE_RE.sub("\ufffd", text)
    return _CONTROL_RE.sub("", text)


def looks_like_html(text: str) -> bool:
    """True when the first few KB hold HTML tags; False for a plain-text dump."""
    head = text[:4096]
    return bool(_HTML_RE.search(head))


def _python_codec(label: str) -> str:
    """Map a web charset label to the Python codec we decode it with."""
    name = label.strip().strip("\"'").lower().replace("_", "-")
    if name in _GB_LABELS or name.replace("-", "_") in _GB_LABELS:
        return "gb18030"
    if name in _BIG5_LABELS:
        return "big5"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def _try_declared(data: bytes, label: str) -> Decoded | None:
    codec = _python_codec(label)
    if not codec:
        return None
    if codec != "utf-8" and _is_utf8_with_multibyte(data):
        # GB18030 and Big5 decode most UTF-8 byte runs without error, so a strict decode cannot
        # catch a wrong legacy label. Valid UTF-8 by accident happens only in short texts (GBK
        # 同时 is also UTF-8 for ͬʱ), so the label loses only when UTF-8 reads as better Chinese.
        as_utf8 = data.decode("utf-8")
        try:
            as_declared = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            return Decoded(as_utf8, "utf-8")
        sample = PLAUSIBILITY_SAMPLE
        if _plausibility(as_utf8[:sample]) >= _plausibility(as_declared[:sample]):
            return Decoded(as_utf8, "utf-8")
    candidates = ("big5", "big5hkscs", "cp950") if codec == "big5" else (codec,)
    for name in candidates:
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if name != "utf-8" and _implausible(text) and _reads_better(_detect(data).text, text):
            return None  # decodes, but into gibberish: detection reads it better
        return Decoded(text, name)
    return None


def _reads_better(detected: str, declared: str) -> bool:
    """Whether detection's reading is better Chinese than the label's: a label is only
    overruled by a better reading, never for text that is rare characters in every codec."""
    sample = PLAUSIBILITY_SAMPLE
    return _plausibility(detected[:sample]) > _plausibility(declared[:sample])


def _detect(data: bytes) -> Decoded:
    """Pick the codec for undeclared (or falsely declared) bytes."""
    if data.isascii() or _is_utf8_with_multibyte(data):
        return Decoded(data.decode("utf-8"), "utf-8")
    best, score = _best_cjk_score(data)
    if best is not None and score >= 0.5:
        return best
    try:
        from charset_normalizer import from_bytes

        match = from_bytes(data).best()
    except Exception:  # detection failing must not crash the page; fall back below
        match = None
    if match is not None and match.encoding:
        codec = _python_codec(match.encoding) or match.encoding
        try:
            return Decoded(data.decode(codec), codec)
        except (UnicodeDecodeError, LookupError):
            pass
    if best is not None:
        return best
    return Decoded(data.decode("gb18030", errors="replace"), "gb18030")


def _best_cjk_score(data: bytes) -> tuple[Decoded | None, float]:
    """Decode strictly as GB18030 and Big5(-HKSCS) and keep the more plausible Chinese."""
    best: Decoded | None = None
    best_score = -1.0
    for codec in ("gb18030", "big5", "big5hkscs"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            # a page cut mid-character or with a stray byte is still that codec's page
            text = data.decode(codec, errors="replace")
            if text.count("\ufffd") > max(MAX_STRAY_BYTES, len(text) * STRAY_SHARE):
                continue
        score = _plausibility(text[:PLAUSIBILITY_SAMPLE])
        if score > best_score + 1e-9:
            best, best_score = Decoded(text, codec), score
    return best, best_score


def _is_utf8_with_multibyte(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@functools.lru_cache(maxsize=65536)
def _common_char(ch: str) -> bool:
    """A frequent Chinese character: GB2312 level 1 (simplified) or Big5 frequent (traditional).

    Text decoded with the wrong CJK codec lands in rare characters, kana, bopomofo or
    private-use code points, so this share separates right from wrong decodes.
    """
    try:
        gb = ch.encode("gb2312")
        if len(gb) == 2 and 0xB0 <= gb[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        b5 = ch.encode("big5")
        return len(b5) == 2 and 0xA4 <= b5[0] <= 0xC6
    except UnicodeEncodeError:
        return False


def _implausible(text: str) -> bool:
    """A legacy-codec decode that produced mostly rare characters: the label was wrong."""
    sample = text[:SNIFF_BYTES]
    return sum(1 for ch in sample if not ch.isascii()) >= 20 and _plausibility(sample) < 0.5


def _plausibility(text: str) -> float:
    """Share of non-ASCII characters that are frequent Chinese characters or common punctuation."""
    good = bad = 0
    for ch, n in Counter(text).items():  # each distinct character judged once
        if ch.isascii():
            continue
        if _good_char(ch):
            good += n
        else:
            bad += n
    total = good + bad
    return good / total if total else 1.0


@functools.lru_cache(maxsize=65536)
def _good_char(ch: str) -> bool:
    if HAN_RE.match(ch):
        return _common_char(ch)
    return ch in "，。、；：？！“”‘’（）《》【】—…·　" or unicodedata.category(ch).startswith("Z")


def _reject_binary(data: bytes) -> None:
    head = data[:SNIFF_BYTES]
    for magic, what in _MAGIC:
        if head.startswith(magic) and _header_fits(magic, head):
            raise NotADocumentError(f"not a page: the data is a {what}")
    if _FTYP.match(head):
        raise NotADocumentError("not a page: the data is an MP4/ISO media file")
    if head.count(b"\x00") > max(MAX_STRAY_NULS, NUL_SHARE * len(head)):
        raise NotADocumentError("not a page: binary data (NUL bytes)")
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > MAX_CONTROL_SHARE * len(head):
        raise NotADocumentError(
            f"not a page: binary data ({controls} control bytes in the first {len(head)})"
        )


def _header_fits(magic: bytes, head: bytes) -> bool:
    """Whether the bytes after a short magic number are that format's header, not text that
    happens to start the same way ("BMW 发布新车型", "ID3 标签的格式")."""
    if magic == b"BM":  # file size, then two reserved 16-bit fields that are zero
        return len(head) >= 10 and head[6:10] == b"\x00\x00\x00\x00"
    if magic == b"ID3":  # major version 2-4, revision byte 0
        return len(head) >= 5 and head[3] in (2, 3, 4) and head[4] == 0
    return True


def _checked(decoded: Decoded) -> Decoded:
    """Refuse text that decoded but is still mostly control characters or replacement marks."""
    sample = decoded.text[:SNIFF_BYTES]
    if not sample.strip():
        raise NotADocumentError("empty input: the page holds only white space")
    junk = len(_JUNK_RE.findall(sample))
    if junk > MAX_CONTROL_SHARE * 2 * len(sample):
        raise NotADocumentError("not a page: the text is mostly control or undecodable characters")
    return decoded
