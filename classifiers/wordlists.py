"""The project's own word lists (``classifiers/data/words_*.txt``), read once each.

One entry per line, ``#`` starts a comment line; pair lists are ``key<TAB>value``. The order
of a file is the order the generators draw from, so editing a list changes the training data
(and therefore the model id).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of ``data/<name>`` (a file name with its suffix)."""
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        rows = (raw.rstrip("\n") for raw in fh)
        return [t for t in rows if t.strip() and not t.startswith("#")]


@cache
def words(name: str) -> tuple[str, ...]:
    """The entries of ``data/words_<name>.txt`` in file order."""
    return tuple(t.strip() for t in data_lines(f"words_{name}.txt"))


@cache
def pairs(name: str) -> dict[str, str]:
    """``data/words_<name>.txt`` read as ``key<TAB>value`` lines."""
    out: dict[str, str] = {}
    for t in data_lines(f"words_{name}.txt"):
        key, _, value = t.partition("\t")
        out[key] = value
    return out
