"""Unseen spam families: how the line classifier's recipe does on spam it never learned a kind of.

The held-out split of ``newsclean eval`` holds out single templates, terms and articles, but every
*kind* of spam is still in training: a held-out loan ad is one more loan ad. Hidden pages carry
kinds the generators never made. This benchmark measures that: the spam and adult generators are
grouped into families —

* template families: every template of a kind (``loan``, ``pharma``, ``run``... the first column
  of ``classifiers/data/spam_templates.txt``);
* obfuscation styles: every way ``classifiers/obfuscate.py`` spells a term (``homoglyph``,
  ``emoji``, ``traditional``...);
* lexicons: every term of a kind (``adult``: both adult lexicons, ``gamble``, ``ads``,
  ``domains``: the listed illegal domains);

— and three folds hold each family out once. For every fold a model is trained with the project's
own training code (``dataset.build`` and ``fit.fit``, same seed and settings as ``newsclean
train``) on data from which the fold's families are removed: its templates are not drawn, its
styles never applied, its lexicon's terms never filled in (a held-out lexicon's placeholders take
the fold's other lexicons' terms; held-out listed domains are replaced by random ones), the seeds'
hand-written spam lines (which mix every family) are left out, and SMS spam rows that contain a
held-out term or show a held-out style's marks are dropped. What the generators drew while the
training set was built is recorded and checked (templates, styles, the term pools): a held-out
family that reached training stops the run.

Each fold's model then scores lines of its held-out families, isolated and injected into the 3,000
held-out pages of ``newsclean eval`` (the pages' own spam and adult lines are replaced by family
lines; their content lines, and the held-out hard negatives, give the content-removed share). A
family's lines vary that family: a template family's lines are filled from the held-out terms with
the styles the fold trained on; a style's lines are the fold's trained templates with every term in
that style (lines the style left unchanged are not counted); a lexicon's lines are the fold's
trained templates with that lexicon's terms.

    python -m bench.unseen_families [--folds A B C] [--scale 1.0] [--json FILE]

Fold models are kept in ``reports/unseen-families/`` (by version id) and reused.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from newsclean.classifiers import corpora, dataset, fill, fit, injections, isolated, metrics, train
from newsclean.classifiers.article_pages import article_pages
from newsclean.classifiers.corpora import Corpora
from newsclean.classifiers.examples import Example
from newsclean.classifiers.fill import Pools, random_domain
from newsclean.classifiers.injections import pools_of
from newsclean.classifiers.model import LineClassifier, load_bundled, load_classifier
from newsclean.classifiers.obfuscate import EMOJI, HOMOGLYPH_OUT, OBFUSCATIONS, SYMBOLS
from newsclean.classifiers.spam_lm import BITS as LM_BITS
from newsclean.classifiers.spam_lm import MIN_COUNT as LM_MIN_COUNT
from newsclean.classifiers.spam_lm import ORDER as LM_ORDER
from newsclean.classifiers.spam_lm import SOURCES as LM_SOURCES
from newsclean.classifiers.spin_model import load_spin_model
from newsclean.classifiers.split import hard_negative_parts, sides
from newsclean.classifiers.templates import Template, spam_templates
from newsclean.classifiers.text import to_simplified
from newsclean.core.errors import InputError, ModelError
from newsclean.pipelines.charlm import CharLM, log_odds
from newsclean.pipelines.classify import decide

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "reports" / "unseen-families"
# Bumped when what this module feeds the training code changes (part of the fold models' ids).
RECIPE = 1
AXES = ("template", "style", "lexicon")
LEXICON_KINDS = ("adult", "gamble", "ads", "domains")  # Corpora fields
PLACEHOLDER = {"adult": "{adult}", "gamble": "{gamble}", "ads": "{ad}", "domains": "{illdomain}"}
SUBSTITUTE_DOMAINS = 3000
LINES_PER_FAMILY = 2000  # isolated lines scored per family
INJECTED_ROLES = ("top-spam", "body-spam", "tail-spam", "spam-page")
KEPT_TARGET = 0.01
REMOVED_TARGET = 0.002

# Each family held out once. Every fold keeps adult and spam templates to learn from.
FOLDS: dict[str, dict[str, tuple[str, ...]]] = {
    "A": {
        "template": ("loan", "pharma", "glue"),
        "style": ("homoglyph", "emoji", "initials"),
        "lexicon": ("adult",),
    },
    "B": {
        "template": ("comment", "invoice", "run"),
        "style": ("fullwidth", "spaced", "traditional"),
        "lexicon": ("gamble",),
    },
    "C": {
        "template": ("gamble", "linkfarm"),
        "style": ("symbols", "pinyin"),
        "lexicon": ("ads", "domains"),
    },
}


class LeakError(AssertionError):
    """A held-out family reached a fold's training set."""


@dataclass(frozen=True, order=True)
class Family:
    axis: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.axis}:{self.name}"


def all_families(templates: Sequence[Template] | None = None) -> list[Family]:
    """Every family the generators have, per axis."""
    kinds = sorted({t.family for t in (templates if templates is not None else spam_templates())})
    return (
        [Family("template", k) for k in kinds]
        + [Family("style", s) for s in OBFUSCATIONS]
        + [Family("lexicon", k) for k in LEXICON_KINDS]
    )


def fold_families(folds: dict[str, dict[str, tuple[str, ...]]] = FOLDS) -> dict[str, list[Family]]:
    return {
        name: [Family(axis, n) for axis in AXES for n in spec.get(axis, ())] for name, spec in folds.items()
    }


def check_folds(
    folds: dict[str, dict[str, tuple[str, ...]]] = FOLDS, templates: Sequence[Template] | None = None
) -> None:
    """Folds are disjoint, hold out every family exactly once and name no unknown family."""
    known = set(all_families(templates))
    seen: Counter[Family] = Counter(f for fams in fold_families(folds).values() for f in fams)
    unknown = sorted(f.key for f in seen if f not in known)
    twice = sorted(f.key for f, n in seen.items() if n > 1)
    never = sorted(f.key for f in known if f not in seen)
    if unknown or twice or never:
        raise ValueError(f"bad folds: unknown {unknown}, held out twice {twice}, never held out {never}")


# ---- what a held-out style leaves in a text (for the real rows that no generator made)

_CJK = "\u4e00-\u9fff"
_FULLWIDTH = re.compile("[\uff01-\uff5e]")
_HOMOGLYPHS = re.compile("[" + re.escape("".join(set(HOMOGLYPH_OUT.values()))) + "]")
_EMOJI = re.compile("|".join(re.escape(e) for e in EMOJI))
_SPACED = re.compile(f"[{_CJK}] [{_CJK}] [{_CJK}]")
_SYMBOLS = re.compile(f"[{_CJK}]([{re.escape(SYMBOLS)}])[{_CJK}]\\1[{_CJK}]")
STYLE_MARKS: dict[str, Callable[[str], bool]] = {
    "fullwidth": lambda t: bool(_FULLWIDTH.search(t)),
    "homoglyph": lambda t: bool(_HOMOGLYPHS.search(t)),
    "emoji": lambda t: bool(_EMOJI.search(t)),
    "spaced": lambda t: bool(_SPACED.search(t)),
    "symbols": lambda t: bool(_SYMBOLS.search(t)),
    "traditional": lambda t: to_simplified(t) != t,
}  # pinyin and initials leave no mark one can tell from plain Latin letters


class TermIndex:
    """Finds any of many terms in a text (an index of their first two characters)."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.by_prefix: dict[str, list[str]] = {}
        for t in sorted({t for t in terms if len(t) >= 2}, key=lambda t: (-len(t), t)):
            self.by_prefix.setdefault(t[:2], []).append(t)

    def find(self, text: str) -> str | None:
        for i in range(len(text) - 1):
            for t in self.by_prefix.get(text[i : i + 2], ()):
                if text.startswith(t, i):
                    return t
        return None


@dataclass
class FoldPlan:
    """What one fold's training may use, and what it holds out."""

    name: str
    held_out: list[Family]
    templates: list[Template]  # spam/adult templates training may draw
    held_templates: list[Template]
    styles: tuple[str, ...]
    held_styles: tuple[str, ...]
    held_terms: frozenset[str]
    corpora: Corpora  # the training corpora: held-out lexicons replaced, seeds out, SMS rows filtered
    dropped_sms: int = 0

    def shows_held_style(self, text: str) -> str | None:
        return next((s for s in self.held_styles if s in STYLE_MARKS and STYLE_MARKS[s](text)), None)


def plan_fold(name: str, c: Corpora, folds: dict[str, dict[str, tuple[str, ...]]] = FOLDS) -> FoldPlan:
    spec = folds[name]
    held = fold_families(folds)[name]
    templates = spam_templates()
    held_kinds = set(spec.get("template", ()))
    held_styles = tuple(s for s in OBFUSCATIONS if s in spec.get("style", ()))
    held_lex = set(spec.get("lexicon", ()))
    held_terms = frozenset(t for kind in held_lex for t in getattr(c, kind))
    kept_terms = sorted(
        {t for kind in ("adult", "gamble", "ads") if kind not in held_lex for t in getattr(c, kind)}
        - held_terms
    )
    lex: dict[str, list[str]] = {}
    for kind in LEXICON_KINDS:
        if kind not in held_lex:
            lex[kind] = [t for t in getattr(c, kind) if t not in held_terms]
        elif kind == "domains":  # no listed domain: random ones in their place
            rng = random.Random(f"unseen-{name}-domains")
            lex[kind] = sorted({random_domain(rng) for _ in range(SUBSTITUTE_DOMAINS)} - held_terms)
        else:  # the placeholder takes the fold's other lexicons' terms
            lex[kind] = kept_terms
    index = TermIndex(held_terms)
    plan = FoldPlan(
        name=name,
        held_out=held,
        templates=[t for t in templates if t.family not in held_kinds],
        held_templates=[t for t in templates if t.family in held_kinds],
        styles=tuple(s for s in OBFUSCATIONS if s not in held_styles),
        held_styles=held_styles,
        held_terms=held_terms,
        corpora=c,
    )
    sms = [(lab, t) for lab, t in c.sms if lab != "spam" or not (index.find(t) or plan.shows_held_style(t))]
    plan.dropped_sms = len(c.sms) - len(sms)
    plan.corpora = replace(c, sms=sms, seed_spam=[], **lex)
    return plan


# ---- building a fold's training set with the held-out families switched off, and checking it


@dataclass
class Usage:
    """What the generators drew while a set was built."""

    templates: Counter[str] = field(default_factory=Counter)  # template text -> lines
    styles: Counter[str] = field(default_factory=Counter)
    pools: dict[int, Sequence[str]] = field(default_factory=dict)  # id -> every term pool filled from


@contextlib.contextmanager
def generators(templates: Sequence[Template], styles: Sequence[str], usage: Usage) -> Iterator[None]:
    """Let the project's generators draw only ``templates`` and apply only ``styles``, and record
    what they draw. (The generator modules are part of the bundled model's id, so they are not
    given new parameters for this: their module-level choices are swapped for the duration.)"""
    saved = (
        injections.spam_templates,
        injections.spam_line,
        isolated.spam_line,
        fill.OBFUSCATIONS,
        fill.obfuscate,
        fill._term,
    )
    spam_line, obfuscate, term = fill.spam_line, fill.obfuscate, fill._term
    allowed = list(templates)

    def drawn_line(template: str, rng: random.Random, pools: Pools) -> str:
        usage.templates[template] += 1
        return spam_line(template, rng, pools)

    def drawn_style(text: str, how: str, rng: random.Random) -> str:
        usage.styles[how] += 1
        return obfuscate(text, how, rng)

    def drawn_term(pool: Sequence[str], rng: random.Random, pools: Pools) -> str:
        usage.pools.setdefault(id(pool), pool)
        return term(pool, rng, pools)

    injections.spam_templates = lambda: list(allowed)
    injections.spam_line = isolated.spam_line = drawn_line
    fill.OBFUSCATIONS = tuple(styles)
    fill.obfuscate = drawn_style
    fill._term = drawn_term
    try:
        yield
    finally:
        (
            injections.spam_templates,
            injections.spam_line,
            isolated.spam_line,
            fill.OBFUSCATIONS,
            fill.obfuscate,
            fill._term,
        ) = saved


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise LeakError(what)


def verify(plan: FoldPlan, usage: Usage, splits: dataset.Splits) -> dict:
    """Raise LeakError when anything of a held-out family reached the training set."""
    held_texts = {t.text for t in plan.held_templates} - {t.text for t in plan.templates}
    used_held = sorted(set(usage.templates) & held_texts)
    _require(bool(usage.templates), f"fold {plan.name}: no template drawn (nothing was checked)")
    _require(not used_held, f"fold {plan.name}: held-out templates drawn: {used_held[:3]}")
    unknown = sorted(set(usage.templates) - {t.text for t in plan.templates})
    _require(not unknown, f"fold {plan.name}: templates outside the plan drawn: {unknown[:3]}")
    _require(bool(usage.styles), f"fold {plan.name}: no style applied (nothing was checked)")
    bad_styles = sorted(set(usage.styles) & set(plan.held_styles))
    _require(not bad_styles, f"fold {plan.name}: held-out styles applied: {bad_styles}")
    for pool in usage.pools.values():
        leaked = sorted(set(pool) & plan.held_terms)
        _require(not leaked, f"fold {plan.name}: held-out terms in a pool: {leaked[:3]}")
    leaked = sorted(set(splits.lexicon_train_terms) & plan.held_terms)
    _require(not leaked, f"fold {plan.name}: held-out terms among the lexicon features' terms: {leaked[:3]}")
    held_kinds = {t.family for t in plan.held_templates}
    spam_lines = [e for e in splits.stage1 if e.label in ("spam", "adult")]
    synth = sorted({e.source for e in spam_lines if e.source.removeprefix("synth:") in held_kinds})
    _require(not synth, f"fold {plan.name}: stage-1 lines of held-out template families: {synth}")
    index = TermIndex(plan.held_terms)
    real = [t for lab, t in plan.corpora.sms if lab == "spam"] + [t for _, t in plan.corpora.seed_spam]
    for t in real:
        _require(not index.find(t), f"fold {plan.name}: a real spam row with a held-out term: {t[:60]}")
        _require(
            not plan.shows_held_style(t), f"fold {plan.name}: a real spam row in a held-out style: {t[:60]}"
        )
    return {
        "templates_drawn": len(usage.templates),
        "template_lines": sum(usage.templates.values()),
        "styles_applied": dict(sorted(usage.styles.items())),
        "term_pools": len(usage.pools),
    }


def fold_splits(plan: FoldPlan, seed: int, scale: float) -> tuple[dataset.Splits, dict]:
    """The fold's training splits, built by ``dataset.build`` with the held-out families off."""
    usage = Usage()
    with generators(plan.templates, plan.styles, usage):
        splits = dataset.build(plan.corpora, seed=seed, scale=scale)
    splits.test = []  # the held-out set is the families' lines, built below
    return splits, verify(plan, usage, splits)


def fold_version(plan: FoldPlan, seed: int, scale: float) -> str:
    config = {
        "seed": seed,
        "scale": scale,
        "unseen_fold": plan.name,
        "held_out": [f.key for f in plan.held_out],
        "recipe": RECIPE,
    }
    return train.make_version(plan.corpora.files, [], config)


def fold_model(
    plan: FoldPlan, seed: int, scale: float, models: Path, retrain: bool, log: Callable[[str], None]
) -> tuple[LineClassifier, dict]:
    """Train (or reuse) the fold's model."""
    version = fold_version(plan, seed, scale)
    folder = models / f"{plan.name}-{version}"
    info_file = folder / "unseen.json"
    if not retrain and info_file.is_file():
        try:
            clf = load_classifier(folder)
            log(f"fold {plan.name}: reusing {folder}")
            return clf, json.loads(info_file.read_text(encoding="utf-8"))
        except ModelError as err:
            log(f"fold {plan.name}: cannot reuse {folder} ({err}); training")
    t0 = time.perf_counter()
    splits, checked = fold_splits(plan, seed, scale)
    log(
        f"fold {plan.name}: {len(splits.stage1)} stage-1 lines, {len(splits.stage2_pages)} stage-2 pages; "
        f"checked: {checked['templates_drawn']} templates, styles {sorted(checked['styles_applied'])}, "
        f"{checked['term_pools']} term pools, no held-out family in training"
    )
    clf = fit.fit(splits, seed=seed, version=version, log=lambda m: log(f"fold {plan.name}: {m}"), meta={})
    seconds = time.perf_counter() - t0
    clf.save(folder)
    info = {"fold": plan.name, "version": version, "train_seconds": round(seconds, 1), "checked": checked}
    info["dropped_sms"] = plan.dropped_sms
    info_file.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log(f"fold {plan.name}: trained {version} in {seconds:.0f}s")
    return clf, info


# ---- the held-out families' lines


def _with_placeholder(templates: Sequence[Template], kinds: Iterable[str]) -> list[Template]:
    marks = [PLACEHOLDER[k] for k in kinds]
    return [t for t in templates if any(m in t.text for m in marks)]


def family_lines(
    family: Family, plan: FoldPlan, c: Corpora, test_pools: Pools, rng: random.Random, count: int
) -> list[tuple[str, str]]:
    """``count`` (text, label) lines of one held-out family, drawn as its docstring above says."""
    usage = Usage()
    out: list[tuple[str, str]] = []
    if family.axis == "template":
        templates = [t for t in plan.held_templates if t.family == family.name]
        pools, styles = test_pools, plan.styles
    elif family.axis == "style":
        templates = _with_placeholder(plan.templates, ("adult", "gamble", "ads"))
        pools, styles = replace(test_pools, obfuscate=1.0), (family.name,)
    else:
        templates = _with_placeholder(plan.templates, (family.name,)) or _with_placeholder(
            plan.held_templates, (family.name,)
        )
        pools, styles = replace(test_pools, **{family.name: list(getattr(c, family.name))}), plan.styles
    attempts = 0
    with generators(templates, styles, usage):
        while len(out) < count and attempts < count * 20:
            t = templates[attempts % len(templates)]
            attempts += 1
            if family.axis != "style":
                out.append((fill.spam_line(t.text, rng, pools), t.label))
                continue
            changed: list[bool] = []
            recorded = fill.obfuscate

            def mark(text: str, how: str, r: random.Random, recorded=recorded, changed=changed) -> str:
                new = recorded(text, how, r)
                changed.append(new != text)
                return new

            fill.obfuscate = mark
            try:
                text = fill.spam_line(t.text, rng, pools)
            finally:
                fill.obfuscate = recorded
            if any(changed):  # a line the style left as it was says nothing about the style
                out.append((text, t.label))
    return out


@dataclass
class FoldEval:
    examples: list[
        Example
    ]  # page lines (family lines injected), then isolated family lines and hard negatives
    families: list[Family]


def fold_eval_set(
    plan: FoldPlan,
    c: Corpora,
    test_side,
    base_pages: list[list[Example]],
    hard: list[str],
    rng: random.Random,
) -> FoldEval:
    """The fold's held-out lines: the held-out pages with their injected lines swapped for family
    lines (families in turn), isolated family lines, and the held-out hard negatives."""
    test_pools = pools_of(c, "test", test_side.headlines)
    fams = list(plan.held_out)
    slots = sum(1 for page in base_pages for e in page if e.source.removeprefix("page:") in INJECTED_ROLES)
    per_family = slots // len(fams) + 1
    queues = {f: iter(family_lines(f, plan, c, test_pools, rng, per_family + LINES_PER_FAMILY)) for f in fams}
    examples: list[Example] = []
    turn = 0
    for page in base_pages:
        for e in page:
            if e.source.removeprefix("page:") in INJECTED_ROLES and e.line is not None:
                f, text, label = _next_line(fams, queues, turn)
                turn += 1
                examples.append(
                    Example(text, label, f"page:{f.key}", page=e.page, line=replace(e.line, text=text))
                )
            else:
                examples.append(e)
    for f in fams:
        for text, label in queues[f]:
            examples.append(Example(text, label, f"line:{f.key}"))
    examples += [Example(t, "content", "hard_negative") for t in hard]
    return FoldEval(examples, fams)


def _next_line(fams: list[Family], queues: dict, turn: int) -> tuple[Family, str, str]:
    """The next family in turn that still has lines, and its next line."""
    for k in range(len(fams)):
        f = fams[(turn + k) % len(fams)]
        row = next(queues[f], None)
        if row is not None:
            return f, row[0], row[1]
    raise ValueError("no family lines left")


def score(clf: LineClassifier, ev: FoldEval) -> dict:
    """Per family: kept on pages and as isolated lines; content removed on the pages and hard negatives."""
    predicted = metrics.score_examples(clf, ev.examples).predicted
    rows: dict[str, dict] = {}
    content = [0, 0]
    hard = [0, 0]
    for e, p in zip(ev.examples, predicted, strict=True):
        if e.label == "content":
            bucket = hard if e.source == "hard_negative" else content
            bucket[0] += p != "content"
            bucket[1] += 1
            continue
        where, _, key = e.source.partition(":")
        if where in ("page", "line") and key.split(":")[0] in AXES:
            row = rows.setdefault(key, {"page": [0, 0], "line": [0, 0]})
            row[where][0] += p == "content"
            row[where][1] += 1
    return {"families": rows, "content_removed": content, "hard_negatives_removed": hard}


# ---- the chain: the line model plus the chain's own rules, with word odds that never saw the fold

# the spam vocabulary model's source files of each lexicon family (``domains`` is not among them)
LEXICON_FILES = {
    "adult": ("lexicon_adult.txt", "lexicon_adult_extended.txt"),
    "gamble": ("lexicon_gambling.txt",),
    "ads": ("lexicon_ads_spam.txt",),
}


def fold_spam_lm(plan: FoldPlan, data_dir: Path) -> CharLM:
    """The spam vocabulary model built as ``spam_lm`` builds it, minus the fold's held-out lexicons."""
    from newsclean.classifiers.spin_train import count_table

    held = {f.name for f in plan.held_out if f.axis == "lexicon"}
    skip = {name for kind in held for name in LEXICON_FILES.get(kind, ())}
    terms: list[str] = []
    for name in LM_SOURCES:
        if name in skip:
            continue
        for raw in (data_dir / name).read_text(encoding="utf-8").splitlines():
            raw = raw.strip()
            if raw and not raw.startswith("#"):
                terms += [p.strip() for p in raw.split("|") if len(p.strip()) >= 2]
    table, check, log_total = count_table(terms, LM_ORDER, LM_BITS, LM_MIN_COUNT)
    return CharLM(table, check, LM_BITS, LM_ORDER, log_total)


class PlainJudge:
    """A fold's line model alone: the chain's rules that need no word odds."""

    def __init__(self, clf: LineClassifier) -> None:
        self.clf = clf
        self.version = clf.version

    def predict(self, lines):
        return self.clf.predict(lines)

    def predict_texts(self, texts):
        return self.clf.predict_texts(texts)


class FoldJudge(PlainJudge):
    """A fold's line model with word odds from the news model and the fold's spam vocabulary model."""

    def __init__(self, clf: LineClassifier, news: CharLM, spam: CharLM) -> None:
        super().__init__(clf)
        self.news, self.spam = news, spam

    def news_odds(self, texts):
        return [float(v) for v in log_odds(self.news, self.spam, texts)] if texts else []


def chain_score(judge: PlainJudge, ev: FoldEval) -> dict:
    """Per family, page lines the chain's decisions keep; and the article's content lines it
    removes (a repeated line is removed as ``duplicate`` by design and not counted)."""
    pages: dict[str, list[Example]] = {}
    for e in ev.examples:
        if e.page is not None and e.line is not None:
            pages.setdefault(e.page, []).append(e)
    rows: dict[str, list[int]] = {}
    content = [0, 0]
    for page in pages.values():
        for e, d in zip(page, decide([e.line for e in page], judge), strict=True):
            if e.label == "content":
                if e.line.in_main and d.reason != "duplicate":
                    content[0] += not d.kept
                    content[1] += 1
                continue
            key = e.source.removeprefix("page:")
            if key.split(":")[0] in AXES:
                row = rows.setdefault(key, [0, 0])
                row[0] += d.kept
                row[1] += 1
    return {"families": rows, "content_removed": content}


def _pct(pair: Sequence[int]) -> str:
    return f"{pair[0] / max(1, pair[1]):7.2%} ({pair[0]}/{pair[1]})"


def print_table(
    results: dict[str, dict], reference: dict[str, dict] | None, chain: dict[str, dict] | None = None
) -> dict:
    """One row per held-out family, then the totals; returns the totals."""
    print()
    head = f"{'fold':<4} {'family':<22} {'kept on pages':>22} {'kept isolated':>22}"
    if chain:
        head += f" {'chain keeps on pages':>22}"
    if reference:
        head += f" {'bundled on pages':>22}"
    print(head)
    totals = {
        "page": [0, 0],
        "line": [0, 0],
        "content": [0, 0],
        "hard": [0, 0],
        "bundled": [0, 0],
        "chain": [0, 0],
        "chain_content": [0, 0],
        "plain": [0, 0],
        "plain_content": [0, 0],
    }
    axis_totals: dict[str, list[int]] = {a: [0, 0] for a in AXES}
    for fold, res in results.items():
        for key, row in sorted(res["families"].items()):
            line = f"{fold:<4} {key:<22} {_pct(row['page']):>22} {_pct(row['line']):>22}"
            if chain:
                line += f" {_pct(chain[fold]['families'][key]):>22}"
                for i in (0, 1):
                    totals["chain"][i] += chain[fold]["families"][key][i]
                    totals["plain"][i] += chain[fold]["without_odds"]["families"][key][i]
            if reference:
                line += f" {_pct(reference[fold]['families'][key]['page']):>22}"
                for i in (0, 1):
                    totals["bundled"][i] += reference[fold]["families"][key]["page"][i]
            print(line)
            for i in (0, 1):
                totals["page"][i] += row["page"][i]
                totals["line"][i] += row["line"][i]
                axis_totals[key.split(":")[0]][i] += row["page"][i]
        for i in (0, 1):
            totals["content"][i] += res["content_removed"][i]
            totals["hard"][i] += res["hard_negatives_removed"][i]
            if chain:
                totals["chain_content"][i] += chain[fold]["content_removed"][i]
                totals["plain_content"][i] += chain[fold]["without_odds"]["content_removed"][i]
    print()
    for axis in AXES:
        print(f"  {axis + ' families':<24} spam+adult kept on pages {_pct(axis_totals[axis])}")
    ok_kept = totals["page"][0] / max(1, totals["page"][1]) <= KEPT_TARGET
    ok_removed = totals["content"][0] / max(1, totals["content"][1]) <= REMOVED_TARGET
    print(
        f"  all families             spam+adult kept on pages {_pct(totals['page'])} "
        f"(target <= {KEPT_TARGET:.0%}: {'met' if ok_kept else 'NOT met'}); isolated {_pct(totals['line'])}"
    )
    print(
        f"  held-out content lines   removed {_pct(totals['content'])} "
        f"(target <= {REMOVED_TARGET:.1%}: {'met' if ok_removed else 'NOT met'}); "
        f"hard negatives removed {_pct(totals['hard'])}"
    )
    if chain:
        print(
            f"  the cleaning chain         keeps on pages {_pct(totals['chain'])}, removes of the article's "
            f"content lines {_pct(totals['chain_content'])} (word odds without the fold's lexicons; "
            f"repeated lines not counted)"
        )
        print(
            f"    without the word odds    keeps on pages {_pct(totals['plain'])}, removes "
            f"{_pct(totals['plain_content'])}"
        )
    if reference:
        print(
            f"  the bundled model (it learned every family) keeps {_pct(totals['bundled'])} of the same page lines"
        )
    return totals


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.unseen_families",
        description="Leave-families-out figures of the line classifier's recipe: per fold, a model trained "
        "without whole spam families (template kinds, obfuscation styles, lexicons) scores their lines.",
    )
    parser.add_argument("--data-dir", type=Path, help="training corpora (default: ../shared/data)")
    parser.add_argument("--folds", nargs="+", choices=sorted(FOLDS), default=sorted(FOLDS))
    parser.add_argument("--seed", type=int, default=train.DEFAULT_SEED)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="training set scale, as newsclean train --scale"
    )
    parser.add_argument("--pages", type=int, default=dataset.TEST_PAGES, help="held-out pages per fold")
    parser.add_argument("--models", type=Path, default=MODELS_DIR, help="where fold models are kept")
    parser.add_argument("--retrain", action="store_true", help="train fold models even when kept ones match")
    parser.add_argument("--no-reference", action="store_true", help="skip scoring the bundled model")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        raise SystemExit("--scale must be in (0, 1]")
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:6.1f}s] {msg}", flush=True)

    try:
        data_dir = args.data_dir or corpora.default_data_dir()
        c = corpora.load_corpora(data_dir)
    except InputError as err:
        raise SystemExit(f"error: {err}") from None
    check_folds()
    side = sides(c)["test"]
    base_pages = article_pages(c, side, "test", random.Random(dataset.EVAL_SEED), args.pages)
    hard = hard_negative_parts(c)["test"]
    log(f"{len(base_pages)} held-out pages, {len(hard)} held-out hard negatives; folds {args.folds}")
    bundled = None if args.no_reference else load_bundled()
    standard = dataset.build(c, scale=args.scale, only_test=True).test
    results: dict[str, dict] = {}
    chained: dict[str, dict] = {}
    news = load_spin_model().lm
    reference: dict[str, dict] = {}
    infos: dict[str, dict] = {}
    for name in args.folds:
        plan = plan_fold(name, c)
        log(
            f"fold {name}: holds out {', '.join(f.key for f in plan.held_out)} ({plan.dropped_sms} SMS rows dropped)"
        )
        clf, info = fold_model(plan, args.seed, args.scale, args.models, args.retrain, log)
        ev = fold_eval_set(plan, c, side, base_pages, hard, random.Random(f"unseen-eval-{name}"))
        results[name] = score(clf, ev)
        chained[name] = chain_score(FoldJudge(clf, news, fold_spam_lm(plan, Path(data_dir))), ev)
        chained[name]["without_odds"] = chain_score(PlainJudge(clf), ev)
        fig = metrics.figures([e.label for e in standard], metrics.score_examples(clf, standard).predicted)
        info["standard_split"] = {k: fig[k] for k in ("spam_adult_kept", "content_removed", "macro_f1")}
        log(
            f"fold {name}: on the standard held-out split spam+adult kept {fig['spam_adult_kept']:.2%}, "
            f"content removed {fig['content_removed']:.2%}, macro F1 {fig['macro_f1']:.3f}"
        )
        infos[name] = info
        if bundled is not None:
            reference[name] = score(bundled, ev)
    totals = print_table(results, reference or None, chained)
    for name, info in infos.items():
        print(f"  fold {name}: model {info['version']}, trained in {info['train_seconds']:.0f}s")
    log("done")
    if args.json:
        record = {
            "folds": {n: dict(FOLDS[n]) for n in args.folds},
            "results": results,
            "chain": chained,
            "bundled": reference,
            "models": infos,
            "totals": totals,
            "bundled_version": bundled.version if bundled else None,
            "code": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12],
        }
        args.json.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
