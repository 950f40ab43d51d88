"""`sync_jira` and `prodops sync jira` against a Jira-compatible search API on 127.0.0.1
(tests/support_jira.py) serving the 10 real issues of Apache's Jira answer
(tests/data/intake/jira_search_v2.json), 3 a page: startAt/total paging, the JQL's `updated >=`
to the minute (the issues of that minute read again and found unchanged), a page that fails
midway and a killed run that resume, rate limits, upstream edits that never undo triage, Basic
and Bearer credentials that are never stored or said."""

from __future__ import annotations

import base64
import json

import pytest

from tests.support_http import killed_at_request
from tests.support_http import no_sleep as _no_sleep
from tests.support_http import stored_once_by_key as by_key

from prodops_tui.core.errors import InvalidInput
from prodops_tui.core.feedback import inbox
from prodops_tui.core.feedback.inbox import Triage
from prodops_tui.core.model import FeedbackItem, ProductArea, SyncState
from prodops_tui.core.sync.client import RateLimited, SyncError
from prodops_tui.core.sync.run import sync_jira
from prodops_tui.core.sync.state import last_syncs

from ...cli.test_cli import assert_one_line_error
from ...support_github import Fault
from ...support_jira import SAMPLE_PROJECT, FakeJira

ISSUES = 10
JQL = "type = Bug"
TOKEN = "ATATT3x" + "FfGF0aBcDeFgHiJkLm" * 2
USER = "pm@example.com"
SOURCE = f"jira {SAMPLE_PROJECT}"


@pytest.fixture
def jira():
    with FakeJira() as server:
        yield server


def sync(store, server, **kwargs):
    kwargs.setdefault("sleep", _no_sleep)
    kwargs.setdefault("jql", JQL)
    return sync_jira(store, kwargs.pop("project", SAMPLE_PROJECT), api_url=server.api_url, **kwargs)


def every_key(server) -> set[str]:
    return {f"jira:{key}" for key in server.issues}


def test_the_first_run_pages_by_start_at_and_brings_every_issue_once(store, jira):
    result = sync(store, jira)
    assert (result.new, result.updated, result.requests) == (ISSUES, 0, 4)  # 10 at 3 a page
    assert result.summary() == f"{SOURCE}: 10 new, 0 updated, 4 requests"
    first = jira.asked[0]
    assert first.path == "/jira/rest/api/2/search"
    assert first.query["jql"] == f"project = LUCENE AND ({JQL}) ORDER BY updated ASC"
    assert first.query["maxResults"] == "100"
    assert set(first.query["fields"].split(",")) >= {"summary", "description", "reporter", "labels", "votes", "status",
                                                     "created", "updated"}
    assert [a.query["startAt"] for a in jira.asked] == ["0", "3", "6", "9"]
    assert "authorization" not in first.headers
    items = by_key(store)
    assert set(items) == every_key(jira)
    one = items["jira:LUCENE-1"]
    assert one.title == "lock files don't work in JDK 1.1"
    assert one.text.startswith("The method File.createNewFile() does not exist in JDK 1.1.8.")
    assert one.customer == "Doug Cutting" and one.url == "https://issues.apache.org/jira/browse/LUCENE-1"
    assert (one.upstream_state, one.status) == ("Closed: Fixed", "processed")
    assert [(s.source, s.arrived, s.requests, s.finished) for s in last_syncs(store)] == [(SOURCE, ISSUES, 4, True)]


def test_the_second_run_asks_from_the_newest_minute_and_finds_its_issues_unchanged(store, jira):
    sync(store, jira)
    jira.asked.clear()
    second = sync(store, jira)
    # The newest update is 2011-06-02 22:03:39: the six issues of minute 22:03 come again, unchanged.
    assert jira.asked[0].query["jql"] == f'project = LUCENE AND ({JQL}) AND updated >= "2011/06/02 22:03" ORDER BY updated ASC'
    assert (second.new, second.updated, second.unchanged, second.requests) == (0, 0, 6, 2)
    jira.edit("LUCENE-4", summary="Renamed upstream", votes={"votes": 3})
    jira.asked.clear()
    third = sync(store, jira)
    assert (third.new, third.updated, third.requests) == (0, 1, 2)
    item = by_key(store)["jira:LUCENE-4"]
    assert (item.title, item.votes) == ("Renamed upstream", 3)
    jira.asked.clear()
    fourth = sync(store, jira)  # from the edit's minute now: that one issue
    assert jira.asked[0].query["jql"].endswith('updated >= "2026/11/24 14:00" ORDER BY updated ASC')
    assert (fourth.new, fourth.updated, fourth.unchanged, fourth.requests) == (0, 0, 1, 1)


def test_the_minute_is_written_in_the_offset_jira_writes_its_times_in(store, jira):
    sync(store, jira)
    jira.edit("LUCENE-2", updated="2026-11-24T16:05:30.000+0200")  # 14:05:30 UTC, on a +02:00 account
    sync(store, jira)
    jira.asked.clear()
    sync(store, jira)
    assert jira.asked[0].query["jql"].endswith('updated >= "2026/11/24 16:05" ORDER BY updated ASC')


def _area(store) -> str:
    with store.change("area") as tx:
        return tx.add(ProductArea(name="Search")).id


def test_upstream_edits_update_the_tracker_fields_but_never_the_triage(store, jira):
    sync(store, jira)
    triaged_id = by_key(store)["jira:LUCENE-5"].id
    inbox.update(store, [triaged_id], Triage(area=_area(store), importance="high", add_tags=["pm-tag"]))
    before = store.get(triaged_id)
    assert isinstance(before, FeedbackItem)
    reopened = {"name": "Reopened", "description": "This issue was once resolved, but the resolution was deemed incorrect."}
    jira.edit("LUCENE-5", summary="Edited", labels=["index"], status=reopened, resolution=None)
    jira.edit("LUCENE-6", status=reopened, resolution=None)  # never triaged
    result = sync(store, jira)
    assert result.updated == 2
    after = store.get(triaged_id)
    assert isinstance(after, FeedbackItem)
    assert (after.title, after.upstream_state) == ("Edited", "Reopened")
    assert "index" in after.tags and "pm-tag" in after.tags
    assert (after.status, after.area, after.importance, after.triaged_at) == (
        before.status, before.area, before.importance, before.triaged_at)
    untouched = by_key(store)["jira:LUCENE-6"]
    assert (untouched.status, untouched.upstream_state) == ("new", "Reopened")  # reopened upstream: back in the inbox


@pytest.mark.parametrize("fault", [Fault(status=503, body=b'{"errorMessages": ["Service Unavailable"]}'), Fault(drop=True),
                                   Fault(garbage=True)], ids=["5xx", "connection-dropped", "not-json"])
def test_a_page_that_fails_midway_keeps_the_pages_before_and_the_rerun_resumes(store, jira, fault):
    jira.fail_at[3] = fault
    with pytest.raises(SyncError) as stopped:
        sync(store, jira)
    message = str(stopped.value)
    assert "\n" not in message and "page 3" in message and "run the command again" in message
    stored = jira.ordered()[:6]
    assert set(by_key(store)) == {f"jira:{i['key']}" for i in stored}
    jira.asked.clear()
    jira.fail_at.clear()
    rerun = sync(store, jira)
    assert jira.asked[0].query["jql"].endswith('updated >= "2011/06/02 22:03" ORDER BY updated ASC')
    assert rerun.new == ISSUES - 6 and set(by_key(store)) == every_key(jira)


def test_a_sync_killed_between_pages_loses_nothing_and_the_next_run_goes_on(store, jira):
    with pytest.raises(KeyboardInterrupt):
        sync(store, jira, fetcher=killed_at_request(3))
    assert len(by_key(store)) == 6
    jira.asked.clear()
    sync(store, jira)
    assert "updated >=" in jira.asked[0].query["jql"]
    assert set(by_key(store)) == every_key(jira)


def test_a_short_rate_limit_is_waited_out_and_a_long_one_stops_with_when(store, jira, utc_local_zone):
    jira.fail_at[2] = Fault(status=429, headers={"Retry-After": "15"}, body=b"")
    slept: list[float] = []
    result = sync(store, jira, sleep=slept.append)
    assert slept == [15.0] and (result.new, result.requests) == (ISSUES, 5)
    jira.fail_at[len(jira.asked) + 1] = Fault(status=429, headers={"X-RateLimit-Reset": "2027-01-15T08:00Z"}, body=b"")
    with pytest.raises(RateLimited) as stopped:
        sync(store, jira, now=lambda: 1_800_000_000 - 3600.0)
    assert "Jira's rate limit is used up until Fri 15 Jan 2027 08:00" in str(stopped.value)


def test_basic_and_bearer_credentials_are_sent_and_never_stored_or_said(store, workspace):
    basic = "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
    with FakeJira(token=TOKEN, user=USER, private=True) as server:
        sync(store, server, token=TOKEN, user=USER)
        assert all(a.headers["authorization"] == basic for a in server.asked)
        server.fail_at[len(server.asked) + 1] = Fault(status=500, body=json.dumps(
            {"errorMessages": [f"bad header {basic} for {TOKEN}"]}).encode())
        with pytest.raises(SyncError) as echoed:
            sync(store, server, token=TOKEN, user=USER)
        assert TOKEN not in str(echoed.value) and basic.split()[1] not in str(echoed.value)
        with pytest.raises(SyncError) as refused:
            sync(store, server, token=TOKEN + "x", user=USER)
        assert "Jira refused the token in $JIRA_TOKEN (401 You are not authenticated." in str(refused.value)
        with pytest.raises(SyncError) as bearer_refused:
            sync(store, server, token=TOKEN)
        assert "needs the account's e-mail in $JIRA_USER" in str(bearer_refused.value)
        with pytest.raises(SyncError) as private:
            sync(store, server)
        assert "The value 'LUCENE' does not exist for the field 'project'." in str(private.value)
    with FakeJira(token=TOKEN) as server:
        sync(store, server, token=TOKEN)
        assert all(a.headers["authorization"] == f"Bearer {TOKEN}" for a in server.asked)
    store.fold()
    for path in workspace.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes() and basic.split()[1].encode() not in path.read_bytes(), path.name


def test_another_jql_starts_afresh(store, jira):
    sync(store, jira)
    jira.asked.clear()
    other = sync(store, jira, jql="status = Closed")
    assert "updated >=" not in jira.asked[0].query["jql"] and other.new == 0 and other.unchanged == ISSUES


@pytest.mark.parametrize(("project", "jql", "api_url"), [
    ("LUCENE-1", JQL, "https://issues.apache.org/jira"),
    ("LUCENE", "", "https://issues.apache.org/jira"),
    ("LUCENE", "type = Bug ORDER BY created", "https://issues.apache.org/jira"),
    ("LUCENE", JQL, "ftp://issues.apache.org"),
])
def test_a_key_query_or_site_that_cannot_be_used_is_refused_before_any_request(store, project, jql, api_url):
    with pytest.raises(InvalidInput) as refused:
        sync_jira(store, project, jql=jql, api_url=api_url)
    assert "\n" not in str(refused.value)
    assert store.all(SyncState) == []


# --- the command line -------------------------------------------------------------------------


def test_the_command_prints_its_summary_and_json(prodops, jira):
    first = prodops("sync", "jira", SAMPLE_PROJECT, "--jql", JQL, "--api-url", jira.api_url)
    assert first.returncode == 0, first.stderr
    assert (first.stdout, first.stderr) == (f"{SOURCE}: 10 new, 0 updated, 4 requests\n", "")
    second = prodops("sync", "jira", SAMPLE_PROJECT, "--jql", JQL, "--api-url", jira.api_url, "--json")
    data = json.loads(second.stdout)
    assert (data["source"], data["new"], data["requests"]) == (SOURCE, 0, 2)


def test_the_command_reads_user_and_token_from_the_environment_and_never_prints_them(prodops):
    with FakeJira(token=TOKEN, user=USER, private=True) as server:
        ok = prodops("sync", "jira", SAMPLE_PROJECT, "--jql", JQL, "--api-url", server.api_url,
                     env={"JIRA_TOKEN": TOKEN, "JIRA_USER": USER})
        refused = prodops("sync", "jira", SAMPLE_PROJECT, "--jql", JQL, "--api-url", server.api_url,
                          env={"JIRA_TOKEN": TOKEN + "x", "JIRA_USER": USER})
    assert ok.returncode == 0 and "10 new" in ok.stdout
    assert "refused the token in $JIRA_TOKEN" in assert_one_line_error(refused)
    for result in (ok, refused):
        assert TOKEN not in result.stdout + result.stderr


@pytest.mark.parametrize(("args", "code"), [
    (("sync", "jira", "LUCENE"), 2),
    (("sync", "jira", "LUCENE", "--jql", JQL), 2),
    (("sync", "jira", "LUCENE", "--api-url", "https://issues.apache.org/jira"), 2),
    (("sync", "jira", "LUCENE", "--jql", "", "--api-url", "https://issues.apache.org/jira"), 1),
    (("sync", "jira", "LUCENE", "--jql", JQL, "--api-url", "https://x.example", "--token-env", "NOT_SET_ANYWHERE"), 1),
])
def test_bad_command_lines_are_refused_before_any_request(prodops, args, code):
    result = prodops(*args)
    assert result.returncode == code and "Traceback" not in result.stderr
    assert "error: " in result.stderr.strip().splitlines()[-1]


def test_a_site_that_removed_the_search_endpoint_says_so_in_one_line(store, jira):
    jira.fail_at[1] = Fault(status=410, body=json.dumps({"errorMessages": [
        "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."]}).encode())
    with pytest.raises(SyncError) as gone:
        sync(store, jira)
    assert "no longer serves /rest/api/2/search (410 The requested API has been removed." in str(gone.value)
    assert "\n" not in str(gone.value) and store.all(FeedbackItem) == []
