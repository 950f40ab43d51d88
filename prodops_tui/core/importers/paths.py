"""`--map FIELD=PATH`: where in a row a field's value is.

A path is a column name as the file writes it (`Body`, `Issue key`: a name the file has wins,
dots and brackets included), or steps into a JSON record:

    user.login                    a key inside an object
    fields.reporter.displayName   as deep as it goes
    labels[].name                 every element of a list, then a key in each: a list of values
    labels[]                      the list's own values
    assignees[0].login            one element (0 is the first)

A step into a list without `[]` (`labels.name`) reads every element too. A list of values
joins as tags (each value one tag) or as text (`, ` between them). A row where the path leads
nowhere has no value for the field (as an empty cell).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput
from ..text import clean_line

_STEP = re.compile(r"([^.\[\]]+)?((?:\[\d*\])*)")
_INDEX = re.compile(r"\[(\d*)\]")
EVERY = None  # the step `[]`

Step = str | int | None


@dataclass(frozen=True)
class FieldPath:
    text: str  # as the user wrote it
    steps: tuple[Step, ...]  # a key, an index, or EVERY

    @property
    def column(self) -> str:
        """The top-level column or key the path starts at."""
        first = self.steps[0]
        return first if isinstance(first, str) else ""

    @property
    def plain(self) -> bool:
        return len(self.steps) == 1

    def get(self, row: dict[str, Any]) -> Any:
        """The value at the path in this row: a value, a list of values, or None."""
        if len(self.steps) == 1:
            return row.get(self.steps[0])  # type: ignore[arg-type]  # a plain column: a str step
        return _walk(row, self.steps)


def _walk(value: Any, steps: tuple[Step, ...]) -> Any:
    for at, step in enumerate(steps):
        if value is None:
            return None
        if isinstance(step, str):
            if isinstance(value, list):  # `labels.name`: a key of every element
                found = [_walk(v, steps[at:]) for v in value]
                return _flat([v for v in found if v is not None]) or None
            value = value.get(step) if isinstance(value, dict) else None
        elif step is EVERY:
            if not isinstance(value, list):
                return None
            rest = steps[at + 1:]
            found = [_walk(v, rest) if rest else v for v in value]
            return _flat([v for v in found if v is not None])
        else:
            value = value[step] if isinstance(value, list) and -len(value) <= step < len(value) else None
    return value


def _flat(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if isinstance(value, list):
            out.extend(value)
        else:
            out.append(value)
    return out


def parse(path: str, columns: list[str]) -> FieldPath:
    """A --map value as a path; a name the file has as a column is that column."""
    wanted = path.strip()
    columns = list(dict.fromkeys(columns))  # a column the header repeats is one column (a list)
    exact = [c for c in columns if c == wanted] or [c for c in columns if c.casefold() == wanted.casefold()]
    if len(exact) == 1:
        return FieldPath(wanted, (exact[0],))
    steps: list[Step] = []
    for part in wanted.split("."):
        found = _STEP.fullmatch(part)
        if not part or not found or (not found.group(1) and not found.group(2)):
            raise InvalidInput(f"--map ...={clean_line(path)}: not a path (write column, a.b, list[].name or list[0])")
        if found.group(1):
            steps.append(found.group(1))
        for index in _INDEX.findall(found.group(2)):
            steps.append(int(index) if index else EVERY)
    if not isinstance(steps[0], str):
        raise InvalidInput(f"--map ...={clean_line(path)}: a path starts with a column or key name")
    first = steps[0]
    if first not in columns:  # the top-level key as the file spells it, when only the case differs
        spelled = [c for c in columns if c.casefold() == first.casefold()]
        if len(spelled) == 1:
            steps[0] = spelled[0]
    return FieldPath(wanted, tuple(steps))


def present(value: Any) -> bool:
    """Whether a value found at a path counts as the row having it."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, dict)):
        return bool(value)
    return True
