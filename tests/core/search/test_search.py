"""User stories for prodops_tui.core.search.index: find anything in the Northwind Ledger demo by a partial,
misspelled or reordered word, narrow it with filters, and keep finding it as the workspace changes.

"Now" is Tuesday 2026-11-24 15:00 UTC (the demo's fixed clock)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tinydb import TinyDB

from prodops_tui.core.areas.people import set_active
from prodops_tui.core.dates import from_iso
from prodops_tui.core.demo import fill_demo
from prodops_tui.core.feedback.inbox import capture, edit
from prodops_tui.core.model import ActionItem, FeedbackItem, ProductArea
from prodops_tui.core.retro.board import reveal
from prodops_tui.core.search.display import highlight_spans, hit_record, location, snippet
from prodops_tui.core.search.index import SearchIndex, parse_query
from prodops_tui.core.storage import store as store_module
from prodops_tui.core.storage.store import Store

from ...conftest import FIXED_NOW, fixed_clock


def demo_store(path) -> Store:
    store = Store.open(path, clock=fixed_clock)
    fill_demo(store, now=from_iso(FIXED_NOW))
    return store


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo workspace and its index, for the tests that only read."""
    store = demo_store(tmp_path_factory.mktemp("search") / "ws")
    index = SearchIndex()
    index.build(store)
    yield store, index
    store.close()


@pytest.fixture
def fresh(workspace):
    """A demo workspace of the test's own, for the tests that change it."""
    store = demo_store(workspace)
    index = SearchIndex()
    index.build(store)
    yield store, index
    store.close()


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


def find(demo, query: str, limit: int = 10, **kwargs) -> list[str]:
    store, index = demo
    return ids(index.search(query, store, limit=limit, **kwargs))


# --- every kind, by partial, misspelled and reordered words ----------------------------------

# kind, item, a partial word, a misspelled word, two words to give in either order
FINDABLE = [
    ("feedback", "F-40", "squash", "thumbnial", ("logo", "thumbnail")),
    ("opportunity", "O-3", "currenc", "invocing", ("multi", "invoicing")),
    ("area", "A-7", "Dunn", "Duning", ("billing", "dunning")),
    ("area", "A-2", "Invoi", "invocies", ("billing", "invoices")),
    ("person", "P-8", "Herr", "Tomas", ("tomas", "herrera")),
    ("card", "R-1#12", "Celebr", "Celebratng", ("dunning", "celebrating")),
    ("action", "T-1", "Quarant", "Quarantne", ("flaky", "quarantine")),
    ("checklist", "C-4", "hyg", "hygene", ("weekly", "hygiene")),
]


@pytest.mark.parametrize(("kind", "item", "partial", "misspelled", "pair"), FINDABLE, ids=[f"{k}-{i}" for k, i, *_ in FINDABLE])
def test_every_kind_is_found_by_a_partial_a_misspelled_and_reordered_words(demo, kind, item, partial, misspelled, pair):
    store, index = demo
    for query in (partial, misspelled, " ".join(pair), " ".join(reversed(pair))):
        found = index.search(query, store, limit=10)
        assert item in ids(found), (query, ids(found))
        assert next(h for h in found.hits if h.id == item).kind == kind
    # Reordered words give the same results, in the same order with the same scores.
    forward = index.search(" ".join(pair), store, limit=50)
    backward = index.search(" ".join(reversed(pair)), store, limit=50)
    assert [(h.id, h.score) for h in forward.hits] == [(h.id, h.score) for h in backward.hits]
    # Narrowed to its kind, it is still there and nothing else is.
    narrowed = index.search(f"kind:{kind} {partial}", store, limit=10)
    assert item in ids(narrowed) and {h.kind for h in narrowed.hits} == {kind}


def test_csv_export_and_export_csv_give_the_same_results(demo):
    store, index = demo
    forward = index.search("csv export", store, limit=100)
    backward = index.search("export csv", store, limit=100)
    assert forward.total == backward.total > 5
    assert [(h.id, h.score) for h in forward.hits] == [(h.id, h.score) for h in backward.hits]
    assert "O-1" in ids(forward)  # "Bulk export of invoices and payments": an opportunity too


def test_a_misspelled_invoices_still_finds_the_invoice_areas_first(demo):
    found = find(demo, "invocies", limit=3)
    assert set(found) <= {"A-2", "A-3", "A-4"} and "A-2" in found


def test_an_accent_neither_needs_typing_nor_gets_in_the_way(demo):
    assert find(demo, "Tomas") == find(demo, "tomás") == find(demo, "TOMÁS") == ["P-8"]


def test_plain_ascii_text_folds_as_full_unicode_folding_would():
    # fold() skips the Unicode decomposition for ASCII text (most text, 75x sooner): same answer.
    import unicodedata

    from prodops_tui.core.text import fold

    text = "".join(chr(i) for i in range(128)) + " Invoices EXPORT"
    slow = "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))
    assert fold(text) == slow
    assert fold("Straße ÉCOLE ﬁle") == "strasse ecole file"


def test_a_partial_word_finds_words_that_start_with_it(demo):
    store, index = demo
    found = index.search("Priy", store)
    assert ids(found) == ["P-1"]
    assert {h.kind for h in index.search("Billin", store, limit=50).hits} >= {"area"}


def test_a_word_in_the_title_outranks_the_same_word_in_the_body(demo):
    # "invoi" is "Invoices" in these areas' names, and "invoice" only in the others' descriptions.
    assert set(find(demo, "kind:area invoi", limit=3)) == {"A-2", "A-3", "A-4"}


def test_no_word_is_required_and_a_word_nothing_holds_changes_nothing(demo):
    # Search ranks, it does not filter: T-1 is "Quarantine the flaky tax-rate test and open a
    # ticket to fix it". A word no item holds changes nothing; one T-1 does not hold ("mandate"
    # is in some feedback) leaves it first.
    assert find(demo, "flaky tax")[:1] == ["T-1"]
    assert find(demo, "flaky zzqqxx") == find(demo, "flaky")
    assert find(demo, "flaky")[:1] == ["T-1"]
    assert find(demo, "flaky quarantine mandate")[:1] == ["T-1"]
    assert find(demo, "zzqqxx") == []


def test_an_item_is_found_by_its_id(demo):
    # The id is shown on every hit and every pane, so typing it must find the item first.
    assert find(demo, "F-12")[:1] == ["F-12"]
    assert find(demo, "O-3")[:1] == ["O-3"]
    assert find(demo, "P-8")[:1] == ["P-8"]


# --- retro cards: hidden until revealed -------------------------------------------------------


def test_hidden_retro_cards_are_not_findable_until_revealed(fresh):
    store, index = fresh
    assert "R-2#3" not in find(fresh, "slipped instalments", limit=500)  # written but not yet shown to the room
    assert "R-2#5" not in find(fresh, "payout cron", limit=500)
    assert find(fresh, "third on-call payout")[:1] == ["R-2#2"]  # shown already
    assert index.search("kind:card", store, limit=100).total == 14

    reveal(store, "R-2")
    assert index.refresh(store) == 1
    assert find(fresh, "slipped instalments")[:1] == ["R-2#3"]
    assert find(fresh, "payout cron")[:1] == ["R-2#5"]
    assert index.search("kind:card", store, limit=100).total == 17

    reveal(store, "R-2", shown=False)
    index.refresh(store)
    assert "R-2#5" not in find(fresh, "payout cron", limit=500)


# --- filters ------------------------------------------------------------------------------------


def test_kind_filter_takes_singular_plural_and_combines_with_text(demo):
    store, index = demo
    assert index.search("kind:areas", store, limit=100).total == 27
    assert index.search("kind:people", store, limit=100).total == 16
    assert index.search("kind:checklist", store, limit=100).total == 5
    assert ids(index.search("kind:person tom", store)) == ["P-8"]
    both = index.search("kind:area kind:opportunity invoic", store, limit=100)
    assert {h.kind for h in both.hits} == {"area", "opportunity"}


def test_area_filter_keeps_the_area_and_its_sub_areas(demo):
    store, index = demo
    found = index.search("area:exports csv", store, limit=100)
    assert found.total > 0 and {h.doc.facets["area"] for h in found.hits} == {"A-14"}
    # "Exports" names one area: not Reporting around it, nor Admin & permissions.
    found = index.search("area:exports", store, limit=500)
    assert found.total > 0 and {h.doc.facets["area"] for h in found.hits} == {"A-14"}
    billing = index.search("area:billing invoice", store, limit=200)
    assert billing.total > 0
    billing_tree = {"A-1", "A-2", "A-3", "A-4", "A-5", "A-6", "A-7"}
    assert {h.doc.facets["area"] for h in billing.hits} <= billing_tree
    assert "A-2" in ids(billing)  # the sub-area itself


def test_tag_status_owner_and_since_filters_combine_with_text(demo):
    store, index = demo
    tagged = index.search("tag:export csv", store, limit=100)
    assert tagged.total > 0 and all("export" in store.get(h.id).tags for h in tagged.hits)
    assert tagged.total <= index.search("csv", store, limit=100).total

    assert sorted(ids(index.search("status:archived logo", store))) == ["F-1", "F-40"]
    assert sorted(ids(index.search("status:left", store))) == ["P-16", "P-6"]

    owned = index.search("owner:tomas", store, limit=100)
    assert {"T-1", "T-4"} <= set(ids(owned))
    assert all("P-8" in h.doc.facets["owners"] for h in owned.hits)
    assert ids(index.search("owner:tomas quarantine", store)) == ["T-1"]

    recent = index.search("since:2w invoice", store, limit=500)
    everything = index.search("invoice", store, limit=500)
    assert 0 < recent.total < everything.total
    assert all(h.doc.facets["date"] >= "2026-11-10T15:00:00Z" for h in recent.hits)


def test_is_unowned_finds_areas_without_an_active_owner_and_actions_nobody_owns(demo):
    store, index = demo
    areas = set(ids(index.search("kind:area is:unowned", store, limit=100)))
    # Salesforce, Audit log and Search have no owner; Onboarding's owner (Hannah) has left.
    assert areas == {"A-18", "A-22", "A-23", "A-27"}
    unowned = index.search("is:unowned", store, limit=500)
    assert {h.kind for h in unowned.hits} <= {"area", "action"}
    assert all(not store.get(h.id).owners for h in unowned.hits if h.kind == "action")


def test_is_unassigned_means_no_product_area_as_in_the_inbox_filter(demo):
    from prodops_tui.core.feedback.filters import apply_filter, parse_filter
    from prodops_tui.core.model import FeedbackItem

    store, index = demo
    # It once meant "no owner" here and "no area" in the inbox: areas came back for it.
    assert ids(index.search("kind:area is:unassigned", store, limit=100)) == []
    found = index.search("kind:feedback is:unassigned", store, limit=1000)
    everything = sorted(store.all(FeedbackItem), key=lambda f: f.id)
    in_the_inbox = apply_filter(store, everything, parse_filter("is:unassigned", now_iso=store.clock()))
    assert found.total == len(in_the_inbox) > 0
    assert set(ids(found)) == {item.id for item in in_the_inbox}


def test_a_filter_that_finds_no_area_or_person_finds_nothing_and_says_why(demo):
    store, index = demo
    found = index.search("area:nowhereland invoice", store)
    assert found.hits == [] and any("nowhereland" in hint for hint in found.hints)
    found = index.search("owner:zebulon", store)
    assert found.hits == [] and any("zebulon" in hint for hint in found.hints)


def test_unknown_filters_become_hints_and_the_rest_of_the_query_still_works(demo):
    store, index = demo
    found = index.search("colour:red invoice", store, limit=500)
    assert any("colour" in hint for hint in found.hints)
    assert ids(found) == ids(index.search("invoice", store, limit=500))
    assert index.search("foo:bar", store).hits == []
    bad_since = index.search("since:whenever dunning", store)
    assert bad_since.hints and "A-7" in ids(bad_since)


def test_an_unknown_filter_does_not_cancel_the_filters_before_it(demo):
    store, index = demo
    areas = ids(index.search("kind:area", store, limit=100))
    assert len(areas) == 27
    assert ids(index.search("foo:bar kind:area", store, limit=100)) == areas
    assert ids(index.search("kind:area foo:bar", store, limit=100)) == areas


def test_parse_query_reads_quoted_values_and_cuts_words(demo):
    store, _ = demo
    parsed = parse_query('area:"credit notes" "Two-way" sync', store, now=from_iso(FIXED_NOW))
    assert parsed.words == ["two", "way", "sync"]
    assert parsed.areas == {"A-5"}  # the area so named, not Bank transfers as well
    assert len(parse_query(" ".join(f"w{i}" for i in range(100)), store).words) <= 20


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "\t\n", '""'])
def test_an_empty_query_finds_nothing(demo, query):
    store, index = demo
    found = index.search(query, store)
    assert (found.hits, found.total, found.hints) == ([], 0, [])


def test_a_ten_thousand_character_query_is_cut_where_nobody_types_and_answered(demo):
    """A 10,000-character paste is read up to MAX_QUERY_CHARS (what keeps it quick: the
    mechanism is asserted, speed is bench/'s): a word past the cut is not looked for."""
    from datetime import datetime, timezone

    from prodops_tui.core.query import MAX_QUERY_CHARS, parse

    store, index = demo
    for query in ("invoice " * 1250, "x" * 10_000, "é" * 10_000, "a-" * 5000):
        assert len(query) == 10_000
        found = index.search(query, store)
        assert len(found.hits) <= 50
    assert "O-1" in ids(index.search("invoice " * 1250, store, limit=50))
    assert ids(index.search("invoice", store))
    read = parse("invoice " * 1250 + "zebra", now=datetime.now(timezone.utc))
    assert len(read.text) <= MAX_QUERY_CHARS and "zebra" not in read.words  # the word past the cut is not read


@pytest.mark.parametrize("query", [".*(", "[a-z]+", "(?P<x>", "\\", "^$|*+?{}", "%s %d {0}", "'; DROP TABLE--"])
def test_regex_metacharacters_are_plain_text(demo, query):
    store, index = demo
    found = index.search(query, store)
    assert isinstance(found.hits, list) and len(found.hits) <= 50
    for hit in found.hits:  # whatever matched, matched as words
        assert hit.words and hit.score > 0


def test_regex_metacharacters_around_words_do_not_change_the_words(demo):
    assert find(demo, ".*(dunning") == find(demo, "dunning")
    assert find(demo, "[a-z]+") == find(demo, "a z")


def test_markup_in_a_query_is_text_not_markup(demo):
    assert find(demo, "[b]xero[/b]") == find(demo, "b xero")
    assert find(demo, "[@click=app.quit]") == find(demo, "click app quit")
    assert find(demo, "[@click=app.quit] WIP") == find(demo, "click app quit wip")


def test_markup_in_results_is_kept_as_text(demo):
    store, index = demo
    found = index.search("WIP", store)
    assert ids(found) == ["R-1#11"]
    assert found.hits[0].doc.title == "The [WIP] label on draft PRs, it really helps"
    assert ids(index.search("[WIP]", store)) == ["R-1#11"]


# --- the index follows the store ------------------------------------------------------------------


def test_refresh_without_changes_re_indexes_nothing(fresh):
    store, index = fresh
    assert index.refresh(store) == 0
    assert index.revision == store.revision


def test_a_captured_item_is_found_after_refresh_re_indexes_just_it(fresh):
    store, index = fresh
    assert find(fresh, "zanzibar") == []
    item = capture(store, "Zanzibar branch needs its own invoice numbering", customer="Spice Route Ltd")
    assert index.refresh(store) == 1
    assert find(fresh, "zanzibar") == [item.id]
    assert find(fresh, "spice route")[:1] == [item.id]
    assert find(fresh, "zanzibr")[:1] == [item.id]


def test_a_deleted_item_is_no_longer_found(fresh):
    store, index = fresh
    assert "F-40" in find(fresh, "logo squashed")
    with store.change("deleted F-40") as tx:
        tx.delete("F-40")
    assert 1 <= index.refresh(store) <= 2
    assert "F-40" not in find(fresh, "logo squashed", limit=500)
    assert "F-40" not in find(fresh, "F-40", limit=500)


def test_an_edit_is_followed_and_so_is_its_undo(fresh):
    store, index = fresh
    edit(store, "F-40", text="Our letterhead watermark is printed upside down", title="Upside-down watermark", origin="app")
    assert 1 <= index.refresh(store) <= 2
    assert "F-40" in find(fresh, "watermark upside")
    assert "F-40" not in find(fresh, "squashed thumbnail", limit=500)

    store.undo()
    assert 1 <= index.refresh(store) <= 2
    assert "F-40" in find(fresh, "squashed thumbnail")
    assert find(fresh, "watermark upside") == []


def test_an_action_item_change_is_followed(fresh):
    store, index = fresh
    action = store.get("T-3")
    with store.change("edited T-3") as tx:
        tx.put(replace(action, text="Invite a support engineer to every demo day", owners=["P-8"]))
    assert index.refresh(store) == 1
    assert find(fresh, "demo day engineer")[:1] == ["T-3"]
    assert "T-3" in find(fresh, "owner:tomas kind:action")


def test_a_person_leaving_makes_their_areas_unowned(fresh):
    store, index = fresh
    assert "A-12" not in find(fresh, "kind:area is:unowned", limit=100)
    set_active(store, "P-5", False)  # Noah owns Reporting, Dashboards, Exports, Data import, Mobile app
    count = index.refresh(store)
    assert 0 < count < 100
    unowned = set(find(fresh, "kind:area is:unowned", limit=100))
    assert {"A-12", "A-13", "A-14", "A-24", "A-25"} <= unowned
    assert "A-11" not in unowned  # Reconciliation has Sofia too
    assert "P-5" in find(fresh, "status:left")


def test_renaming_an_area_is_followed_by_its_sub_areas_paths(fresh):
    store, index = fresh
    billing = store.get("A-1")
    with store.change("renamed Billing") as tx:
        tx.put(replace(billing, name="Charging"))
    index.refresh(store)
    # The sub-areas' titles are their paths: "Charging / Invoices", as in the Areas pane.
    assert "A-2" in find(fresh, "charging invoices")
    titles = {h.id: h.doc.title for h in index.search("kind:area invoices", store, limit=50).hits}
    assert titles["A-2"] == "Charging / Invoices"


def test_refresh_after_a_reload_rebuilds_and_still_finds_everything(fresh, workspace):
    store, index = fresh
    other = Store.open(workspace, clock=fixed_clock)  # another process: adds an item, then folds
    try:
        capture(other, "Quokka-themed invoice templates please", origin="cli")
        other.fold()
    finally:
        other.close()
    store.refresh()
    assert store.changed_since(index.revision) is None
    assert index.refresh(store) == -1
    assert index.revision == store.revision
    assert len(find(fresh, "quokka")) == 1
    assert index.search("kind:area", store, limit=100).total == 27


# --- Store.changed_since --------------------------------------------------------------------------


def test_changed_since_names_the_records_changed_after_a_revision(fresh):
    store, _ = fresh
    start = store.revision
    assert store.changed_since(start) == set()
    item = capture(store, "first")
    after_first = store.revision
    capture(store, "second")
    changed = store.changed_since(start)
    assert {item.id, f"F-{item.number + 1}"} <= changed
    assert all(record_id.startswith(("F-", "H-")) for record_id in changed)  # the items and their history
    assert item.id not in store.changed_since(after_first)
    assert store.changed_since(store.revision) == set()


def test_changed_since_does_not_know_across_a_reload(workspace):
    store = demo_store(workspace)
    try:
        before = store.revision
        with TinyDB(workspace / "prodops.json") as plain:  # a plain TinyDB edit: the cache cannot vouch for it
            plain.table("tags_seen").insert({"tag": "x"})
        store.refresh()  # reads everything afresh
        assert store.revision > before
        assert store.changed_since(before) is None
        assert store.changed_since(store.revision) == set()
    finally:
        store.close()


def test_changed_since_does_not_know_revisions_older_than_it_keeps(workspace, monkeypatch):
    monkeypatch.setattr(store_module, "CHANGES_KEPT", 3)
    store = Store.open(workspace, clock=fixed_clock)
    try:
        index = SearchIndex()
        index.build(store)
        start = store.revision
        items = [capture(store, f"item number {n}") for n in range(5)]
        assert store.changed_since(start) is None
        assert store.changed_since(store.revision - 3) == {f"{i.id}" for i in items[-3:]} | {
            r for r in store.changed_since(store.revision - 3) if r.startswith("H-")}
        assert store.changed_since(store.revision - 4) is None
        assert index.refresh(store) == -1  # too far behind: rebuilt
        assert len(find((store, index), "item number", limit=50)) == 5
        capture(store, "one more")
        assert index.refresh(store) == 1
    finally:
        store.close()


# --- what a hit shows -----------------------------------------------------------------------------


def test_highlight_spans_mark_the_matched_words_in_the_original_text(demo):
    store, index = demo
    hit = index.search("tomas", store).hits[0]
    title = hit.doc.title
    spans = highlight_spans(title, hit.words)
    assert [title[a:b] for a, b in spans] == ["Tomás"]

    hit = next(h for h in index.search("invocies", store).hits if h.id == "A-2")
    assert [hit.doc.title[a:b] for a, b in highlight_spans(hit.doc.title, hit.words)] == ["Invoices"]

    assert highlight_spans("Bill, billing & BILLING!", frozenset({"billing"})) == [(6, 13), (16, 23)]
    assert highlight_spans("nothing here", frozenset()) == []
    assert highlight_spans("", frozenset({"x"})) == []


def test_snippet_shows_the_body_around_the_first_matched_word(demo):
    store, index = demo
    hit = next(h for h in index.search("kind:checklist rollback", store).hits)
    text = snippet(hit.doc, hit.words, width=60)
    assert len(text) <= 61
    assert "rollback" in text.casefold()

    long_body = replace(hit.doc, body="lorem " * 50 + "needle in the haystack " + "ipsum " * 50)
    text = snippet(long_body, frozenset({"needle"}), width=40)
    assert text.startswith("…") and "needle" in text and len(text) <= 41
    assert snippet(long_body, frozenset(), width=40) == ("lorem " * 50)[:39].rstrip() + "…"
    assert snippet(replace(hit.doc, body=""), frozenset({"x"})) == ""


def test_hit_record_and_location_say_what_and_where(demo):
    store, index = demo
    hit = next(h for h in index.search("logo header", store, limit=50).hits if h.id == "F-1")
    record = hit_record(hit)
    assert set(record) >= {"kind", "id", "title", "score"}
    assert record["kind"] == "feedback" and record["id"] == hit.id and isinstance(record["score"], float)
    assert location(store, hit.doc) == "Inbox · archived · Billing / Invoices / Templates & PDFs"
    card = index.search("celebrating", store).hits[0]
    assert location(store, card.doc) == "Retro R-1 · Continue"
    person = index.search("oliver", store).hits[0]
    assert location(store, person.doc) == "People · has left"


def test_every_kind_has_a_home(demo):
    store, index = demo
    for kind in ("feedback", "opportunity", "area", "person", "card", "action", "checklist"):
        found = index.search(f"kind:{kind}", store, limit=500)
        assert found.total > 0, kind
        assert all(location(store, h.doc) for h in found.hits)


def test_feedback_and_areas_in_the_index_match_the_store(demo):
    store, index = demo
    assert index.search("kind:feedback", store, limit=1000).total == store.count(FeedbackItem)
    assert index.search("kind:area", store, limit=1000).total == store.count(ProductArea)
    assert index.search("kind:action", store, limit=1000).total == store.count(ActionItem)


def test_highlight_and_snippet_show_the_parts_of_an_identifier_that_matched(demo):
    text = "Repeated calls to `read_multi` on `NullStore` cache"

    def shown(words: set[str]) -> list[str]:
        return [text[a:b] for a, b in highlight_spans(text, frozenset(words))]

    assert shown({"multi", "store"}) == ["multi", "Store"]
    assert shown({"readmulti"}) == ["read_multi"]  # the identifier typed whole
    assert shown({"read", "multi", "readmulti", "null"}) == ["read_multi", "Null"]  # never overlapping
    store, index = demo
    hit = index.search("kind:checklist rollback", store).hits[0]
    long_body = replace(hit.doc, body="lorem " * 50 + "calls `read_multi` twice " + "ipsum " * 50)
    assert "read_multi" in snippet(long_body, frozenset({"multi"}), width=40)


def test_the_index_splits_words_as_core_words_does_on_the_real_exports():
    """words_of asks a regex whether split_identifiers would change a text (most texts have no
    camelCase, and asking is 6x sooner); highlighting (word_spans) finds the same words."""
    import csv
    import json
    import unicodedata

    from prodops_tui.core.search.index import word_spans, words_of
    from prodops_tui.core.words import _CAMEL, split_identifiers

    from ...conftest import TEST_DATA

    with open(TEST_DATA / "app_store_reviews.csv", encoding="utf-8") as handle:
        texts = [row["review_text"] for row in csv.DictReader(handle)]
    with open(TEST_DATA / "support_tweets.csv", encoding="utf-8") as handle:
        texts += [row["text"] for row in csv.DictReader(handle)]
    with open(TEST_DATA / "rails_issues.jsonl", encoding="utf-8") as handle:
        texts += [f"{issue['title']}\n{issue['body'] or ''}" for issue in map(json.loads, handle)]
    texts += ["fooBar", "HTTPServer", "utf8Decode", "ABC", "iPhone", "OK then", "AbC", "read_multi", "Dataset.map"]
    for text in texts:
        assert (split_identifiers(text) != text) == (_CAMEL.sub(" ", text) != text), text
        # A combining mark written as a character of its own (Bengali's virama) splits a word
        # for highlighting, where folding drops it first for the index: as before.
        if not any(unicodedata.combining(ch) for ch in text):
            assert set(words_of(text)) == {word for _, _, word in word_spans(text)}, text[:80]
