"""Where each synced source stands, kept as a SyncState record in the workspace.

Why a record and not a settings file: the cursor (since, ETag) must move in the same stored change
as the page of issues it accounts for. A record is put in that page's Store.change, so the journal
line that adds the issues also moves the cursor, and a sync killed before the line is durable left
neither; one killed after it resumes after that page. A settings file beside the workspace would be
a second write that a kill can separate from the first (issues stored, cursor not, or the reverse),
and would not travel with the workspace's backups and `doctor --repair`.

The state record is put `quiet` (Transaction.put): undo takes a page's issues back but not the
cursor, so undoing a sync's last step never conflicts with a later sync's bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model import SyncState
from ..storage.store import Store
from ..storage.transaction import Transaction


@dataclass(frozen=True)
class SyncStatus:
    """What the inbox header says of one source: 'github rails/rails synced 14:02, 12 arrived'."""

    source: str  # "github rails/rails"
    synced_at: str  # ISO-8601 UTC: when the last run last stored a page or ended ("" never)
    arrived: int  # new items the last run added
    requests: int  # HTTP requests the last run made
    updated: int = 0  # items already held whose upstream fields the last run changed
    finished: bool = True  # False: the last run stopped before reading every page (see `stopped`)
    stopped: str = ""  # why it stopped, one line ("" when it finished)


def last_syncs(store: Store) -> list[SyncStatus]:
    """Every source synced into this workspace, by name: when it last synced and what arrived."""
    states = sorted(store.all(SyncState), key=lambda s: (s.source, s.number))
    return [
        SyncStatus(source=s.source, synced_at=s.synced_at, arrived=s.arrived, requests=s.requests,
                   updated=s.updated, finished=s.finished, stopped=s.stopped)
        for s in states
    ]


def state_of(store: Store, source: str) -> SyncState | None:
    """The stored state of one source ('github rails/rails'), or None before its first sync."""
    for state in store.all(SyncState):
        if state.source == source:
            return state
    return None


def start_run(store: Store, source: str, api_url: str) -> SyncState:
    """Mark a run of `source` started, in a change of its own with no undo step, and return its
    state: the cursor kept (another API URL starts afresh), the last run's counts cleared. The
    record exists from here on, so every later change puts it quietly and none of them, undone,
    deletes it."""
    with store.change(f"sync {source} started", origin="sync", history=False) as tx:
        current = state_of(store, source)
        fresh = current is None or current.api_url != api_url
        state = SyncState(
            source=source, api_url=api_url,
            since="" if fresh or current is None else current.since,
            etag="" if fresh or current is None else current.etag,
            etag_url="" if fresh or current is None else current.etag_url,
            started_at=tx.now, synced_at=current.synced_at if current is not None else "",
        )
        if current is None:
            return tx.add(state)
        return tx.put(replace(state, id=current.id, created_at=current.created_at), quiet=True)


def put_state(tx: Transaction, state: SyncState) -> SyncState:
    """Store `state` (from start_run) in the change `tx` makes, quietly: undo neither replays nor
    checks it (see the module's docstring)."""
    return tx.put(state, quiet=True)
