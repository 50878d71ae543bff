"""``python -m bench.spin_bench``: how well spun articles (伪原创) are flagged and restored.

The test set is built here, from data the shipped spin model never learned from:

- spun articles: the held-out test articles of ``news_articles.jsonl`` (see
  ``newsclean.classifiers.spin_train``) run through a spinner with the WHOLE spin dictionary —
  the learned pairs and the held-out ones (which the detector does not know); an article counts
  as spun when the spinner swapped at least ``--min-swaps`` words;
- clean articles: the same held-out articles unspun, the project's test pages (tests/pages) and
  the demo site's news pages, the last two through the cleaning chain;
- seed 000 (a real spun page) when ../shared is present.

Restoration is scored on the spun articles: a replacement is correct when the spinner swapped
exactly that word at that place and the restored word is the one it replaced; a replacement where
the spinner swapped nothing is "not spun". Timing: detection per article against the whole chain
per page, on the same pages.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from newsclean.chain import clean_document
from newsclean.classifiers.model import load_classifier
from newsclean.classifiers.spin_model import load_spin_model
from newsclean.classifiers.spin_train import article_rng, corpus_parts, read_dictionary, spin, split_pairs
from newsclean.core.errors import NewscleanError
from newsclean.core.paths import PACKAGE_DIR, PROJECT_ROOT, shared_dir
from newsclean.pipelines.spin import SpinModel, detect_spin, restore_spun

SEED_000 = "seeds/000_e286cea2b923dc43.txt"
SEED_WORDS = {"大模子": "大模型", "效劳": "服务", "手艺": "技术", "相助同伴": "合作伙伴"}


def roc_auc(negatives: list[float], positives: list[float]) -> float:
    """P(a random spun article scores above a random clean one), ties counted half."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([0] * len(negatives) + [1] * len(positives), negatives + positives))


def chain_pages(classifier) -> tuple[list[tuple[str, list[str]]], list[float]]:
    """(name, paragraphs) of every test and demo page with an article, and the chain's seconds per page."""
    files = sorted((PROJECT_ROOT / "tests" / "pages").glob("*.html"))
    files += sorted((PACKAGE_DIR / "demo_site" / "news").rglob("*.html"))
    out, times = [], []
    for path in files:
        data = path.read_bytes()
        start = time.perf_counter()
        try:
            article = clean_document(data, url=f"http://bench.test/{path.name}", classifier=classifier)
        except NewscleanError:
            continue
        times.append(time.perf_counter() - start)
        out.append((str(path.relative_to(PROJECT_ROOT)), article["paragraphs"]))
    return out, times


def _seconds_each(articles: list[list[str]], model: SpinModel) -> float:
    start = time.perf_counter()
    for paragraphs in articles:
        detect_spin(paragraphs, model)
    return (time.perf_counter() - start) / max(len(articles), 1)


def restoration(model: SpinModel, spun_set: list[tuple[list[str], list]]) -> dict:
    touched = correct = not_spun = swapped = 0
    for paragraphs, swaps in spun_set:
        truth = {(s.paragraph, s.offset): s for s in swaps}
        swapped += len(swaps)
        _, done = restore_spun(paragraphs, detect_spin(paragraphs, model), model)
        for r in done:
            touched += 1
            t = truth.get((r.paragraph, r.offset))
            if t is None or t.spun != r.spun:
                not_spun += 1
            elif t.original == r.restored:
                correct += 1
    return {
        "swaps": swapped,
        "touched": touched,
        "correct": correct,
        "not_spun": not_spun,
        "correct_share": correct / touched if touched else 0.0,
        "not_spun_share": not_spun / touched if touched else 0.0,
        "swaps_restored_share": correct / swapped if swapped else 0.0,
    }


def seed_000(model: SpinModel, classifier) -> dict | None:
    shared = shared_dir()
    if shared is None or not (shared / SEED_000).is_file():
        return None
    article = clean_document((shared / SEED_000).read_bytes(), url="file:///seed000", classifier=classifier)
    report = detect_spin(article["paragraphs"], model)
    restored, done = restore_spun(article["paragraphs"], report, model)
    before, after = "\n".join(article["paragraphs"]), "\n".join(restored)
    return {
        "score": report.score,
        "flagged": report.spun,
        "suspects": len(report.suspects),
        "restored": len(done),
        "seed_words_restored": {
            f"{k}→{v}": k in before and k not in after and after.count(v) >= before.count(v) + before.count(k)
            for k, v in SEED_WORDS.items()
        },
    }


def run(data_dir: Path, min_swaps: int) -> dict:
    model = load_spin_model()
    classifier = load_classifier()
    learned, held = split_pairs(read_dictionary())
    full = {p.original: p.spun for p in learned + held}
    held_only = {p.original: p.spun for p in held}
    test = corpus_parts(data_dir)["test"]

    spun_set, held_set = [], []
    for a in test:
        s = spin(a, full, article_rng(a, "test:"))
        if len(s[1]) >= min_swaps:
            spun_set.append(s)
        h = spin(a, held_only, article_rng(a, "held:"))
        if len(h[1]) >= min_swaps:
            held_set.append(h)
    clean_scores = [detect_spin(a, model).score for a in test]
    spun_scores = [detect_spin(a, model).score for a, _ in spun_set]
    held_scores = [detect_spin(a, model).score for a, _ in held_set]

    pages, chain_times = chain_pages(classifier)
    page_reports = [(name, detect_spin(p, model)) for name, p in pages]
    page_ms = 1000 * _seconds_each([p for _, p in pages], model)
    article_ms = 1000 * _seconds_each(test, model)
    swaps_known = sum(1 for _, sw in spun_set for s in sw if s.original in {p.original for p in learned})
    swaps_all = sum(len(sw) for _, sw in spun_set)
    return {
        "model": model.version,
        "threshold": model.threshold,
        "pairs": {"learned": len(learned), "held_out": len(held)},
        "test_articles": len(test),
        "spun_articles": len(spun_set),
        "swaps_by_learned_pairs_share": swaps_known / swaps_all if swaps_all else 0.0,
        "roc_auc": roc_auc(clean_scores, spun_scores),
        "spun_flagged_share": sum(s >= model.threshold for s in spun_scores) / len(spun_scores),
        "heldout_clean_flagged_share": sum(s >= model.threshold for s in clean_scores) / len(clean_scores),
        "pages": len(page_reports),
        "pages_flagged": [name for name, r in page_reports if r.spun],
        "held_pairs_only": {
            "articles": len(held_set),
            "roc_auc": roc_auc(clean_scores, held_scores) if held_set else None,
            "flagged_share": sum(s >= model.threshold for s in held_scores) / len(held_scores)
            if held_set
            else None,
        },
        "restoration": restoration(model, spun_set),
        "clean_touched": sum(len(restore_spun(a, detect_spin(a, model), model)[1]) for a in test),
        "detect_ms_per_page": page_ms,
        "detect_ms_per_heldout_article": article_ms,
        "chain_ms_per_page_median": 1000 * statistics.median(chain_times),
        "seed_000": seed_000(model, classifier),
    }


def report(r: dict) -> str:
    rest = r["restoration"]
    lines = [
        f"spin model {r['model']} (threshold {r['threshold']}): {r['pairs']['learned']} pairs learned, "
        f"{r['pairs']['held_out']} held out",
        f"held-out test articles {r['test_articles']}; spun by the whole dictionary {r['spun_articles']} "
        f"({100 * r['swaps_by_learned_pairs_share']:.1f} % of their swaps by learned pairs)",
        f"  detection ROC-AUC                 {r['roc_auc']:.4f}",
        f"  spun articles flagged             {100 * r['spun_flagged_share']:.1f} %",
        f"  held-out clean articles flagged   {100 * r['heldout_clean_flagged_share']:.2f} %",
        f"  test + demo pages flagged         {len(r['pages_flagged'])} of {r['pages']} {r['pages_flagged']}",
        f"  spun by held-out pairs only       {r['held_pairs_only']['articles']} articles, ROC-AUC "
        f"{r['held_pairs_only']['roc_auc']:.4f}, flagged {100 * (r['held_pairs_only']['flagged_share'] or 0):.1f} %",
        f"restoration: {rest['touched']} words touched of {rest['swaps']} swapped",
        f"  restored correctly                {100 * rest['correct_share']:.1f} %",
        f"  touched but not spun              {100 * rest['not_spun_share']:.2f} %",
        f"  swaps restored                    {100 * rest['swaps_restored_share']:.1f} %",
        f"  words touched in clean articles   {r['clean_touched']}",
        f"cost: detection {r['detect_ms_per_page']:.2f} ms per page (mean) against the chain's "
        f"{r['chain_ms_per_page_median']:.1f} ms (median), same pages; {r['detect_ms_per_heldout_article']:.2f} ms per "
        "held-out article",
    ]
    seed = r["seed_000"]
    if seed is None:
        lines.append("seed 000: ../shared absent, skipped")
    else:
        words = ", ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in seed["seed_words_restored"].items())
        lines.append(
            f"seed 000: score {seed['score']:.4f}, flagged {seed['flagged']}, {seed['suspects']} suspects, "
            f"{seed['restored']} restored; {words}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.spin_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="corpus folder (default: ../shared/data)")
    ap.add_argument("--min-swaps", type=int, default=3, help="swaps that make an article spun (default 3)")
    ap.add_argument("--json", type=Path, help="also save the figures here")
    args = ap.parse_args(argv)
    shared = shared_dir()
    data = args.data or (shared / "data" if shared else None)
    if data is None or not data.is_dir():
        print("error: the corpora (../shared/data) are needed; pass --data", file=sys.stderr)
        return 2
    r = run(data, args.min_swaps)
    print(report(r))
    if args.json:
        args.json.write_text(json.dumps(r, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
