"""The Metrics pane (5) on the demo workspace: periods by keyboard, the figures the core counts,
and enter opening the items behind a figure."""

from __future__ import annotations

import threading

from prodops_tui.core.metrics import figures, period
from prodops_tui.core.model import FeedbackItem
from prodops_tui.ui.panes.areas import AreasPane
from prodops_tui.ui.panes.checklists import ChecklistsPane
from prodops_tui.ui.panes.inbox import InboxPane
from prodops_tui.ui.panes.metrics import MetricsPane
from prodops_tui.ui.screens.opportunities import OpportunitiesScreen
from prodops_tui.ui.widgets.key_list import KeyList

from .conftest import DEMO_NOW, Typed, option_ids, option_texts, press, settle, wait_until


def row_of(app, key: str) -> str:
    listing = app.query_one("#figure-list", KeyList)
    return option_texts(listing)[option_ids(listing).index(f"figure:{key}")]


async def highlight(pilot, key: str) -> None:
    listing = pilot.app.query_one("#figure-list", KeyList)
    listing.highlighted = option_ids(listing).index(f"figure:{key}")
    await pilot.pause()


async def test_p_cycles_the_period_and_the_rows_are_the_core_figures(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        pane = app.query_one(MetricsPane)
        for days in (30, 90, 7):
            expected = figures.compute(demo_store, period.last_days(days, now=DEMO_NOW), now=DEMO_NOW)
            assert pane.report.period.label == f"last {days} days"
            for key in ("received", "new_backlog", "with_area_pct", "actions_overdue"):
                figure = expected.figure(key)
                row = row_of(app, key)
                assert row.startswith(figure.label)
                assert row.split()[len(figure.label.split())] == (
                    f"{figure.value:.0f}%" if figure.unit == "pct" else f"{figure.value:,.0f}"), row
            await pilot.press("p")
            await settle(pilot)


async def test_s_counts_since_a_typed_date(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        await press(pilot, "s", Typed("2026-11-01"), "enter")
        await settle(pilot)
        shown = app.query_one(MetricsPane).report
        assert shown.period.start_iso == "2026-11-01T09:00:00Z" and shown.period.label.startswith("since Sun 1 Nov 2026")
        received = sum(1 for i in demo_store.all(FeedbackItem) if i.received_at >= "2026-11-01T09:00:00Z")
        assert shown.figure("received").value == received


async def test_enter_opens_the_items_behind_a_figure(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        await highlight(pilot, "with_area_pct")
        await pilot.press("enter")
        await settle(pilot)
        inbox = app.query_one(InboxPane)
        assert app.active_pane is inbox and (inbox.view, inbox.filter_query) == ("all", "since:30d is:unassigned")
        unassigned = {i.id for i in demo_store.all(FeedbackItem) if i.area is None and i.received_at >= "2026-10-25T15:00:00Z"}
        assert {i.id for i in inbox.feedback_list.items} == unassigned

        await pilot.press("5")
        await highlight(pilot, "actions_overdue")
        await pilot.press("enter")
        await settle(pilot)
        checklists = app.query_one(ChecklistsPane)
        assert app.active_pane is checklists
        assert app.query_one("#action-items", KeyList).highlighted_id == app.query_one(MetricsPane).report.overdue[0].id

        await pilot.press("5")
        await highlight(pilot, "areas_without_owner")
        await pilot.press("enter")
        await settle(pilot)
        assert app.active_pane is app.query_one(AreasPane) and app.query_one(AreasPane).mode == "gaps"

        await pilot.press("5")
        await highlight(pilot, "customers_waiting")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OpportunitiesScreen)


async def test_tab_reaches_the_rows_behind_a_figure_and_enter_opens_one(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("tab")
        breakdown = app.query_one("#breakdown", KeyList)
        assert app.focused is breakdown
        rows = option_texts(breakdown)
        breakdown.highlighted = next(n for n, row in enumerate(rows) if row.startswith("support"))
        await pilot.press("enter")
        await settle(pilot)
        inbox = app.query_one(InboxPane)
        assert app.active_pane is inbox and inbox.filter_query == 'since:30d source:"support"'
        support = {i.id for i in demo_store.all(FeedbackItem) if "support" in i.source.casefold() and i.received_at >= "2026-10-25T15:00:00Z"}
        assert {i.id for i in inbox.feedback_list.items} == support
        await pilot.press("5", "tab", "tab")  # tab goes back to the figures
        assert app.focused is app.query_one("#figure-list", KeyList)


async def test_the_figures_are_counted_off_the_event_loop_and_follow_changes(demo_store, make_app, monkeypatch):
    counted_on: list[str] = []
    compute = figures.compute

    def spy(*args, **kwargs):
        counted_on.append(threading.current_thread().name)
        return compute(*args, **kwargs)

    monkeypatch.setattr(figures, "compute", spy)
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        before = app.query_one(MetricsPane).report.figure("received").value
        with demo_store.change("one more") as tx:
            tx.add(FeedbackItem(text="late arrival", received_at="2026-11-24T14:00:00Z"))
        await settle(pilot)
        assert app.query_one(MetricsPane).report.figure("received").value == before + 1
    assert counted_on and threading.main_thread().name not in counted_on  # never on the event loop's thread


async def test_a_figure_that_is_not_stored_says_why(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        listing = app.query_one("#figure-list", KeyList)
        listing.highlighted = option_ids(listing).index("unknown:median_hours_to_link")
        await pilot.pause()
        shown = str(app.query_one("#figure-detail").render())
        assert "Not computed: when an item was linked is not stored" in shown
        await pilot.press("enter")  # nothing behind it to open: the pane stays
        assert app.active_pane is app.query_one(MetricsPane)


async def test_the_figures_are_counted_while_the_app_is_quiet_so_5_shows_them_without_counting(demo_store, make_app, monkeypatch):
    """At 100k items the count is 0.3 s of CPU and its landing a second layout of the pane: a
    pane never shown counts once the app is quiet, and `5` shows those figures as they are."""
    from prodops_tui.ui.panes import metrics as metrics_pane

    monkeypatch.setattr(metrics_pane, "PREPARE_CHECK_SECONDS", 0.05)
    counted = []
    compute = figures.compute
    monkeypatch.setattr(figures, "compute", lambda *args, **kwargs: counted.append(1) or compute(*args, **kwargs))
    app = make_app(demo_store)
    async with app.run_test(size=(140, 44)) as pilot:
        await settle(pilot)
        pane = app.query_one(MetricsPane)
        assert await wait_until(pilot, lambda: pane.report is not None and not pane.display)
        assert counted == [1]
        # Counted, not drawn: the pane draws when the app shows it, as it draws any change.
        assert app.query_one("#figure-list", KeyList).option_count == 0
        await pilot.press("5")
        await settle(pilot)
        assert counted == [1] and pane.display  # shown as counted, not counted again
        assert "counting" not in str(app.query_one("#metrics-heading").content)
        assert "Feedback received" in row_of(app, "received")


async def test_figures_counted_a_while_ago_are_counted_again_when_the_pane_is_shown(demo_store, make_app, monkeypatch):
    """Time passing is no change to the workspace, but the periods end now: shown again within
    PREPARED_FRESH_SECONDS the figures stay as counted; later they are counted again."""
    from prodops_tui.ui.panes import metrics as metrics_pane

    seconds = [1000.0]
    counted = []
    compute = figures.compute
    monkeypatch.setattr(figures, "compute", lambda *args, **kwargs: counted.append(1) or compute(*args, **kwargs))
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one(MetricsPane).monotonic = lambda: seconds[0]
        await pilot.press("5")
        await settle(pilot)
        assert counted == [1]
        seconds[0] += metrics_pane.PREPARED_FRESH_SECONDS - 1
        await pilot.press("1", "5")
        await settle(pilot)
        assert counted == [1]
        seconds[0] += 2
        await pilot.press("1", "5")
        await settle(pilot)
        assert counted == [1, 1]


async def test_an_empty_period_over_older_history_says_where_it_is_and_s_counts_it(workspace, make_app):
    """Feedback imported from January, the pane on the last 30 days (issue 31, item 12): not
    just zeros, but how many items came before and the date that takes them in."""
    from prodops_tui.core.feedback.inbox import capture
    from prodops_tui.core.storage.store import Store

    from ..conftest import fixed_clock

    store = Store.open(workspace, clock=fixed_clock)
    for received in ("2026-01-05T03:00:00Z", "2026-02-20T10:00:00Z"):
        capture(store, f"received {received}", received=received)
    app = make_app(store)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("5")
            await settle(pilot)
            hint = app.query_one("#metrics-earlier")
            assert hint.display
            assert str(hint.render()) == ("No feedback was received in this period; 2 items were received before it "
                                          "(5 Jan to 20 Feb): s then 2026-01-04 counts from there.")
            await press(pilot, "s", Typed("2026-01-04"), "enter")
            await settle(pilot)
            assert app.query_one(MetricsPane).report.figure("received").value == 2
            assert not app.query_one("#metrics-earlier").display
    finally:
        store.close()
