"""The inbox at 80x24, the smallest terminal we draw for (issue 31, item 4): every view tab fits,
and a filter, the marks and the sort stay in sight on a line of their own."""

from __future__ import annotations

from prodops_tui.core.feedback import inbox

from .conftest import Typed, press, settle
from .test_snapshots import keys_then_settle

NARROW = (80, 24)


def test_snapshot_a_filter_at_80x24(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("f", Typed("since:30d"), "enter"), terminal_size=NARROW)


def test_snapshot_likely_duplicates_at_80x24(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("left_square_bracket"), terminal_size=NARROW)


def shown_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_at_80_columns_every_tab_and_an_active_filter_are_on_screen(demo_store, make_app):
    app = make_app(demo_store)
    counts = inbox.counts_by_view(demo_store)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await press(pilot, "f", Typed("since:30d"), "enter", "x", "r")
        await settle(pilot)
        screen = "\n".join(shown_lines(app))
        for tab in (f"New {counts['new']}", f"Snoozed {counts['snoozed']}", f"Archived {counts['archived']}", f"All {counts['all']}",
                    "Duplicates "):
            assert tab in screen, tab
        assert "filter: since:30d (" in screen and "1 marked" in screen and "sorted by importance" in screen
