"""What earlier crawl runs already exported: URLs, content fingerprints, MinHash signatures.

A scheduled crawl asks the store before it schedules a request, so an exported article is
fetched again only when its site's revisit policy says so. For that the store keeps, per
article, its site, the validators of its last response (ETag, Last-Modified), when it was first
exported and last fetched, and its version. The interface is deliberately narrow (see
:class:`SeenStore`) so a shared store (Redis, for several workers) can stand in for the SQLite one.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from datasketch import MinHash, MinHashLSH

from newsclean.crawling.runlock import StateError
from newsclean.crawling.urls import canonical_url
from newsclean.pipelines.signature import (
    NUM_PERM,
    minhash_from_bytes,
    minhash_to_bytes,
    text_minhash,
)

__all__ = [
    "NearDuplicateIndex",
    "Record",
    "SeenStore",
    "SiteCounts",
    "SqliteSeenStore",
    "canonical_url",
    "text_minhash",
]

NEAR_DUPLICATE_THRESHOLD = 0.8
SQLITE_HEADER = b"SQLite format 3\x00"
FIX = "restore it from a backup, or delete it to export every article again"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Record:
    """What the store knows of one exported article (the newest version)."""

    url: str  # canonical
    fingerprint: str
    site: str | None  # None: exported before the store kept sites
    etag: str | None
    last_modified: str | None
    exported_at: str  # ISO time of the first export
    fetched_at: str  # ISO time of the last fetch (the first export's, until a revisit)
    version: int = 1


@dataclass(frozen=True)
class SiteCounts:
    """One line of ``newsclean state``: a site's articles in the store."""

    site: str | None
    articles: int
    versions: int  # article versions written, first exports included
    revised: int  # articles with more than one version
    last_fetched: str | None


class SeenStore(Protocol):
    """The persistent memory of a scheduled crawl."""

    def seen_url(self, url: str) -> bool:
        """True when the page at ``url`` was already exported."""

    def url_for_fingerprint(self, fingerprint: str) -> str | None:
        """The URL an equal text was exported under, if any."""

    def add(
        self,
        url: str,
        fingerprint: str,
        minhash: MinHash | None = None,
        aliases: Iterable[str] = (),
        *,
        site: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        version: int = 1,
    ) -> None:
        """Record an exported article; ``aliases`` are other URLs that led to it (redirects).

        A ``version`` above the stored one replaces its fingerprint, signature and validators
        (a revisit found the article changed); an equal or lower one changes nothing, so
        recovering a line twice is harmless.
        """

    def record(self, url: str) -> Record | None:
        """The stored article ``url`` (or an alias of it) leads to."""

    def touch(
        self, url: str, etag: str | None = None, last_modified: str | None = None, site: str | None = None
    ) -> None:
        """A revisit found the article unchanged: its last-fetch time is now, new validators kept
        (and ``site``, for an article stored before the store kept sites)."""

    def forget(self, urls: Iterable[str] = (), site: str | None = None) -> int:
        """Drop articles (by URL or alias, or a whole site) so the next run exports them again."""

    def was_forgotten(self, url: str) -> bool:
        """True when ``url`` was forgotten and not exported since (recovery must not re-learn it)."""

    def site_counts(self) -> list[SiteCounts]:
        """Per-site figures, for ``newsclean state``."""

    def minhashes(self) -> Iterator[tuple[str, MinHash]]:
        """Every stored signature, to rebuild the near-duplicate index at start."""

    def commit(self) -> None:
        """Make everything added so far durable."""

    def close(self) -> None: ...


# columns added since the first store format: ALTER TABLE adds those an older file lacks
ARTICLE_COLUMNS = {
    "site": "TEXT",
    "etag": "TEXT",
    "last_modified": "TEXT",
    "fetched_at": "TEXT",
    "version": "INTEGER NOT NULL DEFAULT 1",
}


class SqliteSeenStore:
    """The default store: one SQLite file in the crawl's state directory."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _check_store_file(self.path)
        try:
            self._db = sqlite3.connect(str(self.path))
        except sqlite3.Error as err:
            raise StateError(f"cannot open the seen-store {self.path}: {err}") from None
        with self._damaged("is damaged"):
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            [check] = self._db.execute("PRAGMA quick_check(1)").fetchone()
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            self._db.executescript(
                """
                CREATE TABLE IF NOT EXISTS urls (url TEXT PRIMARY KEY, article TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS articles (
                    url TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, minhash BLOB, exported_at TEXT NOT NULL
                );
                CREATE INDEX IF NOT EXISTS articles_fingerprint ON articles (fingerprint);
                CREATE TABLE IF NOT EXISTS forgotten (url TEXT PRIMARY KEY, at TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS superseded (fingerprint TEXT PRIMARY KEY, article TEXT NOT NULL);
                """
            )
            have = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
            for column, kind in ARTICLE_COLUMNS.items():
                if column not in have:
                    self._db.execute(f"ALTER TABLE articles ADD COLUMN {column} {kind}")
            self._db.execute("CREATE INDEX IF NOT EXISTS articles_site ON articles (site)")
            self._db.commit()

    @contextmanager
    def _damaged(self, what: str) -> Iterator[None]:
        """sqlite3 errors as one line naming the file (a crawl must not go on without its memory)."""
        try:
            yield
        except sqlite3.Error as err:
            raise StateError(f"the seen-store {self.path} {what} ({err}): {FIX}") from None

    def seen_url(self, url: str) -> bool:
        row = self._db.execute("SELECT 1 FROM urls WHERE url = ?", (canonical_url(url),)).fetchone()
        return row is not None

    def url_for_fingerprint(self, fingerprint: str) -> str | None:
        row = self._db.execute("SELECT url FROM articles WHERE fingerprint = ?", (fingerprint,)).fetchone()
        if row is None:  # the text of an earlier version is exported too
            row = self._db.execute(
                "SELECT article FROM superseded WHERE fingerprint = ?", (fingerprint,)
            ).fetchone()
        return row[0] if row else None

    def add(
        self,
        url: str,
        fingerprint: str,
        minhash: MinHash | None = None,
        aliases: Iterable[str] = (),
        *,
        site: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        version: int = 1,
    ) -> None:
        key = canonical_url(url)
        blob = minhash_to_bytes(minhash) if minhash is not None else None
        now = now_iso()
        with self._unwritable():
            self._db.execute(
                "INSERT OR IGNORE INTO articles (url, fingerprint, minhash, exported_at, site, etag,"
                " last_modified, fetched_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, fingerprint, blob, now, site, etag, last_modified, now, version),
            )
            if version > 1:
                self._db.execute(
                    "INSERT OR IGNORE INTO superseded (fingerprint, article)"
                    " SELECT fingerprint, url FROM articles WHERE url = ? AND version < ? AND fingerprint != ?",
                    (key, version, fingerprint),
                )
                self._db.execute(
                    "UPDATE articles SET fingerprint = ?, minhash = COALESCE(?, minhash), etag = ?,"
                    " last_modified = ?, fetched_at = ?, version = ?, site = COALESCE(site, ?)"
                    " WHERE url = ? AND version < ?",
                    (fingerprint, blob, etag, last_modified, now, version, site, key, version),
                )
            self._db.executemany(
                "INSERT OR IGNORE INTO urls (url, article) VALUES (?, ?)",
                [(canonical_url(u), key) for u in (url, *aliases)],
            )
            self._db.execute("DELETE FROM forgotten WHERE url = ?", (key,))

    def record(self, url: str) -> Record | None:
        with self._damaged("cannot be read"):
            row = self._db.execute(
                "SELECT a.url, a.fingerprint, a.site, a.etag, a.last_modified, a.exported_at,"
                " COALESCE(a.fetched_at, a.exported_at), a.version"
                " FROM urls u JOIN articles a ON a.url = u.article WHERE u.url = ?",
                (canonical_url(url),),
            ).fetchone()
        return Record(*row) if row else None

    def touch(
        self, url: str, etag: str | None = None, last_modified: str | None = None, site: str | None = None
    ) -> None:
        with self._unwritable():
            self._db.execute(
                "UPDATE articles SET fetched_at = ?, etag = COALESCE(?, etag),"
                " last_modified = COALESCE(?, last_modified), site = COALESCE(site, ?) WHERE url = ?",
                (now_iso(), etag, last_modified, site, canonical_url(url)),
            )

    def forget(self, urls: Iterable[str] = (), site: str | None = None) -> int:
        keys: set[str] = set()
        with self._damaged("cannot be read"):
            for url in urls:
                row = self._db.execute(
                    "SELECT article FROM urls WHERE url = ?", (canonical_url(url),)
                ).fetchone()
                keys.add(row[0] if row else canonical_url(url))
            if site is not None:
                keys.update(
                    r[0] for r in self._db.execute("SELECT url FROM articles WHERE site = ?", (site,))
                )
        with self._unwritable():
            found, now = 0, now_iso()
            for key in keys:
                removed = self._db.execute("DELETE FROM articles WHERE url = ?", (key,)).rowcount
                if removed:
                    found += removed
                    self._db.execute("INSERT OR REPLACE INTO forgotten (url, at) VALUES (?, ?)", (key, now))
                self._db.execute("DELETE FROM urls WHERE article = ? OR url = ?", (key, key))
                self._db.execute("DELETE FROM superseded WHERE article = ?", (key,))
            self._db.commit()
        return found

    def was_forgotten(self, url: str) -> bool:
        row = self._db.execute("SELECT 1 FROM forgotten WHERE url = ?", (canonical_url(url),)).fetchone()
        return row is not None

    def site_counts(self) -> list[SiteCounts]:
        with self._damaged("cannot be read"):
            rows = self._db.execute(
                "SELECT site, COUNT(*), SUM(version), SUM(version > 1),"
                " MAX(COALESCE(fetched_at, exported_at)) FROM articles GROUP BY site ORDER BY site"
            ).fetchall()
        return [SiteCounts(site, n, int(v or 0), int(r or 0), last) for site, n, v, r, last in rows]

    def minhashes(self) -> Iterator[tuple[str, MinHash]]:
        with self._damaged("cannot be read"):
            rows = self._db.execute("SELECT url, minhash FROM articles WHERE minhash IS NOT NULL").fetchall()
        for url, blob in rows:
            yield url, minhash_from_bytes(blob)

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def commit(self) -> None:
        with self._unwritable():
            self._db.commit()

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self._db.close()

    @contextmanager
    def _unwritable(self) -> Iterator[None]:
        """A failed write (disk full) rolls the transaction back: the caller adds it all again later."""
        try:
            yield
        except sqlite3.Error as err:
            with contextlib.suppress(sqlite3.Error):
                self._db.rollback()
            raise StateError(f"cannot write the seen-store {self.path}: {err}") from None


def _check_store_file(path: Path) -> None:
    """Refuse a store SQLite would quietly replace or misread: an empty start is for no store only."""
    if path.is_symlink() and not path.exists():
        raise StateError(f"the seen-store {path} is a broken symbolic link: {FIX}")
    if not path.exists():
        return  # the first run of this state directory
    if not path.is_file():
        raise StateError(f"the seen-store {path} is not a file: {FIX}")
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as err:
        raise StateError(f"cannot read the seen-store {path}: {err.strerror or err}") from None
    if not head:
        raise StateError(f"the seen-store {path} is empty (0 bytes): {FIX}")
    if head != SQLITE_HEADER:
        raise StateError(f"the seen-store {path} is not a SQLite database: {FIX}")


class NearDuplicateIndex:
    """In-memory LSH over the store's signatures plus this run's: the same story on many sites."""

    def __init__(self, threshold: float = NEAR_DUPLICATE_THRESHOLD) -> None:
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._signatures: dict[str, MinHash] = {}
        self.threshold = threshold

    def insert(self, url: str, minhash: MinHash) -> None:
        if url not in self._signatures:
            self._lsh.insert(url, minhash)
            self._signatures[url] = minhash

    def replace(self, url: str, minhash: MinHash) -> None:
        """A new version of an article: its signature replaces the old one's."""
        if url in self._signatures:
            self._lsh.remove(url)
            del self._signatures[url]
        self.insert(url, minhash)

    def nearest(self, minhash: MinHash, exclude: str | None = None) -> str | None:
        """The most similar earlier article at or above the threshold, if any (never ``exclude``)."""
        best, best_score = None, 0.0
        for url in self._lsh.query(minhash):
            if url == exclude:
                continue
            score = self._signatures[url].jaccard(minhash)
            if score >= self.threshold and score > best_score:
                best, best_score = url, score
        return best
