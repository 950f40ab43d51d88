"""The Checklists & nudges pane, by keyboard, on the demo workspace."""

from __future__ import annotations

from datetime import timedelta

from prodops_tui.core.dates import from_iso, to_iso
from prodops_tui.core.model import ChecklistRun, ChecklistStep, ChecklistTemplate
from prodops_tui.core.rituals import checklists, nudges
from prodops_tui.ui.panes.inbox import InboxPane
from prodops_tui.ui.widgets.key_list import KeyList

from .conftest import DEMO_NOW, Typed, messages, option_ids, press, settle


def hygiene_run(store) -> ChecklistRun:
    hygiene = next(c for c in store.all(ChecklistTemplate) if c.name == "PM weekly hygiene")
    return [r for r in checklists.runs_of(store, hygiene.id) if not r.completed_at][-1]


async def test_a_weekly_run_is_completed_by_keyboard_and_its_nudge_goes(demo_store, make_app):
    run = hygiene_run(demo_store)
    assert checklists.progress(run).done == 2
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        assert any("PM weekly hygiene" in str(app.query_one("#nudge-list", KeyList).get_option_at_index(i).prompt)
                   for i in range(app.query_one("#nudge-list", KeyList).option_count))
        assert app.query_one("#checklist-list", KeyList).highlighted_id == run.checklist  # the due one first
        await pilot.press("enter", "j", "j")  # into the run, past the two items already ticked
        await pilot.press("space", "space", "space", "space")
        await settle(pilot)
        done = demo_store.get(run.id)
        assert done.completed_at == "2026-11-24T15:00:00Z"
        assert all(step.done for step in done.steps) and done.steps[5].done_by
        assert not [d for d in checklists.runs_due(demo_store, DEMO_NOW) if d.checklist.id == run.checklist]
        assert not any(n.rule.startswith("checklist") for n in nudges.due_nudges(demo_store, DEMO_NOW).shown)
        assert f"{run.id} complete — u undoes" in messages(app)


async def test_unticking_reopens_the_run_and_a_note_is_kept(demo_store, make_app):
    run = hygiene_run(demo_store)
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4", "enter", "x")  # x unticks the first (ticked) item
        await settle(pilot)
        assert not demo_store.get(run.id).steps[0].done
        await pilot.press("k", "e")
        await press(pilot, Typed("[b]ask[/b] in #product"))
        await pilot.press("enter")
        await settle(pilot)
        assert demo_store.get(run.id).steps[0].note == "[b]ask[/b] in #product"


async def test_the_nudges_show_the_seeded_facts_and_dismissing_one_removes_it(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        listing = app.query_one("#nudge-list", KeyList)
        shown = " ".join(str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count))
        assert "2 action items overdue" in shown
        assert "product areas with no active owner" in shown
        assert "new feedback items waiting more than 1 day" in shown
        assert listing.option_count <= 5
        first = listing.highlighted_id
        listing.focus()
        await pilot.press("z")
        await settle(pilot)
        assert first not in option_ids(listing)
        await pilot.press("u")  # undo brings it back
        await settle(pilot)
        assert first in option_ids(listing)


async def enter_on_nudge(pilot, rule: str) -> KeyList:
    """4, then enter on the nudge of this rule; the nudge list."""
    await pilot.press("4")
    await settle(pilot)
    listing = pilot.app.query_one("#nudge-list", KeyList)
    listing.focus()
    key = next(k for k in option_ids(listing) if k.startswith(rule))
    listing.highlighted = option_ids(listing).index(key)
    await pilot.press("enter")
    await settle(pilot)
    return listing


async def test_enter_on_a_nudge_goes_to_its_items(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        listing = await enter_on_nudge(pilot, "stale-feedback")
        inbox = app.query_one(InboxPane)
        # Exactly the nudge's 118 items (status:new held 142, items an hour old among them), too many
        # for an id: filter: the items themselves (issue 31, item 1).
        assert app.active_pane is inbox and len(inbox.feedback_list.items) == 118 and inbox._only is not None

        await pilot.press("4")
        await settle(pilot)
        overdue = next(k for k in option_ids(listing) if k.startswith("actions-overdue"))
        listing.focus()
        listing.highlighted = option_ids(listing).index(overdue)
        await pilot.press("enter")
        await settle(pilot)
        actions = app.query_one("#action-items", KeyList)
        assert app.focused is actions and actions.highlighted_id == "T-1"
        await pilot.press("d")
        await settle(pilot)
        assert demo_store.get("T-1").status == "done"


async def test_adopting_a_checklist_with_a_recurrence_typed_in_words(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4", "n")
        await press(pilot, Typed("launch"))
        await pilot.press("enter")
        await settle(pilot)
        await press(pilot, Typed("every blursday"), "enter")
        await settle(pilot)
        assert "'blursday' is not a weekday" in " ".join(messages(app))
        assert len(demo_store.all(ChecklistTemplate)) == 5
        await pilot.press("n")
        await press(pilot, Typed("launch"))
        await pilot.press("enter")
        await settle(pilot)
        await press(pilot, Typed("monthly on the first monday"), "enter")
        await settle(pilot)
        await pilot.press("enter")  # the name offered
        await settle(pilot)
        added = demo_store.get("C-6")
        assert added.name == "Launch checklist (2)" and checklists.describe_recurrence(added.rrule) == "monthly on the first Monday"
        assert len(added.steps) == 8


async def test_a_missed_occurrence_is_shown_and_can_be_run_late(demo_store, make_app):
    weekly = f"DTSTART:{(DEMO_NOW - timedelta(weeks=5)).strftime('%Y%m%dT%H%M%SZ')}\nRRULE:FREQ=WEEKLY"
    with demo_store.change("a weekly check adopted three weeks ago") as tx:
        check = tx.add(ChecklistTemplate(name="Weekly metrics review", rrule=weekly, steps=[ChecklistStep(text="Numbers read")],
                                         created_at=to_iso(DEMO_NOW - timedelta(weeks=3) + timedelta(hours=1))))
    dues = [d for d in checklists.runs_due(demo_store, DEMO_NOW) if d.checklist.id == check.id]
    assert [d.missed for d in dues] == [True, True, False]
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        listing = app.query_one("#checklist-list", KeyList)
        row = str(listing.get_option_at_index(option_ids(listing).index(check.id)).prompt)
        assert "2 missed" in row and "due, not started" in row
        listing.highlighted = option_ids(listing).index(check.id)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("3")  # the choices: due now, then the two missed, oldest last
        await settle(pilot)
        run = [r for r in demo_store.all(ChecklistRun) if r.checklist == check.id][0]
        assert from_iso(run.due_at) == from_iso(dues[0].due_at)
        assert app.focused is app.query_one("#run-items", KeyList)


async def test_the_start_names_the_nudges_due(demo_store, make_app):
    app = make_app(demo_store, nudges_at_start=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        toasts = [n for n in app._notifications if "4 shows them" in n.title]
        assert len(toasts) == 1 and "action items overdue" in toasts[0].message


async def test_a_dismissed_nudge_is_listed_as_quiet_and_can_be_brought_back(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        listing = app.query_one("#nudge-list", KeyList)
        listing.focus()
        first = listing.highlighted_id
        await pilot.press("z")
        await settle(pilot)
        assert first not in option_ids(listing)
        await pilot.press("a")  # held back and quiet ones too, the quiet ones last
        await settle(pilot)
        assert option_ids(listing)[-1] == first
        listing.highlighted = option_ids(listing).index(first)
        await pilot.press("b")
        await settle(pilot)
        assert not nudges.due_nudges(demo_store, DEMO_NOW).quiet
        await pilot.press("a")
        await settle(pilot)
        assert first in option_ids(listing)[:5]


async def test_enter_on_the_snoozed_due_nudge_opens_exactly_those_items(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await enter_on_nudge(pilot, "snoozed-due")
        inbox = app.query_one(InboxPane)
        shown = [item.id for item in inbox.feedback_list.items]
        assert inbox.filter_query.startswith("id:") and len(shown) == 4  # "4 snoozed feedback items due again"
        assert all(demo_store.get(i).snoozed_until for i in shown)



async def test_a_checklist_adopted_twice_is_named_and_the_cursor_follows_it(demo_store, make_app, monkeypatch):
    from prodops_tui.core.model import ChecklistTemplate
    from prodops_tui.ui.panes.checklists import ChecklistsPane
    from prodops_tui.ui.screens.pickers import SearchPickerScreen, TextScreen

    renders = []
    real = ChecklistsPane.refresh_view
    monkeypatch.setattr(ChecklistsPane, "refresh_view", lambda self: (renders.append(1), real(self))[1])
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, SearchPickerScreen)
        await press(pilot, Typed("Launch"), "enter")  # a template the demo adopted already
        await pilot.pause()
        await pilot.press("enter")  # its recurrence, as offered
        await pilot.pause()
        assert isinstance(app.screen, TextScreen) and app.screen.value == "Launch checklist (2)"
        renders.clear()
        await press(pilot, "end", *["backspace"] * 3, Typed("for Payments"), "enter")  # "(2)" out
        await settle(pilot)
        assert len(renders) == 1  # the change's own render (the app's one door) moves the cursor: no second
        adopted = next(c for c in demo_store.all(ChecklistTemplate) if c.name == "Launch checklist for Payments")
        listing = app.query_one("#checklist-list", KeyList)
        assert listing.highlighted_id == adopted.id and app.focused is listing  # r now starts a run of it
        await pilot.press("N")
        await press(pilot, "end", *["backspace"] * len("for Payments"), Typed("(Payments)"), "enter")
        await settle(pilot)
        assert demo_store.get(adopted.id).name == "Launch checklist (Payments)"


async def test_no_key_means_two_things_in_the_checklists_pane():
    from prodops_tui.ui.panes.checklists import ChecklistsPane

    keys = [key for binding in ChecklistsPane.BINDINGS for key in binding.key.split(",")]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
