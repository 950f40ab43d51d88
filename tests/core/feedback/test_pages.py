"""An inbox view read by page (issue 29): at 100,000 items the app lists a status view from the
cache's columns and builds an item only when its row is asked for. The real app-store reviews
and support tweets, with snoozed, processed and archived items among them."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodops_tui.core.areas.ownership import add_area
from prodops_tui.core.feedback import inbox, pages
from prodops_tui.core.importers import import_feedback
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store

from ...conftest import TEST_DATA, fixed_clock


@pytest.fixture(scope="module")
def real_feedback(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pages") / "ws"
    store = Store.open(directory, clock=fixed_clock)
    import_feedback(store, TEST_DATA / "app_store_reviews.csv")
    import_feedback(store, TEST_DATA / "support_tweets.csv")
    inbox.update(store, [f"F-{n}" for n in range(1, 40)], inbox.Triage(status="archived"), origin="test")
    inbox.update(store, [f"F-{n}" for n in range(40, 60)], inbox.Triage(status="processed"), origin="test")
    inbox.update(store, [f"F-{n}" for n in range(60, 75)], inbox.Triage(snooze="2027-01-10"), origin="test")
    billing, mobile = add_area(store, "Billing"), add_area(store, "Mobile")
    for first, level, area in ((100, "critical", billing.id), (130, "low", mobile.id), (160, "high", None), (190, "medium", billing.id)):
        inbox.update(store, [f"F-{n}" for n in range(first, first + 25)], inbox.Triage(importance=level, area=area or ""), origin="test")
    store.close()
    return directory


def by_page(directory: Path) -> Store:
    """The workspace as the app opens 100,000 items: the feedback read by page, never whole."""
    store = Store.open(directory, clock=fixed_clock)
    store.read_by_page(FeedbackItem)
    return store


@pytest.mark.parametrize("sort", ["received", "importance", "area"])
@pytest.mark.parametrize("status", inbox.VIEW_STATUSES)
def test_a_view_read_by_page_lists_what_the_whole_view_lists_in_its_order_with_its_counts(real_feedback, status, sort):
    """Each status view in each order the inbox offers (r), as the whole view sorted in memory
    gives it (sort_items), with items of every importance and in areas and none among them."""
    from prodops_tui.ui.panes.inbox_views import sort_items

    whole = Store.open(real_feedback, clock=fixed_clock)
    counts: dict[str, int] = {}
    expected = [item.to_dict() for item in sort_items(whole, inbox.list_feedback(whole, status=status, counts=counts), sort)]
    whole.close()
    store = by_page(real_feedback)
    try:
        listed, paged_counts = inbox.view_pages(store, status=status, sort=sort)
        assert paged_counts == counts and expected
        assert listed.ids() == [item["id"] for item in expected]
        assert [item.to_dict() for item in listed] == expected
        assert not store.loaded(FeedbackItem) and store.loads["feedback"] == 0
    finally:
        store.close()


def test_only_the_rows_asked_for_are_built_a_page_at_a_time_and_few_pages_are_held(real_feedback, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 10)
    monkeypatch.setattr(pages, "PAGES_KEPT", 3)
    store = by_page(real_feedback)
    try:
        listed, _ = inbox.view_pages(store, status="all")
        assert len(listed) > 800 and listed.built == 0
        assert listed[0].id == listed.ids()[0] and listed.built == 10  # its page
        assert listed[5].id == listed.ids()[5] and listed.built == 10  # the same page: not read again
        last_page = len(listed) % 10 or 10
        assert listed[-1].id == listed.ids()[-1] and listed.built == 10 + last_page
        for index in (100, 200, 300, 400):
            assert listed[index].id == listed.ids()[index]
        assert len(listed._pages) == 3  # the oldest asked for went
        assert listed.index_of(listed.ids()[700]) == 700 and listed.index_of("F-999999") is None
        assert listed.longest_id == max(len(item_id) for item_id in listed.ids())
    finally:
        store.close()


def test_reads_one_at_a_time_never_load_a_kind_read_by_page(real_feedback):
    """Past POINT_READS a walk over a kind loads it whole (the command line); the app at 100k,
    reading the item under the cursor on each key, must not wait seconds for every item."""
    store = by_page(real_feedback)
    try:
        for number in range(1, 300):
            assert store.get(f"F-{number}").number == number
        assert not store.loaded(FeedbackItem)
        whole = store.read_all(FeedbackItem)  # a worker's one pass: read, not kept
        assert [item.number for item in whole] == sorted(item.number for item in whole) and len(whole) == store.count(FeedbackItem)
        assert not store.loaded(FeedbackItem)
    finally:
        store.close()
    walked = Store.open(real_feedback, clock=fixed_clock)
    for number in range(1, 300):
        walked.get(f"F-{number}")
    assert walked.loaded(FeedbackItem)  # as it was for every other reader
    walked.close()


def test_a_count_read_from_the_cache_is_asked_once_a_revision(real_feedback):
    store = by_page(real_feedback)
    try:
        statements: list[str] = []
        store._cache._db.set_trace_callback(statements.append)
        total = store.count(FeedbackItem)
        assert store.count(FeedbackItem) == total and sum("count(*)" in s for s in statements) == 1
        inbox.update(store, ["F-100"], inbox.Triage(status="processed"), origin="test")
        assert store.count(FeedbackItem) == total and sum("count(*)" in s for s in statements) == 2
    finally:
        store.close()


def test_a_copied_workspace_read_whole_at_open_lets_its_items_go_and_reads_them_from_the_cache(real_feedback, tmp_path):
    """A copy (or a restore) has new files the cache cannot vouch for, so the open reads them
    whole; the app at 100k then lets the items go instead of holding them all."""
    import shutil

    copy = tmp_path / "copied"
    shutil.copytree(real_feedback, copy)
    store = Store.open(copy, clock=fixed_clock)
    try:
        assert store.loaded(FeedbackItem)  # the files, read whole
        expected = [item.to_dict() for item in inbox.list_feedback(store, status="all")]
        store.read_by_page(FeedbackItem)
        assert store.unload(FeedbackItem) and not store.loaded(FeedbackItem)
        listed, _ = inbox.view_pages(store, status="all")
        assert [item.to_dict() for item in listed] == expected
        assert not store.unload(FeedbackItem)  # nothing held: nothing to let go
    finally:
        store.close()


def test_a_newest_first_view_is_read_in_the_order_of_an_index_not_sorted(real_feedback):
    """The app's first screen at a million items sorted every row's columns (a temporary B-tree
    of 1M rows, 1.2-1.6 s); the view index holds them in the view's order."""
    store = by_page(real_feedback)
    statements: list[str] = []
    cache = store._cache
    assert cache is not None
    cache._db.set_trace_callback(statements.append)
    try:
        found, counts = inbox.view_pages(store, status="new")
        listed = [item.id for item in store.newest_received(FeedbackItem)][:5]
    finally:
        cache._db.set_trace_callback(None)
    ordered = [sql for sql in statements if "ORDER BY" in sql and "received_at" in sql]
    assert len(ordered) == 2
    for sql in ordered:
        plan = " ".join(str(step[-1]) for step in cache._db.execute("EXPLAIN QUERY PLAN " + sql))
        assert "records_view" in plan and "TEMP B-TREE" not in plan, plan
    assert counts["new"] == len(found) > 0 and listed
    store.close()
