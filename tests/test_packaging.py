"""What ``pip install`` ships: every package folder, the bundled models and the demo site."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from newsclean.core.paths import PROJECT_ROOT

CONFIG = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _folder(package: str):
    mapped = CONFIG["package-dir"].get(package)
    return PROJECT_ROOT / (mapped or package.replace(".", "/"))


def test_every_package_folder_is_listed():
    """A new subpackage that is not in pyproject's list would be missing from a wheel."""
    listed = set(CONFIG["packages"])
    found = set()
    for package in listed:
        for init in _folder(package).rglob("__init__.py"):
            rel = init.parent.relative_to(_folder(package))
            found.add(".".join([package, *rel.parts]))
    assert found == listed


@pytest.mark.slow
def test_the_wheel_holds_code_models_and_demo_site(tmp_path):
    left_over = not (PROJECT_ROOT / "build").exists()  # setuptools builds in the source tree
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            ".",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if left_over:
        shutil.rmtree(PROJECT_ROOT / "build", ignore_errors=True)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("newsclean-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in CONFIG["packages"]:
        for module in _folder(package).glob("*.py"):
            assert f"{package.replace('.', '/')}/{module.name}" in names, module
    for data in (
        "newsclean/classifiers/models/active/model.npz",
        "newsclean/classifiers/models/active/model.json",
        "newsclean/classifiers/spin/model.npz",
        "newsclean/classifiers/spin/model.json",
        "newsclean/demo_site/index.html",
        "newsclean/demo_site/news/202507/111.html",
        "newsclean/py.typed",
    ):
        assert data in names, data
    assert not any(
        n.startswith(("pipelines/", "classifiers/", "spiders/", "tests/", "bench/")) for n in names
    )
