"""`sync_github` against a GitHub-compatible server on 127.0.0.1 (tests/support_github.py) serving
80 real records of GitHub's issues endpoint (64 issues, 16 pull requests): Link paging, since and
ETag/304, rate limits, a page that fails midway and the rerun that resumes, upstream edits that
never undo triage, and a token that is never stored or said."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support_http import killed_at_request
from tests.support_http import no_sleep as _no_sleep
from tests.support_http import stored_once_by_key as by_key

from prodops_tui.core.errors import InvalidInput
from prodops_tui.core.feedback import inbox
from prodops_tui.core.feedback.inbox import Triage
from prodops_tui.core.model import FeedbackItem, SyncState
from prodops_tui.core.sync.github import RateLimited, SyncError
from prodops_tui.core.sync.run import sync_github
from prodops_tui.core.sync.state import last_syncs

from ...support_github import SAMPLE_REPO, Fault, FakeGitHub

ISSUES, PULL_REQUESTS = 64, 16


@pytest.fixture
def github():
    with FakeGitHub() as server:
        yield server


def sync(store, server, **kwargs):
    kwargs.setdefault("sleep", _no_sleep)
    return sync_github(store, kwargs.pop("repo", SAMPLE_REPO), api_url=server.api_url, **kwargs)


def key(number: int) -> str:
    return f"github:{SAMPLE_REPO}#{number}"


def test_the_first_run_follows_the_link_pages_and_brings_every_issue_once(store, github):
    result = sync(store, github)
    # 80 records at 25 a page: 4 pages, one request each.
    assert (result.new, result.updated, result.pull_requests, result.requests, result.not_modified) == (ISSUES, 0, PULL_REQUESTS, 4, 0)
    assert result.summary() == f"github {SAMPLE_REPO}: 64 new, 0 updated, 16 pull requests skipped, 4 requests"
    first = github.asked[0]
    assert first.path == f"/repos/{SAMPLE_REPO}/issues"
    assert first.query == {"state": "all", "per_page": "100", "sort": "updated", "direction": "asc"}
    assert first.headers["accept"] == "application/vnd.github+json"
    assert first.headers["x-github-api-version"] == "2022-11-28"
    assert "authorization" not in first.headers and "if-none-match" not in first.headers
    assert [a.query.get("page") for a in github.asked] == [None, "2", "3", "4"]  # the Link's next, page by page
    items = by_key(store)
    assert set(items) == {key(r["number"]) for r in github.issues_of()}
    issue = items[key(11993)]
    assert issue.title == "Visits Over Time report requires Annotations plugin to be enabled"
    assert issue.url == f"https://github.com/{SAMPLE_REPO}/issues/11993"
    assert issue.upstream_state == "closed: completed" and issue.status == "processed"
    open_ones = [i for i in items.values() if i.upstream_state == "open"]
    assert open_ones and all(i.status == "new" for i in open_ones)
    status = last_syncs(store)
    assert [(s.source, s.arrived, s.requests, s.finished) for s in status] == [(f"github {SAMPLE_REPO}", ISSUES, 4, True)]


def test_the_second_run_asks_only_since_the_last_update_and_the_third_is_not_modified(store, github):
    sync(store, github)
    newest = max(r["updated_at"] for r in github.repos[SAMPLE_REPO].values())
    github.asked.clear()
    second = sync(store, github)
    assert (second.new, second.updated, second.requests) == (0, 0, 1)
    assert github.asked[0].query["since"] == newest
    assert "if-none-match" not in github.asked[0].headers  # the first run's pages answered other URLs
    github.asked.clear()
    third = sync(store, github)
    assert (third.new, third.updated, third.requests, third.not_modified) == (0, 0, 1, 1)
    assert github.asked[0].query["since"] == newest
    assert github.asked[0].headers["if-none-match"].startswith('W/"') and github.asked[0].status == 304
    assert third.summary().endswith("1 request (1 not modified)")
    assert last_syncs(store)[0].requests == 1 and last_syncs(store)[0].arrived == 0
    # An upstream edit changes the answer: a 200 again, and only the edited issue.
    github.edit(11992, title="Renamed upstream")
    github.asked.clear()
    fourth = sync(store, github)
    assert (fourth.new, fourth.updated, fourth.requests, fourth.not_modified) == (0, 1, 1, 0)
    assert by_key(store)[key(11992)].title == "Renamed upstream"


def test_upstream_edits_update_title_labels_and_votes_but_never_the_triage(store, github):
    sync(store, github)
    open_issue = next(r for r in github.issues_of() if r["state"] == "open" and r["labels"])
    number = open_issue["number"]
    item = by_key(store)[key(number)]
    upstream_labels = inbox.normalise_tags(label["name"] for label in open_issue["labels"])
    assert item.tags == upstream_labels
    inbox.update(store, [item.id], Triage(area=_an_area(store), importance="high", add_tags=["pm-tag"],
                                          remove_tags=[upstream_labels[0]], snooze="2026-12-01"))
    triaged = store.get(item.id)
    assert isinstance(triaged, FeedbackItem) and upstream_labels[0] not in triaged.tags
    github.edit(number, title="Edited title", body="Edited body",
                labels=[*open_issue["labels"], {"name": "added-upstream"}],
                reactions={**open_issue["reactions"], "+1": 7}, state="closed", state_reason="completed")
    result = sync(store, github)
    assert result.updated == 1
    after = store.get(item.id)
    assert isinstance(after, FeedbackItem)
    assert (after.title, after.text, after.votes, after.upstream_state) == ("Edited title", "Edited body", 7, "closed: completed")
    assert "added-upstream" in after.tags and "pm-tag" in after.tags  # a new label comes; the PM's own tag stays
    assert upstream_labels[0] not in after.tags  # the label the PM removed, still upstream, is not put back
    # The PM's triage is untouched: status, area, importance, snooze, who and when.
    assert (after.status, after.area, after.importance, after.snoozed_until, after.triaged_at, after.triaged_by) == (
        triaged.status, triaged.area, triaged.importance, triaged.snoozed_until, triaged.triaged_at, triaged.triaged_by)
    # A label removed upstream goes from the tags; the PM's tag still stays.
    github.edit(number, labels=[])
    sync(store, github)
    again = store.get(item.id)
    assert isinstance(again, FeedbackItem) and "added-upstream" not in again.tags and "pm-tag" in again.tags


def _an_area(store):
    from prodops_tui.core.model import ProductArea

    with store.change("area") as tx:
        return tx.add(ProductArea(name="Reports")).id


def test_closed_upstream_never_triaged_becomes_processed_and_a_triaged_one_keeps_its_status(store, github):
    sync(store, github)
    open_issues = [r for r in github.issues_of() if r["state"] == "open"]
    untouched, triaged = open_issues[0]["number"], open_issues[1]["number"]
    triaged_id = by_key(store)[key(triaged)].id
    inbox.update(store, [triaged_id], Triage(area=_an_area(store)))  # filed, still new...
    inbox.update(store, [triaged_id], Triage(status="archived"))  # ...then archived by the PM
    inbox.update(store, [triaged_id], Triage(status="new"))  # and brought back: triaged_at is set
    for number in (untouched, triaged):
        github.edit(number, state="closed", state_reason="not_planned", closed_at="2026-11-24T14:00:00Z")
    sync(store, github)
    items = by_key(store)
    assert (items[key(untouched)].status, items[key(untouched)].upstream_state) == ("processed", "closed: not_planned")
    assert (items[key(triaged)].status, items[key(triaged)].upstream_state) == ("new", "closed: not_planned")
    github.edit(untouched, state="open", state_reason="reopened")
    sync(store, github)
    assert by_key(store)[key(untouched)].status == "new"  # reopened upstream: back in the inbox


@pytest.mark.parametrize("fault", [
    Fault(status=502, body=b'{"message": "Server Error"}'),
    Fault(drop=True),
    Fault(garbage=True),
], ids=["5xx", "connection-dropped", "not-json"])
def test_a_page_that_fails_midway_keeps_the_pages_before_and_the_rerun_resumes(store, github, fault):
    github.fail_at[3] = fault
    with pytest.raises(SyncError) as stopped:
        sync(store, github)
    message = str(stopped.value)
    assert "\n" not in message and "page 3" in message and "run the command again" in message
    kept = by_key(store)
    stored_pages = sorted(github.repos[SAMPLE_REPO].values(), key=lambda r: (r["updated_at"], r["number"]))[:50]
    assert set(kept) == {key(r["number"]) for r in stored_pages if "pull_request" not in r}
    state = last_syncs(store)[0]
    assert not state.finished and "page 3" in state.stopped
    github.asked.clear()
    rerun = sync(store, github)
    assert github.asked[0].query["since"] == stored_pages[-1]["updated_at"]  # from the last page stored, not the start
    assert len(github.asked) == 2  # what is left: 30 records from the cursor, at 25 a page
    assert rerun.new == ISSUES - len(kept)
    assert set(by_key(store)) == {key(r["number"]) for r in github.issues_of()}  # every issue, once
    assert last_syncs(store)[0].finished


def test_a_short_rate_limit_is_waited_out(store, github):
    github.fail_at[2] = Fault(status=403, headers={"Retry-After": "30"},
                              body=b'{"message": "You have exceeded a secondary rate limit."}')
    github.fail_at[4] = Fault(status=429, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1000045"})
    slept: list[float] = []
    result = sync(store, github, sleep=slept.append, now=lambda: 1_000_000.0)
    assert slept == [30.0, 46.0]  # Retry-After as said; the reset 45 s away, and its own second
    assert (result.new, result.requests) == (ISSUES, 6)


def test_a_long_rate_limit_stops_with_when_to_try_again_keeping_what_was_stored(store, github, utc_local_zone):
    reset = 1_800_000_000  # Fri 15 Jan 2027 08:00 UTC
    github.fail_at[2] = Fault(status=403, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
                              body=b'{"message": "API rate limit exceeded for 127.0.0.1."}')
    with pytest.raises(RateLimited) as stopped:
        sync(store, github, now=lambda: reset - 3600.0)
    message = str(stopped.value)
    assert "rate limit" in message and "Fri 15 Jan 2027 08:00" in message and "\n" not in message
    assert stopped.value.retry_at == reset + 1
    assert len(store.all(FeedbackItem)) > 0  # page 1 stays
    assert "rate limit" in last_syncs(store)[0].stopped


def test_a_record_moved_by_an_edit_during_the_run_is_not_lost(store, github):
    """Offset paging's hole: an issue of pages 1-2 edited while page 3 is asked moves to the end,
    and the first record of the old page 3 slides onto page 2, unread. The run sees the moved
    issue twice and leaves the cursor before it, so the next run reads the slid record."""
    ordered = sorted(github.repos[SAMPLE_REPO].values(), key=lambda r: (r["updated_at"], r["number"]))
    moved = next(r for r in ordered[:50] if "pull_request" not in r)["number"]
    slid = ordered[50]["number"]
    assert "pull_request" not in ordered[50]
    github.before[3] = lambda: github.edit(moved, title="edited during the sync")
    sync(store, github)
    assert key(slid) not in by_key(store)  # the hole, as offset paging leaves it
    sync(store, github)
    assert set(by_key(store)) == {key(r["number"]) for r in github.issues_of()}
    assert by_key(store)[key(moved)].title == "edited during the sync"


def test_github_enterprise_serves_under_api_v3(store):
    with FakeGitHub(prefix="/api/v3") as server:
        result = sync(store, server)
        assert server.api_url.endswith("/api/v3") and result.new == ISSUES
        assert server.asked[0].path == f"/api/v3/repos/{SAMPLE_REPO}/issues"


TOKEN = "ghp_" + "S3cr3tT0k3nV4lu3Xy" * 2


def test_the_token_is_sent_as_bearer_and_never_stored(store, workspace):
    with FakeGitHub(token=TOKEN, private=True) as server:
        sync(store, server, token=TOKEN)
        assert all(a.headers["authorization"] == f"Bearer {TOKEN}" for a in server.asked)
    store.fold()
    for path in workspace.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path.name


@pytest.mark.parametrize(("server_kwargs", "token", "repo", "says"), [
    ({}, None, "matomo-org/nope", "no repository matomo-org/nope"),
    ({"private": True}, None, SAMPLE_REPO, "a private repository needs a token in $GITHUB_TOKEN"),
    ({"token": "right"}, TOKEN, SAMPLE_REPO, "refused the token in $GITHUB_TOKEN (401 Bad credentials)"),
])
def test_each_refusal_is_one_line_without_the_token(store, server_kwargs, token, repo, says):
    with FakeGitHub(**server_kwargs) as server:
        with pytest.raises(SyncError) as refused:
            sync(store, server, token=token, repo=repo)
    message = str(refused.value)
    assert says in message and "\n" not in message and TOKEN not in message
    assert store.all(FeedbackItem) == []


def test_a_server_that_echoes_the_token_does_not_get_it_printed(store):
    with FakeGitHub() as server:
        server.fail_at[1] = Fault(status=500, body=f'{{"message": "bad header Bearer {TOKEN}"}}'.encode())
        with pytest.raises(SyncError) as failed:
            sync(store, server, token=TOKEN)
    assert TOKEN not in str(failed.value) and "***" in str(failed.value)
    assert all(TOKEN not in s.stopped for s in store.all(SyncState))


def test_no_server_listening_is_one_line(store):
    with FakeGitHub() as server:
        url = server.api_url
    with pytest.raises(SyncError) as failed:
        sync_github(store, SAMPLE_REPO, api_url=url)
    assert "cannot read page 1 from 127.0.0.1" in str(failed.value) and "\n" not in str(failed.value)


@pytest.mark.parametrize(("repo", "api_url", "token"), [
    ("rails", "https://api.github.com", None),
    ("rails/rails/issues", "https://api.github.com", None),
    ("rails/rails", "ftp://example.com", None),
    ("rails/rails", "http://ghe.example.com/api/v3", TOKEN),
])
def test_a_repository_or_api_url_that_cannot_be_used_is_refused_before_any_request(store, repo, api_url, token):
    with pytest.raises(InvalidInput) as refused:
        sync_github(store, repo, api_url=api_url, token=token)
    assert TOKEN not in str(refused.value)
    assert store.all(SyncState) == []


def test_the_sync_state_names_no_token_and_undo_takes_back_the_last_page(store, github):
    sync(store, github)
    before = len(store.all(FeedbackItem))
    store.undo()
    assert 0 < len(store.all(FeedbackItem)) < before  # the last page's issues go, the others stay
    state = store.all(SyncState)[0]
    assert state.since  # the cursor stays: bookkeeping, not an undo step
    assert replace(state).source == f"github {SAMPLE_REPO}"


def test_a_sync_killed_between_pages_loses_nothing_and_the_next_run_goes_on(store, github):
    """Ctrl+C (or a kill) while page 3 is asked: pages 1-2 and the cursor are stored together, and
    the next run asks from there, not from the start."""
    with pytest.raises(KeyboardInterrupt):
        sync(store, github, fetcher=killed_at_request(3))
    kept = by_key(store)
    assert len(kept) > 0
    github.asked.clear()
    sync(store, github)
    assert "since" in github.asked[0].query and len(github.asked) == 2
    assert set(by_key(store)) == {key(r["number"]) for r in github.issues_of()}
