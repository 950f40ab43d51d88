"""A change is on the disk before anyone is told it is stored: the journal line is written and
fsync'd before the call that made it returns. A power cut after the acknowledgement must not
take the change back, and no crash test can see a missing fsync (the page cache survives a
killed process), so the system calls themselves are recorded here."""

from __future__ import annotations

import os
from pathlib import Path

from prodops_tui.core.feedback import inbox
from prodops_tui.core.storage.issued import ISSUED_NAME
from prodops_tui.core.storage.store import JOURNAL_NAME


def file_of(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


def same_file(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino


def test_a_change_is_fsynced_in_the_journal_before_the_call_that_made_it_returns(store, workspace, monkeypatch):
    inbox.capture(store, "The first change creates the journal")  # so the next one only appends
    calls: list[tuple[str, tuple[int, int], bytes]] = []
    write, fsync = os.write, os.fsync

    def recorded_write(fd, data):
        calls.append(("write", file_of(fd), bytes(data)))
        return write(fd, data)

    def recorded_fsync(fd):
        calls.append(("fsync", file_of(fd), b""))
        return fsync(fd)

    monkeypatch.setattr(os, "write", recorded_write)
    monkeypatch.setattr(os, "fsync", recorded_fsync)
    item = inbox.capture(store, "Acknowledged only once it is on the disk")
    monkeypatch.undo()  # the call has returned: what it did is all in `calls`

    journal, issued = same_file(workspace / JOURNAL_NAME), same_file(workspace / ISSUED_NAME)
    journal_writes = [at for at, (call, target, _) in enumerate(calls) if call == "write" and target == journal]
    assert journal_writes, "the change was not written to the journal"
    assert item.id.encode() in b"".join(calls[at][2] for at in journal_writes)
    synced = [at for at, (call, target, _) in enumerate(calls) if call == "fsync" and target == journal and at > journal_writes[-1]]
    assert synced, "the journal line was not fsync'd before the change was acknowledged"
    # issued.json only trails the journal (core/storage/issued.py): it is written after the fsync.
    issued_writes = [at for at, (call, target, _) in enumerate(calls) if call == "write" and target == issued]
    assert issued_writes and min(issued_writes) > synced[0]
