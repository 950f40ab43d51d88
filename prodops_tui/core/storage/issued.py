"""The highest change and id numbers ever issued in a workspace, kept apart from the records.

The journal's last line is the only record of the newest change. Cut it off (a copy that
stopped short, a truncated file) and nothing in the records says the change ever existed: the
next capture took its id again (F-50 named two different items) and `doctor` said all was well.
`issued.json` is written after every change, once the journal line is durable: when it names a
change the journal and snapshot no longer hold, the workspace is damaged (the store refuses to
open it), and the next ids continue above every id ever handed out.

It is rewritten in place, in one write of a fixed size and without an fsync of its own: it
only ever trails the journal, which is fsync'd first, so a power cut can leave it behind (the
journal then holds more, which is no damage) but never ahead of what was made durable.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .files import HOLD_OPEN_FILES

ISSUED_NAME = "issued.json"
_SIZE = 1024  # one write of the same length each time: the file never changes size


@dataclass(frozen=True)
class Issued:
    seq: int = 0  # the newest change written to the journal
    next_ids: dict[str, int] = field(default_factory=dict)  # prefix -> the next number never issued

    def merged_ids(self, next_ids: dict[str, int]) -> dict[str, int]:
        """`next_ids` raised to at least what was issued."""
        merged = dict(next_ids)
        for prefix, number in self.next_ids.items():
            merged[prefix] = max(merged.get(prefix, 1), number)
        return merged


def read_issued(directory: Path) -> Issued | None:
    """What was issued, or None when the file is absent or unreadable (a workspace from before
    it existed; a damaged one is only a lost safeguard, not lost data: doctor says so)."""
    try:
        raw = (directory / ISSUED_NAME).read_bytes()
        data: Any = json.loads(raw)
        seq, next_ids = data["seq"], data["next_ids"]
        if seq.__class__ is not int or not all(k.__class__ is str and v.__class__ is int for k, v in next_ids.items()):
            return None
        return Issued(seq, dict(next_ids))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_issued(directory: Path, issued: Issued) -> None:
    """Record what is issued now (see IssuedFile.write): for one write, as doctor's repair does."""
    issued_file = IssuedFile(directory)
    issued_file.write(issued)
    issued_file.close()


# Kept open between changes where it may be (HOLD_OPEN_FILES): written so, a change's write of
# it took 0.02 ms where opening it each time took 0.05-0.065 (by hand, 100k).


class IssuedFile:
    """issued.json as a store writes it after every change: in place, one write of the same
    size, the file held open between writes (POSIX; Windows opens it each time)."""

    def __init__(self, directory: Path):
        self.path = directory / ISSUED_NAME
        self._fd: int | None = None
        self._length = 0  # the file's size as last written or found

    def write(self, issued: Issued) -> None:
        """Never raises: the change it follows is already stored, and an error now would make
        the user retry it; a failed write only leaves the file behind."""
        data = json.dumps({"seq": issued.seq, "next_ids": issued.next_ids}, separators=(",", ":")).encode()
        data = data.ljust(_SIZE)  # JSON allows the trailing spaces
        try:
            fd = self._open()
            if HOLD_OPEN_FILES:
                os.pwrite(fd, data, 0)
            else:
                os.lseek(fd, 0, os.SEEK_SET)  # Windows has no os.pwrite
                os.write(fd, data)
            if self._length > len(data):
                os.ftruncate(fd, len(data))  # longer before (hand-edited, or far more prefixes then)
            self._length = len(data)
        except OSError:
            self.close()  # opened again next time
            return
        if not HOLD_OPEN_FILES:
            self.close()

    def _open(self) -> int:
        fd = self._fd
        if fd is not None and os.fstat(fd).st_nlink == 0:
            self.close()  # deleted or replaced since (doctor, a user's copy): write the file there now
            fd = None
        if fd is None:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
            self._fd, self._length = fd, os.fstat(fd).st_size
        return fd

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
