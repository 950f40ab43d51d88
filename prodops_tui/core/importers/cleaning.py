"""The one cleaning every imported record passes on its way into the store.

Each importer shapes its own fields as capture does (clean_text for bodies, clean_line for
one-line fields; a CODEOWNERS line holding a control character is left out whole). Under all of
them, `cleaned` makes sure of the one thing every text must be whatever a preset, a column or a
nested JSON value forgot: free of control characters but newline and tab (text.without_controls),
so no terminal escape is stored, printed or exported from an import.
"""

from __future__ import annotations

from dataclasses import is_dataclass
from typing import Any, TypeVar

from ..model import Record, field_values
from ..text import first_control, without_controls

R = TypeVar("R", bound=Record)


def cleaned(record: R) -> R:
    """The record as it may be stored: itself when no text in it holds a control character (nearly
    always, and then nothing is copied), else a copy with them dropped."""
    if not _holds_control(record):
        return record
    return type(record).from_dict(_without_controls(record.to_dict()))


def _holds_control(value: Any) -> bool:
    # Every imported item is looked at once (measured: 0.2-0.3 s for 50,000 review rows, a few %):
    # isprintable() is one pass in C and true for most text, so the regex runs on few strings.
    if isinstance(value, str):
        return not value.isprintable() and first_control(value) is not None
    if isinstance(value, (list, tuple)):
        items: Any = value
    elif isinstance(value, dict):
        items = [*value, *value.values()]
    elif is_dataclass(value):
        items = field_values(value)
    else:
        return False
    for item in items:
        if item.__class__ is str:
            if not item.isprintable() and first_control(item) is not None:
                return True
        elif item and not isinstance(item, (int, float)) and _holds_control(item):
            return True
    return False


def _without_controls(value: Any) -> Any:
    if isinstance(value, str):
        return without_controls(value)
    if isinstance(value, list):
        return [_without_controls(item) for item in value]
    if isinstance(value, dict):
        return {_without_controls(key): _without_controls(item) for key, item in value.items()}
    return value
