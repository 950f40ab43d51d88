"""Feedback out of prodops: CSV for spreadsheets, JSON for scripts, Markdown for a wiki page."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..areas.lookup import area_path
from ..errors import InvalidInput
from ..model import FeedbackItem
from ..storage.store import Store
from ..text import markdown_literal, neutralise_cell
from . import opportunities
from .links import link_records

EXPORT_FORMATS = ("csv", "json", "md")
FEEDBACK_COLUMNS = (
    "id", "title", "text", "customer", "source", "area", "tags", "importance", "status",
    "received_at", "created_at", "triaged_at", "snoozed_until", "opportunity", "duplicate_of",
    "url", "votes", "source_key", "upstream_state",
)


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
        "rating": item.rating,
        "status": item.view_status(store.clock()),
        "received_at": item.received_at,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "triaged_at": item.triaged_at,
        "triaged_by": item.triaged_by or None,
        "snoozed_until": item.snoozed_until,
        "opportunity": item.opportunity,
        "duplicate_of": item.duplicate_of,
        "url": item.url or None,
        "votes": item.votes,
        "source_key": item.source_key,
        "upstream_state": item.upstream_state or None,
    }


def export_feedback(store: Store, items: Iterable[FeedbackItem], fmt: str) -> str:
    return "".join(feedback_export_pieces(store, items, fmt))


def feedback_export_pieces(store: Store, items: Iterable[FeedbackItem], fmt: str) -> Iterator[str]:
    """export_feedback's text in pieces, made as the items are read: a million items' export
    is never held whole (CSV and JSON; Markdown opens with the count, so it is made at once).
    Nothing is given before the first items are read, so an error in reading them comes first."""
    _check_format(fmt)
    records = (feedback_record(store, item) for item in items)
    if fmt == "json":
        yield from json_array_pieces(records)
    elif fmt == "csv":
        yield from _csv_pieces(records, FEEDBACK_COLUMNS)
    else:
        yield _markdown(list(records))


def json_array_pieces(values: Iterable[Any]) -> Iterator[str]:
    """The text of json.dumps(list(values), ensure_ascii=False, indent=2) + "\n", a value at a
    time (a test holds them equal)."""
    opening = "[\n  "
    for value in values:
        # A JSON string holds no raw line break: every "\n" here is the layout's, one level in.
        yield opening + json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        opening = ",\n  "
    yield "[]\n" if opening == "[\n  " else "\n]\n"


def _check_format(fmt: str) -> None:
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}")


def _csv(records: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    return "".join(_csv_pieces(records, columns))


def _csv_pieces(records: Iterable[dict[str, Any]], columns: Sequence[str], rows_a_piece: int = 256) -> Iterator[str]:
    """The CSV text, the header with the first rows, then rows_a_piece rows a piece."""
    records = iter(records)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    while True:
        chunk = list(itertools.islice(records, rows_a_piece))
        for record in chunk:
            row = []
            for column in columns:
                value = record[column]
                if isinstance(value, list):
                    value = "; ".join(_cell_text(v) for v in value)
                row.append(neutralise_cell("" if value is None else str(value)))
            writer.writerow(row)
        if out.tell():
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        if len(chunk) < rows_a_piece:
            return


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
        lines.append(f"## {record['id']} · {markdown_literal(record['title'])}")
        lines.append("")
        lines.append(" · ".join(markdown_literal(fact) for fact in facts))
        lines.append("")
        lines.extend("> " + markdown_literal(line) if line else ">" for line in record["text"].splitlines())
        lines.append("")
    return "\n".join(lines)


def _cell_text(value: Any) -> str:
    if isinstance(value, dict) and "customer" in value:  # a customer who asked: "Acme (F-1 F-9)"
        return f"{value['customer']} ({' '.join(value['feedback'])})"
    if isinstance(value, dict) and "url" in value:  # a tracker link: "https://... (closed: completed)"
        return f"{value['url']} ({value['upstream_state']})" if value.get("upstream_state") else str(value["url"])
    return str(value)


OPPORTUNITY_COLUMNS = (
    "id", "title", "status", "area", "score", "feedback", "customers", "new_feedback", "decided_at", "shipped_at", "created_at", "customers_who_asked", "links",
)


def opportunity_records(store: Store) -> list[dict[str, Any]]:
    """Every opportunity with its volume, highest score first, and who asked (to close the loop)."""
    records = []
    for stat in opportunities.stats(store):
        opportunity = stat.opportunity
        records.append({
            "id": opportunity.id,
            "title": opportunity.title,
            "status": opportunity.status,
            "area": area_path(store, opportunity.area) or None,
            "score": stat.score,
            "feedback": stat.feedback,
            "customers": stat.customers,
            "new_feedback": stat.new_feedback,
            "decided_at": opportunity.decided_at,
            "shipped_at": opportunity.shipped_at,
            "created_at": opportunity.created_at,
            "description": opportunity.description,
            "links": link_records(opportunity),
            "told": [{"account": told.account, "told_at": told.told_at, "told_by": told.told_by or None,
                      "feedback": list(told.feedback)} for told in opportunity.told],
            "customers_who_asked": [
                {"customer": name, "feedback": ids} for name, ids in opportunities.customers_to_close_the_loop(store, opportunity.id)
            ],
        })
    return records


def export_opportunities(store: Store, fmt: str) -> str:
    _check_format(fmt)
    records = opportunity_records(store)
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(records, OPPORTUNITY_COLUMNS)
    lines = [f"# Opportunities ({len(records)})", ""]
    for record in records:
        status = opportunities.STATUS_LABELS.get(record["status"], record["status"])
        lines += [f"## {record['id']} · {markdown_literal(record['title'])} ({status})", ""]
        facts = f"score {record['score']} · {record['feedback']} feedback from {record['customers']} customers · {record['new_feedback']} still new"
        if record["area"]:
            facts += f" · area: {markdown_literal(record['area'])}"
        lines += [facts, ""]
        if record["customers_who_asked"]:
            heading = "Close the loop with" if record["status"] == "shipped" else "Asked by"
            lines.append(f"{heading}:")
            lines += [f"- {markdown_literal(ask['customer'])} ({', '.join(ask['feedback'])})" for ask in record["customers_who_asked"]]
            lines.append("")
    return "\n".join(lines)
