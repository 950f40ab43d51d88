"""One fold at a time per workspace, and what became of the last one (`fold.lock`).

The folds after changes run where nobody watches them (a detached `prodops compact --if-due`,
the app's worker). When they fail (a full disk, a file-size limit) or are killed, the journal
grows past due and only a warning on later commands tells anyone. Judged by the journal's size
alone, that warning also fired during a big import while every fold was succeeding (the import
outran them): 8 false alarms. So each fold holds this file's lock while it runs and leaves in it
what happened: nothing once it succeeded, the error when it failed, and "running" when it was
killed before it could say. A fold that finds the lock held leaves the work to the one running.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from . import locking

FOLD_LOCK_NAME = "fold.lock"
_RUNNING = "running"


@contextmanager
def fold_turn(directory: Path, clock: Callable[[], str], *, wait: bool) -> Iterator[bool]:
    """Hold the workspace's one fold turn: True when it is ours, False when another fold holds
    it and `wait` is off. Leaves the outcome in the file: empty after success, else why not."""
    with contextlib.ExitStack() as held:
        try:
            fd = held.enter_context(locking.holding(directory / FOLD_LOCK_NAME,
                                                    locking.EXCLUSIVE | (0 if wait else locking.NONBLOCKING)))
        except OSError:
            yield True  # a folder that cannot be written: the fold itself fails there and says so
            return
        if fd is None:
            yield False
            return
        _say(fd, f"{_RUNNING} since {clock()} (process {os.getpid()}), or killed before it finished")
        try:
            yield True
        except BaseException as exc:
            _say(fd, f"failed at {clock()}: {_why(exc)}")
            raise
        _say(fd, "")


def note_fold_failure(directory: Path, clock: Callable[[], str], why: str) -> None:
    """A fold that could not even start (its process could not be made): said as a failed one,
    unless a fold is running (its outcome is the news)."""
    with contextlib.suppress(OSError), locking.holding(directory / FOLD_LOCK_NAME, locking.EXCLUSIVE | locking.NONBLOCKING) as fd:
        if fd is not None:
            _say(fd, f"failed at {clock()}: {why}")


def fold_failure(directory: Path) -> str | None:
    """Why the last fold did not finish, when it failed or was killed and none has finished since;
    None when the last one succeeded or one is running now."""
    try:
        with locking.holding(directory / FOLD_LOCK_NAME, locking.SHARED | locking.NONBLOCKING, flags=os.O_RDONLY) as fd:
            if fd is None:
                return None  # a fold holds it: running now
            os.lseek(fd, 0, os.SEEK_SET)
            said = os.read(fd, 4096).decode("utf-8", "replace").strip()
    except OSError:
        return None
    if said.startswith(_RUNNING):
        return "the last fold was stopped before it finished"
    return said or None


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return str(exc) or exc.__class__.__name__


def _say(fd: int, text: str) -> None:
    """Replace the file's text; never raises (on a full disk the fold's own error is the news)."""
    with contextlib.suppress(OSError):
        data = text.encode("utf-8")
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, data)
