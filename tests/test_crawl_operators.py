"""What a crawl tells its operator, per site, run after run: real crawls (subprocesses) of small
fixture sites on 127.0.0.1; and crawls on their own schedule (``--every``)."""

from __future__ import annotations

import json
import shlex
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.*

from bench.site.server import FixtureServer
from newsclean.crawling.alerts import HISTORY_FILE
from tests.site.runner import articles, run_crawl, start_crawl
from tests.site.small import build_small_site, write_sites

pytestmark = pytest.mark.slow

FLAGS = ("--no-robots", "--progress-interval", "0")


def last_run(out: Path) -> dict:
    return json.loads((out / ".state" / "last_run.json").read_text("utf-8"))


def saver(path: Path) -> str:
    """An --alert-command that saves its standard input to ``path``."""
    code = "import sys; open(sys.argv[1], 'w', encoding='utf-8').write(sys.stdin.read())"
    return shlex.join([sys.executable, "-c", code, str(path)])


def test_a_site_whose_every_page_fails_is_named_with_its_urls(tmp_path):
    good = build_small_site(tmp_path / "good", range(1, 5))
    bad = build_small_site(tmp_path / "bad", range(1, 12), fail=True)
    with FixtureServer(tmp_path / "good") as g, FixtureServer(tmp_path / "bad") as b:
        sources = write_sites(
            tmp_path / "s.toml", {"daily": g.origin, "broken": b.origin}, starts={"broken": ["/", *bad]}
        )
        out = tmp_path / "out"
        done = run_crawl(sources, out, *FLAGS)
        failing = [b.origin + p for p in ["/", *bad]]
    assert done.returncode == 1, done.stderr[-2000:]  # its start pages failed
    summary = last_run(out)
    assert summary["articles_written"] == len(good) and summary["errors"] == {"http_500": 12}  # totals kept
    daily, broken = summary["sites"]["daily"], summary["sites"]["broken"]
    assert daily["articles_written"] == len(good) and daily["errors"] == {} and daily["failed_urls"] == []
    assert broken["errors"] == {"http_500": 12} and broken["articles_written"] == 0
    assert broken["pages_ok"] == 0 and daily["pages_ok"] == 1 + len(good)
    assert len(set(broken["failed_urls"])) == 10 and set(broken["failed_urls"]) <= set(failing)
    assert broken["failed_urls_more"] == 2
    [warning] = summary["site_warnings"]
    assert warning["site"] == "broken" and warning["problem"] == "all_pages_failed"
    assert warning["failed_urls"] == broken["failed_urls"]
    assert "WARNING site broken: every page failed (http_500 12)" in done.stdout
    for url in broken["failed_urls"]:
        assert f"failed {url}" in done.stdout
    assert "and 2 more" in done.stdout
    stats_keys = (out / ".state" / "crawl.log").read_text("utf-8")
    assert "'newsclean/site/broken/errors/http_500': 12" in stats_keys  # in Scrapy's stats dump


def test_injected_spam_alerts_for_that_site_only(tmp_path):
    build_small_site(tmp_path / "hacked", range(1, 5))
    build_small_site(tmp_path / "clean", range(1, 5))
    got = tmp_path / "alert.json"
    with FixtureServer(tmp_path / "hacked") as h, FixtureServer(tmp_path / "clean") as c:
        sources = write_sites(tmp_path / "s.toml", {"hacked": h.origin, "clean": c.origin})
        out = tmp_path / "out"
        first = run_crawl(sources, out, *FLAGS, "--alert-command", saver(got))
        assert first.returncode == 0, first.stderr[-2000:]
        assert last_run(out)["alerts"] == [] and not got.exists() and "ALERT" not in first.stdout

        # new articles on both; the hacked site's carry injected spam, adult and hidden lines
        build_small_site(tmp_path / "hacked", range(1, 9), spam=3)
        build_small_site(tmp_path / "clean", range(1, 9))
        second = run_crawl(sources, out, *FLAGS, "--alert-command", saver(got))
    assert second.returncode == 0, second.stderr[-2000:]
    summary = last_run(out)
    assert summary["sites"]["hacked"]["articles_written"] == 4
    [alert] = summary["alerts"]
    assert alert["site"] == "hacked" and alert["articles"] == 4 and alert["suspect_lines"] >= 12
    assert alert["median_rate"] == 0 and 1 <= len(alert["samples"]) <= 3
    assert "ALERT site hacked:" in second.stdout and "ALERT site clean" not in second.stdout
    assert second.stdout.count("  sample: ") == len(alert["samples"])
    assert json.loads(got.read_text("utf-8"))["alerts"] == [alert]
    history = json.loads((out / ".state" / HISTORY_FILE).read_text("utf-8"))["sites"]
    assert [len(history["hacked"]), len(history["clean"])] == [2, 2]
    log = (out / ".state" / "crawl.log").read_text("utf-8")
    assert "'newsclean/alerts/count': 1" in log and "'newsclean/alerts/count': 0" in log


def test_a_corrupt_site_history_is_a_warning_and_starts_afresh(tmp_path):
    build_small_site(tmp_path / "site", range(1, 4), spam=3)
    with FixtureServer(tmp_path / "site") as s:
        sources = write_sites(tmp_path / "s.toml", {"daily": s.origin})
        out = tmp_path / "out"
        (out / ".state").mkdir(parents=True)
        (out / ".state" / HISTORY_FILE).write_text('{"version": 1, "sites": {"daily": [{"arti', "utf-8")
        done = run_crawl(sources, out, *FLAGS)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and last_run(out)["alerts"] == []
    assert "starting afresh" in (out / ".state" / "crawl.log").read_text("utf-8")
    history = json.loads((out / ".state" / HISTORY_FILE).read_text("utf-8"))
    assert len(history["sites"]["daily"]) == 1


def test_a_site_that_wrote_articles_and_now_none_is_flagged_a_quiet_one_is_not(tmp_path):
    build_small_site(tmp_path / "changed", range(1, 4))
    build_small_site(tmp_path / "quiet", range(1, 4))
    with FixtureServer(tmp_path / "changed") as ch, FixtureServer(tmp_path / "quiet") as q:
        sources = write_sites(tmp_path / "s.toml", {"changed": ch.origin, "quiet": q.origin})
        out = tmp_path / "out"
        first = run_crawl(sources, out, *FLAGS)
        assert first.returncode == 0, first.stderr[-2000:]
        assert last_run(out)["site_warnings"] == []
        # new article pages on "changed" hold no article any more; "quiet" has nothing new
        build_small_site(tmp_path / "changed", range(4, 7), empty=True)
        second = run_crawl(sources, out, *FLAGS)
    assert second.returncode == 0, second.stderr[-2000:]
    summary = last_run(out)
    assert summary["sites"]["quiet"]["articles_written"] == 0
    assert summary["sites"]["quiet"]["previous_articles_written"] == 3
    [warning] = summary["site_warnings"]
    assert warning["site"] == "changed" and warning["problem"] == "no_articles_now"
    assert "layout may have changed" in warning["message"] and "NoArticleError 3" in warning["message"]
    assert "WARNING site changed: wrote 3 articles last run and none in this one" in second.stdout
    assert "WARNING site quiet" not in second.stdout


def test_every_runs_on_schedule_and_stops_cleanly_on_sigterm(tmp_path):
    build_small_site(tmp_path / "site", range(1, 4))
    slow = {"CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.2"}
    with FixtureServer(tmp_path / "site") as s:
        sources = write_sites(tmp_path / "s.toml", {"daily": s.origin})
        out = tmp_path / "out"
        proc = start_crawl(sources, out, *FLAGS, "-q", "--every", "2s", settings=slow)
        err: list[str] = []
        reader = threading.Thread(target=lambda: err.extend(iter(proc.stderr.readline, "")), daemon=True)
        reader.start()
        deadline = time.time() + 60
        while not any(" run 1 " in line for line in err) and time.time() < deadline:
            time.sleep(0.05)
        assert any("run 1 exit 0" in line for line in err), err
        build_small_site(tmp_path / "site", range(1, 30))  # the second run has 26 new articles to write
        while time.time() < deadline and sum(p.read_bytes().count(b"\n") for p in out.glob("*.part")) < 2:
            time.sleep(0.05)
        assert list(out.glob("*.part")), "the second run was not caught writing"
        proc.send_signal(signal.SIGTERM)
        stdout = proc.stdout.read()
        proc.wait(timeout=60)
        reader.join(5)
    assert proc.returncode == 0, "".join(err)[-2000:]
    cycles = [line for line in err if line.startswith("crawl every 2s: run ")]
    assert len(cycles) == 2, err
    assert ", 3 articles; next run in " in cycles[0], cycles
    assert "run 2 exit 1" in cycles[1] and cycles[1].rstrip().endswith("stopped by SIGTERM, schedule ends")
    assert stdout.count("crawl finished in") == 1 and stdout.count("crawl shutdown in") == 1
    assert not list(out.glob("*.part")), "the stopped run finished its output file"
    exported = articles(out)  # every line of every file parses: nothing torn
    summary = last_run(out)
    assert summary["finish_reason"] == "shutdown"
    assert len(exported) == 3 + summary["articles_written"] and summary["articles_written"] >= 2
    assert len({a["url"] for a in exported}) == len(exported)


def test_every_stopped_by_sigint_between_runs_exits_0_at_once(tmp_path):
    build_small_site(tmp_path / "site", range(1, 3))
    with FixtureServer(tmp_path / "site") as s:
        sources = write_sites(tmp_path / "s.toml", {"daily": s.origin})
        proc = start_crawl(sources, tmp_path / "out", *FLAGS, "-q", "--every", "1h")
        err: list[str] = []
        reader = threading.Thread(target=lambda: err.extend(iter(proc.stderr.readline, "")), daemon=True)
        reader.start()
        deadline = time.time() + 60
        while not any(" run 1 " in line for line in err) and time.time() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        proc.stdout.read()
        proc.wait(timeout=10)  # not an hour
        reader.join(5)
    assert proc.returncode == 0, err
    assert "run 1 exit 0" in err[0] and "next run in 3" in err[0], err
    assert err[-1].startswith("crawl every 1h: stopped by SIGINT while waiting, schedule ends after 1 run(s)")


@pytest.mark.parametrize(
    ("more", "says"),
    [
        (["--every", "0s"], "--every"),
        (["--every", "1h", "--jitter", "150%"], "shorter than the interval"),
        (["--jitter", "5%"], "needs --every"),
        (["--every", "1h", "--alert-command", "notify 'unclosed"], "--alert-command"),
        (["--every", "1h", "--set", "NOVALUE"], "NAME=VALUE"),
    ],
)
def test_every_with_bad_arguments_exits_2_at_once(tmp_path, more, says):
    sources = write_sites(tmp_path / "s.toml", {"x": "http://127.0.0.1:9"})
    started = time.monotonic()
    done = run_crawl(sources, tmp_path / "out", *more, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert says in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert time.monotonic() - started < 20


def test_every_with_a_bad_sources_file_exits_2_before_any_run(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[site]]\nname = "x"\nstart_urls = ["ftp://h/"]\n', "utf-8")
    done = run_crawl(bad, tmp_path / "out", "--every", "1h", timeout=60)
    assert done.returncode == 2 and "http:// or https://" in done.stderr
    assert not (tmp_path / "out").exists()


def test_crawl_log_rotates_by_size(tmp_path):
    build_small_site(tmp_path / "site", range(1, 6))
    rotate = {"NEWSCLEAN_LOG_MAX_BYTES": "4000", "NEWSCLEAN_LOG_BACKUPS": "2"}
    with FixtureServer(tmp_path / "site") as s:
        sources = write_sites(tmp_path / "s.toml", {"daily": s.origin})
        out = tmp_path / "out"
        for _ in range(2):
            done = run_crawl(sources, out, *FLAGS, settings=rotate)
            assert done.returncode == 0, done.stderr[-2000:]
    state = out / ".state"
    logs = sorted(p.name for p in state.glob("crawl.log*"))
    assert logs == ["crawl.log", "crawl.log.1", "crawl.log.2"]
    for name in logs:
        assert (state / name).stat().st_size <= 4000 + 3000  # a rollover comes before the line that passes
    assert "Spider closed (finished)" in (state / "crawl.log").read_text("utf-8")


def test_bad_rotation_settings_are_one_line_exit_2(tmp_path):
    sources = write_sites(tmp_path / "s.toml", {"x": "http://127.0.0.1:9"})
    done = run_crawl(sources, tmp_path / "out", settings={"NEWSCLEAN_LOG_MAX_BYTES": "ten"})
    assert done.returncode == 2 and "NEWSCLEAN_LOG_MAX_BYTES" in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr


def test_a_rollover_onto_a_full_disk_floods_nothing(tmp_path):
    from tests.tinyfs import fill, tiny_fs

    sources = write_sites(tmp_path / "s.toml", {"x": "http://127.0.0.1:9"})
    with tiny_fs(tmp_path / "disk", "64k") as disk:
        log = disk / "crawl.log"
        log.write_bytes(b"x" * 3000)  # over the limit: the first record rolls it over
        fill(disk)
        done = run_crawl(
            sources,
            tmp_path / "out",
            "--log-file",
            str(log),
            settings={"NEWSCLEAN_LOG_MAX_BYTES": "2000", "NEWSCLEAN_LOG_BACKUPS": "2"},
        )
        rotated = (disk / "crawl.log.1").exists()
    assert "Logging error" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "crawl finished" in done.stdout and done.returncode == 1  # the start page is unreachable
    assert rotated
