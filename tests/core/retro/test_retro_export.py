"""User stories for prodops_tui.core.retro.export and `prodops export retro`: a retro goes to the team's
wiki as Markdown, or to a script as JSON, without showing cards the room has not seen yet."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from prodops_tui.core.demo import fill_demo
from prodops_tui.core.errors import InvalidInput, NotFound
from prodops_tui.core.retro import actions as retro_actions
from prodops_tui.core.retro import board as retros
from prodops_tui.core.retro.export import RETRO_FORMATS, export_retro, retro_record
from prodops_tui.core.retro.templates import SHIPPED_TEMPLATES
from prodops_tui.core.storage.store import Store

from ...conftest import CliResult, fixed_clock

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)
HIDDEN_R2_TEXTS = (
    "Instalments slipped again because of the card-provider migration",
    "CS got the reconciliation preview a week early",
    "payout-report",
)


pytestmark = pytest.mark.usefixtures("utc_local_zone")  # "next friday" means 09:00 local


@pytest.fixture
def demo(workspace):
    """The demo organisation in the test's workspace (the one the `prodops` fixture uses too)."""
    store = Store.open(workspace, clock=fixed_clock)
    fill_demo(store, now=NOW)
    yield store
    store.close()


def one_line_error(result: CliResult, code: int) -> str:
    assert result.returncode == code, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("prodops: error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def template(name: str):
    return next(t for t in SHIPPED_TEMPLATES if t.name == name)


def new_retro(store: Store, *cards: tuple[str, str], participants=("Ann", "Bob")):
    retro = retros.start_retro(store, template("Start/Stop/Continue"), team="Web squad", participants=participants)
    retros.move_phase(store, retro.id, +1)
    for column, text in cards:
        retros.add_card(store, retro.id, column, text)
    return retros.get_retro(store, retro.id)


def section(markdown: str, heading: str) -> str:
    """The text under `heading` up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    lines = markdown.splitlines()
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines))
                if lines[i].startswith("#") and len(lines[i].split(" ")[0]) <= len(level)), len(lines))
    return "\n".join(lines[start:end])


# --- Markdown --------------------------------------------------------------------------------------


def test_markdown_of_the_closed_demo_retro(demo):
    md = export_retro(demo, "R-1", "md")
    lines = md.splitlines()
    assert lines[0] == "# R-1 · Billing squad — sprint 46 retro"
    assert "Team: Billing squad · Template: Start/Stop/Continue · Held: 2026-11-10" in md
    assert "Phase: Closed (closed 2026-11-10)" in md and "Area: Billing" in md and "Facilitator: Amara Nwosu" in md
    assert "12 cards · 3 groups · 15 of 15 votes cast · 6 actions (4 open)" in lines
    # Each column with its card count, and the group each card is in.
    for column in ("Start", "Stop", "Continue"):
        assert f"### {column} (4)" in lines
    stop = section(md, "### Stop (4)")
    assert "- Merging on Friday afternoons (in Release hygiene)" in stop
    assert "- Skipping design review for 'small' UI changes (Aisha Rahman; 1 vote)" in stop
    assert "- Time-boxing spikes to two days (Tomás Herrera; 2 votes)" in section(md, "### Start (4)")
    assert "The \\[WIP\\] label on draft PRs" in section(md, "### Continue (4)")


def test_markdown_lists_topics_by_votes_with_their_notes(demo):
    md = export_retro(demo, "R-1", "md")
    topics = section(md, "## Topics by votes")
    headings = [line for line in topics.splitlines() if line.startswith("### ")]
    assert headings[:4] == [
        "### 6 votes · Release hygiene (group)",
        "### 4 votes · Talk to support earlier (group)",
        "### 2 votes · Time-boxing spikes to two days (card)",
        "### 1 vote · Keep the triage habit (group)",
    ]
    votes = [int(h.split(" ")[1]) for h in headings]
    assert votes == sorted(votes, reverse=True)
    assert "> No merges after 15:00 on Fridays. Quarantine the flaky tax-rate test this week; Tomás owns the fix." in \
        section(topics, "### 6 votes · Release hygiene (group)")
    assert "\\#team-billing and \\#support first." in section(topics, "### 4 votes · Talk to support earlier (group)")


def test_markdown_lists_actions_with_owners_due_dates_and_status(demo):
    actions = section(export_retro(demo, "R-1", "md"), "## Actions").strip().splitlines()
    assert actions == [
        ("- [ ] T-1 Quarantine the flaky tax-rate test and open a ticket to fix it — Tomás Herrera, due 2026-11-19, "
         "from “Release hygiene”"),
        ("- [ ] T-2 Write a one-page guide to PDF template changes and share it with support — Priya Raman, "
         "Aisha Rahman, due 2026-11-22, from “Talk to support earlier”"),
        ("- [ ] T-3 Invite a support engineer to every sprint review — Priya Raman, due 2026-11-26, "
         "from “Talk to support earlier”"),
        ("- [x] T-4 Add the no-merge-after-15:00-on-Friday rule to the team README — Tomás Herrera, due 2026-11-14, "
         "from “Release hygiene” (done)"),
        ("- [ ] T-5 Generate the release-note draft from PR labels — Oliver Grant, due 2026-11-21, "
         "from “Release hygiene” (dropped)"),
        ("- [ ] T-6 Bring customer quotes from triage to every sprint review — Priya Raman, no due date, "
         "from “Keep the triage habit”"),
    ]


def test_markdown_of_a_retro_mid_reflect_hides_the_unrevealed_cards(demo):
    md = export_retro(demo, "R-2", "md")
    assert "Phase: Reflect (in progress)" in md
    for text in HIDDEN_R2_TEXTS:
        assert text not in md
    assert "Third on-call page this sprint for the payout job" in md  # revealed ones show
    for column, shown in (("Mad", 2), ("Sad", 1), ("Glad", 2)):
        cards = section(md, f"### {column} ({shown})")
        assert "- 1 card not revealed yet" in cards
    assert md.count("not revealed yet") == 3
    assert "## Topics by votes" not in md
    assert "No actions yet." in md


def test_the_hidden_count_says_cards_for_more_than_one(store):
    retro = new_retro(store, ("Start", "secret one"), ("Start", "secret two"))
    md = export_retro(store, retro.id, "md")
    assert "- 2 cards not revealed yet" in section(md, "### Start (2)")
    assert "secret" not in md
    retros.reveal(store, retro.id)
    md = export_retro(store, retro.id, "md")
    assert "- secret one" in md and "- secret two" in md and "not revealed" not in md


def test_a_retro_without_cards_says_so(store):
    retro = retros.start_retro(store, template("Mad/Sad/Glad"), team="Web squad")
    md = export_retro(store, retro.id, "md")
    assert "No cards." in section(md, "## Cards")
    assert all(f"### {c} (0)" in md for c in ("Mad", "Sad", "Glad"))
    assert "0 cards · 0 groups" in md and "No actions yet." in md
    assert "Phase: Check-in (in progress)" in md


def test_markdown_special_characters_in_user_text_stay_literal(store):
    retro = retros.start_retro(store, template("Start/Stop/Continue"), team="Web | squad", title="Retro #12 *final*",
                               participants=["Ann_B"])
    retros.move_phase(store, retro.id, +1)
    retros.add_card(store, retro.id, "Start", "Use `make` *not* _npm_ <script>alert(1)</script> | [link](http://x) \\o/",
                    author="Ann_B")
    retros.add_card(store, retro.id, "Stop", "Two\n# lines")
    retros.reveal(store, retro.id)
    md = export_retro(store, retro.id, "md")
    assert md.splitlines()[0] == "# R-1 · Retro \\#12 \\*final\\*"
    assert "Team: Web \\| squad" in md
    assert ("- Use \\`make\\` \\*not\\* \\_npm\\_ \\<script\\>alert(1)\\</script\\> \\| \\[link\\](http://x) \\\\o/ (Ann\\_B)"
            in md)
    assert "- Two \\# lines" in md  # one line per card: a newline in a card cannot start a heading
    assert "<script>" not in md and "*not*" not in md


def test_notes_keep_their_lines_as_a_quote(store):
    retro = new_retro(store, ("Start", "one"))
    for _ in range(4):
        retros.move_phase(store, retro.id, +1)  # to Actions, past Discuss
    retros.set_notes(store, retro.id, "card:1", "First *point*\n\n# second")
    md = export_retro(store, retro.id, "md")
    quote = section(md, "### 0 votes · one (card)")
    assert "> First \\*point\\*\n>\n> \\# second" in quote


def test_markdown_checkin_lists_the_earlier_actions_reviewed(demo):
    retro = retros.start_retro(demo, template("Sailboat"), team="Billing squad")
    retro_actions.set_action_status(demo, "T-1", "done")
    checkin = section(export_retro(demo, retro.id, "md"), "## Check-in: actions from earlier retros").strip().splitlines()
    assert [line.split("] ")[1].split(" ")[0] for line in checkin] == ["T-1", "T-2", "T-3", "T-6"]
    assert checkin[0] == ("- [x] T-1 Quarantine the flaky tax-rate test and open a ticket to fix it — done, Tomás Herrera, "
                          "due 2026-11-19")
    assert checkin[3].endswith("— open, Priya Raman, no due date")


def test_actions_of_a_new_retro_with_no_owner_and_a_topic(store):
    retro = new_retro(store, ("Start", "Demos"))
    for _ in range(4):
        retros.move_phase(store, retro.id, +1)
    retro_actions.add_action(store, retro.id, "Book the demo room", due="2026-12-01", topic="card:1")
    md = export_retro(store, retro.id, "md")
    assert "- [ ] T-1 Book the demo room — no owner, due 2026-12-01, from “Demos”" in md



def test_markdown_shows_the_readers_day_of_a_due_date_near_midnight(store, monkeypatch):
    """A due instant late in the UTC evening is already the next day in Auckland: the export says
    the day its reader lives in (the first ten characters of the stored time said the day before)."""
    import time

    retro = new_retro(store, ("Start", "Demos"))
    for _ in range(4):
        retros.move_phase(store, retro.id, +1)
    retro_actions.add_action(store, retro.id, "Book the demo room", due="2026-11-30T23:30:00Z", topic="card:1")
    monkeypatch.setenv("TZ", "Pacific/Auckland")  # UTC+13 in December
    time.tzset()
    try:
        md = export_retro(store, retro.id, "md")
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
    assert "Book the demo room — no owner, due 2026-12-01" in md
    assert json.loads(export_retro(store, retro.id, "json"))["actions"][0]["due"] == "2026-11-30T23:30:00Z"  # machine form: UTC

# --- JSON ------------------------------------------------------------------------------------------


def test_json_of_the_closed_demo_retro_parses_and_has_the_fields(demo):
    record = json.loads(export_retro(demo, "R-1", "json"))
    assert {"id", "title", "team", "template", "phase", "held_on", "closed_at", "participants", "columns", "cards", "groups",
            "topics", "checkin", "actions", "summary"} <= record.keys()
    assert (record["id"], record["phase"], record["team"], record["area"]) == ("R-1", "closed", "Billing squad", "Billing")
    assert len(record["cards"]) == 12 and all(c["text"] and not c["hidden"] for c in record["cards"])
    assert [(g["number"], g["title"], g["cards"]) for g in record["groups"]] == [
        (1, "Release hygiene", [1, 5, 8]), (2, "Talk to support earlier", [2, 3, 6]), (3, "Keep the triage habit", [9, 10])]
    assert record["topics"][0]["key"] == "group:1" and record["topics"][0]["votes"] == 6
    assert [t["votes"] for t in record["topics"]] == sorted((t["votes"] for t in record["topics"]), reverse=True)
    assert [a["id"] for a in record["actions"]] == ["T-1", "T-2", "T-3", "T-4", "T-5", "T-6"]
    assert record["actions"][1]["owners"] == ["Priya Raman", "Aisha Rahman"]
    assert record["actions"][5]["due"] is None and record["actions"][3]["status"] == "done"
    assert record["summary"] == {"cards": 12, "groups": 3, "votes_cast": 15, "votes_possible": 15, "actions": 6,
                                 "actions_open": 4}
    assert record == retro_record(demo, retros.get_retro(demo, "R-1"))


def test_json_of_a_retro_mid_reflect_holds_no_hidden_text(demo):
    exported = export_retro(demo, "R-2", "json")
    for text in HIDDEN_R2_TEXTS:
        assert text not in exported
    record = json.loads(exported)
    assert record["phase"] == "reflect" and record["closed_at"] is None
    hidden = [c for c in record["cards"] if c["hidden"]]
    assert len(hidden) == 3 and all(c["text"] is None and c["author"] is None for c in hidden)
    assert all(t["title"] is None for t in record["topics"] if t["key"] in {f"card:{c['number']}" for c in hidden})
    shown = [c for c in record["cards"] if not c["hidden"]]
    assert [c["text"] for c in shown] == ["3DS failure rate down from 4% to 1.2% after the fix",
                                         "Third on-call page this sprint for the payout job"]


def test_json_keeps_user_text_exactly(store):
    retro = new_retro(store, ("Start", "Use `make` *not* <b>npm</b> [x] \"quoted\" — ünïcode 🎉"))
    retros.reveal(store, retro.id)
    record = json.loads(export_retro(store, retro.id, "json"))
    assert record["cards"][0]["text"] == "Use `make` *not* <b>npm</b> [x] \"quoted\" — ünïcode 🎉"


# --- refusals --------------------------------------------------------------------------------------


def test_only_md_and_json_and_only_known_retros(store):
    assert RETRO_FORMATS == ("md", "json")
    retro = retros.start_retro(store, template("4Ls"), team="Web squad")
    with pytest.raises(InvalidInput, match="md or json, not 'csv'"):
        export_retro(store, retro.id, "csv")
    with pytest.raises(NotFound, match="no retro R-9"):
        export_retro(store, "R-9", "md")
    assert export_retro(store, " r-1 ", "md").startswith("# R-1 · ")


# --- the command line ------------------------------------------------------------------------------


def test_cli_exports_a_retro_as_markdown_or_json(demo, prodops):
    expected_md = export_retro(demo, "R-1", "md")
    expected_json = export_retro(demo, "R-1", "json")
    md = prodops("export", "retro", "R-1", "--format", "md")
    assert (md.returncode, md.stderr) == (0, "")
    assert md.stdout == expected_md
    plain = prodops("export", "retro", "R-1")  # Markdown by default
    assert plain.returncode == 0 and plain.stdout == expected_md
    as_json = prodops("export", "retro", "r-1", "--format", "json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == json.loads(expected_json)


def test_cli_writes_the_file_named_by_o(demo, prodops, tmp_path):
    out = tmp_path / "retro.md"
    result = prodops("export", "retro", "R-1", "--format", "md", "-o", str(out))
    assert (result.returncode, result.stdout) == (0, "")
    assert out.read_text(encoding="utf-8") == export_retro(demo, "R-1", "md")
    by_name = tmp_path / "retro.json"
    assert prodops("export", "retro", "R-2", "-o", str(by_name)).returncode == 0
    assert json.loads(by_name.read_text(encoding="utf-8"))["id"] == "R-2"


def test_cli_refuses_an_unknown_retro_with_one_line_and_exit_1(demo, prodops):
    line = one_line_error(prodops("export", "retro", "R-9", "--format", "md"), 1)
    assert "no retro R-9" in line


def test_cli_refuses_a_format_a_retro_has_not_with_exit_2(demo, prodops, tmp_path):
    result = prodops("export", "retro", "R-1", "--format", "csv")
    assert result.returncode == 2 and result.stdout == ""
    assert "md or json" in result.stderr and "Traceback" not in result.stderr
    out = tmp_path / "retro.csv"
    assert prodops("export", "retro", "R-1", "-o", str(out)).returncode == 2
    assert not out.exists()
    assert prodops("export", "retro").returncode == 2  # which retro?
