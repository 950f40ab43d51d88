"""Where each synced source stands: the inbox header reads last_syncs, and the cursor never
becomes an undo step of its own."""

from __future__ import annotations

from dataclasses import replace

from prodops_tui.core.model import FeedbackItem, SyncState
from prodops_tui.core.sync.state import last_syncs, put_state, start_run, state_of


def test_a_workspace_never_synced_has_no_sources(store):
    assert last_syncs(store) == []


def test_last_syncs_says_when_each_source_synced_and_what_arrived(store):
    state = start_run(store, "github rails/rails", "https://api.github.com")
    with store.change("synced a page", origin="sync") as tx:
        tx.add(FeedbackItem(text="one", source_key="github:rails/rails#1"))
        put_state(tx, replace(state, since="2026-11-20T10:00:00Z", synced_at=tx.now, finished=True, arrived=1, requests=2))
    start_run(store, "github acme/app", "https://ghe.example.com/api/v3")
    statuses = last_syncs(store)
    assert [s.source for s in statuses] == ["github acme/app", "github rails/rails"]
    rails = statuses[1]
    assert (rails.synced_at, rails.arrived, rails.requests, rails.finished) == ("2026-11-24T15:00:00Z", 1, 2, True)
    assert statuses[0].synced_at == "" and not statuses[0].finished  # started, nothing stored yet


def test_a_new_run_keeps_the_cursor_unless_the_api_changed(store):
    state = start_run(store, "github rails/rails", "https://api.github.com")
    with store.change("synced", origin="sync") as tx:
        put_state(tx, replace(state, since="2026-11-20T10:00:00Z", etag='W/"abc"', etag_url="u", arrived=5))
    again = start_run(store, "github rails/rails", "https://api.github.com")
    assert (again.since, again.etag, again.arrived) == ("2026-11-20T10:00:00Z", 'W/"abc"', 0)
    elsewhere = start_run(store, "github rails/rails", "https://ghe.example.com/api/v3")
    assert (elsewhere.since, elsewhere.etag) == ("", "")
    assert len(store.all(SyncState)) == 1


def test_undoing_a_synced_page_takes_its_items_back_and_keeps_the_cursor(store):
    state = start_run(store, "github rails/rails", "https://api.github.com")
    with store.change("synced a page", origin="sync") as tx:
        tx.add(FeedbackItem(text="one", source_key="github:rails/rails#1"))
        state = put_state(tx, replace(state, since="2026-11-20T10:00:00Z"))
    with store.change("sync ended", origin="sync", history=False) as tx:
        put_state(tx, replace(state, finished=True))  # a later bookkeeping change does not block the undo
    store.undo()
    assert store.all(FeedbackItem) == []
    kept = state_of(store, "github rails/rails")
    assert kept is not None and kept.since == "2026-11-20T10:00:00Z" and kept.finished
