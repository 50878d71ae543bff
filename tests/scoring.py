"""Judge one `newsclean clean` result against a hand-written gold file.

The rules match the project's external quality check, so a page that passes here passes there:
gold paragraphs must all be found (exact or near-exact), no forbidden string may leak into the
title or text, judged metadata must match, and the output must be plain Simplified Chinese
without pinyin annotations. Comparison ignores white space, invisible characters and the
full-width/half-width difference, because extractors legitimately differ on those.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsclean.core.schema import ARTICLE_SCHEMA

PAGE_SUFFIXES = (".html", ".htm", ".txt")
FUZZY_MIN = 0.95
REQUIRED_FIELDS = tuple(ARTICLE_SCHEMA["required"])
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs"})
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_SYLLABLE = "a-zü\u0251\u0261" + _TONED
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# A Han character directly followed by a parenthesised toned syllable: 問(wèn).
PINYIN_NOTE = re.compile(rf"[{_HAN}]\(\s*[{_SYLLABLE}]*[{_TONED}][{_SYLLABLE}]*\s*\)")
# 著 is both a Simplified and a Traditional character; t2s changing it is not a leak.
TRAD_EXEMPT = frozenset("著")


@dataclass(frozen=True)
class Gold:
    """A gold file: what a careful reader expects from one page."""

    path: Path
    url: str
    title: str | None
    published_at: str | None
    source: str | None
    paragraphs: list[str]
    optional: list[str]
    forbidden: list[str]
    expect_error: bool
    author: str | None = None  # judged as a set of names (order and separators aside)


@dataclass
class Verdict:
    """Why a page failed; empty `problems` means it passed."""

    problems: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def squash(text: str) -> str:
    """NFKC, then drop white space and invisible characters: the form every comparison uses."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if not c.isspace() and unicodedata.category(c) not in _INVISIBLE)


def name_set(value: object) -> set[str]:
    """Author names as a set: split on white space and list separators, order ignored."""
    return {n for n in re.split(r"[\s,，、;；/|]+", str(value or "").strip()) if n}


def load_gold(path: Path) -> Gold:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Gold(
        path=path,
        url=data["url"],
        title=data.get("title"),
        published_at=data.get("published_at"),
        source=data.get("source"),
        paragraphs=list(data.get("paragraphs") or []),
        optional=list(data.get("optional") or []),
        forbidden=list(data.get("forbidden") or []),
        expect_error=bool(data.get("expect_error")),
        author=data.get("author"),
    )


def find_pages(folder: Path) -> list[tuple[Path, Path]]:
    """Pages directly in `folder` that have NAME.gold.json beside them (sub-folders are not pages)."""
    pairs = []
    for page in sorted(folder.iterdir()):
        if not page.is_file() or page.suffix.lower() not in PAGE_SUFFIXES:
            continue
        gold = page.with_name(page.stem + ".gold.json")
        if gold.is_file():
            pairs.append((page, gold))
    return pairs


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def traditional_chars(text: str) -> list[str]:
    """Characters OpenCC t2s would change: what Simplified output must not contain."""
    if not text:
        return []
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return [a for a, b in zip(text, converted, strict=True) if a != b and a not in TRAD_EXEMPT]
    found: list[str] = []
    matcher = difflib.SequenceMatcher(None, text, converted, autojunk=False)
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            found.extend(c for c in text[i1:i2] if c not in TRAD_EXEMPT)
    return found


def pinyin_notes(text: str) -> list[str]:
    return PINYIN_NOTE.findall(unicodedata.normalize("NFKC", text))


def _close_enough(wanted: str, candidates: list[str]) -> bool:
    for cand in candidates:
        matcher = difflib.SequenceMatcher(None, wanted, cand, autojunk=False)
        if matcher.real_quick_ratio() < FUZZY_MIN or matcher.quick_ratio() < FUZZY_MIN:
            continue
        if matcher.ratio() >= FUZZY_MIN:
            return True
    return False


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def judge_article(article: dict[str, Any], gold: Gold) -> Verdict:
    """Compare one printed article with its gold file."""
    verdict = Verdict()
    for name in REQUIRED_FIELDS:
        if name not in article:
            verdict.problems.append(f"field {name!r} missing")
    paragraphs = article.get("paragraphs")
    text = article.get("text")
    if not isinstance(paragraphs, list) or not all(isinstance(p, str) for p in paragraphs):
        verdict.problems.append("paragraphs is not a list of strings")
        paragraphs = []
    if not isinstance(text, str):
        verdict.problems.append("text is not a string")
        text = "\n".join(paragraphs)
    elif text != "\n".join(paragraphs):
        verdict.problems.append("text is not the paragraphs joined with a newline")
    title = article.get("title")
    title = title if isinstance(title, str) else ""

    flat_text = squash(text)
    flat_title = squash(title)
    flat_paragraphs = [squash(p) for p in paragraphs if squash(p)]

    for wanted in gold.paragraphs:
        flat = squash(wanted)
        if flat and flat not in flat_text and not _close_enough(flat, flat_paragraphs):
            verdict.problems.append(f"missed: {_short(wanted)}")

    for bad in gold.forbidden:
        flat = squash(bad)
        if flat and (flat in flat_text or flat in flat_title):
            verdict.problems.append(f"leaked: {_short(bad)}")

    if gold.title is not None and squash(title) != squash(gold.title):
        verdict.problems.append(f"title: got {article.get('title')!r}, want {gold.title!r}")
    if gold.published_at is not None:
        got = article.get("published_at")
        if not isinstance(got, str) or got.strip()[:10] != gold.published_at.strip()[:10]:
            verdict.problems.append(f"published_at: got {got!r}, want {gold.published_at!r}")
    if gold.source is not None:
        got = article.get("source")
        if not isinstance(got, str) or squash(got) != squash(gold.source):
            verdict.problems.append(f"source: got {got!r}, want {gold.source!r}")

    if gold.author is not None and name_set(article.get("author")) != name_set(gold.author):
        verdict.problems.append(f"author: got {article.get('author')!r}, want {gold.author!r}")

    both = f"{title}\n{text}" if title else text
    trad = traditional_chars(both)
    if trad:
        verdict.problems.append(f"Traditional characters left: {''.join(sorted(set(trad)))}")
    notes = pinyin_notes(both)
    if notes:
        verdict.problems.append(f"pinyin annotations left: {' '.join(notes[:8])}")

    known = [squash(p) for p in [*gold.paragraphs, *gold.optional, *([gold.title] if gold.title else [])]]
    known = [k for k in known if k]
    joined = "".join(known)
    for para, flat in zip([p for p in paragraphs if squash(p)], flat_paragraphs, strict=True):
        if flat in joined or any(k in flat for k in known) or _close_enough(flat, known):
            continue
        verdict.extra.append(para)
    return verdict


def judge_run(returncode: int, stdout: str, stderr: str, gold: Gold) -> Verdict:
    """Judge a finished `newsclean clean` run: an error page or one article object."""
    if gold.expect_error:
        verdict = Verdict()
        lines = [line for line in stderr.splitlines() if line.strip()]
        if returncode == 0:
            verdict.problems.append("expected a failure, but the exit code was 0")
        if not lines:
            verdict.problems.append("no message on standard error")
        elif "Traceback (most recent call last)" in stderr:
            verdict.problems.append(f"traceback on standard error: {_short(lines[-1], 80)}")
        elif len(lines) != 1:
            verdict.problems.append(f"standard error has {len(lines)} lines, want one")
        if stdout.strip():
            verdict.problems.append("something was printed on standard output")
        return verdict
    if returncode != 0:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else "(no standard error)"
        return Verdict(problems=[f"exit code {returncode}: {_short(last, 120)}"])
    try:
        article = json.loads(stdout)
    except ValueError:
        return Verdict(problems=[f"standard output is not one JSON object: {_short(stdout, 80)}"])
    if not isinstance(article, dict):
        return Verdict(problems=["standard output is JSON but not an object"])
    return judge_article(article, gold)
