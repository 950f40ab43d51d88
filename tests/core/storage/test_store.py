"""The durable workspace: each requirement of the store, as a user would notice it broken."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest

from prodops_tui.core.errors import ChangeRefused, NothingToUndo, UndoConflict, WorkspaceCorrupt, WorkspaceTooNew
from prodops_tui.core.model import Change, FeedbackItem
from prodops_tui.core.storage import files as files_module
from prodops_tui.core.storage import store as store_module
from prodops_tui.core.storage.backups import backup_files
from prodops_tui.core.storage.doctor import repair
from prodops_tui.core.storage.store import JOURNAL_NAME, SNAPSHOT_NAME, Store

from ...conftest import fixed_clock

REPO = Path(__file__).resolve().parents[3]


def add_feedback(store: Store, text: str) -> FeedbackItem:
    with store.change("captured feedback") as tx:
        return tx.add(FeedbackItem(text=text))


def archive(store: Store, item_id: str) -> None:
    with store.change(f"archived {item_id}") as tx:
        tx.put(replace(tx.require(item_id), status="archived"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True, env=env, timeout=120,
                          check=False)


# 1. Atomic ---------------------------------------------------------------------


def test_a_crash_between_temp_write_and_rename_leaves_the_old_snapshot_readable(store, workspace, monkeypatch):
    add_feedback(store, "kept before the crash")
    store.fold()
    before = digest(workspace / SNAPSHOT_NAME)
    add_feedback(store, "written after")

    def crash(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module.os, "replace", crash)
    with pytest.raises(OSError):
        store.fold()
    monkeypatch.undo()

    assert digest(workspace / SNAPSHOT_NAME) == before
    assert not list(workspace.glob(".*.tmp")), "the half-written temp file is cleaned up"
    reopened = Store.open(workspace, clock=fixed_clock)
    assert sorted(i.text for i in reopened.all(FeedbackItem)) == ["kept before the crash", "written after"]


def test_a_torn_last_journal_line_is_ignored_and_cut_before_the_next_write(store, workspace):
    add_feedback(store, "complete")
    with open(workspace / JOURNAL_NAME, "ab") as journal:
        journal.write(b'{"seq": 99, "ops": [["put", "feedb')  # the process died mid-write
    reopened = Store.open(workspace, clock=fixed_clock)
    assert [i.text for i in reopened.all(FeedbackItem)] == ["complete"]
    add_feedback(reopened, "after the tear")
    third = Store.open(workspace, clock=fixed_clock)
    assert sorted(i.text for i in third.all(FeedbackItem)) == ["after the tear", "complete"]


# 2. Durable per change ---------------------------------------------------------


def test_a_reported_change_survives_the_process_dying_right_after(workspace):
    result = run_python(
        """
        import os, sys
        from prodops_tui.core.storage.store import Store
        from prodops_tui.core.model import FeedbackItem
        store = Store.open(sys.argv[1], clock=lambda: "2026-11-24T15:00:00Z")
        with store.change("capture") as tx:
            item = tx.add(FeedbackItem(text="said before dying"))
        print(item.id, flush=True)
        os._exit(0)  # no close, no fold, no cleanup
        """,
        str(workspace),
    )
    assert result.returncode == 0, result.stderr
    reopened = Store.open(workspace, clock=fixed_clock)
    assert reopened.get(result.stdout.strip()).text == "said before dying"


# 3. Cost independent of size ---------------------------------------------------


def test_a_single_change_appends_to_the_journal_and_leaves_the_snapshot_alone(store, workspace):
    with store.change("bulk") as tx:
        for n in range(2000):
            tx.add(FeedbackItem(text=f"item {n}"))
    store.fold()
    snapshot_before = (workspace / SNAPSHOT_NAME).stat()
    archive(store, "F-7")
    snapshot_after = (workspace / SNAPSHOT_NAME).stat()
    assert (snapshot_after.st_ino, snapshot_after.st_mtime_ns) == (snapshot_before.st_ino, snapshot_before.st_mtime_ns)
    assert (workspace / JOURNAL_NAME).stat().st_size < 5_000


def test_the_journal_is_folded_once_it_outgrows_a_quarter_of_the_snapshot(workspace):
    small = Store.open(workspace, clock=fixed_clock, fold_min_bytes=2_000)
    folds = 0
    for n in range(60):
        snapshot_inode = (workspace / SNAPSHOT_NAME).stat().st_ino
        add_feedback(small, f"feedback number {n} " + "x" * 100)
        journal = workspace / JOURNAL_NAME
        journal_size = journal.stat().st_size if journal.exists() else 0
        assert journal_size < max(2_000, (workspace / SNAPSHOT_NAME).stat().st_size // 4)
        folds += (workspace / SNAPSHOT_NAME).stat().st_ino != snapshot_inode
    assert folds >= 3
    kept = backup_files(workspace / "backups")
    assert [b.last for b in kept if b.is_snapshot] == [kept[0].last]  # one snapshot, the base
    assert [b.first for b in kept[1:]] == [b.last + 1 for b in kept[:-1]]  # and segments that replay from it
    assert Store.open(workspace, clock=fixed_clock).count(FeedbackItem) == 60


# 4. Many processes -------------------------------------------------------------

WRITER = """
import sys
from prodops_tui.core.storage.store import Store
from prodops_tui.core.model import FeedbackItem
store = Store.open(sys.argv[1], clock=lambda: "2026-11-24T15:00:00Z", fold_min_bytes=20_000)
for n in range(int(sys.argv[3])):
    with store.change("capture", origin="cli") as tx:
        tx.add(FeedbackItem(text=f"{sys.argv[2]}-{n}"))
"""


def test_several_processes_capturing_at_once_lose_nothing_and_never_share_an_id(store, workspace):
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(workspace), f"w{w}", "60"], env=dict(os.environ, PYTHONPATH=str(REPO)), stderr=subprocess.PIPE, text=True)
        for w in range(4)
    ]
    for writer in writers:
        assert writer.wait(timeout=180) == 0, writer.stderr.read()

    assert store.refresh(), "the open store notices what other processes wrote"
    items = store.all(FeedbackItem)
    assert len(items) == 240
    assert len({i.id for i in items}) == 240
    assert sorted(i.number for i in items) == list(range(1, 241))
    assert {i.text for i in items} == {f"w{w}-{n}" for w in range(4) for n in range(60)}
    assert Store.open(workspace, clock=fixed_clock).count(FeedbackItem) == 240


def test_an_open_store_sees_another_process_change_and_an_update_is_never_lost(store, workspace):
    add_feedback(store, "shared")
    other = Store.open(workspace, clock=fixed_clock)
    archive(other, "F-1")
    # Without refreshing, a write here still starts from the other process's state.
    with store.change("tag") as tx:
        tx.put(replace(tx.require("F-1"), tags=["export"]))
    final = Store.open(workspace, clock=fixed_clock).get("F-1")
    assert (final.status, final.tags) == ("archived", ["export"])


def test_ids_are_never_reused_even_after_the_newest_record_is_deleted_and_folded(store, workspace):
    add_feedback(store, "one")
    two = add_feedback(store, "two")
    with store.change("delete") as tx:
        tx.delete(two.id)
    store.fold()
    assert add_feedback(Store.open(workspace, clock=fixed_clock), "three").id == "F-3"


# 5. Versioned ------------------------------------------------------------------


def test_a_workspace_from_a_newer_version_is_refused_and_left_untouched(store, workspace):
    add_feedback(store, "from the future")
    store.fold()
    data = json.loads((workspace / SNAPSHOT_NAME).read_text())
    data["_meta"]["1"]["schema_version"] = store_module.SCHEMA_VERSION + 1
    (workspace / SNAPSHOT_NAME).write_text(json.dumps(data))
    before = digest(workspace / SNAPSHOT_NAME)
    with pytest.raises(WorkspaceTooNew, match="newer prodops"):
        Store.open(workspace, clock=fixed_clock)
    assert digest(workspace / SNAPSHOT_NAME) == before


@pytest.mark.parametrize("cache", ["kept", "deleted"])
def test_an_older_workspace_is_migrated_on_open_and_the_original_kept(store, workspace, monkeypatch, cache):
    add_feedback(store, "old layout")
    store.close()
    if cache == "deleted":  # read from the files: the journal is read only by the migration
        (workspace / "cache.sqlite").unlink()

    def rename_text_field(raw):
        for doc in raw.get("feedback", {}).values():
            doc["text"] = doc["text"].upper()
        return raw

    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(store_module, "MIGRATIONS", {1: rename_text_field})
    migrated = Store.open(workspace, clock=fixed_clock)
    assert migrated.get("F-1").text == "OLD LAYOUT"
    assert json.loads((workspace / SNAPSHOT_NAME).read_text())["_meta"]["1"]["schema_version"] == 2
    assert (workspace / "backups" / "prodops.schema-1.json").exists()


# 6. Never overwrite what cannot be read ------------------------------------------


@pytest.mark.parametrize("damage", [b"", b'{"_meta": {"1": {"schema_ver', b"\xff\xfe not json", b"[1, 2, 3]"])
def test_a_damaged_snapshot_is_refused_naming_the_file_and_nothing_is_written(store, workspace, damage):
    add_feedback(store, "precious")
    store.fold()
    (workspace / SNAPSHOT_NAME).write_bytes(damage)
    with pytest.raises(WorkspaceCorrupt) as refused:
        Store.open(workspace, clock=fixed_clock)
    assert str(workspace / SNAPSHOT_NAME) in str(refused.value)
    assert "prodops doctor" in str(refused.value)
    assert (workspace / SNAPSHOT_NAME).read_bytes() == damage


def test_a_damaged_journal_line_is_refused(store, workspace):
    add_feedback(store, "one")
    add_feedback(store, "two")
    lines = (workspace / JOURNAL_NAME).read_bytes().split(b"\n")
    lines[0] = lines[0][:20] + b"###" + lines[0][23:]
    (workspace / JOURNAL_NAME).write_bytes(b"\n".join(lines))
    with pytest.raises(WorkspaceCorrupt, match=r"journal\.jsonl"):
        Store.open(workspace, clock=fixed_clock)


def test_doctor_repair_restores_the_newest_backup_plus_the_journal(workspace):
    store = Store.open(workspace, clock=fixed_clock, fold_min_bytes=1)  # fold after every change
    for text in ("first", "second", "third"):
        add_feedback(store, text)
    store.fold_min_bytes = 1 << 30
    add_feedback(store, "only in the journal")
    damaged = b'{"_meta": {"1": {"sch'
    (workspace / SNAPSHOT_NAME).write_bytes(damaged)

    message = repair(workspace, fixed_clock)

    restored = Store.open(workspace, clock=fixed_clock)
    assert sorted(i.text for i in restored.all(FeedbackItem)) == ["first", "only in the journal", "second", "third"]
    assert "restored from" in message
    kept = list(workspace.glob(f"{SNAPSHOT_NAME}.before-repair-*"))
    assert [p.read_bytes() for p in kept] == [damaged], "the damaged file is kept aside, not deleted"


# 7. Permissions ----------------------------------------------------------------


def test_the_workspace_is_private_to_its_user(workspace):
    store = Store.open(workspace, clock=fixed_clock, fold_min_bytes=1)
    add_feedback(store, "customer data")
    add_feedback(store, "more customer data")
    assert stat.S_IMODE(workspace.stat().st_mode) == 0o700
    files = [p for p in workspace.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((workspace / "backups").stat().st_mode) == 0o700


# Undo --------------------------------------------------------------------------


def test_undo_takes_back_changes_one_level_at_a_time_and_says_what(store):
    item = add_feedback(store, "to triage")
    archive(store, item.id)
    with store.change("tagged") as tx:
        tx.put(replace(tx.require(item.id), tags=["export"]))

    assert store.undo().label == "tagged"
    assert store.get(item.id).tags == [] and store.get(item.id).status == "archived"
    assert store.undo().label == f"archived {item.id}"
    assert store.get(item.id).status == "new"
    assert store.undo().label == "captured feedback"
    assert store.get(item.id) is None
    with pytest.raises(NothingToUndo):
        store.undo()
    labels = [c.label for c in store.all(Change) if c.undoes]
    assert labels == ["undo: tagged", f"undo: archived {item.id}", "undo: captured feedback"]


def test_undo_refuses_to_overwrite_a_later_change_made_without_history(store):
    item = add_feedback(store, "x")
    archive(store, item.id)
    with store.change("quiet", history=False) as tx:
        tx.put(replace(tx.require(item.id), importance="high"))
    with pytest.raises(UndoConflict, match="changed since"):
        store.undo()
    assert store.get(item.id).importance == "high"


def test_undo_survives_a_restart(store, workspace):
    item = add_feedback(store, "x")
    archive(store, item.id)
    reopened = Store.open(workspace, clock=fixed_clock)
    assert reopened.undo().label == f"archived {item.id}"
    assert Store.open(workspace, clock=fixed_clock).get(item.id).status == "new"


def test_threads_of_one_process_writing_one_file_atomically_never_collide(tmp_path):
    """The app folds in a worker thread while the event loop may write too: each atomic write
    has its own temp file, so none fails and the file always holds one whole payload."""
    import threading

    target = tmp_path / "prodops.json"
    payloads = [json.dumps({"writer": n, "pad": "x" * 20_000}).encode() for n in range(6)]
    errors: list[BaseException] = []

    def write_many(data: bytes) -> None:
        try:
            for _ in range(30):
                files_module.atomic_write_bytes(target, data)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write_many, args=(p,)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert target.read_bytes() in payloads
    assert [p.name for p in tmp_path.iterdir()] == ["prodops.json"]  # no temp file left behind


def test_the_store_announces_each_new_revision_once_whoever_made_it_with_what_changed(workspace):
    store = Store.open(workspace, clock=fixed_clock)
    heard: list[tuple[int, frozenset[str] | None]] = []
    stop = store.on_revision(lambda revision, changed: heard.append((revision, changed)))
    item = add_feedback(store, "one")
    assert heard == [(store.revision, frozenset({item.id, "H-1"}))]  # the item and its undo record
    store.undo()  # an undo makes a change inside: still one announcement
    assert len(heard) == 2 and heard[-1][0] == store.revision and item.id in heard[-1][1]
    with pytest.raises(RuntimeError), store.change("refused") as tx:
        tx.add(FeedbackItem(text="never stored"))
        raise RuntimeError("the block failed")
    assert len(heard) == 2  # nothing stored, nothing said
    other = Store.open(workspace, clock=fixed_clock)
    elsewhere = add_feedback(other, "from another process")
    assert store.refresh() and len(heard) == 3 and heard[-1][0] == store.revision
    assert elsewhere.id in heard[-1][1]
    assert not store.refresh() and len(heard) == 3
    stop()
    add_feedback(store, "unheard")
    assert len(heard) == 3


def test_derived_data_is_built_once_per_revision_and_never_outlives_a_change(workspace):
    store = Store.open(workspace, clock=fixed_clock)
    builds: list[int] = []

    def count_feedback(s: Store) -> int:
        builds.append(s.revision)
        return s.count(FeedbackItem)

    assert store.derived("test.count", count_feedback) == 0
    assert store.derived("test.count", count_feedback) == 0 and len(builds) == 1
    add_feedback(store, "one")
    assert store.derived("test.count", count_feedback) == 1 and len(builds) == 2


# 6. Size: a process reads only what it needs -------------------------------------------------


def test_a_change_in_a_fresh_process_reads_one_item_not_the_whole_feedback_table(workspace):
    first = Store.open(workspace, clock=fixed_clock)
    with first.change("bulk") as tx:
        for n in range(300):
            tx.add(FeedbackItem(text=f"item {n}"))
    first.fold()
    first.close()

    later = Store.open(workspace, clock=fixed_clock)  # as `prodops update F-7 --status archived` does
    archive(later, "F-7")
    assert later.get("F-7").status == "archived"
    assert later.count(FeedbackItem) == 300
    assert later.loads[FeedbackItem.KIND] == 0
    later.close()
    assert Store.open(workspace, clock=fixed_clock, use_cache=False).get("F-7").status == "archived"


def test_another_process_folding_what_a_store_holds_is_taken_without_reading_anything_again(workspace):
    store = Store.open(workspace, clock=fixed_clock)
    add_feedback(store, "said before the fold")
    store.load_all()
    loads = dict(store.loads)
    before = store.revision
    other = Store.open(workspace, clock=fixed_clock)
    assert other.fold()
    other.close()
    assert not (workspace / JOURNAL_NAME).exists()
    assert not store.refresh()  # the same records, now in a new file: nothing to announce
    assert store.changed_since(before) == set()  # an index can still catch up by ids
    assert dict(store.loads) == loads
    add_feedback(store, "said after the fold")
    assert [i.text for i in Store.open(workspace, clock=fixed_clock, use_cache=False).all(FeedbackItem)] == [
        "said before the fold", "said after the fold"]
    store.close()


def test_changes_made_while_a_fold_writes_stay_in_the_journal_and_are_never_lost(workspace, monkeypatch):
    store = Store.open(workspace, clock=fixed_clock)
    add_feedback(store, "folded")
    other = Store.open(workspace, clock=fixed_clock)
    real_write = store_module.write_temp_file

    def write_while_another_process_changes(path, data):
        if path.name == SNAPSHOT_NAME:
            add_feedback(other, "written during the fold")  # the fold holds no lock while it writes
        return real_write(path, data)

    monkeypatch.setattr(store_module, "write_temp_file", write_while_another_process_changes)
    assert store.fold()
    monkeypatch.undo()
    other.close()
    journal = (workspace / JOURNAL_NAME).read_text()
    assert "written during the fold" in journal and '"folded"' not in journal
    assert {i.text for i in store.all(FeedbackItem)} == {"folded", "written during the fold"}
    reopened = Store.open(workspace, clock=fixed_clock, use_cache=False)
    assert {i.text for i in reopened.all(FeedbackItem)} == {"folded", "written during the fold"}


@pytest.mark.parametrize("damage", ["garbage", "deleted", "stale"])
def test_a_damaged_deleted_or_stale_cache_is_rebuilt_from_the_files_and_never_trusted(workspace, damage):
    store = Store.open(workspace, clock=fixed_clock)
    add_feedback(store, "kept")
    store.fold()
    store.close()
    cache = workspace / "cache.sqlite"
    if damage == "garbage":
        for suffix in ("-wal", "-shm"):
            (workspace / f"cache.sqlite{suffix}").unlink(missing_ok=True)
        cache.write_bytes(b"not a database at all" * 100)
    elif damage == "deleted":
        cache.unlink()
    else:  # the snapshot edited by plain TinyDB after the cache was written
        raw = json.loads((workspace / SNAPSHOT_NAME).read_text())
        raw["feedback"]["1"]["text"] = "edited elsewhere"
        (workspace / SNAPSHOT_NAME).write_text(json.dumps(raw))
    reopened = Store.open(workspace, clock=fixed_clock)
    assert [i.text for i in reopened.all(FeedbackItem)] == ["edited elsewhere" if damage == "stale" else "kept"]
    add_feedback(reopened, "after")
    reopened.close()
    assert Store.open(workspace, clock=fixed_clock).count(FeedbackItem) == 2


def test_a_writer_that_died_before_updating_the_cache_loses_nothing(workspace, monkeypatch):
    store = Store.open(workspace, clock=fixed_clock)
    add_feedback(store, "first")
    monkeypatch.setattr(store_module.Store, "_store_in_cache", lambda self, entries, **_: None)  # dies right after the journal
    add_feedback(store, "second")
    monkeypatch.undo()
    store.close()
    reopened = Store.open(workspace, clock=fixed_clock)
    assert [reopened.get("F-1").text, reopened.get("F-2").text] == ["first", "second"]
    add_feedback(reopened, "third")
    assert Store.open(workspace, clock=fixed_clock).get("F-3").text == "third"


def test_reading_a_whole_kind_never_makes_a_writer_wait(workspace, monkeypatch):
    import threading

    first = Store.open(workspace, clock=fixed_clock)
    for n in range(3):
        add_feedback(first, f"item {n}")
    first.close()
    reader = Store.open(workspace, clock=fixed_clock)
    writer = Store.open(workspace, clock=fixed_clock)
    real_kind_at = reader._cache.kind_at
    finished = []

    def slow_read(kind, build):
        def build_while_another_writes(state, rows):
            # Another process writes while this one is still building its records (in its read transaction).
            thread = threading.Thread(target=lambda: (add_feedback(writer, "written meanwhile"), finished.append(True)))
            thread.start()
            thread.join(timeout=10)
            return build(state, rows)

        return real_kind_at(kind, build_while_another_writes)

    monkeypatch.setattr(reader._cache, "kind_at", slow_read)
    texts = [item.text for item in reader.all(FeedbackItem)]
    assert finished, "the writer waited for the reader"
    assert texts == ["item 0", "item 1", "item 2"]  # what it held when it started reading
    assert reader.refresh()
    assert [item.text for item in reader.all(FeedbackItem)][-1] == "written meanwhile"


def test_the_fields_the_nudges_count_are_read_from_stored_columns_not_parsed_per_row(workspace):
    """`prodops nudges` counts seven fields over every item: kept as stored columns of the
    cache, a count reads them (0.35 s of JSON parsing at 100k before)."""
    from prodops_tui.core.storage.cache import STORED_FIELDS

    writer = Store.open(workspace, clock=fixed_clock)
    with writer.change("items") as tx:
        for n in range(5):
            tx.add(FeedbackItem(text=f"item {n}", status="archived" if n % 2 else "new", source="call"))
    writer.close()
    reader = Store.open(workspace, clock=fixed_clock)
    statements: list[str] = []
    reader._cache._db.set_trace_callback(statements.append)
    rows = reader.fields(FeedbackItem, ("status", "source"))
    assert [row[1:] for row in rows] == [("new", "call"), ("archived", "call")] * 2 + [("new", "call")]
    read = [s for s in statements if s.lstrip().upper().startswith("SELECT NUMBER")]
    assert read and "doc" not in read[0] and {"status", "source"} <= set(STORED_FIELDS)
    # An import's source keys and the metrics' triage times: columns too, no document inflated.
    statements.clear()
    assert [row[1:] for row in reader.fields(FeedbackItem, ("source_key", "triaged_at"))] == [(None, None)] * 5
    read = [s for s in statements if s.lstrip().upper().startswith("SELECT NUMBER")]
    assert read and "doc" not in read[0], read
    assert reader.loads["feedback"] == 0  # no record was built


def test_the_numbers_alone_after_a_wider_read_of_the_same_revision_are_rows_of_one(workspace):
    """A wider read is projected for the next asks of one revision; asked for no field, the
    projection gave bare numbers, and a caller reading rows (`iter_all`) failed."""
    writer = Store.open(workspace, clock=fixed_clock)
    with writer.change("items") as tx:
        for n in range(3):
            tx.add(FeedbackItem(text=f"item {n}"))
    writer.close()
    reader = Store.open(workspace, clock=fixed_clock)
    assert [row[1] for row in reader.fields(FeedbackItem, ("status",))] == ["new"] * 3
    assert reader.fields(FeedbackItem, ()) == [(1,), (2,), (3,)]
    assert [item.text for item in reader.iter_all(FeedbackItem)] == ["item 0", "item 1", "item 2"]


def test_a_backup_never_stays_the_live_file_after_a_failed_or_killed_fold(workspace, monkeypatch):
    store = Store.open(workspace, clock=fixed_clock, fold_min_bytes=10**9)
    with store.change("items") as tx:
        tx.add(FeedbackItem(text="kept"))
    real_replace = os.replace

    def full_disk(src, dst, *args, **kwargs):
        if Path(dst) == store.snapshot_path:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        store.fold()
    monkeypatch.setattr(os, "replace", real_replace)
    assert store.snapshot_path.stat().st_nlink == 1  # no backup name left on the live file
    store.close()
    # A fold killed right after linking: the journal and a backup segment are one file.
    (workspace / "backups").mkdir(exist_ok=True)
    # Named as the fold names it: the changes the journal holds (1), none it does not.
    leftover = workspace / "backups" / "journal.0000000001-0000000001.jsonl"
    os.link(workspace / "journal.jsonl", leftover)
    reopened = Store.open(workspace, clock=fixed_clock)
    assert not os.path.samefile(leftover, workspace / "journal.jsonl")
    assert leftover.read_bytes() == (workspace / "journal.jsonl").read_bytes()  # the copy keeps everything
    assert [i.text for i in reopened.all(FeedbackItem)] == ["kept"]


def test_a_killed_folds_temp_file_is_reported_and_cleared_by_the_next_fold(workspace):
    from prodops_tui.core.storage.doctor import check

    store = Store.open(workspace, clock=fixed_clock)
    with store.change("items") as tx:
        tx.add(FeedbackItem(text="kept"))
    store.close()
    leftover = workspace / ".prodops.json.abc123.tmp"
    leftover.write_text('{"a copy": "of customer data"}')
    old = time.time() - 7200
    os.utime(leftover, (old, old))
    fresh = workspace / ".prodops.json.def456.tmp"  # another process's fold, being written now
    fresh.write_text("{}")
    report = "\n".join(check(workspace, fixed_clock).lines)
    assert ".prodops.json.abc123.tmp" in report and "interrupted write" in report
    store = Store.open(workspace, clock=fixed_clock)
    store.fold()
    assert not leftover.exists() and fresh.exists()


def test_a_record_of_the_wrong_shape_is_named_by_every_command_and_doctor_and_repair_sets_aside_what_no_copy_holds(workspace, prodops):
    """Repair restores a damaged record from an intact copy (issue 24, defect 7: a test in
    tests/hardening); here no copy holds it any more, so it is set aside, and the rest kept."""
    import shutil

    from prodops_tui.core.storage.doctor import check, repair

    store = Store.open(workspace, clock=fixed_clock)
    with store.change("items") as tx:
        for text in ("first", "second", "third"):
            tx.add(FeedbackItem(text=text))
    store.fold()
    store.close()
    data = json.loads((workspace / "prodops.json").read_text())
    data["feedback"]["2"] = {"bogus": 1}
    (workspace / "prodops.json").write_text(json.dumps(data))
    (workspace / "cache.sqlite").unlink(missing_ok=True)
    for args in (("list", "feedback", "--status", "all"), ("search", "first"), ("export", "feedback")):
        result = prodops(*args)
        assert result.returncode == 1 and "table feedback, record 2: not a feedback record" in result.stderr, args
        assert "internal error" not in result.stderr
    report = check(workspace, fixed_clock)
    assert any("record 2: not a feedback record" in line for line in report.lines) and not report.ok
    shutil.rmtree(workspace / "backups")  # the fold's copies of the journal: the only other copy of F-2
    message = repair(workspace, fixed_clock)
    assert "1 record(s) that fit no kind and no copy holds intact set aside" in message
    aside = next(workspace.glob("set-aside-*.json"))
    assert json.loads(aside.read_text())["feedback"] == {"2": {"bogus": 1}}
    repaired = Store.open(workspace, clock=fixed_clock)
    assert [i.text for i in repaired.all(FeedbackItem)] == ["first", "third"]  # everything else kept


def _six_items_with_the_third_change_damaged(workspace: Path) -> None:
    store = Store.open(workspace, clock=fixed_clock, fold_min_bytes=1 << 30)
    for n in range(6):
        add_feedback(store, f"item {n}")
    store.close()
    journal = workspace / JOURNAL_NAME
    lines = journal.read_bytes().split(b"\n")
    lines[2] = lines[2][:40] + b"#garbage#" + lines[2][49:]  # the third change's line, damaged
    journal.write_bytes(b"\n".join(lines))
    (workspace / SNAPSHOT_NAME).write_bytes(b'{"broken')  # and the snapshot, so repair rebuilds


def test_repair_keeps_every_intact_journal_entry_past_a_damaged_line_and_says_what_was_lost(workspace):
    _six_items_with_the_third_change_damaged(workspace)
    (workspace / "cache.sqlite").unlink()  # no other copy of the third change

    message = repair(workspace, fixed_clock)

    restored = Store.open(workspace, clock=fixed_clock)
    texts = sorted(i.text for i in restored.all(FeedbackItem))
    assert texts == ["item 0", "item 1", "item 3", "item 4", "item 5"]  # only the damaged change is lost
    assert "1 damaged journal line(s) set aside" in message and "change(s) 3 missing" in message
    aside = next(workspace.glob("damaged-journal-lines-*.jsonl"))
    assert b"#garbage#" in aside.read_bytes() and stat.S_IMODE(aside.stat().st_mode) == 0o600
    add_feedback(restored, "after the repair")
    assert restored.get("F-7").text == "after the repair"  # F-3's id is not given again


def test_repair_takes_a_change_the_journal_lost_from_the_cache_that_still_holds_it(workspace):
    _six_items_with_the_third_change_damaged(workspace)

    message = repair(workspace, fixed_clock)

    restored = Store.open(workspace, clock=fixed_clock)
    assert sorted(i.text for i in restored.all(FeedbackItem)) == [f"item {n}" for n in range(6)]
    assert "cache.sqlite (the records of change(s) 3)" in message and "missing" not in message
    assert b"#garbage#" in next(workspace.glob("damaged-journal-lines-*.jsonl")).read_bytes()  # still set aside


def test_a_whole_kind_streams_from_the_cache_into_records_never_fetched_whole(workspace, monkeypatch):
    """Fetched whole first, 100,000 documents left the app 165 MB larger for good (text the
    allocator keeps once freed): the records are built from the rows as SQLite reads them."""
    first = Store.open(workspace, clock=fixed_clock)
    for n in range(3):
        add_feedback(first, f"item {n}")
    first.close()
    reader = Store.open(workspace, clock=fixed_clock)
    given = []
    build_records = store_module._build_records
    monkeypatch.setattr(store_module, "_build_records", lambda record_type, rows: given.append(rows) or build_records(record_type, rows))
    assert [item.text for item in reader.all(FeedbackItem)] == ["item 0", "item 1", "item 2"]
    assert given and not isinstance(given[0], (list, tuple))  # a cursor, read row by row
    reader.close()


def test_a_store_told_to_refuse_changes_refuses_each_one_and_writes_nothing(store, workspace):
    first = add_feedback(store, "kept")
    journal = (workspace / JOURNAL_NAME).read_bytes()
    store.changes_refused = "viewers cannot change the workspace"
    with pytest.raises(ChangeRefused, match="viewers cannot change"):
        archive(store, first.id)
    assert (workspace / JOURNAL_NAME).read_bytes() == journal
    assert store.get(first.id).status == "new"
