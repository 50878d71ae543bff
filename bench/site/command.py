"""The ``newsclean crawl`` command line the benchmarks and the crawl tests start."""

from __future__ import annotations

import sys
from pathlib import Path


def crawl_command(
    sources: Path, output: Path, *more: str, settings: dict[str, str] | None = None
) -> list[str]:
    """``python -m newsclean.commands.crawl`` with these options and ``-s NAME=VALUE`` settings."""
    cmd = [
        sys.executable,
        "-m",
        "newsclean.commands.crawl",
        "--sources",
        str(sources),
        "--output",
        str(output),
    ]
    cmd += list(more)
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    return cmd
