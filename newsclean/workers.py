"""Cleaning in worker processes: each loads the models once, then cleans the pages it is sent.

Shared by ``newsclean clean --jobs`` and the crawl (``newsclean crawl --jobs``): the cleaning
chain is pure Python and holds the GIL, so more cores need more processes. Workers start with
``spawn`` (a forked copy of a running Twisted reactor, or of threads, is not safe), ignore
SIGINT (the parent decides how a crawl stops, and Ctrl-C reaches the whole process group), and
use one BLAS thread each (the workers are the parallelism).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

from newsclean.core.errors import NewscleanError

_models: dict[str, Any] = {}  # this process's classifier and spin model, set by load_models()


def load_models(model: str | None, with_spin: bool = True) -> None:
    """Load the classifier (``model``: a bundle path, None for the default) and the spin model."""
    from threadpoolctl import threadpool_limits

    from newsclean.classifiers.model import load_classifier
    from newsclean.classifiers.spin_model import load_spin_model

    threadpool_limits(1)
    _models["classifier"] = load_classifier(model)
    _models["spin"] = load_spin_model() if with_spin else None


def models() -> tuple[Any, Any]:
    """This process's (classifier, spin model); load_models() must have run."""
    return _models["classifier"], _models.get("spin")


def _worker_init(model: str | None, with_spin: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    load_models(model, with_spin)


def start_pool(jobs: int, model: str | None, with_spin: bool = True) -> ProcessPoolExecutor:
    """A pool of ``jobs`` workers with the models loaded (spawned: safe beside a reactor)."""
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(model, with_spin),
    )


def clean_pages_here(
    pages: Sequence[tuple[bytes | str, str, str | None]],
    fetched_at: datetime | None,
    restore_spun: bool,
) -> tuple[dict | None, str | None, str, bytes]:
    """Clean one article's pages with this process's models: (article, None, "", signature) or
    (None, error class name, its one line, b""). Errors travel as text: exception classes with
    their own constructors do not always survive pickling. The signature (the text's MinHash,
    as bytes) is the crawl's near-duplicate check, computed here to spare the crawl's process."""
    from newsclean.chain import clean_pages
    from newsclean.pipelines.signature import minhash_to_bytes, text_minhash

    classifier, spin = models()
    try:
        article = clean_pages(
            pages, classifier=classifier, fetched_at=fetched_at, spin=spin, restore_spun=restore_spun
        )
    except NewscleanError as err:
        return None, type(err).__name__, str(err), b""
    return article, None, "", minhash_to_bytes(text_minhash(article.get("text") or ""))


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
