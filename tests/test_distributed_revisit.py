"""Revisits in a distributed crawl: the shared (Redis) store's versions decide, not a worker's own.

Real worker subprocesses, a real redis-server and a fixture server that checks ETags. The second
run's worker starts with an empty state folder of its own, so everything it knows of the first
run's exports it learns from Redis.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.*

from bench.site.generator import article_html
from bench.site.server import FixtureServer
from newsclean.core.paths import PROJECT_ROOT
from newsclean.distributed.store import RedisSeenStore
from tests.redis_server import redis_server, redis_url  # noqa: F401
from tests.site.runner import crawl_cmd, env, paths
from tests.site.small import build_small_site, write_sources

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def worker(url: str, sources: Path, out: Path) -> dict:
    cmd = crawl_cmd(sources, out, "-q", "--redis", url, "--idle-timeout", "1")
    result = subprocess.run(cmd, capture_output=True, text=True, env=env(), cwd=PROJECT_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout
    return json.loads((out / ".state" / "last_run.json").read_text("utf-8"))


def lines(out: Path) -> list[dict]:
    return [json.loads(x) for f in sorted(out.glob("*.jsonl")) for x in f.read_text("utf-8").splitlines()]


def test_a_worker_with_an_empty_local_store_revisits_by_the_shared_versions(redis_url, tmp_path):  # noqa: F811
    root = build_small_site(tmp_path / "site")
    with FixtureServer(root, validators=True) as server:
        sources = write_sources(tmp_path / "sources.toml", server.origin, refresh_after="1s")
        first = worker(redis_url, sources, tmp_path / "a")
        started = time.time()
        assert first["articles_written"] == 3
        v1 = dict(zip(paths(lines(tmp_path / "a")), lines(tmp_path / "a"), strict=True))
        (root / "www/news/2.html").write_text(article_html(7), "utf-8")
        server.clear_log()
        time.sleep(max(0.0, started + 1.2 - time.time()))

        second = worker(redis_url, sources, tmp_path / "b")  # a new worker, its own empty state
        assert dict(server.conditional) == {"/news/1.html": 304, "/news/2.html": 200, "/news/3.html": 304}
        assert second["revisits"] == {"requested": 3, "unchanged": 2, "updated": 1}
        [v2] = lines(tmp_path / "b")
        assert paths([v2]) == ["/news/2.html"] and v2["version"] == 2
        assert v2["supersedes"] == v1["/news/2.html"]["fingerprint"]

    store = RedisSeenStore(redis_url)
    record = store.record(server.origin + "/news/2.html")
    assert (record.version, record.fingerprint) == (2, v2["fingerprint"])
    assert {c.site: (c.articles, c.versions) for c in store.site_counts()} == {"small": (3, 4)}
    store.close()
