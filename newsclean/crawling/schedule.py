"""A crawl every N seconds until stopped, each in its own child process.

Twisted's reactor cannot be started twice in one process, so every run is a fresh
``python -m newsclean.commands.crawl`` child. Slots are fixed (start, start + interval, ...):
a run that outlasts its interval makes the next one wait for the next free slot, never a
back-to-back catch-up. SIGTERM or SIGINT is passed on to the running child (its own session,
so a terminal's Ctrl-C reaches it once, through here), which ends its crawl gracefully and
writes everything; then the schedule ends.
"""

from __future__ import annotations

import math
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from newsclean.core.durations import format_duration, parse_duration
from newsclean.core.errors import InputError

EXIT_CONFIG = 2  # a run that says its arguments or sources file are bad ends the schedule with it
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
POLL = 0.2  # seconds between looks at the stop flag while waiting for a slot


def parse_jitter(text: str | None, interval: float) -> float:
    """``10%`` (of the interval) or a duration; less than the interval, so runs never overlap slots."""
    if not text:
        return 0.0
    text = text.strip()
    try:
        if text.endswith("%"):
            jitter = float(text[:-1]) / 100 * interval
            if math.isnan(jitter) or jitter < 0:
                raise ValueError
        else:
            jitter = parse_duration(text)
    except ValueError:
        raise InputError(f"--jitter: {text!r} is neither a duration (90s, 5m) nor a share (10%)") from None
    if jitter >= interval:
        raise InputError(f"--jitter {text} must be shorter than the interval ({format_duration(interval)})")
    return jitter


def next_slot(start: float, interval: float, now: float) -> int:
    """The index of the first slot (start + k * interval) after ``now``."""
    return max(0, math.floor((now - start) / interval) + 1)


@dataclass
class Schedule:
    """Run ``argv`` at every slot until a stop signal; ``describe`` adds figures to a cycle's line."""

    argv: Sequence[str]
    interval: float
    jitter: float = 0.0
    describe: Callable[[int], str] = lambda rc: ""
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)
    clock: Callable[[], float] = time.monotonic
    stop_signal: int | None = field(default=None, init=False)
    child: subprocess.Popen | None = field(default=None, init=False)

    def _on_signal(self, signum: int, frame) -> None:
        self.stop_signal = signum
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)  # Scrapy closes gracefully on the first one

    def run(self) -> int:
        previous = {s: signal.signal(s, self._on_signal) for s in STOP_SIGNALS}
        try:
            return self._loop()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    def _loop(self) -> int:
        start = self.clock()
        slot, number = 0, 0
        every = format_duration(self.interval)
        while self.stop_signal is None:
            at = start + slot * self.interval + random.uniform(0, self.jitter)
            while self.stop_signal is None and self.clock() < at:
                time.sleep(min(POLL, max(0.0, at - self.clock())))
            if self.stop_signal is not None:
                break
            number += 1
            began = self.clock()
            self.child = subprocess.Popen(list(self.argv), start_new_session=True)
            rc = self.child.wait()
            self.child = None
            took = self.clock() - began
            extra = self.describe(rc)
            status = f"exit {rc}" if rc >= 0 else f"killed by signal {-rc}"
            head = f"crawl every {every}: run {number} {status} in {took:.1f} s" + (
                f", {extra}" if extra else ""
            )
            if rc == EXIT_CONFIG:
                self.log(f"{head}; bad arguments or sources file, schedule ends")
                return EXIT_CONFIG
            if self.stop_signal is not None:
                self.log(f"{head}; stopped by {signal.Signals(self.stop_signal).name}, schedule ends")
                return 0
            nxt = next_slot(start, self.interval, self.clock())
            missed = nxt - slot - 1
            slot = nxt
            wait = start + slot * self.interval - self.clock()
            tail = f"; {missed} missed slot{'s' if missed != 1 else ''} skipped" if missed > 0 else ""
            self.log(f"{head}; next run in {max(wait, 0):.0f} s{tail}")
        name = signal.Signals(self.stop_signal).name if self.stop_signal else "a signal"
        self.log(f"crawl every {every}: stopped by {name} while waiting, schedule ends after {number} run(s)")
        return 0
