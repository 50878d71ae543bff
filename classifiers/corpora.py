"""Reading the training corpora (``--data-dir``, default ``../shared/data``) and the project's
own lists, and fingerprinting them for the model id."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsclean.classifiers.wordlists import DATA_DIR as LOCAL_DATA
from newsclean.classifiers.wordlists import data_lines
from newsclean.core.errors import InputError
from newsclean.core.paths import shared_dir

REQUIRED_FILES = (
    "news_articles.jsonl",
    "headlines.tsv",
    "lexicon_adult.txt",
    "lexicon_adult_extended.txt",
    "lexicon_gambling.txt",
    "lexicon_ads_spam.txt",
    "lexicon_illegal_domains.txt",
)
OPTIONAL_FILES = ("news_sentences_peoplesdaily.txt", "trad_paragraphs_drcd_wiki.txt", "spam_sms_labeled.tsv")


@dataclass
class Corpora:
    articles: list[dict]
    headlines: list[str]
    sentences: list[str]
    trad: list[str]
    sms: list[tuple[str, str]]
    adult: list[str]
    gamble: list[str]
    ads: list[str]
    domains: list[str]
    hard_negatives: list[str]
    seed_spam: list[tuple[str, str]]
    files: list[Path] = field(default_factory=list)


def default_data_dir() -> Path:
    base = shared_dir()
    if base is None:
        raise InputError(
            "training data not found: no ../shared folder; give --data-dir or set NEWSCLEAN_SHARED"
        )
    return base / "data"


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            raw = raw.rstrip("\n")
            if raw.strip():
                yield raw


def load_corpora(data_dir: Path) -> Corpora:
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"training data folder not found: {data_dir}")
    missing = [n for n in REQUIRED_FILES if not (data_dir / n).is_file()]
    if missing:
        raise InputError(f"training data incomplete in {data_dir}: missing {', '.join(missing)}")
    files = [data_dir / n for n in REQUIRED_FILES + OPTIONAL_FILES if (data_dir / n).is_file()]
    try:
        articles = [json.loads(t) for t in _lines(data_dir / "news_articles.jsonl")]
    except json.JSONDecodeError as err:
        raise InputError(f"news_articles.jsonl is not JSON Lines: {err}") from None
    headlines = [t.split("\t", 1)[-1].strip() for t in _lines(data_dir / "headlines.tsv")]

    def opt(name: str) -> list[str]:
        p = data_dir / name
        return list(_lines(p)) if p.is_file() else []

    sms = []
    for t in opt("spam_sms_labeled.tsv"):
        label, _, text = t.partition("\t")
        if text.strip():
            sms.append((label, text.strip()))
    adult = _terms(data_dir / "lexicon_adult.txt") + _terms(data_dir / "lexicon_adult_extended.txt")
    seed = []
    for t in data_lines("seed_spam.txt"):
        label, _, text = t.partition("\t")
        seed.append((label, text))
    return Corpora(
        articles=articles,
        headlines=headlines,
        sentences=opt("news_sentences_peoplesdaily.txt"),
        trad=opt("trad_paragraphs_drcd_wiki.txt"),
        sms=sms,
        adult=adult,
        gamble=_terms(data_dir / "lexicon_gambling.txt"),
        ads=_terms(data_dir / "lexicon_ads_spam.txt"),
        domains=_terms(data_dir / "lexicon_illegal_domains.txt"),
        hard_negatives=data_lines("hard_negatives.txt"),
        seed_spam=seed,
        files=files,
    )


def _terms(path: Path) -> list[str]:
    return [t.strip() for t in _lines(path) if len(t.strip()) >= 2]


def data_fingerprint(files: Iterable[Path], extra: Sequence[Path] = ()) -> str:
    """sha256 over the training inputs, our own lists and templates (the model id's hash part)."""
    h = hashlib.sha256()
    local = sorted(LOCAL_DATA.glob("*.txt"))
    for p in [*files, *local, *extra]:
        h.update(p.name.encode())
        with Path(p).open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()
