"""The leave-families-out folds of bench/unseen_families.py: disjoint, each family held out once,
and nothing of a held-out family in a fold's training set (built from the small test corpus)."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest

from bench import unseen_families as uf
from newsclean.classifiers import corpora

SMALL = Path(__file__).resolve().parent / "data_classifier"
SCALE = 0.01


@pytest.fixture(scope="module")
def small() -> corpora.Corpora:
    return corpora.load_corpora(SMALL)


def test_folds_are_disjoint_and_hold_out_every_family_once() -> None:
    uf.check_folds()
    folds = uf.fold_families()
    assert len(folds) == 3
    for a, b in combinations(folds.values(), 2):
        assert not set(a) & set(b)
    held = [f for fams in folds.values() for f in fams]
    assert sorted(held) == sorted(uf.all_families())
    assert {f.axis for f in held} == set(uf.AXES)
    for fams in folds.values():  # every fold holds out something of every axis
        assert {f.axis for f in fams} == set(uf.AXES)


def test_bad_folds_are_refused() -> None:
    twice = {k: {a: tuple(v) for a, v in spec.items()} for k, spec in uf.FOLDS.items()}
    twice["B"]["template"] += (twice["A"]["template"][0],)
    with pytest.raises(ValueError, match="held out twice"):
        uf.check_folds(twice)
    missing = {k: dict(spec) for k, spec in uf.FOLDS.items()}
    missing["C"]["style"] = missing["C"]["style"][1:]
    with pytest.raises(ValueError, match="never held out"):
        uf.check_folds(missing)
    unknown = {k: dict(spec) for k, spec in uf.FOLDS.items()}
    unknown["A"]["lexicon"] += ("no-such-lexicon",)
    with pytest.raises(ValueError, match="unknown"):
        uf.check_folds(unknown)


@pytest.mark.parametrize("fold", sorted(uf.FOLDS))
def test_fold_training_set_has_no_held_out_family(small: corpora.Corpora, fold: str) -> None:
    plan = uf.plan_fold(fold, small)
    held_kinds = {f.name for f in plan.held_out if f.axis == "template"}
    assert plan.held_templates and {t.family for t in plan.held_templates} == held_kinds
    assert not {t.id for t in plan.templates} & {t.id for t in plan.held_templates}
    assert not set(plan.styles) & set(plan.held_styles) and plan.held_styles
    assert plan.held_terms and not plan.corpora.seed_spam
    for kind in uf.LEXICON_KINDS:
        assert getattr(plan.corpora, kind), kind  # every placeholder still has terms to draw
        assert not set(getattr(plan.corpora, kind)) & plan.held_terms, kind
    splits, checked = uf.fold_splits(plan, seed=13, scale=SCALE)  # raises LeakError on a leak
    assert checked["template_lines"] > 0 and checked["styles_applied"]
    assert not set(checked["styles_applied"]) & set(plan.held_styles)
    families = {e.source.removeprefix("synth:") for e in splits.stage1 if e.label in ("spam", "adult")}
    assert families and not families & held_kinds


def test_a_leak_is_caught(small: corpora.Corpora) -> None:
    plan = uf.plan_fold("A", small)
    usage = uf.Usage()
    with uf.generators(plan.templates + plan.held_templates, uf.OBFUSCATIONS, usage):
        splits = uf.dataset.build(plan.corpora, seed=13, scale=SCALE)
    with pytest.raises(uf.LeakError, match=r"held-out (templates|styles)"):
        uf.verify(plan, usage, splits)
    # a held-out term in a pool the generators filled from
    allowed = uf.Counter({t.text: 1 for t in plan.templates})
    leaky = uf.Usage(templates=allowed, styles=uf.Counter({plan.styles[0]: 1}))
    leaky.pools[0] = [next(iter(plan.held_terms))]
    with pytest.raises(uf.LeakError, match="held-out terms"):
        uf.verify(plan, leaky, splits)
