"""Derived SQLite files beside the workspace (search.sqlite, lookalikes.sqlite, suggest.sqlite):
how they are opened, started over and forgotten, in one place.

Each is built from prodops.json and journal.jsonl and names, in a one-row `state` table, the
journal entry it reflects. Deleting one loses nothing. One that cannot be read is started
over; one of another version, or naming none, has its tables dropped (under the write lock,
asked again there: another process may have just built it); after `doctor --repair` the entry
it names may hold another state, so its `state` row is deleted and its owner builds it again.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

DERIVED_NAMES = ("search.sqlite", "lookalikes.sqlite", "suggest.sqlite")


def open_derived(path: Path | str, *, version: int, tables: Iterable[str], schema: str) -> sqlite3.Connection:
    """A connection to the derived file at `path` (":memory:" for none), private to the user,
    in WAL mode, usable from any thread (a worker writes while the event loop reads). A file that
    is not a database is started over; one whose `state` names another version loses `tables`.
    Raises sqlite3.OperationalError when the file is locked, read-only or the disk is full: the
    file is not at fault then, and is kept."""
    try:
        return _open(path, version, tables, schema)
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return _open(path, version, tables, schema)


def _open(path: Path | str, version: int, tables: Iterable[str], schema: str) -> sqlite3.Connection:
    in_memory = str(path) == ":memory:"
    if not in_memory:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))  # customers' words: private, like the rest
    db = sqlite3.connect(path, isolation_level=None, timeout=60, check_same_thread=False)
    try:
        if not in_memory:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
        if _not_of_version(db, version):
            # Under the write lock, and asked again: another process may have just built it.
            db.execute("BEGIN IMMEDIATE")
            try:
                dropped = _not_of_version(db, version)
                if dropped:
                    for table in (*tables, "state"):
                        db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            if dropped:
                give_back_dropped_pages(db)
        db.executescript(schema)
    except BaseException:
        db.close()
        raise
    return db


def _not_of_version(db: sqlite3.Connection, version: int) -> bool:
    """Whether the file holds tables that may not be this version's: its state names another
    version, or none (a first build killed before it stored one, or a repair's reset: the
    tables an older version made would be kept, their columns as that version declared them)."""
    if db.execute("SELECT name FROM sqlite_master WHERE name = 'state'").fetchone() is None:
        return False  # a new file, or one with no tables of ours yet
    return db.execute("SELECT version FROM state").fetchone() != (version,)


def give_back_dropped_pages(db: sqlite3.Connection) -> None:
    """After a new version dropped a file's tables: their pages stay in it, free, unless it is
    rewritten (at 100k items 86 MB of lookalikes.sqlite, 100 MB of cache.sqlite): cheap now
    that it is nearly empty. While another process reads it, it cannot be: the free pages are
    then filled again as the tables are rebuilt."""
    with contextlib.suppress(sqlite3.OperationalError):
        db.execute("VACUUM")


def forget_derived_state(directory: Path) -> None:
    """Make every derived file build itself again (after `doctor --repair`). In SQL, not by
    deleting the files: another process may have one open, and removing a database or its -wal
    under an open connection can corrupt it."""
    for name in DERIVED_NAMES:
        path = directory / name
        if not path.exists():
            continue
        try:
            db = sqlite3.connect(path, isolation_level=None, timeout=60)
            try:
                if db.execute("SELECT name FROM sqlite_master WHERE name = 'state'").fetchone():
                    db.execute("DELETE FROM state")
            finally:
                db.close()
        except sqlite3.DatabaseError:
            pass  # unreadable: its owner starts such a file over when it next opens it
