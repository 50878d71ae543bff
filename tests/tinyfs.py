"""A real tiny filesystem for disk-full and read-only tests: a tmpfs mounted on a test folder.

Needs root (mount); tests that use it are skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def tiny_fs(path: Path, size: str = "256k") -> Iterator[Path]:
    """Mount a ``size`` tmpfs on ``path`` (created) for the duration of the block."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny filesystem needs root")
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount_read_only(path: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)


def fill(path: Path) -> Path:
    """Fill the filesystem holding ``path`` until no byte more fits; the filler file is returned."""
    filler = path / "filler"
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass
    return filler
