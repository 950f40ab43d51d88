"""From linked feedback to a tracker issue to every asking account told, with the keyboard only:
O opens the opportunities, l links an issue by its URL, c opens the close-the-loop view, t
records an account told, u takes it back, and the customer's feedback says who was told."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Input, Static

from prodops_tui.core.feedback import links, loop, opportunities
from prodops_tui.core.metrics import figures, period, roadmap
from prodops_tui.core.metrics.report import value_text
from prodops_tui.core.sync import push
from prodops_tui.core.sync.run import sync_github
from prodops_tui.ui.screens.opportunities import OpportunitiesScreen
from prodops_tui.ui.screens.opportunity_links import CheckedTextScreen
from prodops_tui.ui.screens.opportunity_loop import LoopScreen
from prodops_tui.ui.screens.opportunity_push import PushScreen

from prodops_tui.ui.widgets.feedback_detail import FeedbackDetail
from prodops_tui.ui.widgets.key_list import KeyList

from ..support_github import FakeGitHub
from .conftest import DEMO_NOW, Typed, messages, option_ids, option_texts, press, settle, wait_until

SIZE = (120, 40)
ISSUE = "https://github.com/northwind/ledger/issues/812"
REPO = "northwind/ledger"
TOKEN = "ghp_" + "T0k3nF0rTh3T3st" * 3


@pytest.fixture
def github(monkeypatch):
    """A GitHub-compatible server on 127.0.0.1 holding an empty northwind/ledger, the app's token
    in $GITHUB_TOKEN, and no proxy between (urllib honours *_proxy)."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with FakeGitHub({REPO: []}, token=TOKEN) as server:
        yield server


def text_of(app, selector: str) -> str:
    """The text a Static shows, or the inbox's detail panel (a line-API view with the same `content`)."""
    widget = app.screen.query_one(selector)
    assert isinstance(widget, Static | FeedbackDetail)
    return str(widget.content)


async def open_opportunity(pilot, opportunity_id: str) -> OpportunitiesScreen:
    """O from the inbox, then j until the opportunity is highlighted (as a person would)."""
    await settle(pilot)
    await press(pilot, "O")
    screen = pilot.app.screen
    assert isinstance(screen, OpportunitiesScreen)
    for _ in range(10):
        if screen.current_id == opportunity_id:
            return screen
        await press(pilot, "j")
    raise AssertionError(f"{opportunity_id} is not in the opportunities list")


async def test_typing_an_issue_url_links_it_and_the_detail_shows_it_then_u_takes_it_back(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_opportunity(pilot, "O-1")
        assert "not linked" in text_of(app, "#opportunity-text")
        await press(pilot, "l", Typed(ISSUE), "enter")
        assert isinstance(app.screen, OpportunitiesScreen)
        (stored,) = demo_store.get("O-1").links
        assert (stored.url, stored.tracker, stored.key, stored.linked_by) == (ISSUE, "github", "northwind/ledger#812", "Sam Tester")
        assert await wait_until(pilot, lambda: "northwind/ledger#812" in text_of(app, "#opportunity-text"))
        detail = text_of(app, "#opportunity-text")
        assert "Tracker (1)" in detail and "not read yet" in detail and ISSUE in detail
        assert any("O-1 linked to northwind/ledger#812" in m for m in messages(app))
        listing = app.screen.query_one("#opportunity-list")
        assert "↗ linked" in str(listing.get_option_at_index(listing.highlighted).prompt)

        await press(pilot, "u")  # the app's undo, from the modal screen
        assert demo_store.get("O-1").links == []
        assert await wait_until(pilot, lambda: "not linked" in text_of(app, "#opportunity-text"))


async def test_a_url_that_is_not_a_link_is_one_line_under_the_field_and_the_text_stays(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_opportunity(pilot, "O-1")
        await press(pilot, "l", Typed("ftp://nowhere.example/x"), "enter")
        assert isinstance(app.screen, CheckedTextScreen)
        field = app.screen.query_one(Input)
        assert field.value == "ftp://nowhere.example/x"
        said = text_of(app, "#hint")
        assert said == "'ftp://nowhere.example/x' is not an http(s) URL or a Jira key like PROJ-7"
        assert demo_store.get("O-1").links == []
        # Corrected in place, enter links it.
        field.value = ISSUE
        await press(pilot, "enter")
        assert isinstance(app.screen, OpportunitiesScreen)
        assert [link.url for link in demo_store.get("O-1").links] == [ISSUE]


async def test_L_removes_the_link_picked(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_opportunity(pilot, "O-1")
        await press(pilot, "l", Typed(ISSUE), "enter")
        await press(pilot, "l", Typed("https://gitlab.com/northwind/ledger/-/issues/3"), "enter")
        assert len(demo_store.get("O-1").links) == 2
        await press(pilot, "L", "2")
        assert [link.key for link in demo_store.get("O-1").links] == ["northwind/ledger#812"]


async def test_t_records_the_account_told_the_loop_view_and_the_feedback_show_it_and_u_undoes(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_opportunity(pilot, "O-4")  # shipped in the demo
        await press(pilot, "c")
        assert isinstance(app.screen, LoopScreen)
        first = loop.loop_for(demo_store, "O-4").accounts[0]
        assert first.account == "Driftwood Media" and first.quote_feedback == "F-311"
        shown = text_of(app, "#loop-account")
        assert "not told yet" in shown and "Freya Doyle" in shown and "F-311" in shown
        # The quote is customer text: "[urgent]" is shown as written, not read as markup.
        assert "[urgent] Can we choose which days reminder emails are sent?" in shown

        await press(pilot, "t")
        (entry,) = demo_store.get("O-4").told
        assert (entry.account, entry.told_by, entry.feedback) == ("Driftwood Media", "Sam Tester", ["F-311"])
        assert await wait_until(pilot, lambda: "told 2026-11-24 by Sam Tester" in text_of(app, "#loop-account"))
        assert "1 told, 4 to tell" in text_of(app, "#loop-summary")

        await press(pilot, "escape", "escape")  # the loop view, the opportunities
        await press(pilot, "slash")
        await settle(pilot)
        await press(pilot, Typed("id:F-311"))
        await settle(pilot)
        await press(pilot, "enter")
        await settle(pilot)
        assert app.active_pane.feedback_list.current.id == "F-311"
        assert "told         Driftwood Media, O-4, 2026-11-24 by Sam Tester" in text_of(app, "#detail")

        await press(pilot, "u")
        assert demo_store.get("O-4").told == []
        assert await wait_until(pilot, lambda: "Driftwood Media, O-4" not in text_of(app, "#detail"))


async def test_u_in_the_loop_view_takes_the_telling_back_and_the_view_says_so(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_opportunity(pilot, "O-4")
        await press(pilot, "c", "t")
        assert len(demo_store.get("O-4").told) == 1
        await press(pilot, "u")
        assert demo_store.get("O-4").told == []
        assert await wait_until(pilot, lambda: "not told yet" in text_of(app, "#loop-account"))
        assert "0 told, 5 to tell" in text_of(app, "#loop-summary")


async def test_an_opportunity_not_shipped_cannot_be_told_and_says_why_in_one_line(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_opportunity(pilot, "O-1")  # in progress
        await press(pilot, "c", "t")
        assert demo_store.get("O-1").told == []
        refusal = [m for m in messages(app) if "has not shipped" in m]
        assert refusal and "\n" not in refusal[0]


async def test_w_in_the_loop_view_writes_the_list_as_markdown_to_the_path_typed(demo_store, make_app, tmp_path):
    app = make_app(demo_store)
    target = tmp_path / "o4-loop.md"
    async with app.run_test(size=SIZE) as pilot:
        await open_opportunity(pilot, "O-4")
        await press(pilot, "c", "t", "w", "2")  # 2: Markdown
        field = app.screen.query_one(Input)
        field.value = str(target)
        await press(pilot, "enter")
        assert await wait_until(pilot, target.exists)
    written = target.read_text(encoding="utf-8")
    assert written.startswith("# Close the loop: O-4 Smarter dunning schedules")
    assert "| Driftwood Media | Freya Doyle |" in written and "2026-11-24 by Sam Tester" in written


def ship_and_tell(store) -> None:
    """On the demo: O-1 linked to an issue, O-4 shipped on 2026-11-20 and Driftwood Media told."""
    links.link(store, "O-1", ISSUE)
    opportunities.set_status(store, "O-4", "in_progress")
    opportunities.set_status(store, "O-4", "shipped", shipped_at="2026-11-20T10:00:00Z")
    loop.told(store, "O-4", ["Driftwood Media"])


async def test_the_metrics_pane_shows_the_roadmap_figures_and_their_rows_open_the_opportunity(demo_store, make_app):
    ship_and_tell(demo_store)
    expected = roadmap.with_roadmap(figures.compute(demo_store, period.last_days(30, now=DEMO_NOW), now=DEMO_NOW), demo_store)
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "5")
        await settle(pilot)
        listing = app.query_one("#figure-list", KeyList)
        ids, texts = option_ids(listing), option_texts(listing)
        assert ids.index("section:roadmap") == ids.index("section:opportunities") + 3  # after the opportunities' two figures
        for key in ("feedback_reached_roadmap_pct", "median_days_first_ask_to_shipped", "accounts_told_within_14_days_pct"):
            figure = expected.figure(key)
            row = texts[ids.index(f"figure:{key}")]
            assert row.startswith(figure.label) and f" {value_text(figure.value, figure.unit)} " in row, row
        assert expected.figure("accounts_told_within_14_days_pct").value == 100  # 1 of 1: the others' 14 days have not passed
        assert expected.figure("median_days_first_ask_to_shipped").unit == "days"

        listing.highlighted = ids.index("figure:median_days_first_ask_to_shipped")
        await pilot.pause()
        assert "n = 1" in str(app.query_one("#figure-detail", Static).content)
        breakdown = app.query_one("#breakdown", KeyList)
        (row,) = [text for text in option_texts(breakdown) if text.startswith("O-4")]
        assert "2026-11-20" in row and "1/5 told" in row and "Smarter dunning schedules" in row
        await press(pilot, "tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, OpportunitiesScreen) and app.screen.current_id == "O-4"

        await press(pilot, "escape")
        listing.highlighted = ids.index("figure:feedback_reached_roadmap")
        await pilot.pause()
        assert any(text.startswith("O-1") and "northwind/ledger#812" in text for text in option_texts(breakdown))


async def test_from_linked_feedback_to_an_issue_to_shipped_to_told_with_the_keyboard(demo_store, make_app, github, monkeypatch):
    """The PM synced northwind/ledger from a shell; in the app P pushes O-1 (the repository offered
    is the synced one, what would be sent is shown first, y sends it in a worker thread); the issue
    closes upstream, the next sync ships O-1; c then t tells its first account."""
    sync_github(demo_store, REPO, api_url=github.api_url, token=TOKEN)
    pushed_on: list[str] = []
    push_github = push.push_github

    def spy(*args, **kwargs):
        pushed_on.append(threading.current_thread().name)
        return push_github(*args, **kwargs)

    monkeypatch.setattr(push, "push_github", spy)
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_opportunity(pilot, "O-1")
        await press(pilot, "P")
        assert isinstance(app.screen, CheckedTextScreen) and app.screen.query_one(Input).value == REPO
        await press(pilot, "enter")
        await settle(pilot)
        assert isinstance(app.screen, PushScreen)
        shown = text_of(app, "#push-draft")
        assert shown.startswith(f"would create an issue in {REPO}") and "<!-- prodops:evidence O-1 -->" in shown
        assert "Saltbox Coffee Roasters" in shown and TOKEN not in shown
        assert github.asked_as("POST") == []  # nothing sent before y

        await press(pilot, "y")
        await settle(pilot)
        assert await wait_until(pilot, lambda: any(link.pushed for link in demo_store.get("O-1").links)), messages(app)
        (made,) = demo_store.get("O-1").links
        assert made.key == f"{REPO}#1" and len(github.asked_as("POST")) == 1
        assert any(f"O-1: created {REPO}#1 {made.url}" in m for m in messages(app))
        assert len(pushed_on) == 1 and pushed_on[0] != threading.main_thread().name  # never on the event loop
        assert await wait_until(pilot, lambda: f"{REPO}#1" in text_of(app, "#opportunity-text"))

        github.close(1, REPO, reason="completed")
        sync_github(demo_store, REPO, api_url=github.api_url, token=TOKEN)  # from the shell, as the PM would
        assert demo_store.get("O-1").status == "shipped"
        assert await wait_until(pilot, lambda: "closed: completed" in text_of(app, "#opportunity-text"))

        await press(pilot, "c", "t")
        first = loop.loop_for(demo_store, "O-1").accounts[0]
        assert first.told and first.told_by == "Sam Tester"


async def test_push_refuses_a_repository_that_is_not_one_in_one_line_and_esc_sends_nothing(demo_store, make_app, github):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_opportunity(pilot, "O-1")
        await press(pilot, "P")
        assert app.screen.query_one(Input).value == ""  # nothing synced, nothing linked: nothing to offer
        await press(pilot, Typed("northwind ledger"), "enter")
        assert isinstance(app.screen, CheckedTextScreen)
        assert text_of(app, "#hint") == "'northwind ledger' is not a repository: say OWNER/REPO, e.g. rails/rails"
        app.screen.query_one(Input).value = REPO
        await press(pilot, "enter")
        await settle(pilot)
        assert isinstance(app.screen, PushScreen)
        await press(pilot, "escape")
        await settle(pilot)
        assert isinstance(app.screen, OpportunitiesScreen)
        assert github.asked == [] and demo_store.get("O-1").links == []


# --- snapshots (the demo, the fixed clock, 120x40; toasts cleared before the picture) ------------


def keys_then_settle(*steps: str | Typed):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, *steps)
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    return run_before


def test_snapshot_an_opportunity_linked_to_an_issue(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("O", "l", Typed(ISSUE), "enter"), terminal_size=SIZE)


def test_snapshot_the_close_the_loop_view_with_one_account_told(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("O", "j", "j", "c", "t", "j"), terminal_size=SIZE)


def test_snapshot_what_a_push_would_send(snap_compare, demo_store, make_app, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)  # the screen says the push would be refused
    assert snap_compare(make_app(demo_store), run_before=keys_then_settle("O", "P", Typed(REPO), "enter"), terminal_size=SIZE)


def test_snapshot_the_roadmap_figures_behind_shipped(snap_compare, demo_store, make_app):
    ship_and_tell(demo_store)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, "5")
        await settle(pilot)
        listing = pilot.app.query_one("#figure-list", KeyList)
        listing.highlighted = option_ids(listing).index("figure:accounts_told_within_14_days_pct")
        await settle(pilot)

    assert snap_compare(make_app(demo_store), run_before=run_before, terminal_size=SIZE)
