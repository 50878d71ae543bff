"""How ``newsclean clean`` writes articles (json, jsonl, txt, md) and its end-of-run summary."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

FORMATS = ("json", "jsonl", "txt", "md")


def render(article: dict, fmt: str, pretty: bool) -> str:
    """One article as text, ending in a newline; ``pretty`` is the many-line JSON of a single page."""
    if fmt in ("json", "jsonl"):
        return json.dumps(article, ensure_ascii=False, indent=2 if pretty and fmt == "json" else None) + "\n"
    title = article.get("title") or ""
    if fmt == "txt":
        return (f"{title}\n\n" if title else "") + article["text"] + "\n\n"
    facts = [article.get("published_at"), article.get("source"), article.get("author"), article["url"]]
    head = f"# {title}\n\n" if title else ""
    byline = " · ".join(str(f) for f in facts if f)
    return head + f"*{byline}*\n\n" + "\n\n".join(article["paragraphs"]) + "\n\n"


@dataclass
class Summary:
    """Counts over one run, printed on standard error at its end."""

    pages: int = 0
    articles: int = 0
    errors: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    spun: int = 0  # articles judged 伪原创 (written or, with --skip-spun, left out)
    spun_skipped: int = 0

    def add(self, article: dict | None, error_kind: str | None) -> None:
        self.pages += 1
        if article is not None:
            self.articles += 1
            self.removed.update(r["reason"] for r in article.get("removed", ()))
            self.spun += bool((article.get("spin") or {}).get("spun"))
        elif error_kind:
            self.errors[error_kind] += 1

    def lines(self) -> list[str]:
        no_article = self.errors.get("NoArticleError", 0)
        other = {k: v for k, v in self.errors.items() if k != "NoArticleError"}
        out = [
            f"pages {self.pages}: articles {self.articles}, no article {no_article}, "
            f"errors {sum(other.values())}" + (f" ({_counts(other)})" if other else ""),
            f"lines removed: {_counts(self.removed) or 'none'}",
            f"spun articles {self.spun}" + (f", left out {self.spun_skipped}" if self.spun_skipped else ""),
        ]
        if self.skipped:
            out.append(f"skipped, not pages: {_counts(self.skipped)}")
        return out


def _counts(counter: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))
