"""Opportunities by demand, and the customers waiting to hear that what they asked for shipped.

The numbers mean what the opportunities screen's do (core/feedback/opportunities.py): an
item counts for the opportunity it is linked to; its customers are its own and those merged
into it; the score weighs each item by its importance. Only the linked items are read (a few
of 100,000), from memory or the cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

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
    score: int  # importance-weighted
    received: int = 0  # linked items received in the period
    received_before: int = 0  # ... in the period before
    customer_names: tuple[str, ...] = ()


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
        for item in linked:
            if item.merged_from or item.extra.get(CUSTOMERS_KEY):
                asks = [name for name, _ in customer_asks(store, item)]
            else:  # most items: their own customer alone (customer_asks without its walk)
                asks = [cleaned] if (cleaned := _clean(item.customer)) else []
            for name in asks:
                names.setdefault(name.casefold(), name)
        found.append(OpportunityDemand(
            id=opportunity.id, title=opportunity.title, status=opportunity.status, feedback=len(linked),
            customers=len(names), score=sum(IMPORTANCE_WEIGHTS.get(item.importance, 1) for item in linked),
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
