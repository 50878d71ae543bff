"""Ad clauses spliced into a real paragraph: cut the clause, keep the paragraph.

Hacked pages glue an ad to a paragraph's end ("…发布赌博和色情信息。澳门新葡京官网 www… 注册即送彩金")
or into it. A line-level verdict then either keeps the ad with the paragraph or drops the
paragraph with the ad. Here every multi-sentence line is split into sentences, which the line
model judges one by one (stage 1, as isolated lines); a sentence it calls spam or adult with
confidence, that also carries an ad's marks (a domain, a contact, a call to action), is cut out
and listed in ``removed``, and the rest of the paragraph stays — when the rest is most of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from newsclean.core.judge import LineJudge
from newsclean.core.text import CALL_TO_ACTION_RE, CONTACT_RE, DOMAIN_RE
from newsclean.core.types import Line, Removed

MIN_SPLIT_CHARS = 30  # shorter lines are one clause: the line verdict stands
CLAUSE_CONFIDENCE = 0.9  # a sentence is cut only when the model is this sure it is spam or adult
CONTENT_CONFIDENCE = 0.8  # a dropped line is rescued only by sentences the model calls content this surely
MIN_KEPT_SHARE = 0.5  # what stays must be most of the line
_SENTENCE = re.compile(r"[^。！？!?；;]*[。！？!?；;]+[”’」』）)]*|[^。！？!?；;]+$")
AD_LABELS = ("spam", "adult")


def sentences(text: str) -> list[str]:
    """The line's sentences, with their end marks; together exactly the line."""
    return [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0)]


def has_ad_marks(text: str) -> bool:
    low = text.lower()
    return bool(DOMAIN_RE.search(low) or CONTACT_RE.search(low) or CALL_TO_ACTION_RE.search(text))


def cut_spliced(
    lines: Sequence[Line], kept: Sequence[bool], labels: Sequence[str | None], judge: LineJudge
) -> list[tuple[Line | None, list[Removed]]]:
    """For each line: the line as it should stay (None: drop it whole, as decided) and the clauses cut.

    A kept line loses its ad sentences; a line dropped as spam or adult comes back without them
    when its other sentences are content the model is sure of and make up most of it.
    """
    # a line with no ad marks anywhere has no sentence to cut: it is neither split nor judged again
    parts = [
        sentences(line.text)
        if len(line.text) >= MIN_SPLIT_CHARS and (k or label in AD_LABELS) and has_ad_marks(line.text)
        else []
        for line, k, label in zip(lines, kept, labels, strict=True)
    ]
    flat = [s.strip() for p in parts if len(p) >= 2 for s in p]
    verdicts = iter(judge.predict_texts(flat) if flat else [])
    out: list[tuple[Line | None, list[Removed]]] = []
    for line, k, pieces in zip(lines, kept, parts, strict=True):
        if len(pieces) < 2:
            out.append((line if k else None, []))
            continue
        judged = [(piece, next(verdicts)) for piece in pieces]
        ads = [v.label in AD_LABELS and v.score >= CLAUSE_CONFIDENCE and has_ad_marks(p) for p, v in judged]
        rest = [(p, v) for (p, v), ad in zip(judged, ads, strict=True) if not ad]
        rest_text = "".join(p for p, _ in rest).strip()
        enough = any(ads) and len(rest_text) >= MIN_KEPT_SHARE * len(line.text.strip())
        sure = all(v.label == "content" and v.score >= CONTENT_CONFIDENCE for _, v in rest)
        if not enough or not (k or sure):
            out.append((line if k else None, []))
            continue
        cut = [
            Removed(p.strip(), v.label, round(float(v.score), 4))
            for (p, v), ad in zip(judged, ads, strict=True)
            if ad
        ]
        out.append((replace(line, text=rest_text), cut))
    return out
