"""`prodops similar ID` from lookalikes.sqlite (stored_lookalikes.similar): the same look-alikes,
scores and reasons as the index in memory, without building it: after a capture only the
capture is read."""

from __future__ import annotations

import json
import sqlite3

import pytest

from prodops_tui.core.errors import NotFound
from prodops_tui.core.feedback import stored_lookalikes
from prodops_tui.core.feedback.duplicates import DuplicateIndex
from prodops_tui.core.feedback.inbox import capture
from prodops_tui.core.feedback.merge import merge
from prodops_tui.core.feedback.stored_lookalikes import StoredLookalikes, _similar_in_sql, similar
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store

from ...conftest import TEST_DATA
from .test_lookalikes import OTHER_REQUESTS, WEEKEND_DUNNING, WEEKEND_DUNNING_AGAIN, WEEKEND_REMINDERS


def load(store: Store, name: str) -> list[FeedbackItem]:
    rows = [json.loads(line) for line in (TEST_DATA / name).read_text(encoding="utf-8").splitlines()]
    with store.change("issues", origin="test") as tx:
        return [tx.add(FeedbackItem(title=row["title"], text=row["body"] or "",
                                    received_at=f"2025-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}T09:00:00Z"))
                for n, row in enumerate(rows)]


def in_memory(store: Store) -> DuplicateIndex:
    with StoredLookalikes(store) as stored:
        return stored.index()


def from_sql(store: Store, item_id: str, limit: int = 1000):
    with StoredLookalikes(store) as stored:
        hits = _similar_in_sql(stored, item_id, limit=limit, threshold=40.0)
    assert hits is not None  # answered from the tables
    return hits


def test_similar_from_the_tables_is_the_index_in_memory(store):
    bugs = load(store, "seamonkey_bugs.jsonl")
    with StoredLookalikes(store) as stored:
        stored.groups()
    merge(store, [bugs[3].id, bugs[9].id], bugs[2].id, origin="test")  # a family: its words together
    capture(store, bugs[5].text, title=bugs[5].title, origin="test")  # the same report filed again
    capture(store, "good", origin="test")
    capture(store, "good", origin="test")
    with StoredLookalikes(store) as stored:
        stored.groups()
    capture(store, bugs[7].text, title=bugs[7].title + " again", origin="test")
    for text in OTHER_REQUESTS:  # and a merge a newcomer in other words finds (test_lookalikes.py)
        capture(store, text, origin="test")
    reminders = capture(store, WEEKEND_REMINDERS, origin="test")
    dunning = capture(store, WEEKEND_DUNNING, origin="test")
    title = "Dark mode in the app please"  # a same-title group
    for greeting in ("Hi team! The app is far too bright at night.", "Hello, reading at night hurts."):
        capture(store, greeting, title=title, origin="test")
    with StoredLookalikes(store) as stored:
        stored.groups()
    merge(store, [dunning.id], reminders.id, origin="test")
    with StoredLookalikes(store) as stored:
        stored.groups()  # a merge is worked out in memory
    newcomer = capture(store, WEEKEND_DUNNING_AGAIN, origin="test")
    capture(store, "Night owls need this.", title=f"FYI {title}", origin="test")
    index = in_memory(store)
    assert reminders.id in {hit.id for hit in index.similar_to(newcomer.id)}
    every = [item.id for item in store.all(FeedbackItem)]
    listed = 0
    for item_id in every:
        expected = index.similar_to(item_id, limit=1000)
        assert from_sql(store, item_id) == expected, item_id
        listed += bool(expected)
    assert listed > 50
    assert from_sql(store, bugs[2].id, limit=3) == index.similar_to(bugs[2].id, limit=3)


def test_after_a_capture_similar_reads_the_capture_and_builds_no_index(store, monkeypatch):
    bugs = load(store, "seamonkey_bugs.jsonl")
    with StoredLookalikes(store) as stored:
        stored.groups()
    newcomer = capture(store, bugs[5].text, title=f"{bugs[5].title} (seen again)", origin="test")
    read: list[int] = []
    get_many = store.get_many
    monkeypatch.setattr(store, "get_many", lambda kind, numbers: read.extend(numbers) or get_many(kind, numbers))

    def no_index(*_args, **_kwargs):
        raise AssertionError("the index was built in memory")

    monkeypatch.setattr(DuplicateIndex, "__init__", no_index)
    hits = similar(store, newcomer.id.lower())
    assert bugs[5].id in {hit.id for hit in hits}
    assert read == [int(newcomer.id[2:])]
    with pytest.raises(NotFound):
        similar(store, "F-99999")


def unwritable(path, **_kwargs):
    """open_derived where lookalikes.sqlite cannot be written (a read-only workspace, a full disk)."""
    raise sqlite3.OperationalError("attempt to write a readonly database")


def test_similar_answers_from_memory_when_the_file_cannot_be_used(store, monkeypatch):
    bugs = load(store, "seamonkey_bugs.jsonl")
    expected = DuplicateIndex.build(store).similar_to(bugs[0].id)
    monkeypatch.setattr(stored_lookalikes, "open_derived", unwritable)
    assert similar(store, bugs[0].id) == expected


def test_the_inbox_lookup_lists_what_the_index_lists_and_after_a_capture_builds_no_index(store, monkeypatch):
    bugs = load(store, "seamonkey_bugs.jsonl")
    lookup, groups = stored_lookalikes.lookalike_lookup(store, with_groups=True)  # the first start: stored once
    index = in_memory(store)
    assert isinstance(lookup, stored_lookalikes.StoredSimilar)
    assert len(lookup) == len(index)
    assert groups == StoredLookalikes(store).groups()
    for item in bugs:
        assert lookup.similar_to(item.id, limit=20) == index.similar_to(item.id, limit=20), item.id
    newcomer = capture(store, bugs[5].text, title=f"{bugs[5].title} (seen again)", origin="test")
    with pytest.raises(NotFound):
        lookup.similar_to(newcomer.id)  # newer than what the last scan stored: the next scan covers it

    def no_index(*_args, **_kwargs):
        raise AssertionError("the index was built in memory")

    monkeypatch.setattr(DuplicateIndex, "__init__", no_index)
    lookup, groups = stored_lookalikes.lookalike_lookup(store, with_groups=True)  # the next scan, or the next start
    assert bugs[5].id in {hit.id for hit in lookup.similar_to(newcomer.id)}
    assert any(newcomer.id in group and bugs[5].id in group for group in groups)
    assert stored_lookalikes.lookalike_lookup(store)[1] is None  # groups only when asked


def test_the_inbox_lookup_works_in_memory_when_the_file_cannot_be_used(store, monkeypatch):
    bugs = load(store, "seamonkey_bugs.jsonl")
    expected = DuplicateIndex.build(store).similar_to(bugs[0].id)
    monkeypatch.setattr(stored_lookalikes, "open_derived", unwritable)
    lookup, groups = stored_lookalikes.lookalike_lookup(store, with_groups=True)
    assert lookup.similar_to(bugs[0].id) == expected
    assert groups == DuplicateIndex.build(store).clusters()
