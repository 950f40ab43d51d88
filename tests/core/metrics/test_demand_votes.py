"""Upvotes an item brought from its tracker count in its opportunity's demand: an issue 38 people
upvoted is stronger evidence than one nobody did, and one viral issue does not outweigh the
customers who wrote in (core/metrics/demand.py, vote_points)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from prodops_tui.core.feedback import merge
from prodops_tui.core.metrics import demand, figures, period
from prodops_tui.core.model import FeedbackItem, Opportunity
from prodops_tui.core.storage.store import Store

from .conftest import NOW, iso


def add(store: Store, *records) -> list:
    with store.change("test records", history=False) as tx:
        return [tx.add(record) for record in records]


def item(opportunity: str, customer: str, *, votes: int | None = None, importance: str | None = None) -> FeedbackItem:
    received = iso(NOW - timedelta(days=3))
    return FeedbackItem(text=f"{customer} asks", customer=customer, opportunity=opportunity or None, votes=votes,
                        importance=importance, status="processed", received_at=received, triaged_at=received)


def top_opportunities(store: Store) -> dict[str, tuple[int, int]]:
    """What the weekly report's top opportunities show: id -> (score, votes), in its order."""
    found = figures.compute(store, period.last_days(30, now=NOW), now=NOW)
    return {d.id: (d.score, d.votes) for d in found.opportunities}


@pytest.mark.parametrize(("votes", "points"), [
    (None, 0), (0, 0), (-4, 0), (1, 1), (2, 1), (3, 2), (7, 3), (15, 4), (31, 5), (38, 5), (5000, 5),
])
def test_each_doubling_of_the_voters_adds_a_point_up_to_the_weight_of_a_critical_item(votes, points):
    assert demand.vote_points(votes) == points


def test_an_issue_38_people_upvoted_outranks_one_nobody_did(store):
    add(store, Opportunity(title="Dark mode"), Opportunity(title="Offline sync"))
    add(store, item("O-1", "octocat", votes=0), item("O-2", "hubot", votes=38))
    assert top_opportunities(store) == {"O-2": (1 + 5, 38), "O-1": (1, 0)}


def test_one_viral_issue_does_not_drown_the_customers_who_wrote_in(store):
    add(store, Opportunity(title="Viral request"), Opportunity(title="What customers ask for"))
    add(store, item("O-1", "somebody", votes=5000))
    add(store, *(item("O-2", f"Customer {n}") for n in range(7)))
    shown = top_opportunities(store)
    assert shown == {"O-2": (7, 0), "O-1": (1 + demand.VOTE_POINTS_CAP, 5000)}
    assert list(shown) == ["O-2", "O-1"]


def test_votes_add_to_importance_item_by_item(store):
    add(store, Opportunity(title="Bulk export"))
    add(store, item("O-1", "Acme", votes=3, importance="high"), item("O-1", "Globex", votes=7), item("O-1", "Initech"))
    assert top_opportunities(store) == {"O-1": (3 + 2 + 1 + 3 + 1, 10)}


def test_votes_of_a_merged_duplicate_stay_with_the_survivor_and_count_once(store):
    add(store, Opportunity(title="Bulk export"))
    survivor, duplicate, linked_too = add(store, item("O-1", "Acme", votes=1), item("", "Globex", votes=14),
                                          item("O-1", "Initech", votes=7))
    merge.merge(store, [duplicate.id], survivor.id)
    # 1 + 14 on the survivor: 15 votes, 4 points; the duplicate is not linked itself.
    assert top_opportunities(store) == {"O-1": (1 + 4 + 1 + 3, 22)}
    merge.merge(store, [linked_too.id], survivor.id)
    # Merged, but linked itself: its 7 votes count where it is linked, not again in the survivor.
    assert top_opportunities(store) == {"O-1": (1 + 4 + 1 + 3, 22)}
