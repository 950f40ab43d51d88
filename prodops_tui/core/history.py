"""Who changed what, when: the workspace's history as people read it, from the undo records
the store keeps (`Change`, kind "history": one per stored change, newest last), newest first,
all of them or those touching one record. `prodops history` prints it.

What it can say is what the store keeps: the last HISTORY_KEPT changes survive a fold
(core/storage/store.py), and a change signs its actor when the store records one (`actor`
on the record; an older record has none, shown as nobody)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput, NotFound
from .model import Change, split_id
from .storage.store import Store
from .text import clean_line

RECORDS_LISTED = 100  # ids of the records one change touched, in its JSON (an import touches thousands)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: str  # the change's own id: H-12
    changed_at: str  # ISO-8601 UTC
    changed_by: str  # who acted ("" when the record does not say)
    label: str  # what it did, as `u` names it: "added area Invoices under Billing"
    origin: str  # "app", "cli", "import", "sync", ...
    records: tuple[str, ...]  # the ids it touched, in the order it touched them
    undone_by: str | None  # the change that took it back
    undoes: str | None  # the change this one took back


def record_id_of(text: str) -> str:
    """The record an id names, as typed: 'a-7' is A-7, a card 'R-2#3' is its retro R-2."""
    wanted = clean_line(text).partition("#")[0]
    try:
        prefix, number = split_id(wanted)
    except ValueError:
        raise InvalidInput(f"{clean_line(text)!r} is not an id like F-12, A-7 or R-2") from None
    return f"{prefix}-{number}"


def entry_of(change: Change) -> HistoryEntry:
    return HistoryEntry(
        id=change.id,
        changed_at=change.created_at,
        changed_by=clean_line(str(getattr(change, "actor", "") or "")),
        label=clean_line(change.label),
        origin=change.origin,
        records=tuple(op[0] for op in change.ops if op and isinstance(op[0], str)),
        undone_by=change.undone_by,
        undoes=change.undoes,
    )


def history(store: Store, record_id: str | None = None, *, limit: int | None = None) -> list[HistoryEntry]:
    """The changes kept, newest first; with `record_id`, only those that touched it (a card's
    id reads as its retro's). An id that names nothing now and nothing in the history is an
    error: a typo must not read as "nobody ever changed it"."""
    wanted = record_id_of(record_id) if record_id is not None else None
    found: list[HistoryEntry] = []
    for change in sorted(store.all(Change), key=lambda c: c.number, reverse=True):
        if wanted is not None and not any(op and op[0] == wanted for op in change.ops):
            continue
        found.append(entry_of(change))
        if limit is not None and len(found) >= limit:
            break
    if wanted is not None and not found and store.get(wanted) is None:
        raise NotFound(f"no item {wanted}, and no change to one in the history")
    return found


def history_record(entry: HistoryEntry) -> dict[str, Any]:
    """An entry as `prodops history --json` prints it."""
    return {
        "id": entry.id,
        "changed_at": entry.changed_at,
        "changed_by": entry.changed_by or None,
        "label": entry.label,
        "origin": entry.origin,
        "records": list(entry.records[:RECORDS_LISTED]),
        "record_count": len(entry.records),
        "undone_by": entry.undone_by,
        "undoes": entry.undoes,
    }
