"""Find every write step an operation makes, then make one of them fail or kill the process there.

A write step is a call that changes a file, made by prodops code: opening a file for writing,
writing, fsync (files and folders), truncating, renaming, linking, unlinking, creating a folder,
changing a mode, copying, and each write to the SQLite cache. The steps are recorded from a real
run of the operation, not listed by hand, so a write step added to the store later is covered by
the same tests without anyone remembering to add it.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
import sysconfig
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import prodops_tui
from prodops_tui.core.storage.cache import CacheUnusable, StateCache

PACKAGE_DIR = os.path.dirname(prodops_tui.__file__)
STDLIB_DIR = sysconfig.get_paths()["stdlib"]
HERE = __file__

# The calls that change a file. os.open only when it opens for writing; the path ones only when
# the path is there (removing a file that is not there changes nothing, and cannot fail but ENOENT).
WRITING_OPEN_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
OS_CALLS = ("open", "write", "fsync", "ftruncate", "replace", "rename", "link", "unlink", "remove", "mkdir", "chmod", "rmdir")
PATH_CALLS = {"replace", "rename", "link", "unlink", "remove", "rmdir", "chmod"}
SHUTIL_CALLS = ("copy2", "copyfile", "copy")
# The cache is written by SQLite's C code, out of sight of the os module: its writing methods are steps.
CACHE_WRITES = ("rebuild", "apply", "rebase", "invalidate")

KILLED = 77  # the exit status of a process killed at a step


class Killed(BaseException):
    """Stands for the process dying (only os._exit in a forked child is a real death)."""


@dataclass
class Steps:
    """The write steps seen so far, and which one to break: `fail_at` raises at it (a full disk, an
    I/O error), `kill_at` ends the process there without running any cleanup (os._exit)."""

    fail_at: int | None = None
    kill_at: int | None = None
    seen: list[str] = field(default_factory=list)
    failed: str | None = None
    acknowledged: int | None = None  # how many steps were made when the user was told "done"

    def step(self, label: str, *, cache: bool = False) -> None:
        index = len(self.seen)
        self.seen.append(label)
        if index == self.kill_at:
            os._exit(KILLED)
        if index == self.fail_at:
            self.failed = label
            if cache:
                raise CacheUnusable("cache.sqlite: disk I/O error (injected)")
            raise OSError(errno.ENOSPC, "No space left on device (injected)")


_active: list[Steps] = []


def acknowledge() -> None:
    """The user is told "done" now: a kill at any later step must not lose the change."""
    if _active and _active[-1].acknowledged is None:
        _active[-1].acknowledged = len(_active[-1].seen)


def _prodops_caller() -> str | None:
    """The prodops functions (innermost two) behind the current call, or None when the call
    does not come from prodops code (pytest, SQLite's Python side, the test itself)."""
    frame = sys._getframe(2)
    names: list[str] = []
    while frame is not None and len(names) < 2:
        filename = frame.f_code.co_filename
        if filename.startswith(PACKAGE_DIR):
            names.append(frame.f_code.co_name)
        elif names or not (filename.startswith(STDLIB_DIR) or filename == HERE):
            break
        frame = frame.f_back
    return ">".join(reversed(names)) if names else None


@contextmanager
def watching(steps: Steps) -> Iterator[Steps]:
    """Route prodops's file-changing calls through `steps` for the duration of the block."""
    with pytest.MonkeyPatch.context() as patch:
        for name in OS_CALLS:
            patch.setattr(os, name, _watched(steps, f"os.{name}", getattr(os, name)))
        for name in SHUTIL_CALLS:
            patch.setattr(shutil, name, _watched(steps, f"shutil.{name}", getattr(shutil, name)))
        for name in CACHE_WRITES:
            patch.setattr(StateCache, name, _watched(steps, f"cache.{name}", getattr(StateCache, name), cache=True))
        _active.append(steps)
        try:
            yield steps
        finally:
            _active.pop()


def _watched(steps: Steps, primitive: str, real: Callable, *, cache: bool = False) -> Callable:
    short = primitive.split(".")[1]

    def call(*args, **kwargs):
        caller = _prodops_caller()
        if caller is not None and _changes_a_file(short, args, kwargs, cache):
            steps.step(f"{caller}:{primitive}", cache=cache)
        return real(*args, **kwargs)

    return call


def _changes_a_file(name: str, args: tuple, kwargs: dict, cache: bool) -> bool:
    if cache:
        return True
    if name == "open":
        flags = args[1] if len(args) > 1 else kwargs.get("flags", 0)
        return bool(flags & WRITING_OPEN_FLAGS)
    if name in PATH_CALLS and args and isinstance(args[0], (str, Path)):
        return os.path.lexists(args[0])
    return True


def record(operation: Callable[[], object]) -> Steps:
    """The write steps `operation` makes, in order, when nothing goes wrong."""
    steps = Steps()
    with watching(steps):
        operation()
    return steps
