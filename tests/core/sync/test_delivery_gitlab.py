"""Delivery comes back through `sync_gitlab` (delivery.py over the GitLab client), against a
GitLab-compatible server on 127.0.0.1: GitLab keeps no close reason, so a closed issue ships its
opportunity with its closed_at; reopened takes back only a shipping the sync made; links read
"opened"/"closed"; the linked issues the pages did not hold are read one request each."""

from __future__ import annotations

import pytest

from prodops_tui.core.feedback import links, opportunities
from prodops_tui.core.model import FeedbackItem, Opportunity
from prodops_tui.core.sync.run import sync_gitlab

from ...support_gitlab import SAMPLE_PROJECT, WEB, FakeGitLab
from .test_push import opportunity_with_evidence
from .test_push_gitlab import PROJECT, TOKEN, push


@pytest.fixture
def gitlab():
    with FakeGitLab({PROJECT: []}, token=TOKEN) as server:
        yield server


def sync(store, server, project: str = PROJECT, token: str | None = TOKEN):
    return sync_gitlab(store, project, api_url=server.api_url, token=token)


def opportunity(store) -> Opportunity:
    found = store.get("O-1")
    assert isinstance(found, Opportunity)
    return found


def pushed(store, gitlab) -> None:
    opportunity_with_evidence(store)
    opportunities.set_status(store, "O-1", "in_progress")
    push(store, gitlab)


def test_a_closed_gitlab_issue_ships_the_opportunity_on_the_next_sync_with_its_date(store, gitlab):
    pushed(store, gitlab)
    first = sync(store, gitlab)
    assert first.summary() == (f"gitlab {PROJECT}: 0 new, 0 updated, 1 pushed issue left out, 1 request, "
                               "1 linked issue refreshed")
    assert opportunity(store).status == "in_progress" and opportunity(store).links[0].upstream_state == "opened"
    assert not [i for i in store.all(FeedbackItem) if i.url.endswith("/-/issues/1")]  # its own issue is not feedback
    gitlab.close(1, PROJECT, at="2026-11-20T10:30:00.000Z")
    second = sync(store, gitlab)
    assert second.shipped == ["O-1"] and second.summary().endswith("1 linked issue refreshed, O-1 shipped")
    o = opportunity(store)
    assert (o.status, o.shipped_at, o.links[0].upstream_state) == ("shipped", "2026-11-20T10:30:00Z", "closed")
    assert sync(store, gitlab).shipped == []  # said once


def test_a_reopened_gitlab_issue_takes_back_the_shipping_the_sync_made(store, gitlab):
    pushed(store, gitlab)
    gitlab.close(1, PROJECT)
    assert sync(store, gitlab).shipped == ["O-1"]
    gitlab.reopen(1, PROJECT)
    result = sync(store, gitlab)
    assert result.reopened == ["O-1"] and "O-1 back in progress" in result.summary()
    o = opportunity(store)
    assert (o.status, o.shipped_at, o.links[0].upstream_state) == ("in_progress", None, "opened")


def test_a_reopened_gitlab_issue_leaves_a_shipping_a_person_set(store, gitlab):
    pushed(store, gitlab)
    opportunities.set_status(store, "O-1", "shipped", origin="cli")
    gitlab.close(1, PROJECT)
    assert sync(store, gitlab).shipped == []
    gitlab.reopen(1, PROJECT)
    result = sync(store, gitlab)
    assert result.reopened == [] and opportunity(store).status == "shipped"
    assert f"O-1: its issue {PROJECT}#1 was reopened; O-1 stays shipped" in result.summary()


def test_a_deleted_gitlab_issue_leaves_its_link_and_says_so(store, gitlab):
    pushed(store, gitlab)
    sync(store, gitlab)
    gitlab.delete(1, PROJECT)
    result = sync(store, gitlab)
    assert any(note.startswith(f"{PROJECT}#1 could not be read (404 Not found: deleted, or this token cannot see it)")
               for note in result.link_notes)
    assert opportunity(store).links[0].upstream_state == "opened" and opportunity(store).status == "in_progress"


def test_hand_linked_gitlab_issues_the_pages_did_not_hold_cost_one_request_each(store):
    """A hand link to iid 42 of the sample project, closed on 2020-03-12."""
    opportunities.create(store, "Export keeps the header column")
    links.link(store, "O-1", f"{WEB}/{SAMPLE_PROJECT}/-/issues/42")
    assert opportunity(store).links[0].tracker == "gitlab"
    with FakeGitLab() as gitlab:
        first = sync(store, gitlab, SAMPLE_PROJECT, token=None)
        assert (first.requests, first.links_refreshed, first.shipped) == (3, 1, ["O-1"])  # from the pages
        assert opportunity(store).shipped_at == "2020-03-12T09:00:00Z"
        gitlab.asked.clear()
        second = sync(store, gitlab, SAMPLE_PROJECT, token=None)
        assert (second.requests, second.links_refreshed) == (2, 1)  # updated_after=, then the issue itself
        assert [(a.method, a.path) for a in gitlab.asked][1] == ("GET", f"/api/v4/projects/{SAMPLE_PROJECT}/issues/42")
        assert gitlab.raw_paths[-1] == "/api/v4/projects/jashkenas%2Funderscore/issues/42"
