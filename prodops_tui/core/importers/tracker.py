"""What the tracker and helpdesk presets share: reading a record's values (JSON objects as the
tracker sent them, or a CSV row), its timestamps, its labels, and what "closed upstream" means.

Every helper takes values as a JSON parser or the CSV reader gives them (str, int, list, dict,
None) and never trusts their type: a record is user data, and a field that holds the wrong kind
reads as missing, or refuses the row with ImportRowError(column, reason) where it is required.

Closed upstream and never triaged in prodops -> status `processed` (the PM has nothing to do
for it), with the tracker's own state kept in `upstream_state` ("closed: completed", "open").
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from collections.abc import Iterable
from typing import Any

from ..feedback.inbox import MAX_TEXT_CHARS, normalise_tags
from ..text import clean_line, clean_text
from .fields import Context, shown, stored_time
from .result import ImportRowError

UTC = timezone.utc
PROCESSED = "processed"
NEW = "new"
# Jira's CSV export: `08/Sep/21 11:49`, `08/Sep/21 11:49 AM`, or with a four-digit year.
_JIRA_DATE = re.compile(r"^\s*(\d{1,2})/([A-Za-z]{3})/(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?\s*$")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def text(value: Any) -> str:
    """A string field's text ('' for a missing, null or non-string value; numbers as written)."""
    if value.__class__ is str:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def get(record: Any, *keys: str) -> Any:
    """record[k1][k2]... or None where any step is missing or not an object."""
    for key in keys:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def count(value: Any) -> int | None:
    """A vote or reaction count: a non-negative whole number, else None (unknown)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def names(values: Any, key: str = "name") -> list[str]:
    """Label names from a list of label objects ({"name": ...}) or of plain strings."""
    if not isinstance(values, list):
        return []
    out = []
    for value in values:
        name = value.get(key) if isinstance(value, dict) else value
        if name.__class__ is str and name.strip():
            out.append(name)
    return normalise_tags(out)


def body(title: str, description: str, column: str) -> str:
    """The item's text: the description, or the title when the description is empty (a tracker
    issue with only a title is still feedback)."""
    result = clean_text(description) or title
    if not result:
        raise ImportRowError(column, "neither a title nor a description: there is nothing to import")
    if len(result) > MAX_TEXT_CHARS:
        raise ImportRowError(column, f"the text is {len(result):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    return result


def title(value: Any, column: str) -> str:
    line = clean_line(text(value))
    if not line:
        raise ImportRowError(column, "no title")
    return line


def timestamp(value: Any, column: str, *, required: bool = True) -> str:
    """An ISO-8601 time as a tracker writes it (`2017-08-31T09:12:44Z`, `...+02:00`, fractions)
    -> ISO UTC; without a zone it is read as UTC. Missing: ImportRowError, or '' if not required."""
    raw = text(value).strip()
    if not raw:
        if required:
            raise ImportRowError(column, "no date")
        return ""
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
    except ValueError:
        parsed = _jira_date(raw)
    if parsed is None:
        raise ImportRowError(column, f"cannot read {shown(raw)!r} as a date")
    return stored_time(parsed, raw, column)


def _jira_date(raw: str) -> datetime | None:
    """`08/Sep/21 11:49` (and `... 11:49 AM`, `08/Sep/2021 ...`): Jira's CSV dates, in the
    exporting user's zone, which the file does not say: read as UTC."""
    found = _JIRA_DATE.match(raw)
    if not found:
        return None
    day, month_name, year, hour, minute, second, half = found.groups()
    month = _MONTHS.get(month_name.casefold())
    if month is None:
        return None
    hours = int(hour)
    if half:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if half.casefold() == "pm" else 0)
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return datetime(full_year, month, int(day), hours, int(minute), int(second or 0))
    except ValueError:
        return None


def csv_extra(row: dict[str, Any], ctx: Context, preset: str, read: Iterable[str]) -> dict[str, Any]:
    """A CSV export's other non-empty columns, kept cleaned (a repeated column as the list of its
    values). `read`: the preset's own names of the columns it reads; which of the file's columns
    those are, and each header's cleaned name, are worked out once per import (ctx.cache)."""
    used = ctx.cache.get(preset)
    if used is None:
        used = ctx.cache[preset] = {ctx.columns[name] for name in read if name in ctx.columns}
    names: dict[str, str] = ctx.cache.setdefault("column names", {})
    extra: dict[str, Any] = {}
    for column, value in row.items():
        if column in used or not column:
            continue
        if value.__class__ is str:
            if not value.strip():
                continue
            kept: Any = clean_text(value)
        elif isinstance(value, list):
            kept = [clean_text(v) for v in value if isinstance(v, str) and v.strip()]
            if not kept:
                continue
        else:
            continue
        name = names.get(column)
        if name is None:
            name = names[column] = clean_line(column)
        extra[name] = kept
    return extra


def state(closed: bool, reason: str = "", *, closed_word: str = "closed", open_word: str = "open") -> tuple[str, str]:
    """(status, upstream_state): closed upstream -> processed, "closed: completed"; open -> new, "open"."""
    if closed:
        reason = clean_line(reason).casefold()
        return PROCESSED, f"{closed_word}: {reason}" if reason else closed_word
    return NEW, open_word
