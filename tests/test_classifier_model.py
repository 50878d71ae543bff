"""The line classifier on small hand-written data: it learns, persists, reloads, refuses unsafe
files, and the retraining gate keeps a better active model."""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from newsclean.classifiers import dataset, train
from newsclean.classifiers.baseline import KeywordFilter
from newsclean.classifiers.corpora import load_corpora
from newsclean.classifiers.examples import read_labelled
from newsclean.classifiers.model import load_classifier
from newsclean.classifiers.text import compact, compact_many
from newsclean.core.errors import InputError, ModelError
from newsclean.core.types import Line

DATA = Path(__file__).resolve().parent / "data_classifier"
SCALE = 0.02


def _args(**kw) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    args = parser.parse_args([])
    args.data_dir = DATA
    args.scale = SCALE
    for k, v in kw.items():
        setattr(args, k, v)
    return args


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    """One small model trained through the real `newsclean train` code path."""
    root = tmp_path_factory.mktemp("train")
    args = _args(out=root / "cand", active=root / "active")
    assert train.run(args) == 0
    return {"root": root, "cand": root / "cand", "active": root / "active"}


def test_training_writes_bundle_and_installs_first_model(trained):
    for name in train.ARTIFACTS:
        assert (trained["cand"] / name).is_file(), name
        assert (trained["active"] / name).is_file(), name
    record = json.loads((trained["cand"] / "metrics.json").read_text(encoding="utf-8"))
    assert record["held_out"]["lines"] > 100
    assert (trained["cand"] / "pr_curve.png").read_bytes()[:4] == b"\x89PNG"


def test_model_learns_on_small_data(trained):
    clf = load_classifier(trained["cand"])
    record = json.loads((trained["cand"] / "metrics.json").read_text(encoding="utf-8"))
    # Held-out lines come from other articles, templates and terms; far better than chance.
    assert record["held_out"]["macro_f1"] > 0.7
    texts = [
        "统计部门公布的数据显示,上半年城乡居民收入继续保持增长,消费市场回暖。",
        "成人影院,午夜福利,黄色网站,裸聊",
        "网上赌场开户送彩金 百家乐 真人荷官 客服QQ:12345678",
        "Copyright © 2024 城市新闻网 版权所有",
    ]
    got = [v.label for v in clf.predict_texts(texts)]
    assert got[0] == "content"
    assert got[1] == "adult"
    assert got[2] == "spam"
    assert got[3] == "boilerplate"


def test_reloaded_model_predicts_the_same(trained):
    a = load_classifier(trained["cand"])
    b = load_classifier(trained["active"])
    lines = [
        Line(text=t, tag="text", index=i, total=4)
        for i, t in enumerate(
            [
                "首页",
                "记者从市交通局获悉,新建的跨江大桥主体结构已经贯通。",
                "裸聊,一夜情,约炮",
                "京ICP备12345678号",
            ]
        )
    ]
    pa, pb = a.predict(lines), b.predict(lines)
    assert [v.label for v in pa] == [v.label for v in pb]
    assert np.allclose([v.score for v in pa], [v.score for v in pb])
    assert all(0.0 <= v.score <= 1.0 for v in pa)
    assert a.version == b.version and a.version.startswith("lines-")


def test_version_id_is_reproducible(trained):
    corpora = load_corpora(DATA)
    cfg = train.config_of(_args())
    v1 = train.make_version(corpora.files, [], cfg)
    v2 = train.make_version(load_corpora(DATA).files, [], train.config_of(_args()))
    assert v1 == v2 == load_classifier(trained["cand"]).version
    assert train.make_version(corpora.files, [], train.config_of(_args(seed=99))) != v1


def test_version_id_depends_on_content_not_on_file_times(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    for path in copy.iterdir():
        os.utime(path, (1_000_000_000, 1_000_000_000))  # a fresh copy: other file times
    cfg = train.config_of(_args())
    original = train.make_version(load_corpora(DATA).files, [], cfg)
    assert train.make_version(load_corpora(copy).files, [], cfg) == original
    (copy / "headlines.tsv").write_text("科技\t一条新的标题\n", encoding="utf-8")
    assert train.make_version(load_corpora(copy).files, [], cfg) != original


def _copy_bundle(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_corrupt_and_tampered_files_raise_model_error(trained, tmp_path):
    missing = tmp_path / "nothing"
    with pytest.raises(ModelError):
        load_classifier(missing)
    tampered = _copy_bundle(trained["cand"], tmp_path / "tampered")
    data = bytearray((tampered / "model.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tampered / "model.npz").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="checksum"):
        load_classifier(tampered)
    bad_json = _copy_bundle(trained["cand"], tmp_path / "badjson")
    (bad_json / "model.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError):
        load_classifier(bad_json)
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "model.npz").write_bytes(b"not a zip at all")
    meta = json.loads((trained["cand"] / "model.json").read_text(encoding="utf-8"))
    meta["npz_sha256"] = __import__("hashlib").sha256(b"not a zip at all").hexdigest()
    (garbage / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="corrupt"):
        load_classifier(garbage)
    # The message is one line.
    try:
        load_classifier(garbage)
    except ModelError as err:
        assert "\n" not in str(err)


class _Payload:
    """Unpickling this would create the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_pickle_is_refused_without_running_it(trained, tmp_path):
    marker = tmp_path / "code-ran"
    payload = pickle.dumps(_Payload(marker))
    # Sanity: the payload really does run code when unpickled.
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Payload(probe)))
    assert probe.exists()

    for name in ("model.pkl", "model.joblib", "model.bin"):
        path = tmp_path / name
        path.write_bytes(payload)
        with pytest.raises(ModelError, match=r"refusing|not a model bundle"):
            load_classifier(path)
    # A pickle disguised as the bundle's npz, with a matching checksum.
    disguised = _copy_bundle(trained["cand"], tmp_path / "disguised")
    (disguised / "model.npz").write_bytes(payload)
    meta = json.loads((disguised / "model.json").read_text(encoding="utf-8"))
    meta["npz_sha256"] = __import__("hashlib").sha256(payload).hexdigest()
    (disguised / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError):
        load_classifier(disguised)
    # An npz holding a pickled object array.
    objnpz = _copy_bundle(trained["cand"], tmp_path / "objnpz")
    arr = np.empty(1, dtype=object)
    arr[0] = _Payload(marker)
    with (objnpz / "model.npz").open("wb") as fh:
        np.savez(fh, w1=arr)
    meta["npz_sha256"] = __import__("hashlib").sha256((objnpz / "model.npz").read_bytes()).hexdigest()
    (objnpz / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError):
        load_classifier(objnpz)
    assert not marker.exists()


def test_skops_file_with_untrusted_types_is_refused(tmp_path):
    sio = pytest.importorskip("skops.io")
    path = tmp_path / "model.skops"
    sio.dump({"payload": _Payload(tmp_path / "x")}, path)
    assert sio.get_untrusted_types(file=path)  # the file does carry a foreign type
    with pytest.raises(ModelError, match="skops"):
        load_classifier(path)
    assert not (tmp_path / "x").exists()


def test_gate_keeps_better_active_model_and_force_replaces_it(trained, tmp_path):
    active = _copy_bundle(trained["active"], tmp_path / "active")
    before = load_classifier(active).version
    # A poisoned extra file: spam and adult lines labelled content, content labelled spam.
    poison = tmp_path / "poison.jsonl"
    corpora = load_corpora(DATA)
    splits = dataset.build(corpora, scale=SCALE)
    rows = []
    for e in splits.stage1:
        flipped = {"spam": "content", "adult": "content", "content": "spam", "boilerplate": "content"}
        rows.append({"text": e.text, "label": flipped[e.label], "source": "poison"})
    poison.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")

    assert train.run(_args(out=tmp_path / "worse", active=active, extra=[poison])) == 0
    assert load_classifier(active).version == before  # kept
    worse = load_classifier(tmp_path / "worse").version
    assert worse != before

    assert train.run(_args(out=tmp_path / "forced", active=active, extra=[poison], force=True)) == 0
    assert load_classifier(active).version == worse  # replaced


def test_gate_rule():
    base = {"spam_adult_kept": 0.004, "content_removed": 0.001, "macro_f1": 0.95}
    assert train.gate(dict(base), base)[0]
    assert not train.gate(dict(base, spam_adult_kept=0.006), base)[0]
    assert not train.gate(dict(base, content_removed=0.002), base)[0]
    assert not train.gate(dict(base, macro_f1=0.94), base)[0]
    assert train.gate(dict(base, macro_f1=0.949), base)[0]


def test_missing_data_dir_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        train.run(_args(data_dir=tmp_path / "nope", out=tmp_path / "o", active=tmp_path / "a"))
    (tmp_path / "half").mkdir()
    with pytest.raises(InputError, match="missing"):
        train.run(_args(data_dir=tmp_path / "half", out=tmp_path / "o", active=tmp_path / "a"))


def test_bad_labelled_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": "nonsense"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="label"):
        read_labelled(bad)


def test_compact_view_undoes_obfuscation():
    plain = compact("黄色网站www")
    for variant in ("黄 色 网 站 www", "黄★色*网·站ＷＷＷ", "黃色網站www", "黄🔥色网站 w w w"):
        assert compact(variant) == plain, variant
    assert compact_many(["а", "ο"]) == ["a", "o"]  # Cyrillic/Greek look-alikes


def test_keyword_baseline():
    kw = KeywordFilter(adult=["裸聊", "激情|视频"], spam=["百家乐"])
    assert kw.label("今晚裸聊") == "adult"
    assert kw.label("激情澎湃的比赛视频") == "adult"  # both parts of an AND entry
    assert kw.label("激情澎湃的比赛") == "content"
    assert kw.label("百家乐开户") == "spam"
    assert kw.label("普通新闻") == "content"
