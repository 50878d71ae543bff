"""What a new user tries first with `newsclean clean` and `newsclean review`, as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsclean.core.schema import article_errors
from tests.test_cli import PAGE, one_line_error, run


@pytest.fixture()
def page(tmp_path: Path) -> Path:
    path = tmp_path / "battery.html"
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_a_single_page_reviewed_straight_from_clean(tmp_path, page):
    """`clean page.html > a.json; review a.json`: the pretty single object is read as it is."""
    single = tmp_path / "a.json"
    single.write_bytes(run("clean", str(page)).stdout)
    assert single.read_text("utf-8").count("\n") > 5  # the pretty, many-line form
    out = tmp_path / "r.html"
    proc = run("review", str(single), "--out", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert "1 article(s)" in proc.stderr.decode() and out.is_file()


def test_jsonl_appends_one_line_per_page(tmp_path, page):
    corpus = tmp_path / "corpus.jsonl"
    for _ in range(2):
        proc = run("clean", str(page), "--jsonl")
        assert proc.returncode == 0, proc.stderr.decode()
        with corpus.open("ab") as fh:
            fh.write(proc.stdout)
    lines = corpus.read_text("utf-8").splitlines()
    assert len(lines) == 2 and all(article_errors(json.loads(line)) == [] for line in lines)
    out = tmp_path / "r.html"
    assert run("review", str(corpus), "--out", str(out)).returncode == 0


@pytest.mark.parametrize("source", ["javascript:alert(1)", "data:text/html,<p>x</p>", "JavaScript:void(0)"])
def test_javascript_and_data_are_unsupported_schemes(source):
    line = one_line_error(run("clean", source))
    assert "scheme" in line and "no such file" not in line


def test_a_file_whose_name_looks_like_a_scheme_is_still_a_file(tmp_path, page):
    odd = tmp_path / "data:copy.html"
    odd.write_bytes(page.read_bytes())
    proc = subprocess.run(
        [sys.executable, "-m", "newsclean.commands.cli", "clean", odd.name],
        capture_output=True,
        cwd=tmp_path,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr.decode()


def test_url_option_with_a_url_source_is_refused():
    line = one_line_error(run("clean", "http://127.0.0.1:9/a.html", "--url", "http://other.example/"))
    assert "--url" in line


def test_empty_url_option_is_refused(page):
    assert "--url" in one_line_error(run("clean", str(page), "--url", ""))
    assert "--url" in one_line_error(run("clean", "-", "--url", " ", stdin=page.read_bytes()))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"url": "http://a.example/1", "paragraphs": ["\\ud800 x"], "removed": []}\n', "surrogate"),
        (b'{"url": "http://a.example/1", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n", "nest"),
    ],
)
def test_review_of_hostile_json_lines_is_one_clear_line(tmp_path, content, expected):
    src = tmp_path / "bad.jsonl"
    src.write_bytes(content)
    out = tmp_path / "r.html"
    line = one_line_error(run("review", str(src), "--out", str(out)))
    assert expected in line and "internal error" not in line and "bad.jsonl:1" in line
    assert not out.exists()


def test_help_names_the_environment():
    text = run("--help").stdout.decode()
    for name in ("NEWSCLEAN_SHARED", "NEWSCLEAN_DEBUG", "NEWSCLEAN_MODEL", "NEWSCLEAN_STATE_DIR"):
        assert name in text


def test_model_from_the_environment_is_used(tmp_path, page):
    import os

    env = {**os.environ, "NEWSCLEAN_MODEL": str(tmp_path / "missing-model")}
    proc = subprocess.run(
        [sys.executable, "-m", "newsclean.commands.cli", "clean", str(page)],
        capture_output=True,
        env=env,
        timeout=180,
    )
    assert proc.returncode == 6 and "missing-model" in proc.stderr.decode()
