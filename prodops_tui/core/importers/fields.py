"""Cell text -> FeedbackItem fields, the same way for every preset.

Each helper raises ImportRowError(column, reason) for a value that cannot be used, naming the
value, so the row is skipped with a reason the user can act on. Cleaning is the inbox's:
clean_text for bodies, clean_line for one-line fields (control characters and escape sequences
dropped; `[markup]` kept as typed: it is data, rendered literally everywhere).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..areas.lookup import resolve_area
from ..dates import DateOutOfRange, DateParseError, check_in_range, parse_when, to_iso
from ..errors import InvalidInput
from ..feedback.inbox import MAX_TEXT_CHARS, check_importance, normalise_tags
from ..storage.store import Store
from ..text import clean_line, clean_text
from .reading import as_text
from .result import ImportRowError

UTC = timezone.utc
_TWITTER_DATE = "%a %b %d %H:%M:%S %z %Y"  # Wed Oct 11 06:55:44 +0000 2017
_TAG_SPLIT = re.compile(r"[,;]")
# A second "now" about a year away: a date that reads differently from there was relative.
_OTHER_NOW = timedelta(days=397, hours=5)


def shown(value: str, limit: int = 40) -> str:
    value = clean_line(value)
    return value if len(value) <= limit else value[:limit] + "..."


@dataclass
class Context:
    """What every row's conversion needs, made once per import."""

    store: Store
    now: datetime  # aware UTC, the store's clock
    now_iso: str
    columns: dict[str, str] = field(default_factory=dict)  # the preset's name for a column -> the file's
    used: frozenset[str] = frozenset()  # the file's columns the preset reads (the rest go to `extra`)
    envelope: dict[str, Any] = field(default_factory=dict)  # JSON: what wraps the records (side-loaded users)
    cache: dict[str, Any] = field(default_factory=dict)  # a preset's own lookups, made once per import
    _areas: dict[str, str | ImportRowError] = field(default_factory=dict)

    def column(self, name: str) -> str:
        return self.columns.get(name, name)

    def area(self, value: str, column: str) -> str | None:
        """A product area id from an id, path or name; resolved once per distinct value."""
        key = value.strip()
        if not key:
            return None
        if key not in self._areas:
            try:
                self._areas[key] = resolve_area(self.store, key).id
            except InvalidInput as exc:
                self._areas[key] = ImportRowError(column, str(exc))
        found = self._areas[key]
        if isinstance(found, ImportRowError):
            raise ImportRowError(found.column, found.reason)
        return found


def body(value: str, column: str) -> str:
    text = clean_text(value)
    if not text:
        raise ImportRowError(column, "the text is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ImportRowError(column, f"the text is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    return text


def received(value: str, column: str, ctx: Context) -> str:
    """An absolute date in any form prodops reads, as ISO UTC; blank = now (the import's time).

    A time without a zone is read as UTC (exports write UTC and the file cannot say otherwise);
    a date without a time is 09:00 UTC that day (prodops' start-of-day convention). Relative
    forms ('3d', 'friday', 'Dec 1' without a year) are refused: a file's rows would move with
    the day it is imported."""
    text = value.strip()
    if not text:
        return ctx.now_iso
    parsed: datetime | None = None
    if len(text) > 10 and text[:4].isdigit():
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
    elif text[:3].isalpha() and text[-4:].isdigit():
        try:
            parsed = datetime.strptime(text, _TWITTER_DATE)
        except ValueError:
            parsed = None
    if parsed is None:
        try:
            parsed = parse_when(text, now=ctx.now, tz=UTC)
            relative = parse_when(text, now=ctx.now + _OTHER_NOW, tz=UTC) != parsed
        except DateOutOfRange as exc:
            raise ImportRowError(column, str(exc)) from None
        except DateParseError:
            raise ImportRowError(column, f"cannot read {shown(text)!r} as a date (write it like 2026-01-29 14:02)") from None
        if relative:
            raise ImportRowError(column, f"{shown(text)!r} is relative to today; the file needs a calendar date like 2026-01-29")
    # The ISO and Twitter forms read above bypass parse_when: the same one range applies.
    return stored_time(parsed, text, column)


def stored_time(parsed: datetime, text: str, column: str | None) -> str:
    """A date read from a cell as the store keeps it: ISO-8601 UTC (a date without a zone read as
    UTC, as the exports write it), within the range every date must be in, else the row's reason."""
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return to_iso(check_in_range(parsed, text))
    except DateOutOfRange as exc:
        raise ImportRowError(column, str(exc)) from None
    except (ValueError, OverflowError):
        raise ImportRowError(column, f"cannot read {shown(text)!r} as a date") from None


def tags(value: str) -> list[str]:
    """'export, billing;ux' -> ['export', 'billing', 'ux']"""
    return normalise_tags(_TAG_SPLIT.split(value)) if value.strip() else []


def rating(value: str, column: str) -> int | None:
    """A star rating, 1-5 ("4", "4.0"); empty is none; anything else refuses the row, naming it."""
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not 1 <= number <= 5 or number != int(number):  # NaN and inf fail the range first (int() of them raised)
        raise ImportRowError(column, f"rating {shown(value)!r} is not a number of stars from 1 to 5")
    return int(number)


def importance(value: str, column: str) -> str | None:
    if not value.strip():
        return None
    try:
        return check_importance(value)
    except InvalidInput as exc:
        raise ImportRowError(column, str(exc)) from None


def customer(person: str, company: str) -> str:
    """'Dana (Acme Freight)', or whichever of the two is given."""
    person, company = clean_line(person), clean_line(company)
    if person and company:
        return f"{person} ({company})"
    return person or company


def content_key(prefix: str, *values: str) -> str:
    """A source key for rows without an id of their own: the hash of what they say."""
    digest = hashlib.sha1("\x1f".join(v.strip() for v in values).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}:{digest[:20]}"


def extra(row: dict[str, Any], used: Collection[str]) -> dict[str, str]:
    """The columns a preset does not model, kept (cleaned) so nothing in the file is lost: a
    nested JSON value as JSON text, a repeated CSV column's values joined with ', '."""
    out = {}
    for key, value in row.items():
        if key in used or not key:
            continue
        text = value if value.__class__ is str else as_text(value)
        if text.strip():
            out[clean_line(key)] = clean_text(text)
    return out
