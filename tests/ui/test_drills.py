"""enter on a nudge or on a figure opens exactly the items it counts (issue 31, items 1 and 11).

On the demo, "118 new feedback items waiting more than 1 day" opened status:new (142, items an
hour old among them) and "Triaged within 1 business day" opened since:30d (207 items): too many
items for an id: filter, so the closest filter stood in. The pane now hands the app the items
themselves (NudgeTarget.ids, shows_ids); the inbox showing exactly them is the inbox's part."""

from __future__ import annotations

import pytest

from prodops_tui.core.rituals import nudges
from prodops_tui.ui.app import ProdopsApp
from prodops_tui.ui.panes.inbox import InboxPane
from prodops_tui.ui.panes.metrics import MetricsPane
from prodops_tui.ui.screens.opportunities import OpportunitiesScreen
from prodops_tui.ui.widgets.key_list import KeyList

from .conftest import DEMO_NOW, option_ids, settle
from .test_checklists import enter_on_nudge as enter_on_nudge_of

@pytest.fixture
def targets(monkeypatch):
    """Every target a nudge or a figure hands the app, in order."""
    handed: list[nudges.NudgeTarget] = []
    real = ProdopsApp.on_checklists_pane_show_target

    def record(app, event):
        handed.append(event.target)
        real(app, event)

    monkeypatch.setattr(ProdopsApp, "on_checklists_pane_show_target", record)
    return handed


async def enter_on_nudge(pilot, rule: str) -> nudges.Nudge:
    """4, then enter on the nudge of this rule (test_checklists.py's steps); that nudge."""
    key = (await enter_on_nudge_of(pilot, rule)).highlighted_id
    return next(n for n in nudges.all_nudges(pilot.app.store, DEMO_NOW)[0] if n.key == key)


async def enter_on_figure(pilot, key: str) -> None:
    await pilot.press("5")
    await settle(pilot)
    listing = pilot.app.query_one("#figure-list", KeyList)
    listing.highlighted = option_ids(listing).index(f"figure:{key}")
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)


async def test_enter_on_the_stale_nudge_hands_the_app_exactly_its_118_items(demo_store, make_app, targets):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        stale = await enter_on_nudge(pilot, "stale-feedback")
        target, = targets
        assert stale.count == 118 and len(target.ids) == 118 and set(target.ids) == set(stale.target.ids)
        assert target.shows_ids and target.label == "118 new feedback items waiting more than 1 day"


async def test_enter_on_the_stale_nudge_lists_exactly_its_items_in_the_inbox(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        stale = await enter_on_nudge(pilot, "stale-feedback")
        inbox = app.query_one(InboxPane)
        assert app.active_pane is inbox
        assert sorted(i.id for i in inbox.feedback_list.items) == sorted(stale.target.ids)  # 118, not status:new's 142


async def test_enter_on_triaged_within_a_business_day_hands_the_app_the_late_items(demo_store, make_app, targets):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await enter_on_figure(pilot, "triaged_within_1_business_day_pct")
        drill = app.query_one(MetricsPane).report.figure("triaged_within_1_business_day_pct").drill
        target, = targets
        assert target.shows_ids and target.ids == drill.ids and len(target.ids) == 165  # not since:30d's 207
        assert target.label == "165 not triaged in 1 business day, last 30 days"


async def test_enter_on_triaged_within_a_business_day_lists_exactly_the_late_items(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await enter_on_figure(pilot, "triaged_within_1_business_day_pct")
        drill = app.query_one(MetricsPane).report.figure("triaged_within_1_business_day_pct").drill
        inbox = app.query_one(InboxPane)
        assert app.active_pane is inbox
        assert sorted(i.id for i in inbox.feedback_list.items) == sorted(drill.ids)


async def test_enter_on_an_opportunitys_nudge_shows_that_opportunity(demo_store, make_app):
    (demo_store.directory / nudges.SETTINGS_NAME).write_text("[opportunities]\nmin_feedback = 1\n", encoding="utf-8")
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("a")  # every nudge: the opportunities' are held back by max_shown
        await settle(pilot)
        nudge = await enter_on_nudge(pilot, "opportunity-no-decision")
        opportunity, = nudge.target.ids
        assert isinstance(app.screen, OpportunitiesScreen) and app.screen.current_id == opportunity
