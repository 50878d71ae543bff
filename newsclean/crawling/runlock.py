"""One run at a time per seen-store and per output folder, and folders a run can use.

The state folder's lock keeps two runs off one seen-store; the output folder's lock keeps two
runs with different state folders from sharing one output folder, where the second would take
the first one's live ``.part`` file for a killed run's leftover and "recover" it.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from newsclean.core.errors import NewscleanError
from newsclean.crawling.jsonl import OutputError

__all__ = ["LOCK_NAME", "OUTPUT_LOCK_NAME", "LockHeldError", "OutputError", "RunLocks", "StateError"]

LOCK_NAME = "crawl.lock"  # in the state folder
OUTPUT_LOCK_NAME = ".crawl.lock"  # in the output folder (hidden: the folder is for .jsonl files)


class LockHeldError(NewscleanError):
    """Another crawl run holds the state or the output folder."""

    exit_code = 75  # EX_TEMPFAIL: cron may simply try again later


class StateError(NewscleanError):
    """The state folder, its lock or its seen-store cannot be used."""

    exit_code = 74  # EX_IOERR


def usable_dir(path: Path, what: str, error: type[NewscleanError]) -> Path:
    """Create the folder if needed; one line when it is a file, or cannot be created."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise error(f"{what} {path} is not a folder") from None
    except OSError as err:
        raise error(f"cannot create {what} {path}: {err.strerror}") from None
    return path


class RunLocks:
    """The two locks of a run, taken together or not at all."""

    def __init__(self, output_dir: Path, state_dir: Path) -> None:
        self._wanted = [
            (state_dir / LOCK_NAME, f"state directory {state_dir}", StateError),
            (output_dir / OUTPUT_LOCK_NAME, f"output directory {output_dir}", OutputError),
        ]
        self._held: list[FileLock] = []

    def acquire(self) -> None:
        """Take both locks, or raise LockHeldError / StateError / OutputError holding neither."""
        try:
            for path, where, error in self._wanted:
                lock = FileLock(str(path))
                try:
                    lock.acquire(timeout=0)
                except Timeout:
                    raise LockHeldError(
                        f"another crawl is running on {where} (lock {path.name}); not starting"
                    ) from None
                except OSError as err:
                    raise error(f"cannot take the lock {path}: {err.strerror or err}") from None
                self._held.append(lock)
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        while self._held:
            self._held.pop().release()
