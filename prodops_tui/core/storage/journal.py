"""The journal's format: one JSON line per change, read back tolerating a torn last line, and
replayed onto a raw TinyDB dict for migrations and repair."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import WorkspaceCorrupt
from ..model import TYPE_BY_KIND

SCHEMA_VERSION = 1
META_TABLE = "_meta"


def schema_version_of(raw: dict[str, Any], path: Path) -> int:
    try:
        return int(raw[META_TABLE]["1"]["schema_version"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WorkspaceCorrupt(path, "no schema version: not a prodops workspace") from exc


def read_journal(path: Path, start: int = 0, *, stop_at_damage: bool = False) -> tuple[list[dict[str, Any]], int]:
    """Entries from byte `start` on, and the offset after the last complete line.

    A final line without its newline is a write that never finished (the process
    died before fsync returned, so nobody was told it succeeded): it is ignored.
    A damaged complete line is real corruption and is refused, or with
    `stop_at_damage` (repair) reading stops there and the offset says where."""
    try:
        with open(path, "rb") as fh:
            fh.seek(start)
            data = fh.read()
    except FileNotFoundError:
        return [], 0
    entries = []
    end = data.rfind(b"\n") + 1
    offset = start
    for line_no, line in enumerate(data[:end].split(b"\n")[:-1], start=1):
        offset += len(line) + 1
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            entry["seq"], entry["ops"]  # noqa: B018 - shape check
        except (ValueError, TypeError, KeyError) as exc:
            if stop_at_damage:
                return entries, offset - len(line) - 1
            raise WorkspaceCorrupt(path, f"damaged entry {line_no} after byte {offset - len(line) - 1}") from exc
        entries.append(entry)
    return entries, start + end


def salvage_journal(path: Path) -> tuple[list[dict[str, Any]], list[tuple[int, bytes]]]:
    """For repair: every intact entry of the file, past any damaged line, and the damaged
    lines (line number, bytes). A torn last line (no newline) was never acknowledged: dropped."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    entries, damaged = [], []
    end = data.rfind(b"\n") + 1
    for line_no, line in enumerate(data[:end].split(b"\n")[:-1], start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            entry["seq"], entry["ops"]  # noqa: B018 - shape check
            int(entry["seq"])
        except (ValueError, TypeError, KeyError):
            damaged.append((line_no, line))
            continue
        entries.append(entry)
    return entries, damaged


def apply_raw_entry(raw: dict[str, Any], entry: dict[str, Any]) -> None:
    """Replay one journal entry onto a raw TinyDB dict (used by migrations and repair)."""
    for op, kind, number, doc in entry["ops"]:
        table = raw.setdefault(kind, {})
        if op == "put":
            table[str(number)] = doc
        else:
            table.pop(str(number), None)
    meta = raw[META_TABLE]["1"]
    meta["folded_seq"] = entry["seq"]
    for op, kind, number, _ in entry["ops"]:
        prefix = TYPE_BY_KIND[kind].PREFIX
        meta["next_ids"][prefix] = max(meta["next_ids"].get(prefix, 1), number + 1)
