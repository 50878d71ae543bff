"""The seen-store on Redis: what any worker of a distributed crawl already exported.

Same interface as :class:`newsclean.crawling.seenstore.SqliteSeenStore`, so the crawl's dedupe and
incremental logic do not know which one they talk to. Every :meth:`RedisSeenStore.add` is one
MULTI/EXEC transaction, visible to all workers at once; :meth:`commit` has nothing left to do.
Durability is Redis's: run it with ``appendonly yes`` when the store must survive a restart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import redis
from datasketch import MinHash
from scrapy.exceptions import NotConfigured

from newsclean.crawling.seenstore import (
    NUM_PERM,
    Record,
    SiteCounts,
    canonical_url,
    minhash_from_bytes,
    minhash_to_bytes,
    now_iso,
)
from newsclean.distributed.addon import DEFAULT_PREFIX, redis_prefix
from newsclean.distributed.connection import RedisUnavailableError, connect, describe_redis_error
from newsclean.distributed.outage import stop_worker

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

SIGNATURE_BYTES = NUM_PERM * 8  # a MinHash signature: NUM_PERM unsigned 64-bit values
SCAN_BATCH = 1000  # signatures read per round trip: the store is never read whole at once


# KEYS: articles, urls, fingerprints, minhashes, versions
# ARGV: canonical URL, fingerprint or '', export time, signature or '', version record, every URL of the article
_CLAIM = """
for i = 6, #ARGV do
  local other = redis.call('HGET', KEYS[2], ARGV[i])
  if other then return {'url', other} end
end
if ARGV[2] ~= '' then
  local other = redis.call('HGET', KEYS[3], ARGV[2])
  if other then return {'content', other} end
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
end
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] ~= '' then redis.call('HSETNX', KEYS[4], ARGV[1], ARGV[4]) end
redis.call('HSETNX', KEYS[5], ARGV[1], ARGV[5])
for i = 6, #ARGV do redis.call('HSET', KEYS[2], ARGV[i], ARGV[1]) end
return false
"""


# KEYS: as _CLAIM; ARGV: canonical URL, fingerprint or '', every URL of the article
_UNCLAIM = """
if ARGV[2] ~= '' and redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[3], ARGV[2]) end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[i]) end
end
return 1
"""


# A new version, only over an older one (and, when ARGV[5] is not '', only over that fingerprint:
# two workers that revised the same article cannot both write a version).
# KEYS: as _CLAIM; ARGV: canonical URL, fingerprint, signature or '', version record, expected
# fingerprint or ''. Returns 1 when recorded, 0 when another version got there first.
_REVISE = """
local cur = redis.call('HGET', KEYS[5], ARGV[1])
if not redis.call('HGET', KEYS[1], ARGV[1]) then return 0 end
local new = cjson.decode(ARGV[4])
if cur then
  local ok, old = pcall(cjson.decode, cur)
  if ok and type(old) == 'table' then
    if (tonumber(old.version) or 1) >= new.version then return 0 end
    if ARGV[5] ~= '' and old.fingerprint ~= ARGV[5] then return 0 end
  end
end
redis.call('HSET', KEYS[5], ARGV[1], ARGV[4])
if ARGV[2] ~= '' then redis.call('HSETNX', KEYS[3], ARGV[2], ARGV[1]) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[4], ARGV[1], ARGV[3]) end
return 1
"""


# An article exported before the store kept versions gets its record here.
# KEYS: versions, articles; ARGV: canonical URL, fetch time, ETag or '', Last-Modified or '', site or ''
_TOUCH = """
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local r = {}
if cur then
  local ok, got = pcall(cjson.decode, cur)
  if ok and type(got) == 'table' then r = got end
end
r.fetched_at = ARGV[2]
if ARGV[3] ~= '' then r.etag = ARGV[3] end
if ARGV[4] ~= '' then r.last_modified = ARGV[4] end
if ARGV[5] ~= '' and type(r.site) ~= 'string' then r.site = ARGV[5] end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
return 1
"""


class RedisSeenStore:
    """Exported URLs, content fingerprints, MinHash signatures and versions in five Redis hashes.

    ``PREFIX:seen:articles``  canonical URL -> first export time [space, claiming worker]
    ``PREFIX:seen:urls``      canonical URL or alias -> the article's canonical URL
    ``PREFIX:seen:fingerprints``  content fingerprint -> the first article's URL
    ``PREFIX:seen:minhashes`` canonical URL -> MinHash signature bytes (of the newest version)
    ``PREFIX:seen:versions``  canonical URL -> JSON: site, fingerprint, etag, last_modified,
                              fetched_at, version (of the newest version)

    and the set ``PREFIX:seen:forgotten`` of URLs ``newsclean forget`` dropped.
    """

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX, client: redis.Redis | None = None) -> None:
        self.url = url
        self.client = client if client is not None else connect(url)
        self.prefix = prefix
        base = f"{prefix}:seen"
        self.articles_key = f"{base}:articles"
        self.urls_key = f"{base}:urls"
        self.fingerprints_key = f"{base}:fingerprints"
        self.minhashes_key = f"{base}:minhashes"
        self.versions_key = f"{base}:versions"
        self.forgotten_key = f"{base}:forgotten"
        self._scripts: dict = {}

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RedisSeenStore | None:
        """The store of a crawl whose settings name a REDIS_URL, else None (use SQLite)."""
        url = settings.get("REDIS_URL")
        if not url:
            return None
        return cls(url, prefix=redis_prefix(settings))

    def seen_url(self, url: str) -> bool:
        return bool(self._call(self.client.hexists, self.urls_key, canonical_url(url)))

    def seen_urls(self, urls: list[str]) -> list[bool]:
        """:meth:`seen_url` for many URLs in one round trip (the links of one page)."""
        if not urls:
            return []
        pipe = self.client.pipeline(transaction=False)
        for url in urls:
            pipe.hexists(self.urls_key, canonical_url(url))
        return [bool(v) for v in self._call(pipe.execute)]

    def url_for_fingerprint(self, fingerprint: str) -> str | None:
        value = self._call(self.client.hget, self.fingerprints_key, fingerprint)
        return _text(value) if value is not None else None

    @property
    def _keys(self) -> list[str]:
        return [
            self.articles_key,
            self.urls_key,
            self.fingerprints_key,
            self.minhashes_key,
            self.versions_key,
        ]

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
        now = now_iso()
        entry = version_entry(fingerprint, site, etag, last_modified, now, version)
        if version > 1:
            self.revise(url, fingerprint, minhash, entry)
        pipe = self.client.pipeline(transaction=True)
        pipe.hsetnx(self.articles_key, key, now)
        if fingerprint:
            pipe.hsetnx(self.fingerprints_key, fingerprint, key)
        if minhash is not None:
            pipe.hsetnx(self.minhashes_key, key, minhash_to_bytes(minhash))
        pipe.hsetnx(self.versions_key, key, entry)
        for u in dict.fromkeys(canonical_url(u) for u in (url, *aliases)):
            pipe.hsetnx(self.urls_key, u, key)
        pipe.srem(self.forgotten_key, key)
        self._call(pipe.execute)

    def revise(
        self, url: str, fingerprint: str, minhash: MinHash | None, entry: str, expected: str = ""
    ) -> bool:
        """Record a new version over an older one, atomically; False when another got there first.

        ``expected``: the fingerprint the caller saw stored (two workers revising one article
        cannot both write a version); "" accepts any older version.
        """
        blob = minhash_to_bytes(minhash) if minhash is not None else b""
        args = [canonical_url(url), fingerprint or "", blob, entry, expected or ""]
        return bool(self._call(self._script("revise", _REVISE), self._keys, args))

    def saved_version(self, url: str) -> bytes | None:
        """The stored version record of the article at canonical ``url``, as it is (to put back)."""
        return self._call(self.client.hget, self.versions_key, url)

    def restore_version(self, url: str, saved: bytes) -> None:
        """Put back a version record :meth:`saved_version` returned (a version not written after all)."""
        self._call(self.client.hset, self.versions_key, url, saved)

    def record(self, url: str) -> Record | None:
        key = self._call(self.client.hget, self.urls_key, canonical_url(url))
        if key is None:
            return None
        key = _text(key)
        pipe = self.client.pipeline(transaction=False)
        pipe.hget(self.articles_key, key)
        pipe.hget(self.versions_key, key)
        exported, entry = self._call(pipe.execute)
        if exported is None:
            return None
        first = _text(exported).partition(" ")[0]
        data = _decoded(entry)
        return Record(
            url=key,
            fingerprint=_field(data, "fingerprint") or "",
            site=_field(data, "site"),
            etag=_field(data, "etag"),
            last_modified=_field(data, "last_modified"),
            exported_at=first,
            fetched_at=_field(data, "fetched_at") or first,
            version=data.get("version") if type(data.get("version")) is int and data["version"] > 0 else 1,
        )

    def touch(
        self, url: str, etag: str | None = None, last_modified: str | None = None, site: str | None = None
    ) -> None:
        args = [canonical_url(url), now_iso(), etag or "", last_modified or "", site or ""]
        self._call(self._script("touch", _TOUCH), [self.versions_key, self.articles_key], args)

    def forget(self, urls: Iterable[str] = (), site: str | None = None) -> int:
        keys: set[str] = set()
        for url in urls:
            key = self._call(self.client.hget, self.urls_key, canonical_url(url))
            keys.add(_text(key) if key is not None else canonical_url(url))
        if site is not None:
            keys.update(k for k, data in self._versions() if data.get("site") == site)
        found = 0
        for key in keys:
            entry = _decoded(self._call(self.client.hget, self.versions_key, key))
            removed = self._call(self.client.hdel, self.articles_key, key)
            pipe = self.client.pipeline(transaction=True)
            pipe.hdel(self.versions_key, key)
            pipe.hdel(self.minhashes_key, key)
            fingerprint = _field(entry, "fingerprint")
            if fingerprint:
                pipe.hdel(self.fingerprints_key, fingerprint)
            if removed:
                pipe.sadd(self.forgotten_key, key)
            self._call(pipe.execute)
            found += int(removed)
        if keys:  # the URLs that led to them and earlier versions' fingerprints: one pass each
            for hash_key in (self.urls_key, self.fingerprints_key):
                stale = [k for k, v in self._scan(hash_key) if _text(v) in keys or _text(k) in keys]
                if stale:
                    self._call(self.client.hdel, hash_key, *stale)
        return found

    def was_forgotten(self, url: str) -> bool:
        return bool(self._call(self.client.sismember, self.forgotten_key, canonical_url(url)))

    def site_counts(self) -> list[SiteCounts]:
        figures: dict[str | None, list] = {}
        counted = 0
        for _, data in self._versions():
            site = _field(data, "site")
            version = data.get("version") if type(data.get("version")) is int else 1
            row = figures.setdefault(site, [0, 0, 0, None])
            row[0] += 1
            row[1] += version
            row[2] += version > 1
            fetched = _field(data, "fetched_at")
            if fetched and (row[3] is None or fetched > row[3]):
                row[3] = fetched
            counted += 1
        unversioned = self.count() - counted  # exported before the store kept versions
        if unversioned > 0:
            row = figures.setdefault(None, [0, 0, 0, None])
            row[0] += unversioned
            row[1] += unversioned
        return [SiteCounts(site, *row) for site, row in sorted(figures.items(), key=lambda kv: kv[0] or "")]

    def _scan(self, key: str) -> Iterator[tuple[bytes, bytes]]:
        cursor = 0
        while True:
            cursor, batch = self._call(self.client.hscan, key, cursor, None, SCAN_BATCH)
            yield from batch.items()
            if not cursor:
                break

    def _versions(self) -> Iterator[tuple[str, dict]]:
        for key, entry in self._scan(self.versions_key):
            yield _text(key), _decoded(entry)

    def claim(
        self,
        url: str,
        fingerprint: str,
        minhash: MinHash | None = None,
        aliases: Iterable[str] = (),
        owner: str = "",
        *,
        site: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> tuple[str, str] | None:
        """Record an article about to be written, unless some worker already exported it.

        One atomic script: two workers holding the same page (a re-queued request of a worker
        taken for dead) cannot both win. Returns None when this caller may write the article,
        else ``("url" | "content", url of the earlier article)``. ``owner`` (a worker's name) is
        kept with the claim, so a worker that lost the reply can later tell whether it won.
        """
        key = canonical_url(url)
        urls = list(dict.fromkeys(canonical_url(u) for u in (url, *aliases)))
        now = now_iso()
        entry = version_entry(fingerprint, site, etag, last_modified, now, 1)
        if owner:
            now = f"{now} {owner}"
        blob = minhash_to_bytes(minhash) if minhash is not None else b""
        args = [key, fingerprint or "", now, blob, entry, *urls]
        got = self._call(self._script("claim", _CLAIM), self._keys, args)
        if not got:
            return None
        kind, other = got
        return _text(kind), _text(other)

    def owner_of(self, url: str) -> str | None:
        """Who claimed the article at ``url``: a worker's name, "" when unnamed, None if nobody."""
        key = self._call(self.client.hget, self.urls_key, canonical_url(url))
        if key is None:
            return None
        value = self._call(self.client.hget, self.articles_key, key)
        if value is None:
            return None
        _, _, owner = _text(value).partition(" ")
        return owner

    def unclaim(self, url: str, fingerprint: str, aliases: Iterable[str] = ()) -> None:
        """Undo a :meth:`claim` whose article could not be written after all (e.g. a full disk)."""
        key = canonical_url(url)
        urls = list(dict.fromkeys(canonical_url(u) for u in (url, *aliases)))
        self._call(self._script("unclaim", _UNCLAIM), self._keys, [key, fingerprint or "", *urls])

    def _script(self, name: str, source: str):
        if name not in self._scripts:
            self._scripts[name] = self.client.register_script(source)
        return self._scripts[name]

    def minhashes(self) -> Iterator[tuple[str, MinHash]]:
        """Every stored signature, read in batches; a malformed one is skipped with a log line."""
        skipped, cursor = 0, 0
        while True:
            cursor, batch = self._call(self.client.hscan, self.minhashes_key, cursor, None, SCAN_BATCH)
            for url, blob in batch.items():
                if len(blob) != SIGNATURE_BYTES:
                    skipped += 1
                    continue
                yield _text(url), minhash_from_bytes(blob)
            if not cursor:
                break
        if skipped:
            logger.error(
                "skipped %d malformed signature(s) in %s (not %d bytes): not written by newsclean",
                skipped,
                self.minhashes_key,
                SIGNATURE_BYTES,
            )

    def count(self) -> int:
        return int(self._call(self.client.hlen, self.articles_key))

    def workers_alive(self, spider: str = "news") -> int:
        """How many workers of this crawl have a live heartbeat (the scheduler's keys)."""
        workers = self._call(self.client.smembers, f"{self.prefix}:{spider}:workers")
        if not workers:
            return 0
        alive = f"{self.prefix}:{spider}:alive:"
        return int(self._call(self.client.exists, *[alive + _text(w) for w in workers]))

    def commit(self) -> None:
        """Nothing to do: each add is already a committed transaction."""

    def close(self) -> None:
        self.client.close()

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except redis.RedisError as err:
            raise RedisUnavailableError(describe_redis_error(self.url, err)) from None


class SharedStoreComponent:
    """A crawl component that opens the shared seen-store when first needed; stops the worker if it cannot."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store: RedisSeenStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL not set")
        return cls(crawler)

    def _store(self) -> RedisSeenStore | None:
        if self.store is None:
            try:
                self.store = RedisSeenStore.from_settings(self.crawler.settings)
            except RedisUnavailableError as err:
                stop_worker(self.crawler, str(err))
        return self.store


def version_entry(
    fingerprint: str,
    site: str | None,
    etag: str | None,
    last_modified: str | None,
    fetched_at: str,
    version: int,
) -> str:
    """The JSON kept per article in ``PREFIX:seen:versions`` (missing values left out)."""
    data = {
        "site": site,
        "fingerprint": fingerprint or None,
        "etag": etag,
        "last_modified": last_modified,
        "fetched_at": fetched_at,
        "version": version,
    }
    return json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False)


def _decoded(entry: bytes | None) -> dict:
    """A version record read back; anything malformed (not written by newsclean) reads as empty."""
    if entry is None:
        return {}
    try:
        data = json.loads(entry)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _field(data: dict, name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) else None


def _text(value: bytes) -> str:
    """A value read back from Redis as text; bytes that are not UTF-8 cannot stop a worker."""
    return value.decode("utf-8", errors="replace")
