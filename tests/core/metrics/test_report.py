"""The report as Markdown and JSON, and the period it covers."""

from __future__ import annotations

import json
import re
from datetime import timezone
from pathlib import Path

import pytest

from prodops_tui.core.dates import DateParseError
from prodops_tui.core.errors import InvalidInput
from prodops_tui.core.metrics import figures, period, report, roadmap
from prodops_tui.core.model import FeedbackItem, ProductArea

from .conftest import NOW

UTC = timezone.utc
REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "REFERENCE.md"


def documented_report_fields() -> tuple[set[str], set[str]]:
    """The report's top-level fields and figure keys as docs/REFERENCE.md's table lists them:
    the test holds the JSON to the documented contract, not to a copy of it kept here."""
    text = REFERENCE.read_text(encoding="utf-8")
    table = text[text.index("**The report**"):].split("\n\n")[1]
    top, figure_keys = set(), set()
    for row in table.splitlines()[2:]:
        cells = row.split(" | ")
        names = re.findall(r"`([a-z_]+)`", cells[0])
        top.update(names)
        if names == ["figures"]:
            held = cells[1].split("; each")[0]
            figure_keys.update(re.findall(r"`([a-z_0-9]+)`", held))
    return top, figure_keys


TOP_LEVEL, FIGURES_DOCUMENTED = documented_report_fields()
# Without CODEOWNERS rules imported, that figure is left out, not 0.
FIGURES = FIGURES_DOCUMENTED - {"codeowners_rules_owned_pct"}


def thirty_days(store):
    return roadmap.with_roadmap(figures.compute(store, period.last_days(30, now=NOW, tz=UTC), now=NOW, tz=UTC), store)


def test_json_has_the_field_names_the_reference_documents(metrics_store):
    store, _ = metrics_store
    found = thirty_days(store)
    data = json.loads(report.json_text(found))
    assert set(data) == TOP_LEVEL
    assert set(data["figures"]) == FIGURES  # no CODEOWNERS rules imported: that figure is left out, not 0
    for key, value in data["figures"].items():
        assert set(value) == {"label", "value", "previous", "change", "unit", "section"}, key
        assert value["value"] == pytest.approx(found.figure(key).value, abs=0.01)
    assert data["period"] == {"label": "last 30 days", "start": "2026-10-25T15:00:00Z", "end": "2026-11-24T15:00:00Z",
                              "days": 30, "previous": {"start": "2026-09-25T15:00:00Z", "end": "2026-10-25T15:00:00Z"}}
    assert sum(b["count"] for b in data["received_per_bucket"]["buckets"][-4:]) <= data["figures"]["received"]["value"]
    assert {entry["figure"] for entry in data["not_computed"]} == {"median_hours_to_link", "nudges"}


def test_markdown_has_the_sections_a_weekly_review_reads(metrics_store):
    store, _ = metrics_store
    text = report.to_markdown(thirty_days(store), tz=UTC)
    for heading in ("# Product-ops report: last 30 days", "## What changed", "## Feedback flow", "### By source",
                    "### By area", "### New backlog by age", "## Feedback to insight", "### Top opportunities",
                    "## Ownership", "### Gaps", "### People who left and still own something", "## Rituals",
                    "### Overdue actions", "### Checklists", "## Not computed"):
        assert f"\n{heading}\n" in f"\n{text}", heading
    assert "| Feedback received |" in text


def test_user_text_cannot_break_a_table_or_reach_the_terminal(metrics_store):
    store, _ = metrics_store
    nasty = "Pipe | star * <script>x</script>\nnew line \x1b]0;title\x07 \u202eevil"
    with store.change("nasty names") as tx:
        area = tx.add(ProductArea(name=nasty))
        tx.add(FeedbackItem(text="x", source=nasty, area=area.id, received_at="2026-11-20T10:00:00Z"))
    text = report.to_markdown(thirty_days(store), tz=UTC)
    rows = [line for line in text.splitlines() if "Pipe" in line]
    assert rows, "the nasty names are in the report"
    for row in rows:
        cells = row.replace("\\|", "").split("|")
        assert row.startswith(("| ", "- ")) and (row.startswith("- ") or len(cells) == 5), row  # name, now, before
        assert "\x1b" not in row and "\x07" not in row and "\u202e" not in row
        assert "<script>" not in row and "\\<script\\>" in row
    assert not any(line.startswith("new line") for line in text.splitlines())  # the newline did not tear a row


def test_a_change_reads_as_people_say_it():
    count = figures.Figure("x", "X", 12, 10)
    share = figures.Figure("y", "Y", 40.0, 52.5, unit="pct", better="up")
    hours = figures.Figure("z", "Z", 30.0, 20.0, unit="hours", better="down")
    assert [report.change_text(f) for f in (count, share, hours)] == ["+2 (+20%)", "-12 pts", "+10.0 h"]
    assert (report.is_good(share), report.is_good(hours)) == (False, False)
    assert report.change_text(figures.Figure("n", "N", 3, 3)) == "same"
    assert report.change_text(figures.Figure("n", "N", 3, None)) == ""


@pytest.mark.parametrize(("options", "message"), [
    ({"since_text": "blorp"}, "--since: cannot read 'blorp' as a date"),
    ({"since_text": "tomorrow"}, "the period needs a start in the past"),
    ({"from_text": "2026-11-10", "to_text": "2026-11-01"}, "is not after --from"),
    ({"from_text": "nonsense"}, "--from: cannot read 'nonsense'"),
    ({"from_text": "2026-11-01", "to_text": "later"}, "--to: cannot read 'later'"),
    ({"to_text": "2026-11-01"}, "--to needs --from"),
])
def test_a_bad_period_is_one_clear_message(options, message):
    with pytest.raises((InvalidInput, DateParseError)) as raised:
        period.from_options(**{"since_text": None, "from_text": None, "to_text": None, **options}, now=NOW, tz=UTC)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_periods_read_dates_as_everywhere_in_prodops():
    assert period.from_options(since_text=None, from_text=None, to_text=None, now=NOW, tz=UTC).label == "last 30 days"
    seven = period.from_options(since_text="7d", from_text=None, to_text=None, now=NOW, tz=UTC)
    assert (seven.start_iso, seven.end_iso, seven.days, seven.since_query) == ("2026-11-17T15:00:00Z", NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), 7, "7d")
    since = period.since("2026-11-01", now=NOW, tz=UTC)  # a day means 09:00
    assert (since.start_iso, since.previous.start_iso) == ("2026-11-01T09:00:00Z", "2026-10-09T03:00:00Z")
    fixed = period.between("2026-11-01", "2026-12-25", now=NOW, tz=UTC)
    assert (fixed.end_iso, fixed.open_ended) == ("2026-11-24T15:00:00Z", True)  # an end after now stops at now
