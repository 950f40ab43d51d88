"""Feedback from trackers and helpdesks, in the app (issue 27): the detail panel shows where an
item lives upstream (its link, the tracker's state, its upvotes) and `enter` there copies the
link; `I` names the export it recognised before anything is imported."""

from __future__ import annotations

from dataclasses import replace

import pytest

from prodops_tui.core.feedback import inbox
from prodops_tui.core.model import FeedbackItem
from prodops_tui.ui.screens.feedback_form import FeedbackForm
from prodops_tui.ui.screens.import_feedback import ImportScreen
from prodops_tui.ui.widgets.feedback_detail import FeedbackDetail
from prodops_tui.ui.widgets.feedback_list import FeedbackList

from ..conftest import TEST_DATA
from .conftest import Typed, footer_actions, messages, press, settle

SIZE = (140, 40)
# A link is user data: markup in it stays text, an escape sequence (set the terminal's title)
# is dropped, as everywhere else.
HOSTILE_URL = "https://github.com/acme/app/issues/12?q=[b]bold[/b]&x=[@click=app.quit]\x1b]0;pwned\x07"
SHOWN_URL = "https://github.com/acme/app/issues/12?q=[b]bold[/b]&x=[@click=app.quit]]0;pwned"


def newest_with(store, **fields) -> FeedbackItem:
    """A captured item (the newest, so first in New) with the given fields, as an import would
    have stored them."""
    item = inbox.capture(store, "Dark mode for the invoice editor", customer="octocat", source="github")
    with store.change("as imported", history=False) as tx:
        return tx.put(replace(item, **fields))


def detail_text(app) -> str:
    return str(app.query_one("#detail").content)


async def test_the_detail_panel_shows_the_link_upstream_state_and_votes_as_written(demo_store, make_app):
    item = newest_with(demo_store, url=HOSTILE_URL, upstream_state="closed: completed", votes=38)
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.query_one(FeedbackList).current.id == item.id
        shown = detail_text(app)
        assert f"link         tab, then enter copies it\n{SHOWN_URL}\n" in shown
        assert "upstream     closed: completed" in shown and "votes        38 upvotes" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        assert app.is_running  # [@click=app.quit] was not made an action


async def test_an_item_from_nowhere_shows_no_link_rows(demo_store, make_app):
    newest_with(demo_store)
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = detail_text(app)
        assert "link " not in shown and "upstream " not in shown and "votes " not in shown


async def test_enter_in_the_detail_panel_copies_the_link_and_shows_it(demo_store, make_app, monkeypatch):
    item = newest_with(demo_store, url=HOSTILE_URL, upstream_state="open", votes=0)
    app = make_app(demo_store)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert "copy_link" not in footer_actions(app)  # in the list, enter opens the item
        await pilot.press("tab")
        assert isinstance(app.focused, FeedbackDetail)
        assert "copy_link" in footer_actions(app)  # the footer offers it where it works
        await pilot.press("enter")
        await pilot.pause()
        assert copied == [SHOWN_URL]
        assert SHOWN_URL in messages(app)  # a terminal without OSC 52 still gets the link, to select
        assert not isinstance(app.screen, FeedbackForm)
        assert demo_store.get(item.id) == item  # copying changes nothing


async def test_enter_in_the_list_still_opens_the_item(demo_store, make_app, monkeypatch):
    newest_with(demo_store, url="https://github.com/acme/app/issues/12")
    app = make_app(demo_store)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FeedbackForm) and copied == []


async def test_an_item_without_a_link_says_so_and_copies_nothing(demo_store, make_app, monkeypatch):
    item = newest_with(demo_store)
    app = make_app(demo_store)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("tab", "enter")
        await pilot.pause()
        assert copied == []
        assert any(m.startswith(f"{item.id} has no link") for m in messages(app))


# --- I: the export recognised, before anything is stored ---------------------------------------


def intake_samples() -> list:
    """The real tracker and helpdesk exports of tests/data/intake (issue 27), each named after its
    tracker (github_issues_rest.json, jira_export.csv)."""
    folder = TEST_DATA / "intake"
    return sorted(p for p in folder.iterdir() if p.suffix in {".json", ".jsonl", ".csv"}) if folder.is_dir() else []


async def check_file(app, pilot, path) -> str:
    await press(pilot, "I", Typed(str(path)), "enter")
    assert isinstance(app.screen, ImportScreen)
    await settle(pilot)
    return str(app.screen.query_one("#import-summary").content)


async def test_I_names_the_preset_of_real_app_store_reviews_before_importing(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        summary = await check_file(app, pilot, TEST_DATA / "app_store_reviews.csv")
        assert summary.splitlines()[0] == "recognised: app-store-reviews (CSV, 800 rows)"
        assert "would import 800" in summary and "enter imports it" in summary
        assert demo_store.count(FeedbackItem) == 400  # checked, nothing stored


@pytest.mark.parametrize("path", intake_samples(), ids=lambda p: p.name)
async def test_I_names_the_preset_of_each_tracker_sample(demo_store, make_app, path):
    """No flags: the tracker's own preset is named (github_… is a GitHub preset), and the counts
    are those `prodops import feedback --dry-run` prints."""
    from prodops_tui.core.importers import import_feedback

    tracker = path.name.split("_")[0]
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        summary = await check_file(app, pilot, path)
        first = summary.splitlines()[0]
        assert first.startswith("recognised: ") and tracker in first.split("(")[0], summary
        expected = import_feedback(demo_store, path, dry_run=True)
        assert f"would import {expected.imported:,}, already present 0, skipped {len(expected.skipped):,}" in summary
        assert demo_store.count(FeedbackItem) == 400


# --- the inbox header: each synced source, when and what arrived -------------------------------


def synced(store, source: str, *, at: str, arrived: int, updated: int = 0, stopped: str = "") -> None:
    """What `prodops sync` leaves in the workspace after a run (core/sync/state.py)."""
    from prodops_tui.core.sync.state import put_state, start_run

    state = start_run(store, source, "https://api.github.com")
    with store.change(f"sync {source}", origin="sync", history=False) as tx:
        put_state(tx, replace(state, synced_at=at, arrived=arrived, updated=updated, finished=not stopped, stopped=stopped))


def header(app) -> str:
    line = app.query_one("#inbox-syncs")
    return str(line.content) if line.display else ""


async def test_the_inbox_header_says_when_each_source_last_synced_and_what_arrived(demo_store, make_app):
    synced(demo_store, "github rails/rails", at="2026-11-24T14:02:00Z", arrived=12, updated=3)
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert header(app) == "⟳ github rails/rails  synced Tue 24 Nov 2026 14:02 · 12 arrived, 3 updated"
        # Another terminal syncs a second source, which stops at a rate limit: the header follows.
        synced(demo_store, "github [b]acme[/b]/app", at="2026-11-24T14:50:00Z", arrived=0,
               stopped="rate limited: try again after 15:10")
        await settle(pilot)
        assert header(app).splitlines() == [
            "⟳ github [b]acme[/b]/app  synced Tue 24 Nov 2026 14:50 · 0 arrived · stopped: rate limited: try again after 15:10",
            "⟳ github rails/rails  synced Tue 24 Nov 2026 14:02 · 12 arrived, 3 updated",
        ]


async def test_no_sync_no_header_line(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert header(app) == "" and not app.query_one("#inbox-syncs").display


def test_snapshot_a_synced_issue_in_the_inbox_with_the_detail_panel_focused(snap_compare, demo_store, make_app):
    """The header's sync line, and an issue from the tracker: its state, votes and link, the
    detail panel focused (tab) with enter's Copy link in the footer."""
    synced(demo_store, "github rails/rails", at="2026-11-24T14:02:00Z", arrived=12, updated=3)
    newest_with(demo_store, url="https://github.com/rails/rails/issues/53112", upstream_state="closed: completed",
                votes=38, source_key="github:rails/rails#53112")

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("tab")
        await settle(pilot)

    assert snap_compare(make_app(demo_store), run_before=run_before, terminal_size=(120, 40))
