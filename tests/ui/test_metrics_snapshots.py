"""The Metrics pane at 80×24, the smallest common terminal (issue 31, item 4): the figures keep
their now, before and change columns, and the 7d/30d/90d choice stays on the heading.
Update with `pytest --snapshot-update` only after looking at the SVG."""

from __future__ import annotations

from prodops_tui.ui.panes.metrics import MetricsPane

from .conftest import find_on_screen, settle
from .test_snapshots import keys_then_settle

SMALL = (80, 24)


def test_metrics_at_80x24(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("5"), terminal_size=SMALL)


def screen_line(app, y: int) -> str:
    return list(app.screen._compositor.render_strips())[y].text


async def test_at_80x24_every_figure_shows_now_before_and_change_and_the_period_choice(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("5")
        await settle(pilot)
        now_x, header_y = find_on_screen(app, "now before")[0]
        for preset in ("7d", "30d", "90d"):
            assert find_on_screen(app, f" {preset} ")
        # "Feedback received  207  112 +95 (+85%)": the figure's three numbers, whole, on its row.
        received = app.query_one(MetricsPane).report.figure("received")
        _, row_y = min(find_on_screen(app, "Feedback received"))  # the list's row, left of the detail
        row = screen_line(app, row_y)[:50]  # the figure list's half of the screen
        assert row.split("Feedback received", 1)[1].split()[:4] == [f"{received.value:.0f}", f"{received.previous:.0f}",
                                                                    "+95", "(+85%)"]
        assert "…" not in row
        # A long label gives way to its short form, not the numbers: "Triaged in 1 workday  10%  26% -16 pts".
        _, row_y = find_on_screen(app, "Triaged in 1 workday")[0]
        assert screen_line(app, row_y).split("workday", 1)[1].split()[:4] == ["10%", "26%", "-16", "pts"]
        assert header_y < row_y and now_x > 0
