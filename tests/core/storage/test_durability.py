"""A change is on the disk before anyone is told it is stored: the journal line is written and
fsync'd before the call that made it returns. A power cut after the acknowledgement must not
take the change back, and no crash test can see a missing fsync (the page cache survives a
killed process), so the system calls themselves are recorded here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from prodops_tui.core.feedback import inbox
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.issued import ISSUED_NAME
from prodops_tui.core.storage.store import JOURNAL_NAME, Store

from ...conftest import fixed_clock


def file_of(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


def same_file(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino


def test_a_change_is_fsynced_in_the_journal_before_the_call_that_made_it_returns(store, workspace, monkeypatch):
    inbox.capture(store, "The first change creates the journal")  # so the next one only appends
    calls: list[tuple[str, tuple[int, int], bytes]] = []
    write, pwrite, fsync = os.write, os.pwrite, os.fsync

    def recorded_write(fd, data):
        calls.append(("write", file_of(fd), bytes(data)))
        return write(fd, data)

    def recorded_pwrite(fd, data, offset):
        calls.append(("write", file_of(fd), bytes(data)))
        return pwrite(fd, data, offset)

    def recorded_fsync(fd):
        calls.append(("fsync", file_of(fd), b""))
        return fsync(fd)

    monkeypatch.setattr(os, "write", recorded_write)
    monkeypatch.setattr(os, "pwrite", recorded_pwrite)
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


@pytest.mark.skipif(os.name != "posix", reason="Windows opens the journal for each change: an open file there cannot be replaced")
def test_a_change_in_an_open_store_opens_no_file(store, workspace, monkeypatch):
    """The journal and issued.json stay open between changes: opening, checking and closing
    them again was about a tenth of a change."""
    item = inbox.capture(store, "The first change opens the journal")
    opened: list[str] = []
    real_open = os.open

    def recorded_open(path, *args, **kwargs):
        opened.append(os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", recorded_open)
    for status in ("processed", "new", "archived"):
        inbox.update(store, [item.id], inbox.Triage(status=status))
    monkeypatch.undo()
    assert [path for path in opened if path.endswith((JOURNAL_NAME, ISSUED_NAME))] == []
    reopened = Store.open(workspace, clock=fixed_clock)
    assert reopened.get(item.id).status == "archived"
    assert json.loads((workspace / ISSUED_NAME).read_bytes())["seq"] == reopened.seq
    reopened.close()


def test_a_change_after_another_process_folded_goes_to_the_new_journal(store, workspace):
    """A journal held open from an earlier change is not written once a fold elsewhere has put
    a new journal in its place: the change would be in a file nobody reads any more."""
    first = inbox.capture(store, "Written to the first journal")
    other = Store.open(workspace, clock=fixed_clock)
    inbox.capture(other, "Written before the fold")
    assert other.fold()
    other.close()
    inbox.update(store, [first.id], inbox.Triage(status="processed"))
    second = inbox.capture(store, "Written after the fold")

    assert second.id.encode() in (workspace / JOURNAL_NAME).read_bytes()
    reopened = Store.open(workspace, clock=fixed_clock)
    assert reopened.get(first.id).status == "processed"
    assert reopened.get(second.id) is not None
    assert len(reopened.all(FeedbackItem)) == 3
    reopened.close()


def test_issued_json_deleted_while_the_store_is_open_is_written_again(store, workspace):
    inbox.capture(store, "Issues change 1")
    (workspace / ISSUED_NAME).unlink()
    inbox.capture(store, "Issues change 2")
    assert json.loads((workspace / ISSUED_NAME).read_bytes())["seq"] == store.seq == 2
