"""What a preset is: a known export's columns, and how one of its rows becomes feedback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..model import FeedbackItem
from .fields import Context

Row = dict[str, str]


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

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def matches(self, columns: list[str]) -> bool:
        names = {c.casefold() for c in columns if c}
        if not set(self.required) <= names:
            return False
        return not self.closed or names <= set(self.columns)

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
    return (row.get(column) or "") if column is not None else ""
