"""GitLab imports with no flags: the issues CSV export (GitLab's own fixture of it) and REST records."""

from __future__ import annotations

import csv
import json

from prodops_tui.core.importers import import_feedback
from prodops_tui.core.model import FeedbackItem

from ...conftest import TEST_DATA

CSV_EXPORT = TEST_DATA / "intake" / "gitlab_issues_export.csv"


def by_key(store) -> dict[str, FeedbackItem]:
    return {item.source_key: item for item in store.all(FeedbackItem)}


def test_the_csv_export_imports_with_no_flags_and_again_adds_nothing(store):
    assert CSV_EXPORT.is_file(), f"the real export {CSV_EXPORT} is missing (see tests/data/SOURCES.md)"
    result = import_feedback(store, CSV_EXPORT)
    assert (result.preset, result.imported, len(result.skipped)) == ("gitlab-csv", 4, 0)
    items = by_key(store)
    assert sorted(items) == [f"gitlab:jashkenas/underscore#{n}" for n in (1, 3, 34, 35)]
    # Row 1, read by hand: no description (its title is its text), four labels in one cell.
    first = items["gitlab:jashkenas/underscore#1"]
    assert (first.title, first.text, first.customer) == ("Title", "Title", "jamel")
    assert first.tags == ["brene", "cutlass", "escort", "gvm"]
    assert (first.received_at, first.status, first.upstream_state) == ("2020-01-17T10:36:26Z", "new", "open")
    assert first.url == "http://localhost:3000/jashkenas/underscore/issues/1"
    assert (first.extra["Author"], first.extra["Milestone"]) == ("Elva Jerde", "v1.0")
    assert items["gitlab:jashkenas/underscore#35"].text == "Test Description"
    assert items["gitlab:jashkenas/underscore#34"].tags == [] and "Assignee" not in items["gitlab:jashkenas/underscore#34"].extra
    with open(CSV_EXPORT, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert items[f"gitlab:jashkenas/underscore#{row['Issue ID']}"].customer == row["Author Username"]
    again = import_feedback(store, CSV_EXPORT)
    assert (again.imported, again.duplicates) == (0, 4)


def test_rest_records_import_and_merge_requests_are_counted(store, tmp_path):
    # No real REST answer was found: these records are hand-written in the shape GitLab's API
    # documentation gives for GET /projects/:id/issues (and one merge request), to pin the rules.
    issue = {"id": 76, "iid": 6, "project_id": 1, "title": "Export drops the header row", "description": "",
             "state": "closed", "created_at": "2024-01-04T15:31:51.081Z", "closed_at": "2024-02-01T10:00:00.000Z",
             "labels": ["export", "bug"], "milestone": {"title": "v2.0"}, "author": {"username": "dana", "name": "Dana K"},
             "assignees": [{"username": "lee"}], "upvotes": 4, "downvotes": 0,
             "web_url": "https://gitlab.example.com/acme/tools/app/-/issues/6", "references": {"full": "acme/tools/app#6"}}
    open_issue = {**issue, "id": 77, "iid": 7, "state": "opened", "description": "Please add dark mode.", "upvotes": 0,
                  "web_url": "https://gitlab.example.com/acme/tools/app/-/issues/7", "references": {"full": "acme/tools/app#7"}}
    merge_request = {"id": 90, "iid": 3, "title": "Fix export", "state": "merged", "source_branch": "fix", "target_branch": "main",
                     "merge_status": "can_be_merged", "web_url": "https://gitlab.example.com/acme/tools/app/-/merge_requests/3",
                     "created_at": "2024-01-05T00:00:00Z", "author": {"username": "kim"}}
    path = tmp_path / "issues.json"
    path.write_text(json.dumps([issue, open_issue, merge_request]), encoding="utf-8")
    result = import_feedback(store, path)
    assert (result.preset, result.imported, len(result.ignored)) == ("gitlab-issues", 2, 1)
    assert "1 merge request skipped" in result.summary()
    items = by_key(store)
    six, seven = items["gitlab:acme/tools/app#6"], items["gitlab:acme/tools/app#7"]
    assert (six.text, six.customer, six.tags, six.votes) == ("Export drops the header row", "dana", ["export", "bug"], 4)
    assert (six.status, six.upstream_state, six.received_at) == ("processed", "closed", "2024-01-04T15:31:51Z")
    assert six.extra["milestone"] == "v2.0" and six.extra["author_name"] == "Dana K"
    assert (seven.status, seven.upstream_state, seven.votes) == ("new", "open", 0)
    assert import_feedback(store, path).duplicates == 2
