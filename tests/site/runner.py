"""Run real crawls in subprocesses against a fixture server, and read what they wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from bench.site.command import crawl_command
from newsclean.core.paths import PROJECT_ROOT

# Small limits so the slow and the oversize fixture pages fail fast.
TEST_SETTINGS = {
    "DOWNLOAD_TIMEOUT": "1",
    "DOWNLOAD_MAXSIZE": "100000",
    "RETRY_TIMES": "1",
    "AUTOTHROTTLE_ENABLED": "False",
    "NEWSCLEAN_CLEAN_JOBS": "1",  # cleaning in worker processes has tests of its own
}


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), e.get("PYTHONPATH")) if p)
    e.pop("NEWSCLEAN_DEBUG", None)
    return e


def write_sources(path: Path, origin: str, **site) -> Path:
    lines = ["[[site]]", 'name = "fixture"', f'start_urls = ["{origin}/"]']
    for key, value in site.items():
        lines.append(f"{key} = {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def settings_args(extra: dict[str, str] | None = None) -> list[str]:
    args = []
    tmp = {}
    if os.environ.get("NEWSCLEAN_TEST_MODEL"):  # crawl with another classifier bundle than the active one
        tmp = {"NEWSCLEAN_MODEL": os.environ["NEWSCLEAN_TEST_MODEL"]}
    for k, v in {**TEST_SETTINGS, **tmp, **(extra or {})}.items():
        args += ["-s", f"{k}={v}"]
    return args


def crawl_cmd(sources: Path, output: Path, *more: str, settings: dict[str, str] | None = None) -> list[str]:
    return crawl_command(sources, output, "--progress-interval", "1", *settings_args(settings), *more)


def scrapy_crawl_cmd(output: Path, *args: str) -> list[str]:
    """``scrapy crawl news`` the Scrapy way, writing into ``output``."""
    return [sys.executable, "-m", "scrapy", "crawl", "news", *args, "-s", f"NEWSCLEAN_OUTPUT_DIR={output}"]


def run_crawl(sources: Path, output: Path, *more: str, settings=None, timeout: float = 300):
    return subprocess.run(
        crawl_cmd(sources, output, *more, settings=settings),
        capture_output=True,
        text=True,
        env=env(),
        timeout=timeout,
        cwd=PROJECT_ROOT,
    )


def start_crawl(sources: Path, output: Path, *more: str, settings=None) -> subprocess.Popen:
    return subprocess.Popen(
        crawl_cmd(sources, output, *more, settings=settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        cwd=PROJECT_ROOT,
    )


def articles(output: Path) -> list[dict]:
    """Every article line of every finished output file (a torn line fails the caller's test)."""
    found = []
    for file in sorted(output.glob("*.jsonl")):
        for line in file.read_bytes().splitlines():
            found.append(json.loads(line))
    return found


def paths(objs: list[dict]) -> list[str]:
    return [urlsplit(o["url"]).path for o in objs]
