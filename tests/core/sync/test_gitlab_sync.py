"""`sync_gitlab` and `prodops sync gitlab` against a GitLab-compatible server on 127.0.0.1
(tests/support_gitlab.py). Its 12 records are in GitLab's DOCUMENTED record shape, not a recorded
answer (no real GitLab REST page is in tests/data): the four issues of GitLab's own CSV-export
fixture and eight made to have pages to follow, 5 a page. Link and X-Next-Page paging,
updated_after, rate limits, a page that fails midway, a killed run, upstream edits that never
undo triage, the token only in PRIVATE-TOKEN, and a CSV import and a sync meeting on the same
issues."""

from __future__ import annotations

import json

import pytest

from tests.support_http import killed_at_request
from tests.support_http import no_sleep as _no_sleep
from tests.support_http import stored_once_by_key as by_key

from prodops_tui.core.errors import InvalidInput
from prodops_tui.core.feedback import inbox
from prodops_tui.core.feedback.inbox import Triage
from prodops_tui.core.importers.run import import_feedback
from prodops_tui.core.model import FeedbackItem, ProductArea, SyncState
from prodops_tui.core.sync.client import RateLimited, SyncError
from prodops_tui.core.sync.run import sync_gitlab
from prodops_tui.core.sync.state import last_syncs

from ...cli.test_cli import assert_one_line_error
from ...support_github import Fault
from ...support_gitlab import CSV_SAMPLE, SAMPLE_PROJECT, FakeGitLab

ISSUES = 12
TOKEN = "glpat-" + "Qw3rTy7uIo9pAs1dF" * 2
SOURCE = f"gitlab {SAMPLE_PROJECT}"


@pytest.fixture
def gitlab():
    with FakeGitLab() as server:
        yield server


def sync(store, server, **kwargs):
    kwargs.setdefault("sleep", _no_sleep)
    return sync_gitlab(store, kwargs.pop("project", SAMPLE_PROJECT), api_url=server.api_url, **kwargs)


def key(iid: int) -> str:
    return f"gitlab:{SAMPLE_PROJECT}#{iid}"


def test_the_first_run_follows_the_pages_and_brings_every_issue_once(store, gitlab):
    result = sync(store, gitlab)
    assert (result.new, result.updated, result.requests) == (ISSUES, 0, 3)  # 12 at 5 a page
    assert result.summary() == f"{SOURCE}: 12 new, 0 updated, 3 requests"
    assert gitlab.raw_paths[0] == "/api/v4/projects/jashkenas%2Funderscore/issues"  # the id URL-encoded
    assert gitlab.asked[0].query == {"scope": "all", "state": "all", "per_page": "100", "order_by": "updated_at",
                                     "sort": "asc"}
    assert [a.query.get("page") for a in gitlab.asked] == [None, "2", "3"]
    assert "private-token" not in gitlab.asked[0].headers
    items = by_key(store)
    assert set(items) == {key(r["iid"]) for r in gitlab.issues_of()}
    first = items[key(3)]
    assert (first.title, first.text, first.customer) == (
        "Nihil impedit neque quos totam ut aut enim cupiditate doloribus molestiae.",
        "Omnis aliquid sint laudantium quam.", "rocio.blanda")
    assert set(first.tags) == {"brene", "cutlass", "escort", "gvm"}
    assert first.url == f"http://localhost:3000/{SAMPLE_PROJECT}/-/issues/3"
    closed = items[key(45)]
    assert (closed.upstream_state, closed.status, closed.votes) == ("closed", "processed", 5)
    assert items[key(44)].status == "new" and items[key(44)].upstream_state == "open"
    assert [(s.source, s.arrived, s.requests, s.finished) for s in last_syncs(store)] == [(SOURCE, ISSUES, 3, True)]


def test_the_second_run_asks_only_updated_after_the_newest_and_brings_an_edit(store, gitlab):
    sync(store, gitlab)
    newest = gitlab.ordered()[-1]["updated_at"]
    gitlab.asked.clear()
    second = sync(store, gitlab)
    assert (second.new, second.updated, second.unchanged, second.requests) == (0, 0, 1, 1)
    assert gitlab.asked[0].query["updated_after"] == newest
    gitlab.edit(40, title="Renamed upstream")
    gitlab.asked.clear()
    third = sync(store, gitlab)
    assert (third.new, third.updated, third.requests) == (0, 1, 1)
    assert by_key(store)[key(40)].title == "Renamed upstream"


def test_pages_are_followed_by_x_next_page_when_there_is_no_link_header(store):
    with FakeGitLab(link=False) as server:
        result = sync(store, server)
        assert [a.query.get("page") for a in server.asked] == [None, "2", "3"]
    assert result.new == ISSUES and len(by_key(store)) == ISSUES


def _area(store) -> str:
    with store.change("area") as tx:
        return tx.add(ProductArea(name="Exports")).id


def test_upstream_edits_update_the_tracker_fields_but_never_the_triage(store, gitlab):
    sync(store, gitlab)
    item = by_key(store)[key(41)]
    assert set(item.tags) == {"export", "bug"}
    inbox.update(store, [item.id], Triage(area=_area(store), importance="high", add_tags=["pm-tag"], remove_tags=["bug"]))
    triaged = store.get(item.id)
    assert isinstance(triaged, FeedbackItem)
    gitlab.edit(41, title="Edited", description="Edited text", labels=["export", "bug", "regression"], upvotes=9,
                state="closed", closed_at="2026-11-24T14:00:00.000Z")
    untouched = 43
    gitlab.edit(untouched, state="closed", closed_at="2026-11-24T14:00:00.000Z")
    result = sync(store, gitlab)
    assert result.updated == 2
    after = store.get(item.id)
    assert isinstance(after, FeedbackItem)
    assert (after.title, after.text, after.votes, after.upstream_state) == ("Edited", "Edited text", 9, "closed")
    assert "regression" in after.tags and "pm-tag" in after.tags and "bug" not in after.tags
    assert (after.status, after.area, after.importance, after.triaged_at) == (
        triaged.status, triaged.area, triaged.importance, triaged.triaged_at)
    assert after.status == "new"  # the PM triaged it: closing upstream does not file it away
    assert by_key(store)[key(untouched)].status == "processed"  # never triaged, closed upstream
    gitlab.edit(untouched, state="opened", closed_at=None)
    sync(store, gitlab)
    assert by_key(store)[key(untouched)].status == "new"  # reopened upstream: back in the inbox


@pytest.mark.parametrize("fault", [Fault(status=502, body=b'{"message": "502 Bad Gateway"}'), Fault(drop=True),
                                   Fault(garbage=True)], ids=["5xx", "connection-dropped", "not-json"])
def test_a_page_that_fails_midway_keeps_the_pages_before_and_the_rerun_resumes(store, gitlab, fault):
    gitlab.fail_at[2] = fault
    with pytest.raises(SyncError) as stopped:
        sync(store, gitlab)
    message = str(stopped.value)
    assert "\n" not in message and "page 2" in message and "run the command again" in message
    stored = gitlab.ordered()[:5]
    assert set(by_key(store)) == {key(r["iid"]) for r in stored}
    assert not last_syncs(store)[0].finished
    gitlab.asked.clear()
    gitlab.fail_at.clear()
    rerun = sync(store, gitlab)
    assert gitlab.asked[0].query["updated_after"] == stored[-1]["updated_at"]
    assert len(gitlab.asked) == 2  # 8 records from the cursor (one of them again), 5 a page
    assert rerun.new == ISSUES - 5 and set(by_key(store)) == {key(r["iid"]) for r in gitlab.issues_of()}


def test_a_sync_killed_between_pages_loses_nothing_and_the_next_run_goes_on(store, gitlab):
    with pytest.raises(KeyboardInterrupt):
        sync(store, gitlab, fetcher=killed_at_request(3))
    assert len(by_key(store)) == 10
    gitlab.asked.clear()
    sync(store, gitlab)
    assert "updated_after" in gitlab.asked[0].query and len(gitlab.asked) == 1
    assert set(by_key(store)) == {key(r["iid"]) for r in gitlab.issues_of()}


def test_a_short_rate_limit_is_waited_out_and_a_long_one_stops_with_when(store, gitlab, utc_local_zone):
    gitlab.fail_at[2] = Fault(status=429, headers={"Retry-After": "20"}, body=b"Retry later")
    gitlab.fail_at[4] = Fault(status=429, headers={"RateLimit-Remaining": "0", "RateLimit-Reset": "1000030"},
                              body=b"Retry later")
    slept: list[float] = []
    result = sync(store, gitlab, sleep=slept.append, now=lambda: 1_000_000.0)
    assert slept == [20.0, 31.0] and (result.new, result.requests) == (ISSUES, 5)
    reset = 1_800_000_000  # Fri 15 Jan 2027 08:00 UTC
    gitlab.edit(40, title="later")
    gitlab.fail_at[len(gitlab.asked) + 1] = Fault(status=429, headers={"RateLimit-Reset": str(reset)}, body=b"Retry later")
    with pytest.raises(RateLimited) as stopped:
        sync(store, gitlab, now=lambda: reset - 3600.0)
    assert "GitLab's rate limit is used up until Fri 15 Jan 2027 08:00" in str(stopped.value)
    assert "$GITLAB_TOKEN" in str(stopped.value)


def test_the_token_goes_in_private_token_only_and_is_never_stored_or_said(store, workspace):
    with FakeGitLab(token=TOKEN, private=True) as server:
        sync(store, server, token=TOKEN)
        assert all(a.headers.get("private-token") == TOKEN and "authorization" not in a.headers for a in server.asked)
        assert all(TOKEN not in path for path in server.raw_paths)
        server.fail_at[len(server.asked) + 1] = Fault(status=500, body=f'{{"message": "bad {TOKEN}"}}'.encode())
        with pytest.raises(SyncError) as echoed:
            sync(store, server, token=TOKEN)
        assert TOKEN not in str(echoed.value) and "***" in str(echoed.value)
        with pytest.raises(SyncError) as refused:
            sync(store, server, token=TOKEN + "x")
        assert "GitLab refused the token in $GITLAB_TOKEN (401 Unauthorized)" in str(refused.value)
        with pytest.raises(SyncError) as private:
            sync(store, server)
        assert "no project jashkenas/underscore" in str(private.value) and "(404 Project Not Found)" in str(private.value)
        assert "a private project needs a token in $GITLAB_TOKEN" in str(private.value)
    store.fold()
    for path in workspace.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path.name


def test_a_csv_import_and_a_sync_meet_on_the_same_issues(store, gitlab):
    imported = import_feedback(store, CSV_SAMPLE)
    assert imported.imported == 4
    result = sync(store, gitlab)
    assert (result.new, result.updated + result.unchanged) == (ISSUES - 4, 4)
    assert len(by_key(store)) == ISSUES


def test_a_project_typed_in_other_case_finds_the_issues_it_holds(store, gitlab):
    sync(store, gitlab)
    again = sync(store, gitlab, project="Jashkenas/Underscore")
    assert again.new == 0 and len(by_key(store)) == ISSUES


@pytest.mark.parametrize(("project", "api_url", "token"), [
    ("underscore", "https://gitlab.com/api/v4", None),
    ("group/../x", "https://gitlab.com/api/v4", None),
    ("a/b", "ftp://gitlab.com", None),
    ("a/b", "http://gitlab.example.com/api/v4", TOKEN),
])
def test_a_project_or_api_url_that_cannot_be_used_is_refused_before_any_request(store, project, api_url, token):
    with pytest.raises(InvalidInput) as refused:
        sync_gitlab(store, project, api_url=api_url, token=token)
    assert TOKEN not in str(refused.value) and "\n" not in str(refused.value)
    assert store.all(SyncState) == []


# --- the command line -------------------------------------------------------------------------


def test_the_command_prints_its_summary_and_json(prodops, gitlab):
    first = prodops("sync", "gitlab", SAMPLE_PROJECT, "--api-url", gitlab.api_url)
    assert first.returncode == 0, first.stderr
    assert (first.stdout, first.stderr) == (f"{SOURCE}: 12 new, 0 updated, 3 requests\n", "")
    second = prodops("sync", "gitlab", SAMPLE_PROJECT, "--api-url", gitlab.api_url, "--json")
    data = json.loads(second.stdout)
    assert (data["source"], data["new"], data["requests"], data["pull_requests"]) == (SOURCE, 0, 1, 0)
    items = json.loads(prodops("list", "feedback", "--status", "all", "--json").stdout)
    assert len(items) == ISSUES and all(i["source_key"].startswith(f"gitlab:{SAMPLE_PROJECT}#") for i in items)


def test_the_command_reads_the_token_from_the_environment_and_never_prints_it(prodops):
    with FakeGitLab(token=TOKEN, private=True) as server:
        ok = prodops("sync", "gitlab", SAMPLE_PROJECT, "--api-url", server.api_url, env={"GITLAB_TOKEN": TOKEN})
        named = prodops("sync", "gitlab", SAMPLE_PROJECT, "--api-url", server.api_url, "--token-env", "ACME_GL",
                        env={"ACME_GL": TOKEN})
        refused = prodops("sync", "gitlab", SAMPLE_PROJECT, "--api-url", server.api_url, env={"GITLAB_TOKEN": TOKEN + "x"})
    assert ok.returncode == 0 and "12 new" in ok.stdout and named.returncode == 0
    assert "refused the token in $GITLAB_TOKEN" in assert_one_line_error(refused)
    for result in (ok, named, refused):
        assert TOKEN not in result.stdout + result.stderr


@pytest.mark.parametrize(("args", "code"), [
    (("sync", "gitlab"), 2),
    (("sync", "gitlab", "underscore"), 1),
    (("sync", "gitlab", "a/b", "--api-url", "ftp://example.com"), 1),
    (("sync", "gitlab", "a/b", "--token-env", "NOT_SET_ANYWHERE"), 1),
])
def test_bad_command_lines_are_refused_before_any_request(prodops, args, code):
    result = prodops(*args)
    assert result.returncode == code and "Traceback" not in result.stderr
    assert "error: " in result.stderr.strip().splitlines()[-1]
