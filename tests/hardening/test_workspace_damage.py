"""Damage an attack did to a workspace on disk (issue 24), each as the attacker did it.

The rule each test holds: a workspace whose files lost something is refused, in one line that
names the file and `prodops doctor --repair`; doctor names what is wrong; repair restores from
the newest intact copy (a backup, the journal's segments, the cache) and sets aside, never
deletes, what no copy holds; no id is ever given twice.
"""

from __future__ import annotations

import errno
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage import doctor
from prodops_tui.core.storage import store as store_module
from prodops_tui.core.storage.store import JOURNAL_NAME, SNAPSHOT_NAME, Store

from ..conftest import TEST_DATA, fixed_clock


def capture(store: Store, text: str) -> str:
    with store.change("captured feedback", origin="cli") as tx:
        return tx.add(FeedbackItem(text=text, received_at="2026-11-20T10:00:00Z")).id


@pytest.fixture
def fifty_items(workspace: Path) -> Path:
    """50 items: the first 30 folded into prodops.json (their journal kept in backups/), 20 in the journal."""
    store = Store.open(workspace, clock=fixed_clock)
    for n in range(1, 51):
        capture(store, f"item {n}")
        if n == 30:
            assert store.fold()
    store.close()
    assert json.loads((workspace / SNAPSHOT_NAME).read_text())["_meta"]["1"]["folded_seq"] == 30
    return workspace


def texts(workspace: Path) -> list[str]:
    store = Store.open(workspace, clock=fixed_clock)
    try:
        return sorted((item.text for item in store.all(FeedbackItem)), key=lambda t: int(t.split()[-1]) if t[-1].isdigit() else 0)
    finally:
        store.close()


def refused_in_one_line(result, naming: str) -> None:
    assert result.returncode == 1, result
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("prodops: error: "), result.stderr
    assert naming in result.stderr and "prodops doctor --repair" in result.stderr, result.stderr
    assert "internal error" not in result.stderr


# Defect 2 -------------------------------------------------------------------------------------


def test_a_deleted_snapshot_is_refused_and_repair_restores_every_item_from_the_backups(fifty_items, prodops):
    (fifty_items / SNAPSHOT_NAME).unlink()

    refused_in_one_line(prodops("list", "feedback"), SNAPSHOT_NAME)
    refused_in_one_line(prodops("capture", "written on top of the loss"), SNAPSHOT_NAME)
    assert not (fifty_items / SNAPSHOT_NAME).exists(), "an empty snapshot was written over the loss"
    checked = prodops("doctor")
    assert checked.returncode == 1 and "error" in checked.stdout and SNAPSHOT_NAME in checked.stdout

    repaired = prodops("doctor", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert texts(fifty_items) == [f"item {n}" for n in range(1, 51)]
    for _ in range(3):  # the backups rotate: what repair made must hold everything itself
        capture_result = prodops("capture", "one more")
        assert capture_result.returncode == 0
        assert prodops("compact").returncode == 0
    listing = prodops("list", "feedback", "--status", "all", "--json")
    assert len(json.loads(listing.stdout)) == 53
    assert prodops("doctor").returncode == 0


def test_a_deleted_snapshot_with_the_cache_deleted_too_is_still_refused(fifty_items, prodops):
    (fifty_items / SNAPSHOT_NAME).unlink()
    (fifty_items / "cache.sqlite").unlink()
    refused_in_one_line(prodops("list", "feedback"), SNAPSHOT_NAME)
    assert prodops("doctor", "--repair").returncode == 0
    assert len(texts(fifty_items)) == 50


def test_a_snapshot_replaced_by_an_older_copy_is_refused(fifty_items, prodops):
    """The backups hold changes newer than what is read: an old prodops.json put back."""
    store = Store.open(fifty_items, clock=fixed_clock)
    assert store.fold()  # snapshot at 50, the one at 30 kept in backups/
    store.close()
    shutil.copy(fifty_items / "backups" / "prodops.0000000030.json", fifty_items / SNAPSHOT_NAME)
    (fifty_items / "cache.sqlite").unlink()
    refused_in_one_line(prodops("list", "feedback"), SNAPSHOT_NAME)
    assert prodops("doctor", "--repair").returncode == 0
    assert len(texts(fifty_items)) == 50


# Defects 3, 4 and 8: journal lines no command could write ---------------------------------------


@pytest.mark.parametrize("line", [
    b'{"seq":999,"ops":"not a list"}',  # defect 3
    b'{"seq":51,"v":1,"at":"2026-11-24T15:00:00Z","ops":[["put","martian",1,{}]]}',  # defect 4
    b'{"seq":51,"v":1,"at":"2026-11-24T15:00:00Z","ops":[["put","feedback",51,{"id":"F-51","text":12345}]]}',  # defect 8
    b'{"seq":51,"v":1,"at":"2026-11-24T15:00:00Z","ops":[["put","feedback",51,{"id":"F-51","status":"martian"}]]}',
    b'{"seq":51,"v":1,"at":"2026-11-24T15:00:00Z","ops":[["put","feedback",52,{"id":"F-51"}]]}',
    b'{"seq":51,"ops":[["put","feedback",51]]}',
    b'[1, 2, 3]',
])
def test_a_journal_line_of_the_wrong_shape_is_named_and_repair_sets_it_aside(fifty_items, prodops, line):
    journal = fifty_items / JOURNAL_NAME
    with open(journal, "ab") as fh:
        fh.write(line + b"\n")
    last_line = journal.read_bytes().count(b"\n")

    for args in (("list", "feedback"), ("capture", "more"), ("search", "item")):
        refused_in_one_line(prodops(*args), f"line {last_line} is damaged")
    checked = prodops("doctor")
    assert checked.returncode == 1 and f"line {last_line} is damaged" in checked.stdout

    repaired = prodops("doctor", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert "1 damaged journal line(s) set aside" in repaired.stdout
    assert next(fifty_items.glob("damaged-journal-lines-*.jsonl")).read_bytes() == line + b"\n"
    assert texts(fifty_items) == [f"item {n}" for n in range(1, 51)]
    assert prodops("capture", "after the repair").stdout.strip() == "F-51"


def test_a_gap_in_the_journal_is_refused_not_read_past(fifty_items, prodops):
    journal = fifty_items / JOURNAL_NAME
    lines = journal.read_bytes().split(b"\n")
    del lines[5]  # one whole line of the twenty: change 36
    journal.write_bytes(b"\n".join(lines))
    (fifty_items / "cache.sqlite").unlink()
    refused_in_one_line(prodops("list", "feedback"), "change 36 missing")


# Defect 8: a cut tail ---------------------------------------------------------------------------


@pytest.mark.parametrize("with_cache", [False, True], ids=["cache deleted too", "cache kept"])
def test_a_journal_cut_short_is_reported_and_no_id_is_given_again(fifty_items, prodops, with_cache):
    journal = fifty_items / JOURNAL_NAME
    data = journal.read_bytes()
    journal.write_bytes(data[:-25])  # the acknowledged change F-50, cut
    if not with_cache:
        (fifty_items / "cache.sqlite").unlink()

    checked = prodops("doctor")
    assert checked.returncode == 1
    assert "it ends at change 49, but change 50 was written" in checked.stdout
    torn = len(data) - 25 - (data[:-25].rfind(b"\n") + 1)
    assert f"{torn:,} bytes of an unfinished line (after line 19): the rest of change 50, which was acknowledged" in checked.stdout
    refused_in_one_line(prodops("capture", "would take F-50 again"), JOURNAL_NAME)

    repaired = prodops("doctor", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    if with_cache:  # the cache still held the change the journal lost
        assert "cache.sqlite" in repaired.stdout
        assert texts(fifty_items) == [f"item {n}" for n in range(1, 51)]
    else:
        assert texts(fifty_items) == [f"item {n}" for n in range(1, 50)]
    assert prodops("capture", "after the repair").stdout.strip() == "F-51"
    assert prodops("doctor").returncode == 0


def test_an_unfinished_last_line_that_was_never_acknowledged_is_a_warning_not_damage(fifty_items, prodops):
    """A process killed while writing leaves a torn line it never reported: nothing is lost."""
    with open(fifty_items / JOURNAL_NAME, "ab") as fh:
        fh.write(b'{"seq":51,"v":1,"ops":[["put","feedb')
    checked = prodops("doctor")
    assert checked.returncode == 0
    assert "unfinished line" in checked.stdout and "nothing is lost" in checked.stdout
    assert prodops("capture", "next").stdout.strip() == "F-51"
    assert len(texts(fifty_items)) == 51


def test_an_unfinished_line_alone_in_the_journal_after_a_fold_is_a_warning_not_damage(fifty_items, prodops):
    """The fold left no journal; a process then died writing change 51: the only line is torn,
    and the change issued.json names (50) is in the snapshot, not lost."""
    store = Store.open(fifty_items, clock=fixed_clock)
    assert store.fold()
    store.close()
    assert not (fifty_items / JOURNAL_NAME).exists()
    (fifty_items / JOURNAL_NAME).write_bytes(b'{"seq":51,"v":1,"ops":[["put","feedb')
    checked = prodops("doctor")
    assert checked.returncode == 0, checked.stdout
    assert "never acknowledged (nothing is lost)" in checked.stdout


# Defect 7 ---------------------------------------------------------------------------------------


def test_one_damaged_record_is_restored_from_the_journal_kept_in_backups(fifty_items, prodops):
    snapshot = fifty_items / SNAPSHOT_NAME
    data = json.loads(snapshot.read_text())
    data["feedback"]["7"]["text"] = 12345
    snapshot.write_text(json.dumps(data))
    (fifty_items / "cache.sqlite").unlink()

    refused_in_one_line(prodops("list", "feedback"), "table feedback, record 7")
    repaired = prodops("doctor", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert "F-7 from the journal (change 7)" in repaired.stdout and "set aside" not in repaired.stdout
    assert texts(fifty_items) == [f"item {n}" for n in range(1, 51)]


def test_one_damaged_record_is_restored_from_an_older_snapshot_when_no_journal_holds_it(fifty_items, prodops):
    store = Store.open(fifty_items, clock=fixed_clock)
    assert store.fold()  # backups: the snapshots at 0 and 30, the journal segments 1-30 and 31-50
    store.close()
    for segment in (fifty_items / "backups").glob("journal.*.jsonl"):
        segment.unlink()
    (fifty_items / "cache.sqlite").unlink()  # holds it too, and newer (test below)
    snapshot = fifty_items / SNAPSHOT_NAME
    data = json.loads(snapshot.read_text())
    data["feedback"]["7"] = {"bogus": 1}
    snapshot.write_text(json.dumps(data))

    repaired = prodops("doctor", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert "F-7 from backups/prodops.0000000030.json" in repaired.stdout
    assert texts(fifty_items) == [f"item {n}" for n in range(1, 51)]


def test_a_damaged_record_is_restored_from_its_newest_intact_copy_not_the_first_found(workspace, prodops):
    """F-7 archived at change 11, that line of the journal lost: the journal's newest intact put
    of F-7 is change 7 (new), older than the backup of change 30 that holds it archived. (This
    version's folds remove a segment once a newer snapshot is kept; an older version kept it
    beside three snapshots, and such backups are still read.)"""
    store = Store.open(workspace, clock=fixed_clock)
    for n in range(1, 31):
        capture(store, f"item {n}")
        if n == 10:
            with store.change("archived F-7") as tx:
                tx.put(replace(tx.require("F-7"), status="archived"))
    assert store.fold()
    segment = next((workspace / "backups").glob("journal.0000000001-*.jsonl"))
    as_an_older_version_kept_it = segment.read_bytes()
    for n in range(31, 41):
        capture(store, f"item {n}")
    assert store.fold()
    store.close()
    assert not segment.exists()
    segment.write_bytes(as_an_older_version_kept_it)
    lines = segment.read_bytes().split(b"\n")
    assert b'"archived F-7"' in lines[10]
    lines[10] = b"#garbage#"
    segment.write_bytes(b"\n".join(lines))
    snapshot = workspace / SNAPSHOT_NAME
    data = json.loads(snapshot.read_text())
    data["feedback"]["7"]["status"] = "martian"
    snapshot.write_text(json.dumps(data))
    (workspace / "cache.sqlite").unlink()

    repaired = prodops("doctor", "--repair")
    assert "F-7 from backups/prodops.0000000031.json" in repaired.stdout, repaired.stdout
    restored = Store.open(workspace, clock=fixed_clock)
    assert restored.get("F-7").status == "archived" and restored.count(FeedbackItem) == 40
    restored.close()


# Defect 6 ---------------------------------------------------------------------------------------


def test_compact_that_folds_says_so_once_when_only_the_search_words_cannot_be_written(prodops, workspace, monkeypatch):
    """Under `ulimit -f 8` the fold fitted and SQLite then could not write search.sqlite: the
    command printed "folded …" and then an internal error, exit 1, though the fold happened."""
    import sqlite3

    from prodops_tui.core.search import stored

    for n in range(3):
        assert prodops("capture", f"item {n}").returncode == 0

    def disk_io_error(path, **_kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(stored, "open_derived", disk_io_error)
    result = prodops("compact")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("folded the journal into")
    assert "disk I/O error" in result.stdout
    assert json.loads((workspace / SNAPSHOT_NAME).read_text())["_meta"]["1"]["folded_seq"] == 3


# Defect 10 --------------------------------------------------------------------------------------


def test_no_warning_about_folding_while_folds_run_or_succeed(prodops, workspace, monkeypatch):
    """A big import outruns the folds that follow it: the journal is far past due for a while,
    though no fold failed. Commands said "…without being folded" 8 times in such an import."""
    from prodops_tui import cli
    from prodops_tui.core.storage.fold_turn import fold_turn

    monkeypatch.setattr(store_module, "FOLD_MIN_BYTES", 2_000)
    monkeypatch.setattr(store_module, "FIRST_FOLD_BYTES", 2_000)
    monkeypatch.setattr(cli, "fold_in_background", lambda directory, clock: None)  # each fold lags behind
    assert prodops("capture", "first").returncode == 0
    store = Store.open(workspace, clock=fixed_clock)
    assert store.fold()  # the last fold succeeded
    store.close()
    for n in range(40):
        result = prodops("capture", f"feedback number {n} with enough words to grow the journal past due")
        assert result.returncode == 0 and result.stderr == "", result.stderr
    with fold_turn(workspace, fixed_clock, wait=False) as ours:  # a fold is running now
        assert ours
        result = prodops("capture", "while a fold runs")
        assert result.returncode == 0 and result.stderr == ""
    store = Store.open(workspace, clock=fixed_clock)
    assert store.fold_due() and store.journal_bytes > 4 * 2_000  # far past due all along
    store.close()


def test_a_fold_that_was_killed_is_said_as_one_that_failed(prodops, workspace, monkeypatch):
    from prodops_tui import cli

    monkeypatch.setattr(store_module, "FOLD_MIN_BYTES", 2_000)
    monkeypatch.setattr(store_module, "FIRST_FOLD_BYTES", 2_000)
    monkeypatch.setattr(cli, "fold_in_background", lambda directory, clock: None)
    (workspace.mkdir(parents=True))
    (workspace / "fold.lock").write_text("running since 2026-11-24T15:00:00Z (process 4242), or killed before it finished")
    for n in range(40):
        result = prodops("capture", f"feedback number {n} with enough words to grow the journal past due")
    assert "without being folded (the last fold was stopped before it finished)" in result.stderr
    assert "the journal is not being folded" in prodops("doctor").stdout


def test_a_background_fold_that_cannot_start_is_a_failed_fold_not_an_error_for_the_change(prodops, workspace, monkeypatch):
    def no_processes(*args, **kwargs):
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(store_module.subprocess, "Popen", no_processes)
    monkeypatch.setattr(store_module.Store, "fold_due", lambda self: True)
    result = prodops("capture", "stored all the same")
    assert result.returncode == 0 and result.stdout.strip() == "F-1", result.stderr
    assert "could not start" in (workspace / "fold.lock").read_text()


# Defect 11 --------------------------------------------------------------------------------------


def test_the_first_real_import_leaves_a_folded_snapshot_and_a_backup(prodops, workspace, monkeypatch):
    """849 real reviews left a 742 KB journal beside a 101-byte snapshot, and no backup."""
    from prodops_tui import cli

    folds = []

    def fold_here(directory, clock):  # what the detached `prodops compact --if-due` does
        store = Store.open(directory, clock=clock)
        try:
            folds.append(store.fold(only_if_due=True))
        finally:
            store.close()

    monkeypatch.setattr(cli, "fold_in_background", fold_here)
    imported = prodops("import", "feedback", str(TEST_DATA / "app_store_reviews.csv"))
    assert imported.returncode == 0, imported.stderr
    assert folds == [True]
    snapshot = json.loads((workspace / SNAPSHOT_NAME).read_text())
    assert len(snapshot["feedback"]) == 800
    report = doctor.check(workspace, fixed_clock)
    assert report.ok and any("backups/ can restore up to change 1" in line for line in report.lines), report.lines


def test_a_few_hundred_captures_are_folded_and_backed_up(workspace):
    store = Store.open(workspace, clock=fixed_clock)
    for n in range(300):
        capture(store, f"a customer's feedback number {n}, a sentence or two long as most are")
    store.close()
    assert list((workspace / "backups").glob("prodops.*.json")) and list((workspace / "backups").glob("journal.*.jsonl"))
    assert json.loads((workspace / SNAPSHOT_NAME).read_text())["_meta"]["1"]["folded_seq"] > 0


def test_an_open_store_that_finds_the_journal_cut_refuses_every_later_change_until_repaired(fifty_items):
    """The app open while the journal is cut: its next look at the disk finds the loss, and no
    change it makes afterwards is built on what is left (it would leave a gap after change 49)."""
    from prodops_tui.core.errors import WorkspaceCorrupt

    app_store = Store.open(fifty_items, clock=fixed_clock)
    app_store.load_all()
    journal = fifty_items / JOURNAL_NAME
    journal.write_bytes(journal.read_bytes()[:-25])
    with pytest.raises(WorkspaceCorrupt):
        app_store.refresh()
    for _ in range(2):
        with pytest.raises(WorkspaceCorrupt, match=r"journal\.jsonl"):
            capture(app_store, "built on the loss")
    assert b"built on the loss" not in journal.read_bytes()
    doctor.repair(fifty_items, fixed_clock)
    assert capture(app_store, "after the repair") == "F-51"
    app_store.close()


def test_a_cut_journal_under_a_touched_snapshot_is_still_repaired_from_the_cache(fifty_items):
    """A snapshot the cache no longer recognises (touched, copied back by a sync tool) made every
    open rebuild the cache from the files: the one copy of the lost change was overwritten by
    the reduced state before the check refused it, and repair then had nothing to take it from."""
    import os

    journal = fifty_items / JOURNAL_NAME
    journal.write_bytes(journal.read_bytes()[:-25])
    os.utime(fifty_items / SNAPSHOT_NAME, ns=(1, 1))
    report = doctor.check(fifty_items, fixed_clock)
    assert not report.ok
    message = doctor.repair(fifty_items, fixed_clock)
    assert "cache.sqlite" in message
    assert texts(fifty_items) == [f"item {n}" for n in range(1, 51)]


def test_a_damaged_workspace_is_not_read_again_on_every_change_while_its_files_stay_as_they_were(fifty_items, monkeypatch):
    """At 100,000 items a reload is seconds: each refused key press must not pay it again."""
    from prodops_tui.core.errors import WorkspaceCorrupt

    app_store = Store.open(fifty_items, clock=fixed_clock)
    journal = fifty_items / JOURNAL_NAME
    journal.write_bytes(journal.read_bytes()[:-25])
    with pytest.raises(WorkspaceCorrupt):
        app_store.refresh()
    reloads = []
    real_reload = Store._reload
    monkeypatch.setattr(Store, "_reload", lambda self: (reloads.append(1), real_reload(self))[1])
    for _ in range(3):
        with pytest.raises(WorkspaceCorrupt, match="change 50 was written"):
            capture(app_store, "refused")
    assert reloads == []
    doctor.repair(fifty_items, fixed_clock)  # the files change
    assert capture(app_store, "after the repair") == "F-51" and reloads  # read again, and whole now
    app_store.close()


def test_repair_makes_the_search_words_start_over_without_deleting_a_file_another_process_has_open(fifty_items):
    from prodops_tui.core.search.stored import SEARCH_DB_NAME, StoredSearch

    store = Store.open(fifty_items, clock=fixed_clock)
    open_elsewhere = StoredSearch(store)  # the app's search, open while repair runs
    open_elsewhere.refresh()
    store.close()
    inode = (fifty_items / SEARCH_DB_NAME).stat().st_ino
    journal = fifty_items / JOURNAL_NAME
    journal.write_bytes(journal.read_bytes()[:-25])
    (fifty_items / "cache.sqlite").unlink()  # F-50 is lost with it

    doctor.repair(fifty_items, fixed_clock)

    assert (fifty_items / SEARCH_DB_NAME).stat().st_ino == inode
    store = Store.open(fifty_items, clock=fixed_clock)
    stored = StoredSearch(store)
    stored.refresh()
    assert stored.rebuilt
    assert not [hit for hit in stored.search("item 50", limit=50).hits if hit.id == "F-50"]
    stored.close()
    open_elsewhere.close()
    store.close()
