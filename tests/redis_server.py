"""A throw-away redis-server on 127.0.0.1 for tests of the distributed crawl.

Debian's ``redis-server`` runs in a temporary directory on a free port, with persistence off
unless a test asks for it (the Redis-failure test restarts the server and needs its data back).
Tests that need it skip with a visible reason where the binary is absent.

Use it from a test module with ``from tests.redis_server import redis_server, redis_url  # noqa: F401``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.redis_server import REDIS_SERVER, RedisServer, free_port

__all__ = ["REDIS_SERVER", "RedisServer", "free_port", "needs_redis"]

needs_redis = pytest.mark.skipif(
    not (Path(REDIS_SERVER).is_file() and os.access(REDIS_SERVER, os.X_OK)),
    reason=f"redis-server not found at {REDIS_SERVER} (apt-get install redis-server, or set NEWSCLEAN_REDIS_SERVER)",
)


def _started(tmp_path_factory: pytest.TempPathFactory, persistent: bool) -> Iterator[RedisServer]:
    if not (Path(REDIS_SERVER).is_file() and os.access(REDIS_SERVER, os.X_OK)):
        pytest.skip(f"redis-server not found at {REDIS_SERVER} (apt-get install redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis"), persistent=persistent)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A fresh, empty server for one test (nothing shared between tests)."""
    yield from _started(tmp_path_factory, persistent=False)


@pytest.fixture
def persistent_redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A server that keeps its data across :meth:`RedisServer.kill` and :meth:`RedisServer.start`."""
    yield from _started(tmp_path_factory, persistent=True)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """``redis://127.0.0.1:PORT/0`` of a fresh server."""
    return redis_server.url
