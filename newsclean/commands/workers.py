"""Cleaning pages on every core: worker processes that load the model once, results in input order.

``--jobs 1`` cleans in this process (no pickling, no start-up). With more jobs, the worker pool
of :mod:`newsclean.workers` (the classifier loaded once per worker) cleans the pages;
at most a few pages per worker are in flight, so a long list or a big WARC never sits in memory,
and results come back in the order the pages went in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass

from newsclean.commands.inputs import PageJob
from newsclean.core.errors import NewscleanError
from newsclean.workers import default_jobs, load_models, models, start_pool

__all__ = ["Outcome", "clean_all", "clean_job", "default_jobs"]

IN_FLIGHT_PER_WORKER = 4


@dataclass(frozen=True)
class Outcome:
    """A page's article, or the error that stopped it (its class name and one-line message)."""

    name: str
    article: dict | None = None
    error_kind: str | None = None
    message: str = ""


def clean_job(job: PageJob, with_lines: bool = False, restore_spun: bool = False) -> Outcome:
    if job.error is not None:
        return Outcome(job.name, error_kind=type(job.error).__name__, message=str(job.error))
    from newsclean.chain import clean_pages

    classifier, spin = models()
    try:
        article = clean_pages(
            [(job.data, job.url, job.content_type), *job.more_pages],
            classifier=classifier,
            fetched_at=job.fetched_at,
            with_lines=with_lines,
            spin=spin,
            restore_spun=restore_spun,
        )
    except NewscleanError as err:
        return Outcome(job.name, error_kind=type(err).__name__, message=str(err))
    return Outcome(job.name, article)


def clean_all(
    jobs: Iterable[PageJob], workers: int, model: str | None, with_lines: bool, restore_spun: bool = False
) -> Iterator[Outcome]:
    """Every job's outcome, in input order. The model is loaded here first, so a bad model file
    is one clear error before any worker starts."""
    load_models(model)
    if workers <= 1:
        for job in jobs:
            yield clean_job(job, with_lines, restore_spun)
        return
    with start_pool(workers, model) as pool:
        pending: deque[Future] = deque()
        for job in jobs:
            if job.error is not None and not pending:
                yield clean_job(job)  # nothing to clean: report it in place, no round trip
                continue
            pending.append(pool.submit(clean_job, job, with_lines, restore_spun))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
