"""The workspace itself: fill it with a demo, fold its journal, check and repair it."""

from __future__ import annotations

import argparse
import sqlite3

from ..core.dates import from_iso
from ..core.errors import ProdopsError
from ..core.model import FeedbackItem, ProductArea
from ..core.storage.store import Store
from ..core.workspace import make_clock, workspace_dir


def add_parsers(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("demo", help="fill the workspace with a demo organisation (refuses a non-empty one)")

    compact = commands.add_parser("compact", help="fold the journal into prodops.json",
                                  description="Fold the journal into prodops.json, so plain TinyDB sees every change.")
    compact.add_argument("--if-due", action="store_true", help=argparse.SUPPRESS)  # the background fold after a change

    doctor = commands.add_parser("doctor", help="check the workspace; --repair restores it from journal and backups")
    doctor.add_argument("--repair", action="store_true")


def cmd_demo(store: Store, args: argparse.Namespace) -> int:
    from ..core.demo import fill_demo

    if any(store.count(kind) for kind in (FeedbackItem, ProductArea)):
        raise ProdopsError(f"{store.directory} already holds data; `prodops demo` fills only an empty workspace")
    summary = fill_demo(store, now=from_iso(store.clock()))
    store.fold()  # leave a readable TinyDB file, not a journal
    print(f"filled {store.directory} with {summary.describe()}")
    return 0


def cmd_compact(store: Store, args: argparse.Namespace) -> int:
    """Fold, then bring search.sqlite up to date. One outcome, said once: the fold's. The search
    words are derived data the next `prodops search` catches up itself, so failing to write them
    (a file-size limit let the fold through, then stopped SQLite) is a note on the fold's line,
    not an error after "folded" (the exit status said the fold failed when it had not)."""
    folded = store.fold(only_if_due=args.if_due)
    search_note = _refresh_stored_search(store)
    if args.if_due:
        return 0
    said = f"folded the journal into {store.snapshot_path}" if folded else "nothing to fold"
    print(said + (f" (the search words were not updated: {search_note}; `prodops search` catches up)" if search_note else ""))
    return 0


def _refresh_stored_search(store: Store) -> str | None:
    """Off the user's path (this runs in the background after an import or a big change): the
    next `prodops search` finds the words up to date instead of building them. Why not, or None."""
    from ..core.search.stored import StoredSearch

    try:
        stored = StoredSearch(store)
        try:
            stored.refresh()
        finally:
            stored.close()
    except (sqlite3.Error, OSError) as exc:
        return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return None


def cmd_doctor(args: argparse.Namespace) -> int:
    from ..core.storage import doctor

    directory = workspace_dir(args.workspace)
    clock = make_clock()
    if args.repair:
        print(doctor.repair(directory, clock))
        return 0
    report = doctor.check(directory, clock)
    print("\n".join(report.lines))
    return 0 if report.ok else 1
