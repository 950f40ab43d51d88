"""User stories for prodops_tui.core.feedback.opportunities: link feedback to a problem, weigh it, close the loop.

"Now" is 2026-11-24 15:00 UTC unless a story moves the clock."""

from __future__ import annotations

import csv
import io

import pytest

from prodops_tui.core.errors import InvalidInput, NotFound
from prodops_tui.core.feedback import opportunities
from prodops_tui.core.feedback.inbox import Triage, capture, update
from prodops_tui.core.feedback.merge import merge
from prodops_tui.core.feedback.opportunities import (
    IMPORTANCE_WEIGHTS,
    OpportunityStats,
    create,
    find,
    set_status,
    stats,
)
from prodops_tui.core.model import Opportunity, ProductArea
from prodops_tui.core.storage.store import Store

from ...conftest import FIXED_NOW


def link(store: Store, opportunity: Opportunity, *ids: str) -> None:
    update(store, list(ids), Triage(opportunity=opportunity.id), origin="test")


def add(store: Store, text: str, **fields):
    return capture(store, text, origin="test", **fields)


def test_creating_an_opportunity_cleans_the_title_and_resolves_the_area(store):
    with store.change("area", origin="test") as tx:
        exports = tx.add(ProductArea(name="Exports"))

    created = create(store, "  Bulk   export\x07 of\tinvoices ", description="All rows.\r\nIn the background.",
                     area="exports")

    assert store.get(created.id) == created
    assert created.title == "Bulk export of invoices"
    assert created.description == "All rows.\nIn the background."
    assert created.area == exports.id and created.status == "exploring" and created.decided_at is None
    assert store.undoable().label == "created opportunity “Bulk export of invoices”"
    for empty in ("", "   ", "\x1b\x07"):
        with pytest.raises(InvalidInput):
            create(store, empty)
    with pytest.raises(InvalidInput):
        create(store, "Dark mode", area="Nowhere")


def test_an_opportunity_shows_linked_feedback_unique_customers_and_weighted_score(store):
    export = create(store, "Bulk export of invoices")
    quiet = create(store, "Dark mode")
    a = add(store, "Export all invoices to Excel", customer="Acme Freight", importance="critical")
    b = add(store, "We need a CSV export of every payment", customer="Brightwater Dental", importance="high")
    c = add(store, "Export only gives us the current page", customer="acme freight")  # unrated, same customer
    add(store, "Unlinked export wish", customer="Dunmore Logistics", importance="critical")
    link(store, export, a.id, b.id, c.id)
    update(store, [b.id], Triage(status="processed"), origin="test")

    ranked = stats(store)

    assert [s.opportunity.id for s in ranked] == [export.id, quiet.id]
    assert ranked[0] == OpportunityStats(
        opportunity=store.get(export.id), feedback=3, customers=2,
        score=IMPORTANCE_WEIGHTS["critical"] + IMPORTANCE_WEIGHTS["high"] + IMPORTANCE_WEIGHTS[None],
        new_feedback=2,
    )
    assert ranked[0].score == 9
    assert (ranked[1].feedback, ranked[1].customers, ranked[1].score, ranked[1].new_feedback) == (0, 0, 0, 0)


def test_asked_by_counts_accounts_a_person_at_a_company_is_that_company(store):
    export = create(store, "Bulk export of invoices")
    items = [add(store, f"Export all invoices ({n})", customer=name) for n, name in enumerate(
        ("Kwame Mensah (Saltbox Coffee Roasters)", "Saltbox Coffee Roasters", "saltbox coffee  roasters", "Acme Freight"))]
    link(store, export, *(item.id for item in items))

    (only,) = stats(store)

    assert (only.feedback, only.customers) == (4, 2)
    assert [name for name, _ in opportunities.customers_to_close_the_loop(store, export.id)] == [
        "Acme Freight", "Saltbox Coffee Roasters"]


def test_merged_customers_count_toward_a_linked_survivor_but_unlinked_duplicates_do_not_count_as_feedback(store):
    export = create(store, "Bulk export of invoices")
    survivor = add(store, "Please add an option to export all invoices to Excel in one go.", customer="Acme Freight")
    dup = add(store, "Could you add a way to export all our invoices to Excel at once?", customer="Copperleaf Studios",
              importance="high")
    link(store, export, survivor.id)
    merge(store, [dup.id], survivor.id)

    (only,) = stats(store)
    assert (only.feedback, only.customers, only.score) == (1, 2, IMPORTANCE_WEIGHTS["high"])


def test_moving_past_exploring_stamps_decided_at_once(tmp_path):
    now = ["2026-11-24T15:00:00Z"]
    store = Store.open(tmp_path / "ws", clock=lambda: now[0])
    opportunity = create(store, "Multi-currency invoicing")

    planned = set_status(store, opportunity.id, "planned")
    assert planned.status == "planned" and planned.decided_at == "2026-11-24T15:00:00Z"
    assert store.get(opportunity.id) == planned

    now[0] = "2026-12-15T09:00:00Z"
    in_progress = set_status(store, opportunity.id.lower(), "In progress")
    shipped = set_status(store, opportunity.id, "shipped")
    assert in_progress.status == "in_progress" and shipped.status == "shipped"
    assert shipped.decided_at == "2026-11-24T15:00:00Z"
    assert (in_progress.shipped_at, shipped.shipped_at) == (None, "2026-12-15T09:00:00Z")  # when it shipped
    assert set_status(store, opportunity.id, "won't do").status == "wont_do"

    history = store.count(type(store.undoable()))
    assert set_status(store, opportunity.id, "wont_do").status == "wont_do"  # no change, no undo step
    assert store.count(type(store.undoable())) == history
    store.undo()
    assert store.get(opportunity.id).status == "shipped"
    store.close()


def test_an_exploring_opportunity_stays_undecided_and_bad_statuses_are_refused(store):
    opportunity = create(store, "Two-way Xero sync")
    assert set_status(store, opportunity.id, "exploring").decided_at is None
    with pytest.raises(InvalidInput, match="won't do"):
        set_status(store, opportunity.id, "done")
    with pytest.raises(NotFound):
        set_status(store, "O-99", "planned")
    assert store.get(opportunity.id).decided_at is None


def test_when_it_ships_everyone_who_asked_is_listed_including_merged_customers(store):
    export = create(store, "Bulk export of invoices")
    other = create(store, "Dark mode")
    a = add(store, "Please add an option to export all invoices to Excel in one go.", customer="Northgate Wholesale")
    b = add(store, "Could you add a way to export all our invoices to Excel at once?", customer="Acme Freight")
    c = add(store, "Export only gives us the current page, we need everything.", customer="acme freight")
    d = add(store, "We need a CSV export of every payment for our auditors.", customer="=HYPERLINK(\"x\")")
    anonymous = add(store, "Export every invoice please, all at once, as one spreadsheet.")
    elsewhere = add(store, "Dark mode in the app please, it is blinding at night", customer="Zeta Corp")
    merge(store, [b.id], a.id)
    link(store, export, a.id, c.id, d.id, anonymous.id)
    link(store, other, elsewhere.id)
    set_status(store, export.id, "shipped")

    rows = opportunities.customers_to_close_the_loop(store, export.id)

    assert rows == [
        ("=HYPERLINK(\"x\")", [d.id]),
        ("Acme Freight", [b.id, c.id]),
        ("Northgate Wholesale", [a.id]),
    ]
    exported = list(csv.reader(io.StringIO(opportunities.close_the_loop_csv(store, export.id))))
    assert exported[0][:5] == ["customer", "feedback", "opportunity", "title", "status"]  # the columns it always had first
    assert "contact" in exported[0] and "told_at" in exported[0]
    assert exported[1][0] == "'=HYPERLINK(\"x\")"  # never a live formula in a spreadsheet
    assert exported[2][:5] == ["Acme Freight", f"{b.id} {c.id}", export.id, "Bulk export of invoices", "shipped"]
    with pytest.raises(NotFound):
        opportunities.customers_to_close_the_loop(store, "O-99")


def test_the_picker_finds_opportunities_by_a_sloppy_title(store):
    export = create(store, "Bulk export of invoices and payments")
    create(store, "Dark mode in the mobile app")
    currency = create(store, "Multi-currency invoicing")

    assert find(store, "exprt")[0] == export
    assert export not in find(store, "dark mode")
    assert find(store, "multi curr")[0] == currency
    assert find(store, "zzzz qqq") == []
    assert [o.title for o in find(store, "")] == [
        "Multi-currency invoicing", "Dark mode in the mobile app", "Bulk export of invoices and payments",
    ]  # same created_at (frozen clock): newest id first
    assert FIXED_NOW == export.created_at


def test_linking_to_a_new_opportunity_creates_it_in_the_same_change_so_one_undo_takes_both(store):
    first, second = capture(store, "Offline mode please"), capture(store, "Works on the train?")
    linked = update(store, [first.id, second.id], Triage(new_opportunity="  Offline mode  "), origin="app")
    (created,) = store.all(Opportunity)
    assert created.title == "Offline mode"
    assert [item.opportunity for item in linked] == [created.id, created.id]
    assert store.undoable().label == "linked to a new opportunity “Offline mode” (2 items)"
    store.undo()
    assert store.all(Opportunity) == [] and store.get(first.id).opportunity is None


def test_a_new_opportunity_needs_a_title_and_is_not_combined_with_a_link(store):
    item = capture(store, "Offline mode please")
    with pytest.raises(InvalidInput, match="needs a title"):
        update(store, [item.id], Triage(new_opportunity="   "))
    existing = opportunities.create(store, "Offline")
    with pytest.raises(InvalidInput, match="not both"):
        update(store, [item.id], Triage(opportunity=existing.id, new_opportunity="Another"))
    assert store.count(Opportunity) == 1 and store.get(item.id).opportunity is None
