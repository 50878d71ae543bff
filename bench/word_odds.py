"""How well the word odds tell lone tech words from spam vocabulary it never counted.

``python -m bench.word_odds``: the spam vocabulary model is rebuilt from one half of the lexicon
terms (split by SHA-256), and the other half's words are scored against the clean-news model,
beside the short-line battery's held-out tech words. Prints the share of each at odds >= 0 (what
the chain keeps when such a word stands alone in an article). Needs ../shared/data.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

from newsclean.classifiers.shortlines import battery_lines
from newsclean.classifiers.spam_lm import BITS, MIN_COUNT, ORDER, lexicon_terms
from newsclean.classifiers.spin_model import load_spin_model
from newsclean.classifiers.spin_train import count_table
from newsclean.core.paths import shared_dir
from newsclean.pipelines.charlm import CharLM, log_odds
from newsclean.pipelines.classify import NEWS_ODDS_TO_KEEP, lone_word_text


def _half(term: str) -> int:
    return hashlib.sha256(term.encode("utf-8")).digest()[0] % 2


def main() -> int:
    base = shared_dir()
    if base is None:
        print("skipped: ../shared/data not found (set NEWSCLEAN_SHARED)")
        return 0
    terms = lexicon_terms(Path(base) / "data")
    table, check, log_total = count_table([t for t in terms if _half(t) == 0], ORDER, BITS, MIN_COUNT)
    spam = CharLM(table, check, BITS, ORDER, log_total)
    news = load_spin_model().lm
    unseen = sorted({w for t in terms if _half(t) == 1 for w in [lone_word_text(t)] if w})
    tech = sorted({w for t, _, _ in battery_lines() for w in [lone_word_text(t)] if w})
    for name, words in (("lexicon words the model never counted", unseen), ("battery tech words", tech)):
        odds = log_odds(news, spam, words)
        print(
            f"{name:<40} {len(words):>6}  odds >= {NEWS_ODDS_TO_KEEP:g}: {np.mean(odds >= NEWS_ODDS_TO_KEEP):6.2%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
