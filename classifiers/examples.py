"""Labelled lines: the Example record and the labelled JSON Lines files (``--extra``, ``eval
--data``, the review page's export)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from newsclean.core.errors import InputError
from newsclean.core.labels import LABELS
from newsclean.core.types import Line


@dataclass
class Example:
    """One labelled line; page fields are set for lines of (synthetic or given) pages."""

    text: str
    label: str
    source: str
    weight: float = 1.0
    page: str | None = None
    line: Line | None = None

    def to_json(self) -> dict:
        d = {"text": self.text, "label": self.label, "source": self.source}
        if self.page is not None and self.line is not None:
            d.update(
                page=self.page,
                tag=self.line.tag,
                link_density=self.line.link_density,
                in_list=self.line.in_list,
                in_main=self.line.in_main,
            )
        return d


def read_labelled(path: Path) -> list[Example]:
    """Labelled JSON Lines: {"text", "label", "source"} plus optional page/layout fields."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"labelled file not found: {path}")
    out: list[Example] = []
    pages: dict[str, int] = {}
    rows = []
    with path.open(encoding="utf-8") as fh:
        for no, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                d = json.loads(raw)
            except json.JSONDecodeError:
                raise InputError(f"{path}:{no}: not a JSON object") from None
            if not isinstance(d, dict) or not isinstance(d.get("text"), str) or d.get("label") not in LABELS:
                raise InputError(f"{path}:{no}: needs a text and a label in {', '.join(LABELS)}")
            rows.append(d)
            if d.get("page") is not None:
                pages[str(d["page"])] = pages.get(str(d["page"]), 0) + 1
    index: dict[str, int] = {}
    for d in rows:
        page = d.get("page")
        line = None
        if page is not None:
            page = str(page)
            i = index.get(page, 0)
            index[page] = i + 1
            line = Line(
                text=d["text"],
                tag=str(d.get("tag", "text")),
                link_density=float(d.get("link_density", 0.0)),
                in_list=bool(d.get("in_list", False)),
                in_main=bool(d.get("in_main", True)),
                index=i,
                total=pages[page],
            )
        out.append(Example(d["text"], d["label"], str(d.get("source", path.name)), page=page, line=line))
    return out


def write_labelled(path: Path, examples: Iterable[Example]) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for e in examples:
            fh.write(json.dumps(e.to_json(), ensure_ascii=False) + "\n")
