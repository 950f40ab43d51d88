"""Exporting feedback: spreadsheets get text, never formulas; Markdown keeps user text literal."""

from __future__ import annotations

import csv
import io
import json

from prodops_tui.core.feedback import inbox
from prodops_tui.core.feedback.exporters import FEEDBACK_COLUMNS, export_feedback


def test_csv_neutralises_cells_a_spreadsheet_would_run_as_formulas(store):
    inbox.capture(store, "=HYPERLINK(\"https://evil.example\",\"click\")", customer="+1 555 0100", source="@twitter")
    inbox.capture(store, "-2 stars, plain text", customer="Acme")
    rows = list(csv.DictReader(io.StringIO(export_feedback(store, inbox.list_feedback(store, status="all"), "csv"))))
    by_id = {row["id"]: row for row in rows}
    assert by_id["F-1"]["text"] == "'=HYPERLINK(\"https://evil.example\",\"click\")"
    assert by_id["F-1"]["customer"] == "'+1 555 0100"
    assert by_id["F-1"]["source"] == "'@twitter"
    assert by_id["F-2"]["text"] == "'-2 stars, plain text"
    assert by_id["F-2"]["customer"] == "Acme"
    assert list(rows[0].keys()) == list(FEEDBACK_COLUMNS)


def test_csv_round_trips_newlines_commas_and_quotes(store):
    inbox.capture(store, 'Line one, with "quotes"\nline two', tags=["export", "ux"])
    (row,) = csv.DictReader(io.StringIO(export_feedback(store, inbox.list_feedback(store), "csv")))
    assert row["text"] == 'Line one, with "quotes"\nline two'
    assert row["tags"] == "export; ux"


def test_json_carries_the_contract_fields(store):
    inbox.capture(store, "Export please", customer="Acme", importance="high")
    (record,) = json.loads(export_feedback(store, inbox.list_feedback(store), "json"))
    assert {"id", "text", "title", "customer", "source", "area", "tags", "importance", "status", "received_at",
            "created_at", "triaged_at", "snoozed_until", "opportunity", "duplicate_of"} <= record.keys()
    assert (record["id"], record["importance"], record["status"]) == ("F-1", "high", "new")


def test_markdown_keeps_markup_in_user_text_literal(store):
    inbox.capture(store, "# not a heading\n<script>alert(1)</script> [link](https://evil.example) *bold*", customer="A|B")
    md = export_feedback(store, inbox.list_feedback(store), "md")
    assert "> \\# not a heading" in md
    assert "\\<script\\>" in md and "\\[link\\](https://evil.example)" in md and "\\*bold\\*" in md
    assert "customer: A\\|B" in md
    assert md.startswith("# Feedback (1 items)")


def test_opportunities_export_carries_volume_and_who_asked(store):
    from prodops_tui.core.feedback import opportunities
    from prodops_tui.core.feedback.exporters import export_opportunities

    shipped = opportunities.create(store, "Dark mode")
    inbox.capture(store, "Dark mode please", customer="=Acme", importance="high")
    inbox.capture(store, "Night theme?", customer="Globex")
    inbox.update(store, ["F-1", "F-2"], inbox.Triage(opportunity=shipped.id))
    opportunities.set_status(store, shipped.id, "shipped")

    (record,) = json.loads(export_opportunities(store, "json"))
    assert (record["id"], record["status"], record["feedback"], record["customers"], record["score"]) == (shipped.id, "shipped", 2, 2, 4)
    assert record["customers_who_asked"] == [{"customer": "=Acme", "feedback": ["F-1"]}, {"customer": "Globex", "feedback": ["F-2"]}]
    (row,) = csv.DictReader(io.StringIO(export_opportunities(store, "csv")))
    assert row["customers_who_asked"] == "'=Acme (F-1); Globex (F-2)"
    md = export_opportunities(store, "md")
    assert "Close the loop with:" in md and "- =Acme (F-1)" in md


def test_an_imported_issue_carries_its_link_votes_key_and_state_and_an_opportunity_its_tracker_links(store):
    """The contract: feedback JSON carries url, votes, source_key; opportunities carry links
    (tracker URLs with their upstream state), in JSON and in the CSV's links cell."""
    from pathlib import Path

    from prodops_tui.core.feedback import links, opportunities
    from prodops_tui.core.feedback.exporters import export_opportunities
    from prodops_tui.core.importers import import_feedback

    sample = Path(__file__).resolve().parents[2] / "data" / "intake" / "github_issues_rest.json"
    import_feedback(store, sample)
    issue = next(r for r in json.loads(export_feedback(store, inbox.list_feedback(store, status="all"), "json"))
                 if r["source_key"] == "github:matomo-org/matomo#11993")
    assert issue["url"] == "https://github.com/matomo-org/matomo/issues/11993"
    assert issue["votes"] == 0 and issue["upstream_state"] == "closed: completed"
    opportunity = opportunities.create(store, "Faster archiving")
    links.link(store, opportunity.id, "https://github.com/matomo-org/matomo/issues/11993")
    (record,) = json.loads(export_opportunities(store, "json"))
    assert [(link["url"], link["tracker"], link["key"]) for link in record["links"]] == [
        ("https://github.com/matomo-org/matomo/issues/11993", "github", "matomo-org/matomo#11993")]
    (row,) = csv.DictReader(io.StringIO(export_opportunities(store, "csv")))
    assert row["links"] == "https://github.com/matomo-org/matomo/issues/11993"
