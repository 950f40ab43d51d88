"""`prodops` from a shell: exit codes, one-line errors, JSON that parses."""

from __future__ import annotations

import csv
import json

import pytest

from prodops_tui import __version__
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import SNAPSHOT_NAME, Store

from ..conftest import FIXED_NOW, TEST_DATA, CliResult, fixed_clock

FEEDBACK_FIELDS = {
    "id", "text", "title", "customer", "source", "area", "tags", "importance", "status",
    "received_at", "created_at", "triaged_at", "snoozed_until", "opportunity", "duplicate_of",
}


def assert_one_line_error(result: CliResult, code: int = 1) -> str:
    assert result.returncode == code, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("prodops: error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_version(prodops):
    result = prodops("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"prodops {__version__}")


def test_capture_prints_the_new_id_and_stores_the_item(prodops, workspace):
    result = prodops("capture", "Export to CSV drops the VAT column", "--customer", "Acme", "--source", "call",
                     "--tag", "Export", "--importance", "high")
    assert (result.returncode, result.stdout.strip()) == (0, "F-1")
    item = Store.open(workspace, clock=fixed_clock).get("F-1")
    assert (item.text, item.customer, item.source, item.tags, item.importance, item.received_at) == (
        "Export to CSV drops the VAT column", "Acme", "call", ["export"], "high", FIXED_NOW)


def test_capture_reads_stdin_and_json_has_the_contract_fields(prodops):
    result = prodops("capture", "-", "--source", "call", "--received", "3d", "--json", stdin="Line one\nline two\n")
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert FEEDBACK_FIELDS <= item.keys()
    assert (item["text"], item["title"], item["received_at"]) == ("Line one\nline two", "Line one", "2026-11-21T15:00:00Z")


def test_escape_sequences_and_markup_are_kept_as_text_without_control_characters(prodops, workspace):
    result = prodops("capture", "[@click=app.quit]win[/] \x1b]0;pwned\x07 \x1b[2J done")
    assert result.returncode == 0
    stored = Store.open(workspace, clock=fixed_clock).get("F-1").text
    assert stored == "[@click=app.quit]win[/] ]0;pwned [2J done"


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (("capture", ""), None, "the feedback text is empty"),
        (("capture", "-"), "", "the feedback text is empty"),
        (("capture", "x", "--received", "blorp"), None, "cannot read 'blorp' as a date"),
        (("update", "F-99", "--status", "archived"), None, "no feedback item F-99"),
        (("capture", "x", "--area", "Biling"), None, "no product area 'Biling'"),
        (("export", "retro", "R-1"), None, "no retro R-1"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_exit_1(prodops, args, stdin, expected):
    assert expected in assert_one_line_error(prodops(*args, stdin=stdin))


def test_report_is_built_and_answers_with_a_report(prodops):
    # It once answered "not available yet"; the contract's `prodops report` now writes the
    # figures (tests/cli/test_report_cli.py checks them).
    result = prodops("report")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Product-ops report: last 30 days")
    assert "not available yet" not in result.stdout + result.stderr


def test_wrong_usage_exits_2(prodops):
    assert prodops("capture").returncode == 2
    assert prodops("update", "F-1").returncode == 2  # nothing to change
    assert prodops("list", "feedback", "--status", "sleeping").returncode == 2


def test_update_triages_several_items_in_one_undoable_change(prodops, workspace):
    for text in ("one", "two", "three"):
        prodops("capture", text)
    result = prodops("update", "F-1", "f-2", "--status", "archived", "--tag", "export", "--json")
    assert result.returncode == 0, result.stderr
    updated = json.loads(result.stdout)
    assert [(i["id"], i["status"], i["tags"], i["triaged_at"]) for i in updated] == [
        ("F-1", "archived", ["export"], FIXED_NOW), ("F-2", "archived", ["export"], FIXED_NOW)]
    listed = json.loads(prodops("list", "feedback", "--json").stdout)
    assert [i["id"] for i in listed] == ["F-3"]
    store = Store.open(workspace, clock=fixed_clock)
    assert store.undoable().label == "archived and tagged export (2 items)"


def test_a_failed_update_changes_nothing(prodops, workspace):
    prodops("capture", "one")
    assert_one_line_error(prodops("update", "F-1", "F-404", "--status", "archived"))
    assert Store.open(workspace, clock=fixed_clock).get("F-1").status == "new"


def test_snoozed_items_leave_new_until_their_date(prodops):
    prodops("capture", "later")
    prodops("capture", "now")
    assert prodops("update", "F-1", "--snooze", "next monday").returncode == 0
    new = json.loads(prodops("list", "feedback", "--json").stdout)
    snoozed = json.loads(prodops("list", "feedback", "--status", "snoozed", "--json").stdout)
    assert [i["id"] for i in new] == ["F-2"]
    assert [(i["id"], i["snoozed_until"]) for i in snoozed] == [("F-1", "2026-11-30T09:00:00Z")]
    after = json.loads(prodops("list", "feedback", "--json", env={"PRODOPS_NOW": "2026-12-01T10:00:00Z"}).stdout)
    assert [i["id"] for i in after] == ["F-2", "F-1"]


def test_list_prints_a_readable_table(prodops):
    prodops("capture", "Invoices are slow", "--customer", "Acme Freight", "--importance", "high")
    lines = prodops("list", "feedback").stdout.splitlines()
    assert lines[0].split()[:4] == ["F-1", "now", "high", "Acme"]
    assert lines[0].endswith("Invoices are slow")


def test_workspace_flag_wins_over_the_environment(prodops, tmp_path):
    other = tmp_path / "other"
    assert prodops("--workspace", str(other), "capture", "elsewhere").returncode == 0
    assert Store.open(other, clock=fixed_clock).count(FeedbackItem) == 1


def test_a_corrupt_workspace_stops_every_command_and_is_not_rewritten(prodops, workspace):
    prodops("capture", "precious")
    (workspace / SNAPSHOT_NAME).write_bytes(b'{"_meta": ')
    for args in (("capture", "more"), ("list", "feedback"), ("update", "F-1", "--status", "archived")):
        line = assert_one_line_error(prodops(*args))
        assert str(workspace / SNAPSHOT_NAME) in line and "prodops doctor" in line
    assert (workspace / SNAPSHOT_NAME).read_bytes() == b'{"_meta": '
    assert prodops("doctor").returncode == 1
    repaired = prodops("doctor", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert [i["text"] for i in json.loads(prodops("list", "feedback", "--json").stdout)] == ["precious"]


def test_demo_fills_an_empty_workspace_and_refuses_a_used_one(prodops, workspace):
    result = prodops("demo")
    assert result.returncode == 0, result.stderr
    assert "feedback" in result.stdout
    store = Store.open(workspace, clock=fixed_clock)
    assert store.count(FeedbackItem) >= 300
    assert "already holds data" in assert_one_line_error(prodops("demo"))


def test_unknown_area_suggests_close_matches(prodops):
    prodops("demo")
    line = assert_one_line_error(prodops("capture", "x", "--area", "Invoises"))
    assert "did you mean" in line and "Invoices" in line


def test_capture_into_an_area_by_name_or_path(prodops):
    prodops("demo")
    by_name = json.loads(prodops("capture", "tax line wrong", "--area", "invoices", "--json").stdout)
    assert by_name["area"].endswith("Invoices")
    by_path = json.loads(prodops("capture", "tax again", "--area", by_name["area"].replace(" / ", "/"), "--json").stdout)
    assert by_path["area_id"] == by_name["area_id"]


def test_export_writes_a_private_file_in_the_format_its_name_says(prodops, tmp_path):
    prodops("capture", "=1+1 is not a formula here", "--customer", "Acme")
    out = tmp_path / "feedback.json"
    result = prodops("export", "feedback", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())[0]["text"] == "=1+1 is not a formula here"
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    csv_text = prodops("export", "feedback", "--status", "new").stdout
    assert csv_text.splitlines()[1].startswith("F-1,'=1+1 is not a formula here")
    assert prodops("export", "feedback", "-o", str(tmp_path / "feedback.xlsx")).returncode == 2


def test_import_of_the_real_exports_needs_no_flags_and_adds_nothing_twice(prodops, workspace):
    reviews = TEST_DATA / "app_store_reviews.csv"
    tweets = TEST_DATA / "support_tweets.csv"
    first = prodops("import", "feedback", str(reviews))
    assert (first.returncode, first.stdout.strip()) == (0, "imported 800, already present 0, skipped 0 (preset app-store-reviews)")
    again = json.loads(prodops("import", "feedback", str(reviews), "--json").stdout)
    assert (again["imported"], again["duplicates"]) == (0, 800)
    dry = prodops("import", "feedback", str(tweets), "--dry-run")
    assert "would import 49" in dry.stdout and "ignored 44" in dry.stdout
    assert Store.open(workspace, clock=fixed_clock).count(FeedbackItem) == 800
    assert prodops("import", "feedback", str(tweets)).returncode == 0
    assert Store.open(workspace, clock=fixed_clock).count(FeedbackItem) == 849


def test_import_skips_bad_rows_with_their_row_number_and_imports_the_rest(prodops, tmp_path):
    notes = tmp_path / "notes.csv"
    notes.write_bytes(b"\xef\xbb\xbftitle;text;customer;created\nA;Export is slow;Bob;2026-11-01\nB;;Al;2026-11-02\nC;Bad date;Cy;someday\n")
    result = prodops("import", "feedback", str(notes))
    assert result.returncode == 0
    assert "imported 1" in result.stdout and "skipped 2" in result.stdout
    assert "row 3" in result.stderr and "row 4" in result.stderr and "someday" in result.stderr


def test_import_of_an_unrecognised_file_says_which_columns_it_found(prodops, tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("foo,bar\n1,2\n")
    line = assert_one_line_error(prodops("import", "feedback", str(odd)))
    assert "foo" in line and "--map" in line
    mapped = prodops("import", "feedback", str(odd), "--map", "text=foo", "--map", "customer=bar")
    assert "imported 1" in mapped.stdout


def test_list_and_export_take_a_filter_and_a_saved_view(prodops, workspace):
    from prodops_tui.core.feedback.filters import save_view

    prodops("capture", "Export is slow", "--tag", "export", "--importance", "high")
    prodops("capture", "Dark mode", "--importance", "high")
    listed = json.loads(prodops("list", "feedback", "--filter", "tag:export importance:high", "--json").stdout)
    assert [i["id"] for i in listed] == ["F-1"]
    store = Store.open(workspace, clock=fixed_clock)
    save_view(store, "Urgent", "importance:high")
    store.close()
    exported = json.loads(prodops("export", "feedback", "--view", "urgent", "--format", "json").stdout)
    assert sorted(i["id"] for i in exported) == ["F-1", "F-2"]
    hinted = prodops("list", "feedback", "--filter", "colour:red")
    assert hinted.returncode == 0 and "unknown filter colour:" in hinted.stderr
    assert "importance:huge" in assert_one_line_error(prodops("list", "feedback", "--filter", "importance:huge"))


def test_who_answers_from_the_shell_in_text_and_json(prodops):
    prodops("demo")
    text = prodops("who", "invoic")
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[0].startswith("Billing / Invoices")
    assert "Priya Raman" in text.stdout
    records = json.loads(prodops("who", "invoic", "--json").stdout)
    assert {"id", "path", "owner", "maintainers", "influencers", "team", "channel"} <= records[0].keys()
    person = json.loads(prodops("who", "--person", "priya", "--json").stdout)
    assert person["name"] == "Priya Raman" and "Billing / Invoices" in person["owns"]
    assert "no product area matches" in assert_one_line_error(prodops("who", "zzzzqqq"))
    assert prodops("who").returncode == 2


def test_the_real_gitlab_codeowners_imports_without_format_and_re_imports_nothing(prodops):
    codeowners = TEST_DATA / "gitlab_CODEOWNERS"
    first = prodops("import", "areas", str(codeowners), "--json")  # the name says what it is
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["created"] and not result["skipped"] and result["format"] == "codeowners"
    assert result["rules"] == 66 and len(result["rules_added"]) == 66 and result["grouping"] == "section"
    again = json.loads(prodops("import", "areas", str(codeowners), "--json").stdout)
    assert again["created"] == [] and again["updated"] == []
    assert (again["rules_added"], again["rules_removed"], again["rules_changed"]) == ([], [], [])
    backend = json.loads(prodops("who", "Backend", "--json").stdout)[0]  # not a path: the area, fuzzily
    assert backend["owners"] == ["gitlab-org/maintainers/rails-backend"] and backend["maintainers"] == []


def test_who_answers_a_path_by_the_rules_and_reads_paths_from_stdin(prodops):
    assert prodops("import", "areas", str(TEST_DATA / "gitlab_CODEOWNERS")).returncode == 0
    answer = json.loads(prodops("who", "lib/gitlab/database/load_balancing.rb", "--json").stdout)
    assert answer["kind"] == "path" and answer["path"] == "lib/gitlab/database/load_balancing.rb"
    # The catch-all of the unnamed section, *.rb of the optional Backend section and the
    # Database section's own rule: GitLab combines the last match of each section.
    assert [(r["line"], r["section"]) for r in answer["rules"]] == [(5, None), (27, "Backend"), (47, "Database")]
    # The database team is among the catch-all's nine already: named once, where it first appears.
    assert len(answer["owners"]) == 9 and "@gitlab-org/maintainers/database" in answer["owners"]
    assert answer["rules"][2]["owners"] == ["@gitlab-org/maintainers/database"]
    assert [a["path"] for a in answer["areas"]] == ["CODEOWNERS (no section)", "Backend", "Database"]
    text = prodops("who", "doc/user/index.md").stdout
    assert "NO OWNER" in text and "/doc/**/*.md" in text  # line 16 names no owners: left unowned on purpose
    piped = prodops("who", "-", "--json", stdin="Dangerfile\n\nqa/specs/a_spec.rb\n")
    paths = json.loads(piped.stdout)
    assert [p["path"] for p in paths] == ["Dangerfile", "qa/specs/a_spec.rb"]
    assert paths[0]["owners"][-1] == "@gl-quality/eng-prod" and paths[1]["owners"][-1] == "@gl-quality"
    summary = prodops("who", "-", stdin="Dangerfile\nqa/specs/a_spec.rb\n").stdout
    assert "reviewers for 2 paths, by section:" in summary
    assert "  ^[End-to-end]: optional, no approval needed: @gl-quality  (/qa/, 1 path)" in summary.splitlines()
    team = json.loads(prodops("who", "--person", "@gl-quality/eng-prod", "--json").stdout)
    assert {r["pattern"] for r in team["rules"]} >= {"Dangerfile", "/danger/", "/.gitlab-ci.yml", "/rubocop/"}
    assert sorted(team["owns"]) == ["Backend Static Code Analysis", "Pipeline configuration", "Tooling"]


def test_who_stdin_groups_the_reviewers_by_section_with_the_approvals_each_needs(prodops, tmp_path):
    """GitLab makes one approval rule per section and matching pattern, needing the header's [N]
    (at least 1) from its owners, none in an optional section: the summary says so, not one flat
    list of every handle (issue 31, item 10)."""
    assert prodops("import", "areas", str(TEST_DATA / "gitlab_CODEOWNERS")).returncode == 0
    paths = "lib/gitlab/database/load_balancing.rb\nDangerfile\nscripts/a.js\ndoc/api/index.md\n"
    lines = prodops("who", "-", stdin=paths).stdout.split("\n\nreviewers for ", 1)[1].splitlines()
    catch_all = "@gitlab-org/maintainers/rails-backend, @gitlab-org/maintainers/frontend"
    assert lines[0] == "4 paths, by section:"
    assert lines[1].startswith(f"  CODEOWNERS (no section): 1 approval from {catch_all}") and lines[1].endswith("(*, 3 paths)")
    assert lines[2:] == [
        "  ^[Backend]: optional, no approval needed: @gitlab-org/maintainers/rails-backend  (*.rb, 1 path)",
        "  ^[Frontend]: optional, no approval needed: @gitlab-org/maintainers/frontend  (*.js, 1 path)",
        "  [Database]: 1 approval from @gitlab-org/maintainers/database  (/lib/gitlab/database/, 1 path)",
        "  [Tooling], 2 rules:",
        "    1 approval from @gl-quality/eng-prod  (Dangerfile, 1 path)",
        "    1 approval from @gl-quality/eng-prod, @gitlab-org/maintainers/frontend  (/scripts/**/*.js, 1 path)",
        "1 path without an owner",
    ]
    records = json.loads(prodops("who", "-", "--json", stdin=paths).stdout)
    database = records[0]
    assert {"kind", "path", "owners", "required", "rules", "areas"} <= database.keys()  # the fields scripts had
    assert [(s["label"], s["optional"], s["approvals"], s["pattern"]) for s in database["sections"]] == [
        ("CODEOWNERS (no section)", False, 1, "*"), ("^[Backend]", True, 0, "*.rb"),
        ("[Database]", False, 1, "/lib/gitlab/database/")]
    assert database["sections"][2]["owners"] == ["@gitlab-org/maintainers/database"]
    assert [r["approvals"] for r in database["rules"]] == [1, 0, 1] and database["rules"][2]["header_line"] == 43
    assert records[3]["sections"] == []  # /doc/**/*.md names no owner: nothing to approve
    # [N] approvals and a section named twice, as GitLab's documentation writes them.
    file = tmp_path / "CODEOWNERS"
    file.write_text("[Documentation][2] @docs\ndocs/\n\n[Search] @search\n/ee/search/\n\n^[search]\n/ee/elastic/ @es\n")
    other = ["--workspace", str(tmp_path / "other")]
    assert prodops(*other, "import", "areas", str(file)).returncode == 0
    text = prodops(*other, "who", "-", stdin="docs/a.md\nee/elastic/x.rb\n").stdout
    assert "  [Documentation]: 2 approvals from @docs  (docs/, 1 path)" in text.splitlines()
    assert "  [Search]: 1 approval from @es  (/ee/elastic/, 1 path)" in text.splitlines()  # required: [Search] has no ^
    assert "rule: CODEOWNERS:8  /ee/elastic/  [Search, required: another header of this section has no ^]" in text
    # GitHub: no sections; one owner of each owned file approves, so one approval per deciding rule.
    github = ["--workspace", str(tmp_path / "github")]
    assert prodops(*github, "import", "areas", str(TEST_DATA / "homeassistant_CODEOWNERS")).returncode == 0
    hue = "homeassistant/components/hue/light.py\nhomeassistant/components/hue/sensor.py\n"
    assert prodops(*github, "who", "-", stdin=hue).stdout.splitlines()[-2:] == [
        "reviewers for 2 paths, by rule:",
        "  homeassistant_CODEOWNERS: 1 approval from @balloob, @marcelveldt  (homeassistant/components/hue/*, 2 paths)"]


def test_export_areas_re_imports_to_the_same_map(prodops, tmp_path):
    prodops("demo")
    out = tmp_path / "areas.csv"
    assert prodops("export", "areas", "-o", str(out)).returncode == 0
    other = tmp_path / "other"
    imported = prodops("--workspace", str(other), "import", "areas", str(out))
    assert imported.returncode == 0, imported.stderr
    assert "created 27 areas" in imported.stdout
    md = prodops("export", "areas", "--format", "md").stdout
    assert "no active owner" in md


def test_star_ratings_filter_and_travel_in_json_apart_from_importance(prodops):
    assert prodops("import", "feedback", str(TEST_DATA / "app_store_reviews.csv")).returncode == 0
    with open(TEST_DATA / "app_store_reviews.csv", newline="", encoding="utf-8") as fh:
        low = sum(1 for row in csv.DictReader(fh) if row["rating"] in ("1", "2"))
    listed = json.loads(prodops("list", "feedback", "--filter", "rating:<=2", "--json").stdout)
    assert len(listed) == low and {item["rating"] for item in listed} == {1, 2}
    assert {item["importance"] for item in listed} == {None}
    assert "rating:7 is not a star rating" in assert_one_line_error(prodops("list", "feedback", "--filter", "rating:7"))


def test_triage_is_signed_by_who_acts(prodops):
    item = prodops("capture", "Export drops the VAT column", "--json")
    item_id = json.loads(item.stdout)["id"]
    signed = json.loads(prodops("--as", "Ana Souza", "update", item_id, "--status", "processed", "--json").stdout)
    assert signed[0]["triaged_by"] == "Ana Souza"
    other = json.loads(prodops("capture", "Second", "--json").stdout)["id"]
    assert json.loads(prodops("update", other, "--status", "archived", "--json").stdout)[0]["triaged_by"] == "Sam Tester"


def test_every_example_in_the_help_is_a_command_prodops_takes():
    """`--help` ends with examples to copy: each prodops command in them parses as written."""
    import shlex

    from prodops_tui.cli import EXAMPLES, build_parser

    parser = build_parser()
    seen = 0
    for name, lines in EXAMPLES.items():
        for line in lines:
            command = line.split("   ")[0].split("  (")[0]  # the command, not its explanation
            commands = []
            for part in command.replace("&&", "|").split("|"):
                words = shlex.split(part)
                if words[:1] == ["xargs"]:
                    words = words[1:] + ["F-1"]  # the ids xargs adds from the pipe
                if words and words[0] == "prodops":
                    commands.append(parser.parse_args(words[1:]).command)
                    seen += 1
            assert not commands or not name or name in commands, line  # an ssh line has none
    assert seen >= 40
    help_text = parser.format_help()
    assert "examples:" in help_text and "prodops who -" in help_text


def test_a_journal_far_past_due_says_so_on_every_command_until_compact_folds_it(prodops, workspace, monkeypatch):
    """The folds after changes run in the background: when they keep failing (a full disk, a
    size limit) nobody saw it until `doctor`. Every command now says so, in one line, with why."""
    import errno

    from prodops_tui import cli
    from prodops_tui.core.storage import store as store_module

    monkeypatch.setattr(store_module, "FOLD_MIN_BYTES", 2_000)

    def too_large(path, data):
        raise OSError(errno.EFBIG, "File too large", str(path))

    def background_fold_that_fails(directory, clock):
        """What the detached `prodops compact --if-due` does, here, under a file-size limit."""
        with monkeypatch.context() as limit:
            limit.setattr(store_module, "write_temp_file", too_large)
            store = Store.open(directory, clock=clock)
            try:
                store.fold_after_change()
            finally:
                store.close()

    monkeypatch.setattr(cli, "fold_in_background", background_fold_that_fails)
    warned = []
    for n in range(60):
        result = prodops("capture", f"feedback number {n} with enough words to grow the journal past due")
        assert result.returncode == 0 and result.stdout.strip() == f"F-{n + 1}"
        warned.append("without being folded" in result.stderr)
    assert not warned[0] and warned[-1]  # only once it is far past due
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("prodops: warning: the journal has grown to")
    assert "File too large" in result.stderr  # what stops the folds
    assert prodops("compact").returncode == 0
    after = prodops("list", "feedback", "--limit", "1")
    assert after.returncode == 0 and after.stderr == ""


def test_one_path_on_stdin_is_one_path_in_the_summary(prodops):
    assert prodops("import", "areas", str(TEST_DATA / "gitlab_CODEOWNERS")).returncode == 0
    summary = prodops("who", "-", stdin="doc/user/index.md\n").stdout.splitlines()[-2:]
    assert summary == ["reviewers for 1 path: none", "1 path without an owner"], summary


@pytest.mark.parametrize("command", [("list", "feedback"), ("search", "x"), ("similar", "F-1")])
@pytest.mark.parametrize("limit", ["0", "-3", "two"])
def test_every_limit_is_a_whole_number_of_1_or_more(prodops, command, limit):
    result = prodops(*command, "--limit", limit)
    assert result.returncode == 2 and "argument --limit: " in result.stderr and "Traceback" not in result.stderr
