"""The spam, adult and boilerplate lines one side of the split may draw: its lexicon terms and
domains, its templates, its SMS spam rows."""

from __future__ import annotations

import random
from collections.abc import Sequence

from newsclean.classifiers.corpora import Corpora
from newsclean.classifiers.fill import Pools, fill, spam_line
from newsclean.classifiers.split import template_part, term_part
from newsclean.classifiers.templates import Template, boilerplate_templates, spam_templates


def pools_of(c: Corpora, part: str, headlines: Sequence[str]) -> Pools:
    """The lexicon terms and domains of one side (train, stage2, calib or test)."""
    want = part

    def side(terms: list[str]) -> list[str]:
        # A tiny lexicon may put no term on one side; then both sides share it (small data only).
        return [t for t in terms if term_part(t) == want] or terms

    return Pools(
        adult=side(c.adult),
        gamble=side(c.gamble),
        ads=side(c.ads),
        domains=side(c.domains),
        headlines=headlines or c.headlines,
    )


class LineMaker:
    """Draws spam/adult and boilerplate lines from one side of the template split."""

    def __init__(self, pools: Pools, part: str, sms_spam: Sequence[str]) -> None:
        want = part if part in ("test", "calib") else "train"
        self.pools = pools
        spam_t = spam_templates()
        self.spam_t = [t for t in spam_t if template_part(t) == want]
        if not self.spam_t:  # no calibration templates set aside: the training ones
            self.spam_t = [t for t in spam_t if template_part(t) == "train"]
        boiler_want = "train" if want == "calib" else want
        boiler = [t for t in boilerplate_templates() if template_part(t) == boiler_want]
        self.boiler_by_family: dict[str, list[Template]] = {}
        for t in boiler:
            self.boiler_by_family.setdefault(t.family, []).append(t)
        self.boiler_t = boiler
        self.sms_spam = list(sms_spam)

    def spam(self, rng: random.Random) -> tuple[str, str]:
        """One injected line and its label: an SMS spam row now and then, else a template's."""
        r = rng.random()
        if self.sms_spam and r < 0.06:
            return rng.choice(self.sms_spam), "spam"
        t = rng.choice(self.spam_t)
        return spam_line(t.text, rng, self.pools), t.label

    def boiler(self, rng: random.Random, family: str | None = None) -> str:
        cands = self.boiler_by_family.get(family or "", None) or self.boiler_t
        return fill(rng.choice(cands).text, rng, self.pools)
