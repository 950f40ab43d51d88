"""A small workspace with a known past, on a fixed clock: feedback over 75 days, areas, people
(two have left), opportunities (one shipped), retro actions and a weekly checklist with runs.

`written` keeps every record as the test wrote it, so the tests work out each figure from the
records themselves (never from what the metrics code printed)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from prodops_tui.core.dates import to_iso
from prodops_tui.core.model import (
    ActionItem,
    ChecklistRun,
    ChecklistTemplate,
    FeedbackItem,
    Opportunity,
    Person,
    ProductArea,
)
from prodops_tui.core.storage.store import Store

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)  # a Tuesday
NOW_ISO = to_iso(NOW)
SOURCES = ("support", "Support", "email", "", "sales | call")
AREAS = (None, "A-1", "A-2", "A-3", "A-4")
CUSTOMERS = ("Acme", "acme", "Brightwater", "Copperleaf", "")
IMPORTANCE = (None, "low", "medium", "high", "critical")
MONDAY_RULE = "DTSTART:20260907T090000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO"  # Mondays 09:00 UTC from 7 Sep 2026


@dataclass
class Written:
    feedback: list[FeedbackItem] = field(default_factory=list)
    areas: list[ProductArea] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    opportunities: list[Opportunity] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)
    runs: list[ChecklistRun] = field(default_factory=list)


def iso(dt: datetime) -> str:
    return to_iso(dt)


def fill(store: Store) -> Written:
    rng = random.Random(17)
    w = Written()
    w.people = [
        Person(name="Ada Lovelace", handle="@ada"),
        Person(name="Bo Diddley", handle="@bo", active=False, left_at=iso(NOW - timedelta(days=14))),
        Person(name="Cy Twombly", handle="@cy"),
        Person(name="Di Prima", handle="@di", active=False, left_at=iso(NOW - timedelta(days=50))),
        Person(name="Ed Ruscha", active=False, left_at=iso(NOW - timedelta(days=3))),  # holds nothing
    ]
    w.areas = [
        ProductArea(name="Billing", owners=["P-1"], maintainers=["P-3"]),
        ProductArea(name="Invoices", parent="A-1", owners=["P-2"], maintainers=["P-1"]),  # its owner left
        ProductArea(name="Payments"),  # no owner, no maintainer
        ProductArea(name="Search", owners=["P-1", "P-2"], maintainers=["P-3"]),
    ]
    w.opportunities = [
        Opportunity(title="Bulk export", status="planned"),
        Opportunity(title="Smarter dunning", status="shipped"),
        Opportunity(title="Dark mode", status="exploring"),
    ]
    for number in range(1, 81):
        received = NOW - timedelta(minutes=rng.randint(5, 75 * 24 * 60))
        roll = rng.random()
        item = FeedbackItem(
            text=f"feedback {number}", title=f"feedback {number}", customer=rng.choice(CUSTOMERS),
            source=rng.choice(SOURCES), area=rng.choice(AREAS), importance=rng.choice(IMPORTANCE),
            received_at=iso(received),
        )
        if roll < 0.55:  # triaged: processed or archived, 20 minutes to 5 days later (never after now)
            triaged = min(received + timedelta(minutes=rng.randint(20, 5 * 24 * 60)), NOW - timedelta(minutes=1))
            item.status = rng.choice(("processed", "archived"))
            item.triaged_at = iso(triaged)
            if rng.random() < 0.35:
                item.opportunity = rng.choice(("O-1", "O-2"))
        elif roll < 0.65:  # snoozed: until a date to come, or one that has passed (back in New)
            item.snoozed_until = iso(NOW + timedelta(days=rng.choice((-2, 3))))
        elif roll < 0.7:  # triaged once, then moved back to New
            item.triaged_at = iso(min(received + timedelta(hours=rng.randint(1, 40)), NOW - timedelta(minutes=1)))
        w.feedback.append(item)
    # Three duplicates merged into earlier items (archived, pointing at their survivor).
    for dup_number, survivor_number in ((70, 5), (71, 5), (72, 9)):
        dup, survivor = w.feedback[dup_number - 1], w.feedback[survivor_number - 1]
        dup.duplicate_of = f"F-{survivor_number}"
        dup.status, dup.snoozed_until, dup.opportunity = "archived", None, None
        dup.triaged_at = dup.triaged_at or iso(max(NOW - timedelta(days=1), datetime.fromisoformat(dup.received_at)))
        dup.customer = f"Merged customer {dup_number}"
        survivor.merged_from.append(dup.id or f"F-{dup_number}")
    w.feedback[4].opportunity = "O-1"  # the survivor of two merges is linked: their customers count
    w.feedback[4].status, w.feedback[4].triaged_at = "processed", w.feedback[4].triaged_at or w.feedback[4].received_at
    w.feedback[4].snoozed_until = None
    w.actions = [
        ActionItem(text="Overdue, open", owners=["P-3"], due=iso(NOW - timedelta(days=3)), created_at=iso(NOW - timedelta(days=10))),
        ActionItem(text="Overdue, owner left", owners=["P-4"], due=iso(NOW - timedelta(days=20)), created_at=iso(NOW - timedelta(days=40))),
        ActionItem(text="Done on time", owners=["P-1"], due=iso(NOW - timedelta(days=5)), status="done",
                   done_at=iso(NOW - timedelta(days=6)), created_at=iso(NOW - timedelta(days=12))),
        ActionItem(text="Done late, last period", owners=["P-1"], due=iso(NOW - timedelta(days=40)), status="done",
                   done_at=iso(NOW - timedelta(days=33)), created_at=iso(NOW - timedelta(days=45))),
        ActionItem(text="Dropped", owners=[], due=iso(NOW - timedelta(days=2)), status="dropped",
                   done_at=iso(NOW - timedelta(days=4)), created_at=iso(NOW - timedelta(days=8))),
        ActionItem(text="Due later", owners=["P-3"], due=iso(NOW + timedelta(days=5)), created_at=iso(NOW - timedelta(days=1))),
        ActionItem(text="No due date", owners=["P-3"], created_at=iso(NOW - timedelta(days=2))),
    ]
    checklist = ChecklistTemplate(name="Weekly triage", rrule=MONDAY_RULE)
    mondays = [datetime(2026, 9, 7, 9, tzinfo=timezone.utc) + timedelta(weeks=n) for n in range(12)]  # to 23 Nov
    # Runs: on time (completed before the next Monday), late (after it), never completed, none.
    plan = {1: 1, 2: 2, 4: 1, 5: 8, 7: 1, 8: None, 9: 1, 10: 3, 11: 1}  # week -> completed N days after, None: started only
    for week, days in plan.items():
        due = mondays[week]
        w.runs.append(ChecklistRun(checklist="C-1", title=f"week {week}", due_at=iso(due),
                                   completed_at=iso(due + timedelta(days=days)) if days is not None else None))
    with store.change("test workspace", history=False) as tx:
        for record in (*w.people, *w.areas, *w.opportunities, *w.feedback, *w.actions, checklist, *w.runs):
            tx.add(record)
    # What the store assigned (ids, created_at for those left blank) is what the tests read.
    w.feedback = store.all(FeedbackItem)
    w.actions = store.all(ActionItem)
    w.runs = store.all(ChecklistRun)
    return w


def fixed_clock() -> str:
    return NOW_ISO


@pytest.fixture
def metrics_store(workspace):
    store = Store.open(workspace, clock=fixed_clock)
    written = fill(store)
    yield store, written
    store.close()
