"""The workspace lock with the platform's own call: flock on Linux and macOS, msvcrt on Windows.

`import fcntl` at the top of the store stopped every command on Windows, `prodops --version`
included. Here the module that exists is used, and a platform with neither fails only when a
workspace is opened, with one line saying so.

Windows has no shared lock through msvcrt: there a reader takes the same exclusive lock as a
writer (readers wait for each other; nothing is lost, it is only less concurrent).
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import ProdopsError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]  # None: this platform has no fcntl, checked before each use
try:
    import msvcrt
except ImportError:  # everywhere else
    msvcrt = None  # type: ignore[assignment]  # None: no msvcrt here, checked before each use

if fcntl is not None:
    SHARED, EXCLUSIVE, UNLOCK, NONBLOCKING = fcntl.LOCK_SH, fcntl.LOCK_EX, fcntl.LOCK_UN, fcntl.LOCK_NB
else:
    SHARED, EXCLUSIVE, UNLOCK, NONBLOCKING = 1, 2, 8, 4  # flock's values, for callers' bookkeeping

_WAIT_S = 0.02  # between tries of a blocking lock on Windows (msvcrt's own LK_LOCK gives up after 10 s)
_held: set[int] = set()  # Windows: descriptors that hold their lock (one lock, whatever the mode)


class NoLocking(ProdopsError):
    """This platform offers neither flock nor msvcrt.locking."""


def lock(fd: int, mode: int) -> None:
    """flock(fd, mode): SHARED or EXCLUSIVE (| NONBLOCKING), or UNLOCK. Changing the mode of a
    held lock is allowed. Raises BlockingIOError when NONBLOCKING and another process holds it."""
    if fcntl is not None:
        fcntl.flock(fd, mode)
    elif msvcrt is not None:
        _lock_windows(fd, mode)
    else:
        raise NoLocking("this platform can lock files with neither fcntl nor msvcrt; prodops cannot share a workspace safely here")


@contextmanager
def holding(path: Path, mode: int, *, flags: int = os.O_RDWR | os.O_CREAT) -> Iterator[int | None]:
    """`path` opened and locked in `mode` for the block: its descriptor, or None when the mode
    is NONBLOCKING and another process holds the lock. Unlocked before it is closed: on Windows
    a descriptor closed while locked left its number marked as holding, and the next file given
    that number skipped its lock."""
    fd = os.open(path, flags, 0o600)
    try:
        try:
            lock(fd, mode)
        except BlockingIOError:
            if not mode & NONBLOCKING:
                raise
            yield None
            return
        try:
            yield fd
        finally:
            lock(fd, UNLOCK)
    finally:
        os.close(fd)


def _lock_windows(fd: int, mode: int) -> None:
    os.lseek(fd, 0, os.SEEK_SET)  # msvcrt locks bytes from the current position: always byte 0
    if mode & UNLOCK:
        if fd in _held:
            _held.discard(fd)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]  # typeshed: only on win32; msvcrt is whichever imported
        return
    if fd in _held:
        return  # shared and exclusive are one lock here: already ours
    while True:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]  # as above
        except OSError as exc:
            if mode & NONBLOCKING:
                raise BlockingIOError(errno.EWOULDBLOCK, "the workspace is locked by another process") from exc
            time.sleep(_WAIT_S)
            continue
        _held.add(fd)
        return
