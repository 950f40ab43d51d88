"""Opportunities: the problems feedback links to, their weight, and their status (shipped_at is
stamped when one ships). Closing the loop with the accounts that asked is loop.py; tracker
links are links.py.

What the numbers mean (stats):
- feedback: items linked to the opportunity (item.opportunity == its id). A
  duplicate merged into a linked item counts only if it is linked itself:
  linking is what says "this asks for that", merging does not change it.
- customers: distinct accounts over the linked items, each item counting its
  own customer and the customers merged into it (merge.customers_of), so
  merging then linking the survivor keeps everyone who asked. An account is
  loop.py's rule: "Kwame Mensah (Saltbox Coffee Roasters)" is the account
  "Saltbox Coffee Roasters", case and spacing ignored. Items without a
  customer add none.
- score: the sum over linked items of IMPORTANCE_WEIGHTS[item.importance]; an
  unrated item weighs as much as a "low" one. A survivor's importance is
  already the highest of everything merged into it.
- new_feedback: linked items still untriaged (status "new", snoozed included).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from ..areas.lookup import resolve_area
from ..errors import InvalidInput, NotFound
from ..model import OPPORTUNITY_STATUSES, FeedbackItem, Opportunity
from ..storage.files import atomic_write_bytes
from ..storage.store import Store
from ..storage.where import Where
from ..text import clean_line, clean_text
from .loop import account_key, account_of, loop_csv, loop_for
from .merge import customer_asks

# How much one linked item adds to an opportunity's score, by its importance.
# Unrated (None) counts like "low": it was worth linking, nobody has said more.
IMPORTANCE_WEIGHTS: dict[str | None, int] = {None: 1, "low": 1, "medium": 2, "high": 3, "critical": 5}
STATUS_LABELS = {
    "exploring": "exploring",
    "planned": "planned",
    "in_progress": "in progress",
    "shipped": "shipped",
    "wont_do": "won't do",
}
FIND_CUTOFF = 65  # WRatio: "exprt" ~ "Bulk export of invoices and payments" 72, ~ "Partial payments…" 60


@dataclass(frozen=True)
class OpportunityStats:
    opportunity: Opportunity
    feedback: int  # linked items
    customers: int  # distinct customers who asked, merged ones included
    score: int  # importance-weighted (IMPORTANCE_WEIGHTS)
    new_feedback: int  # linked items still in New


def _require(store: Store, opportunity_id: str) -> Opportunity:
    found = store.get(opportunity_id.strip().upper())
    if not isinstance(found, Opportunity):
        raise NotFound(f"no opportunity {opportunity_id}")
    return found


def check_status(status: str) -> str:
    """'in progress', 'In-Progress', "won't do" and 'wont_do' are all fine."""
    value = status.strip().casefold().replace("'", "").replace("’", "").replace("-", " ").replace("_", " ")
    value = "_".join(value.split())
    if value not in OPPORTUNITY_STATUSES:
        raise InvalidInput(
            f"status {status!r} is not one of {', '.join(STATUS_LABELS[s] for s in OPPORTUNITY_STATUSES)}"
        )
    return value


def create(
    store: Store, title: str, *, description: str = "", area: str | None = None, origin: str = "app"
) -> Opportunity:
    """A new opportunity (status "exploring"). `area` is an id, path or name."""
    title = clean_line(title)
    if not title:
        raise InvalidInput("the opportunity needs a title")
    area_id = resolve_area(store, area).id if area else None
    with store.change(f"created opportunity “{title}”", origin=origin) as tx:
        return tx.add(Opportunity(title=title, description=clean_text(description), area=area_id))


def set_status(store: Store, opportunity_id: str, status: str, *, origin: str = "app",
               shipped_at: str | None = None) -> Opportunity:
    """Move an opportunity to a status; the first move past "exploring" stamps decided_at.

    Moving to "shipped" stamps shipped_at: `shipped_at` when given (a tracker issue's closing
    time, ISO-8601 UTC), else now; moving away from "shipped" clears it (it is not shipped any
    more). Setting the status it already has changes nothing (no undo step)."""
    value = check_status(status)
    current = _require(store, opportunity_id)
    if current.status == value:
        return current
    with store.change(f"{current.id} {STATUS_LABELS[value]}", origin=origin) as tx:
        item = tx.require(current.id)
        assert isinstance(item, Opportunity)
        changed = replace(item, status=value, shipped_at=(shipped_at or tx.now) if value == "shipped" else None)
        if value != "exploring" and item.decided_at is None:
            changed = replace(changed, decided_at=tx.now)
        return tx.put(changed)


def linked_feedback(store: Store, opportunity_id: str) -> list[FeedbackItem]:
    """Items linked to the opportunity, oldest received first."""
    opportunity = _require(store, opportunity_id)
    items = store.records_where(FeedbackItem, (Where("opportunity", "=", opportunity.id),))
    items.sort(key=lambda item: (item.received_at, item.number))
    return items


def stats(store: Store) -> list[OpportunityStats]:
    """Every opportunity with its counts, highest score first (then most feedback, then oldest)."""
    linked: dict[str, list[FeedbackItem]] = {}
    # Only the linked items are read (a few of 100,000, when they are not in memory).
    for item in store.records_where(FeedbackItem, (Where("opportunity", "set"),)):
        if item.opportunity:
            linked.setdefault(item.opportunity, []).append(item)
    out = []
    for opportunity in store.all(Opportunity):
        items = linked.get(opportunity.id, [])
        customers = {account_key(account_of(name)) for item in items for name, _ in customer_asks(store, item)}
        out.append(
            OpportunityStats(
                opportunity=opportunity,
                feedback=len(items),
                customers=len(customers),
                score=sum(IMPORTANCE_WEIGHTS.get(item.importance, 1) for item in items),
                new_feedback=sum(1 for item in items if item.status == "new"),
            )
        )
    out.sort(key=lambda s: (-s.score, -s.feedback, s.opportunity.number))
    return out


def customers_to_close_the_loop(store: Store, opportunity_id: str) -> list[tuple[str, list[str]]]:
    """(account, [feedback ids]) for every account that asked, alphabetically (loop.py's rule:
    "Kwame Mensah (Saltbox Coffee Roasters)" and "Saltbox Coffee Roasters" are one account).

    The ids are each account's own feedback: a linked item, or an item merged into one (a
    customer known only from a survivor's extra["customers"] gets the survivor's id). Items
    without a customer are left out. loop.loop_for has the rest: people, contact, quote, told."""
    return [(a.account, list(a.feedback)) for a in loop_for(store, opportunity_id).accounts]


def close_the_loop_csv(store: Store, opportunity_id: str) -> str:
    """The close-the-loop list as CSV text, for a mail merge: `prodops export loop O-ID`'s
    (loop.LOOP_COLUMNS: customer (the account), feedback, opportunity, title, status as before,
    then people, contact, channel, quote, links, told_at, told_by).

    Cells that a spreadsheet would run as a formula (=, +, -, @) are quoted with a leading '."""
    return loop_csv([loop_for(store, opportunity_id)])


def write_close_the_loop(store: Store, opportunity_id: str, path: Path, *, replace: bool = True) -> None:
    """Write the close-the-loop CSV to `path` (private, written whole or not at all). `replace`
    off: FileExistsError when a file is there (see atomic_write_bytes)."""
    atomic_write_bytes(path, close_the_loop_csv(store, opportunity_id).encode("utf-8"), replace=replace)


def find(store: Store, query: str, *, limit: int = 50) -> list[Opportunity]:
    """Opportunities for the link picker: fuzzy by title, best first; all, newest first, when empty."""
    opportunities = store.all(Opportunity)
    newest_first = sorted(opportunities, key=lambda o: (o.created_at, o.number), reverse=True)
    if not query.strip():
        return newest_first[:limit]
    rank = {o.id: index for index, o in enumerate(newest_first)}
    titles = {o.id: o.title for o in opportunities}
    hits = process.extract(
        query, titles, scorer=fuzz.WRatio, processor=utils.default_process, limit=None, score_cutoff=FIND_CUTOFF
    )
    by_id = {o.id: o for o in opportunities}
    hits.sort(key=lambda hit: (-hit[1], rank[hit[2]]))
    return [by_id[key] for _, _, key in hits[:limit]]
