"""The product-area map in core: who owns what, the gaps, people, and edits that lose nothing."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from prodops_tui.core.areas import ownership, people
from prodops_tui.core.areas.lookup import area_path
from prodops_tui.core.demo import SEEDED_GAPS, fill_demo
from prodops_tui.core.errors import InvalidInput, NotFound
from prodops_tui.core.feedback import inbox
from prodops_tui.core.model import FeedbackItem, ProductArea


@pytest.fixture
def demo(store):
    fill_demo(store, now=datetime(2026, 11, 24, 15, tzinfo=timezone.utc))
    return store


def paths(store, areas):
    return [area_path(store, area) for area in areas]


def first(store, query):
    return ownership.who_owns(store, query)[0]


def test_the_gaps_are_exactly_the_seeded_ones(demo):
    found = ownership.gaps(demo)
    assert paths(demo, found.no_owner) == sorted(SEEDED_GAPS["no_owner"], key=str.casefold)
    assert paths(demo, found.owner_left) == sorted(SEEDED_GAPS["owner_left"], key=str.casefold)
    assert paths(demo, found.no_maintainer) == sorted(SEEDED_GAPS["no_maintainer"], key=str.casefold)
    assert found.feedback_without_area == sum(1 for i in demo.all(FeedbackItem) if i.area is None and not i.duplicate_of)


@pytest.mark.parametrize(
    ("query", "expected", "matched"),
    [
        ("invoicing", "Billing / Invoices", "path"),  # a stem of the name
        ("invoic", "Billing / Invoices", "path"),  # partial
        ("invocies", "Billing / Invoices", "path"),  # misspelled
        ("tax invoices", "Billing / Invoices / Tax", "path"),  # reordered
        ("quikbooks", "Integrations / QuickBooks", "path"),
        ("dunning", "Billing / Dunning", "path"),
    ],
)
def test_who_owns_takes_partial_misspelled_and_reordered_words(demo, query, expected, matched):
    best = first(demo, query)
    assert (best.path, best.matched) == (expected, matched)


def test_who_owns_finds_areas_by_glossary_code_path_and_person(demo):
    assert first(demo, "VAT").matched.startswith("glossary:")
    assert first(demo, "services/payments/cards").path == "Payments / Card payments"
    by_person = ownership.who_owns(demo, "Priya Raman")
    assert "Billing / Invoices" in [m.path for m in by_person]
    priyas = [m for m in by_person if m.matched.startswith("person: Priya Raman")]
    assert by_person[: len(priyas)] == priyas  # similar names ("Aisha Rahman") rank after her
    assert ownership.who_owns(demo, "") == []


def test_what_priya_owns_follows_renames_and_departures(demo):
    priya = people.resolve_person(demo, "priya")
    assert "Billing / Invoices" in paths(demo, ownership.owned_by(demo, priya.id).owns)
    people.rename_person(demo, priya.id, "Priya Raman-Okafor")
    invoices = next(a for a in demo.all(ProductArea) if area_path(demo, a) == "Billing / Invoices")
    assert ownership.area_record(demo, invoices)["owners"] == ["Priya Raman-Okafor"]
    people.set_active(demo, priya.id, False)
    assert "Billing / Invoices" in paths(demo, ownership.gaps(demo).owner_left)
    assert ownership.person_record(demo, demo.get(priya.id))["active"] is False


def test_resolve_person_by_handle_email_first_name_or_says_who_is_close(demo):
    priya = people.resolve_person(demo, "@priya")
    assert people.resolve_person(demo, priya.email).id == priya.id
    assert people.resolve_person(demo, "Priya").id == priya.id
    with pytest.raises(NotFound, match="no person 'Zebedee'"):
        people.resolve_person(demo, "Zebedee")


def test_moving_an_area_under_itself_or_below_is_refused(demo):
    billing = next(a for a in demo.all(ProductArea) if area_path(demo, a) == "Billing")
    tax = next(a for a in demo.all(ProductArea) if area_path(demo, a) == "Billing / Invoices / Tax")
    with pytest.raises(InvalidInput, match="cannot go under itself"):
        ownership.move_area(demo, billing.id, tax.id)
    moved = ownership.move_area(demo, tax.id, None)
    assert area_path(demo, moved) == "Tax"


def test_deleting_an_area_moves_feedback_and_sub_areas_up_and_one_undo_restores_all(demo):
    invoices = next(a for a in demo.all(ProductArea) if area_path(demo, a) == "Billing / Invoices")
    feedback = [i.id for i in demo.all(FeedbackItem) if i.area == invoices.id]
    children = [a.id for a in demo.all(ProductArea) if a.parent == invoices.id]
    assert ownership.delete_area(demo, invoices.id) == (len(feedback), len(children))
    assert all(demo.get(i).area == invoices.parent for i in feedback)
    assert all(demo.get(a).parent == invoices.parent for a in children)
    demo.undo()
    assert demo.get(invoices.id) is not None
    assert all(demo.get(i).area == invoices.id for i in feedback)


def test_names_are_checked(store):
    billing = ownership.add_area(store, "Billing")
    with pytest.raises(InvalidInput, match="exists already"):
        ownership.add_area(store, "billing")
    with pytest.raises(InvalidInput, match="separates levels"):
        ownership.add_area(store, "A/B")
    with pytest.raises(InvalidInput):
        ownership.add_area(store, "  ")
    ownership.add_area(store, "Billing", parent=billing.id)  # the same name one level down is fine


def test_a_fifty_level_tree_has_a_path(store):
    parent = None
    for level in range(50):
        parent = ownership.add_area(store, f"L{level}", parent=parent.id if parent else None)
    assert area_path(store, parent).count(" / ") == 49
    inbox.capture(store, "deep", area=parent.id)


def test_roles_take_known_people_only_and_several_owners(store):
    area = ownership.add_area(store, "Search")
    ana = people.add_person(store, "Ana", handle="ana")
    bo = people.add_person(store, "Bo")
    updated = ownership.set_role(store, area.id, "owners", [ana.id, bo.id])
    assert ownership.area_record(store, updated)["owners"] == ["Ana", "Bo"]
    with pytest.raises(NotFound):
        ownership.set_role(store, area.id, "owners", ["P-99"])
    with pytest.raises(InvalidInput, match="someone else's handle"):
        people.add_person(store, "Ana Two", handle="@ana")
