"""`prodops history [ID]`: who changed what, when, newest first (core/history.py reads it)."""

from __future__ import annotations

import argparse

from ..core.dates import display_datetime
from ..core.storage.store import Store
from .output import print_json
from .usage import positive_count


def add_parsers(commands: argparse._SubParsersAction) -> None:
    history = commands.add_parser(
        "history", help="who changed what, when",
        description="The changes the workspace keeps (the last 500 survive a compaction), newest first: when (your "
                    "local time; UTC in JSON), who, what, and where from (app, cli, import, sync). With an ID, only "
                    "the changes that touched that record (a card R-2#3: its retro).")
    history.add_argument("id", nargs="?", metavar="ID", help="an item's id: F-12, A-7, O-3, R-2, T-9, C-4, CR-1, P-2")
    history.add_argument("--limit", type=positive_count, metavar="N", help="the N newest only")
    history.add_argument("--json", action="store_true")


def cmd_history(store: Store, args: argparse.Namespace) -> int:
    from ..core.history import history, history_record

    entries = history(store, args.id, limit=args.limit)
    if args.json:
        print_json([history_record(entry) for entry in entries])
        return 0
    if not entries:
        print(f"no change to {args.id.strip().upper()} in the history" if args.id else "no changes in the history")
        return 0
    width = max(len(entry.changed_by or "-") for entry in entries)
    for entry in entries:
        undone = f"  (undone by {entry.undone_by})" if entry.undone_by else ""
        touched = "" if args.id else _touched(entry.records)
        print(f"{display_datetime(entry.changed_at)}  {(entry.changed_by or '-').ljust(width)}  {entry.label}"
              f"{touched}  [{entry.origin}, {entry.id}]{undone}")
    return 0


def _touched(records: tuple[str, ...]) -> str:
    """The ids a change touched, the first few: 'F-1, F-2 +3'."""
    if not records:
        return ""
    shown = ", ".join(records[:3])
    return f"  ({shown}{f' +{len(records) - 3}' if len(records) > 3 else ''})"
