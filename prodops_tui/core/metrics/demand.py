"""Opportunities by demand, and the customers waiting to hear that what they asked for shipped.

The numbers mean what the opportunities screen's do (core/feedback/opportunities.py): an
item counts for the opportunity it is linked to; its customers are its own and those merged
into it; the score weighs each item by its importance, plus the upvotes it brought from its
source (vote_points: a few points at most, however viral the issue). Only the linked items are
read (a few of 100,000), from memory or the cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import log2

from ..feedback.merge import CUSTOMERS_KEY, customer_asks
from ..feedback.opportunities import IMPORTANCE_WEIGHTS
from ..model import FeedbackItem, Opportunity
from ..storage.store import Store
from ..text import clean_line


@dataclass(frozen=True)
class OpportunityDemand:
    id: str
    title: str
    status: str
    feedback: int  # linked items, all time
    customers: int  # distinct customers who asked, merged ones included
    score: int  # importance-weighted, plus vote_points per item
    received: int = 0  # linked items received in the period
    received_before: int = 0  # ... in the period before
    customer_names: tuple[str, ...] = ()
    votes: int = 0  # upvotes from the sources of the linked items and those merged into them


# One linked item's upvotes add at most this many points: as much as a "critical" item weighs.
VOTE_POINTS_CAP = 5


def vote_points(votes: int | None) -> int:
    """What an item's upvotes (GitHub 👍, Jira votes, Canny votes) add to its opportunity's score:
    one point per doubling, floor(log2(1 + votes)), at most VOTE_POINTS_CAP per item.

    1 vote adds 1, 3 add 2, 7 add 3, 15 add 4, 31 or more add 5. An issue 38 people upvoted
    is stronger evidence than one nobody did, but not 38 customers' worth: each doubling of
    the voters says less than the one before, and the cap keeps one viral issue (5,000 👍) at
    the weight of one critical item, so the customers who wrote to you still count. No votes,
    None (the source has none) or a negative count add nothing."""
    if not votes or votes < 1:
        return 0
    return min(VOTE_POINTS_CAP, int(log2(1 + votes)))


def item_votes(store: Store, item: FeedbackItem) -> int:
    """The upvotes an item carries: its own and those of the items merged into it (a merge keeps
    the evidence, as it keeps the customers: merge.customer_asks). A merged item linked to the
    same opportunity counts there on its own, not twice. Negative counts count 0."""
    total = max(item.votes or 0, 0)
    if not item.merged_from:
        return total
    seen = {item.id}
    pending = list(item.merged_from)
    while pending:
        merged_id = pending.pop()
        if merged_id in seen:
            continue
        seen.add(merged_id)
        merged = store.get(merged_id)
        if isinstance(merged, FeedbackItem):
            if not (item.opportunity and merged.opportunity == item.opportunity):
                total += max(merged.votes or 0, 0)
            pending.extend(merged.merged_from)
    return total


def demand(store: Store, items: list[FeedbackItem], *, received: dict[str, int], received_before: dict[str, int]) -> list[OpportunityDemand]:
    """Every opportunity, highest score first (then most feedback, then oldest)."""
    by_opportunity: dict[str, list[FeedbackItem]] = {}
    for item in items:
        if item.opportunity:
            by_opportunity.setdefault(item.opportunity, []).append(item)
    found = []
    for opportunity in sorted(store.all(Opportunity), key=lambda o: o.number):
        linked = by_opportunity.get(opportunity.id, [])
        names: dict[str, str] = {}
        score = votes = 0
        for item in linked:
            item_votes_now = item_votes(store, item)
            votes += item_votes_now
            score += IMPORTANCE_WEIGHTS.get(item.importance, 1) + vote_points(item_votes_now)
            if item.merged_from or item.extra.get(CUSTOMERS_KEY):
                asks = [name for name, _ in customer_asks(store, item)]
            else:  # most items: their own customer alone (customer_asks without its walk)
                asks = [cleaned] if (cleaned := _clean(item.customer)) else []
            for name in asks:
                names.setdefault(name.casefold(), name)
        found.append(OpportunityDemand(
            id=opportunity.id, title=opportunity.title, status=opportunity.status, feedback=len(linked),
            customers=len(names), score=score, votes=votes,
            received=received.get(opportunity.id, 0), received_before=received_before.get(opportunity.id, 0),
            customer_names=tuple(sorted(names.values(), key=str.casefold)),
        ))
    found.sort(key=lambda d: (-d.score, -d.feedback, int(d.id.split("-")[1])))
    return found


def waiting_customers(found: list[OpportunityDemand]) -> tuple[list[OpportunityDemand], int]:
    """The shipped opportunities someone asked for, and how many distinct customers asked for
    any of them. prodops keeps no record of telling a customer, so each counts until then."""
    shipped = [d for d in found if d.status == "shipped" and d.customers]
    return shipped, len({name.casefold() for d in shipped for name in d.customer_names})


@lru_cache(maxsize=4096)
def _clean(name: str) -> str:
    return clean_line(name)  # the same few hundred customers over thousands of items
