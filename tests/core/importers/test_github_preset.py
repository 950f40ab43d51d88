"""GitHub issues import with no flags: the REST API's records (the real matomo page in
tests/data/intake) and `gh issue list --json` output; pull requests skipped and counted,
closed issues arrive processed with their upstream state, re-importing adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodops_tui.core.importers import import_feedback
from prodops_tui.core.importers.github import item_from_issue
from prodops_tui.core.importers.result import ImportRowError, RowIgnored
from prodops_tui.core.model import FeedbackItem

from ...conftest import TEST_DATA

REST = TEST_DATA / "intake" / "github_issues_rest.json"


def records(path: Path) -> list[dict]:
    assert path.is_file(), f"the real export {path} is missing (see tests/data/SOURCES.md)"
    return json.loads(path.read_text(encoding="utf-8"))


def by_key(store) -> dict[str, FeedbackItem]:
    return {item.source_key: item for item in store.all(FeedbackItem)}


def test_the_rest_export_imports_with_no_flags_and_pull_requests_are_counted(store):
    raw = records(REST)
    pulls = [r for r in raw if "pull_request" in r]
    result = import_feedback(store, REST)
    assert result.preset == "github-issues"
    assert (result.imported, len(result.ignored), len(result.skipped)) == (len(raw) - len(pulls), len(pulls), 0)
    assert (result.imported, len(pulls)) == (64, 16)  # the sample as SOURCES.md describes it
    assert "16 pull requests skipped" in result.summary()
    items = by_key(store)
    assert not any(f"github:matomo-org/matomo#{r['number']}" in items for r in pulls)


def test_fields_read_by_hand_from_the_real_records(store):
    import_feedback(store, REST)
    items = by_key(store)
    # #11993 (the file's first record): closed as completed, two labels, no thumbs-up, 7 comments.
    first = items["github:matomo-org/matomo#11993"]
    assert first.title == "Visits Over Time report requires Annotations plugin to be enabled"
    assert first.text.startswith("Hello to the community\n\nI noticed that the widgetized reports")
    assert "\r" not in first.text
    assert (first.customer, first.tags, first.received_at) == ("vincent3569", ["bug", "worksforme"], "2017-08-31T13:14:23Z")
    assert (first.status, first.upstream_state, first.votes) == ("processed", "closed: completed", 0)
    assert first.url == "https://github.com/matomo-org/matomo/issues/11993"
    assert first.source == "github" and first.triaged_at is None
    assert first.extra["comments"] == 7 and first.extra["closed_at"] == "2018-03-11T18:15:44Z"
    # Every record against the file: votes are the +1 count, open ones stay new.
    for record in records(REST):
        if "pull_request" in record:
            continue
        item = items[f"github:matomo-org/matomo#{record['number']}"]
        assert item.votes == record["reactions"]["+1"]
        assert item.customer == record["user"]["login"]
        assert item.tags == [label["name"].casefold() for label in record["labels"]]
        assert item.status == ("processed" if record["state"] == "closed" else "new")
        assert item.upstream_state == ("closed: completed" if record["state"] == "closed" else "open")
        assert item.title == record["title"].strip()
    assert max(item.votes or 0 for item in items.values()) == 123
    assert sum(1 for item in items.values() if item.votes) == 16  # 18 records with a 👍, two of them pull requests


def test_an_empty_body_imports_with_the_title_as_its_text(store):
    import_feedback(store, REST)
    empty = [r for r in records(REST) if "pull_request" not in r and not (r.get("body") or "").strip()]
    assert empty
    items = by_key(store)
    for record in empty:
        item = items[f"github:matomo-org/matomo#{record['number']}"]
        assert item.text == item.title == record["title"].strip()


def test_re_importing_adds_nothing_and_jsonl_of_the_same_records_is_the_same_issues(store, tmp_path):
    first = import_feedback(store, REST)
    again = import_feedback(store, REST)
    assert (again.imported, again.duplicates, len(again.ignored)) == (0, first.imported, 16)
    lines = tmp_path / "issues.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in records(REST)) + "\n", encoding="utf-8")
    as_lines = import_feedback(store, lines)
    assert (as_lines.preset, as_lines.imported, as_lines.duplicates) == ("github-issues", 0, first.imported)


def test_gh_issue_list_output_is_recognised(store, tmp_path):
    # Hand-written in the shape `gh issue list --json number,title,body,author,labels,state,stateReason,
    # createdAt,url,reactionGroups` prints (field names from gh's documentation), to pin its rules.
    gh = [
        {"number": 7, "title": "Export to CSV drops emoji", "body": "", "author": {"login": "dana", "name": "Dana"},
         "labels": [{"id": "LA_1", "name": "export", "description": "", "color": "ededed"}], "state": "CLOSED",
         "stateReason": "NOT_PLANNED", "createdAt": "2024-03-01T10:00:00Z", "url": "https://github.com/acme/app/issues/7",
         "reactionGroups": [{"content": "HEART", "users": {"totalCount": 1}}, {"content": "THUMBS_UP", "users": {"totalCount": 4}}]},
        {"number": 8, "title": "Dark mode", "body": "Please.", "author": {"login": "lee"}, "labels": [], "state": "OPEN",
         "stateReason": "", "createdAt": "2024-03-02T10:00:00Z", "url": "https://github.com/acme/app/issues/8", "reactionGroups": []},
    ]
    path = tmp_path / "gh.json"
    path.write_text(json.dumps(gh), encoding="utf-8")
    result = import_feedback(store, path)
    assert (result.preset, result.imported) == ("github-issues", 2)
    items = by_key(store)
    seven, eight = items["github:acme/app#7"], items["github:acme/app#8"]
    assert (seven.customer, seven.votes, seven.upstream_state, seven.status) == ("dana", 4, "closed: not_planned", "processed")
    assert (eight.votes, eight.upstream_state, eight.status, eight.text) == (0, "open", "new", "Please.")


def test_item_from_issue_for_the_sync(store):
    record = next(r for r in records(REST) if "pull_request" not in r)
    assert item_from_issue(record).source_key == "github:matomo-org/matomo#11993"
    assert item_from_issue(record, repo="other/name").source_key == "github:other/name#11993"
    with pytest.raises(RowIgnored):
        item_from_issue(next(r for r in records(REST) if "pull_request" in r))
    with pytest.raises(ImportRowError, match="no issue number"):
        item_from_issue({**record, "number": None})
    with pytest.raises(ImportRowError, match="no repository"):
        item_from_issue({k: v for k, v in record.items() if k not in ("repository_url", "html_url")})
