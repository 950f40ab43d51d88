"""The first look-alike index is refused, in one line, where it would not fit in the memory free:
at a million items it took more than 16 GB and the kernel would have killed the process. What
it needs grows with the items and with their texts' length (real tracker issues, 1,022
characters on average, took twice a review's memory at the same count)."""

from __future__ import annotations

import csv
import json

import pytest

from prodops_tui.core.feedback import duplicates
from prodops_tui.core.feedback.duplicates import (
    INDEX_MEMORY_SHARE, DuplicateIndex, LookalikesTooBig, check_index_fits, index_memory, mean_text_chars,
)
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store

from ...conftest import TEST_DATA, fixed_clock

COUNT = 800


def reviews(store: Store) -> None:
    with (TEST_DATA / "app_store_reviews.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:COUNT]
    with store.change("reviews", origin="test") as tx:
        for row in rows:
            tx.add(FeedbackItem(text=row["review_text"]))


def issues(store: Store) -> None:
    rows = []
    for name in ("hadoop_jira_issues.jsonl", "seamonkey_bugs.jsonl", "rails_issues.jsonl"):
        rows += [json.loads(line) for line in (TEST_DATA / name).read_text(encoding="utf-8").splitlines()]
    with store.change("issues", origin="test") as tx:
        for row in rows[:COUNT]:
            fields = row.get("fields", {})
            tx.add(FeedbackItem(title=str(row.get("title") or row.get("summary") or fields.get("summary") or ""),
                                text=str(row.get("body") or row.get("description") or fields.get("description") or "-")))


def test_long_tracker_issues_are_refused_where_as_many_short_reviews_are_not(tmp_path, monkeypatch):
    short, long = Store.open(tmp_path / "reviews", clock=fixed_clock), Store.open(tmp_path / "issues", clock=fixed_clock)
    reviews(short)
    issues(long)
    assert short.count(FeedbackItem) == long.count(FeedbackItem) == COUNT
    assert mean_text_chars(long) > 3 * mean_text_chars(short)

    between = (index_memory(COUNT, mean_text_chars(short)) + index_memory(COUNT, mean_text_chars(long))) / 2
    monkeypatch.setattr(duplicates, "available_memory", lambda: int(between / INDEX_MEMORY_SHARE))
    check_index_fits(short)
    assert len(DuplicateIndex.build(short)) > 0
    with pytest.raises(LookalikesTooBig, match=f"indexing {COUNT} items needs about"):
        DuplicateIndex.build(long)


def test_with_memory_to_spare_no_item_is_read_to_decide(store, monkeypatch):
    reviews(store)
    monkeypatch.setattr(duplicates, "available_memory", lambda: 10**12)
    monkeypatch.setattr(duplicates, "mean_text_chars", lambda _store: pytest.fail("read items to decide"))
    check_index_fits(store)


def test_the_first_build_reads_the_items_by_page_and_leaves_none_loaded(tmp_path, monkeypatch):
    """The items held during a first build were about 300 MB of its 1.1 GB peak at 100,000
    items, and the store kept them after it: they are read a page at a time, twice."""
    writer = Store.open(tmp_path, clock=fixed_clock)
    reviews(writer)
    in_memory = DuplicateIndex(writer, writer.read_all(FeedbackItem)).clusters()
    writer.close()
    store = Store.open(tmp_path, clock=fixed_clock)
    assert not store.loaded(FeedbackItem)
    real_iter_all = Store.iter_all
    monkeypatch.setattr(Store, "iter_all", lambda self, kind, page=2048: real_iter_all(self, kind, page=100))
    monkeypatch.setattr(Store, "read_all", lambda self, kind: pytest.fail("read every item at once"))
    index = DuplicateIndex.build(store)
    assert not store.loaded(FeedbackItem)
    found = index.clusters()
    assert found and found == in_memory


def test_the_pairs_one_int_each_sort_strongest_first_as_the_tuples_did():
    """Complete linkage takes the pairs strongest first, then by position; each pair is one int
    (tens of millions of pairs at a million items) and must keep that order exactly, ties of
    score included."""
    import random

    from prodops_tui.core.feedback.duplicates import _LOW32, _strongest_first

    rnd = random.Random(7)
    scores = [40.0, 40.000000000000014, 41.25, 57.5, 99.99999999999999, 100.0]
    pairs = {(rnd.choice(scores) if rnd.random() < 0.5 else rnd.uniform(40, 100), i, rnd.randrange(i + 1, 2**32))
             for i in (rnd.randrange(0, 2**32 - 1) for _ in range(20_000))}
    pairs |= {(score, i, i + 1) for score in scores for i in (0, 5, 2**31)}
    as_tuples = [(i, j) for _score, i, j in sorted((-score, i, j) for score, i, j in pairs)]
    as_ints = [((key >> 32) & _LOW32, key & _LOW32) for key in sorted(_strongest_first(*pair) for pair in pairs)]
    assert as_ints == as_tuples
