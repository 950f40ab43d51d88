"""Presets `jira-csv` and `jira-search`: Jira issues, from the CSV export or the REST search API.

`jira-csv`: Jira's "Export CSV (all fields)" (Cloud and Data Center). Summary, Issue key,
Issue id, Issue Type, Status, Created (required), and when present Description, Reporter,
Votes, Labels, Resolution, Status Category, Priority, Component/s, Comment. Columns repeat where
an issue has several values (`Labels`, `Comment`, `Watchers`, `Sprint`, one column each): every
value is kept. Dates as Jira writes them, `22/Sep/25 9:26 AM` or `08/Sep/21 11:49`, in the
exporting user's zone, which the file does not say: read as UTC.

`jira-search`: the answer of `GET /rest/api/2/search` or `/rest/api/3/search` (`{"issues":
[...]}`, or a list of issues): key, self, fields{summary, description (v2: text; v3: Atlassian
Document Format, turned into plain text), reporter{displayName}, votes{votes}, labels,
status{name, statusCategory{key}}, resolution{name}, created, components, priority}.
Detected by `key` + `fields` holding a summary.

Both: text = Description (the Summary when it is empty); title = Summary; customer = the
reporter's display name; source = "jira"; tags = Labels; received_at = Created; votes = Votes;
upstream_state = the status as Jira names it, with the resolution when there is one
("Closed: Fixed", "Done", "In Progress"); an issue in the Done category (or resolved, or
Closed/Resolved/Done where the category is not given) arrives as processed; url = the issue's
page (`<site>/browse/KEY`, from the search answer's `self`; the CSV export has no link);
source_key = `jira:KEY` (the same key from either file: a CSV import then a search import of
the same issue adds it once). Priority, components, the issue type and, from the CSV, every
other non-empty column are kept in `extra` (repeated columns as lists).
"""

from __future__ import annotations

import re
from typing import Any

from ..model import FeedbackItem
from ..text import clean_line
from . import fields, tracker
from .base import Preset, Row, Sample
from .fields import Context
from .result import ImportRowError

CSV_NAME = "jira-csv"
SEARCH_NAME = "jira-search"
SOURCE = "jira"
_DONE = frozenset({"done", "closed", "resolved"})
_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$", re.IGNORECASE)
_SITE = re.compile(r"^(https?://.+?)/rest/api/")


def _state(status: str, resolution: str, category: str) -> tuple[str, str]:
    status, resolution = clean_line(status), clean_line(resolution)
    if category:
        closed = category.casefold() in ("done", "complete", "completed")
    else:
        closed = bool(resolution) or status.casefold() in _DONE
    shown = status or ("Resolved" if resolution else "")
    if resolution and resolution.casefold() != status.casefold() and resolution.casefold() != "unresolved":
        shown = f"{shown}: {resolution}"
    return (tracker.PROCESSED if closed else tracker.NEW), shown


def _key(value: str, column: str) -> str:
    key = clean_line(value)
    if not _KEY.match(key):
        raise ImportRowError(column, f"issue key {fields.shown(key)!r} is not like PROJ-12, so a re-import could not recognise the issue"
                             if key else "no issue key, so a re-import could not recognise the issue")
    return key.upper()


# --- the CSV export ------------------------------------------------------------------------

_CSV_USED = ("summary", "issue key", "description", "reporter", "votes", "labels", "created", "status",
             "resolution", "status category")


def _values(row: Row, ctx: Context, name: str) -> list[str]:
    """A column's values: one cell, or every cell of a column the header repeats."""
    column = ctx.columns.get(name)
    value = row.get(column) if column is not None else None
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return [value] if isinstance(value, str) and value.strip() else []


def convert_csv(row: Row, ctx: Context) -> FeedbackItem:
    def cell(name: str) -> str:
        return ", ".join(_values(row, ctx, name))

    key = _key(cell("issue key"), ctx.column("issue key"))
    title = tracker.title(cell("summary"), ctx.column("summary"))
    status, upstream = _state(cell("status"), cell("resolution"), cell("status category"))
    extra = tracker.csv_extra(row, ctx, CSV_NAME, _CSV_USED)
    return FeedbackItem(
        text=tracker.body(title, cell("description"), ctx.column("description")),
        title=title,
        customer=clean_line(cell("reporter")),
        source=SOURCE,
        tags=tracker.names(_values(row, ctx, "labels")),
        received_at=tracker.timestamp(cell("created"), ctx.column("created")),
        status=status,
        upstream_state=upstream,
        votes=tracker.count(cell("votes")),
        source_key=f"{SOURCE}:{key}",
        extra=extra,
    )


CSV_PRESET = Preset(
    name=CSV_NAME,
    description="Jira CSV export: Summary, Issue key, Issue id, Issue Type, Status, Created, ...",
    required=("summary", "issue key", "issue id", "issue type", "status", "created"),
    optional=("description", "reporter", "votes", "labels", "resolution", "status category"),
    convert=convert_csv,
)


# --- the REST search answer ----------------------------------------------------------------


def adf_text(node: Any) -> str:
    """Atlassian Document Format (API v3 rich text) as plain text: paragraphs and headings on
    their own lines, list items as `- ` lines, mentions and emoji as their text, links kept."""
    out: list[str] = []
    _adf(node, out, "")
    text = "\n".join(line.rstrip() for line in "".join(out).split("\n"))
    text = _LIST_GAP.sub(r"\n\1", text)  # list items one a line, not a paragraph each
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_LIST_GAP = re.compile(r"\n\n+( *- )")


_BLOCKS = frozenset({"paragraph", "heading", "codeBlock", "blockquote", "rule", "panel", "mediaSingle", "tableRow"})


def _adf(node: Any, out: list[str], indent: str) -> None:
    if isinstance(node, list):
        for child in node:
            _adf(child, out, indent)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    found = node.get("attrs")
    attrs: dict[str, Any] = found if isinstance(found, dict) else {}
    if kind == "text":
        out.append(tracker.text(node.get("text")))
        return
    if kind == "hardBreak":
        out.append("\n" + indent)
        return
    if kind in ("mention", "emoji", "status", "date"):
        out.append(tracker.text(attrs.get("text") or attrs.get("shortName") or attrs.get("timestamp")))
        return
    if kind in ("inlineCard", "blockCard", "embedCard"):
        out.append(tracker.text(attrs.get("url")))
        return
    if kind == "listItem":
        out.append("\n" + indent + "- ")
        _adf(node.get("content"), out, indent + "  ")
        return
    if kind == "tableCell" or kind == "tableHeader":
        _adf(node.get("content"), out, indent)
        out.append(" | ")
        return
    _adf(node.get("content"), out, indent)
    if kind in _BLOCKS:
        out.append("\n\n" if kind != "tableRow" else "\n")


def _description(value: Any) -> str:
    if isinstance(value, dict):  # API v3: a document
        return adf_text(value)
    return tracker.text(value)


def convert_search(row: Row, ctx: Context) -> FeedbackItem:
    return item_from_issue(row)


def item_from_issue(row: Row) -> FeedbackItem:
    """One issue of a Jira search answer (v2 text or v3 rich text) as feedback: what the import
    preset and `prodops sync jira` both call, so an import and a sync meet on the same items."""
    issue_fields = row.get("fields")
    if not isinstance(issue_fields, dict):
        raise ImportRowError("fields", "no fields: the search asked for none (add fields=summary,description,...)")
    key = _key(tracker.text(row.get("key")), "key")
    title = tracker.title(issue_fields.get("summary"), "fields.summary")
    reporter = issue_fields.get("reporter")
    status, upstream = _state(
        tracker.text(tracker.get(issue_fields, "status", "name")),
        tracker.text(tracker.get(issue_fields, "resolution", "name")),
        tracker.text(tracker.get(issue_fields, "status", "statusCategory", "key")),
    )
    site = _SITE.match(tracker.text(row.get("self")))
    extra: dict[str, Any] = {}
    for name, value in (
        ("issue type", tracker.get(issue_fields, "issuetype", "name")),
        ("priority", tracker.get(issue_fields, "priority", "name")),
    ):
        if clean_line(tracker.text(value)):
            extra[name] = clean_line(tracker.text(value))
    components = tracker.names(issue_fields.get("components"))
    if components:
        extra["components"] = components
    comments = tracker.get(issue_fields, "comment", "total")
    if tracker.count(comments):
        extra["comments"] = tracker.count(comments)
    return FeedbackItem(
        text=tracker.body(title, _description(issue_fields.get("description")), "fields.description"),
        title=title,
        customer=clean_line(tracker.text(tracker.get(reporter, "displayName") or tracker.get(reporter, "name"))),
        source=SOURCE,
        tags=tracker.names(issue_fields.get("labels")),
        received_at=tracker.timestamp(issue_fields.get("created"), "fields.created"),
        status=status,
        upstream_state=upstream,
        votes=tracker.count(tracker.get(issue_fields, "votes", "votes")),
        url=f"{site.group(1)}/browse/{key}" if site else "",
        source_key=f"{SOURCE}:{key}",
        extra=extra,
    )


def _match_search(columns: list[str], sample: Sample) -> int:
    if not {"key", "fields"} <= set(columns):
        return 0
    return 10 if any(isinstance(r.get("fields"), dict) and "summary" in r["fields"] for r in sample) else 0


SEARCH_PRESET = Preset(
    name=SEARCH_NAME,
    description="Jira REST search results (API v2 or v3): {\"issues\": [{key, fields{summary, ...}}]}",
    required=("key", "fields"),
    optional=(),
    convert=convert_search,
    match=_match_search,
)
