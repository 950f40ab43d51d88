"""Jira imports with no flags: the CSV export (two real Jira Cloud exports, repeated columns) and
the REST search answer (a real v2 answer from Apache's Jira); v3's rich text becomes plain text."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from prodops_tui.core.importers import import_feedback
from prodops_tui.core.importers.jira import adf_text
from prodops_tui.core.model import FeedbackItem

from ...conftest import TEST_DATA

INTAKE = TEST_DATA / "intake"
CSV_SMALL = INTAKE / "jira_export.csv"
CSV_2021 = INTAKE / "jira_export_2021.csv"
SEARCH_V2 = INTAKE / "jira_search_v2.json"


def real(path: Path) -> Path:
    assert path.is_file(), f"the real export {path} is missing (see tests/data/SOURCES.md)"
    return path


def csv_rows(path: Path) -> list[dict[str, str]]:
    with open(real(path), newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))  # one value per repeated column: for the columns that do not repeat


def by_key(store) -> dict[str, FeedbackItem]:
    return {item.source_key: item for item in store.all(FeedbackItem)}


def test_the_csv_exports_import_with_no_flags_and_again_add_nothing(store):
    for path, count in ((CSV_SMALL, 22), (CSV_2021, 127)):
        result = import_feedback(store, real(path))
        assert (result.preset, result.imported, len(result.skipped)) == ("jira-csv", count, 0)
        again = import_feedback(store, path)
        assert (again.imported, again.duplicates) == (0, count)


def test_csv_fields_read_by_hand(store):
    import_feedback(store, real(CSV_2021))
    items = by_key(store)
    # CCCSG-202: created "12/Jan/21 1:33 PM", reporter Afzal Masra, a one-line description.
    item = items["jira:CCCSG-202"]
    assert (item.title, item.text) == ("Marketing Page - header missing", "attaching the design of the header")
    assert (item.customer, item.received_at, item.source, item.votes) == ("Afzal Masra", "2021-01-12T13:33:00Z", "jira", 0)
    # CCCSG-198 has no description: its summary is its text.
    assert items["jira:CCCSG-198"].text == "Marketing Page - Too much extra white space (Attaching Screenshot)"
    # Repeated columns keep every value: CCCSG-204 was in two sprints, CCCSG-197 has three comments.
    assert items["jira:CCCSG-204"].extra["Sprint"] == ["CCCSG Sprint 1", "CCCSG Sprint 2"]
    comments = items["jira:CCCSG-197"].extra["Comment"]
    assert len(comments) == 3 and comments[0].startswith("14/Jan/21 8:47 AM;") and comments[2].endswith("Test Passed")
    # Status category Done -> processed; the rest stay new, their state kept as Jira names it.
    rows = csv_rows(CSV_2021)
    for row in rows:
        got = items[f"jira:{row['Issue key']}"]
        assert got.status == ("processed" if row["Status Category"] == "Done" else "new")
        assert got.upstream_state == row["Status"]
        assert got.title == " ".join(row["Summary"].split())
    assert Counter(i.upstream_state for i in items.values()) == {"To Do": 88, "Done": 22, "In Progress": 11, "UAT": 6}


def test_the_small_export_keeps_every_comment_of_an_issue(store):
    import_feedback(store, real(CSV_SMALL))
    item = by_key(store)["jira:TES-19"]
    assert (item.status, item.upstream_state, item.customer) == ("processed", "Done", "Sai Sontineni")
    assert (item.title, item.received_at) == ("Create a Network Architecture diagram for TAG", "2025-09-03T09:21:00Z")
    assert len(item.extra["Comment"]) == 2 and "Eric has approved on 09/11" in item.extra["Comment"][1]
    assert "Issue key" not in item.extra and "Summary" not in item.extra


def test_repeated_labels_columns_become_tags(store, tmp_path):
    # Neither real export has a Labels column (Jira leaves out a column no issue uses): a row
    # hand-written in the same header's shape pins that each Labels column is one tag.
    header = CSV_SMALL.read_text(encoding="utf-8").split("\n", 1)[0]
    columns = header.split(",")
    at = columns.index("Description")
    columns[at + 1:at + 1] = ["Labels", "Labels"]
    values = dict.fromkeys(range(len(columns)), "")
    for name, value in (("Summary", "CSV export drops accents"), ("Issue key", "TES-99"), ("Issue id", "1"),
                        ("Issue Type", "Bug"), ("Status", "Closed"), ("Created", "08/Sep/21 11:49"), ("Votes", "3"),
                        ("Resolution", "Won't Do"), ("Status Category", "Done"), ("Reporter", "Kim")):
        values[columns.index(name)] = value
    values[at + 1], values[at + 2] = "export", "i18n"
    path = tmp_path / "labels.csv"
    path.write_text(header.replace("Description,", "Description,Labels,Labels,", 1) + "\n"
                    + ",".join(f'"{values[i]}"' for i in range(len(columns))) + "\n", encoding="utf-8")
    result = import_feedback(store, path)
    assert (result.preset, result.imported) == ("jira-csv", 1)
    (item,) = store.all(FeedbackItem)
    assert (item.tags, item.votes, item.received_at) == (["export", "i18n"], 3, "2021-09-08T11:49:00Z")
    assert (item.status, item.upstream_state) == ("processed", "Closed: Won't Do")


def test_the_v2_search_answer_imports_with_no_flags(store):
    answer = json.loads(real(SEARCH_V2).read_text(encoding="utf-8"))
    result = import_feedback(store, SEARCH_V2)
    assert (result.preset, result.imported, len(result.skipped)) == ("jira-search", 10, 0)
    items = by_key(store)
    first = items["jira:LUCENE-1"]
    assert first.title == "lock files don't work in JDK 1.1"
    assert first.text.startswith("The method File.createNewFile() does not exist in JDK 1.1.8.")
    assert (first.customer, first.received_at, first.votes) == ("Doug Cutting", "2001-10-09T16:19:16Z", 0)
    assert (first.status, first.upstream_state) == ("processed", "Closed: Fixed")
    assert first.url == "https://issues.apache.org/jira/browse/LUCENE-1"
    assert first.extra["components"] == ["core/store"]
    for issue in answer["issues"]:
        item = items[f"jira:{issue['key']}"]
        assert item.customer == issue["fields"]["reporter"]["displayName"]
        assert item.upstream_state == f"Closed: {issue['fields']['resolution']['name']}"
    assert import_feedback(store, SEARCH_V2).duplicates == 10


def test_a_v3_answer_turns_rich_text_into_plain_text(store, tmp_path):
    # No real v3 answer was found; this record is the v2 sample's LUCENE-1 with its description
    # written as the Atlassian Document Format v3 returns (node types from Atlassian's ADF docs).
    answer = json.loads(real(SEARCH_V2).read_text(encoding="utf-8"))
    issue = answer["issues"][0]
    issue["fields"]["description"] = {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "The method "},
                                          {"type": "text", "text": "File.createNewFile()", "marks": [{"type": "code"}]},
                                          {"type": "text", "text": " does not exist."}]},
        {"type": "bulletList", "content": [
            {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "JDK 1.1.8"}]}]},
            {"type": "listItem", "content": [{"type": "paragraph", "content": [
                {"type": "mention", "attrs": {"id": "x", "text": "@Doug"}}, {"type": "hardBreak"},
                {"type": "inlineCard", "attrs": {"url": "https://example.org/x"}}]}]}]},
    ]}
    issue["fields"]["status"]["statusCategory"] = {"key": "done", "name": "Done"}
    path = tmp_path / "v3.json"
    path.write_text(json.dumps({"issues": [issue]}), encoding="utf-8")
    assert import_feedback(store, path).imported == 1
    (item,) = store.all(FeedbackItem)
    assert item.text == "The method File.createNewFile() does not exist.\n- JDK 1.1.8\n- @Doug\n  https://example.org/x"
    assert adf_text({"type": "doc", "content": []}) == ""


def test_a_csv_import_then_a_search_import_of_the_same_issue_adds_it_once(store, tmp_path):
    answer = json.loads(real(SEARCH_V2).read_text(encoding="utf-8"))
    import_feedback(store, SEARCH_V2)
    as_list = tmp_path / "list.json"
    as_list.write_text(json.dumps(answer["issues"]), encoding="utf-8")  # a bare list of issues reads the same
    result = import_feedback(store, as_list)
    assert (result.preset, result.imported, result.duplicates) == ("jira-search", 0, 10)
