"""Finding what to merge a duplicate into: by its id or its words, quickly at any size."""

from __future__ import annotations

from prodops_tui.core.feedback import merge as merge_module
from prodops_tui.core.feedback.inbox import capture
from prodops_tui.core.feedback.merge import find_merge_targets, merge
from prodops_tui.core.search.index import SearchIndex


def three_items(store):
    original = capture(store, "Bulk export of invoices to CSV times out for large accounts")
    copy = capture(store, "Bulk export of invoices to CSV keeps timing out")
    other = capture(store, "Dark mode in the app please")
    return original, copy, other


def test_an_id_typed_any_way_finds_that_item_first(store):
    _, _, other = three_items(store)
    for typed in (other.id, other.id.lower(), other.id.replace("-", ""), other.id.split("-")[1]):
        assert find_merge_targets(store, typed)[0][0] == other.id, typed


def test_words_find_items_by_their_text_and_the_duplicates_themselves_are_left_out(store):
    original, copy, _ = three_items(store)
    index = SearchIndex()
    index.build(store)
    for with_index in (index, None):
        found = [item_id for item_id, _ in find_merge_targets(store, "invoce export", exclude=[copy.id], index=with_index)]
        assert found[0] == original.id and copy.id not in found


def test_an_item_already_merged_elsewhere_is_not_offered(store):
    original, copy, _ = three_items(store)
    merge(store, [copy.id], original.id)
    assert copy.id not in [item_id for item_id, _ in find_merge_targets(store, "bulk export")]
    assert find_merge_targets(store, copy.id) == []


def test_with_a_ready_index_no_title_is_scored_one_by_one(store, monkeypatch):
    three_items(store)
    index = SearchIndex()
    index.build(store)
    scored = []
    real_extract = merge_module.process.extract

    def spying_extract(*args, **kwargs):
        if kwargs.get("scorer") is merge_module.fuzz.WRatio:
            scored.append(args[0])
        return real_extract(*args, **kwargs)

    monkeypatch.setattr(merge_module.process, "extract", spying_extract)
    assert find_merge_targets(store, "dark mode", index=index)
    assert scored == []  # the index answered; WRatio over every title is the fallback only
    assert find_merge_targets(store, "dark mode")
    assert scored == ["dark mode"]
