"""Retraining with only the repository: `newsclean train --extra` adjusts the bundled model, is
gated, and installs into the user data folder when the package folder is an installed copy; the
default model lookup prefers what the user installed and refuses a broken one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsclean.classifiers import adjust, places
from newsclean.classifiers.model import ACTIVE_DIR, load_classifier
from newsclean.classifiers.spin_model import SPIN_DIR, load_spin_model
from newsclean.core.errors import ModelError
from tests.test_cli import PAGE

# Lines the bundled model gets wrong (checked below), with the labels a reviewer gives them.
CORRECTIONS = [
    ("老中医祖传秘方治疗失眠，效果好", "spam"),
    ("今日特价：羊毛衫只要九十九元", "spam"),
    ("高价回收黄金首饰，当面验货", "spam"),
    ("二手房急售，房东诚心出售", "spam"),
    ("正品代购香港化妆品，假一赔十", "spam"),
    ("专业搬家公司，价格公道", "spam"),
    ("专业代办各类证件，速度快，价格优", "spam"),
    ("转发本文到朋友圈，截图领红包", "spam"),
    ("无人机怎么样", "content"),
    ("一、芯片", "content"),
]


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text(
        "".join(
            json.dumps({"text": t, "label": lab, "source": "review"}, ensure_ascii=False) + "\n"
            for t, lab in rows
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def installed(tmp_path: Path) -> dict:
    """An installed-package layout: the bundled model in a folder that is no source checkout, no
    training corpora, an empty user data folder."""
    models = tmp_path / "site-packages" / "newsclean" / "classifiers" / "models"
    shutil.copytree(ACTIVE_DIR, models / "active")
    (tmp_path / "shared-empty").mkdir()
    env = dict(
        os.environ,
        NEWSCLEAN_SHARED=str(tmp_path / "shared-empty"),
        NEWSCLEAN_DATA_HOME=str(tmp_path / "home"),
        NEWSCLEAN_BUNDLED_MODELS=str(models),
    )
    env.pop("NEWSCLEAN_MODEL", None)
    return {"env": env, "models": models, "home": tmp_path / "home", "root": tmp_path}


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsclean.commands.cli", *args],
        capture_output=True,
        timeout=300,
        env=env,
        text=True,
    )


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert "Traceback" not in proc.stderr and len(lines) == 1, proc.stderr
    return lines[0]


def _use(monkeypatch: pytest.MonkeyPatch, env: dict) -> None:
    for name in ("NEWSCLEAN_SHARED", "NEWSCLEAN_DATA_HOME", "NEWSCLEAN_BUNDLED_MODELS"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.delenv("NEWSCLEAN_MODEL", raising=False)


def test_train_without_corpora_adjusts_the_model_and_installs_it_for_the_user(installed, monkeypatch):
    bundled = load_classifier(ACTIVE_DIR)
    texts = [t for t, _ in CORRECTIONS]
    before = [v.label for v in bundled.predict_texts(texts)]
    assert all(b != lab for b, (_, lab) in zip(before, CORRECTIONS, strict=True)), before
    corrections = _write(installed["root"] / "corrections.jsonl", CORRECTIONS)
    bundled_bytes = (installed["models"] / "active" / "model.npz").read_bytes()

    proc = _cli(installed["env"], "train", "--extra", str(corrections))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "adjusting the bundled model" in out
    assert "labelled lines, cross-validated" in out and "replay and held-out hard negatives" in out
    assert "hard negatives kept 100.00% of 76" in out
    assert "ACTIVE MODEL REPLACED" in out
    user_active = installed["home"] / "models" / "active"
    assert f"default model now: {user_active} (user-installed)" in out
    # the package's folder is untouched; the candidate lies in the user folder
    assert (installed["models"] / "active" / "model.npz").read_bytes() == bundled_bytes
    assert not (installed["models"] / "candidates").exists()
    (candidate,) = (installed["home"] / "models" / "candidates").iterdir()
    record = json.loads((candidate / "metrics.json").read_text(encoding="utf-8"))
    assert record["labelled_lines_fitted"] == [len(CORRECTIONS), len(CORRECTIONS)]

    _use(monkeypatch, installed["env"])
    assert places.default_model() == (user_active, "user-installed")
    model = load_classifier()  # the default: the user's
    assert model.version == candidate.name != bundled.version
    assert [v.label for v in model.predict_texts(texts)] == [lab for _, lab in CORRECTIONS]
    _, hard = adjust.hard_negative_parts()
    assert all(v.label == "content" for v in model.predict_texts(hard))
    assert model.meta["adjusted"]["from"] == bundled.version

    # reproducible: the same lines give the same id and the same bytes
    again = _cli(
        installed["env"], "train", "--extra", str(corrections), "--out", str(installed["root"] / "again")
    )
    assert again.returncode == 0, again.stderr
    assert (installed["root"] / "again" / "model.npz").read_bytes() == (candidate / "model.npz").read_bytes()

    # eval without corpora: says which set, which model, lists what it got wrong
    ev = _cli(installed["env"], "eval", "--wrong", "3")
    assert ev.returncode == 0, ev.stderr
    assert f"model {model.version} (user-installed: {user_active})" in ev.stdout
    assert "small corpus" in ev.stdout and "lines wrong:" in ev.stdout


def test_gate_refuses_corrections_that_lose_hard_negatives(installed):
    _, hard = adjust.hard_negative_parts()
    poison = _write(installed["root"] / "poison.jsonl", [(t, "spam") for t in hard[:40]])
    proc = _cli(installed["env"], "train", "--extra", str(poison))
    assert proc.returncode == 0, proc.stderr
    kept = next(line for line in proc.stdout.splitlines() if line.startswith("ACTIVE MODEL"))
    assert kept.startswith("ACTIVE MODEL KEPT"), kept
    assert "replay and held-out hard negatives: hard negatives kept" in kept
    assert not (installed["home"] / "models" / "active").exists()
    forced = _cli(installed["env"], "train", "--extra", str(poison), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "ACTIVE MODEL REPLACED" in forced.stdout and "(--force)" in forced.stdout
    assert (installed["home"] / "models" / "active" / "model.npz").is_file()


def test_train_without_corpora_or_extra_is_a_clear_error(installed):
    proc = _cli(installed["env"], "train")
    assert proc.returncode == 2
    assert "--extra" in one_line_error(proc)


def test_corrupt_user_model_is_refused_not_skipped(installed):
    user_active = installed["home"] / "models" / "active"
    shutil.copytree(ACTIVE_DIR, user_active)
    with (user_active / "model.npz").open("r+b") as fh:
        fh.seek(200)
        fh.write(b"\0\0\0\0")
    page = installed["root"] / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    proc = _cli(installed["env"], "clean", str(page))
    assert proc.returncode == 6
    assert "checksum" in one_line_error(proc)
    # $NEWSCLEAN_MODEL comes first
    env = dict(installed["env"], NEWSCLEAN_MODEL=str(installed["models"] / "active"))
    assert _cli(env, "clean", str(page)).returncode == 0


def test_models_stay_in_a_writable_source_checkout(tmp_path, monkeypatch):
    checkout = tmp_path / "checkout"
    (checkout / "classifiers" / "models").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    monkeypatch.setenv("NEWSCLEAN_DATA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEWSCLEAN_BUNDLED_MODELS", str(checkout / "classifiers" / "models"))
    assert places.models_home() == checkout / "classifiers" / "models"
    monkeypatch.setenv("NEWSCLEAN_BUNDLED_MODELS", str(tmp_path / "site" / "classifiers" / "models"))
    assert places.models_home() == tmp_path / "home" / "models"


def test_user_spin_model_is_preferred_and_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSCLEAN_DATA_HOME", str(tmp_path))
    assert places.default_spin_model() == (SPIN_DIR, "bundled")
    user = tmp_path / "spin"
    user.mkdir()
    for name in ("model.json", "model.npz"):
        shutil.copy(SPIN_DIR / name, user / name)
    meta = json.loads((user / "model.json").read_text(encoding="utf-8"))
    meta["version"] = "spin-user"
    (user / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    assert load_spin_model().version == "spin-user"
    (user / "model.npz").write_bytes(b"PK broken")
    with pytest.raises(ModelError, match="checksum"):
        load_spin_model()
