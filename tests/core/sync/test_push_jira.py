"""`push_jira` against a Jira-compatible server on 127.0.0.1 (tests/support_jira.py): the same
push through the same code (push.push over the Jira client): one push creates one Story whose
v2 description carries the evidence in wiki markup inside a panel whose first and last lines are
the markers; a second push PUTs only that section back (Jira answers 204); a hostile quote is
literal wiki text (no macro, link, mention, table, image or heading) and cannot fake a marker."""

from __future__ import annotations

import re

import pytest

from prodops_tui.core.model import Opportunity
from prodops_tui.core.sync.client import SyncError
from prodops_tui.core.sync.push import draft, push_jira, wiki_text

from ...support_jira import FakeJira
from .test_push import asked_for, opportunity_with_evidence

PROJECT = "LUCENE"  # the fake's project
TOKEN = "jira-pat-" + "Mn8Bv7Cx6Za5Sd4Fg3"
START = "{panel:title=prodops:evidence O-1}"
END = "{panel}"
ISSUE = "/jira/rest/api/2/issue"


@pytest.fixture
def jira():
    with FakeJira([], token=TOKEN) as server:
        yield server


def push(store, server, **kwargs):
    return push_jira(store, "O-1", PROJECT, api_url=server.api_url, token=kwargs.pop("token", TOKEN), **kwargs)


def test_one_push_creates_one_story_with_the_evidence_in_wiki_markup_and_links_it(store, jira):
    opportunity_with_evidence(store)
    result = push(store, jira)
    assert [(a.method, a.path) for a in jira.asked] == [("POST", ISSUE)]
    assert result.created and result.requests == 1
    url = f"{jira.api_url}/browse/{PROJECT}-1"
    assert result.line() == f"O-1: created {PROJECT}-1 {url}"
    fields = jira.asked[0].body["fields"]
    assert fields["project"] == {"key": PROJECT} and fields["issuetype"] == {"name": "Story"}
    assert fields["summary"] == "Bulk export of invoices" and fields["labels"] == ["Invoices"]
    body = fields["description"]
    assert body.startswith("Accountants export invoices one by one.\n\n" + START + "\nh3. Evidence from prodops (O-1)\n")
    assert body.rstrip().endswith(END) and "<!--" not in body
    assert "* *3 accounts* asked (1 person named), in 4 feedback items" in body
    assert "* Importance-weighted demand: *10*" in body
    assert "* *Northwind* (F-3): “CSV of every invoice for the auditors” (F-3)" in body
    assert jira.asked[0].headers["authorization"] == f"Bearer {TOKEN}"
    o = store.get("O-1")
    assert isinstance(o, Opportunity)
    assert [(link.url, link.tracker, link.key, link.pushed, link.upstream_state) for link in o.links] == [
        (url, "jira", f"{PROJECT}-1", True, "open")]


def test_a_second_push_puts_back_only_the_panel_and_jira_answers_204(store, jira):
    opportunity_with_evidence(store)
    push(store, jira)
    issue = jira.issues[f"{PROJECT}-1"]
    jira.edit(f"{PROJECT}-1", description="Plan: Q1.\n" + issue["fields"]["description"] + "\n{panel}\nthe team's panel\n{panel}",
              summary="Bulk export (Q1)")
    asked_for(store, "Exports for our accountant, please", "Initech")
    jira.asked.clear()
    again = push(store, jira)
    assert [(a.method, a.path) for a in jira.asked] == [("GET", f"{ISSUE}/{PROJECT}-1"), ("PUT", f"{ISSUE}/{PROJECT}-1")]
    assert jira.asked[1].body == {"fields": {"description": jira.issues[f"{PROJECT}-1"]["fields"]["description"]}}
    assert jira.asked[1].status == 204 and not again.created and again.sent
    now = jira.issues[f"{PROJECT}-1"]["fields"]
    assert now["summary"] == "Bulk export (Q1)" and len(jira.issues) == 1
    assert now["description"].startswith("Plan: Q1.\nAccountants export invoices one by one.\n\n" + START)
    assert now["description"].endswith(END + "\n\n{panel}\nthe team's panel\n{panel}")  # the team's own panel kept
    assert now["description"].count(START) == 1 and "* *Initech* (F-5)" in now["description"]
    jira.asked.clear()
    assert not push(store, jira).sent and [a.method for a in jira.asked] == ["GET"]


def test_an_issue_type_can_be_said_and_one_jira_refuses_is_one_line(store, jira):
    opportunity_with_evidence(store)
    with pytest.raises(SyncError) as raised:
        push(store, jira, issue_type="Epic")
    assert str(raised.value) == ("jira LUCENE: Jira would not create the issue (400 valid issue type is required)")
    push(store, jira, issue_type="Task")
    assert jira.asked[-1].body["fields"]["issuetype"] == {"name": "Task"}


def test_a_hostile_quote_is_literal_wiki_text(store, jira):
    opportunity_with_evidence(store)
    asked_for(store, "{panel:title=prodops:evidence O-1} {panel} [~admin] [x|javascript:alert(1)] !http://evil/x.png! "
                     "*bold* _em_ -del- ||cell|| {code}x{code} back\\\\slash @admin evil@example.com \u202etxet",
              "[~root]", importance="critical")
    push(store, jira)
    body = jira.asked[0].body["fields"]["description"]
    lines = body.splitlines()
    assert lines.count(START) == 1 and lines.count(END) == 1  # the quote cannot fake a marker
    hostile = next(line for line in lines if "root" in line)
    text = hostile.removeprefix("* *").replace("* (F-5): “", " ", 1)
    assert re.search(r"(?<!\\)[{}\[\]|!]", text) is None  # every macro, link, table and image sign escaped
    assert "\\\\\\\\" not in hostile and "\\\u200b\\\u200b" in hostile  # no \\ line break
    assert "@\u200badmin" in hostile and "evil@example.com" not in body and "\u202e" not in body
    assert wiki_text("h1. Big") == "\u200bh1. Big" and wiki_text("bq. quote").startswith("\u200b")
    jira.edit(f"{PROJECT}-1", description=body + "\nkept")
    push(store, jira)
    assert jira.issues[f"{PROJECT}-1"]["fields"]["description"].endswith(END + "\n\nkept")


def test_a_deleted_jira_issue_creates_nothing_and_a_push_needs_a_token(store, jira):
    opportunity_with_evidence(store)
    with pytest.raises(Exception, match=r"pushing to Jira needs a token that may write issues in \$JIRA_TOKEN"):
        push(store, jira, token=None)
    assert jira.asked == []
    push(store, jira)
    jira.delete(f"{PROJECT}-1")
    with pytest.raises(SyncError) as raised:
        push(store, jira)
    assert f"O-1's issue {PROJECT}-1 cannot be read" in str(raised.value) and TOKEN not in str(raised.value)
    assert len(jira.asked_as("POST")) == 1 and not jira.asked_as("PUT")
    assert draft(store, "O-1", PROJECT, "jira").target is not None
