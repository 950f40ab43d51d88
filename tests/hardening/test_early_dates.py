"""Dates outside what prodops can show and count (issue 24, defect 9).

`0001-01-01` typed as the metrics pane's `s` date exited the app with an OverflowError (the
period before it would start before the year 1); `prodops report --from 0001-01-01` was an
internal error; `capture --received 0001-01-01` and `update --snooze 9999-12-31` were stored.
Every place a date is typed now refuses a date outside core/dates.py's one range
(FIRST_DAY..LAST_DAY) with one line naming the value and the range: the command line exits 1
with `prodops: error: …`, the app says it in the form or a notification and keeps running, a
file's date column skips the row with the reason, and nothing is stored.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from prodops_tui.core import dates
from prodops_tui.core.dates import DateParseError
from prodops_tui.core.errors import InvalidInput
from prodops_tui.core.feedback.filters import save_view
from prodops_tui.core.feedback.inbox import capture
from prodops_tui.core.importers.run import import_feedback
from prodops_tui.core.model import ActionItem, FeedbackItem, NudgeState, SavedView
from prodops_tui.core.query import parse as parse_query
from prodops_tui.core.retro import actions as retro_actions
from prodops_tui.core.retro import board as retros
from prodops_tui.core.retro.templates import SHIPPED_TEMPLATES
from prodops_tui.core.rituals import nudges
from prodops_tui.core.workspace import Settings

from ..cli.test_cli import assert_one_line_error
from ..conftest import FIXED_NOW
from ..ui.conftest import Typed, messages, press, settle, wait_until

NOW = dates.from_iso(FIXED_NOW)
TOO_EARLY, TOO_LATE = "0001-01-01", "9999-12-31"
OUT_OF_RANGE = [TOO_EARLY, TOO_LATE]
RANGE = "outside the dates prodops can count (1900-01-01 to 2999-12-31)"


def refusal(text: str) -> str:
    return f"{text!r} is {RANGE}"


@pytest.fixture(autouse=True)
def local_time_is_utc(utc_local_zone):
    yield


# --- the command line ------------------------------------------------------------------------


@pytest.mark.parametrize("when", OUT_OF_RANGE)
def test_capture_refuses_a_received_date_out_of_range_and_stores_nothing(prodops, workspace, when):
    line = assert_one_line_error(prodops("capture", "Export is slow", "--received", when))
    assert line == f"prodops: error: {refusal(when)}"
    assert prodops("list", "feedback", "--status", "all", "--json").stdout.strip() == "[]"


@pytest.mark.parametrize("when", OUT_OF_RANGE)
def test_update_refuses_a_snooze_out_of_range_and_changes_nothing(prodops, when):
    assert prodops("capture", "Export is slow").returncode == 0
    line = assert_one_line_error(prodops("update", "F-1", "--snooze", when))
    assert line == f"prodops: error: {refusal(when)}"
    (item,) = json.loads(prodops("list", "feedback", "--json").stdout)
    assert (item["status"], item["snoozed_until"]) == ("new", None)


@pytest.mark.parametrize("args, option, when", [
    (("--from", TOO_EARLY), "--from", TOO_EARLY),
    (("--from", TOO_LATE), "--from", TOO_LATE),
    (("--from", "2026-11-01", "--to", TOO_EARLY), "--to", TOO_EARLY),
    (("--from", "2026-11-01", "--to", TOO_LATE), "--to", TOO_LATE),
    (("--since", TOO_EARLY), "--since", TOO_EARLY),
    (("--since", TOO_LATE), "--since", TOO_LATE),
])
def test_report_refuses_a_window_out_of_range_in_one_line(prodops, args, option, when):
    result = prodops("report", *args)
    line = assert_one_line_error(result)
    assert line == f"prodops: error: {option}: {refusal(when)}"
    assert "internal error" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("command", [("list", "feedback"), ("export", "feedback")])
@pytest.mark.parametrize("when", OUT_OF_RANGE)
def test_a_since_filter_out_of_range_is_refused_in_one_line(prodops, command, when):
    assert prodops("capture", "Export is slow").returncode == 0
    result = prodops(*command, "--filter", f"since:{when}")
    assert assert_one_line_error(result) == f"prodops: error: since: {refusal(when)}"
    assert result.stdout == ""


# --- the core verbs the app's forms and filters call ----------------------------------------


@pytest.mark.parametrize("when", OUT_OF_RANGE)
def test_the_filter_language_and_saved_views_refuse_since_out_of_range(store, when):
    assert parse_query(f"since:{when} export", now=NOW).errors == (f"since: {refusal(when)}",)
    with pytest.raises(InvalidInput) as refused:
        save_view(store, "ancient", f"since:{when}")
    assert str(refused.value) == f"since: {refusal(when)}"
    assert store.count(SavedView) == 0


@pytest.mark.parametrize("when", OUT_OF_RANGE)
def test_a_retro_action_due_out_of_range_is_refused_and_nothing_is_added(store, when):
    ssc = next(t for t in SHIPPED_TEMPLATES if t.name == "Start/Stop/Continue")
    retro = retros.start_retro(store, ssc, team="Web squad")
    with pytest.raises(DateParseError) as refused:
        retro_actions.add_action(store, retro.id, "Fix the flaky build", owners=["Ann"], due=when)
    assert str(refused.value) == refusal(when)
    assert store.count(ActionItem) == 0


def test_a_nudge_snoozed_past_the_range_is_refused(store):
    for _ in range(3):  # new feedback a week old: the stale-feedback nudge is due
        capture(store, "Export is slow", received="7d")
    (nudge, *_) = nudges.due_nudges(store, NOW).shown
    with pytest.raises(DateParseError) as refused:
        nudges.snooze(store, nudge, TOO_LATE)
    assert str(refused.value) == refusal(TOO_LATE)
    assert store.count(NudgeState) == 0


@pytest.mark.parametrize("text", ["in 1000 years", "99999999d", "0000-01-01", "Jan 1 1850", "3000-01-01",
                                  "Jan 1 0001"])  # dateutil alone reads 2001
def test_other_ways_of_reaching_past_the_range_are_refused_the_same_way(text):
    with pytest.raises(DateParseError) as refused:
        dates.parse_since(text, now=NOW)
    assert str(refused.value) == refusal(text)


# --- a file's date column ------------------------------------------------------------------

NOTES_HEADER = "title,text,customer,company,source,tags,created"


def test_an_imported_row_dated_out_of_range_is_skipped_with_a_reason(store, tmp_path: Path):
    notes = tmp_path / "notes.csv"
    notes.write_text("\n".join([NOTES_HEADER, "ok,fine,,,,,2026-11-01", f"early,one,,,,,{TOO_EARLY}",
                                f"late,two,,,,,{TOO_LATE}"]) + "\n", encoding="utf-8")
    result = import_feedback(store, notes)
    assert result.imported == 1
    assert [(s.row, s.column) for s in result.skipped] == [(3, "created"), (4, "created")]
    assert f"{TOO_EARLY!r}" in result.skipped[0].reason and f"{TOO_LATE!r}" in result.skipped[1].reason
    assert [i.title for i in store.all(FeedbackItem)] == ["ok"]


def test_an_imported_timestamp_out_of_range_is_skipped_naming_the_range(store, tmp_path: Path):
    notes = tmp_path / "notes.csv"
    notes.write_text("\n".join([NOTES_HEADER, "early,one,,,,,0001-01-01T00:00:00", "late,two,,,,,9999-12-31 23:59:59",
                                "tweet,three,,,,,Mon Jan 01 00:00:00 +0000 0001"]) + "\n", encoding="utf-8")
    result = import_feedback(store, notes)
    assert (result.imported, len(result.skipped)) == (0, 3)
    assert all(RANGE in s.reason for s in result.skipped)


@contextmanager
def local_zone(monkeypatch: pytest.MonkeyPatch, zone: str) -> Iterator[None]:
    """The process's local time in `zone` for the block, UTC again after it."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        yield
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()


# --- the app -------------------------------------------------------------------------------


@pytest.fixture
def app(store, tmp_path: Path):
    from prodops_tui.ui.app import ProdopsApp

    capture(store, "Export is slow", received="3d")
    return ProdopsApp(store, workspace_label="dates", settings=Settings(tmp_path / "config"),
                      poll_external=False, nudges_at_start=False)


@pytest.mark.parametrize("when", OUT_OF_RANGE)
async def test_metrics_s_with_a_date_out_of_range_keeps_the_app_running_and_says_why(app, when):
    from prodops_tui.ui.panes.metrics import MetricsPane
    from prodops_tui.ui.screens.pickers import TextScreen

    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("5")
        await settle(pilot)
        pane = app.query_one(MetricsPane)
        assert pane.report is not None and pane.report.period.label == "last 30 days"
        await press(pilot, "s", Typed(when))
        assert isinstance(app.screen, TextScreen)
        assert str(app.screen.query_one("#hint").content) == refusal(when)  # said while typing
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: refusal(when) in messages(app))
        await settle(pilot)
        assert app.is_running and app.return_code is None
        assert [m for m in messages(app) if RANGE in m] == [refusal(when)]  # one line, once
        assert pane.report.period.label == "last 30 days"  # the period it had
        assert pane.since_iso is None


@pytest.mark.parametrize("when", OUT_OF_RANGE)
async def test_the_inbox_snooze_refuses_a_date_out_of_range(app, store, when):
    from prodops_tui.ui.screens.pickers import DateScreen

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "s", Typed(when))
        assert isinstance(app.screen, DateScreen)
        assert str(app.screen.query_one("#preview").content) == refusal(when)
        await pilot.press("enter")  # refused: still open, nothing applied
        assert isinstance(app.screen, DateScreen) and app.is_running
    assert store.get("F-1").snoozed_until is None


@pytest.mark.parametrize("when", OUT_OF_RANGE)
async def test_the_feedback_form_refuses_a_received_date_out_of_range(app, store, when):
    from textual.widgets import Input, TextArea

    from prodops_tui.ui.screens.feedback_form import FeedbackForm

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, FeedbackForm)
        app.screen.query_one("#form-text", TextArea).text = "Search is slow"
        app.screen.query_one("#form-received", Input).value = when
        await pilot.pause()
        assert str(app.screen.query_one("#form-hint").content) == refusal(when)
        await pilot.press("ctrl+s")  # refused: the form stays, saying why
        assert isinstance(app.screen, FeedbackForm) and app.is_running
        assert str(app.screen.query_one("#form-hint").content) == refusal(when)
    assert [i.text for i in store.all(FeedbackItem)] == ["Export is slow"]


# --- a stored date from before the range is shown, not a crash -----------------------------


@pytest.mark.parametrize("stored, zone", [("0001-01-01T00:00:00Z", "America/New_York"),
                                          ("9999-12-31T23:59:59Z", "Pacific/Kiritimati")])
def test_a_stored_date_at_the_ends_of_datetime_is_described_as_stored(stored, zone):
    """An older workspace or a hand-edited journal may hold one; in a zone behind (or ahead of)
    UTC its local time would be before the year 1 (after 9999): shown in UTC, as stored."""
    from dateutil import tz

    shown = dates.describe(dates.from_iso(stored), now=NOW, tz=tz.gettz(zone))
    assert shown.split(" (")[0] == {"0001": "Mon 1 Jan 1 00:00", "9999": "Fri 31 Dec 9999 23:59"}[stored[:4]]


async def test_an_item_stored_at_the_start_of_datetime_is_shown_behind_utc(app, store, monkeypatch):
    """An older workspace's item received 0001-01-01T00:00:00Z, opened in New York (UTC-5)."""
    from dataclasses import replace

    with store.change("an older workspace's date") as tx:
        tx.put(replace(store.get("F-1"), received_at="0001-01-01T00:00:00Z"))
    with local_zone(monkeypatch, "America/New_York"):
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.is_running
            assert "received     Mon 1 Jan 1 00:00" in str(app.query_one("#detail").content)  # as stored, UTC


async def test_an_item_snoozed_to_the_end_of_datetime_is_shown_ahead_of_utc(app, store, monkeypatch):
    """A hand-edited journal's snooze until 9999-12-31T23:59:59Z, opened on Kiritimati (UTC+14):
    the Snoozed view's 'until' column and the detail show it as stored."""
    from dataclasses import replace

    from prodops_tui.ui.widgets.feedback_list import FeedbackList

    with store.change("a hand-edited snooze") as tx:
        tx.put(replace(store.get("F-1"), snoozed_until="9999-12-31T23:59:59Z"))
    with local_zone(monkeypatch, "Pacific/Kiritimati"):
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("right_square_bracket")  # the Snoozed view
            await settle(pilot)
            assert app.is_running
            listing = app.query_one(FeedbackList)
            assert listing.show_snoozed and "31 Dec" in listing.render_line(1).text
            assert "snoozed      Fri 31 Dec 9999 23:59" in str(app.query_one("#detail").content)


# --- a checklist's recurrence: a DTSTART typed in an RRULE ---------------------------------


@pytest.mark.parametrize("dtstart", ["00010101T090000Z", "99991231T090000Z"])
def test_a_recurrence_starting_out_of_range_is_refused_in_one_line(dtstart):
    from prodops_tui.core.rituals import checklists

    with pytest.raises(InvalidInput) as refused:
        checklists.parse_recurrence(f"DTSTART:{dtstart} RRULE:FREQ=WEEKLY", now=NOW)
    assert RANGE in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize("dtstart", ["00010101T090000Z", "99991231T090000Z"])
async def test_a_recurrence_typed_out_of_range_in_the_app_is_refused_and_the_app_keeps_running(app, store, dtstart):
    """DTSTART:99991231T090000Z exited the app from the hint, at the first key that made it whole."""
    from textual.widgets import Input

    from prodops_tui.core.model import ChecklistTemplate
    from prodops_tui.ui.screens.pickers import TextScreen

    typed = f"DTSTART:{dtstart} RRULE:FREQ=WEEKLY"
    said = f"recurrence {typed!r}: {refusal('DTSTART:' + dtstart)}"
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("4", "n")
        await press(pilot, Typed("launch"))
        await pilot.press("enter")  # the template; then its recurrence
        await settle(pilot)
        assert isinstance(app.screen, TextScreen)
        app.screen.query_one("#text", Input).value = ""  # the template's own recurrence
        await press(pilot, Typed(typed))
        assert str(app.screen.query_one("#hint").content) == said  # said while typing
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: said in messages(app))
        await settle(pilot)
        assert app.is_running and app.return_code is None
    assert store.count(ChecklistTemplate) == 0
