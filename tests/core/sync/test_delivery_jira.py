"""Delivery comes back through `sync_jira` (delivery.py over the Jira client), against a
Jira-compatible server on 127.0.0.1: Done with a done resolution ships the opportunity with the
resolutiondate; Won't Do is said and ships nothing; reopened takes back a sync's shipping; a
hand link to a real issue (Apache's LUCENE-1, Closed/Fixed, whose status carries no
statusCategory) ships from the pages and later costs one GET."""

from __future__ import annotations

import pytest

from prodops_tui.core.feedback import links, opportunities
from prodops_tui.core.model import Opportunity
from prodops_tui.core.sync.run import sync_jira

from ...support_jira import FakeJira
from .test_push import opportunity_with_evidence
from .test_push_jira import PROJECT, TOKEN, push

KEY = f"{PROJECT}-1"


@pytest.fixture
def jira():
    with FakeJira([], token=TOKEN) as server:
        yield server


def sync(store, server, token: str | None = TOKEN):
    return sync_jira(store, PROJECT, jql="type = Story", api_url=server.api_url, token=token)


def opportunity(store) -> Opportunity:
    found = store.get("O-1")
    assert isinstance(found, Opportunity)
    return found


def pushed(store, jira) -> None:
    opportunity_with_evidence(store)
    opportunities.set_status(store, "O-1", "in_progress")
    push(store, jira)


def test_a_jira_issue_done_ships_the_opportunity_with_its_resolution_date(store, jira):
    pushed(store, jira)
    first = sync(store, jira)
    assert first.pushed_issues == 1 and first.new == 0 and first.links_refreshed == 1 and first.shipped == []
    jira.resolve(KEY, resolution="Done", at="2026-11-20T11:30:00.000+0100")
    second = sync(store, jira)
    assert second.shipped == ["O-1"] and second.summary().endswith("1 linked issue refreshed, O-1 shipped")
    o = opportunity(store)
    assert (o.status, o.shipped_at, o.links[0].upstream_state) == ("shipped", "2026-11-20T10:30:00Z", "closed: completed")
    jira.reopen(KEY)
    third = sync(store, jira)
    assert third.reopened == ["O-1"] and opportunity(store).status == "in_progress"


def test_wont_do_is_said_and_ships_nothing(store, jira):
    pushed(store, jira)
    jira.resolve(KEY, resolution="Won't Do")
    result = sync(store, jira)
    assert result.shipped == [] and opportunity(store).status == "in_progress"
    assert result.link_notes == [f"O-1: its issue {KEY} was closed as won't do"]
    assert opportunity(store).links[0].upstream_state == "closed: won't do"


def test_a_hand_link_to_a_real_resolved_issue_ships_from_the_pages_then_costs_one_get(store):
    opportunities.create(store, "Analyzer ordering")
    with FakeJira() as jira:
        links.link(store, "O-1", f"{jira.api_url}/browse/LUCENE-1")
        assert opportunity(store).links[0].tracker == "jira"
        first = sync(store, jira, token=None)
        assert (first.links_refreshed, first.shipped) == (1, ["O-1"])
        assert opportunity(store).shipped_at == "2006-06-06T06:24:38Z"  # its resolutiondate
        jira.asked.clear()
        second = sync(store, jira, token=None)
        assert second.links_refreshed == 1
        assert [(a.method, a.path) for a in jira.asked][-1] == ("GET", "/jira/rest/api/2/issue/LUCENE-1")
        assert jira.asked[-1].query["fields"] == "summary,description,status,resolution,resolutiondate,updated"
        assert second.requests == len(jira.asked)


def test_the_same_key_on_another_site_is_not_read(store, jira):
    opportunities.create(store, "Elsewhere")
    links.link(store, "O-1", "https://issues.example.org/browse/LUCENE-1")
    result = sync(store, jira)
    assert result.links_refreshed == 0 and [a.path for a in jira.asked] == ["/jira/rest/api/2/search"]
