"""The durable side of one scheduled crawl run: lock, seen-store, output file, recovery.

Kept apart from Scrapy so the rules that make cron runs safe (one run at a time, nothing
exported twice, nothing lost when killed) are plain code with plain tests.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from datasketch import MinHash

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
    Record,
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
    unchanged: bool = False  # a revisit found the stored text again: nothing to write
    version: int | None = None  # a revisit found a changed text: write it as this version
    supersedes: str | None = None  # ... replacing the version with this fingerprint


@dataclass
class _Pending:
    """One change for the store, kept until a commit succeeds."""

    url: str
    fingerprint: str = ""
    minhash: object = None
    aliases: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # site, etag, last_modified, version
    touch: bool = False  # only the last-fetch time and validators change


def _timestamp(iso: str | None) -> float | None:
    """Seconds since the epoch of a stored ISO time; None when missing or unreadable."""
    if not iso:
        return None
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def revisit_due(
    record: Record, refresh_after: float | None, refresh_until: float, hint: float | None, now: float
) -> bool:
    """The revisit rule (README, "Crawling").

    Revisits are on when ``refresh_after`` is set; they end ``refresh_until`` after the first
    export. A modification time from a sitemap or feed (``hint``) decides alone: newer than the
    last fetch, revisit now; older, no need. Without one, the last fetch must be at least
    ``refresh_after`` ago.
    """
    if refresh_after is None:
        return False
    first = _timestamp(record.exported_at)
    last = _timestamp(record.fetched_at) or first
    if first is None or last is None or now - first >= refresh_until:
        return False
    if hint is not None:
        return hint > last
    return now - last >= refresh_after


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
        self._pending: list[_Pending] = []
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
        unknown = [obj for obj in read_lines(finished[-1]) if not self._known_version(obj)]
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

    def _known_version(self, obj: dict) -> bool:
        """The store (or this run) has this line's article at this version or a newer one."""
        if canonical_url(obj["url"]) in self._run_urls:
            return True
        if self.store is None:
            return False
        record = self.store.record(obj["url"])
        if record is None:
            return self.store.was_forgotten(obj["url"])  # ``newsclean forget``: leave it forgotten
        return record.version >= (obj.get("version") or 1)

    def revisit(
        self, url: str, refresh_after: float | None, refresh_until: float, hint: float | None = None
    ) -> Record | None:
        """The stored record of ``url`` when the revisit rule asks for a fetch now, else None.

        Only an article's own URL is revisited (not an alias, not a content duplicate's URL),
        and never one this run already wrote.
        """
        key = canonical_url(url)
        if refresh_after is None or key in self._run_urls or self.store is None:
            return None
        record = self.store.record(url)
        if record is None or record.url != key:
            return None
        return record if revisit_due(record, refresh_after, refresh_until, hint, time.time()) else None

    def judge_revisit(self, article: dict, aliases: Iterable[str] = ()) -> Verdict:
        """A refetched article: unchanged, a new version, or a duplicate of another article.

        Its own stored URL, fingerprint and signature are not duplicates of it.
        """
        url = canonical_url(article["url"])
        record = self.store.record(url) if self.store is not None else None
        if record is None or record.url != url:  # forgotten meanwhile: a first export
            return self.judge(article, aliases)
        if url in self._run_urls:
            return Verdict(duplicate="url", duplicate_of=url)
        fp = article.get("fingerprint") or ""
        if fp and fp == record.fingerprint:
            return Verdict(unchanged=True)
        if fp:
            other = self._run_fingerprints.get(fp) or (
                self.store.url_for_fingerprint(fp) if self.store else None
            )
            if other and other != url:
                return Verdict(duplicate="content", duplicate_of=other)
        near = self.near.nearest(_minhash(article.get("text") or ""), exclude=url)
        return Verdict(near_duplicate_of=near, version=record.version + 1, supersedes=record.fingerprint)

    def unchanged(
        self, url: str, etag: str | None = None, last_modified: str | None = None, site: str | None = None
    ) -> None:
        """A revisit answered 304 or with the stored text: only the last-fetch time changes."""
        self._run_urls.add(canonical_url(url))
        extra = {"etag": etag, "last_modified": last_modified, "site": site}
        self._pending.append(_Pending(url, extra=extra, touch=True))

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
        self._pending.append(_Pending(verdict.duplicate_of, fingerprint, None, [url]))

    # ------------------------------------------------------------ writing

    def write(
        self,
        obj: dict,
        aliases: Iterable[str] = (),
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Write one article line; the store learns of it (and its validators) once the line is durable."""
        assert self.writer is not None
        aliases = [a for a in aliases if canonical_url(a) != canonical_url(obj["url"])]
        if aliases:
            obj = {**obj, "aliases": aliases}
        self.writer.write(obj)
        self._remember(obj)
        self._pending.append(_pending_entry(obj, aliases, etag=etag, last_modified=last_modified))
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
        if (obj.get("version") or 1) > 1:
            self.near.replace(key, _minhash(obj.get("text") or ""))
        else:
            self.near.insert(key, _minhash(obj.get("text") or ""))

    def _commit(self) -> None:
        self._last_sync = time.monotonic()
        if self.store is None or not self._pending:
            return
        for p in self._pending:  # kept pending until the commit succeeds
            if p.touch:
                self.store.touch(p.url, **p.extra)
            else:
                self.store.add(p.url, p.fingerprint, p.minhash, p.aliases, **p.extra)
        self.store.commit()
        self._pending.clear()


def _pending_entry(
    obj: dict, aliases: list[str], etag: str | None = None, last_modified: str | None = None
) -> _Pending:
    extra: dict[str, Any] = {"site": obj.get("site"), "version": obj.get("version") or 1}
    if etag or last_modified:
        extra.update(etag=etag, last_modified=last_modified)
    return _Pending(
        obj["url"], obj.get("fingerprint") or "", _minhash(obj.get("text") or ""), list(aliases), extra
    )


_SIGNATURES: OrderedDict[str, MinHash] = OrderedDict()  # the latest texts' signatures
MAX_SIGNATURES = 256  # more than the articles a crawl has in its pipelines at once


def offer_signature(text: str, minhash: MinHash) -> None:
    """A signature computed elsewhere (a cleaning worker process), so this process need not."""
    _SIGNATURES[text] = minhash
    _SIGNATURES.move_to_end(text)
    while len(_SIGNATURES) > MAX_SIGNATURES:
        _SIGNATURES.popitem(last=False)


def _minhash(text: str) -> MinHash:
    """One signature per text: judge, remember and store all need the same one."""
    found = _SIGNATURES.get(text)
    if found is None:
        found = text_minhash(text)
    offer_signature(text, found)
    return found
