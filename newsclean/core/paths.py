"""Where the project's own files and the optional shared corpora live."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the newsclean package folder
PROJECT_ROOT = PACKAGE_DIR.parent


def shared_dir() -> Path | None:
    """The folder of corpora and seed pages beside the project, if present.

    ``NEWSCLEAN_SHARED`` overrides the default ``../shared`` next to the project root.
    """
    candidate = Path(os.environ.get("NEWSCLEAN_SHARED") or PROJECT_ROOT.parent / "shared")
    return candidate if candidate.is_dir() else None
