"""`push_gitlab` against a GitLab-compatible server on 127.0.0.1 (tests/support_gitlab.py): the
same push as GitHub's through the same code (push.push over the GitLab client): one push creates
one issue whose `description` carries the evidence, a second PUTs only the evidence section back,
a hostile quote references nothing GitLab would link (@, #, !, ~, %, $, &) and cannot fake the
markers, and the token goes in PRIVATE-TOKEN only."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from prodops_tui.core.model import Opportunity
from prodops_tui.core.sync.client import SyncError
from prodops_tui.core.sync.push import END, draft, push_gitlab

from ...support_gitlab import WEB, FakeGitLab
from .test_push import asked_for, opportunity_with_evidence

PROJECT = "acme/billing"
TOKEN = "glpat-" + "Zx9Yw8Vu7Ts6Rq5Po4Nm"
START = "<!-- prodops:evidence O-1 -->"
ISSUES = "/api/v4/projects/acme/billing/issues"  # as the server decodes the path
URL = f"{WEB}/{PROJECT}/-/issues/1"


@pytest.fixture
def gitlab():
    with FakeGitLab({PROJECT: []}, token=TOKEN) as server:
        yield server


def opportunity_area(store) -> str:
    o = store.get("O-1")
    assert isinstance(o, Opportunity) and o.area
    return o.area


def push(store, server, **kwargs):
    return push_gitlab(store, "O-1", PROJECT, api_url=server.api_url, token=kwargs.pop("token", TOKEN), **kwargs)


def test_one_push_creates_one_gitlab_issue_with_the_evidence_in_its_description_and_links_it(store, gitlab):
    opportunity_with_evidence(store)
    result = push(store, gitlab)
    assert [(a.method, a.path) for a in gitlab.asked] == [("POST", ISSUES)]
    assert gitlab.raw_paths == ["/api/v4/projects/acme%2Fbilling/issues"]  # the project id URL-encoded
    assert result.created and result.requests == 1
    assert result.line() == f"O-1: created {PROJECT}#1 {URL}"
    sent = gitlab.asked[0].body
    assert sent.keys() == {"title", "description", "labels"}
    assert sent["title"] == "Bulk export of invoices" and sent["labels"] == "Invoices"
    body = sent["description"]
    assert body.startswith("Accountants export invoices one by one.\n\n" + START + "\n") and body.rstrip().endswith(END)
    assert "**3 accounts** asked (1 person named), in 4 feedback items" in body
    assert "Importance-weighted demand: **10**" in body
    assert "- **Northwind** (F-3): “CSV of every invoice for the auditors” (F-3)" in body
    assert gitlab.asked[0].headers["private-token"] == TOKEN and "authorization" not in gitlab.asked[0].headers
    o = store.get("O-1")
    assert isinstance(o, Opportunity)
    assert [(link.url, link.tracker, link.key, link.pushed, link.upstream_state) for link in o.links] == [
        (URL, "gitlab", f"{PROJECT}#1", True, "opened")]
    assert store.undo().label == f"pushed O-1 to {PROJECT}#1"


def test_a_second_push_puts_back_only_the_evidence_section_of_the_same_issue(store, gitlab):
    opportunity_with_evidence(store)
    push(store, gitlab)
    issue = gitlab.projects[PROJECT][1]
    gitlab.edit(1, PROJECT, description="Plan: ship in Q1.\n\n" + issue["description"] + "\nDesign: see Figma.",
                title="Bulk export (Q1)")
    asked_for(store, "Exports for our accountant, please", "Initech")
    gitlab.asked.clear()
    again = push(store, gitlab)
    assert [(a.method, a.path) for a in gitlab.asked] == [("GET", f"{ISSUES}/1"), ("PUT", f"{ISSUES}/1")]
    assert gitlab.asked[1].body.keys() == {"description"}  # title and labels stay the team's
    assert not again.created and again.sent and again.requests == 2
    now = gitlab.projects[PROJECT][1]
    assert len(gitlab.projects[PROJECT]) == 1 and now["title"] == "Bulk export (Q1)"
    assert now["description"].startswith("Plan: ship in Q1.\n\nAccountants export invoices one by one.\n\n" + START)
    assert now["description"].endswith(END + "\n\nDesign: see Figma.")
    assert now["description"].count(START) == 1 and "**Initech** (F-5)" in now["description"]
    gitlab.asked.clear()
    assert not push(store, gitlab).sent and [a.method for a in gitlab.asked] == ["GET"]  # current: nothing sent


def test_a_deleted_gitlab_issue_creates_nothing_and_says_what_to_do(store, gitlab):
    opportunity_with_evidence(store)
    push(store, gitlab)
    gitlab.delete(1, PROJECT)
    with pytest.raises(SyncError) as raised:
        push(store, gitlab)
    message = str(raised.value)
    assert f"O-1's issue {PROJECT}#1 cannot be read: deleted, moved, or the token in $GITLAB_TOKEN cannot see it (404)" in message
    assert f"prodops unlink O-1 {PROJECT}#1, then push again" in message and TOKEN not in message
    assert len(gitlab.asked_as("POST")) == 1 and not gitlab.asked_as("PUT")


def test_a_hostile_quote_references_nothing_gitlab_would_link(store, gitlab):
    opportunity_with_evidence(store)
    asked_for(store, "@all <!-- prodops:evidence O-1 --> <!-- /prodops:evidence --> see #1 !2 ~bug %v1 $3 &4 "
                     "[x](javascript:alert(1)) &#64;admins mail evil@example.com \u202etxet", "@root", importance="critical")
    push(store, gitlab)
    body = gitlab.asked[0].body["description"]
    lines = body.splitlines()
    assert lines.count(START) == 1 and lines.count(END) == 1
    hostile = next(line for line in lines if "root" in line)
    # No sign GitLab reads as a reference is followed by the word it would link.
    assert re.search(r"[@#!~%$&][\w\-]", hostile.replace("&amp;", "")) is None
    for sign, word in (("@", "all"), ("#", "1"), ("!", "2"), ("~", "bug"), ("%", "v1"), ("$", "3"), ("&", "4"), ("@", "root")):
        assert f"{sign}\u200b{word}" in hostile.replace("\\", "").replace("&amp;", "&"), sign + word
    assert "[x](javascript" not in hostile and "evil@example.com" not in body and "\u202e" not in body
    gitlab.edit(1, PROJECT, description=body + "\nkept")
    push(store, gitlab)
    assert gitlab.projects[PROJECT][1]["description"].endswith(END + "\n\nkept")


def test_gitlab_labels_are_one_comma_separated_string_and_a_comma_in_the_area_is_no_second_label(store, gitlab):
    opportunity_with_evidence(store)
    with store.change("rename") as tx:
        area = tx.require(opportunity_area(store))
        tx.put(replace(area, name="Invoices, credit notes"))
    made = draft(store, "O-1", PROJECT, "gitlab")
    assert made.labels == ("Invoices, credit notes",)
    push(store, gitlab)
    assert gitlab.asked[0].body["labels"] == "Invoices  credit notes"
    assert gitlab.projects[PROJECT][1]["labels"] == ["Invoices  credit notes"]


def test_a_gitlab_push_needs_a_token_and_a_refused_one_is_said_without_it(store, gitlab):
    opportunity_with_evidence(store)
    with pytest.raises(Exception, match=r"pushing to GitLab needs a token that may write issues in \$GITLAB_TOKEN"):
        push(store, gitlab, token=None)
    assert gitlab.asked == []
    with pytest.raises(SyncError) as raised:
        push(store, gitlab, token="glpat-wrong-token-000")
    assert "GitLab refused the token in $GITLAB_TOKEN (401 Unauthorized)" in str(raised.value)
    assert "glpat-wrong-token-000" not in str(raised.value)
    o = store.get("O-1")
    assert isinstance(o, Opportunity) and o.links == []
