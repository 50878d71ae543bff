"""``python -m bench.real``: extraction on real pages nobody here wrote, per page class, with
trafilatura and readability-lxml side by side.

The pages are the development set in ``../shared/real-dev/zh-extraction-69`` (real public pages
with hand-made gold body text, dates and authors; ``--dataset`` names another folder of the
same layout). Each page is cleaned with one loaded model, in process, and scored as
``../shared/eval/extract_f1.py`` scores it: character-bigram precision, recall and F1 of the
output text against the gold, white space removed and both sides converted to Simplified
Chinese; dates compared on their day, authors as sets of names. Pages are put in a class by
their own shape (a forum thread, a blog with comments, hard-wrapped text, a WeChat copy, an
error page, other news pages), so a change can be judged where it matters. Where the shared
folder is absent the benchmark says so in one line and exits 0.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from newsclean.core.errors import NewscleanError
from newsclean.core.paths import shared_dir

DATASET = Path("real-dev") / "zh-extraction-69"
TOOLS = ("newsclean", "trafilatura", "readability")
DATE = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")
FORUM = re.compile(r"楼主|发表于|回复|帖子|论坛|bbs|thread", re.IGNORECASE)
BLOG = re.compile(r"博客|blog|评论|comment", re.IGNORECASE)
ERROR = re.compile(r"错误信息|发生错误|页面不存在|not found", re.IGNORECASE)
URL_URN = "http://real-dev.example.cn/"


@dataclass
class PageScore:
    name: str
    kind: str
    f1: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    date_ok: bool | None = None
    author_ok: bool | None = None
    error: str | None = None


def simplified():
    """OpenCC t2s when importable (the scorer's normalisation), else the identity."""
    try:
        import opencc

        return opencc.OpenCC("t2s").convert
    except Exception:  # pragma: no cover - opencc is a dependency of the project
        return lambda text: text


def bigram_prf(gold: str, output: str, convert) -> tuple[float, float, float]:
    """Precision, recall and F1 of the output's character bigrams against the gold's (with counts)."""
    g, p = (convert(re.sub(r"\s+", "", t or "")) for t in (gold, output))
    gc = Counter(g[i : i + 2] for i in range(len(g) - 1))
    pc = Counter(p[i : i + 2] for i in range(len(p) - 1))
    hit = sum((gc & pc).values())
    precision, recall = hit / max(1, sum(pc.values())), hit / max(1, sum(gc.values()))
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def day(value: object) -> str | None:
    m = DATE.search(str(value or ""))
    if m is None:
        return None
    year, month, date = (int(x) for x in m.groups())
    return f"{year:04d}-{month:02d}-{date:02d}"


def names(value: object) -> set[str]:
    return {n for n in re.split(r"[\s,，、;；/|]+", str(value or "").strip()) if n}


def page_kind(raw: bytes) -> str:
    """The page's class, read from its own shape (not from its gold)."""
    from newsclean.pipelines.decode import decode_bytes
    from newsclean.pipelines.dom import page_body
    from newsclean.pipelines.domclean import clean_dom
    from newsclean.pipelines.paragraphs import wrap_width
    from newsclean.pipelines.streams import is_post_header
    from newsclean.pipelines.walk import page_blocks

    html = decode_bytes(raw).text
    if "js_content" in html:
        return "wechat copy"
    doc, _ = clean_dom(html)
    blocks = [block for _, block in page_blocks(page_body(doc))]
    text = " ".join(b.text for b in blocks[:400])
    stamps = sum(1 for b in blocks if is_post_header(b.text))
    if any(wrap_width(b.text.split("\n")) for b in blocks if b.text.count("\n") >= 3):
        return "hard-wrapped"
    if ERROR.search(text) and sum(len(b.text) for b in blocks) < 3000:
        return "error page"
    if stamps >= 3 and FORUM.search(text):
        return "forum thread"
    if stamps >= 3 or BLOG.search(text):
        return "blog / comments"
    return "news / portal"


def anchors(raw: bytes) -> dict[str, str]:
    """trafilatura's and readability's text for the page, fed Scrapy-decoded text as the scorer does."""
    out: dict[str, str] = {}
    try:
        from scrapy.http import HtmlResponse

        text = HtmlResponse(url=URL_URN, body=raw).text
    except Exception:
        text = raw.decode("utf-8", "replace")
    try:
        import trafilatura

        out["trafilatura"] = trafilatura.extract(text) or ""
    except ImportError:
        pass
    except Exception:
        out["trafilatura"] = ""
    try:
        import lxml.html
        from readability import Document
    except ImportError:
        return out
    try:
        summary = Document(text).summary()
        out["readability"] = lxml.html.fromstring(summary).text_content() if summary else ""
    except Exception:
        out["readability"] = ""
    return out


def score_pages(folder: Path) -> list[PageScore]:
    from newsclean.chain import clean_document
    from newsclean.classifiers.model import load_classifier

    classifier = load_classifier()
    convert = simplified()
    scores = []
    for page in sorted((folder / "original").glob("*.html")):
        name = page.stem
        raw = page.read_bytes()
        gold = (folder / "cleaned" / f"{name}.txt").read_text(encoding="utf-8")
        score = PageScore(name, page_kind(raw))
        try:
            article = clean_document(raw, url=URL_URN + page.name, classifier=classifier)
        except NewscleanError as err:
            article, score.error = {}, f"{type(err).__name__}: {err}"
        score.f1["newsclean"] = bigram_prf(gold, article.get("text", ""), convert)
        for tool, text in anchors(raw).items():
            score.f1[tool] = bigram_prf(gold, text, convert)
        gold_date = folder / "date" / f"{name}.txt"
        if gold_date.exists() and day(gold_date.read_text(encoding="utf-8")):
            score.date_ok = day(article.get("published_at")) == day(gold_date.read_text(encoding="utf-8"))
        gold_author = folder / "author" / f"{name}.txt"
        if gold_author.exists():
            want = names(gold_author.read_text(encoding="utf-8"))
            if want and want != {"UNKNOWN"}:
                score.author_ok = names(article.get("author")) == want
        scores.append(score)
    return scores


def _mean(scores: list[PageScore], tool: str) -> str:
    values = [s.f1[tool][2] for s in scores if tool in s.f1]
    return f"{sum(values) / len(values):.3f}" if values else "-"


def _count(flags: list[bool | None]) -> str:
    judged = [f for f in flags if f is not None]
    return f"{sum(judged)}/{len(judged)}" if judged else "-"


def _prf(values: tuple[float, float, float]) -> str:
    precision, recall, f1 = values
    return f"P{precision:.2f} R{recall:.2f} F{f1:.2f}"


def report(scores: list[PageScore], worst: int) -> str:
    tools = [t for t in TOOLS if any(t in s.f1 for s in scores)]
    head = (
        f"{'class':<18} {'pages':>5}  "
        + "  ".join(f"{t:>11}" for t in tools)
        + f"  {'dates':>6}  {'authors':>7}"
    )
    lines = ["body F1 (character bigrams) per page class", head, "-" * len(head)]
    by_kind: dict[str, list[PageScore]] = defaultdict(list)
    for s in scores:
        by_kind[s.kind].append(s)
    for kind, group in [*sorted(by_kind.items()), ("all", scores)]:
        cells = "  ".join(f"{_mean(group, t):>11}" for t in tools)
        lines.append(
            f"{kind:<18} {len(group):>5}  {cells}  {_count([s.date_ok for s in group]):>6}"
            f"  {_count([s.author_ok for s in group]):>7}"
        )
    lines += [
        "",
        f"worst {worst} pages (P/R/F1)",
        f"{'page':<10} {'class':<16} " + "  ".join(f"{t:<17}" for t in tools),
    ]
    for s in sorted(scores, key=lambda s: s.f1["newsclean"][2])[:worst]:
        cells = "  ".join(_prf(s.f1[t]) if t in s.f1 else f"{'-':<17}" for t in tools)
        lines.append(f"{s.name[:8]:<10} {s.kind:<16} {cells}" + (f"  ({s.error[:60]})" if s.error else ""))
    lost = [
        s
        for s in scores
        if s.f1["newsclean"][2] < 0.5 and max(s.f1[t][2] for t in tools if t != "newsclean") >= 0.8
    ]
    lines.append(f"\npages below 0.5 where an anchor reaches 0.8: {len(lost)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.real", description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, help="a folder with original/, cleaned/, date/, author/")
    parser.add_argument("--worst", type=int, default=10)
    args = parser.parse_args(argv)
    folder = args.dataset
    if folder is None:
        shared = shared_dir()
        folder = shared / DATASET if shared is not None else None
    if folder is None or not (folder / "original").is_dir():
        print(
            f"bench.real skipped: no real-page set at {folder or '../shared/' + str(DATASET)} (set NEWSCLEAN_SHARED)"
        )
        return 0
    logging.disable(logging.CRITICAL)
    warnings.filterwarnings("ignore")
    start = time.perf_counter()
    scores = score_pages(folder)
    print(report(scores, args.worst))
    print(f"{len(scores)} pages from {folder} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
