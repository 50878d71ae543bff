"""The hand-written line templates in ``classifiers/data``: spam/adult, boilerplate, content.

Every template has an id (``family/n``, n counting within the family in file order); the split
policy hashes ids, so held-out lines come from templates the model never saw.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsclean.classifiers.wordlists import data_lines


@dataclass(frozen=True)
class Template:
    family: str
    label: str
    text: str
    index: int

    @property
    def id(self) -> str:
        return f"{self.family}/{self.index}"


def _read_templates(name: str, with_label: bool) -> list[Template]:
    out: list[Template] = []
    counts: dict[str, int] = {}
    for raw in data_lines(name):
        parts = raw.split("\t")
        if with_label:
            family, label, text = parts[0], parts[1], "\t".join(parts[2:])
        else:
            family, label, text = parts[0], "boilerplate", "\t".join(parts[1:])
        index = counts.get(family, 0)
        counts[family] = index + 1
        out.append(Template(family, label, text, index))
    return out


def spam_templates() -> list[Template]:
    return _read_templates("spam_templates.txt", with_label=True)


def content_templates() -> list[Template]:
    """Short content lines (captions, spec and version lines, headings); label ``content``."""
    return [
        Template(t.family, "content", t.text, t.index)
        for t in _read_templates("content_templates.txt", with_label=False)
    ]


def boilerplate_templates() -> list[Template]:
    return _read_templates("boilerplate_templates.txt", with_label=False)
