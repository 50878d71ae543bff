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
from tests.site.three_articles import build_small_site, write_sources

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


def newsclean(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "newsclean.commands.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env(), cwd=PROJECT_ROOT, timeout=60)


def test_state_and_forget_on_the_shared_store_refuse_while_a_worker_is_alive(redis_server):  # noqa: F811
    url = redis_server.url
    store = RedisSeenStore(url)
    store.add("http://h/news/1.html", "fp1", site="s")
    store.add("http://h/news/1.html", "fp2", site="s", version=2)
    store.add("http://h/news/2.html", "fp3", site="t")
    shown = newsclean("state", "--redis", url)
    assert shown.returncode == 0, shown.stderr
    rows = {x.split()[0]: x.split()[1:4] for x in shown.stdout.splitlines()[2:4]}
    assert rows == {"s": ["1", "2", "1"], "t": ["1", "1", "0"]}, shown.stdout

    store.client.sadd("newsclean:news:workers", "w1")  # the keys a live worker's scheduler keeps
    store.client.set("newsclean:news:alive:w1", b"1", px=60_000)
    refused = newsclean("forget", "--redis", url, "--site", "s")
    assert refused.returncode == 75 and "1 worker(s) alive" in refused.stderr, refused.stderr
    assert store.seen_url("http://h/news/1.html")
    store.client.delete("newsclean:news:alive:w1")  # its heartbeat expired
    gone = newsclean("forget", "--redis", url, "--site", "s")
    assert gone.returncode == 0 and "forgot 1 article(s)" in gone.stdout, gone.stdout + gone.stderr
    assert not store.seen_url("http://h/news/1.html") and store.seen_url("http://h/news/2.html")
    store.close()
    redis_server.stop()
    down = newsclean("state", "--redis", url)
    assert down.returncode == 69 and len(down.stderr.strip().splitlines()) == 1, down.stderr
