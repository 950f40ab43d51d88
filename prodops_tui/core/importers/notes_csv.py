"""Preset `notes-csv`: feedback notes kept in a spreadsheet.

title, text, customer, company, source, tags, created (only `text` is required; detected when
every column of the file is one of these). customer = "customer (company)", or whichever is
given; tags split on `,` or `;`; created is any absolute date (blank = the time of the import);
there is no id column, so source_key = `notes-csv:<hash of title, text, customer, company,
created>`: the same note imported twice, or written twice in the file, is added once.
"""

from __future__ import annotations

from ..model import FeedbackItem
from ..text import clean_line, first_line
from . import fields
from .base import Preset, Row, cell
from .fields import Context

NAME = "notes-csv"


def convert(row: Row, ctx: Context) -> FeedbackItem:
    raw = {name: cell(row, ctx, name) for name in PRESET.columns}
    text = fields.body(raw["text"], ctx.column("text"))
    return FeedbackItem(
        text=text,
        title=clean_line(raw["title"]) or first_line(text),
        customer=fields.customer(raw["customer"], raw["company"]),
        source=clean_line(raw["source"]),
        tags=fields.tags(raw["tags"]),
        received_at=fields.received(raw["created"], ctx.column("created"), ctx),
        source_key=fields.content_key(NAME, raw["title"], raw["text"], raw["customer"], raw["company"], raw["created"]),
        extra=fields.extra(row, ctx.used),
    )


PRESET = Preset(
    name=NAME,
    description="notes spreadsheet: title, text, customer, company, source, tags, created",
    required=("text",),
    optional=("title", "customer", "company", "source", "tags", "created"),
    convert=convert,
    closed=True,
)
