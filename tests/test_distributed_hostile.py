"""A real worker crawls the fixture site while hostile entries wait in its real Redis queue.

Each entry is one that, through Scrapy's ``request_from_dict``, ran code, fetched a local file or
a ``data:`` URL, reached a host outside the sources, or lifted the download cap. The worker must
drop each with one log line, fetch none of them, run none of them, and still export every
article of the site exactly once.
"""

from __future__ import annotations

import json

import pytest
import redis

from bench.site.server import FixtureServer
from tests.redis_server import redis_server  # noqa: F401
from tests.test_distributed import (  # noqa: F401
    check_exactly_once,
    exported,
    finish,
    server,
    site,
    sources_file,
    start_worker,
)

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def hostile_entries(origin: str, elsewhere: str, secret_url: str) -> list[dict]:
    meta = {"site": "fixture", "kind": "article"}
    base = {"callback": "parse_page", "errback": "on_error", "meta": meta}
    return [
        {**base, "url": f"{origin}/hostile/zen.html", "_class": "this.s"},
        {**base, "url": f"{origin}/hostile/init.html", "callback": "__init__"},
        {**base, "url": f"{origin}/hostile/close.html", "callback": "close"},
        {**base, "url": secret_url, "dont_filter": True},
        {**base, "url": secret_url},
        {**base, "url": "data:text/html,<title>data-url-article</title><p>x</p>", "dont_filter": True},
        {**base, "url": f"{elsewhere}/news/1.html", "dont_filter": True},
        {**base, "url": f"{elsewhere}/news/2.html"},
        {**base, "url": f"{origin}/hostile/maxsize.html", "meta": {**meta, "download_maxsize": 0}},
        {**base, "url": f"{origin}/hostile/timeout.html", "meta": {**meta, "download_timeout": 1e9}},
        {**base, "url": f"{origin}/hostile/post.html", "method": "POST", "body": "x=1"},
        {**base, "url": f"{origin}/hostile/robots.html", "meta": {**meta, "dont_obey_robotstxt": True}},
    ]


def test_hostile_queue_entries_run_nothing_fetch_nothing_and_stop_nothing(
    site,  # noqa: F811
    server,  # noqa: F811
    redis_server,  # noqa: F811
    tmp_path,
):
    secret = tmp_path / "secret.html"
    secret.write_text("<title>secret-local-file</title><p>" + "本地文件的内容。" * 40 + "</p>", "utf-8")
    sources = sources_file(tmp_path, server, site)
    with FixtureServer(site.root) as other:
        # the same site's pages under a host the sources do not name
        elsewhere = other.origin.replace("127.0.0.1", "localhost")
        entries = hostile_entries(server.origin, elsewhere, secret.as_uri())
        queue = redis.Redis.from_url(redis_server.url)
        queue.zadd("newsclean:news:requests", {json.dumps(e).encode(): -5 for e in entries})
        out = tmp_path / "worker"
        rc, stdout, stderr = finish(start_worker(redis_server.url, sources, out))
        assert other.hits() == {}, "a host outside the sources was fetched"
    log = (out / ".state" / "crawl.log").read_text("utf-8")
    assert "crawl finished" in stdout, stderr[-3000:]
    assert rc == 1  # dropped entries are logged as errors: cron hears of them
    assert log.count("dropped a shared-queue entry") == len(entries)
    assert "Traceback" not in log and "Traceback" not in stderr
    assert "Beautiful is better than ugly" not in stdout + stderr + log
    assert [p for p in server.hits() if p.startswith("/hostile/")] == []
    objs = exported(out)
    assert not any(o["url"].startswith(("file:", "data:")) for o in objs)
    assert not any("secret-local-file" in json.dumps(o, ensure_ascii=False) for o in objs)
    check_exactly_once(site, objs)
    assert queue.keys("newsclean:news:*") == []  # the crawl ended cleanly, nothing left held
