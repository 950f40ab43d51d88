"""Presets `gitlab-issues` and `gitlab-csv`: GitLab issues, from the REST API or the CSV export.

`gitlab-issues`: `GET /projects/:id/issues` (a JSON array or one record a line): iid, title,
description, state (opened/closed), author{username, name}, labels (names, or objects with
`with_labels_details`), upvotes, created_at, closed_at, web_url, references{full}, milestone,
assignees. Detected by iid + title + web_url. Merge requests (records with source_branch /
merge_status, or a web_url to /merge_requests/) are skipped and counted.

`gitlab-csv`: a project's "Export as CSV" of its issue list: Issue ID, URL, Title, State,
Description, Author, Author Username, Assignee, Assignee Username, Confidential, Locked, Due
Date, Created At (UTC), Updated At (UTC), Closed At (UTC), Milestone, Weight, Labels (one cell,
comma-separated), Time Estimate, Time Spent, Epic ID, Epic Title. Times are UTC without a zone.

Both: text = description (the title when it is empty); title = title; customer = the author's
username (the name kept in `extra`); source = "gitlab"; tags = the labels; received_at =
created at; votes = upvotes (the export has none); url = web_url / URL; upstream_state =
"open" or "closed", and a closed issue arrives as processed; source_key =
`gitlab:GROUP/PROJECT#IID` (the project's path from the link, so REST records and the CSV
export of the same project are the same issues). Milestone, assignee and, from the CSV, the
other non-empty columns are kept in `extra`.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import FeedbackItem
from ..text import clean_line
from . import tracker
from .base import Preset, Row, Sample
from .fields import Context
from .result import MERGE_REQUEST, ImportRowError, RowIgnored

REST_NAME = "gitlab-issues"
CSV_NAME = "gitlab-csv"
SOURCE = "gitlab"
# https://gitlab.com/group/sub/project/-/issues/12 (older: .../project/issues/12)
_ISSUE_LINK = re.compile(r"^https?://[^/\s]+/(.+?)(?:/-)?/(issues|work_items|merge_requests)/(\d+)/*(?:[?#].*)?$")


def _project(link: str, references: Any = None) -> str:
    full = tracker.text(tracker.get(references, "full"))
    if "#" in full:
        return full.rsplit("#", 1)[0]
    found = _ISSUE_LINK.match(link)
    return found.group(1) if found else ""


def _state(value: str) -> tuple[str, str]:
    closed = value.strip().casefold() == "closed"
    return tracker.state(closed)


def item_from_issue(record: dict[str, Any]) -> FeedbackItem:
    """One GitLab REST issue record as a feedback item (RowIgnored for a merge request)."""
    link = clean_line(tracker.text(record.get("web_url")))
    found = _ISSUE_LINK.match(link)
    if "source_branch" in record or "merge_status" in record or (found and found.group(2) == "merge_requests"):
        raise RowIgnored(None, MERGE_REQUEST)
    iid = tracker.count(record.get("iid"))
    if iid is None:
        raise ImportRowError("iid", "no issue number (iid), so a re-import could not recognise the issue")
    project = _project(link, record.get("references"))
    if not project:
        raise ImportRowError("web_url", "no project (neither references.full nor an issue link), so the issue has no key")
    title = tracker.title(record.get("title"), "title")
    status, upstream = _state(tracker.text(record.get("state")))
    author = record.get("author")
    extra: dict[str, Any] = {}
    name = clean_line(tracker.text(tracker.get(author, "name")))
    if name:
        extra["author_name"] = name
    milestone = clean_line(tracker.text(tracker.get(record, "milestone", "title")))
    if milestone:
        extra["milestone"] = milestone
    assignees = tracker.names(record.get("assignees"), "username")
    if assignees:
        extra["assignees"] = assignees
    for key in ("updated_at", "closed_at"):
        value = clean_line(tracker.text(record.get(key)))
        if value:
            extra[key] = value
    return FeedbackItem(
        text=tracker.body(title, tracker.text(record.get("description")), "description"),
        title=title,
        customer=clean_line(tracker.text(tracker.get(author, "username"))),
        source=SOURCE,
        tags=tracker.names(record.get("labels")),
        received_at=tracker.timestamp(record.get("created_at"), "created_at"),
        status=status,
        upstream_state=upstream,
        votes=tracker.count(record.get("upvotes")),
        url=link,
        source_key=f"{SOURCE}:{project}#{iid}",
        extra=extra,
    )


def _convert_rest(row: Row, ctx: Context) -> FeedbackItem:
    return item_from_issue(row)


def _match_rest(columns: list[str], sample: Sample) -> int:
    return 10 if {"iid", "title", "web_url"} <= set(columns) else 0


REST_PRESET = Preset(
    name=REST_NAME,
    description="GitLab issues: the REST API's records (iid, title, web_url, author, labels, upvotes, ...)",
    required=("iid", "title", "web_url"),
    optional=(),
    convert=_convert_rest,
    match=_match_rest,
)


# --- the CSV export ------------------------------------------------------------------------

_CSV_USED = ("issue id", "url", "title", "state", "description", "author username", "labels", "created at (utc)")


def convert_csv(row: Row, ctx: Context) -> FeedbackItem:
    def cell(name: str) -> str:
        column = ctx.columns.get(name)
        value = row.get(column) if column is not None else None
        return value if isinstance(value, str) else ", ".join(v for v in value or [] if isinstance(v, str))

    iid = tracker.count(cell("issue id"))
    if iid is None:
        raise ImportRowError(ctx.column("issue id"), "no issue id, so a re-import could not recognise the issue")
    link = clean_line(cell("url"))
    project = _project(link)
    if not project:
        raise ImportRowError(ctx.column("url"), "no issue link to tell the project, so the issue has no key")
    title = tracker.title(cell("title"), ctx.column("title"))
    status, upstream = _state(cell("state"))
    extra = tracker.csv_extra(row, ctx, CSV_NAME, _CSV_USED)
    return FeedbackItem(
        text=tracker.body(title, cell("description"), ctx.column("description")),
        title=title,
        customer=clean_line(cell("author username")),
        source=SOURCE,
        tags=tracker.names(cell("labels").split(",")),
        received_at=tracker.timestamp(cell("created at (utc)"), ctx.column("created at (utc)")),
        status=status,
        upstream_state=upstream,
        url=link,
        source_key=f"{SOURCE}:{project}#{iid}",
        extra=extra,
    )


CSV_PRESET = Preset(
    name=CSV_NAME,
    description="GitLab issues CSV export: Issue ID, URL, Title, State, Author Username, Created At (UTC), ...",
    required=("issue id", "url", "title", "state", "author username", "created at (utc)"),
    optional=("description", "labels"),
    convert=convert_csv,
)
