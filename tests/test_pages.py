"""Clean every hand-made page in tests/pages with the installed `newsclean clean` and judge it.

The pages are polluted the ways real Chinese news pages are (injected lines, hidden blocks, link
farms, lying charsets, Traditional text, pinyin); each has a gold file written by a reader, not by
the code. Running the real console script keeps the test honest about the whole chain: argument
parsing, decoding, JSON on standard output and one-line errors.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    from tests.scoring import (
        Gold,
        find_pages,
        judge_article,
        judge_run,
        load_gold,
        pinyin_notes,
        squash,
        traditional_chars,
    )
except ImportError:  # tests/ is not a package: pytest puts the folder itself on sys.path
    from scoring import (  # type: ignore[no-redef]
        Gold,
        find_pages,
        judge_article,
        judge_run,
        load_gold,
        pinyin_notes,
        squash,
        traditional_chars,
    )

PAGES_DIR = Path(__file__).resolve().parent / "pages"
PAGES = find_pages(PAGES_DIR)
TIMEOUT = 120


def _console_script() -> list[str]:
    beside = Path(sys.executable).with_name("newsclean")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("newsclean")
    if found:
        return [found]
    pytest.skip("the newsclean console script is not installed (pip install -e .)")


def _ids(pairs: list[tuple[Path, Path]]) -> list[str]:
    return [page.name for page, _gold in pairs]


def test_pages_exist() -> None:
    assert len(PAGES) >= 24, f"only {len(PAGES)} pages with gold files in {PAGES_DIR}"
    assert any(load_gold(g).expect_error for _p, g in PAGES)


@pytest.mark.parametrize(("page", "gold_path"), PAGES, ids=_ids(PAGES))
def test_gold_is_consistent(page: Path, gold_path: Path) -> None:
    """A gold file must not contradict itself: nothing wanted may also be forbidden."""
    gold = load_gold(gold_path)
    assert gold.url.startswith("http://") and ".example.cn/" in gold.url
    if gold.expect_error:
        assert not gold.paragraphs
        return
    assert len(gold.paragraphs) >= 3
    wanted = [*gold.paragraphs, *([gold.title] if gold.title else [])]
    for bad in gold.forbidden:
        flat = squash(bad)
        assert flat, "empty forbidden string"
        clashes = [w for w in wanted if flat in squash(w)]
        assert not clashes, f"forbidden {bad!r} occurs in wanted text {clashes[0][:30]!r}"
    for text in wanted:
        assert not traditional_chars(text), f"gold keeps Traditional characters: {text[:30]!r}"
        assert not pinyin_notes(text), f"gold keeps pinyin: {text[:30]!r}"


def _perfect_article(gold: Gold) -> dict:
    paragraphs = list(gold.paragraphs)
    return {
        "url": gold.url,
        "title": gold.title,
        "published_at": gold.published_at,
        "source": gold.source,
        "paragraphs": paragraphs,
        "text": "\n".join(paragraphs),
        "removed": [],
        "language": "zh-cn",
        "converted": False,
        "fetched_at": "2025-07-02T08:00:00+00:00",
        "fingerprint": "0",
        "classifier": "none",
    }


def test_scoring_accepts_gold_and_catches_faults() -> None:
    """The judge itself must pass a perfect article and fail each kind of fault."""
    gold = next(load_gold(g) for _p, g in PAGES if not load_gold(g).expect_error and load_gold(g).forbidden)
    perfect = _perfect_article(gold)
    assert judge_article(perfect, gold).ok

    missing = _perfect_article(gold)
    missing["paragraphs"] = missing["paragraphs"][1:]
    missing["text"] = "\n".join(missing["paragraphs"])
    assert not judge_article(missing, gold).ok

    leaky = _perfect_article(gold)
    leaky["paragraphs"].append(gold.forbidden[0])
    leaky["text"] = "\n".join(leaky["paragraphs"])
    assert not judge_article(leaky, gold).ok

    for addition in ("軟體", "訪問(wèn)"):
        dirty = _perfect_article(gold)
        dirty["paragraphs"][0] += addition
        dirty["text"] = "\n".join(dirty["paragraphs"])
        assert not judge_article(dirty, gold).ok

    broken = _perfect_article(gold)
    broken["text"] = " ".join(broken["paragraphs"])
    assert not judge_article(broken, gold).ok

    spaced = _perfect_article(gold)
    spaced["paragraphs"] = [" ".join(p) for p in spaced["paragraphs"]]
    spaced["text"] = "\n".join(spaced["paragraphs"])
    assert judge_article(spaced, gold).ok


# Pages the cleaner does not pass yet, each with what goes wrong. strict: the day one passes,
# the test fails until it is taken off this list, so the list cannot go stale.
KNOWN_FAILURES: dict[str, str] = {}


def _marked(pairs: list[tuple[Path, Path]]) -> list:
    return [
        pytest.param(page, gold, marks=pytest.mark.xfail(reason=KNOWN_FAILURES[page.name], strict=True))
        if page.name in KNOWN_FAILURES
        else pytest.param(page, gold)
        for page, gold in pairs
    ]


@pytest.mark.parametrize(("page", "gold_path"), _marked(PAGES), ids=_ids(PAGES))
def test_page(page: Path, gold_path: Path) -> None:
    gold = load_gold(gold_path)
    command = [*_console_script(), "clean", str(page), "--url", gold.url]
    run = subprocess.run(command, capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    verdict = judge_run(
        run.returncode,
        run.stdout.decode("utf-8", "replace"),
        run.stderr.decode("utf-8", "replace"),
        gold,
    )
    assert verdict.ok, f"{page.name}: " + "; ".join(verdict.problems)


def _load_make_encoded():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_encoded", PAGES_DIR / "make_encoded.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_encoded_pages_match_their_sources() -> None:
    """The stored bytes must be what make_encoded.py writes, and each page must lie the way it claims."""
    make_encoded = _load_make_encoded()
    for name, (codec, prefix) in make_encoded.PAGES.items():
        stored = (PAGES_DIR / f"{name}.html").read_bytes()
        assert stored == make_encoded.encode_page(name, codec, prefix), f"{name}: run make_encoded.py"
    gb18030 = (PAGES_DIR / "enc-gb18030-as-gb2312.html").read_bytes()
    assert b"charset=gb2312" in gb18030
    with pytest.raises(UnicodeDecodeError):
        gb18030.decode("gbk")
    lying = (PAGES_DIR / "enc-utf8-declared-gbk.html").read_bytes()
    assert b"charset=gbk" in lying and lying.decode("utf-8")
    undeclared = (PAGES_DIR / "enc-gbk-undeclared.html").read_bytes()
    assert b"charset" not in undeclared.lower()
    with pytest.raises(UnicodeDecodeError):
        undeclared.decode("utf-8")
    assert (PAGES_DIR / "enc-utf8-bom.html").read_bytes().startswith(b"\xef\xbb\xbf")
