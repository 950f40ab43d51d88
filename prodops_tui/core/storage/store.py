"""The durable workspace: a TinyDB file made atomic, plus an fsync'd change journal.

Stock TinyDB rewrites its whole JSON file in place on every change: not atomic,
not safe across processes, and 400+ ms a write at 50k documents (docs/PITFALLS.md).
Here a change is one line appended to `journal.jsonl` and fsync'd, under an
exclusive file lock, after catching up with whatever other processes appended.
The TinyDB file (`prodops.json`, readable with plain `TinyDB(path)`) is the
folded state: rewritten atomically (temp file, fsync, rename, fsync directory)
only when the journal has grown past a quarter of it, so the amortised cost of
a change does not depend on the size of the workspace. Each fold keeps the
journal segment it folded in `backups/` for `prodops doctor`, and now and then the snapshot
it replaced: one snapshot and the segments after it, gzip-compressed from a megabyte
(backups.py).

Reading the whole TinyDB file costs seconds at 100,000 items, so a process does not: it
opens `cache.sqlite` (cache.py), a derived copy kept in step with the journal, and loads a
kind of record only when first asked for it (`prodops update F-7` never builds the other
99,999 items). A fold writes the new snapshot without holding the lock, streamed from one read
transaction of the cache (no record built: its memory does not grow with the workspace);
writers wait only for the renames at the end.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import gc
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, TypeVar, cast

from ..errors import (
    ChangeRefused,
    NotFound,
    NothingToUndo,
    ProdopsError,
    UndoConflict,
    WorkspaceCorrupt,
    WorkspaceTooNew,
)
from ..model import RECORD_TYPES, TYPE_BY_KIND, Change, Record, record_problem, split_id, type_of_id
from . import locking
from .backups import (
    COMPRESSED_FROM,
    BackupFile,
    backup_files,
    compressed_copy,
    copy_plain,
    newest_backup,
    put_in_place,
    rebase_due,
    rotated_out,
    stale_backup_temp_files,
)
from .cache import CACHE_NAME, CachedState, CacheReader, CacheUnusable, StateCache
from .files import (
    HOLD_OPEN_FILES,
    AtomicJSONStorage,
    ensure_private_dir,
    file_signature,
    fsync_dir,
    naming,
    write_all_and_fsync,
    write_temp_file,
)
from .fold_turn import fold_failure, fold_turn, note_fold_failure
from .issued import ISSUED_NAME, Issued, IssuedFile, read_issued
from .journal import META_TABLE, SCHEMA_VERSION, apply_raw_entry, read_journal, schema_version_of
from .transaction import Transaction, same_state
from .where import Where, matches

SNAPSHOT_NAME = "prodops.json"
JOURNAL_NAME = "journal.jsonl"
LOCK_NAME = "prodops.lock"
BACKUP_DIR = "backups"
# Migrations upgrade the raw TinyDB dict (snapshot with the journal replayed) from
# version N to N+1. Version 1 is the first released layout, so there are none yet.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

HISTORY_KEPT = 500  # undo levels that survive a fold
CHANGES_KEPT = 1_000  # revisions whose changed ids are remembered for incremental indexes
FOLD_MIN_BYTES = 1 << 20
# A small workspace folds once its journal outgrows its snapshot and this: the first import of
# 849 real reviews (742 KB of journal) left a 101-byte snapshot and no backup, as 1 MB was the
# least a fold waited for. Folding at the snapshot's own size still costs O(1) a byte written.
FIRST_FOLD_BYTES = 64 << 10
FOLD_OVERDUE_TIMES = 4  # a journal this many times past due says so, when folds fail (see fold_failing)
# Records of a kind not in memory read one at a time from the cache; past this many, the whole
# kind is loaded (printing 100k items' area paths made 300k point reads: 91 s instead of 1 s).
POINT_READS = 64

R = TypeVar("R", bound=Record)
T = TypeVar("T")


class Store:
    """The workspace's state in memory, kept in step with the files on disk."""

    def __init__(self, directory: Path, *, clock: Callable[[], str], fold_min_bytes: int | None = None,
                 use_cache: bool = True):
        # auto_fold: a change that grows the journal past the threshold folds at once.
        # The app turns it off and folds in a worker instead (a 100k-item fold takes
        # seconds, and the change itself is already durable in the journal).
        self.auto_fold = True
        self.directory = Path(directory)
        self.snapshot_path = self.directory / SNAPSHOT_NAME
        self.journal_path = self.directory / JOURNAL_NAME
        self.backup_dir = self.directory / BACKUP_DIR
        self.clock = clock
        self.fold_min_bytes = FOLD_MIN_BYTES if fold_min_bytes is None else fold_min_bytes
        self.revision = 0  # bumped on every change applied, from here or from another process
        # Which records each recent revision touched, so an index (search) can update just
        # those; a full reload clears it and says "everything" (None from changed_since).
        self._changes: collections.deque[tuple[int, tuple[str, ...]]] = collections.deque(maxlen=CHANGES_KEPT)
        self._reloaded_at = 0
        # kind -> number -> record; None: not loaded yet (read from the cache when first asked).
        self._tables: dict[str, dict[int, Record] | None] = {t.KIND: None for t in RECORD_TYPES}
        self._use_cache = use_cache
        self._cache: StateCache | None = None
        self.loads: collections.Counter[str] = collections.Counter()  # kind -> times read whole (tests)
        self._point_reads: collections.Counter[str] = collections.Counter()
        self._read_by_page: set[str] = set()  # kinds point reads never load whole (read_by_page)
        self._counted: dict[str, tuple[int, int]] = {}  # kind -> (revision, count), see count()
        self._fields_read: dict[str, tuple[int, tuple[str, ...], list[tuple]]] = {}  # see fields()
        self._meta: dict[str, Any] = {}
        self._seq = 0
        self._journal_last_seq = 0  # the newest change the journal file was seen to hold
        # Set when a reload found the files damaged or short of changes: until a reload finds them
        # whole again, every catch-up (so every change) is refused, never built on what is left;
        # while the files stay as they were then (_files_now), without reading them again.
        self._damaged: WorkspaceCorrupt | None = None
        self._damaged_files: tuple = ()
        self._snapshot_sig: tuple[int, int, int] | None = None
        # The journal and issued.json stay open between this store's changes (POSIX): opening,
        # checking and closing them again cost about 0.03 ms of a 0.8-1.0 ms change (by hand).
        self._journal_fd: int | None = None
        self._journal_fd_ino = 0
        self._issued_file = IssuedFile(self.directory)
        self._journal_sig_now: tuple[int, int, int] | None = None
        self._journal_pos = 0
        self._thread_lock = threading.RLock()
        # Told of every new revision (see on_revision); the depth keeps a nested call (undo
        # makes a change) from announcing before the outer one is done.
        self._listeners: list[Callable[[int, frozenset[str] | None], None]] = []
        self._derived: dict[str, tuple[int, Any]] = {}  # see derived()
        # Who signs what this process changes (triage, ticks): set by the app, or named by the
        # CLI as a function asked on first use (a read command never asks git); "" when nobody said.
        self._actor = ""
        self._find_actor: Callable[[], str] | None = None
        # Set to a one-line reason when this process may read but not change the workspace (a
        # viewer's browser tab): every change is refused with it, before anything is staged.
        self.changes_refused: str | None = None
        self._announced = 0
        self._calls = threading.local()
        self._lock_fd: int | None = None
        self._lock_depth = 0
        self._lock_mode = 0
        self._closed = False

    @property
    def actor(self) -> str:
        if self._find_actor is not None:
            self._actor, self._find_actor = self._find_actor(), None
        return self._actor

    @actor.setter
    def actor(self, name: str) -> None:
        self._actor, self._find_actor = name, None

    def actor_from(self, find: Callable[[], str]) -> None:
        """Who acts, found only when a change is signed (`git config` costs a process)."""
        self._find_actor = find

    # --- opening ------------------------------------------------------------

    @classmethod
    def open(cls, directory: Path | str, *, clock: Callable[[], str], create: bool = True, **kwargs: Any) -> Store:
        directory = Path(directory)
        if not directory.exists():
            if not create:
                raise NotFound(f"no workspace at {directory}")
            ensure_private_dir(directory)
        store = cls(directory, clock=clock, **kwargs)
        store._separate_backups()
        store._open_cache()
        with store._locked(exclusive=False):
            store._reload()
        if store._needs_setup():
            with store._locked(exclusive=True):
                store._reload()
                if store._needs_setup():
                    store._setup_or_migrate()
        return store

    def _needs_setup(self) -> bool:
        return not self.snapshot_path.exists() or self._meta.get("schema_version", 0) < SCHEMA_VERSION

    def _setup_or_migrate(self) -> None:
        """Write the first snapshot, or bring an older schema up to date (keeping a backup)."""
        if self.snapshot_path.exists():
            raw = AtomicJSONStorage(self.snapshot_path).read()
            assert raw is not None
            entries, _, _ = read_journal(self.journal_path, held=raw[META_TABLE]["1"].get("folded_seq", 0))
            for entry in entries:
                apply_raw_entry(raw, entry)
            version = schema_version_of(raw, self.snapshot_path)
            ensure_private_dir(self.backup_dir)
            shutil.copy2(self.snapshot_path, self.backup_dir / f"prodops.schema-{version}.json")
            while version < SCHEMA_VERSION:
                raw = MIGRATIONS[version](raw)
                version += 1
                raw[META_TABLE]["1"]["schema_version"] = version
            AtomicJSONStorage(self.snapshot_path).write(raw)
            if self.journal_path.exists():
                os.replace(self.journal_path, self.backup_dir / f"journal.pre-schema-{SCHEMA_VERSION}.jsonl")
        else:
            now = self.clock()
            raw = {META_TABLE: {"1": {"schema_version": SCHEMA_VERSION, "created_at": now, "folded_seq": 0, "next_ids": {}}}}
            AtomicJSONStorage(self.snapshot_path).write(raw)
        self._reload()

    def _open_cache(self) -> None:
        if not self._use_cache or not self.snapshot_path.parent.exists():
            return
        path = self.directory / CACHE_NAME
        try:
            self._cache = StateCache(path)
        except CacheUnusable:
            self._drop_cache()

    def _drop_cache(self) -> None:
        """Stop using a cache that failed: the files are the truth, and the next open rebuilds it."""
        if self._cache is not None:
            if not self._cache.invalidate():
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(OSError):
                        (self.directory / (CACHE_NAME + suffix)).unlink(missing_ok=True)
            self._cache.close()
            self._cache = None
        if any(table is None for table in self._tables.values()):
            with self._locked(exclusive=False):  # read what no writer is halfway through
                self._reload()

    def _cache_state(self) -> CachedState:
        assert self._snapshot_sig is not None
        return CachedState(self._snapshot_sig, self._seq, self._journal_sig, self._journal_pos, self._meta)

    def _reload(self) -> None:
        """Take the state afresh (caller holds the lock): from the cache when it holds the
        snapshot on disk, else from the snapshot and the whole journal (and rebuild the cache)."""
        loaded = [kind for kind, table in self._tables.items() if table is not None]
        self._changes.clear()
        try:
            if self._cache is not None and self._reload_from_cache():
                for kind in loaded:
                    self._load_kind(kind)
                self._check_nothing_lost()
            else:
                self._load_everything()
        except WorkspaceCorrupt as exc:
            self._damaged, self._damaged_files = exc, self._files_now()
            raise
        finally:
            self.revision += 1
            self._reloaded_at = self.revision
        self._damaged = None

    def _files_now(self) -> tuple:
        """What says the workspace's files changed: a damaged workspace is read again only then."""
        try:
            backups = self.backup_dir.stat().st_mtime_ns
        except OSError:
            backups = None
        return (file_signature(self.snapshot_path), file_signature(self.journal_path),
                file_signature(self.directory / ISSUED_NAME), backups)

    def _check_nothing_lost(self) -> None:
        """Refuse a workspace whose files no longer hold every change that was written: a
        snapshot deleted or replaced by an older copy, a journal whose end was cut off. Read on,
        it looked whole (11 of 50 items, doctor ok) and the next change built on the loss: its
        ids were given again, and repair made the reduced state the new snapshot."""
        if self._meta.get("schema_version", 0) < SCHEMA_VERSION:
            return  # its journal is read by the migration (under the write lock), then checked
        folded = self._meta.get("folded_seq", 0)
        held = max(folded, self._journal_last_seq)  # what prodops.json and journal.jsonl hold
        newest = newest_backup(self.backup_dir)
        if newest is not None and newest.last > held:
            where = "is missing" if self._snapshot_sig is None else f"holds changes up to {folded}"
            raise WorkspaceCorrupt(self.snapshot_path, f"it {where}, but backups/{newest.path.name} holds changes up to "
                                                       f"{newest.last}: it was deleted or an older copy put in its place")
        issued = read_issued(self.directory)
        if issued is not None and issued.seq > held:
            raise WorkspaceCorrupt(self.journal_path, f"it ends at change {held}, but change {issued.seq} was written "
                                                      "(issued.json): its end was cut off or an older copy put in its place")
        if self._seq > held:  # the cache holds changes the files lost
            raise WorkspaceCorrupt(self.journal_path, f"it ends at change {held}, but the cache holds change {self._seq}: "
                                                      "its end was cut off or an older copy put in its place")

    def _cache_holding_snapshot(self) -> CachedState | None:
        """The cache's state when it was built from (or moved onto) the snapshot on disk now."""
        if self._cache is None:
            return None
        try:
            state = self._cache.state()
        except CacheUnusable:
            self._drop_cache()
            return None
        if state is None or state.snapshot_sig != file_signature(self.snapshot_path):
            return None
        return state

    def _reload_from_cache(self) -> bool:
        state = self._cache_holding_snapshot()
        if state is None:
            return False
        snapshot_sig = state.snapshot_sig
        self._tables = {t.KIND: None for t in RECORD_TYPES}
        self._meta = dict(state.meta, next_ids=dict(state.meta.get("next_ids", {})))
        self._seq = state.seq
        self._snapshot_sig = snapshot_sig
        self._journal_pos = self._resume_point(state)
        # Resumed: the journal is as the cache's last writer left it, ending at the cache's entry.
        self._journal_last_seq = state.seq if self._journal_pos else 0
        self._journal_sig = None
        self._read_new_journal()
        return True

    def _resume_point(self, state: CachedState) -> int:
        """Where in the journal the cache's last entry ends, when the journal is exactly as the
        cache's last writer left it; else 0: read it all (entries already held are skipped by
        number), so a journal changed any other way is checked line by line as before."""
        if state.journal_sig is not None and file_signature(self.journal_path) == state.journal_sig:
            return state.journal_pos
        return 0

    def _load_everything(self) -> None:
        # Building 100,000 records triggers many cyclic-GC passes that find nothing
        # to free (about a quarter of the open time); pause it while loading.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._load_files()
        finally:
            if gc_was_enabled:
                gc.enable()
        # Before the cache is rebuilt from the files: when they lost changes, the cache may be
        # the one copy still holding them (repair takes them from it).
        self._check_nothing_lost()
        if self._cache is not None and self._snapshot_sig is not None and self._meta.get("schema_version", 0) == SCHEMA_VERSION:
            tables: dict[str, Iterable[tuple[int, dict[str, Any]]]] = {
                kind: ((n, r.to_dict()) for n, r in table.items()) for kind, table in self._tables.items() if table}
            try:
                self._cache.rebuild(tables, self._cache_state())
            except CacheUnusable:
                self._drop_cache()

    def _table(self, kind: str) -> dict[int, Record]:
        table = self._tables[kind]
        if table is None:
            with self._thread_lock:
                table = self._tables[kind]
                if table is None and self._load_kind_unlocked(kind):
                    table = self._tables[kind]
                if table is None:
                    with self._locked(exclusive=False):
                        self._catch_up()  # the cache may hold entries newer than ours: take them first
                        table = self._tables[kind]
                        if table is None:
                            table = self._load_kind(kind)
        return table

    def _records(self, record_type: type[R]) -> dict[int, R]:
        """The loaded table of one kind, typed as that kind: a table holds only the records its
        kind's type built (TYPE_BY_KIND), which the checker cannot follow through the kind string."""
        return cast(dict[int, R], self._table(record_type.KIND))

    def _load_kind_unlocked(self, kind: str) -> bool:
        """Load a kind without the workspace lock (reading 100,000 items takes a second or two,
        and a writer must not wait for that): the cache gives the kind at its own entry C in
        one read transaction. Ours is at S <= C (writers fill the cache as they write); the
        entries after S are replayed onto every table, the new one included. Replaying
        entries it already holds is harmless: each puts or deletes a whole record, in order,
        so the last one wins. False when the cache is not at a state we can start from."""
        if self._cache is None:
            return False

        def build(state: CachedState | None, rows: Iterable[tuple[int, str]]) -> tuple[CachedState, dict[int, Record]] | None:
            if state is None or state.snapshot_sig != self._snapshot_sig or state.seq < self._seq:
                return None
            return state, _build_records(TYPE_BY_KIND[kind], rows)

        try:
            built = self._cache.kind_at(kind, build)
        except CacheUnusable:
            self._drop_cache()
            return self._tables[kind] is not None
        if built is None:
            return False
        state, table = built
        _check_ids(TYPE_BY_KIND[kind], table, self.snapshot_path)
        if state.seq > self._seq:
            with self._locked(exclusive=False):
                if not self._replay_onto(kind, table):
                    return False
        self._tables[kind] = table
        self._fields_read.pop(kind, None)  # the records answer from here on (100,000 rows: 16 MB)
        self.loads[kind] += 1
        return True

    def _replay_onto(self, kind: str, table: dict[int, Record]) -> bool:
        """Install `table` (ahead of us) and catch up with the journal (caller holds the lock)."""
        if file_signature(self.snapshot_path) != self._snapshot_sig:
            return False  # folded or replaced meanwhile: the locked path sorts that out
        self._tables[kind] = table
        self._catch_up()
        return True

    def _load_kind(self, kind: str) -> dict[int, Record]:
        """One kind, read whole from the cache (which holds exactly our revision)."""
        assert self._cache is not None
        try:
            table = self._cache.kind_at(kind, lambda _, rows: _build_records(TYPE_BY_KIND[kind], rows))
        except CacheUnusable:
            self._drop_cache()  # loads every kind from the files
            dropped = self._tables[kind]
            assert dropped is not None
            return dropped
        _check_ids(TYPE_BY_KIND[kind], table, self.snapshot_path)
        self._tables[kind] = table
        self._fields_read.pop(kind, None)
        self.loads[kind] += 1
        return table

    def load_all(self, *, but: Iterable[type[Record]] = ()) -> None:
        """Every kind in memory now (the app: so no later read waits for a lock or the disk);
        `but` these, left to a later load_all (the app at 100k: feedback, after the first frame)."""
        left = {record_type.KIND for record_type in but}
        for kind in self._tables:
            if kind not in left:
                self._table(kind)

    def read_by_page(self, record_type: type[Record]) -> None:
        """From now on, reading records of this kind one at a time never loads the kind whole by
        itself (the app at 100,000 items holds a page of feedback: a key press must not wait
        seconds for every item); load_all() and all() still load it."""
        self._read_by_page.add(record_type.KIND)

    def unload(self, record_type: type[Record]) -> bool:
        """Let go of a kind's records when the cache holds them as they are (the app at 100k
        items after an open that read the files whole: a copied or restored workspace, a plain
        TinyDB edit); later reads go to the cache. False when the cache cannot vouch for them."""
        with self._thread_lock, self._locked(exclusive=False):
            self._catch_up()
            if self._tables[record_type.KIND] is None:
                return False
            state = self._cache_holding_snapshot()
            if state is None or state.seq != self._seq:
                return False
            self._tables[record_type.KIND] = None
            return True

    def loaded(self, record_type: type[Record]) -> bool:
        """Whether a kind is in memory: reading it then waits for nothing."""
        return self._tables[record_type.KIND] is not None

    def _load_files(self) -> None:
        raw = AtomicJSONStorage(self.snapshot_path).read()
        tables: dict[str, dict[int, Record] | None] = {t.KIND: {} for t in RECORD_TYPES}  # every kind: the files hold them all
        meta: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "folded_seq": 0, "next_ids": {}}
        if raw is not None:
            version = schema_version_of(raw, self.snapshot_path)
            if version > SCHEMA_VERSION:
                raise WorkspaceTooNew(self.snapshot_path, version, SCHEMA_VERSION)
            meta = dict(raw[META_TABLE]["1"])
            meta["next_ids"] = dict(meta.get("next_ids", {}))
            if version < SCHEMA_VERSION:
                # Not readable by this version's records until migrated (done under the write lock).
                self._meta = meta
                return
            for kind, record_type in TYPE_BY_KIND.items():
                docs = raw.get(kind, {})
                if not isinstance(docs, dict):
                    raise WorkspaceCorrupt(self.snapshot_path, f"table {kind} is not an object")
                for n, doc in docs.items():
                    problem = record_problem(record_type, int(n), doc) if n.isdigit() else "its number is not a number"
                    if problem is not None:
                        raise WorkspaceCorrupt(self.snapshot_path, f"table {kind}, record {n}: not a {kind} record ({problem}); "
                                                                   "prodops doctor --repair restores it from a backup or sets it aside")
                tables[kind] = {int(n): record_type.from_dict(doc) for n, doc in docs.items()}
        self._tables = tables
        self._meta = meta
        self._seq = meta.get("folded_seq", 0)
        self._snapshot_sig = file_signature(self.snapshot_path)
        self._journal_sig = None
        self._journal_pos = 0
        self._journal_last_seq = 0
        self._read_new_journal(update_cache=False)

    def _read_new_journal(self, *, update_cache: bool = True) -> bool:
        new, pos, newest = read_journal(self.journal_path, self._journal_pos, held=self._seq)
        # Checked whole before any is applied: a refused journal leaves what we hold as it was.
        expected = self._seq + 1
        for entry in new:
            if entry.get("v", 1) > SCHEMA_VERSION:
                raise WorkspaceTooNew(self.journal_path, entry["v"], SCHEMA_VERSION)
            if entry["seq"] != expected:
                raise self._gap(expected, entry["seq"])
            expected += 1
        self._journal_pos = pos
        self._journal_sig = file_signature(self.journal_path)
        self._journal_last_seq = max(self._journal_last_seq, newest)
        applied = []
        for entry in new:
            self._apply(entry)
            applied.append(entry)
        if applied and update_cache:
            # Normally the writer stored them in the cache already (then this does nothing);
            # not if it died between the journal and the cache.
            self._store_in_cache(applied)
        return bool(applied)

    def _gap(self, expected: int, found: int) -> WorkspaceCorrupt:
        missing = f"change {expected}" if found == expected + 1 else f"changes {expected}-{found - 1}"
        if self._snapshot_sig is None:
            return WorkspaceCorrupt(self.snapshot_path, f"it is missing, and the journal starts at change {found}: "
                                                        f"{missing} were folded into it")
        return WorkspaceCorrupt(self.journal_path, f"{missing} missing: it goes from change {expected - 1} to change {found}")

    def _store_in_cache(self, entries: list[dict[str, Any]], *, texts: dict[int, list[str | None]] | None = None) -> None:
        if self._cache is None:
            return
        try:
            self._cache.apply(entries, self._cache_state(), texts=texts)
        except CacheUnusable:
            self._drop_cache()

    def _apply(self, entry: dict[str, Any]) -> None:
        next_ids = self._meta["next_ids"]
        touched: list[str] = []
        for op, kind, number, doc in entry["ops"]:
            record_type = TYPE_BY_KIND.get(kind)
            if record_type is None:
                raise WorkspaceCorrupt(self.journal_path, f"entry {entry['seq']} names an unknown kind {kind!r}")
            table = self._tables[kind]
            if table is None:
                pass  # not loaded: the cache holds it, read when first asked for
            elif op == "put":
                table[number] = record_type.from_dict(doc)  # checked when read (journal.entry_problem)
            else:
                table.pop(number, None)
            if number + 1 > next_ids.get(record_type.PREFIX, 1):
                next_ids[record_type.PREFIX] = number + 1
            touched.append(f"{record_type.PREFIX}-{number}")
        self._seq = entry["seq"]
        self.revision += 1
        self._changes.append((self.revision, tuple(touched)))

    @property
    def seq(self) -> int:
        """The last journal entry this store holds: the same number in every process."""
        return self._seq

    def changed_after_entry(self, seq: int) -> set[str] | None:
        """The ids of records changed after journal entry `seq` by any process, or None when
        that is not known (no cache, or it was rebuilt since): for indexes kept on disk."""
        if seq == self._seq:
            return set()
        if self._cache is None or seq > self._seq:
            return None
        try:
            changed = self._cache.changed_after(seq)
        except CacheUnusable:
            self._drop_cache()
            return None
        if changed is None:
            return None
        return {f"{TYPE_BY_KIND[kind].PREFIX}-{number}" for kind, number in changed}

    def changed_since(self, revision: int) -> set[str] | None:
        """The ids of records changed after `revision`, or None when that is not known any
        more (a reload, or more changes than are kept): then everything may have changed."""
        if revision < self._reloaded_at or (self._changes and revision < self._changes[0][0] - 1):
            return None
        if not self._changes and revision < self.revision:
            return None
        changed: set[str] = set()
        for at, ids in reversed(self._changes):  # newest first, revisions rising: stop at the first old one
            if at <= revision:  # (every change announced walked all CHANGES_KEPT of them)
                break
            changed.update(ids)
        return changed

    # --- locking ------------------------------------------------------------

    @contextmanager
    def _locked(self, *, exclusive: bool, blocking: bool = True) -> Iterator[bool]:
        """Hold the workspace lock (shared for reading, exclusive for writing).

        Yields False instead of waiting when `blocking` is off and another process
        holds it (the app's refresh timer must never freeze the UI behind a fold)."""
        with self._thread_lock:
            if self._lock_fd is None:
                self._lock_fd = self._open_lock_file()
            wanted = locking.EXCLUSIVE if exclusive else locking.SHARED
            outer_mode = self._lock_mode
            take = self._lock_depth == 0 or (exclusive and outer_mode != locking.EXCLUSIVE)
            if take:
                try:
                    locking.lock(self._lock_fd, wanted | (0 if blocking else locking.NONBLOCKING))
                except OSError as exc:
                    if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN) and not blocking:
                        yield False
                        return
                    raise
                self._lock_mode = wanted
            self._lock_depth += 1
            try:
                yield True
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0:
                    locking.lock(self._lock_fd, locking.UNLOCK)
                    self._lock_mode = 0
                elif take and outer_mode != self._lock_mode:
                    locking.lock(self._lock_fd, outer_mode)
                    self._lock_mode = outer_mode

    def _open_lock_file(self) -> int:
        path = self.directory / LOCK_NAME
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS) or not path.exists():
                raise
            # A folder that cannot be written (a read-only mount, someone else's files): the lock
            # works as well on a file opened for reading, so the workspace can still be read. A
            # change is refused where it writes, naming the journal.
            return os.open(path, os.O_RDONLY)

    def _catch_up(self) -> bool:
        """Take in what other processes wrote since we last looked (caller holds the lock)."""
        if self._damaged is not None:
            if self._files_now() == self._damaged_files:
                raise WorkspaceCorrupt(self._damaged.path, self._damaged.reason)  # as found: not read again
            self._reload()  # raises again unless the workspace was repaired meanwhile
            return True
        if file_signature(self.snapshot_path) != self._snapshot_sig:
            if self._take_fold():
                return self._read_new_journal()
            self._reload()  # another process repaired or rewrote the workspace
            return True
        sig = file_signature(self.journal_path)
        if sig == self._journal_sig:
            return False
        if sig is None or self._journal_sig is None or sig[0] != self._journal_sig[0] or sig[1] < self._journal_pos:
            self._reload()
            return True
        return self._read_new_journal()

    def _take_fold(self) -> bool:
        """Another process folded what we already hold: move onto its snapshot and journal
        without reading a record again. False when the cache cannot vouch for that."""
        state = self._cache_holding_snapshot()
        if state is None:
            return False
        folded_seq = state.meta.get("folded_seq", 0)
        if folded_seq > self._seq:
            return False  # it folded changes we never read: they are in backups/ now
        self._meta["folded_seq"] = folded_seq
        self._meta["folded_at"] = state.meta.get("folded_at")
        self._snapshot_sig = state.snapshot_sig
        self._journal_sig = None
        self._journal_pos = 0  # a new journal: what we hold already is skipped by number
        return True

    def refresh(self) -> bool:
        """Notice changes made by other processes; True if anything changed.

        Cheap when nothing did (two stat calls); never waits for another process's lock."""
        if self._closed:
            return False
        with self._announcing(), self._thread_lock:
            if (
                file_signature(self.snapshot_path) == self._snapshot_sig
                and file_signature(self.journal_path) == self._journal_sig
            ):
                return False
            with self._locked(exclusive=False, blocking=False) as got:
                return self._catch_up() if got else False

    # --- reading ------------------------------------------------------------

    def get(self, record_id: str) -> Record | None:
        try:
            record_type = type_of_id(record_id)
            _, number = split_id(record_id)
        except ValueError:
            return None
        table = self._tables[record_type.KIND]
        if table is not None:
            return table.get(number)
        self._point_reads[record_type.KIND] += 1
        if self._point_reads[record_type.KIND] > POINT_READS and record_type.KIND not in self._read_by_page:
            return self._table(record_type.KIND).get(number)  # read one by one, a walk over a kind costs more
        return self._get_cached(record_type, number)

    def _get_cached(self, record_type: type[Record], number: int) -> Record | None:
        with self._thread_lock, self._locked(exclusive=False):
            self._catch_up()
            table = self._tables[record_type.KIND]
            if table is not None:
                return table.get(number)
            assert self._cache is not None
            try:
                doc = self._cache.doc(record_type.KIND, number)
            except CacheUnusable:
                self._drop_cache()
                return self.get(f"{record_type.PREFIX}-{number}")
            return record_type.from_dict(json.loads(doc)) if doc is not None else None

    def get_many(self, record_type: type[R], numbers: list[int]) -> list[R]:
        """These records of one kind (those that exist), read together: a few thousand of
        100,000 items without loading the others."""
        return [record for _, record in self._numbered(record_type, numbers)]

    def _numbered(self, record_type: type[R], numbers: list[int]) -> list[tuple[int, R]]:
        """get_many, each record with the number it is stored under."""
        if self._tables[record_type.KIND] is None and self._cache is not None:
            with self._thread_lock, self._locked(exclusive=False):
                self._catch_up()
                if self._tables[record_type.KIND] is None and self._cache is not None:
                    try:
                        rows = self._cache.docs_of(record_type.KIND, numbers)
                    except CacheUnusable:
                        self._drop_cache()
                    else:
                        try:
                            return [(number, record_type.from_dict(json.loads(doc))) for number, doc in rows]
                        except (ValueError, TypeError, AttributeError):  # not a record's JSON (a hand edit): the files
                            self._drop_cache()
        table = self._records(record_type)
        return [(n, table[n]) for n in numbers if n in table]

    def check_every_record(self, *, page: int = 2048) -> None:
        """Read every record of every kind and check that each is the one its number says, as
        loading them does, a page at a time where the cache holds them and keeping none: `prodops
        doctor` loaded every kind whole (1,858 MB at a million items, its largest command)."""
        for kind in self._tables:
            record_type = TYPE_BY_KIND[kind]
            numbers = [number for number, in self.fields(record_type, ())]
            for start in range(0, len(numbers), page):
                _check_ids(record_type, dict(self._numbered(record_type, numbers[start:start + page])), self.snapshot_path)

    def fields(self, record_type: type[Record], names: tuple[str, ...], where: tuple[Where, ...] = ()) -> list[tuple]:
        """(number, then the value of each named field) for every record of one kind, in number
        order, without building the records when they are not in memory: for counting and
        choosing over 100,000 items (the nudges). Scalar fields only (text, numbers, None).
        `where`: only the records for which every condition holds (SQLite picks them)."""
        kind = record_type.KIND
        if where:
            return self._from_cache_or_records(
                record_type, lambda cache: cache.fields(kind, names, where),
                lambda table: [(n, *(getattr(r, name) for name in names)) for n, r in sorted(table.items()) if matches(r, where)])
        with self._thread_lock, self._locked(exclusive=False):
            self._catch_up()
            if self._tables[kind] is None and self._cache is not None:
                # One scan serves several asks of one revision (the app's inbox asks on every
                # refresh while the items load at 100k, the metrics count reads wider rows):
                # what a wider earlier ask read is projected, not read again.
                kept = self._fields_read.get(kind)
                if kept is not None and kept[0] == self.revision and set(names) <= set(kept[1]):
                    if not names:  # itemgetter(0) alone gives the number, not a row of one
                        return [row[:1] for row in kept[2]]
                    # itemgetter: one C call a row (a generator per row cost 0.44 s at 100k)
                    pick = itemgetter(0, *(kept[1].index(name) + 1 for name in names))
                    return [pick(row) for row in kept[2]]
                try:
                    rows = self._cache.fields(kind, names)
                except CacheUnusable:
                    self._drop_cache()
                else:
                    self._fields_read[kind] = (self.revision, names, rows)
                    return rows
            return [(n, *(getattr(r, name) for name in names)) for n, r in sorted(self._table(kind).items())]

    def fields_newest_received(self, record_type: type[Record], names: tuple[str, ...]) -> list[tuple]:
        """(number, then the value of each named field) for every record of one kind that has
        `received_at`, newest received first, then the higher number: as fields(), from the
        cache's columns when the records are not in memory (an inbox view's order at 100,000
        items, no item built)."""
        kind = record_type.KIND

        def from_records(table: dict[int, Record]) -> list[tuple]:
            received = attrgetter("received_at")  # a kind's field, not every Record's
            ordered = sorted(table.items(), key=lambda pair: (received(pair[1]), pair[0]), reverse=True)
            return [(n, *(getattr(r, name) for name in names)) for n, r in ordered]

        return self._from_cache_or_records(record_type, lambda cache: cache.fields_newest_received(kind, names), from_records)

    def records_where(self, record_type: type[R], where: tuple[Where, ...]) -> list[R]:
        """The records of one kind for which every condition holds, in no set order: picked by the
        cache's columns and read alone when the kind is not in memory (an opportunity's few items
        of 100,000), without building the others."""
        return self.get_many(record_type, [number for number, in self.fields(record_type, (), where=where)])

    def count_where(self, record_type: type[Record], where: tuple[Where, ...]) -> int:
        """How many records of one kind every condition holds for (counted by SQLite from the
        cache's columns when the records are not in memory)."""
        return self._from_cache_or_records(
            record_type, lambda cache: cache.count_where(record_type.KIND, where),
            lambda table: sum(1 for r in table.values() if matches(r, where)))

    def distinct(self, record_type: type[Record], name: str) -> set:
        """The values one scalar field takes over the records of one kind (a few sources over
        100,000 items), without building the records when they are not in memory."""
        return self._from_cache_or_records(record_type, lambda cache: cache.distinct(record_type.KIND, name),
                                           lambda table: {getattr(r, name) for r in table.values()})

    def _from_cache_or_records(self, record_type: type[Record], from_cache: Callable[[StateCache], T],
                               from_records: Callable[[dict[int, Record]], T]) -> T:
        """An answer about one kind: from the cache while the kind is not in memory, else (or
        when the cache fails) from the records."""
        kind = record_type.KIND
        with self._thread_lock, self._locked(exclusive=False):
            self._catch_up()
            if self._tables[kind] is None and self._cache is not None:
                try:
                    return from_cache(self._cache)
                except CacheUnusable:
                    self._drop_cache()
            return from_records(self._table(kind))

    def newest_received(self, record_type: type[R]) -> Iterator[R]:
        """The records of one kind (that has `received_at`), newest received first, then the
        higher number: read a chunk at a time, so taking the first 20 of 100,000 items does
        not build the others. Holds the shared lock while it is iterated."""
        kind = record_type.KIND
        with self._thread_lock, self._locked(exclusive=False):
            self._catch_up()
            if self._tables[kind] is not None or self._cache is None:
                records = self._records(record_type).values()
                yield from sorted(records, key=attrgetter("received_at", "number"), reverse=True)
                return
            try:
                numbers = self._cache.numbers_newest_received(kind)
                for start in range(0, len(numbers), 256):
                    chunk = numbers[start:start + 256]
                    docs = dict(self._cache.docs_of(kind, chunk))
                    for number in chunk:
                        yield record_type.from_dict(json.loads(docs[number]))
            except CacheUnusable:
                self._drop_cache()
                raise ProdopsError("the workspace cache failed while listing; run the command again") from None

    def all(self, record_type: type[R]) -> list[R]:
        return list(self._records(record_type).values())

    def read_all(self, record_type: type[R]) -> list[R]:
        """Every record of one kind, in number order, without keeping them in memory when the kind
        is read by page (read_by_page): one pass of a worker over 100,000 items (the first
        look-alike build, a rebuild of the stored words), after which the app holds a page again."""
        if record_type.KIND not in self._read_by_page or self.loaded(record_type):
            return sorted(self.all(record_type), key=attrgetter("number"))
        return sorted(self.get_many(record_type, [number for number, in self.fields(record_type, ())]), key=attrgetter("number"))

    def iter_all(self, record_type: type[R], *, page: int = 2048) -> Iterator[R]:
        """Every record of one kind in number order, as read_all, a page at a time from the cache
        when the kind is not in memory, kept by no one but the caller (the stored search words'
        rebuild at a million items held every item at once: 1.4 GB). Each page is read as the
        store is then; a caller that records how far it got takes self.seq before the first."""
        if self.loaded(record_type):
            yield from sorted(self.all(record_type), key=attrgetter("number"))
            return
        numbers = [number for number, in self.fields(record_type, ())]
        for start in range(0, len(numbers), page):
            yield from sorted(self.get_many(record_type, numbers[start:start + page]), key=attrgetter("number"))

    def count(self, record_type: type[Record]) -> int:
        table = self._tables[record_type.KIND]
        if table is None and self._cache is not None:
            with self._thread_lock, self._locked(exclusive=False):
                self._catch_up()
                if self._tables[record_type.KIND] is None:
                    # Kept for the revision: at 100k items a count is a 20-35 ms query, and the
                    # app asks on a key press (the inbox) as well as at start.
                    counted = self._counted.get(record_type.KIND)
                    if counted is not None and counted[0] == self.revision:
                        return counted[1]
                    try:
                        found = self._cache.count(record_type.KIND)
                    except CacheUnusable:
                        self._drop_cache()
                    else:
                        self._counted[record_type.KIND] = (self.revision, found)
                        return found
        return len(self._table(record_type.KIND))

    def next_number(self, prefix: str) -> int:
        return self._meta["next_ids"].get(prefix, 1)

    @property
    def created_at(self) -> str:
        return self._meta.get("created_at", "")

    def derived(self, key: str, build: Callable[[Store], T]) -> T:
        """A value computed from what the store holds (an index, a lookup table), built once
        per revision and shared by every caller: the one place derived data is kept, so a
        change can never leave a stale copy behind. `key` names it (module.what)."""
        revision = self.revision
        kept = self._derived.get(key)
        if kept is not None and kept[0] == revision:
            return kept[1]
        value = build(self)
        self._derived[key] = (revision, value)
        return value

    # --- announcing -----------------------------------------------------------

    def on_revision(self, listener: Callable[[int, frozenset[str] | None], None]) -> Callable[[], None]:
        """Call `listener(revision, changed)` after every change this store comes to hold: its
        own, an undo, or another process's seen by refresh(). `changed` holds the ids of the
        records it touched (their prefix says the kind), or None when that is not known (a full
        reload: anything may have changed). It runs on the thread that made the change, after
        the store's locks are released.
        Returns a function that stops it."""
        if not self._listeners:
            self._announced = self.revision  # what it holds now is not news
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    @contextmanager
    def _announcing(self) -> Iterator[None]:
        depth = getattr(self._calls, "depth", 0)
        self._calls.depth = depth + 1
        try:
            yield
        finally:
            self._calls.depth = depth
        if depth == 0 and self.revision != self._announced:
            changed = self.changed_since(self._announced)
            self._announced = self.revision
            touched = frozenset(changed) if changed is not None else None
            for listener in list(self._listeners):
                listener(self.revision, touched)

    # --- writing ------------------------------------------------------------

    @contextmanager
    def change(self, label: str, *, origin: str = "app", history: bool = True) -> Iterator[Transaction]:
        """Make one change: everything put, added or deleted in the block is stored as
        one journal line, durable on disk when the block exits, or not at all."""
        if self.changes_refused:
            raise ChangeRefused(self.changes_refused)
        with self._announcing(), self._thread_lock, self._locked(exclusive=True):
            self._catch_up()
            tx = Transaction(self, label, origin, self.clock(), history)
            yield tx
            if not tx._staged:
                return
            encoded = tx._encoded(self._seq + 1)
            entry = encoded.entry
            self._append(encoded.line)
            # Stored from here on: nothing below may make the change look failed (the user
            # would retry it and store it twice).
            self._apply(entry)
            self._journal_last_seq = self._seq
            self._issued_file.write(Issued(self._seq, dict(self._meta["next_ids"])))
            self._store_in_cache([entry], texts={entry["seq"]: encoded.texts})
            if self.auto_fold and self.fold_due():
                self.fold_after_change()

    def _append(self, line: bytes) -> None:
        """The change (its journal line) durable at the journal's end, or, when this raises, not
        in it at all."""
        with naming(self.journal_path):
            fd, created = self._journal_for_append()
            try:
                self._append_line(fd, line, created)
                after = os.fstat(fd)
            except BaseException:
                self._close_journal()
                raise
            if not HOLD_OPEN_FILES:  # the journal stays open between changes where it may
                self._close_journal()
        self._journal_pos += len(line)
        self._journal_sig = (after.st_ino, after.st_size, after.st_mtime_ns)  # what file_signature gives

    @property
    def _journal_sig(self) -> tuple[int, int, int] | None:
        """The journal's (inode, size, mtime) when last read or written; None: no journal then."""
        return self._journal_sig_now

    @_journal_sig.setter
    def _journal_sig(self, sig: tuple[int, int, int] | None) -> None:
        self._journal_sig_now = sig
        if self._journal_fd is not None and (sig is None or sig[0] != self._journal_fd_ino):
            # Folded away or replaced: let the old file go now, not at the next change (an
            # import's journal can be hundreds of MB, held on the disk while it stays open).
            self._close_journal()

    def _journal_for_append(self) -> tuple[int, bool]:
        """The journal open for appending (the caller holds the exclusive lock and has caught
        up, so _journal_sig is the file at the path now), and whether it was just created."""
        sig = self._journal_sig
        if self._journal_fd is not None and sig is not None and sig[0] == self._journal_fd_ino:
            return self._journal_fd, False
        self._close_journal()
        created = sig is None and not self.journal_path.exists()
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._journal_fd, self._journal_fd_ino = fd, os.fstat(fd).st_ino
        return fd, created

    def _close_journal(self) -> None:
        if self._journal_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._journal_fd)
            self._journal_fd = None

    def _append_line(self, fd: int, line: bytes, created: bool) -> None:
        size = os.fstat(fd).st_size
        if size > self._journal_pos:
            # A torn line left by a process that died mid-write: cut it off so
            # this entry does not get glued onto it.
            os.ftruncate(fd, self._journal_pos)
        try:
            write_all_and_fsync(fd, line)
            if created:
                fsync_dir(self.directory)
        except BaseException:
            # Written but not made durable (fsync failed): every later read would still
            # find the line, so an error reported now would be a lie and a retry a duplicate.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, self._journal_pos)
            raise

    def defer_folds(self) -> None:
        """From now on a change never folds by itself: the caller folds when fold_due() says
        so, off its user's path (the app, in a worker: a 100k-item fold takes seconds)."""
        self.auto_fold = False

    def fold_due(self) -> bool:
        """The journal has outgrown a quarter of the snapshot: folding now keeps the
        amortised cost of a change independent of the workspace's size."""
        return self._journal_pos >= self._fold_threshold()

    def fold_failing(self) -> str | None:
        """Why the journal is not being folded, when it is FOLD_OVERDUE_TIMES past due and the
        last fold (in the background, where nobody sees it) failed or was killed; None while
        folds succeed or run, however far an import outruns them."""
        if self._journal_pos < FOLD_OVERDUE_TIMES * self._fold_threshold():
            return None
        return fold_failure(self.directory)

    def _fold_threshold(self) -> int:
        """A quarter of the snapshot, at least fold_min_bytes; a small snapshot sooner, once the
        journal outgrows it and FIRST_FOLD_BYTES."""
        snapshot_size = self._snapshot_sig[1] if self._snapshot_sig else 0
        return max(snapshot_size // 4, min(self.fold_min_bytes, max(snapshot_size, FIRST_FOLD_BYTES)))

    @property
    def journal_bytes(self) -> int:
        return self._journal_pos

    def fold(self, *, only_if_due: bool = False) -> bool:
        """Fold the journal into the TinyDB file (`prodops compact`, a background fold).

        The new snapshot is written with no lock held (seconds at 100,000 items): streamed from
        one read transaction of the cache, a record at a time, so a fold's memory does not grow
        with the workspace (a 1M-item fold that built every record took 10 GB); from a copy of
        the records in memory when the cache cannot vouch for the state. The backups it keeps
        are compressed meanwhile too. The exclusive lock is held only to rename them in and keep
        the journal's newer entries, so no change waits for a fold. Returns False when there was
        nothing to do (or another process folded)."""
        if only_if_due and not self.fold_due():
            return False
        # One fold at a time: a fold when due leaves it to one already running; compact waits.
        with self._announcing(), fold_turn(self.directory, self.clock, wait=not only_if_due) as ours:
            if not ours:
                return False
            plan = self._copy_for_fold(only_if_due)
            if plan is None:
                return False
            temps: list[Path] = []
            try:
                tmp = self._write_snapshot(plan)
                temps.append(tmp)
                kept = self._compress_backups(plan)
                temps += kept.values()
                with self._thread_lock, self._locked(exclusive=True):
                    if file_signature(self.snapshot_path) != plan.base_sig or _inode(self.journal_path) != plan.journal_inode:
                        return False  # another process folded or repaired meanwhile
                    self._catch_up()
                    self._swap_in(tmp, plan.seq, plan.meta, plan.journal_end, keep_snapshot=plan.keeps_snapshot,
                                  kept_snapshot=kept.get("snapshot"), kept_segment=kept.get("segment"),
                                  history_from=plan.history_from)
            finally:
                if plan.reader is not None:
                    plan.reader.close()
                for temp in temps:
                    temp.unlink(missing_ok=True)
            return True

    def _copy_for_fold(self, only_if_due: bool) -> _FoldPlan | None:
        """What the fold writes: the state at our newest entry, read from a read transaction of
        the cache opened under the shared lock (so at exactly that entry), or copied from memory.
        Writers carry on once it returns: the fold's copy is taken."""
        with self._thread_lock, self._locked(exclusive=False):
            self._catch_up()
            if not self._journal_pos or (only_if_due and not self.fold_due()):
                return None
            reader = self._cache_reader()
            if reader is not None:
                try:
                    history_from = reader.nth_newest(Change.KIND, HISTORY_KEPT)
                except CacheUnusable:
                    reader.close()
                else:
                    return _FoldPlan(self._seq, self._meta_after_fold(), self._snapshot_sig, self._journal_pos,
                                     _inode(self.journal_path), self._meta.get("folded_seq", 0), reader, None, history_from)
        copy = self._copy_in_memory(only_if_due)
        if copy is None:
            return None
        seq, meta, tables, base_sig, journal_end = copy
        return _FoldPlan(seq, meta, base_sig, journal_end, _inode(self.journal_path), self._meta.get("folded_seq", 0),
                         None, tables, min(tables.get(Change.KIND) or (0,)))

    def _copy_in_memory(self, only_if_due: bool):
        self.load_all()  # before the lock: reading 100k items takes seconds, and writers carry on
        with self._thread_lock, self._locked(exclusive=False):
            self._catch_up()
            if not self._journal_pos or (only_if_due and not self.fold_due()):
                return None
            self.load_all()
            self._trim_history()
            # Records are replaced, never changed in place, so shallow copies are a consistent state.
            tables = {kind: dict(table) for kind, table in self._tables.items() if table is not None}
            return self._seq, self._meta_after_fold(), tables, self._snapshot_sig, self._journal_pos

    def _cache_reader(self) -> CacheReader | None:
        """A read transaction of the cache when it holds exactly our state (caller holds the
        lock and has caught up: every writer stores its entry in the cache under the lock)."""
        if self._cache is None:
            return None
        try:
            reader = self._cache.reader()
        except CacheUnusable:
            return None
        if reader.seq != self._seq or reader.snapshot_sig != self._snapshot_sig:
            reader.close()
            return None
        return reader

    def _write_snapshot(self, plan: _FoldPlan) -> Path:
        """The new snapshot in a temporary file beside the live one. From the cache, each record's
        JSON text is checked as the snapshot's own records are (record_problem) and written as it
        is: a record the cache holds damaged falls back to the copy in memory, where it is named."""
        if plan.reader is not None:
            try:
                return write_temp_file(self.snapshot_path, _snapshot_chunks(plan.meta, plan.reader, plan.history_from))
            except (CacheUnusable, _NotARecord):
                plan.reader.close()
                plan.reader = None
                copy = self._copy_in_memory(False)
                if copy is None:
                    raise ProdopsError("the fold found nothing to fold on its second look; run it again") from None
                plan.tables = copy[2]
                plan.history_from = min(plan.tables.get(Change.KIND) or (0,))
        assert plan.tables is not None
        return write_temp_file(self.snapshot_path, _snapshot_bytes(plan.meta, plan.tables))

    def _compress_backups(self, plan: _FoldPlan) -> dict[str, Path]:
        """The journal being folded, and the snapshot being replaced when it is to be the new base
        (rebase_due, which sets plan.keeps_snapshot), compressed into backups/ now, without a
        lock (both stay as they are until the swap: one fold runs at a time, and the journal
        only grows past `journal_end`): each ready to be renamed in. Those under
        COMPRESSED_FROM are not here: the swap keeps them plain, as it always did."""
        kept: dict[str, Path] = {}
        ensure_private_dir(self.backup_dir)
        assert plan.base_sig is not None
        if plan.journal_end >= COMPRESSED_FROM:
            kept["segment"] = compressed_copy(self.journal_path, plan.journal_end, self.backup_dir,
                                              f"journal.{plan.old_folded_seq + 1:010d}-{plan.seq:010d}.jsonl")
        segment_bytes = kept["segment"].stat().st_size if "segment" in kept else plan.journal_end
        # This fold's segment among them: after a repair (which sets the journal aside) it does
        # not follow on from the newest backup, and the snapshot it replaces is then the only
        # copy of the changes between.
        this_segment = BackupFile(self.backup_dir / "(this fold's)", plan.old_folded_seq + 1, plan.seq)
        plan.keeps_snapshot = rebase_due([*backup_files(self.backup_dir), this_segment], segment_bytes)
        if plan.keeps_snapshot and plan.base_sig[1] >= COMPRESSED_FROM:
            kept["snapshot"] = compressed_copy(self.snapshot_path, plan.base_sig[1], self.backup_dir,
                                               f"prodops.{plan.old_folded_seq:010d}.json")
        return kept

    def fold_after_change(self) -> bool:
        """Fold now if due, as the tail of changes already stored (in a change, or after an
        import's batches). A failed fold does not raise: the changes are in the journal and stay
        there, and an error now would be reported for them (a retry would store them twice).
        The next change, `prodops compact` or the app's worker folds again; folds that keep
        failing are said by every command once the journal is far past due (fold_failing)."""
        try:
            return self.fold(only_if_due=True)
        except (OSError, ProdopsError):
            return False

    def _meta_after_fold(self) -> dict[str, Any]:
        """The _meta record of a snapshot of what we hold now (its own copy of next_ids)."""
        return dict(self._meta, next_ids=dict(self._meta.get("next_ids", {})), folded_seq=self._seq, folded_at=self.clock())

    def _swap_in(self, tmp: Path, seq: int, meta: dict[str, Any], journal_end: int, *, keep_snapshot: bool = True,
                 kept_snapshot: Path | None = None, kept_segment: Path | None = None, history_from: int = 0) -> None:
        """Make `tmp` (the state at entry `seq`, which ends at byte `journal_end` of the journal)
        the snapshot; the journal keeps only what came after. Caller holds the exclusive lock
        and has caught up. A crash anywhere here leaves a readable workspace: until the journal
        is replaced, its entries up to `seq` are skipped by number. `kept_snapshot` and
        `kept_segment`: the old snapshot and the folded journal already compressed into
        backups/ (else each is kept plain; the old snapshot only when `keep_snapshot`, the
        fold's rebase_due); `history_from`: the oldest undo record the new
        snapshot holds."""
        old_seq = self._meta.get("folded_seq", 0)
        ensure_private_dir(self.backup_dir)
        kept: Path | None = None
        if kept_snapshot is not None:
            put_in_place(kept_snapshot, f"prodops.{old_seq:010d}.json")  # a file of its own: nothing to undo below
        elif keep_snapshot and self.snapshot_path.exists():
            kept = self.backup_dir / f"prodops.{old_seq:010d}.json"
            copy_plain(self.snapshot_path, kept)  # free: the old file's inode lives on
        try:
            with naming(self.snapshot_path):
                os.replace(tmp, self.snapshot_path)
        except OSError:
            # The link must not outlive a failed swap: the backup would be the live file itself.
            if kept is not None and _same_file(kept, self.snapshot_path):
                kept.unlink(missing_ok=True)
            raise
        tail = b""
        if self.journal_path.exists():
            with open(self.journal_path, "rb") as fh:
                fh.seek(journal_end)
                tail = fh.read(self._journal_pos - journal_end)  # entries after `seq` (a torn end is dropped)
            if kept_segment is not None:
                # Changes old_seq+1 to seq; those written while the fold ran stay in the journal.
                segment = put_in_place(kept_segment, f"journal.{old_seq + 1:010d}-{seq:010d}.jsonl")
            else:
                segment = self.backup_dir / f"journal.{old_seq + 1:010d}-{self._seq:010d}.jsonl"
                copy_plain(self.journal_path, segment)
            try:
                if tail:
                    os.replace(write_temp_file(self.journal_path, tail), self.journal_path)
                else:
                    self.journal_path.unlink()
            except OSError:
                # Left linked, the segment would grow with every later change to the journal.
                if _same_file(segment, self.journal_path):
                    segment.unlink(missing_ok=True)
                raise
        fsync_dir(self.directory)
        self._meta = dict(self._meta, folded_seq=seq, folded_at=meta.get("folded_at"))
        self._snapshot_sig = file_signature(self.snapshot_path)
        self._journal_pos = len(tail)
        self._journal_sig = file_signature(self.journal_path)
        history = self._tables[Change.KIND]
        if history is not None:  # the undo history the new snapshot keeps (HISTORY_KEPT)
            for number in [n for n in history if n < history_from]:
                del history[number]
        if self._cache is not None:
            try:
                self._cache.rebase(self._cache_state(), trimmed_changes_below=history_from)
            except CacheUnusable:
                self._drop_cache()
        self._rotate_backups()
        for stale in self.stale_temp_files():
            stale.unlink(missing_ok=True)

    def _trim_history(self) -> None:
        history = self._table(Change.KIND)
        if len(history) > HISTORY_KEPT:
            for number in sorted(history)[: len(history) - HISTORY_KEPT]:
                del history[number]

    def _separate_backups(self) -> None:
        """A fold killed between linking a backup and replacing the live file leaves both names
        on one file: writing one would change the other. Copy such a backup apart."""
        for live in (self.snapshot_path, self.journal_path):
            try:
                if not live.exists() or live.stat().st_nlink < 2 or not self.backup_dir.is_dir():
                    continue
                for backup in self.backup_dir.iterdir():
                    if _same_file(backup, live):
                        copy = write_temp_file(backup, live.read_bytes())
                        os.replace(copy, backup)
            except OSError:
                continue  # a read-only or full disk: doctor reports it; nothing is lost by waiting

    def stale_temp_files(self, *, older_than_s: float = 3600.0) -> list[Path]:
        """Temp files a killed fold or write left beside the live files (a full copy of customer
        data each). Recent ones may be another process's fold being written: left alone."""
        now = time.time()
        found = []
        for candidate in self.directory.glob(".*.tmp"):
            try:
                if now - candidate.stat().st_mtime >= older_than_s:
                    found.append(candidate)
            except OSError:
                continue
        return sorted(found)

    def _rotate_backups(self) -> None:
        """The newest snapshot kept, and the journal segments after it (rotated_out)."""
        for old in rotated_out(backup_files(self.backup_dir)):
            old.path.unlink(missing_ok=True)
        for stale in stale_backup_temp_files(self.backup_dir):
            stale.unlink(missing_ok=True)

    # --- undo ---------------------------------------------------------------

    def undoable(self) -> Change | None:
        """The newest change that can still be taken back."""
        history = self._records(Change)
        for number in sorted(history, reverse=True):
            change = history[number]
            if change.undone_by is None and change.undoes is None:
                return change
        return None

    def undo(self, *, origin: str = "app") -> Change:
        """Take back the newest change not yet undone; refuse if its records changed since."""
        with self._announcing(), self._thread_lock, self._locked(exclusive=True):
            self._catch_up()
            target = self.undoable()
            if target is None:
                raise NothingToUndo("nothing to undo")
            for record_id, _before, after_digest in target.ops:
                current = self.get(record_id)
                if not same_state(current.to_dict() if current is not None else None, after_digest):
                    raise UndoConflict(
                        f"cannot undo “{target.label}”: {record_id} has changed since (undo the later change first)"
                    )
            # One journal line: the records restored, and the target marked undone.
            with self.change(f"undo: {target.label}", origin=origin) as tx:
                for record_id, before, _after in reversed(target.ops):
                    if before is None:
                        tx.delete(record_id)
                    else:
                        tx.put(type_of_id(record_id).from_dict(before), touch=False)
                tx.change_fields["undoes"] = target.id
                tx.put(replace(target, undone_by=tx.change_id), touch=False, quiet=True)
            return target

    # --- closing ------------------------------------------------------------

    def close(self) -> None:
        self._close_journal()
        self._issued_file.close()
        if self._cache is not None:
            self._cache.close()
            self._cache = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        self._closed = True


def _build_records(record_type: type[Record], rows: Iterable[tuple[int, str]]) -> dict[int, Record]:
    """number -> record from the cache's JSON rows; the cyclic GC paused meanwhile (building
    100,000 records set off passes that found nothing to free)."""
    from_dict, loads = record_type.from_dict, json.loads
    values, keys = record_type.SHARED_VALUES, record_type.SHARED_KEYS
    # One string for each repeated value and key (JSON gives every record its own copy): at
    # 100,000 imported items a status, a source, the import's timestamps and the kept columns'
    # names were about a fifth of the records' memory.
    shared: dict[str, str] = {}

    def build(doc: str) -> Record:
        data = loads(doc)
        for name in values:
            value = data.get(name)
            if value.__class__ is str:
                data[name] = shared.setdefault(value, value)
        for name in keys:
            value = data.get(name)
            if value:
                data[name] = {shared.setdefault(key, key): kept for key, kept in value.items()}
        return from_dict(data)

    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return {number: build(doc) for number, doc in rows}
    except (ValueError, TypeError, AttributeError) as exc:  # not a record's JSON (a hand edit): the files are read
        raise CacheUnusable(f"{record_type.KIND}: a cached document is not a record ({exc.__class__.__name__})") from exc
    finally:
        if gc_was_enabled:
            gc.enable()


class _NotARecord(Exception):
    """A record the cache holds is not one the snapshot may take: the fold uses its copy in memory."""


class _FoldPlan:
    """What one fold writes: the state at entry `seq` (which ends at byte `journal_end`), read
    from `reader` (a read transaction of the cache) or from `tables` (a copy in memory)."""

    def __init__(self, seq: int, meta: dict[str, Any], base_sig: tuple[int, int, int] | None, journal_end: int,
                 journal_inode: int | None, old_folded_seq: int, reader: CacheReader | None,
                 tables: dict[str, dict[int, Record]] | None, history_from: int):
        self.seq, self.meta, self.base_sig, self.journal_end = seq, meta, base_sig, journal_end
        self.journal_inode, self.old_folded_seq = journal_inode, old_folded_seq
        self.reader, self.tables, self.history_from = reader, tables, history_from
        self.keeps_snapshot = True  # whether backups/ keeps the snapshot it replaces (rebase_due)


def _snapshot_chunks(meta: dict[str, Any], reader: CacheReader, history_from: int) -> Iterator[bytes]:
    """The TinyDB file's content as _snapshot_bytes writes it, a thousand records (or a MB) at a time,
    from the cache's JSON texts, none built or encoded again. Each is parsed and its id checked,
    as the fold did when it built the records from the same texts (the cache takes only records
    checked on their way in: a journal line is checked when read, a snapshot's when loaded); a
    full shape check of each would double the fold's time. The undo history before
    `history_from` is left out (HISTORY_KEPT)."""
    loads = json.loads
    yield b'{"' + META_TABLE.encode() + b'":{"1":' + _dumps(meta).encode() + b"}"
    for kind, record_type in TYPE_BY_KIND.items():
        yield b"," + _dumps(kind).encode() + b":{"
        batch: list[str] = []
        size = 0
        first = True
        prefix = f"{record_type.PREFIX}-"
        for number, text in reader.rows(kind, from_number=history_from if kind == Change.KIND else 0):
            try:
                doc = loads(text)
            except ValueError:
                raise _NotARecord(f"{kind} {number}: not JSON") from None
            if doc.__class__ is not dict or doc.get("id") != f"{prefix}{number}":
                raise _NotARecord(f"{kind} {number}: not record {prefix}{number}")
            batch.append(f'"{number}":{text}')
            size += len(text)
            if len(batch) == 1000 or size >= 1 << 20:  # an import's undo records are 600 KB each
                yield (b"" if first else b",") + ",".join(batch).encode()
                batch, size, first = [], 0, False
        if batch:
            yield (b"" if first else b",") + ",".join(batch).encode()
        yield b"}"
    yield b"}"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def _snapshot_bytes(meta: dict[str, Any], tables: Mapping[str, Mapping[int, Record] | None]) -> bytes:
    """The TinyDB file's content: the _meta record and every table, as plain JSON."""
    data: dict[str, Any] = {META_TABLE: {"1": meta}}
    for kind, table in tables.items():
        data[kind] = {str(n): record.to_dict() for n, record in (table or {}).items()}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def fold_in_background(directory: Path, clock: Callable[[], str]) -> None:
    """Fold in a detached process (`prodops compact --if-due`), so the command that made the
    journal due returns now and no later command waits for the fold's seconds at 100k. A process
    that cannot be started is a failed fold (said once the journal is far past due), not an
    error for the change that made it due."""
    try:
        subprocess.Popen(
            [sys.executable, "-m", "prodops_tui.cli", "--workspace", str(directory), "compact", "--if-due"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True,
        )
    except OSError as exc:
        note_fold_failure(directory, clock, f"the background fold could not start: {exc.strerror or exc}")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _check_ids(record_type: type[Record], table: dict[int, Record], path: Path) -> None:
    """Every record is the one its table and number say ({"bogus": 1} in place of F-7 is not):
    a misfit is named here, by every command and by doctor, not met later as an internal error."""
    prefix = f"{record_type.PREFIX}-"
    for number, record in table.items():
        if record.id != f"{prefix}{number}":
            raise WorkspaceCorrupt(path, f"table {record_type.KIND}, record {number}: not a {record_type.KIND} record "
                                         f"(its id is {record.id!r}, not {prefix}{number}); prodops doctor --repair sets it aside")
