"""Shared test fixtures: the optional ../shared folder and small helpers."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from newsclean.core.paths import PROJECT_ROOT, shared_dir

# No test reads or writes the real user data folder (retrained models go there), and a model
# installed there does not change what the tests see; subprocesses inherit this.
os.environ["NEWSCLEAN_DATA_HOME"] = tempfile.mkdtemp(prefix="newsclean-test-home-")
atexit.register(shutil.rmtree, os.environ["NEWSCLEAN_DATA_HOME"], True)
SHARED = shared_dir()
TESTS_DIR = Path(__file__).resolve().parent

needs_shared = pytest.mark.skipif(
    SHARED is None,
    reason=f"../shared (seeds and corpora) not found beside {PROJECT_ROOT}; set NEWSCLEAN_SHARED",
)


@pytest.fixture(scope="session")
def shared() -> Path:
    if SHARED is None:
        pytest.skip("../shared (seeds and corpora) not found; set NEWSCLEAN_SHARED")
    return SHARED


@pytest.fixture(scope="session")
def line_classifier():
    """The bundled line classifier, loaded once for the session."""
    from newsclean.classifiers.model import load_classifier

    return load_classifier()
