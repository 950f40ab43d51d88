"""The store keeps its data lean (issue 29): a fold streams instead of holding the workspace in
memory, and the backups it keeps are compressed and rotated, old plain ones still read."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from prodops_tui.core.errors import WorkspaceCorrupt
from prodops_tui.core.importers import import_feedback
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage import store as store_module
from prodops_tui.core.storage.backups import BackupFile, backup_files
from prodops_tui.core.storage.cache import CacheUnusable
from prodops_tui.core.storage.doctor import check, repair
from prodops_tui.core.storage.store import SNAPSHOT_NAME, Store

from ...conftest import TEST_DATA, fixed_clock

TEXT = "The invoice export drops the VAT column when the customer is outside the EU, every month. "


def seeded(workspace: Path, n: int) -> Path:
    """n items folded into the snapshot, and one change in the journal for the next fold."""
    store = Store.open(workspace, clock=fixed_clock)
    store.defer_folds()
    try:
        for start in range(0, n, 500):  # in batches, as an import stores them: no one record grows with n
            with store.change("seeded") as tx:
                for i in range(start, min(n, start + 500)):
                    tx.add(FeedbackItem(text=f"{i}: {TEXT * 4}", customer=f"customer {i}", received_at="2026-11-01T00:00:00Z"))
        assert store.fold()
        retag(store, "F-1", "again")
    finally:
        store.close()
    return workspace


def retag(store: Store, item_id: str, tag: str) -> None:
    with store.change(f"tagged {item_id}") as tx:
        item = tx.require(item_id)
        tx.put(replace(item, tags=[*item.tags, tag]))


def with_item_7_in_cache(workspace: Path, doc_sql: str) -> Path:
    """The cache's document of F-7 replaced by an SQL literal (a disk error, a hand edit)."""
    import sqlite3

    db = sqlite3.connect(workspace / "cache.sqlite")
    db.execute(f"UPDATE records SET doc = {doc_sql} WHERE kind = 'feedback' AND number = 7")
    db.commit()
    db.close()
    return workspace


def fold_traced(workspace: Path) -> tuple[int, Store]:
    """The peak memory Python allocated during a fold of a freshly opened store (as `prodops compact`)."""
    store = Store.open(workspace, clock=fixed_clock)
    tracemalloc.start()
    try:
        assert store.fold()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, store


def test_a_folds_memory_does_not_grow_with_the_workspace_and_it_builds_no_record(tmp_path):
    small_peak, small = fold_traced(seeded(tmp_path / "small", 2_000))
    large_peak, large = fold_traced(seeded(tmp_path / "large", 8_000))
    try:
        # Four times the items: a fold that held them all (as it did) peaked about four times higher.
        assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
        assert not large.loads, f"the fold read whole kinds into memory: {dict(large.loads)}"
        snapshot = json.loads((tmp_path / "large" / SNAPSHOT_NAME).read_text())
        assert len(snapshot["feedback"]) == 8_000 and snapshot["feedback"]["1"]["tags"] == ["again"]
    finally:
        small.close()
        large.close()
    reopened = Store.open(tmp_path / "large", clock=fixed_clock, use_cache=False)  # from the files alone
    assert reopened.count(FeedbackItem) == 8_000 and reopened.get("F-1").tags == ["again"]
    reopened.close()


def test_a_fold_whose_cache_holds_a_damaged_record_folds_from_the_records_and_says_which(tmp_path):
    """The cache is derived data: a record it holds that is not one (a disk error, a hand edit)
    is never copied into the snapshot, the truth. The fold reads the records instead."""
    workspace = with_item_7_in_cache(seeded(tmp_path / "ws", 20), "'{\"bogus\": 1}'")
    store = Store.open(workspace, clock=fixed_clock)
    try:
        with pytest.raises(WorkspaceCorrupt, match=r"record 7"):
            store.fold()
    finally:
        store.close()
    snapshot = json.loads((workspace / SNAPSHOT_NAME).read_text())
    assert snapshot["feedback"]["7"]["id"] == "F-7", "the damaged copy reached the snapshot"


def test_doctor_checks_every_record_a_page_at_a_time_and_holds_no_kind_whole(tmp_path, monkeypatch):
    """At a million items `prodops doctor` loaded every kind whole: 1,858 MB, the most of any
    command. It reads the cache a page at a time now, and still names a record that is not the
    one its number says (here F-7's document in the cache says F-70)."""
    workspace = seeded(tmp_path / "ws", 5_000)
    monkeypatch.setattr(store_module, "_build_records", lambda record_type, rows: pytest.fail(f"doctor loaded every {record_type.KIND} record at once"))
    pages: list[int] = []
    real_numbered = Store._numbered
    monkeypatch.setattr(Store, "_numbered", lambda self, record_type, numbers: (
        pages.append(len(numbers)) if record_type is FeedbackItem else None, real_numbered(self, record_type, numbers))[1])
    report = check(workspace, fixed_clock)
    assert report.ok, report.lines
    assert sum(pages) == 5_000 and max(pages) == 2_048
    with_item_7_in_cache(workspace, "'{\"id\": \"F-70\", \"text\": \"moved\"}'")
    report = check(workspace, fixed_clock)
    assert not report.ok and any("record 7: not a feedback record (its id is 'F-70'" in line for line in report.lines), report.lines


@pytest.mark.parametrize("document", ["'not json'", "'[1, 2]'"])
def test_a_cache_document_that_is_not_a_records_json_is_read_from_the_files_by_doctor_and_every_command(tmp_path, document):
    """Found by review: such a document (a hand edit) made `prodops doctor` say "internal error"
    and no report. The cache is derived: it is let go and the files are read, as for a document
    that does not inflate."""
    from prodops_tui.core.storage.store import _build_records

    workspace = with_item_7_in_cache(seeded(tmp_path / "ws", 20), document)
    report = check(workspace, fixed_clock)
    assert report.ok and any("20 feedback" in line for line in report.lines), report.lines
    workspace = with_item_7_in_cache(workspace, document)
    store = Store.open(workspace, clock=fixed_clock)
    try:
        assert [item.id for item in store.get_many(FeedbackItem, [6, 7, 8])] == ["F-6", "F-7", "F-8"]
        assert store.get("F-7").text.startswith("6: The invoice export")
        assert len(store.all(FeedbackItem)) == 20
    finally:
        store.close()
    with pytest.raises(CacheUnusable):
        _build_records(FeedbackItem, [(7, document.strip("'"))])


def test_the_cache_keeps_each_document_deflated_and_reads_back_the_text_it_was_given(tmp_path):
    """cache.sqlite held every record's JSON as text: 4x the CSV at 100k, a second copy of the
    snapshot. Deflated against the field names and defaults every record shares, a document
    takes well under half its text, and reads back character for character."""
    import sqlite3

    workspace = seeded(tmp_path / "ws", 200)
    store = Store.open(workspace, clock=fixed_clock)
    with store.change("odd text") as tx:
        tx.add(FeedbackItem(text="Café ☕ [bold red]not markup[/] \\ \"quoted\" 日本語", customer="ü"))
    store.close()
    db = sqlite3.connect(workspace / "cache.sqlite")
    kinds = {kind for kind, in db.execute("SELECT DISTINCT typeof(doc) FROM records")}
    stored = db.execute("SELECT sum(length(doc)) FROM records WHERE kind = 'feedback'").fetchone()[0]
    db.close()
    assert kinds == {"blob"}, kinds
    snapshot = json.loads((workspace / SNAPSHOT_NAME).read_text())["feedback"]
    texts = sum(len(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()) for doc in snapshot.values())
    assert stored < 0.5 * texts, (stored, texts)
    reader = Store.open(workspace, clock=fixed_clock)
    try:
        assert reader.get("F-201").text == "Café ☕ [bold red]not markup[/] \\ \"quoted\" 日本語"
        assert reader.get("F-7").to_dict() == snapshot["7"]
        assert reader.loads["feedback"] == 0, "read by loading every item, not from the cache"
    finally:
        reader.close()


def test_a_cache_of_an_older_version_is_built_again_and_gives_back_its_pages(tmp_path):
    """An older prodops's cache (documents as text, twice the size) is dropped and built again;
    without rewriting the file, its pages stayed in it, free, and an upgrade saved no disk."""
    import sqlite3

    workspace = seeded(tmp_path / "ws", 20)
    cache = workspace / "cache.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{cache}{suffix}").unlink(missing_ok=True)
    db = sqlite3.connect(cache)
    db.execute("PRAGMA user_version = 6")
    db.execute("CREATE TABLE records (id INTEGER PRIMARY KEY, kind TEXT, number INTEGER, doc TEXT)")
    db.executemany("INSERT INTO records (kind, number, doc) VALUES ('feedback', ?, ?)", ((n, TEXT * 40) for n in range(5_000)))
    db.commit()
    db.close()
    held = cache.stat().st_size
    assert held > 10_000_000
    store = Store.open(workspace, clock=fixed_clock)
    try:
        assert store.get("F-7").text.startswith("6: ") and store.count(FeedbackItem) == 20
    finally:
        store.close()
    db = sqlite3.connect(cache)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] > 6
        assert db.execute("SELECT count(*) FROM records WHERE kind = 'feedback'").fetchone()[0] == 20
        assert db.execute("PRAGMA freelist_count").fetchone()[0] < 10
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    assert cache.stat().st_size < held / 20, (cache.stat().st_size, held)


def test_a_cache_document_that_does_not_inflate_is_read_from_the_files_and_folds_from_them(tmp_path):
    workspace = with_item_7_in_cache(seeded(tmp_path / "ws", 20), "x'00ff13'")
    store = Store.open(workspace, clock=fixed_clock)
    try:
        assert store.get("F-7").text.startswith("6: The invoice export")
        retag(store, "F-7", "kept")
        assert store.fold()
    finally:
        store.close()
    snapshot = json.loads((workspace / SNAPSHOT_NAME).read_text())
    assert snapshot["feedback"]["7"]["tags"] == ["kept"] and snapshot["feedback"]["7"]["text"].startswith("6: ")


@pytest.fixture
def compress_from_1kb(monkeypatch):
    monkeypatch.setattr(store_module, "COMPRESSED_FROM", 1024)


def folded_several_times(workspace: Path, folds: int) -> None:
    store = Store.open(workspace, clock=fixed_clock)
    try:
        for n in range(folds):
            retag(store, f"F-{n + 2}", f"fold {n}")
            assert store.fold()
    finally:
        store.close()


def all_texts(workspace: Path) -> dict[str, tuple[str, list[str]]]:
    store = Store.open(workspace, clock=fixed_clock)
    try:
        return {item.id: (item.text, item.tags) for item in store.all(FeedbackItem)}
    finally:
        store.close()


def replays_from_its_base(workspace: Path) -> tuple[BackupFile, list[BackupFile]]:
    """backups/ as a fold leaves it: one snapshot (the base), and segments that follow on from
    it without a gap up to the live snapshot's change; returned for the caller to look into."""
    found = backup_files(workspace / "backups")
    snapshots = [b for b in found if b.is_snapshot]
    assert len(snapshots) == 1, [b.path.name for b in found]
    base = snapshots[0]
    segments = [b for b in found if not b.is_snapshot]
    live = json.loads((workspace / SNAPSHOT_NAME).read_text())["_meta"]["1"]["folded_seq"]
    assert [(b.first, b.last) for b in segments] == list(zip([base.last + 1] + [b.last + 1 for b in segments[:-1]],
                                                             [b.last for b in segments], strict=False))
    assert (segments[-1].last if segments else base.last) == live
    return base, segments


def test_big_backups_are_compressed_rotated_and_restore_the_workspace(tmp_path, compress_from_1kb):
    workspace = seeded(tmp_path / "ws", 300)
    folded_several_times(workspace, 5)
    expected = all_texts(workspace)

    found = backup_files(workspace / "backups")
    assert found and all(b.path.name.endswith(".gz") for b in found if b.last > 0), [b.path.name for b in found]
    base, segments = replays_from_its_base(workspace)
    assert len(segments) == 5  # the five folds after the base each kept only their segment
    live = (workspace / SNAPSHOT_NAME).stat().st_size
    assert base.path.stat().st_size < live / 3, "not compressed"
    assert json.loads(gzip.decompress(base.path.read_bytes()))["_meta"]["1"]["folded_seq"] == base.last  # plain gzip

    (workspace / SNAPSHOT_NAME).unlink()
    (workspace / "cache.sqlite").unlink()
    said = repair(workspace, fixed_clock)
    assert f"restored from backups/{base.path.name} plus 6 journal entries" in said, said  # seeded's retag and five
    assert all_texts(workspace) == expected


def test_a_fold_keeps_a_new_base_only_once_the_segments_outgrow_the_old_one(tmp_path, compress_from_1kb, monkeypatch):
    """backups/ stays about one to two snapshots' worth however many folds run (three whole
    snapshots were kept: a fifth of the workspace's disk at 100k items), and a fold that keeps
    no snapshot does not spend the time compressing one."""
    workspace = seeded(tmp_path / "ws", 300)
    folded_several_times(workspace, 1)
    first_base, _ = replays_from_its_base(workspace)
    compressed: list[str] = []
    real_copy = store_module.compressed_copy
    monkeypatch.setattr(store_module, "compressed_copy", lambda *a: compressed.append(a[3]) or real_copy(*a))

    store = Store.open(workspace, clock=fixed_clock)
    bases = [first_base.last]
    try:
        for n in range(40):
            with store.change("retagged") as tx:  # a segment of ~30 changed items: a few KB compressed
                for number in range(1 + n * 7 % 270, 31 + n * 7 % 270):
                    item = tx.get(f"F-{number}")
                    assert isinstance(item, FeedbackItem)
                    tx.put(replace(item, tags=[*item.tags, f"pass {n}"]))
            compressed.clear()
            assert store.fold()
            base, segments = replays_from_its_base(workspace)
            kept_snapshot = base.last != bases[-1]
            assert any(name.startswith("prodops.") for name in compressed) == kept_snapshot
            if kept_snapshot:
                bases.append(base.last)
            base_size = base.path.stat().st_size
            assert sum(b.path.stat().st_size for b in segments[:-1]) <= base_size  # the rule: a new base once past it
    finally:
        store.close()
    assert len(bases) >= 3, bases  # the base moved on, more than once
    assert not first_base.path.exists()
    expected = all_texts(workspace)
    (workspace / SNAPSHOT_NAME).unlink()
    (workspace / "cache.sqlite").unlink()
    assert "restored from backups/prodops." in repair(workspace, fixed_clock)
    assert all_texts(workspace) == expected


def test_a_segment_deleted_by_hand_is_said_by_doctor_and_the_next_fold_keeps_a_base_past_it(tmp_path, compress_from_1kb):
    workspace = seeded(tmp_path / "ws", 300)
    folded_several_times(workspace, 4)
    base, segments = replays_from_its_base(workspace)
    segments[1].path.unlink()
    said = check(workspace, fixed_clock).lines
    assert segments[1].first == segments[1].last  # one change: said as one
    assert any(f"backups/ can restore only up to change {segments[1].first - 1}: no segment holds change {segments[1].first} "
               in line for line in said), said

    folded_several_times(workspace, 1)  # a one-change segment: no new base for its size alone
    new_base, _ = replays_from_its_base(workspace)
    assert new_base.last > base.last and not base.path.exists()
    assert any("backups/ can restore up to change" in line for line in check(workspace, fixed_clock).lines)


def test_the_first_fold_after_a_repair_keeps_the_snapshot_that_alone_holds_the_changes_before_it(tmp_path, compress_from_1kb):
    """A repair that rebuilds sets the journal aside: changes 4-6 were then in the repaired
    prodops.json only, and the next fold, seeing no gap among the backups, let it go."""
    workspace = seeded(tmp_path / "ws", 300)
    folded_several_times(workspace, 1)
    store = Store.open(workspace, clock=fixed_clock)
    store.defer_folds()
    for n in range(3):
        retag(store, "F-9", f"unfolded {n}")
    store.close()
    (workspace / SNAPSHOT_NAME).write_text("{not json")
    (workspace / "cache.sqlite").unlink()
    repair(workspace, fixed_clock)
    folded_several_times(workspace, 1)

    expected = all_texts(workspace)
    base, _segments = replays_from_its_base(workspace)
    assert any("backups/ can restore up to change" in line for line in check(workspace, fixed_clock).lines)
    (workspace / SNAPSHOT_NAME).unlink()
    (workspace / "cache.sqlite").unlink()
    assert f"restored from backups/{base.path.name}" in repair(workspace, fixed_clock)
    assert all_texts(workspace) == expected


def test_a_folds_journal_segment_is_compressed_and_repair_reads_it(tmp_path, compress_from_1kb):
    """A damaged snapshot record is restored from the compressed journal segment's put."""
    workspace = seeded(tmp_path / "ws", 50)
    folded_several_times(workspace, 1)
    segments = [b for b in backup_files(workspace / "backups") if not b.is_snapshot]
    assert segments and all(b.path.name.endswith(".jsonl.gz") for b in segments)
    expected = all_texts(workspace)
    snapshot = workspace / SNAPSHOT_NAME
    data = json.loads(snapshot.read_text())
    data["feedback"]["2"] = {"bogus": 1}
    snapshot.write_text(json.dumps(data))
    (workspace / "cache.sqlite").unlink()

    said = repair(workspace, fixed_clock)
    assert "F-2 from" in said, said
    assert all_texts(workspace) == expected


def test_backups_kept_plain_by_an_older_version_still_restore_beside_compressed_ones(tmp_path, monkeypatch):
    """A workspace from before compression: its backups are plain. They restore as before, and
    with the compressed segments the new folds keep after them."""
    monkeypatch.setattr(store_module, "COMPRESSED_FROM", 1 << 40)  # as the older version kept them
    workspace = seeded(tmp_path / "ws", 300)
    folded_several_times(workspace, 3)
    assert all(not b.path.name.endswith(".gz") for b in backup_files(workspace / "backups"))
    expected = all_texts(workspace)
    (workspace / SNAPSHOT_NAME).unlink()
    (workspace / "cache.sqlite").unlink()
    assert "restored from backups/prodops." in repair(workspace, fixed_clock)
    assert all_texts(workspace) == expected

    monkeypatch.setattr(store_module, "COMPRESSED_FROM", 1024)  # this version
    store = Store.open(workspace, clock=fixed_clock)
    for n in range(2):
        retag(store, "F-20", f"after {n}")
        assert store.fold()
    store.close()
    base, segments = replays_from_its_base(workspace)  # the old plain ones go once a new base is kept
    assert [b.path.name.endswith(".gz") for b in segments][-2:] == [True, True]
    expected = all_texts(workspace)
    (workspace / SNAPSHOT_NAME).unlink()
    (workspace / "cache.sqlite").unlink()
    assert f"restored from backups/{base.path.name}" in repair(workspace, fixed_clock)
    assert all_texts(workspace) == expected


def holds_after_state(value, item_id: str, tag: str) -> bool:
    """Whether an encoded value is, or holds, the record's state after the change (its new tag)."""
    if isinstance(value, dict):
        if value.get("id") == item_id and tag in (value.get("tags") or ()):
            return True
        return any(holds_after_state(v, item_id, tag) for v in value.values())
    if isinstance(value, list):
        return any(holds_after_state(v, item_id, tag) for v in value)
    return False


def test_a_change_encodes_each_record_once_and_writes_what_json_would(store, workspace, monkeypatch):
    with store.change("captured") as tx:
        item = tx.add(FeedbackItem(text="The export drops the VAT column"))
    encoded: list = []
    encode = json.JSONEncoder.encode

    def counted(self, value):
        encoded.append(value)
        return encode(self, value)

    monkeypatch.setattr(json.JSONEncoder, "encode", counted)
    retag(store, item.id, "urgent")
    monkeypatch.undo()

    # Once for the journal line, the undo digest and the cache together (it was three times).
    assert sum(holds_after_state(value, item.id, "urgent") for value in encoded) == 1
    line = (workspace / "journal.jsonl").read_bytes().splitlines()[-1]
    assert line == json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":")).encode()
    reopened = Store.open(workspace, clock=fixed_clock)  # through the cache, which took the same text
    assert reopened.get(item.id).tags == ["urgent"]
    reopened.close()
    store.undo()
    assert store.get(item.id).tags == []


def test_a_change_recorded_with_the_older_undo_digest_can_still_be_undone(store, monkeypatch):
    from prodops_tui.core.storage import transaction

    with store.change("captured") as tx:
        item = tx.add(FeedbackItem(text="The export drops the VAT column"))
    monkeypatch.setattr(transaction, "text_digest", lambda text: transaction.legacy_state_digest(json.loads(text)))
    retag(store, item.id, "urgent")  # its undo record holds the digest an older prodops wrote
    monkeypatch.undo()
    assert store.undo().label == f"tagged {item.id}"
    assert store.get(item.id).tags == []


def test_a_compressing_fold_that_fails_or_is_killed_at_any_write_step_loses_nothing(tmp_path, compress_from_1kb):
    """The write steps the compressed backups add (a temporary file in backups/, its fsync, its
    rename) under the same faults as every other step (tests/hardening/test_write_faults.py,
    whose small workspace keeps its backups plain): a full disk at each, and a kill at each."""
    import os
    import shutil

    from prodops_tui.core.model import RECORD_TYPES
    from prodops_tui.core.storage import doctor

    from ...hardening.write_steps import KILLED, Steps, record, watching

    template = seeded(tmp_path / "template", 50)

    def everything(workspace: Path, use_cache: bool = True) -> dict:
        store = Store.open(workspace, clock=fixed_clock, use_cache=use_cache)
        try:
            return {t.KIND: {r.number: r.to_dict() for r in store.all(t)} for t in RECORD_TYPES}
        finally:
            store.close()

    def fold(workspace: Path) -> None:
        store = Store.open(workspace, clock=fixed_clock)
        try:
            store.fold()
        finally:
            store.close()

    before = everything(template)
    clean = tmp_path / "clean"
    shutil.copytree(template, clean)
    steps = record(lambda: fold(clean)).seen
    assert any("compressed_copy" in step for step in steps), steps
    assert {b.path.name.endswith(".gz") for b in backup_files(clean / "backups") if b.last > 0} == {True}

    for index, label in enumerate(steps):
        for how in ("fails", "killed"):
            where = f"step {index} {label} {how}"
            workspace = tmp_path / f"{how}{index}"
            shutil.copytree(template, workspace)
            if how == "fails":
                fault = Steps(fail_at=index)
                with watching(fault):
                    try:
                        fold(workspace)
                    except Exception:  # noqa: BLE001 - a failed fold is told; the check is what is left
                        pass
                assert fault.failed == label, f"{where}: the fold took another path ({fault.seen})"
            else:
                pid = os.fork()
                if pid == 0:
                    try:
                        with watching(Steps(kill_at=index)):
                            fold(workspace)
                    finally:
                        os._exit(3)
                assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == KILLED, where
            assert everything(workspace) == before, f"{where}: through the cache"
            assert everything(workspace, use_cache=False) == before, f"{where}: from the files alone"
            report = doctor.check(workspace, fixed_clock)
            assert report.ok, f"{where}: {report.lines}"
            fold(workspace)  # the next fold does it all
            assert everything(workspace, use_cache=False) == before, f"{where}: after the next fold"


def test_a_change_whose_undo_label_is_not_unicode_is_refused_in_one_line_and_nothing_is_stored(store, workspace):
    from prodops_tui.core.errors import InvalidInput

    with store.change("captured") as tx:
        tx.add(FeedbackItem(text="fine"))
    journal = (workspace / "journal.jsonl").read_bytes()
    with pytest.raises(InvalidInput, match=r"^the change holds text that is not valid Unicode \(U\+DCFF, "), \
            store.change("bad \udcff label") as tx:
        tx.add(FeedbackItem(text="also fine"))
    assert (workspace / "journal.jsonl").read_bytes() == journal
    assert store.count(FeedbackItem) == 1


def test_items_loaded_together_share_each_repeated_value_and_keep_every_value_as_stored(workspace):
    """The real app-store reviews, imported and read back whole (as the app loads them): the
    import's timestamp, the source, the status and the kept columns' names are one string each
    across the items (JSON gave every record its own copy: a fifth of their memory at 100k), and
    every item is what the cache stores, field for field."""
    store = Store.open(workspace, clock=fixed_clock)
    import_feedback(store, TEST_DATA / "app_store_reviews.csv")
    store.close()
    reopened = Store.open(workspace, clock=fixed_clock)
    try:
        items = reopened.all(FeedbackItem)
        assert len(items) == 800 and reopened.loads["feedback"] == 1
        first, *others = items
        for item in others:
            assert item.created_at is first.created_at and item.source is first.source and item.status is first.status
        column_names: dict[str, set[int]] = {}
        for item in items:
            for name in item.extra:
                column_names.setdefault(name, set()).add(id(name))
        assert len(column_names) >= 2 and all(len(copies) == 1 for copies in column_names.values()), column_names
        stored = Store.open(workspace, clock=fixed_clock, use_cache=False)  # the snapshot and journal alone
        assert [i.to_dict() for i in items] == [i.to_dict() for i in stored.all(FeedbackItem)]
        stored.close()
        # Only keys and immutable strings are shared: a change to one item's columns is its own.
        with reopened.change("edited one") as tx:
            tx.put(replace(first, extra={**first.extra, "app_version": "9.9"}))
        assert reopened.get(others[0].id).extra["app_version"] != "9.9"
    finally:
        reopened.close()


def test_the_columns_read_before_the_items_load_are_let_go_once_they_load(workspace):
    """The app's first page reads every item's status from the cache's columns and keeps that
    read for the next ask (16 MB at 100,000 items); once the items are in memory the records
    answer, and the read is not held beside them."""
    store = Store.open(workspace, clock=fixed_clock)
    import_feedback(store, TEST_DATA / "app_store_reviews.csv")
    store.close()
    reopened = Store.open(workspace, clock=fixed_clock)
    try:
        read = reopened.fields(FeedbackItem, ("status", "snoozed_until"))
        assert len(read) == 800 and "feedback" in reopened._fields_read
        reopened.load_all()
        assert "feedback" not in reopened._fields_read
        assert reopened.fields(FeedbackItem, ("status", "snoozed_until")) == read
    finally:
        reopened.close()


def test_a_derived_file_of_another_version_gives_back_the_pages_of_the_tables_it_drops(tmp_path):
    """A new version of a derived file drops its tables and builds them again: their pages were
    kept in the file, free (86 MB of lookalikes.sqlite at 100k items after the nodes' layout
    changed), and the file never shrank."""
    from prodops_tui.core.storage.derived import open_derived

    path = tmp_path / "derived.sqlite"
    schema = ("CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY, version INTEGER NOT NULL);"
              "CREATE TABLE IF NOT EXISTS words (word TEXT NOT NULL);")
    db = open_derived(path, version=1, tables=("words",), schema=schema)
    db.execute("INSERT INTO state (id, version) VALUES (1, 1)")
    db.executemany("INSERT INTO words VALUES (?)", ((TEXT * 3,) for _ in range(5_000)))
    db.close()
    held = path.stat().st_size
    assert held > 1_000_000
    db = open_derived(path, version=2, tables=("words",), schema=schema)
    try:
        assert db.execute("SELECT count(*) FROM words").fetchone()[0] == 0  # started over
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    assert path.stat().st_size < held / 20
