"""JSON Lines output that is complete or absent, even when the process is killed.

A run writes ``NAME.jsonl.part``, flushes after every line (so a SIGKILL leaves whole lines in
the kernel's buffers), fsyncs in batches and renames to ``NAME.jsonl`` on close. The next run
recovers leftover ``.part`` files: complete lines are kept, a torn last line is dropped.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from newsclean.core.errors import NewscleanError

PART = ".part"


class OutputError(NewscleanError):
    """The output folder cannot be created or written."""

    exit_code = 73  # EX_CANTCREAT


def run_file_name(prefix: str = "news", now: datetime | None = None, pid: int | None = None) -> str:
    """``news-20261121T0700Z-1234.jsonl``: sortable by time, unique per process."""
    now = now or datetime.now(timezone.utc)
    return f"{prefix}-{now:%Y%m%dT%H%M%S}Z-{pid or os.getpid()}.jsonl"


class JsonLinesWriter:
    """One output file of one run. Nothing is created until the first line.

    Lines go straight to the file descriptor, never through a buffer: a line that cannot be
    written (disk full) is cut off the file again and reported, so it cannot reach the file
    later, behind the bookkeeping's back, when space comes back.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.part = self.path.with_name(self.path.name + PART)
        self._fd: int | None = None
        self._size = 0  # bytes of complete lines in the .part file
        self.lines = 0
        self._unsynced = 0

    def write(self, obj: dict) -> None:
        """Append one object as one line; it reaches the OS before this returns, or raises OutputError."""
        data = (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        try:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.part, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                self._size = os.fstat(self._fd).st_size
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError as err:
            self._cut_back()
            raise OutputError(f"cannot write {self.part}: {err.strerror or err}") from None
        self._size += len(data)
        self.lines += 1
        self._unsynced += 1

    def _cut_back(self) -> None:
        """Drop the torn end of a failed line (the recovery would drop it too, but later)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)

    @property
    def pending(self) -> int:
        """Lines written since the last :meth:`sync`."""
        return self._unsynced

    def sync(self) -> None:
        """Make written lines durable (power loss too); callers commit their bookkeeping after."""
        if self._fd is not None and self._unsynced:
            try:
                os.fsync(self._fd)
            except OSError as err:
                raise OutputError(f"cannot write {self.part}: {err.strerror or err}") from None
        self._unsynced = 0

    def finish(self) -> Path | None:
        """Rename the synced file into place; the final path, or None when nothing was written."""
        if self._fd is None:
            return None
        self.sync()
        os.close(self._fd)
        self._fd = None
        if not self.lines:  # every line failed (disk full): an empty run writes no file
            with contextlib.suppress(OSError):
                self.part.unlink()
            return None
        try:
            os.replace(self.part, self.path)
        except OSError as err:
            raise OutputError(f"cannot rename {self.part}: {err.strerror or err}") from None
        _fsync_dir(self.path.parent)
        return self.path

    def abandon(self) -> None:
        """Close without renaming: the next run recovers the ``.part`` file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def close(self) -> Path | None:
        """Sync and rename into place; returns the final path, or None when nothing was written."""
        return self.finish()


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


def read_lines(path: str | Path) -> Iterator[dict]:
    """The article objects of a finished file, skipping lines that are not one (never raises on content)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return
    for line, _complete in _lines(data):
        obj = _parse(line)
        if obj is not None and isinstance(obj.get("url"), str):
            yield obj


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


def write_text_atomically(path: str | Path, text: str) -> None:
    """Replace a small file so readers see the old or the new text, never a torn one (OSError on failure)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
