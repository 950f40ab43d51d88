"""Conditions on a record's scalar fields, answered by SQLite over the cache's columns when the
records are not in memory, and by Python over the records when they are: counting and choosing
over 100,000 items (the nudges) without reading every field of every item into Python."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OPS = ("=", "empty", "set", "<", "<=", "in")


@dataclass(frozen=True)
class Where:
    """`field op value`. "empty": None or ""; "set": neither; "<", "<=": set and below `value`
    (ISO-8601 times compare as text); "in": one of `value` (a tuple)."""

    field: str
    op: str
    value: Any = None

    def __post_init__(self) -> None:
        if self.op not in OPS or not self.field.isidentifier():
            raise ValueError(f"not a condition: {self.field!r} {self.op!r}")
        # SQL never finds NULL with = or IN and finds '' with IN, where Python would say the
        # opposite: "empty" asks for those, so the two answers stay the same.
        if (self.op == "=" and self.value in (None, "")) or (self.op == "in" and any(v in (None, "") for v in self.value)):
            raise ValueError(f"{self.field} {self.op} {self.value!r}: ask for an empty value with 'empty'")

    def holds(self, value: Any) -> bool:
        if self.op == "=":
            return value == self.value
        if self.op == "empty":
            return value is None or value == ""
        if value is None or value == "":
            return False
        if self.op == "set":
            return True
        if self.op == "in":
            return value in self.value
        return value < self.value if self.op == "<" else value <= self.value

    def sql(self, column: str) -> tuple[str, list[Any]]:
        """The condition on `column` (a trusted name) with its parameters."""
        if self.op == "=":
            return f"{column} = ?", [self.value]
        if self.op == "empty":
            return f"({column} IS NULL OR {column} = '')", []
        if self.op == "set":
            return f"({column} IS NOT NULL AND {column} <> '')", []
        if self.op == "in":
            values = list(self.value)
            return f"{column} IN ({', '.join('?' * len(values)) or 'NULL'})", values
        return f"({column} <> '' AND {column} {self.op} ?)", [self.value]


def matches(record: Any, where: tuple[Where, ...]) -> bool:
    """Whether every condition holds for a record in memory."""
    return all(test.holds(getattr(record, test.field)) for test in where)
