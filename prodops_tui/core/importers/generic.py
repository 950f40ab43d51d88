"""The `generic` import: any file, its columns named with --map FIELD=COLUMN.

Fields: text (required), title, customer, company, source, area (id, path or name of a product
area; a value that names none skips the row with the reason), tags (split on `,`/`;`),
importance (low/medium/high/critical), received (any absolute date), id (the row's own id),
url. Columns not mapped are kept in `extra`.

source_key: with an id, `generic:<hash of the header>:<id>` (the same export re-imported, or a
newer export with the same columns, adds each id once; two tools that both number rows 1, 2, 3
do not collide); without one, `generic:<hash of the mapped values>`.
"""

from __future__ import annotations

import hashlib

from ..errors import InvalidInput
from ..model import FeedbackItem
from ..text import clean_line, first_line
from . import fields
from .base import Preset, Row, cell
from .fields import Context
from .result import ImportRowError

NAME = "generic"
FIELDS = {
    "text": "the feedback itself (required)",
    "title": "a one-line summary (default: the first line of the text)",
    "customer": "who said it",
    "company": "their company, shown as 'customer (company)'",
    "source": "where it came from (call, email, ...)",
    "area": "a product area: id, path or name",
    "tags": "tags separated by , or ;",
    "importance": "low, medium, high or critical",
    "rating": "the customer's star rating, 1-5 (kept apart from importance)",
    "received": "when it was received (a calendar date)",
    "id": "the row's own id, so re-importing adds nothing twice",
    "url": "a link to the original",
}


def parse_mapping(items: list[str]) -> dict[str, str]:
    """['text=Body', 'customer=From'] -> {'text': 'Body', 'customer': 'From'} (the CLI's --map)."""
    mapping: dict[str, str] = {}
    for item in items:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise InvalidInput(f"--map {item!r}: write FIELD=COLUMN, e.g. --map text=Body")
        mapping[field.strip().casefold()] = column.strip()
    return mapping


def bind(mapping: dict[str, str], columns: list[str]) -> dict[str, str]:
    """Check --map against the fields we know and the file's columns: field -> the file's column."""
    unknown = [f for f in mapping if f.casefold() not in FIELDS]
    if unknown:
        raise InvalidInput(f"--map {unknown[0]}=...: not a feedback field; the fields are {', '.join(FIELDS)}")
    if "text" not in {f.casefold() for f in mapping}:
        raise InvalidInput("--map needs text=COLUMN: the column that holds the feedback itself")
    bound: dict[str, str] = {}
    for field, column in mapping.items():
        wanted = column.strip()
        match = [c for c in columns if c == wanted] or [c for c in columns if c.casefold() == wanted.casefold()]
        if len(match) != 1:
            found = ", ".join(clean_line(c) for c in columns[:30])
            raise InvalidInput(f"--map {field}={column}: the file has no column {column!r} (its columns: {found})")
        bound[field.casefold()] = match[0]
    return bound


def preset_for(bound: dict[str, str], columns: list[str]) -> Preset:
    header = hashlib.sha1("\x1f".join(sorted(c.casefold() for c in columns)).encode("utf-8", "surrogatepass"))
    id_prefix = f"{NAME}:{header.hexdigest()[:12]}"

    def convert(row: Row, ctx: Context) -> FeedbackItem:
        raw = {name: cell(row, ctx, name) for name in FIELDS}
        text = fields.body(raw["text"], ctx.column("text"))
        if "id" in bound:
            row_id = clean_line(raw["id"])
            if not row_id:
                raise ImportRowError(ctx.column("id"), "no id, so a re-import could not recognise the row")
            key = f"{id_prefix}:{row_id}"
        else:
            # Without rating: the fields the key was made of before it existed, so a re-import still matches.
            key = fields.content_key(NAME, *(raw[name] for name in FIELDS if name != "rating"))
        return FeedbackItem(
            text=text,
            title=clean_line(raw["title"]) or first_line(text),
            customer=fields.customer(raw["customer"], raw["company"]),
            source=clean_line(raw["source"]),
            area=ctx.area(raw["area"], ctx.column("area")),
            tags=fields.tags(raw["tags"]),
            importance=fields.importance(raw["importance"], ctx.column("importance")),
            rating=fields.rating(raw["rating"], ctx.column("rating")),
            received_at=fields.received(raw["received"], ctx.column("received"), ctx),
            source_key=key,
            url=clean_line(raw["url"]),
            extra=fields.extra(row, ctx.used),
        )

    return Preset(
        name=NAME,
        description="any file, with --map FIELD=COLUMN (text required)",
        required=("text",),
        optional=tuple(f for f in FIELDS if f != "text"),
        convert=convert,
    )
