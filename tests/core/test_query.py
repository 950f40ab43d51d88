"""User stories for prodops_tui.core.query: one query language, the same in the inbox filter,
saved views, the search box and every CLI --filter.

"Now" is Tuesday 2026-11-24 15:00 UTC (the tests' fixed clock)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from prodops_tui.core import query
from prodops_tui.core.dates import from_iso
from prodops_tui.core.demo import fill_demo
from prodops_tui.core.errors import InvalidInput
from prodops_tui.core.feedback import inbox
from prodops_tui.core.feedback.filters import apply_filter, find_view, parse_filter, save_view
from prodops_tui.core.model import ProductArea
from prodops_tui.core.search.index import SearchIndex
from prodops_tui.core.storage.store import Store

from ..conftest import FIXED_NOW, fixed_clock

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "docs" / "REFERENCE.md"


def in_the_inbox(store, text: str) -> list[str]:
    items = inbox.list_feedback(store, status="all")
    return sorted(item.id for item in apply_filter(store, items, parse_filter(text, now_iso=store.clock())))


def in_search(store, text: str, **kwargs) -> list[str]:
    index = SearchIndex()
    index.build(store)
    return sorted(hit.id for hit in index.search(text, store, limit=2_000, **kwargs).hits)


@pytest.fixture
def freight(store):
    """Three customers whose names share words: only the quoted name tells them apart."""
    with store.change("areas") as tx:
        billing = tx.add(ProductArea(name="Billing"))
        tx.add(ProductArea(name="Invoices", parent=billing.id))
    inbox.capture(store, "Export of invoices is slow", customer="Acme Freight", source="support", tags=["export"],
                  importance="high", area="Invoices", received="2026-11-20")
    inbox.capture(store, "Freight labels print twice", customer="Acme Logistics", source="app review",
                  received="2026-10-01")
    inbox.capture(store, "Dark mode please", customer="Globex Freight", source="twitter", received="2026-11-23")
    return store


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("query") / "ws", clock=fixed_clock)
    fill_demo(store, now=from_iso(FIXED_NOW))
    yield store
    store.close()


# --- one meaning everywhere ------------------------------------------------------------------


def test_customer_acme_freight_means_the_same_in_the_inbox_a_saved_view_search_and_the_cli(freight, prodops):
    # Fails before core/query.py: search did not know customer: and found nothing.
    typed = 'customer:"Acme Freight"'
    assert in_the_inbox(freight, typed) == ["F-1"]
    save_view(freight, "Acme Freight", typed)
    assert in_the_inbox(freight, find_view(freight, "acme freight").query) == ["F-1"]
    assert in_search(freight, typed) == ["F-1"]
    freight.close()
    listed = prodops("list", "feedback", "--status", "all", "--filter", typed, "--json")
    assert [item["id"] for item in listed.stdout and json.loads(listed.stdout)] == ["F-1"], listed.stderr
    exported = prodops("export", "feedback", "--status", "all", "--view", "Acme Freight", "--format", "json")
    assert [item["id"] for item in json.loads(exported.stdout)] == ["F-1"], exported.stderr
    searched = prodops("search", typed, "--json")
    assert [hit["id"] for hit in json.loads(searched.stdout)] == ["F-1"], searched.stderr


def test_a_quoted_value_takes_single_quotes_too_and_unquoted_it_is_one_word(freight):
    assert in_the_inbox(freight, "customer:'acme freight'") == ["F-1"]
    assert in_the_inbox(freight, "customer:acme") == ["F-1", "F-2"]
    # Unquoted, Freight is a free word of its own: in the text of F-2, the customer of F-1.
    assert in_the_inbox(freight, "customer:acme freight") == ["F-1", "F-2"]


FEEDBACK_QUERIES = [
    "area:billing", "area:invoices", "area:Billing/Invoices", "area:billing area:payments", "area:A-2",
    "tag:export", "tag:#Export", "tag:export tag:ux",
    "status:new", "status:snoozed", "status:processed", "status:archived", "status:new status:archived",
    "importance:high", "importance:critical importance:low",
    "source:review", "customer:acme", "since:2w", "since:2026-11-01",
    "is:unassigned", "is:untagged", "is:unrated", "is:linked", "is:merged", "is:unrated is:untagged",
    "area:billing importance:high since:30d", "kind:feedback tag:export",
]


@pytest.mark.parametrize("typed", FEEDBACK_QUERIES)
def test_every_keyword_finds_the_same_feedback_in_the_inbox_filter_and_in_search(demo, typed):
    # Before core/query.py: search ANDed tag:, knew no importance:/source:/customer: and no
    # untagged/unrated/linked/merged, and area: was a part of a path in one, a name in the other.
    inbox_ids = in_the_inbox(demo, typed)
    assert inbox_ids == in_search(demo, typed, kinds=["feedback"])
    if "snoozed" not in typed and "linked" not in typed and "merged" not in typed:
        assert inbox_ids, f"{typed} should find some of the demo's feedback"


def test_values_of_one_keyword_are_either_and_keywords_are_all(demo):
    export, ux = in_the_inbox(demo, "tag:export"), in_the_inbox(demo, "tag:ux")
    assert in_the_inbox(demo, "tag:export tag:ux") == sorted(set(export) | set(ux))
    high = in_the_inbox(demo, "importance:high")
    assert in_the_inbox(demo, "tag:export importance:high") == sorted(set(export) & set(high))


# --- a keyword that does not apply to a kind of item ---------------------------------------


def test_importance_in_search_finds_only_feedback_as_a_person_has_no_importance(demo):
    index = SearchIndex()
    index.build(demo)
    found = index.search("importance:high", demo, limit=2_000)
    assert found.hits and {hit.kind for hit in found.hits} == {"feedback"}
    assert {hit.kind for hit in index.search("customer:acme", demo, limit=2_000).hits} == {"feedback"}
    assert index.search("kind:person importance:high", demo).hits == []
    assert {hit.kind for hit in index.search("status:left", demo).hits} == {"person"}
    assert {hit.kind for hit in index.search("status:open", demo, limit=500).hits} == {"action"}


def test_owner_and_is_unowned_find_nothing_in_the_inbox_and_say_why(demo):
    for typed in ("owner:priya", "is:unowned", "kind:area", "status:done"):
        assert in_the_inbox(demo, typed) == [], typed
        assert any("never matches feedback" in hint for hint in parse_filter(typed, now_iso=FIXED_NOW).hints), typed
    assert parse_filter("importance:high", now_iso=FIXED_NOW).hints == ()


def test_is_unassigned_is_no_product_area_and_is_unowned_is_nobody_owns_it_everywhere(demo):
    index = SearchIndex()
    index.build(demo)
    unassigned = {hit.kind for hit in index.search("is:unassigned", demo, limit=2_000).hits}
    assert unassigned <= {"feedback", "opportunity", "action"} and "feedback" in unassigned
    unowned = {hit.kind for hit in index.search("is:unowned", demo, limit=2_000).hits}
    assert unowned == {"area", "action"} or unowned == {"area"}


# --- errors and hints, the same words everywhere ------------------------------------------------


@pytest.mark.parametrize("typed, message", [
    ("importance:huge", "importance:huge is not one of low, medium, high, critical"),
    ("is:bogus", "is:bogus is not one of unassigned, unowned, untagged, unrated, linked, merged"),
    ("kind:bogus", "kind:bogus is not one of feedback, opportunity"),
    ("status:bogus", "status:bogus is not one of new, snoozed"),
    ("since:blorp", "since: cannot read 'blorp' as a date"),
])
def test_a_value_that_cannot_be_read_is_one_message_refused_by_the_inbox_and_a_hint_in_search(demo, typed, message):
    with pytest.raises(InvalidInput) as refused:
        parse_filter(typed, now_iso=FIXED_NOW)
    assert str(refused.value).startswith(message)
    index = SearchIndex()
    index.build(demo)
    found = index.search(f"{typed} dunning", demo)
    assert str(refused.value) in found.hints
    assert found.hits  # the filter is left out; "dunning" is still searched


def test_an_unknown_keyword_is_the_same_hint_in_the_inbox_and_search_and_is_left_out(demo):
    index = SearchIndex()
    index.build(demo)
    inbox_filter = parse_filter("colour:red dunning", now_iso=FIXED_NOW)
    found = index.search("colour:red dunning", demo, limit=500)
    assert inbox_filter.hints == tuple(found.hints) == (query.unknown_keyword("colour"),)
    assert in_the_inbox(demo, "colour:red dunning") == in_the_inbox(demo, "dunning")
    assert [h.id for h in found.hits] == [h.id for h in index.search("dunning", demo, limit=500).hits]


def test_a_keyword_without_a_value_is_a_hint_not_a_word(freight):
    parsed = query.parse("area: slow", now=from_iso(FIXED_NOW))
    assert parsed.hints == ("area: needs a value",) and parsed.words == ("slow",)
    assert in_the_inbox(freight, "area: slow") == ["F-1"]


# --- one table, the source of the docs -----------------------------------------------------


def test_every_keyword_in_the_table_is_read_by_the_parser_from_its_own_example():
    for keyword in query.KEYWORDS:
        parsed = query.parse(keyword.example, now=from_iso(FIXED_NOW))
        assert parsed.has_filters and not parsed.errors and not parsed.hints, keyword.name
    assert set(query.NAMES) == {"area", "tag", "status", "importance", "rating", "source", "customer", "owner", "kind", "id", "since", "is"}
    assert {"is:unassigned", "is:unowned", "is:untagged", "is:unrated", "is:linked", "is:merged"} <= set(query.BY_NAME)
    assert all(len(k.description) <= 32 for k in (*query.KEYWORDS, query.FREE_WORDS)), "one line in the ? screen's column"


def test_the_reference_lists_the_keywords_from_the_table():
    text = REFERENCE.read_text(encoding="utf-8")
    section = re.search(r"^## The query language\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert section, "docs/REFERENCE.md has a '## The query language' section"
    assert query.markdown_table() in section.group(1), "regenerate it: python -c 'from prodops_tui.core.query import markdown_table; print(markdown_table())'"
    # One table: the README points to it instead of holding a copy that would drift unchecked.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "| Type | Means | Finds |" not in readme and "docs/REFERENCE.md#the-query-language" in readme


def test_the_inbox_filter_box_shows_examples_of_every_keyword_that_applies_to_feedback():
    from prodops_tui.core.query import KEYWORDS, examples_for

    shown = examples_for("feedback")
    for keyword in KEYWORDS:
        if "feedback" in keyword.kinds and keyword.takes_value and keyword.name != "kind":
            assert keyword.example in shown
    assert "owner:" not in shown  # it never matches feedback


@pytest.mark.parametrize(("typed", "stars"), [
    ("rating:5", (5,)), ("rating:<=2", (1, 2)), ("rating:>3", (4, 5)), ("rating:2-3", (2, 3)),
    ("rating:>=4 rating:<5", (4,)), ("rating:5 rating:1", (0,)),  # both must hold: nothing can
])
def test_rating_filters_read_the_stars_they_let_through(typed, stars):
    assert query.parse(typed, now=from_iso(FIXED_NOW)).ratings == stars


@pytest.mark.parametrize("typed", ["rating:6", "rating:good", "rating:<=", "rating:>2-3"])
def test_an_unreadable_rating_is_an_error_naming_it(typed):
    assert query.parse(typed, now=from_iso(FIXED_NOW)).errors[0].startswith(typed)


def test_id_names_exactly_these_items_and_refuses_what_is_not_an_id():
    assert query.parse("id:F-12,f-40 id:R-1#3", now=from_iso(FIXED_NOW)).ids == ("F-12", "F-40", "R-1#3")
    assert query.parse("id:twelve", now=from_iso(FIXED_NOW)).errors[0].startswith("id:twelve is not an item id")
