"""`prodops doctor`: check a workspace, and restore it from its backups and journal.

Repair never deletes: the files it replaces are renamed aside (`*.before-repair-<time>`) before
the newest good state is written in its place.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ProdopsError, WorkspaceCorrupt
from ..model import RECORD_TYPES, TYPE_BY_KIND
from .files import AtomicJSONStorage, ensure_private_dir
from .journal import META_TABLE, SCHEMA_VERSION, apply_raw_entry, salvage_journal, schema_version_of
from .store import BACKUP_DIR, JOURNAL_NAME, SNAPSHOT_NAME, Store


@dataclass
class Report:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def good(self, line: str) -> None:
        self.lines.append(f"ok    {line}")

    def warn(self, line: str) -> None:
        self.lines.append(f"warn  {line}")

    def bad(self, line: str) -> None:
        self.ok = False
        self.lines.append(f"error {line}")


def check(directory: Path, clock: Callable[[], str]) -> Report:
    report = Report()
    if not directory.is_dir():
        report.bad(f"{directory} does not exist (it is created on first use)")
        return report
    mode = stat.S_IMODE(directory.stat().st_mode)
    if mode & 0o077:
        report.warn(f"{directory} is readable by others (mode {mode:o}); feedback holds customer data: chmod 700")
    else:
        report.good(f"{directory} is private (mode {mode:o})")
    try:
        store = Store.open(directory, clock=clock, create=False)
        store.load_all()  # every record read and checked, not only what a command would ask for
    except ProdopsError as exc:
        report.bad(str(exc))
    else:
        counts = ", ".join(f"{store.count(t)} {t.KIND}" for t in RECORD_TYPES if store.count(t))
        report.good(f"{SNAPSHOT_NAME} and {JOURNAL_NAME} read: {counts or 'no records yet'}")
        for leftover in store.stale_temp_files(older_than_s=0):
            report.warn(f"{leftover.name} ({leftover.stat().st_size:,} bytes) was left by an interrupted write; "
                        "the next fold removes it once it is an hour old, or delete it")
        store.close()
    journal = directory / JOURNAL_NAME
    if journal.exists():
        report.good(f"journal holds {journal.stat().st_size:,} bytes not yet folded")
    backups = sorted((directory / BACKUP_DIR).glob("prodops.[0-9]*.json"))
    if backups:
        report.good(f"{len(backups)} backup snapshot(s), newest {backups[-1].name}")
    else:
        report.warn("no backup snapshots yet (one is kept at every fold)")
    for path in [directory / SNAPSHOT_NAME, journal]:
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            report.warn(f"{path} is readable by others: chmod 600")
    return report


def _readable_base(path: Path) -> dict[str, Any] | None:
    try:
        raw = AtomicJSONStorage(path).read()
        if raw is None or schema_version_of(raw, path) != SCHEMA_VERSION:
            return None
        raw[META_TABLE]["1"].setdefault("next_ids", {})
        return raw
    except WorkspaceCorrupt:
        return None


def repair(directory: Path, clock: Callable[[], str]) -> str:
    """Rebuild the snapshot from the newest good state plus every journal entry after it."""
    try:
        store = Store.open(directory, clock=clock, create=False)
        try:
            store.fold()  # reads every record: a misfit raises here
        finally:
            store.close()
    except WorkspaceCorrupt:
        pass
    else:
        return "the workspace reads fine; its journal is folded, nothing else to repair"

    backup_dir = directory / BACKUP_DIR
    snapshot = directory / SNAPSHOT_NAME
    candidates = [snapshot, *sorted(backup_dir.glob("prodops.[0-9]*.json"), reverse=True)]
    base, base_path = None, None
    for candidate in candidates:
        base = _readable_base(candidate)
        if base is not None:
            base_path = candidate
            break
    if base is None:
        base = {META_TABLE: {"1": {"schema_version": SCHEMA_VERSION, "created_at": clock(), "folded_seq": 0, "next_ids": {}}}}
    base_seq = base[META_TABLE]["1"].get("folded_seq", 0)

    segments = sorted(backup_dir.glob("journal.[0-9]*-[0-9]*.jsonl")) + [directory / JOURNAL_NAME]
    # Every intact entry is kept, past a damaged line too: an entry holds whole records (a put
    # is the record as it became), so what came later does not depend on what the damaged one
    # did. Only the damaged entries' own changes are lost; their lines are kept aside.
    applied, missing, damaged_lines = 0, [], []
    last = base_seq
    by_seq: dict[int, dict[str, Any]] = {}
    for segment in segments:
        entries, damaged = salvage_journal(segment)
        damaged_lines += [(segment.name, line_no, line) for line_no, line in damaged]
        for entry in entries:
            by_seq.setdefault(int(entry["seq"]), entry)
    for seq in sorted(s for s in by_seq if s > base_seq):
        if seq != last + 1:
            missing += list(range(last + 1, seq))
        apply_raw_entry(base, by_seq[seq])
        last = seq
        applied += 1
    lost_after = None
    if damaged_lines or missing:
        lost_after = (f"{len(damaged_lines)} damaged journal line(s)" if damaged_lines else "") + \
                     (f"{'; ' if damaged_lines else ''}change(s) {_ranges(missing)} missing" if missing else "")
    if base_path is None and applied == 0:
        raise WorkspaceCorrupt(snapshot, "no good snapshot, backup or journal to restore from")

    stamp = clock().replace(":", "").replace("-", "")
    set_aside = _set_aside_misfits(base)
    ensure_private_dir(backup_dir)
    if set_aside:
        aside_path = directory / f"set-aside-{stamp}.json"
        AtomicJSONStorage(aside_path).write(set_aside)
    for replaced in (snapshot, directory / JOURNAL_NAME):
        if replaced.exists():
            os.replace(replaced, directory / f"{replaced.name}.before-repair-{stamp}")
    AtomicJSONStorage(snapshot).write(base)
    source = base_path.name if base_path is not None else "an empty workspace"
    message = f"restored from {source} plus {applied} journal entries (up to change {last})"
    if set_aside:
        count = sum(len(records) for records in set_aside.values())
        message += f"; {count} record(s) that fit no kind set aside in set-aside-{stamp}.json"
    if damaged_lines:
        aside_lines = directory / f"damaged-journal-lines-{stamp}.jsonl"
        aside_lines.write_bytes(b"".join(line + b"\n" for _, _, line in damaged_lines))
        os.chmod(aside_lines, 0o600)
    if lost_after:
        message += (f"; kept every intact entry past {lost_after}: their own changes are lost "
                    f"(the lines: damaged-journal-lines-{stamp}.jsonl; the files as they were: *.before-repair-{stamp})")
    Store.open(directory, clock=clock, create=False).close()  # prove it reads back
    return message


def _set_aside_misfits(base: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Take out of `base` every record that is not what its table and number say; returns them."""
    aside: dict[str, dict[str, Any]] = {}
    for kind, record_type in TYPE_BY_KIND.items():
        table = base.get(kind) or {}
        for key in list(table):
            doc = table[key]
            try:
                fits = record_type.from_dict(doc).id == f"{record_type.PREFIX}-{int(key)}"
            except (TypeError, ValueError, AttributeError):
                fits = False
            if not fits:
                aside.setdefault(kind, {})[key] = table.pop(key)
    return aside


def _ranges(numbers: list[int]) -> str:
    """[4, 5, 6, 9] -> '4-6, 9'."""
    parts: list[str] = []
    for n in numbers:
        if parts and parts[-1].split("-")[-1] == str(n - 1):
            parts[-1] = f"{parts[-1].split('-')[0]}-{n}"
        else:
            parts.append(str(n))
    return ", ".join(parts)
