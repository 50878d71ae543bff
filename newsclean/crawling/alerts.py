"""Site-compromise alerts: a site whose pages suddenly carry far more injected lines than usual.

A hacked site shows up in its articles as many more spam, adult or hidden lines removed per
article than the site's own past runs had. :func:`judge` is the rule, a pure function;
:func:`load_history` and :func:`save_history` keep the per-site figures of past runs in a small
JSON file of the state directory (bounded, written atomically, a corrupt file starts afresh).

The rule: a site alerts when, in this run, it wrote at least one article, at least
``min_lines`` suspect lines were removed from its articles, and its rate (suspect lines per
article) is at least ``factor`` times the median rate of its last ``window`` runs and at least
``min_rate``. A site without a past run with articles never alerts: its first run is the baseline.
"""

from __future__ import annotations

import json
import logging
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsclean.crawling.jsonl import write_text_atomically

logger = logging.getLogger(__name__)

HISTORY_FILE = "site_history.json"
HISTORY_VERSION = 1
KEEP_RUNS = 30  # runs kept per site in the history file


@dataclass(frozen=True)
class Rule:
    factor: float = 3.0  # this run's rate against the median of the past runs
    min_lines: int = 5  # suspect lines this run, below which nothing alerts
    min_rate: float = 0.5  # suspect lines per article, below which nothing alerts
    window: int = 10  # past runs the median is taken over


RULE = Rule()


def judge(
    site: str, articles: int, lines: int, past_rates: Sequence[float], rule: Rule = RULE
) -> dict[str, Any] | None:
    """The alert for one site's run, or None. ``past_rates``: its earlier runs' rates, oldest first."""
    if articles <= 0 or not past_rates:
        return None
    rate = lines / articles
    recent = list(past_rates)[-rule.window :]
    median = statistics.median(recent)
    threshold = max(rule.factor * median, rule.min_rate)
    if lines < rule.min_lines or rate < threshold:
        return None
    return {
        "site": site,
        "suspect_lines": lines,
        "articles": articles,
        "rate": round(rate, 3),
        "median_rate": round(median, 3),
        "threshold": round(threshold, 3),
        "past_runs": len(recent),
    }


def rates(runs: Sequence[dict[str, Any]]) -> list[float]:
    """The rate of each recorded run of a site (runs without articles are never recorded)."""
    return [r["suspect_lines"] / r["articles"] for r in runs if r.get("articles")]


def load_history(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Past runs per site; a missing file is an empty history, a corrupt one too (with a warning)."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        logger.warning("site history %s unreadable (%s); starting afresh", path, err)
        return {}
    sites = data.get("sites") if isinstance(data, dict) else None
    if not isinstance(sites, dict):
        logger.warning("site history %s is not a history file; starting afresh", path)
        return {}
    history = {}
    for name, runs in sites.items():
        if isinstance(runs, list):
            history[name] = [r for r in runs if _valid_run(r)]
    return history


def _valid_run(run: Any) -> bool:
    return (
        isinstance(run, dict)
        and isinstance(run.get("articles"), int)
        and isinstance(run.get("suspect_lines"), int)
        and run["articles"] > 0
        and run["suspect_lines"] >= 0
    )


def record(history: dict[str, list[dict[str, Any]]], site: str, articles: int, lines: int, at: str) -> None:
    """Add this run of a site (only if it wrote articles), keeping the last KEEP_RUNS runs."""
    if articles <= 0:
        return
    runs = history.setdefault(site, [])
    runs.append({"at": at, "articles": articles, "suspect_lines": lines})
    del runs[:-KEEP_RUNS]


def save_history(path: Path, history: dict[str, list[dict[str, Any]]]) -> None:
    """Write the history atomically (a temporary file renamed over the old one); OSError on failure."""
    text = json.dumps({"version": HISTORY_VERSION, "sites": history}, ensure_ascii=False, indent=1)
    write_text_atomically(path, text + "\n")
