"""A derived copy of the workspace's state in SQLite, so a process reads the one record or the
one kind it needs instead of parsing the whole TinyDB file.

It is never the source of truth: `prodops.json` plus `journal.jsonl` are. The cache says which
snapshot file it was built from (inode, size, mtime) and up to which journal entry it holds;
when the snapshot on disk is not the one it knows (another version folded, a plain TinyDB
edit, `doctor --repair`), or the cache cannot be read, it is thrown away and rebuilt from the
files. Every process that reads new journal entries writes them here too, in one SQLite
transaction with the entry number, so the cache is always some prefix of the journal, and
entries already held are skipped by number.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from ..model import TYPE_BY_KIND, FeedbackItem
from .deflate import deflated_text, inflated_text
from .derived import give_back_dropped_pages
from .where import Where

T = TypeVar("T")
CACHE_NAME = "cache.sqlite"
# 7: documents kept deflated (_Packing) and the stored columns filled from the record, not
# json_extract'ed from the document; triaged_at and source_key stored too.
CACHE_VERSION = 7
# Fields read or counted over every item (the nudges, `prodops nudges`, the metrics' flow, an
# import's source keys): kept as columns, so a count reads them instead of inflating and parsing
# 100,000 documents (0.35 s at 100k for the nudges' seven, when documents were plain JSON).
STORED_FIELDS = ("status", "snoozed_until", "received_at", "source", "area", "duplicate_of", "opportunity",
                 "triaged_at", "source_key")
# Every stored column but source_key in one index: a count or pick over them reads the index (a
# few MB at 100k items), not every row with its document: 150-250 ms -> 20-95 ms a query.
# source_key (35 bytes an item, read only by an import) is read from the rows.
INDEXED_FIELDS = STORED_FIELDS[:-1]
_STORED_COLUMNS = "".join(f",\n    f_{name}" for name in STORED_FIELDS)
_FIELDS_INDEX = "records_fields"
_VIEW_INDEX = "records_view"
_VIEW_FIELDS = ("received_at", "status", "snoozed_until")  # the columns _VIEW_INDEX holds, in its order after number


def _column(name: str) -> str:
    """A field's column: its stored copy, or read from the document."""
    if not name.isidentifier():
        raise ValueError(f"not a field name: {name!r}")
    return f"f_{name}" if name in STORED_FIELDS else f"doc_field(doc, '{name}')"


def _conditions(kind: str, where: Iterable[Where]) -> tuple[str, list[Any]]:
    conditions, params = ["kind = ?"], [kind]
    for test in where:
        sql, values = test.sql(_column(test.field))
        conditions.append(sql)
        params += values
    return " AND ".join(conditions), params


def _covered(names: Iterable[str], where: Iterable[Where]) -> str:
    """INDEXED BY the fields index when it holds every column read: SQLite's planner picked the
    (kind, number) index and read each row from the table instead."""
    wanted = set(names) | {test.field for test in where}
    return f" INDEXED BY {_FIELDS_INDEX}" if wanted <= set(INDEXED_FIELDS) else ""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    snapshot_sig TEXT NOT NULL,   -- JSON [inode, size, mtime_ns] of the prodops.json it holds
    seq INTEGER NOT NULL,         -- the last journal entry it holds
    journal_sig TEXT,             -- JSON [inode, size, mtime_ns] of the journal when written, and
    journal_pos INTEGER NOT NULL, -- the byte after that entry in it
    meta TEXT NOT NULL            -- the workspace's _meta record (next ids, folded_seq, ...)
);
-- Which records each entry touched, from log_from on: derived indexes (the stored search) ask
-- what changed since the entry they hold.
CREATE TABLE IF NOT EXISTS changed (seq INTEGER PRIMARY KEY, records TEXT NOT NULL);  -- JSON ["kind:number", ...]
CREATE TABLE IF NOT EXISTS log_start (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY,  -- a rowid table: WITHOUT ROWID keeps whole rows in its interior
    kind TEXT NOT NULL,      -- pages, which with 700-byte documents left them half empty and
    number INTEGER NOT NULL, -- made each batch of an import slower than the last
    -- The record's JSON text deflated (_Packing), then the stored fields' values.
    doc BLOB NOT NULL{stored}
);
-- The dictionary every document is deflated against, set when the file is made and never changed.
CREATE TABLE IF NOT EXISTS packing (id INTEGER PRIMARY KEY CHECK (id = 1), zdict BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS records_key ON records (kind, number);
-- Newest received first without reading every item (`prodops list --limit 20`), and an inbox
-- view's order with what it is counted by (status, snooze) in the same index, so the app's first
-- screen reads it in order instead of sorting every row (1M items: 1.2-1.6 s -> 0.55 s). It
-- replaced records_received (the same order, without the two columns), dropped in place.
CREATE INDEX IF NOT EXISTS {view_index} ON records (kind, f_received_at, number, f_status, f_snoozed_until);
DROP INDEX IF EXISTS records_received;
CREATE INDEX IF NOT EXISTS {fields_index} ON records (kind, number{stored_names});
""".replace("{stored}", _STORED_COLUMNS).replace("{fields_index}", _FIELDS_INDEX).replace("{view_index}", _VIEW_INDEX).replace(
    "{stored_names}", "".join(f", f_{name}" for name in INDEXED_FIELDS))


class CacheUnusable(Exception):
    """The cache file cannot be read or written; the store falls back to the TinyDB file."""


@dataclass(frozen=True, slots=True)
class CachedState:
    snapshot_sig: tuple[int, int, int]
    seq: int
    journal_sig: tuple[int, int, int] | None
    journal_pos: int
    meta: dict[str, Any]


def _dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def record_skeletons() -> bytes:
    """Every kind's fields with their default values, as prodops writes a record's JSON: most of
    a document's bytes (its field names, its empty fields), so each is deflated to what it adds.
    The most numerous kind comes last, where deflate's copies are shortest."""
    kinds = sorted(TYPE_BY_KIND, key=lambda kind: kind == FeedbackItem.KIND)
    skeletons = []
    for kind in kinds:
        skeleton: dict[str, Any] = {}
        for field in fields(TYPE_BY_KIND[kind]):
            if field.default is not MISSING:
                skeleton[field.name] = field.default
            elif field.default_factory is not MISSING:
                skeleton[field.name] = field.default_factory()
            else:
                skeleton[field.name] = ""
        skeletons.append(json.dumps(skeleton, ensure_ascii=False, separators=(",", ":"), default=lambda _: ""))
    return "".join(skeletons).encode()


class _Packing:
    """A document's JSON text deflated against the file's own dictionary (table `packing`, set
    when the file is made and never changed, so every process reads every row with it). A
    document stored as plain TEXT (a hand edit) is read as it is."""

    __slots__ = ("zdict", "_name")

    def __init__(self, zdict: bytes, name: str):
        self.zdict, self._name = zdict, name

    def pack(self, text: str) -> bytes:
        return deflated_text(text, self.zdict)

    def unpack(self, doc: bytes | str) -> str:
        if isinstance(doc, str):
            return doc
        text = inflated_text(doc, self.zdict)
        if text is not None:
            return text
        raise CacheUnusable(f"{self._name}: a record's document does not inflate (damaged)")


def _stored_values(doc: Any) -> tuple[Any, ...]:
    """The stored fields of a record's dict, as json_extract gave them from its text."""
    if doc.__class__ is not dict:
        return (None,) * len(STORED_FIELDS)
    return tuple(_sql_value(doc.get(name)) for name in STORED_FIELDS)


def _sql_value(value: Any) -> Any:
    if value is None or value.__class__ in (str, int, float):
        return value
    if value.__class__ is bool:
        return int(value)
    return _dumps(value)


_PUT_RECORD = (f"INSERT OR REPLACE INTO records (kind, number, doc{''.join(f', f_{name}' for name in STORED_FIELDS)}) "
               f"VALUES (?, ?, ?{', ?' * len(STORED_FIELDS)})")


class StateCache:
    """One connection to `cache.sqlite`. Every method raises CacheUnusable on any SQLite error."""

    def __init__(self, path: Path):
        self.path = path
        try:
            # Private like the snapshot (it holds the same customer data); SQLite gives its
            # -wal and -shm files the database file's mode.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE), never implied.
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            # A power cut may lose the newest cache transactions, never corrupt it; what is lost
            # is replayed from the journal (the source of truth), found by entry number.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA cache_size=-65536")  # 64 MB of pages: an import's batches each took longer than the last with the 2 MB default
            if self._db.execute("PRAGMA user_version").fetchone()[0] != CACHE_VERSION:
                # Another layout (an older prodops): start it over, it is derived data.
                self._db.executescript("DROP TABLE IF EXISTS records; DROP TABLE IF EXISTS state; "
                                       "DROP TABLE IF EXISTS changed; DROP TABLE IF EXISTS log_start; "
                                       "DROP TABLE IF EXISTS packing;")
                give_back_dropped_pages(self._db)
                self._db.execute(f"PRAGMA user_version = {CACHE_VERSION}")
            self._db.executescript(_SCHEMA)
            self._packing = _Packing(self._zdict(), path.name)
            self._db.create_function("doc_field", 2, self._doc_field, deterministic=True)
        except (sqlite3.Error, OSError) as exc:
            raise CacheUnusable(f"{path.name}: {exc}") from exc

    def _zdict(self) -> bytes:
        """The file's dictionary, set now if it has none (INSERT OR IGNORE: two processes making
        the file at once keep the first one's, and both read that back)."""
        row = self._db.execute("SELECT zdict FROM packing WHERE id = 1").fetchone()
        if row is None:
            self._db.execute("INSERT OR IGNORE INTO packing (id, zdict) VALUES (1, ?)", (record_skeletons(),))
            row = self._db.execute("SELECT zdict FROM packing WHERE id = 1").fetchone()
        return bytes(row[0])

    def _doc_field(self, doc: bytes | str, name: str) -> Any:
        """SQL doc_field(doc, name): a field no column stores, read from the document."""
        record = json.loads(self._packing.unpack(doc))
        return _sql_value(record.get(name)) if record.__class__ is dict else None

    def close(self) -> None:
        try:
            self._db.close()
        except sqlite3.Error:
            pass

    def reader(self) -> CacheReader:
        """A read transaction of its own over the cache (see CacheReader)."""
        return CacheReader(self.path)

    def _transaction(self) -> _Tx:
        return _Tx(self._db, self.path)

    def state(self) -> CachedState | None:
        """What the cache holds, or None when it holds nothing usable by this version."""
        try:
            row = self._db.execute(
                "SELECT version, snapshot_sig, seq, journal_sig, journal_pos, meta FROM state WHERE id = 1"
            ).fetchone()
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc
        if row is None or row[0] != CACHE_VERSION:
            return None
        try:
            journal_sig = tuple(json.loads(row[3])) if row[3] else None
            return CachedState(tuple(json.loads(row[1])), row[2], journal_sig, row[4], json.loads(row[5]))
        except (ValueError, TypeError):
            return None

    def rebuild(self, tables: dict[str, Iterable[tuple[int, dict[str, Any]]]], state: CachedState) -> None:
        """Replace everything with `tables` (kind -> (number, doc) pairs) at `state`."""
        with self._transaction() as db:
            db.execute("DELETE FROM records")
            db.execute("DELETE FROM changed")
            db.execute("INSERT OR REPLACE INTO log_start (id, seq) VALUES (1, ?)", (state.seq,))
            pack = self._packing.pack
            for kind, rows in tables.items():
                db.executemany(_PUT_RECORD, ((kind, number, pack(_dumps(doc)), *_stored_values(doc)) for number, doc in rows))
            self._write_state(db, state)

    def apply(self, entries: list[dict[str, Any]], state: CachedState, *, texts: dict[int, list[str | None]] | None = None) -> None:
        """Add the journal entries it does not hold yet; `state` is where they end. `texts`: an
        entry's records as JSON text already (entry number -> one per op), not encoded again."""
        with self._transaction() as db:
            row = db.execute("SELECT seq, snapshot_sig FROM state WHERE id = 1").fetchone()
            if row is None or tuple(json.loads(row[1])) != tuple(state.snapshot_sig):
                return  # rebuilt or re-based by another process meanwhile: not ours to extend
            held = row[0]
            if held >= state.seq:
                return
            for entry in entries:
                if entry["seq"] <= held:
                    continue
                if entry["seq"] != held + 1:
                    raise CacheUnusable(f"{self.path.name}: entry {entry['seq']} follows {held}")
                ops = entry["ops"]
                seq = entry["seq"]
                # executemany: an import's one entry holds 100,000 puts (one execute each cost 18 us)
                db.execute("INSERT OR REPLACE INTO changed (seq, records) VALUES (?, ?)", (seq, json.dumps([f"{op[1]}:{op[2]}" for op in ops])))
                db.executemany("DELETE FROM records WHERE kind = ? AND number = ?", ((op[1], op[2]) for op in ops if op[0] != "put"))
                encoded = texts.get(seq) if texts else None
                pack = self._packing.pack
                if encoded is not None:
                    db.executemany(_PUT_RECORD, ((op[1], op[2], pack(text), *_stored_values(op[3]))
                                                 for op, text in zip(ops, encoded, strict=True) if text is not None))
                else:
                    db.executemany(_PUT_RECORD, ((op[1], op[2], pack(_dumps(op[3])), *_stored_values(op[3]))
                                                 for op in ops if op[0] == "put"))
                held = seq
            if held != state.seq:
                raise CacheUnusable(f"{self.path.name}: holds entry {held}, expected {state.seq}")
            self._write_state(db, state)

    def rebase(self, state: CachedState, *, trimmed_changes_below: int = 0) -> None:
        """After a fold: the same records, now held by a new snapshot and journal file (less
        the undo history the fold trimmed)."""
        with self._transaction() as db:
            row = db.execute("SELECT seq FROM state WHERE id = 1").fetchone()
            if row is None or row[0] != state.seq:
                db.execute("DELETE FROM state")  # not the state the folder held: rebuilt on next open
                return
            db.execute("DELETE FROM records WHERE kind = 'history' AND number < ?", (trimmed_changes_below,))
            self._write_state(db, state)

    def changed_after(self, seq: int) -> list[tuple[str, int]] | None:
        """(kind, number) of the records changed after entry `seq`, or None when the log does
        not reach back that far (the cache was rebuilt since)."""
        try:
            row = self._db.execute("SELECT seq FROM log_start WHERE id = 1").fetchone()
            if row is None or seq < row[0]:
                return None
            rows = self._db.execute("SELECT records FROM changed WHERE seq > ?", (seq,)).fetchall()
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc
        records = {record for (listed,) in rows for record in json.loads(listed)}
        return [(kind, int(number)) for kind, number in (r.split(":") for r in records)]

    def changed_by(self, seq: int) -> list[tuple[str, int]] | None:
        """(kind, number) of the records entry `seq` touched, or None when the log lacks it
        (for repair: a change the journal lost, restored from what the cache holds)."""
        try:
            row = self._db.execute("SELECT records FROM changed WHERE seq = ?", (seq,)).fetchone()
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc
        if row is None:
            return None
        return [(kind, int(number)) for kind, number in (r.split(":") for r in json.loads(row[0]))]

    def invalidate(self) -> bool:
        """Make the next open rebuild it; False if even that cannot be written."""
        try:
            self._db.execute("DELETE FROM state")
        except sqlite3.Error:
            return False
        return True

    @staticmethod
    def _write_state(db: sqlite3.Connection, state: CachedState) -> None:
        db.execute(
            "INSERT OR REPLACE INTO state (id, version, snapshot_sig, seq, journal_sig, journal_pos, meta) "
            "VALUES (1, ?, ?, ?, ?, ?, ?)",
            (CACHE_VERSION, json.dumps(list(state.snapshot_sig)), state.seq,
             json.dumps(list(state.journal_sig)) if state.journal_sig else None, state.journal_pos,
             _dumps(state.meta)),
        )

    def kind_at(self, kind: str, build: Callable[[CachedState | None, Iterable[tuple[int, str]]], T]) -> T:
        """`build(state, rows)` over every (number, JSON text) of one kind and the state they are
        at, in one SQLite read transaction: consistent without the workspace lock (WAL readers
        never wait). The rows stream into `build`: fetched whole first, 100,000 documents left
        the app 165 MB larger for good (freed text the allocator keeps)."""
        try:
            self._db.execute("BEGIN")
            try:
                state = self.state()
                unpack = self._packing.unpack
                rows = self._db.execute("SELECT number, doc FROM records WHERE kind = ? ORDER BY number", (kind,))
                return build(state, ((number, unpack(doc)) for number, doc in rows))
            finally:
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc

    def docs_of(self, kind: str, numbers: list[int]) -> list[tuple[int, str]]:
        """(number, JSON text) of these records of one kind, those that exist."""
        found: list[tuple[int, str]] = []
        try:
            for start in range(0, len(numbers), 500):
                chunk = numbers[start:start + 500]
                found += self._db.execute(
                    f"SELECT number, doc FROM records WHERE kind = ? AND number IN ({','.join('?' * len(chunk))})",
                    (kind, *chunk)).fetchall()
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc
        unpack = self._packing.unpack
        return [(number, unpack(doc)) for number, doc in found]

    def numbers_newest_received(self, kind: str) -> list[int]:
        """The numbers of one kind, newest `received_at` first (then the higher number), from
        the index alone."""
        try:
            return [r[0] for r in self._db.execute(
                f"SELECT number FROM records INDEXED BY {_VIEW_INDEX} WHERE kind = ? ORDER BY f_received_at DESC, number DESC",
                (kind,))]
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc

    def fields_newest_received(self, kind: str, names: tuple[str, ...]) -> list[tuple]:
        """(number, each named scalar field) of every record of one kind, newest `received_at`
        first, then the higher number: from the stored columns' index, no document read."""
        columns = "".join(f", {_column(name)}" for name in names)
        # In the view index's order when it holds every column asked for (the inbox's status
        # views): no sort of every row. Else the fields index, sorted.
        index = f" INDEXED BY {_VIEW_INDEX}" if set(names) <= set(_VIEW_FIELDS) else _covered((*names, "received_at"), ())
        try:
            return self._db.execute(f"SELECT number{columns} FROM records{index} "
                                    f"WHERE kind = ? ORDER BY {_column('received_at')} DESC, number DESC", (kind,)).fetchall()
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc

    def fields(self, kind: str, names: tuple[str, ...], where: tuple[Where, ...] = ()) -> list[tuple]:
        """(number, each named scalar field) of every record of one kind for which every
        condition holds, in number order."""
        columns = "".join(f", {_column(name)}" for name in names)
        conditions, params = _conditions(kind, where)
        try:
            return self._db.execute(f"SELECT number{columns} FROM records{_covered(names, where)} "
                                    f"WHERE {conditions} ORDER BY number", params).fetchall()
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc

    def count_where(self, kind: str, where: tuple[Where, ...]) -> int:
        conditions, params = _conditions(kind, where)
        try:
            return self._db.execute(f"SELECT count(*) FROM records{_covered((), where)} WHERE {conditions}", params).fetchone()[0]
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc

    def distinct(self, kind: str, name: str) -> set:
        try:
            return {row[0] for row in self._db.execute(f"SELECT DISTINCT {_column(name)} FROM records{_covered((name,), ())} "
                                                       "WHERE kind = ?", (kind,))}
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc

    def doc(self, kind: str, number: int) -> str | None:
        try:
            row = self._db.execute("SELECT doc FROM records WHERE kind = ? AND number = ?", (kind, number)).fetchone()
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc
        return self._packing.unpack(row[0]) if row else None

    def count(self, kind: str) -> int:
        try:
            return self._db.execute("SELECT count(*) FROM records WHERE kind = ?", (kind,)).fetchone()[0]
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc


class CacheReader:
    """A second connection to the cache holding one read transaction: every row as of one
    moment, however long they take to read (WAL readers neither wait for writers nor stop
    them), and apart from the store's own connection, which other threads of the process go on
    writing through. A fold streams the snapshot from it with no lock held and no record built."""

    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection | None = None
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute("BEGIN")  # the read transaction starts at the first SELECT: this one
            row = self._db.execute("SELECT version, snapshot_sig, seq FROM state WHERE id = 1").fetchone()
            packing = self._db.execute("SELECT zdict FROM packing WHERE id = 1").fetchone()
        except sqlite3.Error as exc:
            self.close()
            raise CacheUnusable(f"{path.name}: {exc}") from exc
        self._packing = _Packing(bytes(packing[0]) if packing else b"", path.name)
        usable = row is not None and row[0] == CACHE_VERSION and packing is not None
        self.seq: int = row[2] if usable else -1
        self.snapshot_sig: tuple[int, ...] | None = tuple(json.loads(row[1])) if usable else None

    def nth_newest(self, kind: str, nth: int) -> int:
        """The number of the `nth` newest record of a kind (1: the newest), or 0 when it has fewer."""
        assert self._db is not None
        try:
            row = self._db.execute("SELECT number FROM records WHERE kind = ? ORDER BY number DESC LIMIT 1 OFFSET ?",
                                   (kind, nth - 1)).fetchone()
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc
        return row[0] if row else 0

    def rows(self, kind: str, *, from_number: int = 0) -> Iterator[tuple[int, str]]:
        """(number, JSON text) of one kind from `from_number` on, in number order, fetched as read."""
        assert self._db is not None
        try:
            # Not `yield from cursor`: that closes the cursor when the generator is dropped, which
            # raises once the connection is closed.
            cursor = self._db.execute("SELECT number, doc FROM records WHERE kind = ? AND number >= ? ORDER BY number",
                                      (kind, from_number))
            unpack = self._packing.unpack
            while batch := cursor.fetchmany(256):
                for number, doc in batch:
                    yield number, unpack(doc)
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self.path.name}: {exc}") from exc

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()  # ends the read transaction
            self._db = None


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error; SQLite errors become CacheUnusable."""

    def __init__(self, db: sqlite3.Connection, path: Path):
        self._db = db
        self._path = path

    def __enter__(self) -> sqlite3.Connection:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise CacheUnusable(f"{self._path.name}: {exc}") from exc
        return self._db

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._db.execute("COMMIT")
            else:
                self._db.execute("ROLLBACK")
        except sqlite3.Error as err:
            raise CacheUnusable(f"{self._path.name}: {err}") from err
        if isinstance(exc, sqlite3.Error):
            raise CacheUnusable(f"{self._path.name}: {exc}") from exc
