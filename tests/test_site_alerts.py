"""The site-compromise rule, the site history file, per-site stats keys and the schedule's slots."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import textwrap
from itertools import pairwise
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.*

from newsclean.core.errors import InputError
from newsclean.crawling import alerts, sitestats
from newsclean.crawling.schedule import next_slot, parse_jitter
from tests.site.runner import env


def test_alert_when_the_rate_is_three_times_the_median_and_enough_lines():
    alert = alerts.judge("s", articles=4, lines=24, past_rates=[0.0, 0.25, 0.0])
    assert alert is not None
    assert alert["site"] == "s" and alert["rate"] == 6.0 and alert["median_rate"] == 0.0
    assert alert["threshold"] == alerts.RULE.min_rate and alert["past_runs"] == 3


def test_no_alert_below_three_times_the_median():
    # a site that always carries about 2 spam lines per article is not alerting at 5
    assert alerts.judge("s", articles=10, lines=50, past_rates=[2.0, 2.0, 1.8]) is None
    assert alerts.judge("s", articles=10, lines=60, past_rates=[2.0, 2.0, 1.8]) is not None


def test_no_alert_on_too_few_lines_or_too_low_a_rate():
    assert alerts.judge("s", articles=1, lines=4, past_rates=[0.0]) is None  # under min_lines
    assert alerts.judge("s", articles=100, lines=20, past_rates=[0.0]) is None  # 0.2 < min_rate


def test_a_site_without_history_never_alerts_and_empty_runs_are_not_judged():
    assert alerts.judge("s", articles=4, lines=400, past_rates=[]) is None
    assert alerts.judge("s", articles=0, lines=0, past_rates=[0.0]) is None


def test_median_is_over_the_last_window_runs_only():
    old_noise = [5.0] * 20
    recent = [0.0] * alerts.RULE.window
    assert alerts.judge("s", articles=4, lines=12, past_rates=old_noise + recent) is not None
    assert alerts.judge("s", articles=4, lines=12, past_rates=recent + old_noise) is None


def test_history_is_bounded_and_skips_runs_without_articles(tmp_path):
    history: dict = {}
    for i in range(alerts.KEEP_RUNS + 5):
        alerts.record(history, "s", articles=2, lines=i, at=f"t{i}")
    alerts.record(history, "s", articles=0, lines=0, at="empty")
    assert len(history["s"]) == alerts.KEEP_RUNS
    assert history["s"][-1]["at"] == f"t{alerts.KEEP_RUNS + 4}"
    path = tmp_path / alerts.HISTORY_FILE
    alerts.save_history(path, history)
    assert alerts.load_history(path) == history
    assert [p.name for p in tmp_path.iterdir()] == [alerts.HISTORY_FILE]  # no temporary left


@pytest.mark.parametrize("text", ["{not json", '["a list"]', '{"sites": 3}', ""])
def test_corrupt_history_starts_afresh_with_a_warning(tmp_path, caplog, text):
    path = tmp_path / alerts.HISTORY_FILE
    path.write_text(text, "utf-8")
    with caplog.at_level(logging.WARNING, logger="newsclean.crawling.alerts"):
        assert alerts.load_history(path) == {}
    assert "starting afresh" in caplog.text


def test_history_drops_malformed_runs(tmp_path):
    path = tmp_path / alerts.HISTORY_FILE
    runs = [{"articles": 2, "suspect_lines": 1}, {"articles": "x"}, 7, {"articles": 0, "suspect_lines": 0}]
    path.write_text(json.dumps({"version": 1, "sites": {"s": runs, "t": "no"}}), "utf-8")
    assert alerts.load_history(path) == {"s": [{"articles": 2, "suspect_lines": 1}]}
    assert alerts.rates([{"articles": 2, "suspect_lines": 1}]) == [0.5]


class Stats(dict):
    """The two calls of Scrapy's stats collector the per-site helpers use."""

    def inc_value(self, key, count=1):
        self[key] = self.get(key, 0) + count

    def get_value(self, key):
        return self.get(key)

    def set_value(self, key, value):
        self[key] = value


def test_per_site_stats_round_trip_names_with_slashes_and_cap_failed_urls():
    stats = Stats()
    for i in range(sitestats.FAILED_URLS_CAP + 3):
        sitestats.record_failure(stats, "a/b%c", "http_500", f"http://h/{i}")
    sitestats.inc(stats, "a/b%c", "skipped/NoArticleError")
    sitestats.inc(stats, "plain", "articles_written", 2)
    sitestats.inc(stats, None, "articles_written")  # no site: totals only
    removed = [{"reason": "spam", "text": f"line {i}"} for i in range(5)] + [
        {"reason": "metadata", "text": "t"}
    ]
    sitestats.record_removed(stats, "plain", removed)
    assert all(k.startswith(sitestats.PREFIX) for k in stats)
    sites = sitestats.per_site(stats)
    assert set(sites) == {"a/b%c", "plain"}
    bad = sites["a/b%c"]
    assert bad["errors"] == {"http_500": sitestats.FAILED_URLS_CAP + 3}
    assert bad["failed_urls"] == [f"http://h/{i}" for i in range(sitestats.FAILED_URLS_CAP)]
    assert bad["failed_urls_more"] == 3 and bad["pages_skipped"] == {"NoArticleError": 1}
    good = sites["plain"]
    assert good["articles_written"] == 2 and good["lines_removed"] == {"spam": 5, "metadata": 1}
    assert good["suspect_samples"] == ["line 0", "line 1", "line 2"]


def test_next_slot_skips_missed_slots():
    assert next_slot(100.0, 10.0, 100.5) == 1
    assert next_slot(100.0, 10.0, 131.0) == 4  # slots 1-3 passed during a long run: not run
    assert next_slot(100.0, 10.0, 99.0) == 0


def test_jitter_is_a_share_or_a_duration_shorter_than_the_interval():
    assert parse_jitter("10%", 3600) == 360
    assert parse_jitter("90s", 3600) == 90
    assert parse_jitter(None, 3600) == 0
    for bad in ("100%", "2h", "x", "-5%", "nan%"):
        with pytest.raises(InputError):
            parse_jitter(bad, 3600)


SLOTS = """
import os, signal, sys, threading, time
from newsclean.crawling.schedule import Schedule
log = sys.argv[1]
child = [sys.executable, "-c",
         "import sys, time; t = time.monotonic(); time.sleep(0.8); "
         "open(sys.argv[1], 'a').write(f'{t} {time.monotonic()}\\\\n')", log]
threading.Timer(3.4, os.kill, (os.getpid(), signal.SIGTERM)).start()
sys.exit(Schedule(child, 0.5).run())
"""


def test_schedule_starts_on_slots_and_never_catches_up(tmp_path):
    """A run of 0.8 s under a 0.5 s interval: each next run waits for the next free slot."""
    log = tmp_path / "runs.txt"
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SLOTS), str(log)],
        capture_output=True,
        text=True,
        env=env(),
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    runs = [tuple(map(float, line.split())) for line in log.read_text().splitlines()]
    assert len(runs) >= 2, done.stderr
    first = runs[0][0]
    for (_, end), (start, _) in pairwise(runs):
        assert start > end + 0.05, "started back-to-back: a missed slot was caught up"
        offset = (start - first) / 0.5
        assert abs(offset - round(offset)) < 0.25, offset
    assert re.search(r"\d missed slots? skipped", done.stderr), done.stderr
    assert "stopped by SIGTERM" in done.stderr


def test_a_schedule_run_gets_every_option_but_every_and_jitter():
    import argparse

    from newsclean.commands import crawl

    parser = argparse.ArgumentParser()
    crawl.add_arguments(parser)
    given = ["--sources", "s.toml", "--output", "o", "-s", "A=1", "--set", "B=-2", "--no-robots", "-q"]
    given += ["--max-pages", "3", "--alert-command", "notify --to ops", "--every", "1h", "--jitter", "5%"]
    args = parser.parse_args(given)
    again = parser.parse_args(crawl.child_arguments(args))
    assert again.every is None and again.jitter is None
    assert {**vars(again), "every": "1h", "jitter": "5%"} == vars(args)


def test_alert_command_failures_are_one_line_and_not_fatal(tmp_path, capsys, monkeypatch):
    from newsclean.commands import crawl

    summary = {"alerts": [{"site": "s"}], "finished_at": "now"}
    got = tmp_path / "got.json"
    save = [sys.executable, "-c", "import sys; open(sys.argv[1], 'w').write(sys.stdin.read())", str(got)]
    assert crawl.run_alert_command(save, summary) is True
    assert json.loads(got.read_text("utf-8"))["alerts"] == [{"site": "s"}]
    fails = [sys.executable, "-c", "import sys; print('no route', file=sys.stderr); sys.exit(3)"]
    assert crawl.run_alert_command(fails, summary) is False
    assert crawl.run_alert_command([str(tmp_path / "missing")], summary) is False
    monkeypatch.setattr(crawl, "ALERT_TIMEOUT", 0.5)
    assert crawl.run_alert_command([sys.executable, "-c", "import time; time.sleep(5)"], summary) is False
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "newsclean crawl: alert command failed with exit 3: no route"
    assert err[1].startswith("newsclean crawl: alert command not run:")
    assert err[2] == "newsclean crawl: alert command timed out after 0.5 s"
    assert len(err) == 3
