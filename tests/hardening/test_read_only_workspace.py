"""A workspace in a folder that cannot be written (a read-only mount, a copy on a share, files
owned by someone else): it can still be read, and a change is refused in one line, not stored.

The folder is made read-only the way the system says it: every open for writing, create, rename
and removal inside it fails with EACCES (the tests run as root in some places, where chmod does
not stop anything, so the calls are refused in this process instead of by the file system).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from prodops_tui.core.storage.store import Store

from ..conftest import fixed_clock

WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


@pytest.fixture
def read_only(workspace: Path, monkeypatch: pytest.MonkeyPatch):
    """Call to make the workspace folder read-only from then on."""

    def inside(path) -> bool:
        return Path(os.fsdecode(path)).resolve().is_relative_to(workspace.resolve())

    def refuse(path) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))

    def make_read_only() -> None:
        real_open, real_replace, real_unlink, real_mkdir = os.open, os.replace, os.unlink, os.mkdir

        def guarded_open(path, flags, *args, **kwargs):
            if flags & WRITING and inside(path):
                refuse(path)
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", guarded_open)
        monkeypatch.setattr(os, "replace", lambda src, dst, **kw: refuse(dst) if inside(dst) else real_replace(src, dst, **kw))
        monkeypatch.setattr(os, "unlink", lambda path, **kw: refuse(path) if inside(path) else real_unlink(path, **kw))
        monkeypatch.setattr(os, "mkdir", lambda path, *a, **kw: refuse(path) if inside(path) else real_mkdir(path, *a, **kw))

    return make_read_only


def test_a_read_only_workspace_can_be_listed_searched_and_exported_and_a_change_is_refused(prodops, workspace, read_only):
    assert prodops("capture", "Invoices are slow to load", "--customer", "Acme").returncode == 0
    store = Store.open(workspace, clock=fixed_clock)  # a fold, so both the snapshot and a journal line are there
    store.fold()
    store.close()
    assert prodops("capture", "Dark mode please").returncode == 0
    read_only()

    listed = prodops("list", "feedback")
    assert listed.returncode == 0, listed.stderr
    assert "Invoices are slow to load" in listed.stdout and "Dark mode please" in listed.stdout
    found = prodops("search", "invoices slow")
    assert found.returncode == 0 and "F-1" in found.stdout, found.stderr
    exported = prodops("export", "feedback", "--format", "json")
    assert exported.returncode == 0 and "Dark mode please" in exported.stdout

    refused = prodops("capture", "retry me")
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"prodops: error: Permission denied ({workspace / 'journal.jsonl'})"
    assert "retry me" not in prodops("list", "feedback").stdout
