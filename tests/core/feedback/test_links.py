"""User stories for prodops_tui.core.feedback.links: an opportunity linked to the tracker issues
that deliver it (`prodops link` / `unlink`), from what a PM pastes."""

from __future__ import annotations

import pytest

from prodops_tui.core.errors import InvalidInput, NotFound
from prodops_tui.core.feedback import links, opportunities
from prodops_tui.core.model import Opportunity, SyncState, TrackerLink


@pytest.fixture
def opportunity(store) -> Opportunity:
    store.actor = "Priya Raman"
    return opportunities.create(store, "Bulk export of invoices")


@pytest.mark.parametrize(("pasted", "tracker", "key", "url"), [
    ("https://github.com/matomo-org/matomo/issues/11993", "github", "matomo-org/matomo#11993",
     "https://github.com/matomo-org/matomo/issues/11993"),
    ("https://github.com/rails/rails/issues/48710#issuecomment-1637", "github", "rails/rails#48710",
     "https://github.com/rails/rails/issues/48710"),  # a comment's link is the issue
    ("https://github.acme.com/billing/app/issues/4", "github", "billing/app#4", "https://github.acme.com/billing/app/issues/4"),
    ("https://gitlab.com/gitlab-org/gitlab/-/issues/12345", "gitlab", "gitlab-org/gitlab#12345",
     "https://gitlab.com/gitlab-org/gitlab/-/issues/12345"),
    ("https://git.acme.example/platform/billing/api/-/issues/3", "gitlab", "platform/billing/api#3",
     "https://git.acme.example/platform/billing/api/-/issues/3"),  # self-hosted, subgroups
    ("https://gitlab.com/groups/gitlab-org/-/epics/42", "gitlab", "gitlab-org&42", "https://gitlab.com/groups/gitlab-org/-/epics/42"),
    ("https://issues.apache.org/jira/browse/LUCENE-1", "jira", "LUCENE-1", "https://issues.apache.org/jira/browse/LUCENE-1"),
    ("https://acme.atlassian.net/browse/proj-7?focusedCommentId=10", "jira", "PROJ-7", "https://acme.atlassian.net/browse/PROJ-7"),
    ("https://www.notion.so/acme/Roadmap-bulk-export-123", "", "", "https://www.notion.so/acme/Roadmap-bulk-export-123"),
])
def test_a_pasted_issue_or_epic_url_is_read_as_its_tracker_and_key(store, pasted, tracker, key, url):
    assert links.parse_link(store, pasted) == TrackerLink(url=url, tracker=tracker, key=key)


def test_the_real_imports_links_read_as_their_trackers(store):
    """The links the GitHub, Jira and GitLab importers keep (tests/data/intake/) link as such."""
    assert links.parse_link(store, "https://github.com/matomo-org/matomo/issues/11986").key == "matomo-org/matomo#11986"
    assert links.parse_link(store, "https://issues.apache.org/jira/browse/LUCENE-4").tracker == "jira"
    # GitLab's own CSV fixture links to a local test host in GitLab's old path form: kept, never refreshed.
    assert links.parse_link(store, "http://localhost:3000/jashkenas/underscore/issues/1").tracker == ""


def test_a_github_enterprise_host_is_known_from_its_sync(store):
    pasted = "https://ghe.acme.com/billing/app/issues/9"
    assert links.parse_link(store, pasted).tracker == ""  # any site could have that path
    with store.change("sync", history=False) as tx:
        tx.add(SyncState(source="github billing/app", api_url="https://ghe.acme.com/api/v3"))
    assert links.parse_link(store, pasted) == TrackerLink(url=pasted, tracker="github", key="billing/app#9")


def test_a_bare_jira_key_takes_its_site_from_a_jira_sync_or_asks_for_the_url(store, opportunity):
    with pytest.raises(InvalidInput, match=r"give the issue's URL \(https://SITE/browse/PROJ-7\)") as refused:
        links.link(store, opportunity.id, "PROJ-7")
    assert "\n" not in str(refused.value)
    assert store.get(opportunity.id).links == []
    with store.change("sync", history=False) as tx:
        tx.add(SyncState(source="jira PROJ", api_url="https://acme.atlassian.net/rest/api/2/search?jql=project+%3D+PROJ"))
    made = links.link(store, opportunity.id, "proj-7").link
    assert (made.url, made.tracker, made.key) == ("https://acme.atlassian.net/browse/PROJ-7", "jira", "PROJ-7")


def test_two_jira_sites_are_not_guessed_between(store):
    with store.change("syncs", history=False) as tx:
        tx.add(SyncState(source="jira PROJ", api_url="https://acme.atlassian.net"))
        tx.add(SyncState(source="jira LUCENE", api_url="https://issues.apache.org/jira/rest/api/2"))
    assert links.parse_link(store, "LUCENE-12").url == "https://issues.apache.org/jira/browse/LUCENE-12"
    with pytest.raises(InvalidInput, match="several Jira sites"):
        links.parse_link(store, "OTHER-3")


def test_link_records_who_and_when_and_unlink_takes_it_away_each_one_undo_step(store, opportunity):
    first = links.link(store, opportunity.id, "https://github.com/acme/billing/issues/412")
    second = links.link(store, opportunity.id.lower(), "https://acme.atlassian.net/browse/BILL-7")

    assert first.changed and second.changed
    stored = store.get(opportunity.id)
    assert [(link.key, link.linked_by, link.linked_at) for link in stored.links] == [
        ("acme/billing#412", "Priya Raman", "2026-11-24T15:00:00Z"), ("BILL-7", "Priya Raman", "2026-11-24T15:00:00Z")]
    assert store.undoable().label == f"linked {opportunity.id} to BILL-7"

    removed = links.unlink(store, opportunity.id, "acme/billing#412")  # by key, as shown
    assert removed.link.key == "acme/billing#412"
    assert [link.key for link in store.get(opportunity.id).links] == ["BILL-7"]
    assert store.undoable().label == f"unlinked {opportunity.id} from acme/billing#412"
    store.undo()
    assert [link.key for link in store.get(opportunity.id).links] == ["acme/billing#412", "BILL-7"]
    links.unlink(store, opportunity.id, "https://acme.atlassian.net/browse/BILL-7?filter=1")  # by URL
    assert [link.key for link in store.get(opportunity.id).links] == ["acme/billing#412"]
    store.undo()
    store.undo()
    assert [link.key for link in store.get(opportunity.id).links] == ["acme/billing#412"]


def test_linking_the_same_issue_twice_is_a_no_op_with_a_note(store, opportunity):
    links.link(store, opportunity.id, "https://github.com/acme/billing/issues/412")
    history = store.undoable()
    again = links.link(store, opportunity.id, "https://GitHub.com/Acme/Billing/issues/412#issuecomment-9")
    assert not again.changed
    assert again.note == f"{opportunity.id} is already linked to acme/billing#412"
    assert store.undoable() == history  # no undo step
    assert len(store.get(opportunity.id).links) == 1


def test_another_site_is_kept_with_a_note_that_it_is_never_refreshed(store, opportunity):
    made = links.link(store, opportunity.id, "https://linear.app/acme/issue/BIL-12/bulk-export")
    assert made.changed and made.link.tracker == "" and "GitHub, GitLab and Jira" in made.note


@pytest.mark.parametrize(("pasted", "message"), [
    ("ftp://files.acme.com/issue/1", "is not an http(s) URL"),
    ("javascript:alert(1)", "is not an http(s) URL"),
    ("github.com/acme/billing/issues/1", "give the whole URL (https://github.com/acme/billing/issues/1)"),
    ("https://github.com/acme/billing/issues/1\x1b]0;owned\x07", "control character"),
    ("https://bob:hunter2@github.com/acme/billing/issues/1", "user name or password"),
    ("   ", "give the issue's URL"),
    ("bulk export issue", "not a URL or a key"),
])
def test_what_is_not_a_link_is_refused_in_one_line_and_nothing_is_stored(store, opportunity, pasted, message):
    with pytest.raises(InvalidInput) as refused:
        links.link(store, opportunity.id, pasted)
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert "hunter2" not in str(refused.value)
    assert store.get(opportunity.id).links == []


def test_an_unknown_opportunity_or_link_is_one_line(store, opportunity):
    with pytest.raises(NotFound, match="no opportunity O-99"):
        links.link(store, "O-99", "https://github.com/acme/billing/issues/1")
    links.link(store, opportunity.id, "https://github.com/acme/billing/issues/1")
    with pytest.raises(NotFound, match=r"has no link to 'acme/billing#2' \(its links: acme/billing#1\)"):
        links.unlink(store, opportunity.id, "acme/billing#2")


def test_links_as_json_carry_their_upstream_state(store, opportunity):
    links.link(store, opportunity.id, "https://github.com/acme/billing/issues/412")
    (record,) = links.link_records(store.get(opportunity.id))
    assert record == {"url": "https://github.com/acme/billing/issues/412", "tracker": "github", "key": "acme/billing#412",
                      "upstream_state": None, "checked_at": None, "pushed": False,
                      "linked_at": "2026-11-24T15:00:00Z", "linked_by": "Priya Raman"}
