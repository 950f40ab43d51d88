"""`prodops doctor`: check a workspace, and restore it from its backups, journal and cache.

Repair never deletes what it cannot rebuild: the files it replaces are renamed aside
(`*.before-repair-<time>`), lines and records no copy holds intact are written aside, and the
newest state every copy together holds is written in their place. The copies, newest first:
- `prodops.json` and the folded snapshots in `backups/`, each the state at a change number;
- the journal and its segments in `backups/`, every change after those, line by line;
- `cache.sqlite`, a derived copy of the whole state at the change it names: when the files lost
  changes (a journal cut short), it may still hold them.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ProdopsError, WorkspaceCorrupt
from ..model import RECORD_TYPES, TYPE_BY_KIND, shape_problem
from . import locking
from .cache import CACHE_NAME, CacheUnusable, StateCache
from .files import AtomicJSONStorage, ensure_private_dir
from .fold_turn import fold_failure
from .issued import ISSUED_NAME, Issued, read_issued, write_issued
from .journal import META_TABLE, SCHEMA_VERSION, apply_raw_entry, salvage_journal, schema_version_of, torn_tail
from .store import BACKUP_DIR, JOURNAL_NAME, LOCK_NAME, SNAPSHOT_NAME, Store, newest_backup

# Derived from the records and rebuilt when absent: removed by a repair, whose state they do not hold.
DERIVED_FILES = ("search.sqlite", "search.sqlite-wal", "search.sqlite-shm")


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
        report.good(f"{SNAPSHOT_NAME} and {JOURNAL_NAME} read: {counts or 'no records yet'} (up to change {store.seq})")
        for leftover in store.stale_temp_files(older_than_s=0):
            report.warn(f"{leftover.name} ({leftover.stat().st_size:,} bytes) was left by an interrupted write; "
                        "the next fold removes it once it is an hour old, or delete it")
        store.close()
    journal = directory / JOURNAL_NAME
    if journal.exists():
        report.good(f"journal holds {journal.stat().st_size:,} bytes not yet folded")
        _check_torn_tail(report, directory)
    newest, name = newest_backup(directory / BACKUP_DIR)
    if name:
        report.good(f"backups/ can restore up to change {newest} ({name} is the newest)")
    else:
        report.warn("no backup yet (one is kept at every fold; a fold runs once the journal outgrows the snapshot)")
    failed = fold_failure(directory)
    if failed:
        report.warn(f"the journal is not being folded ({failed}); `prodops compact` folds it now and says what stops it")
    for path in [directory / SNAPSHOT_NAME, journal]:
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            report.warn(f"{path} is readable by others: chmod 600")
    return report


def _check_torn_tail(report: Report, directory: Path) -> None:
    """A last line without its newline: a change whose writing never finished, or the file's end
    cut off. issued.json tells them apart: it is written only once a change's line is whole."""
    journal = directory / JOURNAL_NAME
    torn, complete_lines, last_seq = torn_tail(journal)
    if not torn:
        return
    where = f"{journal} ends with {torn:,} bytes of an unfinished line (after line {complete_lines})"
    issued = read_issued(directory)
    if issued is None:
        report.bad(f"{where}: a change whose writing never finished, or the file's end was cut off and a change lost; "
                   "`prodops doctor --repair` sets the bytes aside")
    elif issued.seq > last_seq:
        report.bad(f"{where}: the rest of change {issued.seq}, which was acknowledged: the file's end was cut off; "
                   "`prodops doctor --repair` restores what a copy holds and sets the bytes aside")
    else:
        report.warn(f"{where}: a change whose writing never finished, never acknowledged (nothing is lost); "
                    "the next change or `prodops doctor --repair` sets the bytes aside")


# --- repair -------------------------------------------------------------------


@dataclass
class _Rebuilt:
    raw: dict[str, Any]  # the TinyDB file's content being rebuilt
    seq: int  # the change it holds up to
    source: str  # where its base came from
    applied: int = 0
    missing: list[int] = field(default_factory=list)
    damaged: list[tuple[str, int, bytes]] = field(default_factory=list)  # (file, line number, bytes)
    restored: list[str] = field(default_factory=list)  # "F-7 from backups/prodops.30.json"
    aside: dict[str, dict[str, Any]] = field(default_factory=dict)


def repair(directory: Path, clock: Callable[[], str]) -> str:
    """Rebuild the snapshot from the newest intact copy of every change, and say what was done."""
    try:
        store = Store.open(directory, clock=clock, create=False)
        try:
            store.fold()  # reads every record: a misfit raises here
        finally:
            store.close()
    except WorkspaceCorrupt:
        pass
    else:
        with _exclusive(directory):
            torn = _set_aside_torn_tail(directory, _stamp(clock))
        return "the workspace reads fine; its journal is folded" + (f"; {torn}" if torn else ", nothing else to repair")

    with _exclusive(directory):  # no process writes while the copies are read and replaced
        message = _rebuild(directory, clock)
    Store.open(directory, clock=clock, create=False).close()  # prove it reads back
    return message


def _exclusive(directory: Path):
    """The workspace lock every change takes: no process writes while repair reads and replaces."""
    return locking.holding(directory / LOCK_NAME, locking.EXCLUSIVE)


def _stamp(clock: Callable[[], str]) -> str:
    return clock().replace(":", "").replace("-", "")


def _set_aside_torn_tail(directory: Path, stamp: str) -> str:
    """Cut an unfinished last line off the journal, keeping its bytes aside."""
    journal = directory / JOURNAL_NAME
    torn, _, _ = torn_tail(journal)
    if not torn:
        return ""
    data = journal.read_bytes()
    aside = _write_aside_lines(directory, stamp, [data[len(data) - torn:]])
    os.truncate(journal, len(data) - torn)
    return f"its unfinished last line ({torn:,} bytes) is set aside in {aside.name}"


def _rebuild(directory: Path, clock: Callable[[], str]) -> str:
    stamp = _stamp(clock)
    backup_dir = directory / BACKUP_DIR
    snapshot = directory / SNAPSHOT_NAME
    snapshots = _readable_snapshots([snapshot, *sorted(backup_dir.glob("prodops.[0-9]*.json"), reverse=True)])
    entries, damaged = _journal_entries(directory)
    cached = _cached_state(directory)
    if not snapshots and not entries and cached is None:
        raise WorkspaceCorrupt(snapshot, "no good snapshot, backup, journal or cache to restore from")

    if snapshots:
        base_path, base = max(snapshots, key=lambda pair: _folded_seq(pair[1]))  # the snapshot first on a tie
        rebuilt = _Rebuilt(base, _folded_seq(base), _shown_name(directory, base_path))
    else:
        rebuilt = _Rebuilt(_empty(clock), 0, "an empty workspace")
    rebuilt.damaged = damaged
    _apply_after(rebuilt, entries)
    if cached is not None and cached[0] > rebuilt.seq:
        # The files lost changes the cache still holds (a journal cut short): it is the newest copy.
        seq, raw = cached
        lost = f"changes {rebuilt.seq + 1}-{seq}" if seq > rebuilt.seq + 1 else f"change {seq}"
        rebuilt = _Rebuilt(raw, seq, f"{CACHE_NAME} ({lost} the journal had lost)", damaged=damaged)
        _apply_after(rebuilt, entries)
    elif cached is not None and rebuilt.missing:
        _restore_missing_from_cache(rebuilt, directory, cached)
    _restore_or_set_aside_misfits(rebuilt, directory, snapshots, entries, cached)

    issued = read_issued(directory) or Issued()
    # Numbers are never given twice: the state continues above every change and id ever issued
    # (a lost change's number included), so no backup is newer than it and no id is reused.
    meta = rebuilt.raw[META_TABLE]["1"]
    final_seq = max(rebuilt.seq, issued.seq, newest_backup(backup_dir)[0])
    meta["folded_seq"] = final_seq
    meta["next_ids"] = issued.merged_ids(meta.get("next_ids", {}))
    meta["repaired_at"] = clock()

    ensure_private_dir(backup_dir)
    if rebuilt.aside:
        AtomicJSONStorage(directory / f"set-aside-{stamp}.json").write(rebuilt.aside)
    for replaced in (snapshot, directory / JOURNAL_NAME):
        if replaced.exists():
            os.replace(replaced, directory / f"{replaced.name}.before-repair-{stamp}")
    AtomicJSONStorage(snapshot).write(rebuilt.raw)
    write_issued(directory, Issued(final_seq, dict(meta["next_ids"])))
    _forget_derived(directory)
    return _said(rebuilt, stamp, directory)


def _said(rebuilt: _Rebuilt, stamp: str, directory: Path) -> str:
    message = f"restored from {rebuilt.source} plus {rebuilt.applied} journal entries (up to change {rebuilt.seq})"
    if rebuilt.restored:
        shown = ", ".join(rebuilt.restored[:5]) + (f" and {len(rebuilt.restored) - 5} more" if len(rebuilt.restored) > 5 else "")
        message += f"; {len(rebuilt.restored)} damaged record(s) restored from an intact copy: {shown}"
    if rebuilt.aside:
        count = sum(len(records) for records in rebuilt.aside.values())
        message += f"; {count} record(s) that fit no kind and no copy holds intact set aside in set-aside-{stamp}.json"
    if rebuilt.damaged:
        aside = _write_aside_lines(directory, stamp, [line for _, _, line in rebuilt.damaged])
        message += f"; {len(rebuilt.damaged)} damaged journal line(s) set aside in {aside.name}"
    if rebuilt.missing:
        message += (f"; kept every intact entry past change(s) {_ranges(rebuilt.missing)} missing, which no copy holds: "
                    f"their own changes are lost (the files as they were: *.before-repair-{stamp})")
    return message


def _readable_snapshots(candidates: list[Path]) -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in candidates:
        try:
            raw = AtomicJSONStorage(path).read()
            if raw is None or schema_version_of(raw, path) != SCHEMA_VERSION or not isinstance(raw[META_TABLE]["1"], dict):
                continue
        except (WorkspaceCorrupt, KeyError, TypeError):
            continue
        raw[META_TABLE]["1"].setdefault("next_ids", {})
        found.append((path, raw))
    return found


def _folded_seq(raw: dict[str, Any]) -> int:
    seq = raw[META_TABLE]["1"].get("folded_seq", 0)
    return seq if isinstance(seq, int) else 0


def _empty(clock: Callable[[], str]) -> dict[str, Any]:
    return {META_TABLE: {"1": {"schema_version": SCHEMA_VERSION, "created_at": clock(), "folded_seq": 0, "next_ids": {}}}}


def _shown_name(directory: Path, path: Path) -> str:
    return str(path.relative_to(directory)) if path.is_relative_to(directory) else str(path)


def _journal_entries(directory: Path) -> tuple[dict[int, dict[str, Any]], list[tuple[str, int, bytes]]]:
    """Every intact entry of the journal and its segments by number, and the damaged lines. An
    entry holds whole records (a put is the record as it became), so what came after a damaged
    line does not depend on it: every intact entry is kept."""
    backup_dir = directory / BACKUP_DIR
    by_seq: dict[int, dict[str, Any]] = {}
    damaged: list[tuple[str, int, bytes]] = []
    for segment in [*sorted(backup_dir.glob("journal.[0-9]*-[0-9]*.jsonl")), directory / JOURNAL_NAME]:
        entries, bad_lines = salvage_journal(segment)
        damaged += [(segment.name, line_no, line) for line_no, line in bad_lines]
        for entry in entries:
            by_seq.setdefault(entry["seq"], entry)
    return by_seq, damaged


def _apply_after(rebuilt: _Rebuilt, entries: dict[int, dict[str, Any]]) -> None:
    for seq in sorted(s for s in entries if s > rebuilt.seq):
        if seq != rebuilt.seq + 1:
            rebuilt.missing += range(rebuilt.seq + 1, seq)
        apply_raw_entry(rebuilt.raw, entries[seq])
        rebuilt.seq = seq
        rebuilt.applied += 1


def _cached_state(directory: Path) -> tuple[int, dict[str, Any]] | None:
    """The whole state cache.sqlite holds, as a TinyDB file's content, and its change number;
    None when there is no usable cache (it is read, never created or changed, here)."""
    path = directory / CACHE_NAME
    if not path.exists():
        return None
    try:
        cache = StateCache(path)
    except CacheUnusable:
        return None
    try:
        state = cache.state()
        if state is None or state.meta.get("schema_version") != SCHEMA_VERSION:
            return None
        raw: dict[str, Any] = {META_TABLE: {"1": dict(state.meta, next_ids=dict(state.meta.get("next_ids", {})))}}
        for kind in TYPE_BY_KIND:
            raw[kind] = cache.kind_at(kind, lambda _state, rows: {str(n): json.loads(doc) for n, doc in rows})
        return state.seq, raw
    except (CacheUnusable, ValueError):
        return None
    finally:
        cache.close()


def _restore_missing_from_cache(rebuilt: _Rebuilt, directory: Path, cached: tuple[int, dict[str, Any]]) -> None:
    """Changes the files lost in the middle (a damaged line), when the cache is at the same change
    as the rebuilt state: the records those changes touched are taken as the cache holds them."""
    seq, raw = cached
    if seq != rebuilt.seq:
        return
    touched = _touched_by(directory, rebuilt.missing)
    if touched is None:
        return
    for kind, number in touched:
        key = str(number)
        doc = raw.get(kind, {}).get(key)
        table = rebuilt.raw.setdefault(kind, {})
        if doc is None:
            table.pop(key, None)
        else:
            table[key] = doc
    rebuilt.source += f" and {CACHE_NAME} (the records of change(s) {_ranges(rebuilt.missing)})"
    rebuilt.missing = []


def _touched_by(directory: Path, seqs: list[int]) -> list[tuple[str, int]] | None:
    """The records these changes touched, from the cache's log; None when it does not reach them."""
    try:
        cache = StateCache(directory / CACHE_NAME)
    except CacheUnusable:
        return None
    try:
        touched: list[tuple[str, int]] = []
        for seq in seqs:
            records = cache.changed_by(seq)
            if records is None:
                return None
            touched += records
        return touched
    except CacheUnusable:
        return None
    finally:
        cache.close()


def _restore_or_set_aside_misfits(rebuilt: _Rebuilt, directory: Path, snapshots: list[tuple[Path, dict[str, Any]]],
                                  entries: dict[int, dict[str, Any]], cached: tuple[int, dict[str, Any]] | None) -> None:
    """Every record that is not what its table and number say is replaced by its newest intact
    copy: the journal's last put of it up to the rebuilt change, else the newest backup holding
    it, else the cache. Only what no copy holds intact is set aside."""
    newest_ops: dict[tuple[str, str], tuple[int, Any]] | None = None
    for kind, record_type in TYPE_BY_KIND.items():
        table = rebuilt.raw.get(kind) or {}
        if not isinstance(table, dict):
            rebuilt.aside[kind] = {"(the whole table)": table}
            rebuilt.raw[kind] = table = {}
        for key in list(table):
            if _fits(record_type, key, table[key]):
                continue
            if newest_ops is None:
                newest_ops = _newest_ops(entries, rebuilt.seq)
            found = _intact_copy(record_type, key, directory, newest_ops, snapshots, cached)
            if found is None:
                rebuilt.aside.setdefault(kind, {})[key] = table.pop(key)
                continue
            doc, where = found
            if doc is None:  # deleted by a later change: the damaged copy should not exist at all
                rebuilt.aside.setdefault(kind, {})[key] = table.pop(key)
            else:
                table[key] = doc
                rebuilt.restored.append(f"{record_type.PREFIX}-{key} from {where}")
    for kind in list(rebuilt.raw):
        if kind != META_TABLE and kind not in TYPE_BY_KIND:
            rebuilt.aside[kind] = rebuilt.raw.pop(kind)  # a table of no kind prodops knows


def _fits(record_type: type, key: str, doc: Any) -> bool:
    if not key.isdigit() or shape_problem(record_type, doc) is not None:
        return False
    try:
        return record_type.from_dict(doc).id == f"{record_type.PREFIX}-{int(key)}"
    except (TypeError, ValueError, AttributeError):
        return False


def _newest_ops(entries: dict[int, dict[str, Any]], up_to: int) -> dict[tuple[str, str], tuple[int, Any]]:
    """(kind, number) -> (change, the record as its newest change up to `up_to` left it, None
    when deleted). Journal entries are checked whole when read: each record here is intact."""
    newest: dict[tuple[str, str], tuple[int, Any]] = {}
    for seq in sorted(s for s in entries if s <= up_to):
        for _op, kind, number, doc in entries[seq]["ops"]:
            newest[(kind, str(number))] = (seq, doc)
    return newest


def _intact_copy(record_type: type, key: str, directory: Path, newest_ops: dict[tuple[str, str], tuple[int, Any]],
                 snapshots: list[tuple[Path, dict[str, Any]]], cached: tuple[int, dict[str, Any]] | None) -> tuple[Any, str] | None:
    """(the newest intact version of one record, where it was), a None version when its newest
    change deleted it; None when no copy holds it intact."""
    kind = record_type.KIND
    if (kind, key) in newest_ops:
        seq, doc = newest_ops[(kind, key)]
        return doc, f"the journal (change {seq})"
    for path, raw in sorted(snapshots, key=lambda pair: _folded_seq(pair[1]), reverse=True):
        doc = (raw.get(kind) or {}).get(key) if isinstance(raw.get(kind), dict) else None
        if doc is not None and _fits(record_type, key, doc):
            return doc, _shown_name(directory, path)
    if cached is not None:
        doc = cached[1].get(kind, {}).get(key)
        if doc is not None and _fits(record_type, key, doc):
            return doc, CACHE_NAME
    return None


def _forget_derived(directory: Path) -> None:
    """The cache and the search words hold the state as it was before: the next open rebuilds them."""
    try:
        cache = StateCache(directory / CACHE_NAME)
    except CacheUnusable:
        (directory / CACHE_NAME).unlink(missing_ok=True)
    else:
        if not cache.invalidate():
            (directory / CACHE_NAME).unlink(missing_ok=True)
        cache.close()
    for name in DERIVED_FILES:
        (directory / name).unlink(missing_ok=True)


def _write_aside_lines(directory: Path, stamp: str, lines: list[bytes]) -> Path:
    aside = directory / f"damaged-journal-lines-{stamp}.jsonl"
    with open(aside, "ab") as fh:
        fh.write(b"".join(line + b"\n" for line in lines))
    os.chmod(aside, 0o600)
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


__all__ = ["ISSUED_NAME", "Report", "check", "repair"]
