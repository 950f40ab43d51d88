"""The app's search over a big workspace (core/search/on_disk.py): ready without indexing every
item, holding in memory only what queries needed, and finding what the whole index finds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from prodops_tui.core.dates import from_iso
from prodops_tui.core.demo import fill_demo
from prodops_tui.core.feedback.inbox import capture
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.search import index as index_module
from prodops_tui.core.search import on_disk
from prodops_tui.core.search import stored as stored_module
from prodops_tui.core.search.index import SEARCHED_TYPES, SearchIndex
from prodops_tui.core.search.on_disk import DiskBackedIndex, search_for_app
from prodops_tui.core.storage.store import Store

from ...conftest import fixed_clock
from .test_stored_search import QUERIES, hits


def demo_disk_index(directory) -> tuple[Store, DiskBackedIndex]:
    """The demo, every kind in memory (as in the app once loaded), and a caught-up disk-backed index."""
    store = Store.open(directory, clock=fixed_clock)
    fill_demo(store, now=from_iso(fixed_clock()))
    store.load_all()
    disk = DiskBackedIndex()
    disk.refresh(store)
    return store, disk


@pytest.fixture
def few_held(monkeypatch):
    """Warming holds only the newest 80 items: most queries must add their candidates."""
    monkeypatch.setattr(on_disk, "WARM_HELD", 80)
    monkeypatch.setattr(on_disk, "WARM_STEP", 7)


@pytest.mark.parametrize("score_all", [None, 100])
def test_it_finds_what_the_whole_index_finds_holding_only_part_of_it(workspace_with_real_feedback, few_held, score_all,
                                                                     monkeypatch):
    if score_all:  # a common word matches more than are scored: the newest are scored, as by the whole index
        for module in (index_module, stored_module):
            monkeypatch.setattr(module, "SCORE_ALL", score_all)
            monkeypatch.setattr(module, "SELECTED", 30)
    store = Store.open(workspace_with_real_feedback, clock=fixed_clock)
    store.load_all()
    items = store.count(FeedbackItem)
    full = SearchIndex()
    full.build(store)
    disk = DiskBackedIndex()
    assert not disk.ready
    disk.refresh(store)
    assert disk.ready and disk.revision == store.revision
    assert disk._index.feedback_held == 0  # ready before holding anything
    for query in QUERIES:
        expected, got = full.search(query, store, limit=20), disk.search(query, store, limit=20)
        assert hits(got) == hits(expected), query
        assert got.total == expected.total, query
    # Asked again, in another order, once many items are held: the same answers.
    for query in reversed(QUERIES):
        assert hits(disk.search(query, store, limit=20)) == hits(full.search(query, store, limit=20)), query
    assert 0 < disk._index.feedback_held < items  # what the queries needed, not everything
    disk.close()
    store.close()


def test_warming_holds_the_newest_items_and_stops_for_a_change(tmp_path, few_held):
    store, disk = demo_disk_index(tmp_path / "ws")
    capture(store, "came in before the warming", origin="cli")
    assert disk.warm(store) == 0  # the change is taken first: holding records of an older revision would be wrong
    disk.refresh(store)
    small_kinds = sum(store.count(t) for t in SEARCHED_TYPES if t is not FeedbackItem)
    # 79: the refresh took the new item in already
    assert disk.warm(store) == small_kinds + 79 and disk._index.feedback_held == 80
    newest = max(item.number for item in store.all(FeedbackItem))
    assert f"F-{newest}" in disk._index._by_record and f"F-{newest - 79}" in disk._index._by_record
    assert f"F-{newest - 80}" not in disk._index._by_record
    store.close()


def test_a_change_is_found_after_the_refresh_and_the_old_words_no_longer_find_it(tmp_path, few_held):
    store, disk = demo_disk_index(tmp_path / "ws")
    item = capture(store, "Quokka-themed invoices please", origin="cli")
    assert disk.refresh(store) >= 1  # the changed record, not a rebuild (-1)
    assert [h.id for h in disk.search("quokka", store).hits] == [item.id]
    old = store.get("F-1")
    assert "F-1" in [h.id for h in disk.search(old.title, store, limit=50).hits]
    with store.change("retitle") as tx:
        tx.put(replace(old, title="Wombat grooming schedule", text="Wombat grooming schedule"))
    disk.refresh(store)
    assert [h.id for h in disk.search("wombat", store).hits] == ["F-1"]
    assert "F-1" not in [h.id for h in disk.search(old.title, store, limit=50).hits]
    # A filter alone checks every item, held or not.
    assert disk.search("id:F-2", store).hits[0].id == "F-2"
    disk.close()
    store.close()


def test_too_many_held_items_start_over_from_the_newest(tmp_path, few_held, monkeypatch):
    monkeypatch.setattr(on_disk, "HELD_LIMIT", 60)
    store, disk = demo_disk_index(tmp_path / "ws")
    disk.search("a", store)
    disk.search("the", store)
    assert disk._index.feedback_held > 60
    capture(store, "one more", origin="cli")
    disk.refresh(store)
    assert disk._index.feedback_held == 0


def test_the_app_holds_the_whole_index_in_memory_up_to_a_size(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "ws", clock=fixed_clock)
    fill_demo(store, now=from_iso(fixed_clock()))
    assert isinstance(search_for_app(store), SearchIndex)
    monkeypatch.setattr(on_disk, "IN_MEMORY_UP_TO", store.count(FeedbackItem) - 1)
    assert isinstance(search_for_app(store), DiskBackedIndex)


def test_a_search_told_to_stop_reads_nothing(tmp_path):
    # The search screen's worker for a keystroke that typing has already replaced.
    store, disk = demo_disk_index(tmp_path / "ws")
    held = disk._index.feedback_held
    assert disk.search("invoices", store, should_stop=lambda: True).hits == []
    assert disk._index.feedback_held == held  # no candidate read or added
    assert disk.search("invoices", store, should_stop=lambda: False).hits
    assert disk._index.feedback_held > held


def test_held_items_share_one_string_a_word_with_the_postings(workspace_with_real_feedback):
    """Each held item's words are the index's own strings, not a copy each: a word's copy per
    item was a fifth of a held item's memory at 100k (the real reviews and tweets here)."""
    store = Store.open(workspace_with_real_feedback, clock=fixed_clock)
    try:
        store.load_all()
        disk = DiskBackedIndex()
        disk.refresh(store)
        disk.warm(store)
        index = disk._index
        assert index.feedback_held > 1_000
        copies: dict[str, set[int]] = {}
        for title_words, all_words in index._doc_words.values():
            for word in title_words | all_words:
                copies.setdefault(word, set()).add(id(word))
        shared = {word for word, ids in copies.items() if len(index._postings[word]) > 1}
        assert len(shared) > 1_000
        assert [word for word in shared if len(copies[word]) > 1] == []
    finally:
        store.close()
