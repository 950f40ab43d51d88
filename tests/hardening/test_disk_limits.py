"""The disk says no: a file-size limit (`ulimit -f`), a full disk, a folder that cannot be written.

The real command in a child process under RLIMIT_FSIZE, as a user's shell would run it: the
journal line of a capture fits under the limit, a new snapshot of the workspace does not. The
store must then either refuse the change (exit 1, nothing stored) or store it and say so (exit 0
and its id), never report an error for a stored change (the user retries and gets it twice).
CPython ignores SIGXFSZ, so going past the limit is an EFBIG error, not a killed process; a
child that was killed by it would show here as a negative exit status.
"""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage import locking
from prodops_tui.core.storage.fold_turn import FOLD_LOCK_NAME
from prodops_tui.core.storage.store import FOLD_MIN_BYTES, JOURNAL_NAME, SNAPSHOT_NAME, Store

from ..conftest import REPO, fixed_clock, run_cli_process


def limited_to(size: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def run_limited(args: list[str], env: dict[str, str], *, max_file_bytes: int, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, PYTHONPATH=str(REPO), **env)
    return subprocess.run([sys.executable, "-m", "prodops_tui", *args], input=stdin, capture_output=True, text=True,
                          env=full_env, timeout=120, preexec_fn=limited_to(max_file_bytes), check=False)


@pytest.fixture
def big_workspace(workspace: Path) -> Path:
    """A snapshot of about 4 MB (3,000 items of a kilobyte), and a journal just short of due."""
    store = Store.open(workspace, clock=fixed_clock)
    try:
        with store.change("seeded") as tx:
            for n in range(3_000):
                tx.add(FeedbackItem(text=f"item {n}: " + "the export drops the VAT column " * 32, received_at="2026-11-01T00:00:00Z"))
        store.fold()
        with store.change("a long one") as tx:
            tx.add(FeedbackItem(text="x" * (FOLD_MIN_BYTES // 2), received_at="2026-11-02T00:00:00Z"))
        assert not store.fold_due()
    finally:
        store.close()
    return workspace


def wait_for_background_fold(workspace: Path) -> None:
    """The CLI folds a due journal in a detached `prodops compact --if-due`; under the limit it
    fails. A fold that is running holds fold.lock: wait for it to let go (no sleeping on a guess).
    One not started yet is no matter: every step here takes the workspace lock before it reads."""
    fd = os.open(workspace / FOLD_LOCK_NAME, os.O_RDONLY | os.O_CREAT, 0o600)
    try:
        locking.lock(fd, locking.SHARED)
    finally:
        os.close(fd)


def count_matching(cli_env: dict[str, str], text: str) -> int:
    listing = run_cli_process(["list", "feedback", "--status", "all", "--json"], env=cli_env)
    assert listing.returncode == 0, listing.stderr
    return sum(1 for item in json.loads(listing.stdout) if item["text"] == text)


def test_under_a_file_size_limit_a_capture_is_stored_once_and_said_so_or_refused(big_workspace, cli_env):
    journal = big_workspace / JOURNAL_NAME
    snapshot_size = (big_workspace / SNAPSHOT_NAME).stat().st_size
    text = "retry me " + "y" * 700_000  # takes the journal past the fold threshold
    limit = journal.stat().st_size + len(text) + 50_000  # the line fits; a new snapshot does not
    assert limit < snapshot_size and journal.stat().st_size + len(text) > max(FOLD_MIN_BYTES, snapshot_size // 4)

    result = run_limited(["capture", "-"], cli_env, max_file_bytes=limit, stdin=text)
    wait_for_background_fold(big_workspace)

    assert result.returncode in (0, 1), result  # never killed by SIGXFSZ, never a traceback
    assert "Traceback" not in result.stderr
    stored = count_matching(cli_env, text)
    if result.returncode == 0:
        assert result.stdout.strip().startswith("F-") and stored == 1
    else:
        assert stored == 0, f"reported {result.stderr.strip()!r} for a stored change"
    # Every later write behaves the same: the second one too is stored exactly once, or refused.
    again = run_limited(["capture", "retry me too"], cli_env, max_file_bytes=limit)
    wait_for_background_fold(big_workspace)
    assert again.returncode in (0, 1) and count_matching(cli_env, "retry me too") == (1 if again.returncode == 0 else 0)


def test_compact_under_a_file_size_limit_names_the_file_and_leaves_the_workspace_as_it_was(big_workspace, cli_env):
    before = {p.name: p.read_bytes() for p in big_workspace.iterdir() if p.name in (SNAPSHOT_NAME, JOURNAL_NAME)}
    limit = (big_workspace / SNAPSHOT_NAME).stat().st_size // 2

    result = run_limited(["compact"], cli_env, max_file_bytes=limit)

    assert result.returncode == 1
    assert result.stderr.strip() == f"prodops: error: File too large ({big_workspace / SNAPSHOT_NAME})"
    assert {p.name: p.read_bytes() for p in big_workspace.iterdir() if p.name in before} == before
    assert not list(big_workspace.glob(".*.tmp")), "the half-written snapshot stayed"
    assert run_cli_process(["doctor"], env=cli_env).returncode == 0


def test_an_export_that_does_not_fit_names_the_file_asked_for_not_a_temp_file(big_workspace, cli_env, tmp_path):
    target = tmp_path / "out" / "feedback.csv"
    target.parent.mkdir()

    too_big = run_limited(["export", "feedback", "-o", str(target)], cli_env, max_file_bytes=100_000)
    no_folder = run_cli_process(["export", "feedback", "-o", str(tmp_path / "missing" / "feedback.csv")], env=cli_env)

    assert too_big.returncode == 1 and too_big.stderr.strip() == f"prodops: error: File too large ({target})"
    assert not target.exists() and not list(target.parent.iterdir())
    assert no_folder.stderr.strip() == f"prodops: error: No such file or directory ({tmp_path / 'missing' / 'feedback.csv'})"


def test_folders_made_for_a_nested_workspace_are_private_whatever_the_umask(tmp_path, cli_env):
    nested = tmp_path / "a" / "b" / "workspace"
    old = os.umask(0)
    try:
        result = run_cli_process(["--workspace", str(nested), "capture", "customer data"], env=cli_env)
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    for folder in (tmp_path / "a", tmp_path / "a" / "b", nested):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
