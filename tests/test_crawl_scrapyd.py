"""The project as scrapyd takes it: ``scrapy list`` from the root, and the egg scrapyd-deploy builds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from newsclean.core.paths import PROJECT_ROOT

PROJECT_PARTS = [
    "scrapy.cfg",
    "setup.py",
    "pyproject.toml",
    "README.md",
    "newsclean",
    "spiders",
    "pipelines",
    "classifiers",
]


def test_scrapy_list_from_the_project_root_names_news():
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "news" in result.stdout.split()


def test_scrapy_cfg_has_a_deploy_target():
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(PROJECT_ROOT / "scrapy.cfg")
    assert cfg["settings"]["default"] == "newsclean.crawling.settings"
    assert any(s == "deploy" or s.startswith("deploy:") for s in cfg.sections())


@pytest.mark.slow
def test_scrapyd_deploy_builds_an_egg_that_lists_news(tmp_path):
    deploy = Path(sys.executable).with_name("scrapyd-deploy")
    assert deploy.is_file(), "scrapyd-client (test extra) is not installed"
    project = tmp_path / "project"
    project.mkdir()
    for part in PROJECT_PARTS:
        src = PROJECT_ROOT / part
        if src.is_dir():
            shutil.copytree(
                src, project / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
            )
        elif src.exists():
            shutil.copy2(src, project / part)
    egg = tmp_path / "newsclean.egg"
    build = subprocess.run(
        [str(deploy), "--build-egg", str(egg)], capture_output=True, text=True, cwd=project, timeout=300
    )
    assert build.returncode == 0, build.stderr[-3000:]
    with zipfile.ZipFile(egg) as z:
        names = set(z.namelist())
        entry_points = z.read("EGG-INFO/entry_points.txt").decode()
    assert {
        "newsclean/spiders/news.py",
        "newsclean/crawling/settings.py",
        "newsclean/crawling/pipelines.py",
        "newsclean/pipelines/decode.py",
        "newsclean/classifiers/models/active/model.npz",
    } <= names
    assert not any(n.startswith(("spiders/", "pipelines/", "classifiers/")) for n in names)
    assert "newsclean/demo_site/index.html" in names
    assert "settings = newsclean.crawling.settings" in entry_points

    # what scrapyd does with it: the egg first on the path, the settings module from its entry point
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    env = {**os.environ, "PYTHONPATH": str(egg), "SCRAPY_SETTINGS_MODULE": "newsclean.crawling.settings"}
    code = (
        "import sys, newsclean.spiders.news as m; print(m.__file__); "
        "from scrapy.cmdline import execute; sys.argv = ['scrapy', 'list']; execute()"
    )
    listed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=empty, env=env, timeout=120
    )
    assert listed.returncode == 0, listed.stderr[-2000:]
    lines = listed.stdout.split()
    assert lines[0].startswith(str(egg)), "the spider must come from the egg"
    assert "news" in lines[1:]
