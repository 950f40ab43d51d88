"""Every screen on the demo workspace, fixed clock and size.
Update with `pytest --snapshot-update` only after looking at the SVGs."""

from __future__ import annotations

import pytest

from ..conftest import TEST_DATA
from .conftest import Typed, press, settle

SIZE = (120, 40)


def keys_then_settle(*steps: str | Typed, keep_toasts: bool = False):
    """Press keys (and enter `Typed` text), then wait until background work (the duplicate
    scan) has landed and the screen is still. A "_" in `press` would be typed into a
    focused Input.

    Toasts are cleared before the picture: one times out after a few seconds, so under
    load it was in the picture or not by chance. A test about a toast keeps it, and makes
    it stay (`lasting_toasts`)."""

    async def run_before(pilot) -> None:
        await settle(pilot)  # the first look-alike scan too, which starts after a frame
        await press(pilot, *steps)
        await settle(pilot)
        if not keep_toasts:
            pilot.app.clear_notifications()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    return run_before


def lasting_toasts(app):
    """The app, with every toast kept on screen until cleared, whatever its timeout."""
    notify = app.notify

    def notify_for_good(*args, **kwargs):
        kwargs["timeout"] = 24 * 3600
        return notify(*args, **kwargs)

    app.notify = notify_for_good
    return app


@pytest.mark.parametrize("key", ["1", "2", "3", "4", "5"], ids=["inbox", "areas", "retro", "checklists", "metrics"])
def test_pane(snap_compare, demo_store, make_app, key):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle(key), terminal_size=SIZE)


def test_inbox_at_80x24(snap_compare, demo_store, make_app):
    """The smallest common terminal: the text keeps half the list, the footer is compact."""
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle(), terminal_size=(80, 24))


def test_help_screen(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("question_mark"), terminal_size=SIZE)


def test_light_theme(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store, theme="prodops-light"), run_before=keys_then_settle(), terminal_size=SIZE)


@pytest.mark.parametrize("key", ["1", "2", "3", "4", "5"], ids=["inbox", "areas", "retro", "checklists", "metrics"])
@pytest.mark.parametrize("theme", ["prodops-light", "prodops-high-contrast"])
def test_pane_in_theme(snap_compare, demo_store, make_app, theme, key):
    """The main panes in the light and the high-contrast theme: every status colour comes from the theme."""
    assert snap_compare(make_app(demo_store, theme=theme), run_before=keys_then_settle(key), terminal_size=SIZE)


def test_inbox_with_marks(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("x", "x", "j"), terminal_size=SIZE)


def test_area_picker_with_suggestions(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("j", "a"), terminal_size=SIZE)


def test_snooze_picker_shows_the_parsed_date(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("s", Typed("next monday")), terminal_size=SIZE)


def test_edit_form_for_the_current_item(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("enter"), terminal_size=SIZE)


def test_likely_duplicates_view_with_the_detail_panel(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("left_square_bracket"), terminal_size=SIZE)


def test_merge_picker_offers_likely_duplicates_with_scores(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("left_square_bracket", "m"), terminal_size=SIZE)


def test_opportunity_picker(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("o"), terminal_size=SIZE)


def test_import_screen_after_a_dry_run(snap_compare, demo_store, make_app, monkeypatch):
    # Typed relative to the data folder, so the screen shows the same path on every machine.
    monkeypatch.chdir(TEST_DATA)
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("I", Typed("support_tweets.csv"), "enter"), terminal_size=SIZE)


def test_opportunities_screen(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("O"), terminal_size=SIZE)


def test_a_filter_saved_as_a_view_tab(snap_compare, demo_store, make_app):
    keys = ("f", Typed("importance:high"), "enter", "S", Typed("Hot"), "enter", "f", Typed("invoice"), "enter")
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle(*keys), terminal_size=SIZE)


def test_areas_who_owns_results(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("2", "w", Typed("invoicing")), terminal_size=SIZE)


def test_areas_a_path_answered_by_the_codeowners_rules(snap_compare, demo_store, make_app):
    keys = keys_then_settle("2", "w", Typed("services/billing/invoices/numbering.py"))
    assert snap_compare(make_app(demo_store), run_before=keys, terminal_size=SIZE)


def test_areas_people_view(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("2", "p", "w", Typed("priya"), "enter"), terminal_size=SIZE)


def test_areas_gaps_view(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("2", "right_square_bracket", "right_square_bracket"), terminal_size=SIZE)


def test_area_edit_form(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("2", "e"), terminal_size=SIZE)


# --- the Retro pane: every phase, the forms, the timer -------------------------------------


@pytest.mark.parametrize("phase", ["checkin", "reflect", "group", "vote", "discuss", "actions", "closed"])
def test_retro_phase(snap_compare, demo_store, make_app, phase):
    from .retro_setup import retro_at

    retro_at(demo_store, phase)
    keys = ("3", "enter", "v", Typed("Priya"), "enter") if phase == "vote" else ("3", "enter")
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle(*keys), terminal_size=SIZE)


def test_retro_demo_reflect_with_hidden_cards(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("3", "enter"), terminal_size=SIZE)


def test_retro_new_retro_form(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("3", "n", Typed("Billing squad")), terminal_size=SIZE)


def test_retro_group_suggestions(snap_compare, demo_store, make_app):
    from .retro_setup import retro_at

    retro_id = retro_at(demo_store, "group")
    from prodops_tui.core.retro import board as retros

    retros.group_cards(demo_store, retro_id, [2])  # out of its group again, so it is suggested
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("3", "enter", "s"), terminal_size=SIZE)


def test_retro_action_form_with_due_date_preview(snap_compare, demo_store, make_app):
    from .retro_setup import retro_at

    retro_at(demo_store, "actions")
    keys = ("3", "enter", "n", Typed("Demo the fix to support"), "tab", Typed("Priya, Zoe New"), "tab", Typed("next friday"))
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle(*keys), terminal_size=SIZE)


def test_retro_timer_paused_with_a_minute_added(snap_compare, demo_store, make_app):
    from .retro_setup import retro_at

    retro_at(demo_store, "reflect")
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("3", "enter", "t", "t", "T"), terminal_size=SIZE)


def test_retro_timer_flashes_at_zero(snap_compare, demo_store, make_app):
    from prodops_tui.ui.widgets.phase_timer import PhaseTimer

    from .retro_setup import retro_at

    retro_at(demo_store, "discuss")

    async def run_out(pilot) -> None:
        await keys_then_settle("3", "enter")(pilot)
        pilot.app.query_one(PhaseTimer).time_up()
        await pilot.pause()

    assert snap_compare(make_app(demo_store), run_before=run_out, terminal_size=SIZE)


# --- Checklists & nudges ---------------------------------------------------------------------


def test_checklist_run_in_progress(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("4", "enter", "j", "j"), terminal_size=SIZE)


def test_checklist_recurrence_typed_in_words(snap_compare, demo_store, make_app):
    keys = ("4", "R", "ctrl+u", Typed("monthly on the first monday"))
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle(*keys), terminal_size=SIZE)


def test_nudges_all_shown_with_the_list_focused(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("4", "tab", "tab", "a"), terminal_size=SIZE)


def test_nudges_at_start(snap_compare, demo_store, make_app):
    app = lasting_toasts(make_app(demo_store, nudges_at_start=True))
    assert snap_compare(app, run_before=keys_then_settle(keep_toasts=True), terminal_size=SIZE)


# --- search everything -----------------------------------------------------------------------


def test_search_results_grouped_with_matches_highlighted(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("slash", Typed("invocies tax")), terminal_size=SIZE)


def test_search_unknown_filter_is_a_hint(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("slash", Typed("colour:red owner:priya")), terminal_size=SIZE)


# --- metrics -----------------------------------------------------------------------------------


def test_metrics_last_7_days_on_the_new_backlog(snap_compare, demo_store, make_app):
    """The pane's second period (7 days: daily buckets), the New backlog's ages beside it.
    (30 days, the default, is test_pane[metrics].) Each key waits for its count to land: a
    key pressed while the list is being refilled would land on whichever list was there."""

    async def run_before(pilot) -> None:
        for keys in (("5",), ("p",), ("p",), ("j", "j")):
            await pilot.app.workers.wait_for_complete()
            await pilot.press(*keys)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(demo_store), run_before=run_before, terminal_size=SIZE)
