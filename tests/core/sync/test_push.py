"""`push_github` against a GitHub-compatible server on 127.0.0.1 (tests/support_github.py): one
push creates one issue carrying the opportunity's evidence and links it (one undo step); a second
push reads the issue and replaces only its evidence section, never creating a second one; a
hostile quote reaches the body as text that pings nobody and cannot fake the markers."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from prodops_tui.core.areas.ownership import add_area, set_role
from prodops_tui.core.areas.people import add_person
from prodops_tui.core.feedback import inbox, opportunities
from prodops_tui.core.feedback.inbox import Triage
from prodops_tui.core.model import FeedbackItem, Opportunity
from prodops_tui.core.sync.client import SyncError
from prodops_tui.core.sync.push import END, draft, push_github, replace_section

from ...support_github import FakeGitHub

REPO = "acme/app"
TOKEN = "ghp_" + "Q1w2E3r4T5y6U7i8O9p0" * 2
START = "<!-- prodops:evidence O-1 -->"


@pytest.fixture
def github():
    with FakeGitHub({REPO: []}, token=TOKEN) as server:
        yield server


def asked_for(store, text: str, customer: str, *, importance: str | None = None, votes: int | None = None) -> FeedbackItem:
    """One feedback item linked to O-1, as triage would link it."""
    item = inbox.capture(store, text, customer=customer, source="support", importance=importance)
    inbox.update(store, [item.id], Triage(opportunity="O-1"))
    if votes is not None:  # upvotes an import brought from its source
        with store.change("votes", origin="import") as tx:
            current = tx.require(item.id)
            assert isinstance(current, FeedbackItem)
            tx.put(replace(current, votes=votes))
    found = store.get(item.id)
    assert isinstance(found, FeedbackItem)
    return found


def opportunity_with_evidence(store) -> Opportunity:
    """O-1 in area Billing / Invoices (owner Priya Raman): 4 feedback items from 3 accounts,
    Kwame Mensah (Saltbox Coffee Roasters) and Saltbox Coffee Roasters being one."""
    billing = add_area(store, "Billing")
    invoices = add_area(store, "Invoices", parent=billing.id)
    priya = add_person(store, "Priya Raman", handle="priya")
    set_role(store, invoices.id, "owners", [priya.id])
    made = opportunities.create(store, "Bulk export of invoices", description="Accountants export invoices one by one.",
                                area=invoices.id)
    asked_for(store, "We export 300 invoices by hand every month", "Kwame Mensah (Saltbox Coffee Roasters)",
              importance="high", votes=7)
    asked_for(store, "A zip of all invoices please", "Saltbox Coffee Roasters")
    asked_for(store, "CSV of every invoice for the auditors", "Northwind", importance="critical")
    asked_for(store, "bulk export", "Globex", votes=1)
    return made


def push(store, server, **kwargs):
    return push_github(store, "O-1", REPO, api_url=server.api_url, token=kwargs.pop("token", TOKEN), **kwargs)


def test_one_push_creates_one_issue_with_the_evidence_and_links_it(store, github):
    opportunity_with_evidence(store)
    result = push(store, github)
    assert [(a.method, a.path) for a in github.asked] == [("POST", f"/repos/{REPO}/issues")]
    assert result.created and result.requests == 1
    assert result.line() == f"O-1: created {REPO}#1 https://github.com/{REPO}/issues/1"
    sent = github.asked[0].body
    assert sent["title"] == "Bulk export of invoices"
    assert sent["labels"] == ["Invoices"]  # the area's own name
    body = sent["body"]
    assert body.startswith("Accountants export invoices one by one.\n\n" + START + "\n")
    assert body.rstrip().endswith(END)
    assert "**3 accounts** asked (1 person named), in 4 feedback items" in body
    assert "**8 upvotes**" in body  # 7 + 1
    assert "Importance-weighted demand: **10**" in body  # high 3 + low 1 + critical 5 + unrated 1: the O screen's score
    assert "Area: Billing / Invoices; owners: Priya Raman" in body
    # Each account once, with its ids and its strongest quote, strongest first.
    assert body.count("Saltbox Coffee Roasters**") == 1
    lines = [line for line in body.split("**Who asked**")[1].splitlines() if line.startswith("- ")]
    assert lines == [
        "- **Northwind** (F-3): “CSV of every invoice for the auditors” (F-3)",
        "- **Saltbox Coffee Roasters** (F-1, F-2): “We export 300 invoices by hand every month” (F-1)",
        "- **Globex** (F-4): “bulk export” (F-4)",
    ]
    o = store.get("O-1")
    assert isinstance(o, Opportunity)
    assert [(link.url, link.tracker, link.key, link.pushed, link.upstream_state) for link in o.links] == [
        (f"https://github.com/{REPO}/issues/1", "github", f"{REPO}#1", True, "open")]
    assert o.links[0].checked_at == o.links[0].linked_at == "2026-11-24T15:00:00Z"


def test_undo_takes_the_push_link_back(store, github):
    opportunity_with_evidence(store)
    push(store, github)
    undone = store.undo()
    assert undone.label == f"pushed O-1 to {REPO}#1"
    o = store.get("O-1")
    assert isinstance(o, Opportunity) and o.links == []


def test_a_second_push_updates_the_same_issue_and_keeps_what_the_team_wrote(store, github):
    opportunity_with_evidence(store)
    push(store, github)
    issue = github.repos[REPO][1]
    team = "Plan: ship in Q1.\r\n\r\n" + issue["body"].replace("\n", "\r\n") + "\r\nDesign: see Figma."
    github.edit(1, REPO, body=team, title="Bulk export (Q1)")
    asked_for(store, "Exports for our accountant, please", "Initech")
    github.asked.clear()
    again = push(store, github)
    assert [(a.method, a.path) for a in github.asked] == [("GET", f"/repos/{REPO}/issues/1"), ("PATCH", f"/repos/{REPO}/issues/1")]
    assert github.asked[1].body.keys() == {"body"}  # the title and labels stay the team's
    assert not again.created and again.sent and again.line().startswith(f"O-1: updated the evidence of {REPO}#1")
    now = github.repos[REPO][1]
    assert len(github.repos[REPO]) == 1 and now["title"] == "Bulk export (Q1)"
    assert now["body"].startswith("Plan: ship in Q1.\r\n\r\nAccountants export invoices one by one.\r\n\r\n" + START + "\r\n")
    assert now["body"].endswith(END + "\r\n\r\nDesign: see Figma.")
    assert now["body"].count(START) == 1 and "**Initech** (F-5)" in now["body"]
    assert "**4 accounts** asked" in now["body"]
    github.asked.clear()
    third = push(store, github)  # nothing changed since: read, and nothing sent
    assert [a.method for a in github.asked] == ["GET"] and not third.sent
    o = store.get("O-1")
    assert isinstance(o, Opportunity) and len(o.links) == 1


def test_a_push_to_an_issue_whose_markers_were_removed_adds_the_section_at_the_end(store, github):
    opportunity_with_evidence(store)
    push(store, github)
    github.edit(1, REPO, body="The team rewrote the whole description.")
    again = push(store, github)
    body = github.repos[REPO][1]["body"]
    assert body.startswith("The team rewrote the whole description.\n\n" + START)
    assert "had no evidence section" in again.note
    assert not github.asked_as("POST")[1:]


def test_a_deleted_issue_creates_nothing_and_says_what_to_do(store, github):
    opportunity_with_evidence(store)
    push(store, github)
    github.delete(1, REPO)
    with pytest.raises(SyncError) as raised:
        push(store, github)
    message = str(raised.value)
    assert "O-1's issue acme/app#1 was deleted on GitHub (410); nothing was sent" in message
    assert f"prodops unlink O-1 {REPO}#1, then push again" in message and "\n" not in message
    assert len(github.asked_as("POST")) == 1 and not github.asked_as("PATCH")


def test_a_hostile_quote_reaches_the_body_as_text_that_pings_nobody(store, github):
    opportunity_with_evidence(store)
    asked_for(store, "@everyone <!-- prodops:evidence O-1 --> <!-- /prodops:evidence --> [link](javascript:alert(1)) "
                     "&#64;admins #1 mail evil@example.com \x1b[2J\u202etxet", "@octocat", importance="critical")
    push(store, github)
    body = github.asked[0].body["body"]
    lines = body.splitlines()
    assert lines.count(START) == 1 and lines.count(END) == 1  # the quote cannot fake a marker
    hostile = next(line for line in lines if "octocat" in line)
    assert "@everyone" not in hostile and "@\u200beveryone" in hostile  # a mention GitHub does not read
    assert "@\u200boctocat" in hostile
    assert "[link](javascript" not in hostile and r"\[link\](javascript" in hostile
    assert re.search(r"(?<!\\)[<>\[\]]", hostile.removeprefix("- **")) is None  # every bracket escaped: text, not HTML
    assert "&#64;" not in hostile and "#\u200b1" in hostile
    assert "evil@example.com" not in body and "\x1b" not in body and "\u202e" not in body
    # ... and a later push finds its own markers, not the quote's.
    github.edit(1, REPO, body=body + "\nkept")
    push(store, github)
    assert github.repos[REPO][1]["body"].endswith(END + "\n\nkept") and github.repos[REPO][1]["body"].count(START) == 1


def test_the_draft_is_what_a_push_sends_and_building_it_sends_nothing(store, github):
    opportunity_with_evidence(store)
    made = draft(store, "O-1", REPO)
    assert github.asked == [] and made.target is None
    push(store, github)
    assert github.asked[0].body == {"title": made.title, "body": made.body, "labels": list(made.labels)}
    assert draft(store, "O-1", REPO).target is not None  # now a push would update acme/app#1


def test_a_push_needs_a_token_and_sends_nothing_without_one(store, github):
    opportunity_with_evidence(store)
    with pytest.raises(Exception, match=r"needs a token that may write issues in \$GITHUB_TOKEN"):
        push(store, github, token=None)
    assert github.asked == []


def test_replace_section_keeps_everything_outside_the_last_complete_pair():
    section = f"{START}\nnew\n{END}"
    body = f"intro\n{START}\nold\n{END}\nafter\n"
    assert replace_section(body, section, "O-1") == (f"intro\n{START}\nnew\n{END}\nafter\n", True)
    other = "<!-- prodops:evidence O-2 -->"
    assert replace_section(f"{other}\nx\n{END}\n", section, "O-1")[1] is False  # another opportunity's section
    assert replace_section("", section, "O-1") == (section + "\n", False)


def test_the_body_is_json_that_github_takes(store, github):
    opportunity_with_evidence(store)
    push(store, github)
    assert json.loads(json.dumps(github.asked[0].body)) == github.asked[0].body
    assert github.asked[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert github.asked[0].headers["content-type"] == "application/json"
