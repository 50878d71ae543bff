"""Write the encoding test pages from their UTF-8 sources in src/.

Each page is stored as the bytes a misconfigured Chinese site would really send, which an
editor cannot keep reliably; the readable sources stay beside them so the pages can be edited
and regenerated: `python tests/pages/make_encoded.py`.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
BOM = b"\xef\xbb\xbf"

# page name: (codec of the bytes written, prefix). The charset the page *declares* is in the source.
PAGES: dict[str, tuple[str, bytes]] = {
    "enc-gbk-declared": ("gbk", b""),
    "enc-gb18030-as-gb2312": ("gb18030", b""),
    "enc-gbk-undeclared": ("gbk", b""),
    "enc-utf8-bom": ("utf-8", BOM),
    "enc-utf8-declared-gbk": ("utf-8", b""),
    "enc-big5-taiwan": ("big5", b""),
    "enc-gbk-stray-byte": ("gbk", b""),
}
# a marker in a source that becomes one stray byte: a GBK lead byte with no trail byte, as when
# a page is cut mid-character
STRAY = "〔断〕"
STRAY_BYTE = b"\xc7"


def encode_page(name: str, codec: str, prefix: bytes) -> bytes:
    """Encode strictly: a character the codec lacks is a mistake in the source, not something to hide."""
    text = (HERE / "src" / f"{name}.html").read_text(encoding="utf-8")
    data = text.encode(codec, errors="strict")
    return prefix + (data.replace(STRAY.encode(codec), STRAY_BYTE) if STRAY in text else data)


def main() -> None:
    for name, (codec, prefix) in PAGES.items():
        data = encode_page(name, codec, prefix)
        (HERE / f"{name}.html").write_bytes(data)
        print(f"{name}.html: {len(data)} bytes, {codec}{' with BOM' if prefix else ''}")
    gb = (HERE / "src" / "enc-gb18030-as-gb2312.html").read_text(encoding="utf-8")
    try:
        gb.encode("gbk")
    except UnicodeEncodeError:
        pass
    else:
        raise SystemExit("enc-gb18030-as-gb2312 must hold characters that GBK cannot encode")


if __name__ == "__main__":
    main()
