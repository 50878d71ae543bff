"""Cleaning pages on every core: worker processes that load the model once, results in input order.

``--jobs 1`` cleans in this process (no pickling, no start-up). With more jobs, a
``ProcessPoolExecutor`` whose initializer loads the classifier once per worker cleans the pages;
at most a few pages per worker are in flight, so a long list or a big WARC never sits in memory,
and results come back in the order the pages went in.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from newsclean.commands.inputs import PageJob
from newsclean.core.errors import NewscleanError

IN_FLIGHT_PER_WORKER = 4


@dataclass(frozen=True)
class Outcome:
    """A page's article, or the error that stopped it (its class name and one-line message)."""

    name: str
    article: dict | None = None
    error_kind: str | None = None
    message: str = ""


_classifier = None  # this process's models, loaded once by load_model()
_spin = None
_restore_spun = False


def load_model(model: str | None, restore_spun: bool = False) -> None:
    """The initializer of each worker (and the set-up of ``--jobs 1``): one model load per process."""
    global _classifier, _spin, _restore_spun
    from threadpoolctl import threadpool_limits

    from newsclean.classifiers.model import load_classifier
    from newsclean.classifiers.spin_model import load_spin_model

    threadpool_limits(1)  # the workers are the parallelism; BLAS threads would fight over the cores
    _classifier = load_classifier(model)
    _spin = load_spin_model()
    _restore_spun = restore_spun


def clean_job(job: PageJob, with_lines: bool = False) -> Outcome:
    if job.error is not None:
        return Outcome(job.name, error_kind=type(job.error).__name__, message=str(job.error))
    from newsclean.chain import clean_pages

    try:
        article = clean_pages(
            [(job.data, job.url, job.content_type), *job.more_pages],
            classifier=_classifier,
            fetched_at=job.fetched_at,
            with_lines=with_lines,
            spin=_spin,
            restore_spun=_restore_spun,
        )
    except NewscleanError as err:
        return Outcome(job.name, error_kind=type(err).__name__, message=str(err))
    return Outcome(job.name, article)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def clean_all(
    jobs: Iterable[PageJob], workers: int, model: str | None, with_lines: bool, restore_spun: bool = False
) -> Iterator[Outcome]:
    """Every job's outcome, in input order. The model is loaded here first, so a bad model file
    is one clear error before any worker starts."""
    load_model(model, restore_spun)
    if workers <= 1:
        for job in jobs:
            yield clean_job(job, with_lines)
        return
    with ProcessPoolExecutor(
        max_workers=workers, initializer=load_model, initargs=(model, restore_spun)
    ) as pool:
        pending: deque[Future] = deque()
        for job in jobs:
            if job.error is not None and not pending:
                yield clean_job(job)  # nothing to clean: report it in place, no round trip
                continue
            pending.append(pool.submit(clean_job, job, with_lines))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
