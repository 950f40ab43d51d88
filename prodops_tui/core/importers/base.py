"""What a preset is: a known export's columns, and how one of its rows becomes feedback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import FeedbackItem
from .fields import Context
from .reading import as_text

# One data row: a CSV row ({column: text}, a column the header repeats holding the list of its
# values) or a JSON record as the file holds it (nested objects and lists kept).
Row = dict[str, Any]
# The first rows of a file, for presets that recognise an export by its records' nested keys.
Sample = list[dict[str, Any]]


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    required: tuple[str, ...]  # a file must have all of these (compared case-insensitively)
    optional: tuple[str, ...]  # read when present
    convert: Callable[[Row, Context], FeedbackItem]  # raises ImportRowError / RowIgnored
    # Detection also needs every column of the file to be one of ours: for presets whose
    # column names are everyday words ("text", "title"), so a stranger file is not misread.
    closed: bool = False
    # Detection by content, for exports a header alone cannot tell apart (nested JSON keys, a
    # URL's shape): columns and the first rows -> a score, 0 = not this export. The highest
    # score wins; a header-only preset scores the number of its required columns.
    match: Callable[[list[str], Sample], int] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def matches(self, columns: list[str]) -> bool:
        names = {c.casefold() for c in columns if c}
        if not set(self.required) <= names:
            return False
        return not self.closed or names <= set(self.columns)

    def score(self, columns: list[str], sample: Sample) -> int:
        """How specifically this file is this preset's export (0: it is not)."""
        if self.match is not None:
            return self.match(columns, sample)
        return len(self.required) if self.matches(columns) else 0

    def bind(self, columns: list[str]) -> dict[str, str]:
        """Our column name -> the file's spelling of it (first match wins)."""
        found: dict[str, str] = {}
        for column in columns:
            key = column.casefold()
            if key in self.columns and key not in found:
                found[key] = column
        return found


def cell(row: Row, ctx: Context, name: str) -> str:
    """The text of one of the preset's columns in this row ('' when the file lacks it)."""
    column = ctx.columns.get(name)
    if column is None:
        return ""
    value = row.get(column)
    return value if value.__class__ is str else as_text(value)
