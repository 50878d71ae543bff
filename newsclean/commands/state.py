"""``newsclean state``: what a scheduled crawl's state folder knows, per site, and its last run.

Takes the crawl's lock like a crawl does (a running crawl makes it exit 75), opens the
seen-store without creating one (a missing or corrupt store is one line, exit 74) and prints,
per site, the articles exported, their versions and the newest fetch, then the last run's
summary (``STATE/last_run.json``) when there is one. ``newsclean forget`` shares the opening.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsclean.core.errors import InputError
from newsclean.crawling.crawlrun import STORE_NAME
from newsclean.crawling.runlock import LockHeldError, RunLocks, StateError
from newsclean.crawling.seenstore import SiteCounts, SqliteSeenStore

DESCRIPTION = __doc__.splitlines()[0]
NO_SITE = "(no site)"  # articles exported before the store kept each one's site


def add_folder_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "exit codes: 0 done, 2 bad arguments, 69 Redis unreachable (--redis), 74 state folder or "
        "seen-store missing or unusable, 75 a crawl is running"
    )
    parser.add_argument(
        "--output", default="output", metavar="DIR", help="the crawl's output folder (default: output/)"
    )
    parser.add_argument("--state", metavar="DIR", help="the crawl's state folder (default: OUTPUT/.state)")
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="the shared seen-store of a distributed crawl instead of the local one "
        "(refused while one of its workers is alive)",
    )
    parser.add_argument(
        "--redis-prefix",
        metavar="P",
        help="key prefix of that crawl in Redis (default: $NEWSCLEAN_REDIS_PREFIX or newsclean)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_folder_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def folders(args: argparse.Namespace) -> tuple[Path, Path]:
    output = Path(args.output)
    return output, Path(args.state) if args.state else output / ".state"


def opened_store(args: argparse.Namespace):
    """The seen-store the arguments name, held for the caller: the local one (locked) or Redis's."""
    if getattr(args, "redis", None):
        return shared_store(args.redis, args.redis_prefix)
    if getattr(args, "redis_prefix", None):
        raise InputError("--redis-prefix only applies with --redis URL")
    return locked_store(*folders(args))


@contextmanager
def shared_store(url: str, prefix: str | None) -> Iterator:
    """A distributed crawl's Redis store, refused (exit 75) while any of its workers is alive."""
    from newsclean.distributed.addon import DEFAULT_PREFIX
    from newsclean.distributed.connection import check_url
    from newsclean.distributed.store import RedisSeenStore

    check_url(url)
    store = RedisSeenStore(url, prefix=prefix or os.environ.get("NEWSCLEAN_REDIS_PREFIX") or DEFAULT_PREFIX)
    try:
        alive = store.workers_alive()
        if alive:
            raise LockHeldError(
                f"a distributed crawl is running on this Redis ({alive} worker(s) alive); not starting"
            )
        yield store
    finally:
        store.close()


@contextmanager
def locked_store(output: Path, state: Path) -> Iterator[SqliteSeenStore]:
    """The seen-store under the crawl's lock; never creates a folder or a store that is not there."""
    store_path = state / STORE_NAME
    if not state.is_dir():
        raise StateError(f"no state folder {state}: no crawl has run with it (or pass --state)")
    if not store_path.exists() and not store_path.is_symlink():
        raise StateError(f"no seen-store {store_path}: no crawl has exported anything with this state folder")
    if not output.is_dir():
        raise StateError(f"no output folder {output} (pass the crawl's --output)")
    locks = RunLocks(output, state)
    locks.acquire()
    try:
        store = SqliteSeenStore(store_path)
        try:
            yield store
        finally:
            store.close()
    finally:
        locks.release()


def last_run(state: Path) -> dict | None:
    """The last run's summary, or None when there is none or it cannot be read as one."""
    try:
        summary = json.loads((state / "last_run.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) else None


def run(args: argparse.Namespace) -> int:
    _, state = folders(args)
    with opened_store(args) as store:
        counts = store.site_counts()
    if args.redis:
        from newsclean.distributed.connection import redact_url

        where, summary = f"redis {redact_url(args.redis)}", None
    else:
        where, summary = str(state), last_run(state)
    if args.json:
        sites = [vars(c) for c in counts]
        body = {"state": where, "sites": sites, "last_run": summary}
        print(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        print(format_state(where, counts, summary, shared=bool(args.redis)))
    return 0


def format_state(where: str, counts: list[SiteCounts], summary: dict | None, shared: bool = False) -> str:
    width = max([len(NO_SITE if c.site is None else c.site) for c in counts] + [4])
    lines = [f"state {where}", f"  {'site':<{width}}  articles  versions  revised  last fetch"]
    for c in counts:
        name = NO_SITE if c.site is None else c.site
        lines.append(
            f"  {name:<{width}}  {c.articles:>8}  {c.versions:>8}  {c.revised:>7}  {c.last_fetched or '-'}"
        )
    if not counts:
        lines.append("  (no articles)")
    lines.append(
        f"  total  {sum(c.articles for c in counts)} articles, {sum(c.versions for c in counts)} versions"
    )
    if shared:
        lines.append("last run: see each worker's STATE/last_run.json")
    elif summary is None:
        lines.append("last run: none recorded")
    else:
        revisits = summary.get("revisits") or {}
        line = (
            f"last run: {summary.get('finish_reason', '?')} in {summary.get('seconds', '?')} s, "
            f"{summary.get('pages_fetched', 0)} pages fetched, {summary.get('articles_written', 0)} articles written"
        )
        if revisits.get("requested"):
            line += (
                f", revisits {revisits['requested']} (unchanged {revisits.get('unchanged', 0)},"
                f" updated {revisits.get('updated', 0)})"
            )
        lines.append(line)
        if summary.get("output_file"):
            lines.append(f"  -> {summary['output_file']}")
    return "\n".join(lines)
