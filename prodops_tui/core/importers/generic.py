"""The `generic` import: any file, its columns named with --map FIELD=PATH.

PATH is a column name, or a path into a JSON record (`user.login`, `fields.reporter.displayName`,
`labels[].name`: see paths.py). A nested path that finds nothing in the first 50 rows, or only
objects (`--map customer=user`: a whole record is no customer's name), refuses the import in
one line naming it.

Fields: text (required), title, customer, company, source, area (id, path or name of a product
area; a value that names none skips the row with the reason), tags (split on `,`/`;`),
importance (low/medium/high/critical), received (any absolute date), id (the row's own id),
url. Columns (top-level keys) not mapped are kept in `extra`.

source_key: with an id, `generic:<hash of the header>:<id>` (the same export re-imported, or a
newer export with the same columns, adds each id once; two tools that both number rows 1, 2, 3
do not collide); without one, `generic:<hash of the mapped values>`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..errors import InvalidInput
from ..feedback.inbox import normalise_tags
from ..model import FeedbackItem
from ..text import clean_line, first_line
from . import fields, paths
from .base import Preset, Row, Sample
from .fields import Context
from .paths import FieldPath
from .reading import as_text
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


SAMPLE_ROWS = 50  # the rows a nested --map path must find a value in


def parse_mapping(items: list[str]) -> dict[str, str]:
    """['text=Body', 'customer=user.login'] -> {'text': 'Body', 'customer': 'user.login'} (the CLI's --map)."""
    mapping: dict[str, str] = {}
    for item in items:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise InvalidInput(f"--map {item!r}: write FIELD=PATH, e.g. --map text=Body or --map customer=user.login")
        mapping[field.strip().casefold()] = column.strip()
    return mapping


def bind(mapping: dict[str, str], columns: list[str], sample: Sample | None = None) -> dict[str, FieldPath]:
    """Check --map against the fields we know, the file's columns and its first rows: field -> path."""
    unknown = [f for f in mapping if f.casefold() not in FIELDS]
    if unknown:
        raise InvalidInput(f"--map {unknown[0]}=...: not a feedback field; the fields are {', '.join(FIELDS)}")
    if "text" not in {f.casefold() for f in mapping}:
        raise InvalidInput("--map needs text=COLUMN: the column that holds the feedback itself")
    rows = (sample or [])[:SAMPLE_ROWS]
    bound: dict[str, FieldPath] = {}
    for field, column in mapping.items():
        path = paths.parse(column, columns)
        if path.column not in columns:
            found = ", ".join(clean_line(c) for c in list(dict.fromkeys(columns))[:30])
            raise InvalidInput(f"--map {field}={clean_line(column)}: the file has no column {clean_line(path.column)!r} (its columns: {found})")
        _check_found(field, path, rows)
        bound[field.casefold()] = path
    return bound


def _check_found(field: str, path: FieldPath, rows: Sample) -> None:
    """A nested path must lead to a value in the first rows; any path to text, not to whole objects
    (`--map customer=user` would make the whole user record a customer's name)."""
    values = [v for v in (path.get(row) for row in rows) if paths.present(v)]
    where = f"--map {field}={clean_line(path.text)}"
    if not values and path.plain:
        return  # a column the file has, empty in its first rows (a notes sheet's blank company)
    if not values:
        keys = sorted({str(k) for row in rows for k in _keys(row.get(path.column))})
        hint = f" ({clean_line(path.column)} holds {', '.join(clean_line(k) for k in keys[:12])})" if keys else ""
        raise InvalidInput(f"{where}: no value at {clean_line(path.text)} in the first {len(rows)} rows{hint}")
    objects = [v for v in values if isinstance(v, dict) or (isinstance(v, list) and all(isinstance(x, dict) for x in v))]
    if len(objects) == len(values):
        keys = sorted({str(k) for v in objects for k in _keys(v)})
        raise InvalidInput(f"{where}: holds objects ({', '.join(clean_line(k) for k in keys[:8])}), not text; "
                           f"name one of their fields, e.g. {clean_line(path.text)}.{clean_line(keys[0]) if keys else 'name'}")


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list):
        return [k for v in value if isinstance(v, dict) for k in v]
    return []


def _text(value: Any) -> str:
    if value.__class__ is str:
        return value
    if isinstance(value, list):
        return ", ".join(t for t in (as_text(v) for v in value) if t)
    return as_text(value)


def _tags(value: Any) -> list[str]:
    if isinstance(value, list):  # `labels[].name`, a repeated CSV column: each value is one tag
        return normalise_tags(t for t in (as_text(v) for v in value) if t)
    return fields.tags(_text(value))


def preset_for(bound: dict[str, FieldPath], columns: list[str]) -> Preset:
    header = hashlib.sha1("\x1f".join(sorted(c.casefold() for c in columns)).encode("utf-8", "surrogatepass"))
    id_prefix = f"{NAME}:{header.hexdigest()[:12]}"
    wanted = {name: bound[name] for name in FIELDS if name in bound}

    def convert(row: Row, ctx: Context) -> FeedbackItem:
        found = {name: path.get(row) for name, path in wanted.items()}
        raw = {name: _text(found.get(name)) for name in FIELDS if name != "tags"}
        text = fields.body(raw["text"], ctx.column("text"))
        if "id" in bound:
            row_id = clean_line(raw["id"])
            if not row_id:
                raise ImportRowError(ctx.column("id"), "no id, so a re-import could not recognise the row")
            key = f"{id_prefix}:{row_id}"
        else:
            # Without rating: the fields the key was made of before it existed, so a re-import still matches.
            raw["tags"] = _text(found.get("tags"))
            key = fields.content_key(NAME, *(raw[name] for name in FIELDS if name != "rating"))
        return FeedbackItem(
            text=text,
            title=clean_line(raw["title"]) or first_line(text),
            customer=fields.customer(raw["customer"], raw["company"]),
            source=clean_line(raw["source"]),
            area=ctx.area(raw["area"], ctx.column("area")),
            tags=_tags(found.get("tags")),
            importance=fields.importance(raw["importance"], ctx.column("importance")),
            rating=fields.rating(raw["rating"], ctx.column("rating")),
            received_at=fields.received(raw["received"], ctx.column("received"), ctx),
            source_key=key,
            url=clean_line(raw["url"]),
            extra=fields.extra(row, ctx.used),
        )

    return Preset(
        name=NAME,
        description="any file, with --map FIELD=PATH (text required)",
        required=("text",),
        optional=tuple(f for f in FIELDS if f != "text"),
        convert=convert,
    )
