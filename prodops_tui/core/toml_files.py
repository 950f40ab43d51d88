"""Reading the TOML files teams write by hand (templates): a bad one is one line naming it."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .text import clean_line

T = TypeVar("T")
_LINE_IN_ERROR = re.compile(r"\(at line (\d+)")


def read_toml(path: Path) -> dict[str, Any]:
    """The file's table, or ValueError("name.toml:3: reason") for a file that cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        line = _LINE_IN_ERROR.search(str(exc))
        where = f"{path.name}:{line.group(1)}" if line else path.name
        raise ValueError(f"{where}: {str(exc).split(' (at line')[0]}") from exc


def required_name(path: Path, data: dict[str, Any], what: str) -> str:
    name = data.get("name")
    if not isinstance(name, str) or not clean_line(name):
        raise ValueError(f"{path.name}: {what} needs a name")
    return clean_line(name)


def listed_entries(path: Path, data: dict[str, Any], key: str, *, text: str, extra: str, what: str,
                   most: int, too_many: str = "") -> list[tuple[str, str]]:
    """`[[key]]` tables (or plain strings) as (text, extra) pairs, both cleaned; ValueError
    naming the file and the entry for a missing text, none at all, or more than `most`."""
    raw = data.get(key)
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{path.name}: {what} needs [[{key}]] with a {text} each")
    if len(raw) > most:
        raise ValueError(f"{path.name}: {len(raw)} {key}; at most {most}{too_many}")
    found = []
    for number, entry in enumerate(raw, start=1):
        value = entry.get(text) if isinstance(entry, dict) else entry if isinstance(entry, str) else None
        if not isinstance(value, str) or not clean_line(value):
            raise ValueError(f"{path.name}: {key.rstrip('s')} {number} needs a {text}")
        found.append((clean_line(value), clean_line(str(entry.get(extra, "")) if isinstance(entry, dict) else "")))
    return found


def load_folder(folder: Path | None, load_one: Callable[[Path], T]) -> tuple[list[T], list[str]]:
    """Every `*.toml` in the folder, by name; a file that does not load is one problem line
    and the others still load. A missing folder holds nothing."""
    loaded: list[T] = []
    problems: list[str] = []
    if folder is None or not folder.is_dir():
        return loaded, problems
    for path in sorted(folder.glob("*.toml")):
        try:
            loaded.append(load_one(path))
        except ValueError as exc:
            problems.append(str(exc))
    return loaded, problems
