"""The seen-store on Redis: what any worker of a distributed crawl already exported.

Same interface as :class:`newsclean.crawling.seenstore.SqliteSeenStore`, so the crawl's dedupe and
incremental logic do not know which one they talk to. Every :meth:`RedisSeenStore.add` is one
MULTI/EXEC transaction, visible to all workers at once; :meth:`commit` has nothing left to do.
Durability is Redis's: run it with ``appendonly yes`` when the store must survive a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import redis
from datasketch import MinHash
from scrapy.exceptions import NotConfigured

from newsclean.crawling.seenstore import NUM_PERM, canonical_url, minhash_from_bytes, minhash_to_bytes
from newsclean.distributed.addon import DEFAULT_PREFIX, redis_prefix
from newsclean.distributed.connection import RedisUnavailableError, connect, describe_redis_error
from newsclean.distributed.outage import stop_worker

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

SIGNATURE_BYTES = NUM_PERM * 8  # a MinHash signature: NUM_PERM unsigned 64-bit values
SCAN_BATCH = 1000  # signatures read per round trip: the store is never read whole at once


# KEYS: articles, urls, fingerprints, minhashes
# ARGV: canonical URL, fingerprint or '', export time, signature or '', every URL of the article
_CLAIM = """
for i = 5, #ARGV do
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
for i = 5, #ARGV do redis.call('HSET', KEYS[2], ARGV[i], ARGV[1]) end
return false
"""


# KEYS: as _CLAIM; ARGV: canonical URL, fingerprint or '', every URL of the article
_UNCLAIM = """
if ARGV[2] ~= '' and redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[3], ARGV[2]) end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[i]) end
end
return 1
"""


class RedisSeenStore:
    """Exported URLs, content fingerprints and MinHash signatures in four Redis hashes.

    ``PREFIX:seen:articles``  canonical URL -> export time [space, claiming worker]
    ``PREFIX:seen:urls``      canonical URL or alias -> the article's canonical URL
    ``PREFIX:seen:fingerprints``  content fingerprint -> the first article's URL
    ``PREFIX:seen:minhashes`` canonical URL -> MinHash signature bytes
    """

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX, client: redis.Redis | None = None) -> None:
        self.url = url
        self.client = client if client is not None else connect(url)
        base = f"{prefix}:seen"
        self.articles_key = f"{base}:articles"
        self.urls_key = f"{base}:urls"
        self.fingerprints_key = f"{base}:fingerprints"
        self.minhashes_key = f"{base}:minhashes"
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

    def add(
        self, url: str, fingerprint: str, minhash: MinHash | None = None, aliases: Iterable[str] = ()
    ) -> None:
        key = canonical_url(url)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        pipe = self.client.pipeline(transaction=True)
        pipe.hsetnx(self.articles_key, key, now)
        if fingerprint:
            pipe.hsetnx(self.fingerprints_key, fingerprint, key)
        if minhash is not None:
            pipe.hsetnx(self.minhashes_key, key, minhash_to_bytes(minhash))
        for u in dict.fromkeys(canonical_url(u) for u in (url, *aliases)):
            pipe.hsetnx(self.urls_key, u, key)
        self._call(pipe.execute)

    def claim(
        self,
        url: str,
        fingerprint: str,
        minhash: MinHash | None = None,
        aliases: Iterable[str] = (),
        owner: str = "",
    ) -> tuple[str, str] | None:
        """Record an article about to be written, unless some worker already exported it.

        One atomic script: two workers holding the same page (a re-queued request of a worker
        taken for dead) cannot both win. Returns None when this caller may write the article,
        else ``("url" | "content", url of the earlier article)``. ``owner`` (a worker's name) is
        kept with the claim, so a worker that lost the reply can later tell whether it won.
        """
        key = canonical_url(url)
        urls = list(dict.fromkeys(canonical_url(u) for u in (url, *aliases)))
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if owner:
            now = f"{now} {owner}"
        blob = minhash_to_bytes(minhash) if minhash is not None else b""
        keys = [self.articles_key, self.urls_key, self.fingerprints_key, self.minhashes_key]
        got = self._call(self._script("claim", _CLAIM), keys, [key, fingerprint or "", now, blob, *urls])
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
        keys = [self.articles_key, self.urls_key, self.fingerprints_key, self.minhashes_key]
        self._call(self._script("unclaim", _UNCLAIM), keys, [key, fingerprint or "", *urls])

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


def _text(value: bytes) -> str:
    """A value read back from Redis as text; bytes that are not UTF-8 cannot stop a worker."""
    return value.decode("utf-8", errors="replace")
