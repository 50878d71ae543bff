"""The spin model as data: loaded safely, built byte for byte the same from the same corpus."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from itertools import permutations

import numpy as np
import pytest

from newsclean.chain import clean_document
from newsclean.classifiers.bundle import sha256_of
from newsclean.classifiers.model import load_classifier
from newsclean.classifiers.spin_model import SPIN_DIR, load_spin_model
from newsclean.classifiers.spin_train import build
from newsclean.core.errors import ModelError
from newsclean.pipelines.spin import detect_spin, restore_spun
from tests.conftest import needs_shared

# invented sentences (not from any corpus); articles are ordered picks of four of them
SENTENCES = [
    "这家公司今天发布了新款芯片。",
    "研究人员表示,新技术可以降低计算成本。",
    "合作伙伴将在下个月开始测试这套系统。",
    "目前,市场对大模型服务的需求持续增长。",
    "根据合同,设备将在年底前交付。",
    "分析人士认为,竞争对手很快会做出回应。",
    "该项目的核心团队超过两百人。",
    "尽管面临困难,企业仍然计划扩大投资。",
]


def tiny_corpus(folder):
    folder.mkdir()
    picks = list(permutations(SENTENCES, 4))[:600]
    lines = [
        json.dumps({"paragraphs": [f"第{i}号简讯。{p[0]}", *p[1:]]}, ensure_ascii=False)
        for i, p in enumerate(picks)
    ]
    (folder / "news_articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def copy_model(tmp_path):
    target = tmp_path / "spin"
    target.mkdir()
    for name in ("model.json", "model.npz"):
        shutil.copy(SPIN_DIR / name, target / name)
    return target


def test_the_shipped_model_loads_and_is_small():
    model = load_spin_model()
    meta = json.loads((SPIN_DIR / "model.json").read_text(encoding="utf-8"))
    assert model.version == meta["version"] and model.originals
    assert (SPIN_DIR / "model.npz").stat().st_size < 4_000_000


def test_a_tampered_array_file_is_refused(tmp_path):
    folder = copy_model(tmp_path)
    data = bytearray((folder / "model.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "model.npz").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="checksum") as err:
        load_spin_model(folder)
    assert "\n" not in str(err.value)


def test_a_pickle_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    folder = copy_model(tmp_path)
    (folder / "model.npz").write_bytes(pickle.dumps(Evil()))
    with pytest.raises(ModelError, match="pickle"):
        load_spin_model(folder)
    with pytest.raises(ModelError, match="pickle"):
        load_spin_model(folder / "model.npz")
    assert not marker.exists()


def test_object_arrays_are_refused_even_with_a_matching_checksum(tmp_path):
    folder = copy_model(tmp_path)
    np.savez(folder / "model.npz", table=np.array([{"a": 1}], dtype=object), check=np.zeros(1, np.uint8))
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    meta["npz_sha256"] = sha256_of(folder / "model.npz")
    (folder / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="unreadable"):
        load_spin_model(folder)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(format="newsclean-lines/1"), "unknown spin model format"),
        (lambda m: m.pop("originals"), "malformed"),
        (lambda m: m.update(bits=12), "wrong size"),
    ],
)
def test_a_foreign_or_broken_description_is_refused(tmp_path, edit, message):
    folder = copy_model(tmp_path)
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    edit(meta)
    (folder / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        load_spin_model(folder)


def test_a_description_that_is_not_json_is_refused(tmp_path):
    folder = copy_model(tmp_path)
    (folder / "model.json").write_bytes(b"\x80\x04not json")
    with pytest.raises(ModelError, match="corrupt spin model description"):
        load_spin_model(folder)


def test_missing_files_are_one_line(tmp_path):
    with pytest.raises(ModelError, match="missing"):
        load_spin_model(tmp_path)


def test_the_same_corpus_builds_the_same_bytes(tmp_path):
    data = tiny_corpus(tmp_path / "data")
    first, second = tmp_path / "a", tmp_path / "b"
    meta = build(data, first, bits=16)
    build(data, second, bits=16)
    for name in ("model.npz", "model.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert meta["articles"]["calibration"] >= 20 and "threshold" in meta  # the fitting ran
    model = load_spin_model(first)
    assert model.version == meta["version"] and model.bits == 16
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "news_articles.jsonl").write_text(
        json.dumps({"paragraphs": SENTENCES}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    build(tmp_path / "other", tmp_path / "c", bits=16)
    assert (tmp_path / "c" / "model.npz").read_bytes() != (first / "model.npz").read_bytes()


@pytest.mark.shared
@pytest.mark.slow
@needs_shared
def test_the_shipped_model_is_what_the_corpora_build(shared, tmp_path):
    build(shared / "data", tmp_path / "spin")
    for name in ("model.npz", "model.json"):
        assert (tmp_path / "spin" / name).read_bytes() == (SPIN_DIR / name).read_bytes(), name


@pytest.mark.shared
@needs_shared
def test_seed_000_is_flagged_and_its_words_come_back(shared):
    path = shared / "seeds" / "000_e286cea2b923dc43.txt"
    article = clean_document(path.read_bytes(), url=path.as_uri(), classifier=load_classifier())
    model = load_spin_model()
    report = detect_spin(article["paragraphs"], model)
    assert report.spun
    restored, done = restore_spun(article["paragraphs"], report, model)
    before, after = "\n".join(article["paragraphs"]), "\n".join(restored)
    for spun, original in {
        "大模子": "大模型",
        "效劳": "服务",
        "手艺": "技术",
        "相助同伴": "合作伙伴",
    }.items():
        assert spun in before and spun not in after, spun
        assert after.count(original) >= before.count(original) + before.count(spun)
    assert len(done) >= 4 and all(r.spun != r.restored for r in done)


def test_the_training_command_reports_a_bad_corpus_in_one_line(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsclean.classifiers.spin_train",
            "--data",
            str(tmp_path),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "corpus not found" in run.stderr
