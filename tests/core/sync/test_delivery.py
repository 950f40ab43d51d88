"""Delivery comes back through `sync_github` (core/sync/delivery.py), against a GitHub-compatible
server on 127.0.0.1: an issue closed as completed ships its opportunity with the closing date,
reopened takes back only a shipping the sync made, closed as not planned is said and changes
nothing, and the linked issues the pages did not hold are read one request each."""

from __future__ import annotations

import pytest

from prodops_tui.core.feedback import links, opportunities
from prodops_tui.core.model import FeedbackItem, Opportunity
from prodops_tui.core.sync.run import sync_github

from ...support_github import SAMPLE_REPO, FakeGitHub
from .test_push import REPO, TOKEN, opportunity_with_evidence, push


@pytest.fixture
def github():
    with FakeGitHub({REPO: []}, token=TOKEN) as server:
        yield server


def sync(store, server, repo: str = REPO):
    return sync_github(store, repo, api_url=server.api_url, token=TOKEN)


def opportunity(store) -> Opportunity:
    found = store.get("O-1")
    assert isinstance(found, Opportunity)
    return found


def pushed(store, github) -> None:
    opportunity_with_evidence(store)
    opportunities.set_status(store, "O-1", "in_progress")
    push(store, github)


def test_an_issue_closed_as_completed_ships_the_opportunity_on_the_next_sync_with_its_date(store, github):
    pushed(store, github)
    first = sync(store, github)
    assert first.summary() == (f"github {REPO}: 0 new, 0 updated, 0 pull requests skipped, 1 pushed issue left out, "
                               "1 request, 1 linked issue refreshed")
    assert opportunity(store).status == "in_progress"
    assert not [i for i in store.all(FeedbackItem) if i.url.endswith("/issues/1")]  # its own issue is not feedback
    github.close(1, REPO, reason="completed", at="2026-11-20T10:30:00+00:00")
    second = sync(store, github)
    assert second.shipped == ["O-1"] and second.summary().endswith("1 linked issue refreshed, O-1 shipped")
    o = opportunity(store)
    assert (o.status, o.shipped_at) == ("shipped", "2026-11-20T10:30:00Z")
    assert (o.links[0].upstream_state, o.links[0].checked_at) == ("closed: completed", "2026-11-24T15:00:00Z")
    assert sync(store, github).shipped == []  # said once


def test_reopened_goes_back_to_in_progress(store, github):
    pushed(store, github)
    github.close(1, REPO)
    sync(store, github)
    github.reopen(1, REPO)
    result = sync(store, github)
    assert result.reopened == ["O-1"] and "O-1 back in progress" in result.summary()
    o = opportunity(store)
    assert (o.status, o.shipped_at, o.links[0].upstream_state) == ("in_progress", None, "open")


def test_reopened_leaves_a_shipping_a_person_set_and_says_so(store, github):
    pushed(store, github)
    opportunities.set_status(store, "O-1", "shipped", origin="cli")  # the PM, before the issue closed
    github.close(1, REPO)
    assert sync(store, github).shipped == []  # shipped already
    github.reopen(1, REPO)
    result = sync(store, github)
    assert result.reopened == [] and opportunity(store).status == "shipped"
    assert "O-1: its issue acme/app#1 was reopened; O-1 stays shipped (a person set that" in result.summary()


def test_closed_as_not_planned_is_said_and_the_status_stays(store, github):
    pushed(store, github)
    github.close(1, REPO, reason="not_planned")
    result = sync(store, github)
    assert result.shipped == [] and opportunity(store).status == "in_progress"
    assert opportunity(store).links[0].upstream_state == "closed: not_planned"
    assert result.link_notes == ["O-1: its issue acme/app#1 was closed as not planned"]
    assert result.summary().endswith("; O-1: its issue acme/app#1 was closed as not planned")


def test_undoing_a_shipping_keeps_it_undone_on_the_next_sync(store, github):
    pushed(store, github)
    github.close(1, REPO)
    sync(store, github)
    assert store.undo().label == "O-1 shipped"
    assert opportunity(store).status == "in_progress"
    sync(store, github)
    assert opportunity(store).status == "in_progress"


def test_a_deleted_issue_is_said_and_its_link_says_so(store, github):
    pushed(store, github)
    sync(store, github)
    github.delete(1, REPO)
    result = sync(store, github)
    assert "O-1: its issue acme/app#1 was deleted upstream" in result.link_notes
    assert opportunity(store).links[0].upstream_state == "deleted" and opportunity(store).status == "in_progress"


def test_linked_issues_the_pages_did_not_hold_cost_one_request_each(store):
    """A hand link to a real issue (matomo-org/matomo#11993, closed as completed on 2018-03-11)."""
    opportunities.create(store, "Annotations without the plugin")
    links.link(store, "O-1", f"https://github.com/{SAMPLE_REPO}/issues/11993")
    with FakeGitHub() as github:
        first = sync_github(store, SAMPLE_REPO, api_url=github.api_url)
        assert (first.requests, first.links_refreshed, first.shipped) == (4, 1, ["O-1"])  # from the pages
        assert opportunity(store).shipped_at == "2018-03-11T18:15:44Z"
        github.asked.clear()
        second = sync_github(store, SAMPLE_REPO, api_url=github.api_url)
        assert (second.requests, second.links_refreshed) == (2, 1)  # since=, then the issue itself
        assert [(a.method, a.path) for a in github.asked][1] == ("GET", f"/repos/{SAMPLE_REPO}/issues/11993")
        third = sync_github(store, SAMPLE_REPO, api_url=github.api_url)
        assert (third.requests, third.not_modified, third.links_refreshed) == (2, 1, 1)  # a 304, then the issue
        assert third.summary() == (f"github {SAMPLE_REPO}: 0 new, 0 updated, 0 pull requests skipped, "
                                   "2 requests (1 not modified), 1 linked issue refreshed")
