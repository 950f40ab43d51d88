"""Triage in the inbox with the keyboard alone: every key stores its change, and u takes it back."""

from __future__ import annotations

import re
from collections.abc import Callable

from prodops_tui.core.areas.lookup import area_path
from prodops_tui.core.demo import DUPLICATE_PAIRS
from prodops_tui.core.feedback import inbox
from prodops_tui.core.model import FeedbackItem
from prodops_tui.ui.panes.inbox import InboxPane
from prodops_tui.ui.screens.feedback_form import FeedbackForm
from prodops_tui.ui.screens.import_feedback import ImportScreen
from prodops_tui.ui.screens.pickers import ChoiceScreen, DateScreen, SearchPickerScreen, TextScreen
from prodops_tui.ui.widgets.feedback_list import FeedbackList

from ..conftest import TEST_DATA
from .conftest import Typed, press, settle, wait_until

SIZE = (140, 40)


def feedback_list(app) -> FeedbackList:
    return app.query_one(FeedbackList)


def first_new_ids(store, count: int) -> list[str]:
    return [item.id for item in inbox.list_feedback(store, status="new")[:count]]


async def test_the_list_opens_on_new_newest_first_and_j_k_g_G_move(demo_store, make_app):
    app = make_app(demo_store)
    new_ids = [item.id for item in inbox.list_feedback(demo_store, status="new")]
    async with app.run_test(size=SIZE) as pilot:
        listing = feedback_list(app)
        assert [item.id for item in listing.items] == new_ids
        await pilot.press("j", "j")
        assert listing.current.id == new_ids[2]
        await pilot.press("k")
        assert listing.current.id == new_ids[1]
        await pilot.press("G")
        assert listing.current.id == new_ids[-1]
        await pilot.press("g")
        assert listing.current.id == new_ids[0]


async def test_e_archives_the_marked_items_and_u_brings_them_back(demo_store, make_app):
    app = make_app(demo_store)
    first, second, third = first_new_ids(demo_store, 3)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "x", "e")  # x marks and moves down, as in mutt
        await pilot.pause()
        assert [demo_store.get(i).status for i in (first, second, third)] == ["archived", "archived", "new"]
        assert demo_store.get(first).triaged_at == "2026-11-24T15:00:00Z"
        assert first not in [item.id for item in feedback_list(app).items]
        await pilot.press("u")
        await pilot.pause()
        assert [demo_store.get(i).status for i in (first, second)] == ["new", "new"]
        assert [item.id for item in feedback_list(app).items][:2] == [first, second]


async def test_x_marks_then_moves_down_as_the_footer_and_help_say(demo_store, make_app):
    """x and space mark and move on (mutt, ranger, mc), so x x x marks a run; after x the cursor
    is already on the next item, and a j before the next x skips one. The key says it: "Mark ↓"."""
    from prodops_tui.ui.screens.help import HelpScreen

    app = make_app(demo_store)
    first, second, third, fourth = first_new_ids(demo_store, 4)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        assert feedback_list(app).current.id == second
        await pilot.press("j", "space")
        assert feedback_list(app).marked == {first, third} and feedback_list(app).current.id == fourth
        assert any(active.binding.description == "Mark ↓" for active in app.screen.active_bindings.values())
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = "\n".join(str(column.content) for column in app.screen.query(".help-column"))
        assert "Mark ↓" in shown


async def test_show_items_lists_exactly_what_a_nudge_counts_under_its_words_until_the_view_changes(demo_store, make_app):
    """The stale-feedback nudge counts 118 new items waiting more than a day; status:new holds 142,
    some an hour old. show_items lists the 118 alone, says what they are, and ] leaves them."""
    from prodops_tui.core.rituals import nudges

    from .conftest import DEMO_NOW

    stale = next(n for n in nudges.all_nudges(demo_store, DEMO_NOW)[0] if n.key.startswith("stale-feedback"))
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.query_one(InboxPane)
        pane.show_items(stale.target.ids, stale.target.label)
        await pilot.pause()
        assert sorted(item.id for item in feedback_list(app).items) == sorted(stale.target.ids)
        assert len(stale.target.ids) < inbox.counts_by_view(demo_store)["new"]
        assert f"showing {stale.target.label} ({len(stale.target.ids)})" in str(app.query_one("#inbox-views").content)
        await press(pilot, "f", Typed("importance:critical"), "enter")
        assert {item.id for item in feedback_list(app).items} < set(stale.target.ids)  # a filter narrows them
        await pilot.press("right_square_bracket")
        assert pane.view == "duplicates" and "showing" not in str(app.query_one("#inbox-views").content)
        await pilot.press("left_square_bracket")  # All again, the filter kept, every item it matches
        critical = [item.id for item in inbox.list_feedback(demo_store, status="all") if item.importance == "critical"]
        assert [item.id for item in feedback_list(app).items] == critical


async def test_p_marks_the_current_item_processed_without_archiving(demo_store, make_app):
    app = make_app(demo_store)
    (first,) = first_new_ids(demo_store, 1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert demo_store.get(first).status == "processed"


async def test_i_sets_importance_with_one_number_key(demo_store, make_app):
    app = make_app(demo_store)
    (first,) = first_new_ids(demo_store, 1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("4")
        await pilot.pause()
        assert demo_store.get(first).importance == "critical"


async def test_s_shows_the_parsed_date_and_snoozes_out_of_new(demo_store, make_app):
    app = make_app(demo_store)
    (first,) = first_new_ids(demo_store, 1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, DateScreen)
        await pilot.press(*"blorp")
        assert "cannot read 'blorp'" in str(app.screen.query_one("#preview").content)
        await pilot.press("enter")  # refused: nothing applied, still open
        assert isinstance(app.screen, DateScreen)
        for _ in "blorp":
            await pilot.press("backspace")
        await pilot.press(*"next monday")
        assert "Mon 30 Nov 2026" in str(app.screen.query_one("#preview").content)
        await pilot.press("enter")
        await pilot.pause()
        assert demo_store.get(first).snoozed_until == "2026-11-30T09:00:00Z"
        assert first not in [item.id for item in feedback_list(app).items]
        await pilot.press("right_square_bracket")  # the Snoozed view
        await pilot.pause()
        assert first in [item.id for item in feedback_list(app).items]


async def test_t_adds_and_removes_tags(demo_store, make_app):
    app = make_app(demo_store)
    (first,) = first_new_ids(demo_store, 1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, TextScreen)
        await press(pilot, Typed("Export, churn-risk"), "enter")
        await pilot.pause()
        assert {"export", "churn-risk"} <= set(demo_store.get(first).tags)
        await press(pilot, "t", Typed("-churn-risk"), "enter")
        await pilot.pause()
        assert "churn-risk" not in demo_store.get(first).tags


async def test_a_offers_the_suggested_area_first_and_enter_applies_it(demo_store, make_app):
    item = inbox.capture(demo_store, "The VAT line on the invoice PDF shows the wrong tax rate", origin="cli")
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        assert feedback_list(app).current.id == item.id
        await pilot.press("a")
        assert isinstance(app.screen, SearchPickerScreen)
        first_option = app.screen.query_one("#options").get_option_at_index(0)
        assert "★" in str(first_option.prompt) and "matched:" in str(first_option.prompt)
        await pilot.press("enter")
        await pilot.pause()
        assert "Invoices" in area_path(demo_store, demo_store.get(item.id).area)


async def test_a_then_typing_filters_areas_fuzzily(demo_store, make_app):
    app = make_app(demo_store)
    (first,) = first_new_ids(demo_store, 1)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", Typed("quikbooks"), "enter")
        await pilot.pause()
        assert area_path(demo_store, demo_store.get(first).area) == "Integrations / QuickBooks"


async def test_n_opens_a_form_and_ctrl_s_captures_into_new(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, FeedbackForm)
        await press(pilot, Typed("Exports time out [again]"), "tab", "tab", Typed("Acme Freight"), "tab", "tab", Typed("yesterday"), "ctrl+s")
        await pilot.pause()
        captured = demo_store.get("F-401")
        assert (captured.text, captured.customer, captured.source) == ("Exports time out [again]", "Acme Freight", "app")
        assert captured.received_at == "2026-11-23T09:00:00Z"  # listed by when it was received, not typed
        assert "F-401" in [item.id for item in feedback_list(app).items]


async def test_a_form_with_empty_text_or_a_bad_date_says_so_and_stays_open(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "ctrl+s")
        assert isinstance(app.screen, FeedbackForm)
        assert "empty" in str(app.screen.query_one("#form-hint").content)
        await press(pilot, Typed("hello"), "tab", "tab", "tab", "tab", Typed("blorp"), "ctrl+s")
        assert isinstance(app.screen, FeedbackForm)
        assert "cannot read 'blorp'" in str(app.screen.query_one("#form-hint").content)
        await pilot.press("escape")
        assert demo_store.count(FeedbackItem) == 400


async def test_enter_edits_the_current_item_and_u_restores_it(demo_store, make_app):
    app = make_app(demo_store)
    (first,) = first_new_ids(demo_store, 1)
    before = demo_store.get(first)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, FeedbackForm)
        app.screen.query_one("#form-customer").value = "Globex"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert demo_store.get(first).customer == "Globex"
        assert demo_store.get(first).text == before.text
        await pilot.press("u")
        await pilot.pause()
        assert demo_store.get(first).customer == before.customer


async def test_escape_cancels_a_picker_without_a_change(demo_store, make_app):
    app = make_app(demo_store)
    (first,) = first_new_ids(demo_store, 1)
    before = demo_store.get(first)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "escape", "s", "escape", "a", "escape")
        await pilot.pause()
        assert demo_store.get(first) == before


async def test_brackets_switch_views_with_live_counts(demo_store, make_app):
    app = make_app(demo_store)
    counts = inbox.counts_by_view(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        views = str(app.query_one("#inbox-views").content)
        assert f"New {counts['new']}" in views and f"All {counts['all']}" in views
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert len(feedback_list(app).items) == counts["processed"]
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert len(feedback_list(app).items) == counts["all"]


async def test_the_detail_panel_lists_likely_duplicates_with_their_similarity(demo_store, make_app):
    original = inbox.capture(demo_store, "Bulk export of all invoices to CSV keeps timing out for large accounts", customer="Acme")
    copy = inbox.capture(demo_store, "Bulk export of invoices to CSV keeps timing out for our large account", customer="Globex")
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert feedback_list(app).current.id == copy.id
        detail = str(app.query_one("#detail").content)
        assert "Look-alikes (m merges)" in detail and original.id in detail and "%" in detail


async def test_the_detail_panel_lists_what_prodops_similar_prints_from_one_source(demo_store, make_app):
    """Issue 31, item 7: the panel listed "86 % F-252" for F-373 under "Likely duplicates",
    which the groups did not hold. It lists the item's look-alikes, `prodops similar`'s list."""
    from prodops_tui.core.feedback.stored_lookalikes import similar

    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one(InboxPane).reveal("F-373")
        await settle(pilot)
        detail = str(app.query_one("#detail").content)
        listed = re.findall(r"\d+% (F-\d+)", detail)
    expected = [hit.id for hit in similar(demo_store, "F-373")]
    assert listed == expected and len(expected) >= 2
    assert "Look-alikes (m merges)" in detail and "Likely duplicates" not in detail.split("Look-alikes")[1]


class HeldRest:
    """The inbox's wait for the cursor to rest, ended when the test says so: a loaded machine
    that ran a 0.25 s timer between two keys failed the test 1 run in 3 on the wall clock."""

    def __init__(self) -> None:
        self.waiting: list[Callable[[], None]] = []  # the waits started and not stopped

    def __call__(self, then: Callable[[], None]) -> HeldRest.Wait:  # set on the class, it is not bound
        return HeldRest.Wait(self, then)

    class Wait:
        def __init__(self, rest: HeldRest, then: Callable[[], None]) -> None:
            self.rest, self.then = rest, then
            rest.waiting.append(then)

        def stop(self) -> None:
            self.rest.waiting.remove(self.then)

    def end(self) -> None:
        """The cursor has rested: the waits still running are over."""
        waiting, self.waiting = self.waiting, []
        for then in waiting:
            then()


async def test_in_a_big_inbox_look_alikes_are_found_once_the_cursor_rests_not_on_every_key(demo_store, make_app, monkeypatch):
    """At 100k items finding an item's look-alikes took 30 ms of every `j`: above a size they
    are listed once the cursor rests, so a run of keys computes none in between."""
    from prodops_tui.core.feedback import stored_lookalikes
    from prodops_tui.ui.panes import inbox as inbox_pane

    original = inbox.capture(demo_store, "Bulk export of all invoices to CSV keeps timing out for large accounts", customer="Acme")
    inbox.capture(demo_store, "Bulk export of invoices to CSV keeps timing out for our large account", customer="Globex")
    monkeypatch.setattr(inbox_pane, "SIMILAR_AT_ONCE_UP_TO", 0)  # the demo counts as big
    monkeypatch.setattr(inbox_pane.InboxPane, "wait_for_rest", rest := HeldRest())
    looked_up = []
    similar_to = stored_lookalikes.StoredSimilar.similar_to
    monkeypatch.setattr(stored_lookalikes.StoredSimilar, "similar_to",
                        lambda self, item_id, **kw: looked_up.append(item_id) or similar_to(self, item_id, **kw))
    app = make_app(demo_store)
    detail = lambda: str(app.query_one("#detail").content)  # noqa: E731
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the scan has landed: the first row waits for the cursor to rest
        assert looked_up == [] and "Looking for similar items" in detail() and len(rest.waiting) == 1
        rest.end()
        await settle(pilot)  # found by a worker, off the event loop
        assert looked_up == [feedback_list(app).current.id] and original.id in detail()
        looked_up.clear()
        for _ in range(4):
            await pilot.press("j")
        # Each key stopped the wait the key before it started: one is left, for the last row.
        assert looked_up == [] and "Looking for similar items" in detail() and len(rest.waiting) == 1
        rest.end()
        await settle(pilot)
        assert looked_up == [feedback_list(app).current.id]  # one lookup, for the row the cursor rests on
        assert "Looking for similar items" not in detail()


async def test_what_the_app_holds_is_kept_out_of_the_collectors_walks_until_it_exits(demo_store, make_app):
    """A full garbage collection walked 100,000 records in the middle of a key press (0.67 s)."""
    import gc

    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert gc.get_freeze_count() > demo_store.count(FeedbackItem)
    assert gc.get_freeze_count() == 0


async def test_m_merges_into_the_picked_duplicate_keeping_both_texts_and_u_undoes(demo_store, make_app):
    original = inbox.capture(demo_store, "Bulk export of all invoices to CSV keeps timing out for large accounts", customer="Acme", tags=["export"])
    copy = inbox.capture(demo_store, "Bulk export of invoices to CSV keeps timing out for our large account", customer="Globex", importance="high")
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        assert isinstance(app.screen, SearchPickerScreen)
        await pilot.press("enter")  # the best likely duplicate is offered first
        await pilot.pause()
        merged, survivor = demo_store.get(copy.id), demo_store.get(original.id)
        assert (merged.duplicate_of, merged.status, merged.text) == (original.id, "archived", copy.text)
        assert survivor.merged_from == [copy.id] and survivor.importance == "high" and "export" in survivor.tags
        await pilot.press("u")
        await pilot.pause()
        assert demo_store.get(copy.id).duplicate_of is None and demo_store.get(original.id).merged_from == []


async def test_m_on_an_item_newer_than_the_look_alikes_still_opens_the_picker(demo_store, make_app):
    """An item captured from the shell after the last scan: its look-alikes are not stored yet
    (NotFound), and `m` on it ended the app with an internal error. The picker opens, to search."""
    from prodops_tui.core.errors import NotFound

    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.query_one(InboxPane)
        assert pane._duplicate_index is not None

        def not_stored_yet(item_id: str, **_kwargs):
            raise NotFound(f"{item_id} is newer than the look-alikes stored")

        pane._duplicate_index.similar_to = not_stored_yet
        await pilot.press("m")
        assert isinstance(app.screen, SearchPickerScreen) and app.is_running


async def test_o_links_to_an_opportunity_or_creates_one_from_the_typed_title(demo_store, make_app):
    app = make_app(demo_store)
    (first,) = first_new_ids(demo_store, 1)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "o", Typed("Offline mode for the mobile app"), "enter")
        await pilot.pause()
        linked = demo_store.get(demo_store.get(first).opportunity)
        assert linked.title == "Offline mode for the mobile app"
        await press(pilot, "j", "o", Typed("offline mod"))
        await pilot.pause()
        second_option = app.screen.query_one("#options").get_option_at_index(2)
        assert second_option.id == linked.id  # after "+ new" and "unlink", the fuzzy match
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert demo_store.get(feedback_list(app).current.id).opportunity == linked.id


async def test_o_with_a_new_title_is_one_undo_step_that_leaves_no_orphan_opportunity(demo_store, make_app):
    from prodops_tui.core.model import Opportunity

    app = make_app(demo_store)
    (first,) = first_new_ids(demo_store, 1)
    opportunities_before = demo_store.count(Opportunity)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "o", Typed("Offline mode for the mobile app"), "enter")
        await pilot.pause()
        assert demo_store.count(Opportunity) == opportunities_before + 1
        assert demo_store.get(first).opportunity is not None
        await pilot.press("u")
        await pilot.pause()
        assert demo_store.get(first).opportunity is None
        assert demo_store.count(Opportunity) == opportunities_before  # created and linked in one step


async def test_the_likely_duplicates_view_lists_the_seeded_pairs(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        listed_texts = [item.text for item in feedback_list(app).items]
        unmerged_pairs = DUPLICATE_PAIRS[3:]  # the demo merges the first three itself
        for *_, first_text, second_text in unmerged_pairs:
            assert any(first_text in text for text in listed_texts), first_text
            assert any(second_text in text for text in listed_texts), second_text
        assert "Likely duplicates" in str(app.query_one("#inbox-views").content)


async def test_a_view_switch_starts_at_the_top_even_when_the_item_under_the_cursor_is_listed_there(demo_store, make_app):
    """The cursor was kept on its item across `[` when the duplicate groups had landed before the
    key and started at the top when they landed after it: the same keys gave two screens."""
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert await wait_until(pilot, lambda: app.query_one(InboxPane)._clusters is not None)
        listing = feedback_list(app)
        clusters = app.query_one(InboxPane)._clusters
        grouped = {item_id for cluster in clusters[1:] for item_id in cluster}  # not the first group: listed first
        listing.cursor = next(n for n, item in enumerate(listing.items) if item.id in grouped and n > 0)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert listing.cursor == 0 and listing.current.id == listing.items[0].id
        await pilot.press("j")
        word = listing.current.text.split()[-1]  # the item under the cursor stays listed, not first
        await press(pilot, "f", Typed(word), "enter")
        await settle(pilot)
        assert len(listing.items) > 1 and listing.cursor == 0  # a new filter starts at the top too


async def test_I_checks_a_real_export_first_then_imports_it(demo_store, make_app):
    reviews = TEST_DATA / "app_store_reviews.csv"
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("I")
        assert isinstance(app.screen, ImportScreen)
        app.screen.query_one("#import-path").value = str(reviews)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = str(app.screen.query_one("#import-summary").content)
        assert "would import 800" in summary and demo_store.count(FeedbackItem) == 400
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "imported 800" in str(app.screen.query_one("#import-summary").content)
        await pilot.press("escape")
        await pilot.pause()
        assert demo_store.count(FeedbackItem) == 1200
        assert inbox.counts_by_view(demo_store)["all"] == 1200
        assert "All 1200" in str(app.query_one("#inbox-views").content)


async def test_the_import_screen_reports_a_file_it_cannot_read_in_one_line(demo_store, make_app, tmp_path):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "I", Typed(str(tmp_path / "missing.csv")), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        message = str(app.screen.query_one("#import-summary").content)
        assert message.startswith("no file ") and message.endswith("missing.csv")


async def test_O_lists_opportunities_by_score_and_4_marks_one_shipped_with_who_to_tell(demo_store, make_app, tmp_path, monkeypatch):
    from prodops_tui.core.feedback import opportunities
    from prodops_tui.ui.screens.opportunities import OpportunitiesScreen

    monkeypatch.chdir(tmp_path)
    ranked = opportunities.stats(demo_store)
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("O")
        assert isinstance(app.screen, OpportunitiesScreen)
        listing = app.screen.query_one("#opportunity-list")
        assert [listing.get_option_at_index(n).id for n in range(listing.option_count)] == [s.opportunity.id for s in ranked]
        top = ranked[0].opportunity
        await pilot.press("4")
        await pilot.pause()
        assert demo_store.get(top.id).status == "shipped"
        assert "Close the loop with" in str(app.screen.query_one("#opportunity-text").content)
        await pilot.press("w", "enter")
        await pilot.pause()
        written = (tmp_path / f"{top.id}-customers.csv").read_text()
        assert written.startswith("customer,feedback,opportunity")
        assert len(written.splitlines()) == 1 + len(opportunities.customers_to_close_the_loop(demo_store, top.id))
        await pilot.press("escape")
        await pilot.press("u")
        await pilot.pause()
        assert demo_store.get(top.id).status == top.status


async def test_f_narrows_the_view_and_shows_the_live_count_while_typing(demo_store, make_app):
    from prodops_tui.core.feedback.filters import apply_filter, parse_filter

    app = make_app(demo_store)
    expected = apply_filter(demo_store, inbox.list_feedback(demo_store, status="new"), parse_filter("importance:high", now_iso="2026-11-24T15:00:00Z"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", *"importance:high")
        assert f"{len(expected)} items match" in str(app.screen.query_one("#hint").content)
        await pilot.press("enter")
        await pilot.pause()
        assert [item.id for item in feedback_list(app).items] == [item.id for item in expected]
        assert "filter: importance:high" in str(app.query_one("#inbox-views").content)
        await pilot.press("f")
        app.screen.query_one("#text").value = ""
        await pilot.press("enter")
        await pilot.pause()
        assert len(feedback_list(app).items) == inbox.counts_by_view(demo_store)["new"]


async def test_S_keeps_the_filter_as_a_named_view_tab_and_D_deletes_it_undoably(demo_store, make_app):
    from prodops_tui.core.feedback.filters import saved_views

    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "f", Typed("importance:critical"), "enter", "S", Typed("Fires"), "enter")
        await pilot.pause()
        (view,) = saved_views(demo_store)
        assert (view.name, view.query) == ("Fires", "status:new importance:critical")
        assert app.query_one("InboxPane").view == view.id
        assert "★ Fires" in str(app.query_one("#inbox-views").content)
        assert all(item.importance == "critical" and item.status == "new" for item in feedback_list(app).items)
        await pilot.press("right_square_bracket")  # wraps to New
        await pilot.press("left_square_bracket")  # back to the saved view
        assert app.query_one("InboxPane").view == view.id
        await pilot.press("D")
        await pilot.pause()
        assert saved_views(demo_store) == [] and app.query_one("InboxPane").view == "new"
        await pilot.press("u")
        await pilot.pause()
        assert [v.name for v in saved_views(demo_store)] == ["Fires"]


async def test_star_marks_the_whole_view_so_e_clears_new_in_one_step(demo_store, make_app):
    app = make_app(demo_store)
    new_count = inbox.counts_by_view(demo_store)["new"]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("asterisk")
        assert f"{new_count} marked" in str(app.query_one("#inbox-views").content)
        await pilot.press("e")
        await pilot.pause()
        assert inbox.counts_by_view(demo_store)["new"] == 0
        assert "Inbox zero" in str(app.query_one("#detail").content)
        await pilot.press("u")
        await pilot.pause()
        assert inbox.counts_by_view(demo_store)["new"] == new_count


async def test_a_new_workspace_says_how_to_get_feedback_in(store, make_app):
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = str(app.query_one("#detail").content)
        assert "No feedback yet" in shown and "prodops capture" in shown


async def test_the_merge_picker_finds_an_item_by_its_id(demo_store, make_app):
    from prodops_tui.ui.screens.pickers import SearchPickerScreen

    target = inbox.capture(demo_store, "Exports of the invoice list time out", customer="Acme")
    copy = inbox.capture(demo_store, "Invoice list export keeps timing out for us", customer="Globex")
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert feedback_list(app).current.id == copy.id
        await press(pilot, "m", Typed(target.id.split("-")[1]))
        await pilot.pause()
        assert isinstance(app.screen, SearchPickerScreen)
        assert app.screen.query_one("#options").get_option_at_index(0).id == target.id
        await pilot.press("enter")
        await pilot.pause()
        assert demo_store.get(copy.id).duplicate_of == target.id


async def test_r_sorts_by_importance_then_area_and_the_snoozed_view_says_until_when(demo_store, make_app):
    from prodops_tui.ui.widgets.feedback_list import FeedbackList

    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3, None: 4}
    app = make_app(demo_store)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        listing = app.query_one(FeedbackList)
        received = [item.received_at for item in listing.items]
        assert received == sorted(received, reverse=True)
        current = listing.current.id
        await pilot.press("r")
        await pilot.pause()
        ranks = [rank[item.importance] for item in listing.items]
        assert ranks == sorted(ranks) and listing.current.id == current  # the cursor stays on its item
        assert "sorted by importance" in str(app.query_one("#inbox-views").content)
        await pilot.press("r")
        await pilot.pause()
        paths = [listing.area_path(item.area).casefold() for item in listing.items if item.area]
        assert paths == sorted(paths) and all(item.area is None for item in listing.items[len(paths):])
        app.query_one(InboxPane).view = "snoozed"
        await pilot.pause()
        header = listing.render_line(0).text
        assert "until" in header and listing.show_snoozed


def reopened_as_a_big_workspace(demo_store, monkeypatch):
    """The demo, opened again as the app opens 100,000 items: its feedback read by page (above
    FEEDBACK_BY_PAGE_OVER), search from the words on disk, eight items to a page."""
    from prodops_tui.core.feedback import pages
    from prodops_tui.core.search import on_disk
    from prodops_tui.core.search.stored import StoredSearch
    from prodops_tui.core.storage.store import Store
    from prodops_tui.ui import app as app_module

    from ..conftest import fixed_clock

    monkeypatch.setattr(app_module, "FEEDBACK_BY_PAGE_OVER", 10)
    monkeypatch.setattr(on_disk, "IN_MEMORY_UP_TO", 10)  # as at 100k: search does not read every item either
    monkeypatch.setattr(pages, "PAGE_SIZE", 8)
    stored = StoredSearch(demo_store)  # the words on disk up to date, as the background compact leaves them
    stored.refresh()
    stored.close()
    demo_store.close()  # it built the cache from the copied files; opened again, it reads from the cache
    return Store.open(demo_store.directory, clock=fixed_clock)


async def test_a_big_workspace_lists_its_whole_view_and_builds_only_the_rows_it_draws(demo_store, make_app, monkeypatch):
    """Issue 29 (the inbox does not build records it does not draw): at 100,000 items holding
    every item took the app from about 150 MB to 340 MB. The view is read from the cache's
    columns, every item listed in the order the whole view has, every tab's count true, and an
    item is built when its row is drawn (with its page of eight); a triage key works on it."""
    counts: dict[str, int] = {}
    every_new = inbox.list_feedback(demo_store, status="new", counts=counts)
    store = reopened_as_a_big_workspace(demo_store, monkeypatch)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        listing = app.query_one(FeedbackList)
        await settle(pilot)
        assert not store.loaded(FeedbackItem) and store.loads["feedback"] == 0
        assert listing.ids() == [i.id for i in every_new] and len(every_new) > 100
        tabs = str(app.query_one("#inbox-views").render())
        assert f"New {counts['new']}" in tabs and f"All {counts['all']}" in tabs
        on_screen = listing.size.height - 1  # the rows under the header
        assert listing.items.built <= on_screen + 8 < len(every_new)
        assert [listing.render_line(1 + n).text.split()[0] for n in range(3)] == [i.id for i in every_new[:3]]
        await press(pilot, "G")  # the last rows: their pages are built, the ones between are not
        assert listing.current.id == every_new[-1].id
        assert listing.items.built <= 2 * (on_screen + 8) < len(every_new)
        await press(pilot, "g", "j", "e")  # archive the second item
        await settle(pilot)
        assert listing.ids() == [i.id for i in every_new if i.id != every_new[1].id]
        assert store.get(every_new[1].id).status == "archived"
        assert f"New {counts['new'] - 1}" in str(app.query_one("#inbox-views").render())
        assert not store.loaded(FeedbackItem)
    store.close()


async def test_a_big_workspaces_filter_loads_every_item_once_in_the_background_then_filters(demo_store, make_app, monkeypatch):
    """A filter is worked out over every item: at 100,000 items they load in a worker (the
    toast says so) while the view says it waits for them; then the filter applies, as on a
    workspace held whole."""
    expected = [i.id for i in inbox.list_feedback(demo_store, status="new") if "export" in f"{i.title} {i.text}".casefold()]
    store = reopened_as_a_big_workspace(demo_store, monkeypatch)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        listing = app.query_one(FeedbackList)
        await settle(pilot)
        assert not store.loaded(FeedbackItem)
        await press(pilot, "f", Typed("export"), "enter")
        await settle(pilot)
        assert store.loaded(FeedbackItem) and store.loads["feedback"] == 1
        assert listing.ids() == expected and expected
    store.close()


def rows_drawn(monkeypatch) -> list[str]:
    """The ids of the list rows built from here on, in the order they are built."""
    from prodops_tui.ui.widgets.feedback_list import FeedbackList

    drawn: list[str] = []
    row = FeedbackList._row
    monkeypatch.setattr(FeedbackList, "_row", lambda self, item, index, width: drawn.append(item.id) or row(self, item, index, width))
    return drawn


async def test_j_draws_the_row_the_cursor_reaches_and_keeps_the_one_it_left_not_the_list(demo_store, make_app, monkeypatch):
    """Issue 29, item 4 (a key is a frame): the cursor's reactive repainted the whole list, 40 rows
    a key press at 160x48, though the move changes two; the row it leaves looks as it was first
    drawn, so that one is not drawn again either."""
    drawn = rows_drawn(monkeypatch)
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        listing = feedback_list(app)
        before = [item.id for item in listing.items[:6]]
        drawn.clear()
        for _ in range(5):
            await pilot.press("j")
        await pilot.pause()
        assert listing.current.id == before[5]
        # Each row reached, once; of those left only the first, which was drawn under the cursor
        assert drawn == before[:6]


async def test_a_scroll_by_one_row_draws_the_row_that_comes_into_view_not_every_row(demo_store, make_app, monkeypatch):
    """Textual keeps a widget's lines by screen row, so a list scrolled by one row drew all of its
    rows again (40 at 160x48, the slowest `j`s). The rows are kept as drawn: a scroll draws the one
    that came into view, and a mark, the focus or new rows still show at once."""
    drawn = rows_drawn(monkeypatch)
    app = make_app(demo_store)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        listing = feedback_list(app)
        on_screen = listing.size.height - 1  # the rows under the header
        assert len(listing.items) > on_screen + 3
        for _ in range(on_screen - 1):  # to the last row on screen: no scroll yet
            await pilot.press("j")
        await pilot.pause()
        assert listing.scroll_offset.y == 0
        drawn.clear()
        await pilot.press("j")
        await pilot.pause()
        assert listing.scroll_offset.y == 1
        reached = listing.items[on_screen]
        assert drawn == [reached.id]
        assert listing.render_line(on_screen).text.split()[0] == reached.id  # the bottom row, newly in view
        assert listing.render_line(1).text.split()[0] == listing.items[1].id  # the rest moved up one
        await pilot.press("x")  # marked, then down: the marked row shows its mark
        await pilot.pause()
        assert listing.render_line(on_screen - 1).text.startswith("▶ " + reached.id)
        assert listing.render_line(on_screen).text.split()[0] == listing.items[on_screen + 1].id


async def test_a_big_workspaces_areas_pane_says_what_it_says_with_every_item_loaded_and_loads_none(demo_store, make_app, monkeypatch):
    """The Areas pane's counts and newest items per area come from the cache's columns and
    the five items it names, not from every item (at 100k, pressing 2 would have loaded them)."""
    from prodops_tui.core.model import ProductArea
    from prodops_tui.ui.panes.areas import AreasPane

    store = reopened_as_a_big_workspace(demo_store, monkeypatch)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, "2")
        await settle(pilot)
        pane = app.query_one(AreasPane)
        text = app.query_one("#area-text")

        def every_area() -> list[str]:
            shown = []
            for area in store.all(ProductArea):
                pane._show_area(area.id)
                shown.append(str(text.render()))
            return shown

        paged = every_area()
        assert not store.loaded(FeedbackItem)
        assert sum("new" in shown and "F-" in shown for shown in paged) >= 5  # areas with feedback, named
        store.load_all()
        pane.refresh_view()
        assert every_area() == paged
    store.close()


async def test_a_big_workspaces_t_loads_every_item_in_the_background_then_offers_the_tags(demo_store, make_app, monkeypatch):
    store = reopened_as_a_big_workspace(demo_store, monkeypatch)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "t")
        await settle(pilot)
        assert store.loaded(FeedbackItem) and isinstance(app.screen, TextScreen)
        assert app.screen.picker_title.startswith("Tags for F-")  # one picker, for the item under the cursor
        await press(pilot, "escape")
        assert not isinstance(app.screen, TextScreen)
    store.close()


async def test_a_big_workspaces_r_orders_the_view_by_importance_and_area_without_loading_every_item(demo_store, make_app, monkeypatch):
    from prodops_tui.ui.panes.inbox_views import sort_items

    every_new = inbox.list_feedback(demo_store, status="new")
    by_importance = [i.id for i in sort_items(demo_store, every_new, "importance")]
    by_area = [i.id for i in sort_items(demo_store, every_new, "area")]
    assert by_importance != by_area != [i.id for i in every_new]
    store = reopened_as_a_big_workspace(demo_store, monkeypatch)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        listing = app.query_one(FeedbackList)
        await settle(pilot)
        await press(pilot, "r")
        await settle(pilot)
        assert listing.ids() == by_importance
        await press(pilot, "r")
        await settle(pilot)
        assert listing.ids() == by_area
        assert not store.loaded(FeedbackItem)
    store.close()


async def test_a_big_workspaces_view_read_by_page_shows_a_capture_made_elsewhere(demo_store, make_app, monkeypatch):
    """CONTRACTS: an open app shows changes made elsewhere within a few seconds; a view read by
    page reads its order again from the cache, so a capture from a shell is listed first."""
    from prodops_tui.core.storage.store import Store

    from ..conftest import fixed_clock

    store = reopened_as_a_big_workspace(demo_store, monkeypatch)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        listing = app.query_one(FeedbackList)
        await settle(pilot)
        before = listing.ids()
        shell = Store.open(store.directory, clock=fixed_clock)
        captured = inbox.capture(shell, "Export to CSV drops the VAT column", received="2026-11-24T14:59:00Z", origin="cli")
        shell.close()
        app.check_external_changes()
        await settle(pilot)
        assert listing.ids() == [captured.id, *before]
        assert not store.loaded(FeedbackItem)
    store.close()
