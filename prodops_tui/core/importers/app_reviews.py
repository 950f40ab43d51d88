"""Preset `app-store-reviews`: the app-store review export (one row per review).

review_uid,user_name,rating,review_text,review_date,thumbs_up,app_version

text = review_text; customer = user_name; source = "app review"; received_at = review_date
(`2026-01-29 14:02:17`, read as UTC: the export carries no zone); source_key =
`app-store-reviews:<review_uid>`; rating = the stars (1-5), its own field: importance stays the
PM's judgement, never derived from stars (a one-word 5-star "wow" is not important); thumbs_up
and app_version are kept in `extra`.
"""

from __future__ import annotations

from ..model import FeedbackItem
from ..text import clean_line, first_line
from . import fields
from .base import Preset, Row, cell
from .fields import Context
from .result import ImportRowError

NAME = "app-store-reviews"


def _count(value: str) -> int | str:
    value = clean_line(value)
    return int(value) if value.isdigit() else value


def convert(row: Row, ctx: Context) -> FeedbackItem:
    uid = clean_line(cell(row, ctx, "review_uid"))
    if not uid:
        raise ImportRowError(ctx.column("review_uid"), "no review id, so a re-import could not recognise the review")
    text = fields.body(cell(row, ctx, "review_text"), ctx.column("review_text"))
    rating = fields.rating(cell(row, ctx, "rating"), ctx.column("rating"))
    extra: dict[str, object] = {}
    for name in ("thumbs_up", "app_version"):
        value = cell(row, ctx, name)
        if value.strip():
            extra[name] = _count(value) if name == "thumbs_up" else clean_line(value)
    return FeedbackItem(
        text=text,
        title=first_line(text),
        customer=clean_line(cell(row, ctx, "user_name")),
        source="app review",
        rating=rating,
        received_at=fields.received(cell(row, ctx, "review_date"), ctx.column("review_date"), ctx),
        source_key=f"{NAME}:{uid}",
        extra=extra,
    )


PRESET = Preset(
    name=NAME,
    description="app-store review export: review_uid, user_name, rating, review_text, review_date, ...",
    required=("review_uid", "rating", "review_text", "review_date"),
    optional=("user_name", "thumbs_up", "app_version"),
    convert=convert,
)
