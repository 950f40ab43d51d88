"""Feedback out of prodops: CSV for spreadsheets, JSON for scripts, Markdown for a wiki page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from .areas import area_path
from .errors import InvalidInput
from .model import FeedbackItem
from .store import Store

EXPORT_FORMATS = ("csv", "json", "md")
FEEDBACK_COLUMNS = (
    "id", "title", "text", "customer", "source", "area", "tags", "importance", "status",
    "received_at", "created_at", "triaged_at", "snoozed_until", "opportunity", "duplicate_of",
)
# A spreadsheet runs a cell starting with these as a formula (CSV injection): a
# customer's "=HYPERLINK(...)" must arrive as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def feedback_record(store: Store, item: FeedbackItem) -> dict[str, Any]:
    """The contract's JSON shape of one feedback item (status as the user sees it)."""
    return {
        "id": item.id,
        "text": item.text,
        "title": item.title,
        "customer": item.customer,
        "source": item.source,
        "area": area_path(store, item.area) or None,
        "area_id": item.area,
        "tags": list(item.tags),
        "importance": item.importance,
        "status": item.view_status(store.clock()),
        "received_at": item.received_at,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "triaged_at": item.triaged_at,
        "snoozed_until": item.snoozed_until,
        "opportunity": item.opportunity,
        "duplicate_of": item.duplicate_of,
    }


def neutralise_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def export_feedback(store: Store, items: Sequence[FeedbackItem], fmt: str) -> str:
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}")
    records = [feedback_record(store, item) for item in items]
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(records)
    return _markdown(records)


def _csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FEEDBACK_COLUMNS)
    for record in records:
        row = []
        for column in FEEDBACK_COLUMNS:
            value = record[column]
            if isinstance(value, list):
                value = ", ".join(value)
            row.append(neutralise_cell("" if value is None else str(value)))
        writer.writerow(row)
    return out.getvalue()


def _markdown(records: list[dict[str, Any]]) -> str:
    lines = [f"# Feedback ({len(records)} items)", ""]
    for record in records:
        facts = [
            f"{label}: {record[key]}"
            for label, key in (("customer", "customer"), ("source", "source"), ("area", "area"), ("importance", "importance"),
                               ("status", "status"), ("received", "received_at"), ("opportunity", "opportunity"))
            if record[key]
        ]
        if record["tags"]:
            facts.append("tags: " + ", ".join(record["tags"]))
        lines.append(f"## {record['id']} · {_md_inline(record['title'])}")
        lines.append("")
        lines.append(" · ".join(_md_inline(fact) for fact in facts))
        lines.append("")
        lines.extend("> " + _md_inline(line) if line else ">" for line in record["text"].splitlines())
        lines.append("")
    return "\n".join(lines)


def _md_inline(text: str) -> str:
    """Keep user text literal in Markdown: escape what would become markup or HTML."""
    for char in ("\\", "`", "*", "_", "[", "]", "<", ">", "#", "|"):
        text = text.replace(char, "\\" + char)
    return text
