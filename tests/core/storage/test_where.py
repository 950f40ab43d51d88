"""Counting and picking over a field's values: SQLite over the cache's columns (the records not
in memory, as in `prodops nudges` at 100k items) answers exactly as Python over the records."""

from __future__ import annotations

import pytest

from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store
from prodops_tui.core.storage.where import Where

from ...conftest import fixed_clock

ITEMS = [
    dict(status="new", snoozed_until=None, received_at="2026-11-01T10:00:00Z", source="support call", area="A-1"),
    dict(status="new", snoozed_until="2026-11-20T09:00:00Z", received_at="2026-10-01T10:00:00Z", source="", area=None),
    dict(status="processed", snoozed_until=None, received_at="2026-09-01T10:00:00Z", source="sales call", area=None,
         duplicate_of="F-1"),
    dict(status="new", snoozed_until="2026-12-24T09:00:00Z", received_at="2026-11-20T10:00:00Z", source="support call",
         area="A-2", opportunity="O-1"),
    dict(status="archived", snoozed_until=None, received_at="2026-11-23T10:00:00Z", source="app store", area=None),
]

ASKS = [
    (Where("status", "=", "new"),),
    (Where("status", "=", "new"), Where("snoozed_until", "empty"), Where("received_at", "<", "2026-11-10")),
    (Where("snoozed_until", "<=", "2026-11-24"),),
    (Where("snoozed_until", "set"),),
    (Where("area", "empty"), Where("duplicate_of", "empty")),
    (Where("opportunity", "set"),),
    (Where("source", "in", ("support call", "sales call")), Where("received_at", "set")),
    (Where("source", "in", ()),),
    (Where("text", "=", "item 2"),),  # a field with no stored column: read from the document
]


@pytest.fixture
def workspace_on_disk(workspace):
    store = Store.open(workspace, clock=fixed_clock)
    with store.change("setup", origin="test", history=False) as tx:
        for n, fields in enumerate(ITEMS, 1):
            tx.add(FeedbackItem(text=f"item {n}", title=f"item {n}", **fields))
    store.close()
    return workspace


@pytest.mark.parametrize("where", ASKS, ids=lambda where: " and ".join(f"{w.field} {w.op}" for w in where))
def test_sqlite_over_the_columns_answers_as_python_over_the_records(workspace_on_disk, where):
    store = Store.open(workspace_on_disk, clock=fixed_clock)
    try:
        from_columns = (store.fields(FeedbackItem, ("received_at", "source"), where), store.count_where(FeedbackItem, where))
        assert not store.loaded(FeedbackItem) and store.loads[FeedbackItem.KIND] == 0  # no item built
        store.load_all()
        from_records = (store.fields(FeedbackItem, ("received_at", "source"), where), store.count_where(FeedbackItem, where))
    finally:
        store.close()
    assert from_columns == from_records
    expected = [n for n, fields in enumerate(ITEMS, 1)
                if all(test.holds(fields.get(test.field, f"item {n}" if test.field == "text" else None)) for test in where)]
    assert [row[0] for row in from_columns[0]] == expected and from_columns[1] == len(expected)


def test_the_values_a_field_takes(workspace_on_disk):
    store = Store.open(workspace_on_disk, clock=fixed_clock)
    try:
        from_columns = store.distinct(FeedbackItem, "source")
        assert not store.loaded(FeedbackItem)
        store.load_all()
        assert store.distinct(FeedbackItem, "source") == from_columns == {"support call", "", "sales call", "app store"}
    finally:
        store.close()


def test_a_condition_names_a_field_and_a_known_test():
    with pytest.raises(ValueError):
        Where("status; DROP TABLE records", "=", "new")
    with pytest.raises(ValueError):
        Where("status", "like", "n%")
    # SQL and Python would disagree on these (NULL with =, '' in IN): "empty" is the way to ask.
    with pytest.raises(ValueError, match="'empty'"):
        Where("area", "=", None)
    with pytest.raises(ValueError, match="'empty'"):
        Where("source", "in", ("call", ""))
