"""What the app says reads as English: one group, two groups; a title as the user typed it."""

from __future__ import annotations

from prodops_tui.core.model import Retro
from prodops_tui.ui.panes.retro_rows import closed_summary

from .conftest import Typed, messages, press, settle
from .retro_setup import retro_at


def test_a_closed_retro_counts_one_of_a_thing_in_the_singular(demo_store):
    retro = demo_store.get(retro_at(demo_store, "closed"))
    assert isinstance(retro, Retro)
    summary = " ".join(str(closed_summary(demo_store, retro)).split())
    # The Billing squad's retro: 5 cards, one group, 6 of 9 votes, one topic with notes, one action.
    assert "5 cards · 1 group · 6/9 votes · 1 topic with notes · 1 action, 1 with an owner" in summary
    assert "groups" not in summary and "topics" not in summary and "1 actions" not in summary


async def test_the_toast_for_a_new_opportunity_keeps_its_title_as_typed(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "o", Typed("Search invoices by PO reference"), "enter")
        await settle(pilot)
        assert any("“Search invoices by PO reference”" in text for text in messages(app)), messages(app)
