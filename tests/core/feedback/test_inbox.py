"""The inbox's views and their counts, as the core answers them."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from prodops_tui.core.demo import fill_demo
from prodops_tui.core.feedback import inbox


@pytest.fixture
def demo_store(store):
    fill_demo(store, now=datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc))
    return store


@pytest.mark.parametrize("status", ["new", "snoozed", "processed", "archived", "all"])
def test_a_view_and_every_tab_count_come_from_one_pass_and_agree_with_the_separate_answers(demo_store, status):
    counts: dict[str, int] = {}
    listed = inbox.list_feedback(demo_store, status=status, counts=counts)
    assert [i.id for i in listed] == [i.id for i in inbox.list_feedback(demo_store, status=status)]
    assert counts == inbox.counts_by_view(demo_store)
