"""The journal's format: one JSON line per change, read back tolerating a torn last line, and
replayed onto a raw TinyDB dict for migrations and repair."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import WorkspaceCorrupt
from ..model import TYPE_BY_KIND, record_problem
from .backups import read_backup

SCHEMA_VERSION = 1
META_TABLE = "_meta"


def schema_version_of(raw: dict[str, Any], path: Path) -> int:
    try:
        return int(raw[META_TABLE]["1"]["schema_version"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WorkspaceCorrupt(path, "no schema version: not a prodops workspace") from exc


def entry_problem(entry: Any) -> str | None:
    """Why a parsed journal line is not a change prodops could have written, or None. Every
    line is checked when read: a put of {"text": 12345}, an unknown kind or ops that are not
    a list would otherwise be met far away, as an internal error in every command."""
    if entry.__class__ is not dict:
        return "it is not an object"
    seq, ops = entry.get("seq"), entry.get("ops")
    if seq.__class__ is not int or seq < 1:
        return f"its change number is {seq!r}, not a whole number from 1"
    version = entry.get("v", 1)
    if version.__class__ is not int:
        return f"its version is {version!r}, not a whole number"
    if version != SCHEMA_VERSION:
        # Newer: the store says so (WorkspaceTooNew), not "damaged". Older: its records are in
        # that version's shapes, which the migration reads, not this version's.
        return None
    if ops.__class__ is not list:
        return "its ops are not a list"
    for op in ops:
        if op.__class__ is not list or len(op) != 4:
            return f"an op is {op!r:.60}, not [what, kind, number, record]"
        what, kind, number, doc = op
        record_type = TYPE_BY_KIND.get(kind) if kind.__class__ is str else None
        if record_type is None:
            return f"it names an unknown kind {kind!r:.40}"
        if number.__class__ is not int or number < 1:
            return f"an op's number is {number!r:.40}, not a whole number from 1"
        if what == "del":
            if doc is not None:
                return f"a delete of {record_type.PREFIX}-{number} carries a record"
        elif what == "put":
            problem = record_problem(record_type, number, doc)
            if problem is not None:
                return f"{record_type.PREFIX}-{number} is not a {kind} record: {problem}"
        else:
            return f"an op is {what!r:.20}, not put or del"
    return None


def parse_entry(line: bytes, *, held: int = 0) -> tuple[dict[str, Any] | None, str | None]:
    """(the entry, None), or (None, why the line is not one). An entry of change `held` or before
    is checked for its number only."""
    try:
        entry = json.loads(line)
    except ValueError as exc:  # JSON, or bytes that are not UTF-8
        return None, f"not JSON ({exc.__class__.__name__})"
    if entry.__class__ is dict and entry.get("seq").__class__ is int and 1 <= entry["seq"] <= held:
        return entry, None
    problem = entry_problem(entry)
    return (None, problem) if problem is not None else (entry, None)


def read_journal(path: Path, start: int = 0, *, held: int = 0) -> tuple[list[dict[str, Any]], int, int]:
    """The entries after change `held` from byte `start` on, the offset after the last complete
    line, and the newest change number seen (`held` or less when none is newer).

    A final line without its newline is a write that never finished (the process
    died before fsync returned, so nobody was told it succeeded): it is ignored.
    A damaged complete line, or one that is not a change prodops could write, is
    real corruption and is refused, naming its line. Lines of changes already held
    (folded, or read before) are only parsed for their number: checking their records
    would cost a reload 3 us a record for nothing it keeps."""
    try:
        with open(path, "rb") as fh:
            fh.seek(start)
            data = fh.read()
    except FileNotFoundError:
        return [], 0, 0
    entries = []
    newest = 0
    end = data.rfind(b"\n") + 1
    offset = start
    for line_no, line in enumerate(data[:end].split(b"\n")[:-1], start=1):
        offset += len(line) + 1
        if not line.strip():
            continue
        entry, problem = parse_entry(line, held=held)
        if entry is None:
            where = f"line {line_no}" if start == 0 else f"the line at byte {offset - len(line) - 1}"
            raise WorkspaceCorrupt(path, f"{where} is damaged: {problem}; `prodops doctor --repair` sets it aside")
        newest = max(newest, entry["seq"])
        if entry["seq"] > held:
            entries.append(entry)
    return entries, start + end, newest


def torn_tail(path: Path) -> tuple[int, int, int]:
    """(bytes after the journal's last complete line, how many complete lines there are, the
    change number of the last one or 0): a write that never finished, or the file's end cut off."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return 0, 0, 0
    end = data.rfind(b"\n") + 1
    last = data[data.rfind(b"\n", 0, end - 1) + 1:end - 1] if end else b""
    entry, _ = parse_entry(last) if last.strip() else (None, None)
    return len(data) - end, data[:end].count(b"\n"), entry["seq"] if entry is not None else 0


def salvage_journal(path: Path) -> tuple[list[dict[str, Any]], list[tuple[int, bytes]]]:
    """For repair: every intact entry of the file, past any damaged line, and the damaged
    lines (line number, bytes), those that are not a change prodops could write included. A
    torn last line (no newline) is never applied, as the store never reads it, but it is
    returned with the damaged lines: set aside, not lost. A compressed segment (`.gz`) is read
    up to any damage in it."""
    try:
        data = read_backup(path, salvage=True)
    except FileNotFoundError:
        return [], []
    entries, damaged = [], []
    *lines, tail = data.split(b"\n")
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        entry, _ = parse_entry(line)
        if entry is None:
            damaged.append((line_no, line))
        else:
            entries.append(entry)
    if tail.strip():
        damaged.append((len(lines) + 1, tail))
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
    for _op, kind, number, _ in entry["ops"]:
        prefix = TYPE_BY_KIND[kind].PREFIX
        meta["next_ids"][prefix] = max(meta["next_ids"].get(prefix, 1), number + 1)
