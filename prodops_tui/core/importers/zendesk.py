"""Preset `zendesk-tickets`: Zendesk tickets as its API and JSON exports give them.

`GET /api/v2/tickets.json` (`{"tickets": [...], "next_page": ..., "count": ...}`, with
`?include=users` also `"users": [...]`), the incremental export (`{"tickets": [...],
"end_time": ...}`), a JSON array of tickets, or one ticket a line (the admin JSON export).
Each ticket: url (the API's), id, subject, raw_subject, description (the first comment),
status (new, open, pending, hold, solved, closed), priority, type, requester_id, tags, via
{channel}, created_at, updated_at, organization_id. Detected by id + subject + requester_id +
status.

text = description (the subject when it is empty); title = subject; customer = the requester's
name (email when it has no name) from the side-loaded users, else `requester <id>` (the tickets
alone carry only the number); source = "zendesk"; tags = tags; received_at = created_at;
upstream_state = the status; solved or closed -> processed; url = the agent's page of the ticket
(`https://SUB.zendesk.com/agent/tickets/ID`, from the API url); source_key = `zendesk:ID`.
priority, type, the channel (via) and the requester and organization ids are kept in `extra`.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import FeedbackItem
from ..text import clean_line
from . import tracker
from .base import Preset, Row, Sample
from .fields import Context
from .result import ImportRowError

NAME = "zendesk-tickets"
SOURCE = "zendesk"
_CLOSED = frozenset({"solved", "closed"})
_SITE = re.compile(r"^(https?://[^/\s]+)/api/v2/")


def _people(ctx: Context) -> dict[Any, str]:
    """Side-loaded users: id -> name (or email), made once per import."""
    people = ctx.cache.get(NAME)
    if people is None:
        people = {}
        for user in ctx.envelope.get("users") or []:
            if isinstance(user, dict):
                name = clean_line(tracker.text(user.get("name"))) or clean_line(tracker.text(user.get("email")))
                if name and user.get("id") is not None:
                    people[user["id"]] = name
        ctx.cache[NAME] = people
    return people


def convert(row: Row, ctx: Context) -> FeedbackItem:
    ticket_id = tracker.count(row.get("id"))
    if ticket_id is None:
        raise ImportRowError("id", "no ticket id, so a re-import could not recognise the ticket")
    title = tracker.title(row.get("subject") or row.get("raw_subject"), "subject")
    status_word = clean_line(tracker.text(row.get("status"))).casefold()
    requester = row.get("requester_id")
    customer = _people(ctx).get(requester, "") if requester is not None else ""
    if not customer and tracker.count(requester) is not None:
        customer = f"requester {requester}"
    site = _SITE.match(tracker.text(row.get("url")))
    extra: dict[str, Any] = {}
    for key, value in (("priority", row.get("priority")), ("type", row.get("type")),
                       ("via", tracker.get(row, "via", "channel")), ("requester_id", requester),
                       ("organization_id", row.get("organization_id")), ("updated_at", row.get("updated_at"))):
        text = clean_line(tracker.text(value))
        if text:
            extra[key] = text
    return FeedbackItem(
        text=tracker.body(title, tracker.text(row.get("description")), "description"),
        title=title,
        customer=customer,
        source=SOURCE,
        tags=tracker.names(row.get("tags")),
        received_at=tracker.timestamp(row.get("created_at"), "created_at"),
        status=tracker.PROCESSED if status_word in _CLOSED else tracker.NEW,
        upstream_state=status_word,
        url=f"{site.group(1)}/agent/tickets/{ticket_id}" if site else "",
        source_key=f"{SOURCE}:{ticket_id}",
        extra=extra,
    )


def _match(columns: list[str], sample: Sample) -> int:
    return 10 if {"id", "subject", "requester_id", "status"} <= set(columns) else 0


PRESET = Preset(
    name=NAME,
    description="Zendesk tickets: the API's {\"tickets\": [...]} (users side-loaded or not) or a JSON export",
    required=("id", "subject", "requester_id", "status"),
    optional=(),
    convert=convert,
    match=_match,
)
