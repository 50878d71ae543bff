"""The durable side of one scheduled crawl run: lock, seen-store, output file, recovery.

Kept apart from Scrapy so the rules that make cron runs safe (one run at a time, nothing
exported twice, nothing lost when killed) are plain code with plain tests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from newsclean.crawling.jsonl import JsonLinesWriter, read_lines, recover_parts, run_file_name
from newsclean.crawling.runlock import (
    LOCK_NAME,
    LockHeldError,
    OutputError,
    RunLocks,
    StateError,
    usable_dir,
)
from newsclean.crawling.seenstore import (
    NearDuplicateIndex,
    SeenStore,
    SqliteSeenStore,
    canonical_url,
    text_minhash,
)

logger = logging.getLogger(__name__)

__all__ = ["LOCK_NAME", "CrawlRun", "LockHeldError", "Verdict"]

STORE_NAME = "seen.sqlite3"
SYNC_EVERY_LINES = 20
SYNC_EVERY_SECONDS = 2.0


@dataclass
class Verdict:
    """What the dedupe step decided for one article."""

    duplicate: str | None = None  # "url" or "content": do not write
    duplicate_of: str | None = None
    near_duplicate_of: str | None = None


class CrawlRun:
    """Open under the lock, feed articles through :meth:`judge` and :meth:`write`, then close."""

    def __init__(
        self,
        output_dir: str | Path,
        state_dir: str | Path,
        *,
        prefix: str = "news",
        store_factory: Callable[[], SeenStore] | None = None,
    ) -> None:
        self.output_dir = Path(output_dir)
        self._store_factory = store_factory
        self.state_dir = Path(state_dir)
        self.prefix = prefix
        self._locks = RunLocks(self.output_dir, self.state_dir)
        self.store: SeenStore | None = None
        self.near = NearDuplicateIndex()
        self.writer: JsonLinesWriter | None = None
        self.recovered_lines = 0
        self.recovered_dropped = 0
        self.output_path: Path | None = None
        self._run_urls: set[str] = set()
        self._run_fingerprints: dict[str, str] = {}
        self._pending: list[tuple[str, str, object, list[str]]] = []
        self._last_sync = time.monotonic()

    # ------------------------------------------------------------ life cycle

    def open(self) -> None:
        """Take the locks (or raise LockHeldError), load the store, recover a killed run's output."""
        usable_dir(self.output_dir, "output directory", OutputError)
        usable_dir(self.state_dir, "state directory", StateError)
        self._locks.acquire()
        try:
            if self._store_factory is not None:
                self.store = self._store_factory()
            else:
                self.store = SqliteSeenStore(self.state_dir / STORE_NAME)
            for url, minhash in self.store.minhashes():
                self.near.insert(url, minhash)
            self._recover()
        except BaseException:
            if self.store is not None:
                self.store.close()
                self.store = None
            self._release()
            raise
        self.writer = JsonLinesWriter(self.output_dir / run_file_name(self.prefix))

    def close(self) -> Path | None:
        """Sync the output, commit the store, rename the output into place, release the locks.

        The store learns of every line before the file becomes final: a kill after the rename
        then finds nothing the store does not know; a kill before it leaves a ``.part`` file the
        next run recovers. When the store cannot be written the ``.part`` file stays for that
        recovery, and the error is raised. Idempotent.
        """
        try:
            if self.writer is not None:
                self.writer.sync()
            self._commit()
            if self.writer is not None:
                self.output_path = self.writer.finish()
        except BaseException:
            if self.writer is not None:
                self.writer.abandon()
            raise
        finally:
            self.writer = None
            store, self.store = self.store, None
            try:
                if store is not None:
                    store.close()
            finally:
                self._release()
        return self.output_path

    def _release(self) -> None:
        self._locks.release()

    def _recover(self) -> None:
        assert self.store is not None
        for rec in recover_parts(self.output_dir):
            for obj in rec.objects:
                self._remember(obj)
                self._pending.append(_pending_entry(obj, obj.get("aliases") or []))
            self.recovered_lines += len(rec.objects)
            self.recovered_dropped += rec.dropped
            logger.warning(
                "recovered %d complete line(s) of an interrupted run into %s (%d torn line(s) dropped)",
                len(rec.objects),
                rec.path.name,
                rec.dropped,
            )
        self._reconcile_latest()
        self._commit()

    def _reconcile_latest(self) -> None:
        """Lines of the newest finished file the store does not know (a run killed after its rename)."""
        assert self.store is not None
        finished = sorted(self.output_dir.glob(f"{self.prefix}-*.jsonl"))
        if not finished:
            return
        unknown = [obj for obj in read_lines(finished[-1]) if not self.seen_url(obj["url"])]
        for obj in unknown:
            self._remember(obj)
            self._pending.append(_pending_entry(obj, obj.get("aliases") or []))
        if unknown:
            self.recovered_lines += len(unknown)
            logger.warning(
                "the seen-store learnt %d line(s) of %s it had missed", len(unknown), finished[-1].name
            )

    # ------------------------------------------------------------ queries

    def seen_url(self, url: str) -> bool:
        """Exported by an earlier run or earlier in this one: do not fetch it again."""
        key = canonical_url(url)
        if key in self._run_urls:
            return True
        return self.store is not None and self.store.seen_url(url)

    def judge(self, article: dict, aliases: Iterable[str] = ()) -> Verdict:
        """Exact duplicates (URL, then content) are skipped; near-duplicates are marked."""
        url = article["url"]
        for u in (url, *aliases):
            if self.seen_url(u):
                return Verdict(duplicate="url", duplicate_of=canonical_url(u))
        fp = article.get("fingerprint")
        if fp:
            other = self._run_fingerprints.get(fp) or (
                self.store.url_for_fingerprint(fp) if self.store else None
            )
            if other:
                return Verdict(duplicate="content", duplicate_of=other)
        near = self.near.nearest(_minhash(article.get("text") or ""))
        return Verdict(near_duplicate_of=near)

    def remember_duplicate(self, url: str, verdict: Verdict, fingerprint: str = "") -> None:
        """A URL whose content was exported under another URL: never fetch it again either."""
        if verdict.duplicate_of is None:
            return
        self._run_urls.add(canonical_url(url))
        self._pending.append((verdict.duplicate_of, fingerprint, None, [url]))

    # ------------------------------------------------------------ writing

    def write(self, obj: dict, aliases: Iterable[str] = ()) -> None:
        """Write one article line; the store learns of it once the line is durable."""
        assert self.writer is not None
        aliases = [a for a in aliases if canonical_url(a) != canonical_url(obj["url"])]
        if aliases:
            obj = {**obj, "aliases": aliases}
        self.writer.write(obj)
        self._remember(obj)
        self._pending.append(_pending_entry(obj, aliases))
        if self.writer.pending >= SYNC_EVERY_LINES or time.monotonic() - self._last_sync > SYNC_EVERY_SECONDS:
            self.sync()

    def sync(self) -> None:
        if self.writer is not None:
            self.writer.sync()
        self._commit()

    @property
    def lines_written(self) -> int:
        return self.writer.lines if self.writer is not None else 0

    def _remember(self, obj: dict) -> None:
        key = canonical_url(obj["url"])
        self._run_urls.add(key)
        self._run_urls.update(canonical_url(a) for a in obj.get("aliases") or [])
        if obj.get("fingerprint"):
            self._run_fingerprints.setdefault(obj["fingerprint"], key)
        self.near.insert(key, _minhash(obj.get("text") or ""))

    def _commit(self) -> None:
        self._last_sync = time.monotonic()
        if self.store is None or not self._pending:
            return
        for url, fp, minhash, aliases in self._pending:  # kept pending until the commit succeeds
            self.store.add(url, fp, minhash, aliases)
        self.store.commit()
        self._pending.clear()


def _pending_entry(obj: dict, aliases: list[str]) -> tuple[str, str, object, list[str]]:
    return (obj["url"], obj.get("fingerprint") or "", _minhash(obj.get("text") or ""), list(aliases))


@lru_cache(maxsize=64)
def _minhash(text: str):
    """One signature per text: judge, remember and store all need the same one."""
    return text_minhash(text)
