"""JSON Lines output that is complete or absent, even when the process is killed.

A run writes ``NAME.jsonl.part``, flushes after every line (so a SIGKILL leaves whole lines in
the kernel's buffers), fsyncs in batches and renames to ``NAME.jsonl`` on close. The next run
recovers leftover ``.part`` files: complete lines are kept, a torn last line is dropped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

PART = ".part"


def run_file_name(prefix: str = "news", now: datetime | None = None, pid: int | None = None) -> str:
    """``news-20261121T0700Z-1234.jsonl``: sortable by time, unique per process."""
    now = now or datetime.now(timezone.utc)
    return f"{prefix}-{now:%Y%m%dT%H%M%S}Z-{pid or os.getpid()}.jsonl"


class JsonLinesWriter:
    """One output file of one run. Nothing is created until the first line."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.part = self.path.with_name(self.path.name + PART)
        self._fh = None
        self.lines = 0
        self._unsynced = 0

    def write(self, obj: dict) -> None:
        """Append one object as one line; it reaches the OS before this returns."""
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.part, "ab")  # noqa: SIM115 - held open for the run
        data = (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        self._fh.write(data)
        self._fh.flush()
        self.lines += 1
        self._unsynced += 1

    @property
    def pending(self) -> int:
        """Lines written since the last :meth:`sync`."""
        return self._unsynced

    def sync(self) -> None:
        """Make written lines durable (power loss too); callers commit their bookkeeping after."""
        if self._fh is not None and self._unsynced:
            os.fsync(self._fh.fileno())
        self._unsynced = 0

    def close(self) -> Path | None:
        """Sync and rename into place; returns the final path, or None when nothing was written."""
        if self._fh is None:
            return None
        self.sync()
        self._fh.close()
        self._fh = None
        os.replace(self.part, self.path)
        _fsync_dir(self.path.parent)
        return self.path


@dataclass
class Recovered:
    """What a leftover ``.part`` file held."""

    path: Path  # the final .jsonl it became (absent when nothing was complete)
    objects: list[dict] = field(default_factory=list)
    dropped: int = 0  # torn or unparsable lines


def recover_parts(directory: str | Path) -> list[Recovered]:
    """Turn every leftover ``*.jsonl.part`` into a ``.jsonl`` of its complete, valid lines.

    Only call this while holding the run lock: a ``.part`` of a live run is not a leftover.
    """
    results = []
    directory = Path(directory)
    if not directory.is_dir():
        return results
    for part in sorted(directory.glob("*.jsonl" + PART)):
        final = part.with_name(part.name[: -len(PART)])
        rec = Recovered(final)
        good: list[bytes] = []
        for line, complete in _lines(part.read_bytes()):
            obj = _parse(line) if complete else None
            if obj is None:
                rec.dropped += 1
                continue
            good.append(line)
            rec.objects.append(obj)
        if good:
            tmp = part.with_name(part.name + ".tmp")
            with open(tmp, "wb") as fh:
                fh.write(b"\n".join(good) + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        part.unlink()
        _fsync_dir(directory)
        results.append(rec)
    return results


def read_jsonl(path: str | Path) -> Iterator[dict]:
    """Objects of a finished output file."""
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _lines(data: bytes) -> Iterator[tuple[bytes, bool]]:
    chunks = data.split(b"\n")
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        if chunk.strip():
            yield chunk, not last  # the text after the final newline is torn


def _parse(line: bytes) -> dict | None:
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
