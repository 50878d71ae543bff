"""The training and evaluation sets, assembled from the corpora by the split policy.

Stage 1 learns isolated lines of the train side; its calibrator isolated lines of the stage-2
side; the context stage synthetic pages around stage-2 articles; the content threshold is
chosen on calibration pages (a third of the stage-2 articles, with templates and terms neither
stage learned from); the held-out pages are built from the test side with their own seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from newsclean.classifiers.article_pages import article_pages
from newsclean.classifiers.corpora import Corpora
from newsclean.classifiers.examples import Example, read_labelled, write_labelled
from newsclean.classifiers.injections import pools_of
from newsclean.classifiers.isolated import isolated_lines
from newsclean.classifiers.split import hard_negative_parts, sides, stage2_and_calib
from newsclean.core.labels import LABELS

# read_labelled / write_labelled: the labelled files every caller of the sets reads and writes
__all__ = ["Example", "Splits", "build", "read_labelled", "sizes", "write_labelled"]

EVAL_SEED = 20261121  # seed of the held-out pages (independent of --seed)
STAGE2_PAGES = 4000
TEST_PAGES = 3000  # held-out pages: every held-out article two or three times, a narrower interval
CALIB_PAGES = 5000  # the content threshold is chosen on these: enough errors to tell thresholds apart
CALIB_SEED_OFFSET = 7919


@dataclass
class Splits:
    """Everything training and evaluation need."""

    stage1: list[Example]  # isolated lines for the n-gram stage
    calib: list[Example]  # isolated lines (other articles/headlines) for the stage-1 calibrator
    stage2_pages: list[list[Example]]  # synthetic pages for the context stage
    test: list[Example]  # held-out: lines of test pages, then isolated hard negatives
    lexicon_train_terms: list[str]
    content_sample: list[str]
    # Pages from stage-2 articles the context stage does not learn from: the content threshold
    # of the decision rule is chosen on them (never on the held-out pages).
    calib_pages: list[list[Example]] = field(default_factory=list)


def build(c: Corpora, seed: int = 13, *, scale: float = 1.0, only_test: bool = False) -> Splits:
    """Build all splits. ``scale`` shrinks every count (tests use small scales); ``only_test``
    builds just the held-out lines (identical to a full build's: they have their own seed)."""
    rng = random.Random(seed)
    side = sides(c)
    hard = hard_negative_parts(c)

    def n(x: float) -> int:
        return max(1, round(x * scale))

    # The held-out pages use their own fixed seed: every training seed is judged on the same lines.
    test_pages = article_pages(c, side["test"], "test", random.Random(EVAL_SEED), n(TEST_PAGES))
    test = [e for page in test_pages for e in page]
    test += [Example(t, "content", "hard_negative") for t in hard["test"]]
    if only_test:
        return Splits([], [], [], test, [], [])

    # ---- stage 1 (train part) and its calibration set (stage-2 part): isolated lines
    pools = pools_of(c, "train", side["train"].headlines)
    stage1 = isolated_lines(
        side["train"], pools, rng, scale=scale, per_article=10, hard=hard["train"], seed_spam=c.seed_spam
    )
    calib_pools = pools_of(c, "stage2", side["stage2"].headlines)
    calib = isolated_lines(side["stage2"], calib_pools, rng, scale=scale * 0.3, per_article=3)
    # ---- stage 2 pages; every third stage-2 article and headline builds the calibration pages.
    # The seeds' lines are stage-1 training lines: too familiar for the context stage.
    stage2_side, calib_side = stage2_and_calib(side["stage2"])
    stage2_pages = article_pages(c, stage2_side, "stage2", rng, n(STAGE2_PAGES))
    # spam from templates and terms neither stage learns from: as new as the held-out's
    calib_rng = random.Random(seed + CALIB_SEED_OFFSET)
    calib_pages = article_pages(c, calib_side, "calib", calib_rng, n(CALIB_PAGES))
    lex_terms = pools.adult + pools.gamble + pools.ads
    content_sample = [e.text for e in stage1 if e.label == "content"][:20000]
    return Splits(stage1, calib, stage2_pages, test, lex_terms, content_sample, calib_pages)


def sizes(splits: Splits) -> dict:
    """Line counts per label of each split (for the card and metrics.json)."""

    def count(examples: Iterable[Example]) -> dict[str, int]:
        out = dict.fromkeys(LABELS, 0)
        for e in examples:
            out[e.label] += 1
        return out

    return {
        "stage1": count(splits.stage1),
        "calibration": count(splits.calib),
        "stage2_pages": len(splits.stage2_pages),
        "stage2_lines": count(e for page in splits.stage2_pages for e in page),
        "held_out": count(splits.test),
        "held_out_pages": len({e.page for e in splits.test if e.page}),
    }
