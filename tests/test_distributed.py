"""Distributed crawls: real worker subprocesses share one crawl of the fixture site through a
real redis-server on 127.0.0.1.

What must hold: the union of the workers' outputs holds every article exactly once, also when a
worker is killed with SIGKILL mid-crawl, and when Redis itself goes away mid-crawl and the crawl
is run again. The site server's access log shows what was fetched how often.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis

from bench.site.generator import build_site
from bench.site.server import FixtureServer
from newsclean.core.paths import PROJECT_ROOT
from tests.redis_server import RedisServer, persistent_redis_server, redis_server  # noqa: F401
from tests.site.runner import TEST_SETTINGS, crawl_cmd, env, paths, write_sources

pytestmark = [pytest.mark.slow, pytest.mark.redis]

IDLE = "2"  # seconds of an empty queue before a worker ends
TTL = "5"  # seconds without a heartbeat before a worker counts as dead (a first page may take 2)
SPIDER = "news"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not os.environ.get("NEWSCLEAN_TEST_CLEANER"):
        from newsclean.classifiers.model import load_classifier
        from newsclean.core.errors import NewscleanError

        try:
            load_classifier(os.environ.get("NEWSCLEAN_TEST_MODEL") or None)
        except NewscleanError as err:
            pytest.skip(f"the crawl's cleaning chain needs a classifier model: {err} (run newsclean train)")
    root = tmp_path_factory.mktemp("dsite")
    return build_site(root, n_articles=60)


@pytest.fixture
def server(site):
    with FixtureServer(site.root, slow_seconds=3) as srv:
        yield srv


def sources_file(tmp_path: Path, server, site) -> Path:
    return write_sources(tmp_path / "sources.toml", server.origin, article_url_pattern=site.article_pattern)


def worker_settings(**extra: str) -> dict[str, str]:
    # the slow page (3 s) still times out; the others do not while three workers share 2 CPUs
    chosen = {"NEWSCLEAN_HEARTBEAT_TTL": TTL, "DOWNLOAD_TIMEOUT": "2", **extra}
    if os.environ.get("NEWSCLEAN_TEST_MODEL"):
        chosen["NEWSCLEAN_MODEL"] = os.environ["NEWSCLEAN_TEST_MODEL"]
    if os.environ.get("NEWSCLEAN_TEST_CLEANER"):  # the plumbing alone, e.g. before a model exists
        chosen.update(
            NEWSCLEAN_CLEANER=os.environ["NEWSCLEAN_TEST_CLEANER"], NEWSCLEAN_LOAD_CLASSIFIER="False"
        )
    return chosen


def redis_options(url: str) -> list[str]:
    """How a worker is pointed at the shared crawl."""
    return ["--redis", url, "--idle-timeout", IDLE]


def start_worker(url: str, sources: Path, out: Path, *more: str, **settings: str) -> subprocess.Popen:
    cmd = crawl_cmd(sources, out, *redis_options(url), *more, settings=worker_settings(**settings))
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(), cwd=PROJECT_ROOT
    )


def finish(proc: subprocess.Popen, timeout: float = 240) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"worker did not end within {timeout} s: {err[-3000:]}")
    return proc.returncode, out, err


def exported(*outputs: Path) -> list[dict]:
    """Every complete article line in the output folders: finished files and killed runs' .part."""
    found = []
    for out in outputs:
        for file in sorted([*out.glob("*.jsonl"), *out.glob("*.jsonl.part")]):
            *complete, _torn = file.read_bytes().split(b"\n")  # after the last newline: torn or empty
            found += [json.loads(line) for line in complete if line.strip()]
    return found


def check_exactly_once(site, objs: list[dict]) -> None:
    counts = Counter(paths(objs))
    assert [p for p, n in counts.items() if n > 1] == [], "exported more than once"
    fingerprints = Counter(o["fingerprint"] for o in objs)
    assert [f for f, n in fingerprints.items() if n > 1] == [], "same text exported twice"
    [mirror] = site.duplicates  # same text as its original: exactly one of the two is exported
    original = "/news/" + mirror.rsplit("/", 1)[1]
    got = set(counts)
    assert len(got & {mirror, original}) == 1
    got.discard(mirror)
    got.add(original)
    assert sorted(got - set(site.articles)) == [], "exported what is not an article"
    assert sorted(set(site.articles) - got) == [], "articles lost"


def summary_value(stdout: str, label: str) -> int:
    for line in stdout.splitlines():
        if line.strip().startswith(label):
            return int(line.split()[len(label.split())])
    raise AssertionError(f"no {label!r} in summary: {stdout}")


def log_stat(out: Path, name: str) -> int:
    """A figure of Scrapy's end-of-crawl stats in a worker's log (0 when absent)."""
    found = re.findall(rf"'{re.escape(name)}': (\d+)", (out / ".state" / "crawl.log").read_text("utf-8"))
    return int(found[-1]) if found else 0


def wait_for(condition, timeout: float, what: str, procs=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        for p in procs:
            if p.poll() is not None:
                pytest.fail(
                    f"a worker ended early ({p.returncode}) while waiting for {what}: {p.stderr.read()[-3000:]}"
                )
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_three_workers_export_every_article_exactly_once(site, server, redis_server, tmp_path):  # noqa: F811
    sources = sources_file(tmp_path, server, site)
    outs = [tmp_path / f"worker{i}" for i in range(3)]
    # a few requests at a time each, so the three really share the pages
    procs = [start_worker(redis_server.url, sources, out, CONCURRENT_REQUESTS="4") for out in outs]
    results = [finish(p) for p in procs]
    for rc, out, err in results:
        assert rc == 0, err[-3000:] + out
        assert "crawl finished" in out
    check_exactly_once(site, exported(*outs))
    fetched = [summary_value(out, "pages fetched") for _, out, _ in results]
    assert sum(1 for n in fetched if n > 0) >= 2, f"one worker did everything: {fetched}"
    hits = server.hits()
    # the shared dupefilter: no article page downloaded twice, however many workers, except
    # for Scrapy's retries of downloads that timed out on this busy machine
    retries = sum(log_stat(out, "retry/count") for out in outs)
    assert sum(hits[p] - 1 for p in site.articles if hits[p] > 1) <= retries
    assert hits["/"] + hits["/index.html"] == 1, "the start page is fetched by one worker only"
    assert all(hits[p] == 0 for p in site.never_fetch)
    # the last worker out cleared the crawl's queue, dupefilter and worker registry
    leftover = redis.Redis.from_url(redis_server.url).keys(f"newsclean:{SPIDER}:*")
    assert leftover == []


def test_rerun_fetches_no_exported_page_again_on_any_machine(site, server, redis_server, tmp_path):  # noqa: F811
    sources = sources_file(tmp_path, server, site)
    rc, out, err = finish(start_worker(redis_server.url, sources, tmp_path / "first"))
    assert rc == 0, err[-3000:]
    server.clear_log()
    # a worker with an empty output folder of its own: only the shared seen-store knows the past
    rc, out, err = finish(start_worker(redis_server.url, sources, tmp_path / "elsewhere"))
    assert rc == 0, err[-3000:]
    assert summary_value(out, "articles written") == 0
    hits = server.hits()
    assert hits["/"] == 1, "a new crawl starts from the start page again"
    first = paths(exported(tmp_path / "first"))
    assert len(first) == len(site.articles)
    assert [p for p in first if hits[p]] == [], "exported articles were fetched again"


def test_worker_killed_mid_crawl_loses_nothing(site, server, redis_server, tmp_path):  # noqa: F811
    sources = sources_file(tmp_path, server, site)
    victim_out, outs = tmp_path / "victim", [tmp_path / "w1", tmp_path / "w2"]
    probe = redis.Redis.from_url(redis_server.url)
    held_key = f"newsclean:{SPIDER}:held:victim"
    # slow downloads: the victim holds a batch of requests when it dies
    slow = {"DOWNLOAD_DELAY": "0.25", "CONCURRENT_REQUESTS": "8"}
    victim = start_worker(redis_server.url, sources, victim_out, "--worker-id", "victim", **slow)
    wait_for(
        lambda: probe.hlen(held_key) >= 3 and len(exported(victim_out)) >= 2,
        120,
        "the victim to export and hold pages",
        [victim],
    )
    # they join a running crawl and pop a batch of URLs at once, before they know robots.txt
    others = [start_worker(redis_server.url, sources, out, **slow) for out in outs]
    time.sleep(0.5)
    held_at_death = probe.hlen(held_key)
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    assert held_at_death >= 1
    results = [finish(p) for p in others]
    for rc, out, err in results:
        assert rc == 0, err[-3000:] + out
    check_exactly_once(site, exported(victim_out, *outs))
    logs = "".join((out / ".state" / "crawl.log").read_text("utf-8") for out in outs)
    assert "requeued" in logs, "the survivors did not take over the dead worker's requests"
    assert all(server.hits()[p] == 0 for p in site.never_fetch), "robots.txt not obeyed"
    assert probe.hlen(held_key) == 0


def test_redis_gone_mid_crawl_then_rerun_loses_and_repeats_nothing(
    site,
    server,
    persistent_redis_server: RedisServer,  # noqa: F811
    tmp_path,
):
    sources = sources_file(tmp_path, server, site)
    outs = [tmp_path / "a", tmp_path / "b"]
    slow = {"DOWNLOAD_DELAY": "0.25", "CONCURRENT_REQUESTS": "4"}
    procs = [start_worker(persistent_redis_server.url, sources, out, **slow) for out in outs]
    wait_for(lambda: len(exported(*outs)) >= 6, 120, "articles to be exported", procs)
    persistent_redis_server.kill()
    started = time.monotonic()
    for p in procs:
        rc, out, err = finish(p, timeout=90)
        assert rc != 0
        assert "Traceback" not in err
        last = err.strip().splitlines()[-1]
        assert "Redis at redis://127.0.0.1" in last and "unavailable" in last, err[-2000:]
    assert time.monotonic() - started < 60, "workers took too long to notice"
    before = len(exported(*outs))
    assert 0 < before < len(site.articles)

    persistent_redis_server.start()  # same port, same data
    procs = [start_worker(persistent_redis_server.url, sources, out) for out in outs]
    for p in procs:
        rc, out, err = finish(p)
        assert rc == 0, err[-3000:] + out
    check_exactly_once(site, exported(*outs))


def test_scrapy_crawl_command_shares_the_crawl_too(site, server, redis_server, tmp_path):  # noqa: F811
    sources = sources_file(tmp_path, server, site)
    settings = {
        **TEST_SETTINGS,
        **worker_settings(),
        "REDIS_URL": redis_server.url,  # all it takes: the project's add-on does the rest
        "NEWSCLEAN_IDLE_TIMEOUT": IDLE,
        "LOG_LEVEL": "INFO",
    }
    procs = []
    for i in range(2):
        sets = [
            a
            for k, v in {**settings, "NEWSCLEAN_OUTPUT_DIR": str(tmp_path / f"s{i}")}.items()
            for a in ("-s", f"{k}={v}")
        ]
        cmd = [sys.executable, "-m", "scrapy", "crawl", SPIDER, "-a", f"sources={sources}", *sets]
        procs.append(
            subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(), cwd=PROJECT_ROOT
            )
        )
    for p in procs:
        rc, _, err = finish(p)
        assert rc == 0, err[-3000:]
        assert "newsclean.distributed.redis_crawl.SharedScheduler" in err
        stats = err[err.rfind("Dumping Scrapy stats") :]
        assert "'finish_reason': 'finished'" in stats
    check_exactly_once(site, exported(tmp_path / "s0", tmp_path / "s1"))


def test_unreachable_redis_is_one_line_before_crawling(site, server, tmp_path):
    from tests.redis_server import free_port

    sources = sources_file(tmp_path, server, site)
    proc = start_worker(f"redis://127.0.0.1:{free_port()}/0", sources, tmp_path / "out")
    rc, out, err = finish(proc, timeout=60)
    assert rc != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "unavailable" in lines[0], err
    assert server.hits() == Counter()
    assert out == ""
