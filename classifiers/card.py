"""The model card written beside every trained model: what it learned from and how it scores."""

from __future__ import annotations

from pathlib import Path

from newsclean.classifiers.dataset import Splits
from newsclean.classifiers.features import SHAPE_NAMES
from newsclean.classifiers.fit import CONTENT_COST, COST_TOLERANCE
from newsclean.classifiers.machine import describe, signature_id
from newsclean.classifiers.metrics import BOOTSTRAP_ROUNDS, SHORT_LINES_TARGET, TARGETS, interval_text
from newsclean.classifiers.model import NPZ_NAME, LineClassifier
from newsclean.core.labels import LABELS


def _pct(x: float) -> str:
    return f"{x:.2%}"


def write_card(folder: Path, clf: LineClassifier, record: dict, splits: Splits) -> Path:
    fig = record["held_out"]
    base = record["baseline_keyword_filter"]
    sizes = record["sizes"]
    size_mb = (folder / NPZ_NAME).stat().st_size / 1e6
    rows = "\n".join(
        f"| {lab} | {sizes['stage1'][lab]} | {sizes['calibration'][lab]} | {sizes['stage2_lines'][lab]} "
        f"| {sizes['held_out'][lab]} |"
        for lab in LABELS
    )
    per_label = "\n".join(
        f"| {lab} | {m['precision']:.4f} | {m['recall']:.4f} | {m['f1']:.4f} | {m['support']} |"
        for lab, m in fig["per_label"].items()
    )
    hard = (
        f"| hard negatives kept | {_pct(fig['hard_negative_kept'])} | {_pct(base.get('hard_negative_kept', 0))} "
        f"| 100% |"
        if "hard_negative_kept" in fig
        else ""
    )
    intervals = (
        "\nThe held-out set is a sample: 95% intervals from resampling its pages "
        f"({BOOTSTRAP_ROUNDS} rounds): spam+adult kept {interval_text(fig['spam_adult_kept_ci'])}, "
        f"content removed {interval_text(fig['content_removed_ci'])}.\n"
        if "content_removed_ci" in fig
        else ""
    )
    s = record.get("short_lines")
    short = (
        f"| short content lines removed (battery of {s['short_lines']}) | {_pct(s['short_lines_removed'])} | "
        f"| <= {_pct(SHORT_LINES_TARGET)} |\n"
        if s
        else ""
    )
    tp, tl = clf.meta.get("content_threshold_pages"), clf.meta.get("content_threshold_lines")
    thresholds = f"page lines {tp}, isolated lines {tl}" if tp is not None else "none: likeliest label"
    sig = clf.meta.get("machine")
    machine_line = (
        f"Machine signature {signature_id(sig)}: {describe(sig)}. The floating-point kernels depend on it:\n"
        "a machine with the same signature rebuilds these bytes, another one figures within noise.\n"
        if sig
        else ""
    )
    text = f"""# Line classifier {clf.version}

Trained {clf.meta.get("trained_at", "?")} in {record["training_seconds"]} s (seed {clf.meta.get("seed")}).
Model file `{NPZ_NAME}`: {size_mb:.1f} MB (plain arrays, loaded with `allow_pickle=False`).
{machine_line}
## What it does
Labels every text line of a news page as {", ".join(LABELS)}.
Stage 1: hashed character 1-3-grams of a compact view (NFKC, lower case, look-alike letters
folded, Traditional folded to Simplified, spaces and symbols dropped) plus {len(SHAPE_NAMES)} shape features,
a linear model (SGD, log loss) and a multinomial calibrator. Stage 2: {clf.meta.get("mlp_members", 1)} small MLPs
(seeds differ, probabilities averaged) over the
stage-1 probabilities of the line and its neighbours (±1, ±2), its position relative to the
article body (before its first / after its last body line, non-content lines in between), and
the page layout (tag, in_main, link density, in_list) and the line's own shape features
(keyword run, contacts, domains, date prefix...), which stage 1 can only add up, and the share
of its character bigrams found in the article's body lines (and its neighbours' share), the
length and mean overlap of the run of short lines it sits in, and whether it is a table row
(as many pipe-separated cells as a neighbour). It
learns from synthetic pages whose articles, headlines and lexicon terms stage 1 never saw
(section headings and captions mostly clauses of the article, 30% of leads dated); on half of
them the stage-1 evidence is softened (temperature 0.3-1) so that moderate stage-1 verdicts
still count.
Decision: a line is removed only when P(content) is below a threshold ({thresholds}), chosen on
calibration pages built from stage-2 articles the MLP did not learn from, with spam/adult
templates, lexicon terms, section headings and SMS rows no stage learned from. Cost: a removed paragraph counts
{CONTENT_COST:g} kept spam lines; the highest threshold within {COST_TOLERANCE:.0%} of the cheapest wins. The held-out split
plays no part in it.

## Data (lines per label)
| label | stage 1 | calibration | stage-2 pages ({sizes["stage2_pages"]}) | held-out ({sizes["held_out_pages"]} pages + isolated hard negatives) |
|---|---|---|---|---|
{rows}

Content: real news paragraphs and headlines (news_articles.jsonl, headlines.tsv, People's Daily
sentences, DRCD paragraphs converted to Simplified with OpenCC), hand-written hard negatives.
Spam/adult: lines generated from hand-written templates with lexicon terms (sometimes
obfuscated), real headlines, random domains and numbers; SMS spam rows; the seeds' own spam
lines. Boilerplate: hand-written templates. The SMS "ham" rows are not used (cut-off fragments).
Held-out lines come from other articles/headlines, other templates and other lexicon terms.
Stage 1 also learns single sentences of its articles' paragraphs (short body lines), their
Latin-heavy clauses (spec lines, commands, product names), article sentences that use a
spam-lexicon word (mined hard negatives, at most 40 per term) or a word boilerplate is made of
(备案, 版权, 这篇文章...: at most 120 per word) and short lines from hand-written content
templates (captions, photo credits, spec and version lines, numbered headings, table rows) and
generic section headings (结语, 写在最后...) as content. Synthetic pages take titles, headings and
captions from their own article (or a generic heading), never from another story.

## Held-out figures (model vs. keyword-lexicon filter)
| figure | model | keyword filter | target |
|---|---|---|---|
| spam+adult kept | {_pct(fig["spam_adult_kept"])} | {_pct(base["spam_adult_kept"])} | <= {_pct(TARGETS["spam_adult_kept"])} |
| content removed | {_pct(fig["content_removed"])} | {_pct(base["content_removed"])} | <= {_pct(TARGETS["content_removed"])} |
{hard}
| macro F1 | {fig["macro_f1"]:.4f} | {base["macro_f1"]:.4f} | |
| lines/s | {fig["lines_per_second"]} | | >= 20000 |
{short}{intervals}
| label | precision | recall | F1 | support |
|---|---|---|---|---|
{per_label}

Plots: `pr_curve.png` (precision-recall per label), `confusion.png`.
"""
    path = folder / "card.md"
    path.write_text(text, encoding="utf-8")
    return path
