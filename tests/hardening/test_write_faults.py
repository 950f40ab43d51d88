"""Every write step of capture, import, merge, area move and retro close, made to fail or killed.

For each operation the steps are recorded from a run where nothing goes wrong (write_steps.py:
journal append and fsync, the cache, the fold's temp file, its fsync, the backup link, the renames,
the backup rotation, the folder fsyncs). Then, for each step alone, the operation runs again on a
fresh copy of the same workspace with that step failing (ENOSPC, or a cache I/O error) or with
the process killed there. After each: the workspace opens; what the user was told was done is
there; what the user was told failed is not; and it is wholly one or the other, never half (the
records equal those of the workspace before the operation, or of a faultless run after it).

Two ways a fold follows a change: at once, in the same call (the library default), or later in its
own call (the app's worker and the CLI's background `compact` do this: the change is already
acknowledged, so a failed fold is the fold's failure, not the change's).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from prodops_tui.core.areas.ownership import add_area, move_area
from prodops_tui.core.feedback.inbox import capture
from prodops_tui.core.feedback.merge import merge
from prodops_tui.core.importers.run import import_feedback
from prodops_tui.core.model import RECORD_TYPES
from prodops_tui.core.retro import board as retros
from prodops_tui.core.retro.templates import SHIPPED_TEMPLATES
from prodops_tui.core.storage import doctor
from prodops_tui.core.storage.backups import backup_files, rebase_due, rotated_out
from prodops_tui.core.storage.store import Store

from ..conftest import fixed_clock
from .write_steps import KILLED, Steps, acknowledge, record, watching

DONE, FAILED = 0, 1

IMPORT_CSV = (
    "id,text,customer,received\n"
    "k-1,Export to CSV drops the last column,Acme,2026-11-20\n"
    "k-2,,Globex,2026-11-21\n"  # no text: skipped with a reason, the rest imported
    "k-3,Dark mode please,Initech,2026-11-22\n"
)

IMPORT_MAP = {"text": "text", "customer": "customer", "received": "received", "id": "id"}

OPERATIONS: dict[str, Callable[[Store, Path], object]] = {
    "capture": lambda store, files: capture(store, "retry me", customer="Acme"),
    "import": lambda store, files: import_feedback(store, files / "feedback.csv", mapping=IMPORT_MAP),
    "merge": lambda store, files: merge(store, ["F-2", "F-3"], "F-1"),
    "area move": lambda store, files: move_area(store, "A-3", "A-1"),
    "retro close": lambda store, files: retros.move_phase(store, "R-1", +1),
}


def capture_during_a_fold(store: Store, files: Path) -> None:
    """Another process captures while this one's fold writes its snapshot: the fold keeps that
    change in a new, shorter journal (the only path that rewrites the journal's tail)."""
    other = Store.open(store.directory, clock=fixed_clock)
    copy = store._copy_for_fold
    captured = []

    def copy_then_capture(only_if_due: bool):
        taken = copy(only_if_due)
        captured.append(capture(other, "landed while the fold wrote", customer="Initech"))
        acknowledge()
        return taken

    store._copy_for_fold = copy_then_capture
    try:
        store.fold()
    except OSError:
        if not captured:
            raise  # the capture failed: its user is told so
        # else the fold's own failure: the capture was acknowledged before it
    finally:
        del store._copy_for_fold
        other.close()


OPERATIONS["capture during a fold"] = capture_during_a_fold
FOLDS = ("in the same call", "afterwards")
CASES = [(name, fold) for name in OPERATIONS for fold in FOLDS if name != "capture during a fold"]
CASES.append(("capture during a fold", "itself"))


@pytest.fixture(scope="module", params=["changes in the journal", "journal just folded"])
def template(request, tmp_path_factory) -> Path:
    """A small workspace with a history: folded until the next fold keeps a new base snapshot (so
    it rotates the older backups out), a retro at its last phase before Closed; then either a
    change still in the journal, or no journal at all (the next change creates it, and makes its
    folder entry durable)."""
    root = tmp_path_factory.mktemp("template")
    (root / "files").mkdir()
    (root / "files" / "feedback.csv").write_text(IMPORT_CSV, encoding="utf-8")
    store = Store.open(root / "ws", clock=fixed_clock)
    try:
        for text in ("Invoices are slow to load", "invoices load slowly", "Invoice page takes ages"):
            capture(store, text, customer="Acme")
            store.fold()
        add_area(store, "Billing")
        add_area(store, "Mobile")
        add_area(store, "Invoices", parent="A-2")
        retro = retros.start_retro(store, next(t for t in SHIPPED_TEMPLATES if t.name == "Start/Stop/Continue"), team="Web squad")
        while retro.phase != "actions":
            retro = retros.move_phase(store, retro.id, +1)
        store.fold()
        for n in range(100):
            if rebase_due(backup_files(root / "ws" / "backups"), new_segment_bytes=0):
                break
            capture(store, f"Invoice export times out ({n})", customer="Acme")
            store.fold()
        if request.param == "changes in the journal":
            capture(store, "still in the journal", customer="Globex")
    finally:
        store.close()
    found = backup_files(root / "ws" / "backups")
    assert rebase_due(found, new_segment_bytes=0) and not rotated_out(found) and len(found) >= 2  # the next fold removes both
    return root


def records(store: Store) -> dict[str, dict[int, dict]]:
    """Everything the workspace holds, as the user's records (not the bookkeeping around them)."""
    return {t.KIND: {r.number: r.to_dict() for r in store.all(t)} for t in RECORD_TYPES}


def fresh_copy(template: Path, where: Path) -> Path:
    shutil.copytree(template, where)
    return where


def open_store(root: Path, fold: str) -> Store:
    store = Store.open(root / "ws", clock=fixed_clock)
    if fold == "in the same call":
        store.fold_due = lambda: True  # every change folds, so the fold's steps are on its path
    else:
        store.defer_folds()
    return store


def run(store: Store, root: Path, name: str, fold: str) -> None:
    """The operation as a user's program runs it; raises if the user is told it failed."""
    OPERATIONS[name](store, root / "files")
    acknowledge()
    if fold == "afterwards":
        try:
            store.fold()
        except OSError:
            pass  # the fold's own failure: the change was acknowledged before it (the app notifies)


@pytest.fixture(scope="module")
def expected(template, tmp_path_factory) -> dict[tuple[str, str], tuple[dict, dict, Steps]]:
    """Per operation and fold: the records before, after a faultless run, and its write steps
    (with the step at which the user is told "done")."""
    found = {}
    before_root = fresh_copy(template, tmp_path_factory.mktemp("before") / "copy")
    store = Store.open(before_root / "ws", clock=fixed_clock)
    before = records(store)
    store.close()
    for name, fold in CASES:
        root = fresh_copy(template, tmp_path_factory.mktemp("clean") / "copy")
        store = open_store(root, fold)
        steps = record(partial(run, store, root, name, fold))
        assert steps.acknowledged is not None
        store.close()
        store = Store.open(root / "ws", clock=fixed_clock)
        after = records(store)
        store.close()
        assert after != before
        found[name, fold] = (before, after, steps)
    return found


def check_workspace(root: Path, outcome: int | None, before: dict, after: dict, where: str) -> None:
    # Opened as the next command would (through the cache), and from the files alone: the cache
    # is derived data, deleted and rebuilt at will, so the snapshot and journal must hold it all.
    for use_cache in (True, False):
        reopened = Store.open(root / "ws", clock=fixed_clock, use_cache=use_cache)  # it opens: no repair needed
        try:
            now = records(reopened)
        finally:
            reopened.close()
        seen = f"{where} ({'through the cache' if use_cache else 'the files alone'})"
        if outcome == DONE:
            assert now == after, f"{seen}: reported done but not all there"
        elif outcome == FAILED:
            assert now == before, f"{seen}: reported failed but stored (a retry would duplicate it)"
        else:
            assert now in (before, after), f"{seen}: half-applied after a kill"
    report = doctor.check(root / "ws", fixed_clock)
    assert report.ok, f"{where}: doctor: {report.lines}"


@pytest.mark.parametrize(("name", "fold"), CASES)
def test_a_failing_write_step_means_not_stored_and_a_retry_stores_it_once(name, fold, expected, template, tmp_path):
    before, after, clean_run = expected[name, fold]
    for index, label in enumerate(clean_run.seen):
        where = f"{name}, fold {fold}, step {index} {label} fails"
        root = fresh_copy(template, tmp_path / f"case{index}")
        store = open_store(root, fold)
        try:
            fault = Steps(fail_at=index)
            with watching(fault):
                try:
                    run(store, root, name, fold)
                    outcome = DONE
                except Exception:  # noqa: BLE001 - whatever the user is shown, it means "not stored"
                    outcome = FAILED
            assert fault.failed == label, f"{where}: the run took another path ({fault.seen})"
            told = "done" if outcome == DONE else "failed"
            if fold == "itself":
                store.refresh()  # the change was another store's: this one learns of it as the app does
            assert records(store) == (after if outcome == DONE else before), f"{where}: reported {told}, the open store says otherwise"
            check_workspace(root, outcome, before, after, where)
            if outcome == FAILED:
                run(store, root, name, fold)  # the user tries again once the disk has room
                check_workspace(root, DONE, before, after, where + ", then retried")
        finally:
            store.close()


@pytest.mark.parametrize(("name", "fold"), CASES)
def test_a_process_killed_at_any_write_step_leaves_all_or_nothing(name, fold, expected, template, tmp_path):
    before, after, clean_run = expected[name, fold]
    steps = clean_run.seen
    for index, label in enumerate([*steps, "after the last step"]):
        where = f"{name}, fold {fold}, killed at step {index} {label}"
        root = fresh_copy(template, tmp_path / f"case{index}")
        outcome = _in_child(partial(_run_killed_at, root, name, fold, index))
        assert outcome in (DONE, FAILED, KILLED), f"{where}: the child ended with {outcome}"
        if index < len(steps):
            assert outcome == KILLED, f"{where}: the run took another path"
        if outcome == KILLED and index >= clean_run.acknowledged:
            outcome = DONE  # killed after the user was told "done" (in the fold that followed): it must stay
        check_workspace(root, outcome if outcome != KILLED else None, before, after, where)


def _run_killed_at(root: Path, name: str, fold: str, index: int) -> int:
    store = open_store(root, fold)
    with watching(Steps(kill_at=index)):
        try:
            run(store, root, name, fold)
        except Exception:  # noqa: BLE001
            return FAILED
    return DONE


def _in_child(body: Callable[[], int]) -> int:
    """Run `body` in a forked process (a real death: no finally, no cleanup) and return its status."""
    pid = os.fork()
    if pid == 0:
        status = 3
        try:
            status = body()
        finally:
            os._exit(status)
    _, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status)
