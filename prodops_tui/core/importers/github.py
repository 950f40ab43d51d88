"""Preset `github-issues`: GitHub issues, as the REST API returns them or as `gh issue list --json` prints them.

REST (`GET /repos/OWNER/REPO/issues`, a JSON array or one record a line): number, title, body,
user{login}, labels[{name}], state (open/closed), state_reason (completed, not_planned,
reopened), created_at, updated_at, closed_at, html_url, repository_url, reactions{"+1"},
comments, milestone{title}, assignees[{login}], pull_request (on pull requests only).
gh (`gh issue list --json number,title,body,author,labels,state,stateReason,createdAt,url,reactionGroups`):
the same under camelCase names, state OPEN/CLOSED, author{login}, reactionGroups
[{content: THUMBS_UP, users{totalCount}}]. Detected by number + title + a GitHub issue link
(html_url, or gh's url ending in /issues/N).

text = body (the title when the body is empty); title = title; customer = the author's login
(never the user record); source = "github"; tags = the label names; received_at = created_at;
url = html_url (gh: url); votes = the 👍 count (reactions["+1"], gh's THUMBS_UP group; None
when the record carries no reactions); upstream_state = "open" or "closed: <state_reason>"
("closed: completed", "closed: not_planned"), and a closed issue arrives as processed (the PM
has nothing to triage); source_key = `github:OWNER/REPO#N` (the repository from
repository_url, else from the link), so re-importing, or syncing, adds each issue once.
milestone, assignees, comments, updated_at and closed_at are kept in `extra`. Pull requests
(records with `pull_request`; gh's isPullRequest) are not feedback: skipped and counted.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import FeedbackItem
from ..text import clean_line
from . import tracker
from .base import Preset, Row, Sample
from .fields import Context
from .result import PULL_REQUEST, ImportRowError, RowIgnored

NAME = "github-issues"
SOURCE = "github"
# https://api.github.com/repos/OWNER/REPO, https://HOST/api/v3/repos/OWNER/REPO
_API_REPO = re.compile(r"/repos/([^/\s]+/[^/\s]+?)/*$")
# https://github.com/OWNER/REPO/issues/12 (or /pull/12), GitHub Enterprise the same on its host
_WEB_ISSUE = re.compile(r"^https?://[^/\s]+/([^/\s]+/[^/\s]+)/(?:issues|pull)/(\d+)/*(?:[?#].*)?$")


def item_from_issue(record: dict[str, Any], *, repo: str | None = None) -> FeedbackItem:
    """One GitHub issue record (REST or `gh issue list --json`) as a feedback item.

    `repo` ("OWNER/REPO") when the caller knows it (a sync); else it is read from the record's
    repository_url or link. Raises RowIgnored for a pull request and ImportRowError(field,
    reason) for a record that cannot be used (no number, no title, no creation date, no
    repository)."""
    if not isinstance(record, dict):
        raise ImportRowError(None, "is not an object")
    if record.get("pull_request") is not None or record.get("isPullRequest") is True:
        raise RowIgnored("pull_request", PULL_REQUEST)
    number = tracker.count(record.get("number"))
    if number is None:
        raise ImportRowError("number", "no issue number, so a re-import could not recognise the issue")
    # A REST record's `url` is the API's address, not a page a person opens: its link is html_url.
    rest = "html_url" in record or "created_at" in record
    link = clean_line(tracker.text(record.get("html_url" if rest else "url")))
    repo = repo or _repo_of(record, link)
    if not repo:
        raise ImportRowError("repository_url", "no repository (neither repository_url nor an issue link), so the issue has no key")
    title = tracker.title(record.get("title"), "title")
    text = tracker.body(title, tracker.text(record.get("body")), "body")
    closed = tracker.text(record.get("state")).casefold() == "closed"
    reason = tracker.text(record.get("state_reason") if "state_reason" in record else record.get("stateReason"))
    status, upstream = tracker.state(closed, reason)
    created = "created_at" if "created_at" in record or "createdAt" not in record else "createdAt"
    author = record.get("user") if "user" in record else record.get("author")
    return FeedbackItem(
        text=text,
        title=title,
        customer=clean_line(tracker.text(tracker.get(author, "login"))),
        source=SOURCE,
        tags=tracker.names(record.get("labels")),
        received_at=tracker.timestamp(record.get(created), created),
        status=status,
        upstream_state=upstream,
        votes=_thumbs_up(record),
        url=link,
        source_key=f"{SOURCE}:{repo}#{number}",
        extra=_extra(record),
    )


def repo_of(record: dict[str, Any]) -> str:
    """'OWNER/REPO' of a GitHub issue record ('' when it does not say)."""
    return _repo_of(record, tracker.text(record.get("html_url") or record.get("url")))


def _repo_of(record: dict[str, Any], link: str) -> str:
    found = _API_REPO.search(tracker.text(record.get("repository_url")))
    if found:
        return found.group(1)
    web = _WEB_ISSUE.match(link)
    return web.group(1) if web else ""


def _thumbs_up(record: dict[str, Any]) -> int | None:
    reactions = record.get("reactions")
    if isinstance(reactions, dict):
        return tracker.count(reactions.get("+1"))
    groups = record.get("reactionGroups")
    if isinstance(groups, list):
        for group in groups:
            if isinstance(group, dict) and group.get("content") == "THUMBS_UP":
                return tracker.count(tracker.get(group, "users", "totalCount"))
        return 0  # gh lists only the reactions an issue has
    return None


def _extra(record: dict[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    milestone = clean_line(tracker.text(tracker.get(record, "milestone", "title")))
    if milestone:
        extra["milestone"] = milestone
    assignees = [clean_line(tracker.text(tracker.get(a, "login"))) for a in record.get("assignees") or [] if isinstance(a, dict)]
    if any(assignees):
        extra["assignees"] = [a for a in assignees if a]
    comments = record.get("comments")
    if isinstance(comments, list):  # gh --json comments gives the comments themselves
        comments = len(comments)
    if tracker.count(comments):
        extra["comments"] = tracker.count(comments)
    for key, name in (("updated_at", "updatedAt"), ("closed_at", "closedAt")):
        value = clean_line(tracker.text(record.get(key) if key in record else record.get(name)))
        if value:
            extra[key] = value
    return extra


def _convert(row: Row, ctx: Context) -> FeedbackItem:
    return item_from_issue(row)


def _match(columns: list[str], sample: Sample) -> int:
    """REST records (number, title, html_url) or gh's (number, title, a url to /issues/N); a
    GitLab record (iid, web_url) or Jira's (key, fields) has neither."""
    names = set(columns)
    if not {"number", "title"} <= names:
        return 0
    if "html_url" in names and ("repository_url" in names or "user" in names):
        return 10
    links = [r.get("url") for r in sample if isinstance(r, dict)]
    if "url" in names and any(isinstance(u, str) and _WEB_ISSUE.match(u) for u in links):
        return 8
    return 0


PRESET = Preset(
    name=NAME,
    description="GitHub issues: the REST API's records, or `gh issue list --json ...` output",
    required=("number", "title"),
    optional=(),
    convert=_convert,
    match=_match,
)
