"""The Python API: ``newsclean.clean``, ``newsclean.Cleaner``, the typed Article and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

import newsclean
from newsclean.chain import clean_document
from newsclean.core.errors import NoArticleError, NotADocumentError
from newsclean.core.schema import article_errors

PAGES = Path(__file__).resolve().parent / "pages"
URL = "http://127.0.0.1/news/1.html"
WHEN = datetime(2025, 7, 2, 8, 0, tzinfo=timezone.utc)


def test_clean_gives_the_chains_article_typed():
    data = (PAGES / "cms-wordpress-ev.html").read_bytes()
    article = newsclean.clean(data, url=URL, fetched_at=WHEN)
    assert isinstance(article, newsclean.Article)
    cleaner = newsclean.Cleaner()
    expected = clean_document(
        data, url=URL, classifier=cleaner.classifier, fetched_at=WHEN, spin=cleaner.spin_model
    )
    assert article.to_dict() == expected
    assert article.spin is not None and article.spin["spun"] is False
    assert list(article.to_dict()) == list(expected)  # the documented field order
    assert json.loads(article.to_json()) == expected
    assert "\n" not in article.to_json() and "\n" in article.to_json(indent=2)
    assert article.text == "\n".join(article.paragraphs) and article.paragraphs
    assert all(isinstance(r, newsclean.RemovedLine) for r in article.removed)


def test_bytes_and_text_give_the_same_article():
    data = (PAGES / "clean-boilerplate-only.html").read_bytes()
    cleaner = newsclean.Cleaner()
    from_bytes = cleaner.clean(data, URL, fetched_at=WHEN)
    from_text = cleaner.clean(data.decode("utf-8"), URL, fetched_at=WHEN)
    assert from_bytes == from_text


def test_url_is_optional_and_the_article_stays_schema_valid():
    article = newsclean.clean((PAGES / "short-flash-news.html").read_bytes())
    assert article.url and not article_errors(article.to_dict())
    dump = newsclean.clean((PAGES / "dump-seedstyle.txt").read_text(encoding="utf-8"))
    assert dump.title and not article_errors(dump.to_dict())


def test_a_cleaner_takes_a_model_path_or_a_loaded_model():
    from newsclean.classifiers.model import ACTIVE_DIR, load_classifier

    by_path = newsclean.Cleaner(model=ACTIVE_DIR)
    loaded = load_classifier()
    by_object = newsclean.Cleaner(model=loaded)
    assert by_object.classifier is loaded and by_path.version == by_object.version
    data = (PAGES / "neg-moderation.html").read_bytes()
    assert by_path.clean(data, URL, fetched_at=WHEN) == by_object.clean(data, URL, fetched_at=WHEN)


def test_documented_errors():
    assert newsclean.NoArticleError is NoArticleError
    assert issubclass(newsclean.NotADocumentError, newsclean.NewscleanError)
    with pytest.raises(newsclean.NoArticleError):
        newsclean.clean((PAGES / "pure-spam.html").read_bytes(), URL)
    with pytest.raises(newsclean.NotADocumentError):
        newsclean.clean(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, URL)
    with pytest.raises(NotADocumentError):
        newsclean.clean(b"", URL)
    with pytest.raises(newsclean.ModelError):
        newsclean.Cleaner(model=PAGES / "no-such-model")
    with pytest.raises(AttributeError):
        _ = newsclean.no_such_name


def test_importing_a_part_loads_neither_model_nor_chain():
    code = (
        "import sys, newsclean.core.errors, newsclean;"
        "heavy = [m for m in sys.modules if m.startswith(('newsclean.chain', 'newsclean.classifiers',"
        " 'newsclean.pipelines', 'newsclean.api'))];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_package_is_typed():
    assert (Path(newsclean.__file__).parent / "py.typed").is_file()


def test_spin_can_be_left_out_and_restoration_asked_for():
    data = (PAGES / "cms-wordpress-ev.html").read_bytes()
    assert "spin" not in newsclean.Cleaner(spin=False).clean(data, URL).to_dict()
    restoring = newsclean.Cleaner(restore_spun=True).clean(data, URL)
    assert (
        restoring.spin is not None and restoring.spin.get("restored") == []
    )  # a clean article keeps every word
