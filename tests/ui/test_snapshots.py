"""Every screen of the shell on the demo workspace, fixed clock and size.
Update with `pytest --snapshot-update` only after looking at the SVGs."""

from __future__ import annotations

import pytest

SIZE = (120, 40)


@pytest.mark.parametrize("key", ["1", "2", "3", "4", "5"], ids=["inbox", "areas", "retro", "checklists", "metrics"])
def test_pane(snap_compare, demo_store, make_app, key):
    assert snap_compare(make_app(demo_store), press=[key, "_"], terminal_size=SIZE)


def test_help_screen(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), press=["question_mark", "_"], terminal_size=SIZE)


def test_light_theme(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store, theme="prodops-light"), press=["_"], terminal_size=SIZE)


def test_inbox_with_marks(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), press=["x", "x", "j", "_"], terminal_size=SIZE)


def keys_then_settle(*keys: str):
    """Press keys, then wait for the screen to settle. (A "_" in `press` would be
    typed into a focused Input, not taken as a pause.)"""

    async def run_before(pilot) -> None:
        await pilot.press(*keys)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    return run_before


def test_area_picker_with_suggestions(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("j", "a"), terminal_size=SIZE)


def test_snooze_picker_shows_the_parsed_date(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("s", *"next monday"), terminal_size=SIZE)


def test_edit_form_for_the_current_item(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("enter"), terminal_size=SIZE)
