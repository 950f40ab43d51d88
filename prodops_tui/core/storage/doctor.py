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

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ProdopsError, WorkspaceCorrupt
from ..model import RECORD_TYPES, TYPE_BY_KIND, Record, record_problem
from . import locking
from .backups import GZ, backup_files, newest_backup, read_backup, replay_gap
from .cache import CACHE_NAME, CacheUnusable, StateCache
from .files import AtomicJSONStorage, ensure_private_dir
from .fold_turn import fold_failure
from .issued import Issued, read_issued, write_issued
from .journal import META_TABLE, SCHEMA_VERSION, apply_raw_entry, salvage_journal, schema_version_of, torn_tail
from .store import BACKUP_DIR, JOURNAL_NAME, LOCK_NAME, SNAPSHOT_NAME, Store


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
    held = None
    try:
        store = Store.open(directory, clock=clock, create=False)
        store.check_every_record()  # every record read and checked, not only what a command would ask for
    except ProdopsError as exc:
        report.bad(str(exc))
    else:
        held = store.seq
        counts = ", ".join(f"{store.count(t)} {t.KIND}" for t in RECORD_TYPES if store.count(t))
        report.good(f"{SNAPSHOT_NAME} and {JOURNAL_NAME} read: {counts or 'no records yet'} (up to change {held})")
        for leftover in store.stale_temp_files(older_than_s=0):
            report.warn(f"{leftover.name} ({leftover.stat().st_size:,} bytes) was left by an interrupted write; "
                        "the next fold removes it once it is an hour old, or delete it")
        store.close()
    journal = directory / JOURNAL_NAME
    if journal.exists():
        report.good(f"journal holds {journal.stat().st_size:,} bytes not yet folded")
        _check_torn_tail(report, directory, held)
    newest = newest_backup(directory / BACKUP_DIR)
    gap = replay_gap(backup_files(directory / BACKUP_DIR))
    if gap is not None:
        missing = f"change {gap[0]}" if gap[0] == gap[1] else f"changes {gap[0]}-{gap[1]}"
        report.warn(f"backups/ can restore only up to change {gap[0] - 1}: no segment holds {missing} "
                    f"(deleted?); {SNAPSHOT_NAME} holds them, and the next fold keeps a new snapshot past the gap")
    elif newest is not None:
        report.good(f"backups/ can restore up to change {newest.last} ({newest.path.name} is the newest)")
    else:
        report.warn("no backup yet (one is kept at every fold; a fold runs once the journal outgrows the snapshot)")
    failed = fold_failure(directory)
    if failed:
        report.warn(f"the journal is not being folded ({failed}); `prodops compact` folds it now and says what stops it")
    for path in [directory / SNAPSHOT_NAME, journal]:
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            report.warn(f"{path} is readable by others: chmod 600")
    return report


def _check_torn_tail(report: Report, directory: Path, held: int | None) -> None:
    """A last line without its newline: a change whose writing never finished, or the file's end
    cut off. issued.json tells them apart: it is written only once a change's line is whole, so
    it names a change past what the files hold (`held`, the store's, when it opened) only when
    that change's end was cut off."""
    journal = directory / JOURNAL_NAME
    with _shared(directory):  # a line being appended now is not a torn one
        torn, complete_lines, last_seq = torn_tail(journal)
    if not torn:
        return
    where = f"{journal} ends with {torn:,} bytes of an unfinished line (after line {complete_lines})"
    issued = read_issued(directory)
    if held is None:
        held = max(last_seq, _folded_seq_of(directory / SNAPSHOT_NAME))
    if issued is None:
        report.bad(f"{where}: a change whose writing never finished, or the file's end was cut off and a change lost; "
                   "`prodops doctor --repair` sets the bytes aside")
    elif issued.seq > held:
        report.bad(f"{where}: the rest of change {issued.seq}, which was acknowledged: the file's end was cut off; "
                   "`prodops doctor --repair` restores what a copy holds and sets the bytes aside")
    else:
        report.warn(f"{where}: a change whose writing never finished, never acknowledged (nothing is lost); "
                    "the next change or `prodops doctor --repair` sets the bytes aside")


@contextlib.contextmanager
def _shared(directory: Path) -> Iterator[None]:
    """The workspace lock for reading; none where it cannot be taken (a read-only folder)."""
    with contextlib.ExitStack() as held:
        with contextlib.suppress(OSError):
            held.enter_context(locking.holding(directory / LOCK_NAME, locking.SHARED))
        yield


def _folded_seq_of(path: Path) -> int:
    try:
        raw = AtomicJSONStorage(path).read()
        return _folded_seq(raw) if raw is not None else 0
    except (WorkspaceCorrupt, KeyError, TypeError, AttributeError):
        return 0


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

    with _exclusive(directory), _CacheCopy(directory) as cache:  # no process writes while the copies are read
        message = _rebuild(directory, clock, cache)
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
    try:
        data = journal.read_bytes()
    except FileNotFoundError:
        return ""
    complete = data.rfind(b"\n") + 1
    if complete == len(data):
        return ""
    aside = _write_aside_lines(directory, stamp, [data[complete:]])
    os.truncate(journal, complete)
    return f"its unfinished last line ({len(data) - complete:,} bytes) is set aside in {aside.name}"


class _Snapshots:
    """The readable snapshots, the live one and those in backups/, each parsed only when asked
    for (a snapshot of 100,000 items is hundreds of MB once parsed): newest first."""

    def __init__(self, directory: Path):
        self.directory = directory
        live = directory / SNAPSHOT_NAME
        self._parsed: dict[Path, dict[str, Any] | None] = {}
        backups = [b for b in backup_files(directory / BACKUP_DIR) if b.is_snapshot]
        # The live one's change is known once parsed; a backup's from its name.
        live_raw = self._read(live)
        live_seq = _folded_seq(live_raw) if live_raw is not None else -1
        self.candidates = sorted([(live_seq, live), *((b.last, b.path) for b in backups)], key=lambda c: -c[0])

    def _read(self, path: Path) -> dict[str, Any] | None:
        if path not in self._parsed:
            self._parsed[path] = _readable_snapshot(path)
        return self._parsed[path]

    def newest(self) -> tuple[Path, dict[str, Any]] | None:
        for _, path in self.candidates:
            raw = self._read(path)
            if raw is not None:
                return path, raw
        return None

    def holding(self, kind: str, key: str, below: int) -> Iterator[tuple[int, Path, Any]]:
        """(its change, the file, the record) for each snapshot older than change `below` that
        holds the record, newest first."""
        for seq, path in self.candidates:
            if seq < below:
                raw = self._read(path)
                table = raw.get(kind) if raw is not None else None
                if raw is not None and isinstance(table, dict) and key in table:
                    yield _folded_seq(raw), path, table[key]


class _CacheCopy:
    """cache.sqlite read as one more copy of the state (never created or changed here but for
    invalidate): its change number at once, its records only when they are needed."""

    def __init__(self, directory: Path):
        self.seq = -1
        self._meta: dict[str, Any] = {}
        self._cache: StateCache | None = None
        if not (directory / CACHE_NAME).exists():
            return
        try:
            self._cache = StateCache(directory / CACHE_NAME)
            state = self._cache.state()
        except CacheUnusable:
            self.close()
            return
        if state is None or state.meta.get("schema_version") != SCHEMA_VERSION:
            return
        self.seq, self._meta = state.seq, state.meta

    def __enter__(self) -> _CacheCopy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def whole(self) -> dict[str, Any] | None:
        """The whole state, as a TinyDB file's content; None when it cannot be read."""
        if self._cache is None or self.seq < 0:
            return None
        raw: dict[str, Any] = {META_TABLE: {"1": dict(self._meta, next_ids=dict(self._meta.get("next_ids", {})))}}
        try:
            for kind in TYPE_BY_KIND:
                raw[kind] = self._cache.kind_at(kind, lambda _state, rows: {str(n): json.loads(doc) for n, doc in rows})
        except (CacheUnusable, ValueError):
            return None
        return raw

    def doc(self, kind: str, key: str) -> tuple[bool, Any]:
        """(whether the cache can say, the record as it holds it or None when it holds none)."""
        if self._cache is None or self.seq < 0:
            return False, None
        try:
            doc = self._cache.doc(kind, int(key))
            return True, (json.loads(doc) if doc is not None else None)
        except (CacheUnusable, ValueError):
            return False, None

    def touched_by(self, seqs: list[int]) -> list[tuple[str, str]] | None:
        """The records these changes touched, from its log; None when it does not reach them."""
        if self._cache is None or self.seq < 0:
            return None
        touched: list[tuple[str, str]] = []
        try:
            for seq in seqs:
                records = self._cache.changed_by(seq)
                if records is None:
                    return None
                touched += [(kind, str(number)) for kind, number in records]
        except CacheUnusable:
            return None
        return touched

    def forget(self) -> None:
        """The state it held is not the repaired one: the next open rebuilds it."""
        if self._cache is not None:
            self._cache.invalidate()


def _rebuild(directory: Path, clock: Callable[[], str], cache: _CacheCopy) -> str:
    stamp = _stamp(clock)
    backup_dir = directory / BACKUP_DIR
    snapshot = directory / SNAPSHOT_NAME
    snapshots = _Snapshots(directory)
    entries, damaged = _journal_entries(directory)
    newest = snapshots.newest()
    if newest is None and not entries and cache.seq < 0:
        raise WorkspaceCorrupt(snapshot, "no good snapshot, backup, journal or cache to restore from")

    if newest is not None:
        base_path, base = newest
        rebuilt = _Rebuilt(base, _folded_seq(base), _shown_name(directory, base_path))
    else:
        rebuilt = _Rebuilt(_empty(clock), 0, "an empty workspace")
    rebuilt.damaged = damaged
    _apply_after(rebuilt, entries)
    whole = cache.whole() if cache.seq > rebuilt.seq else None
    if whole is not None:
        # The files lost changes the cache still holds (a journal cut short): it is the newest copy.
        lost = f"changes {rebuilt.seq + 1}-{cache.seq}" if cache.seq > rebuilt.seq + 1 else f"change {cache.seq}"
        rebuilt = _Rebuilt(whole, cache.seq, f"{CACHE_NAME} ({lost} the journal had lost)", damaged=damaged)
        _apply_after(rebuilt, entries)
    elif cache.seq == rebuilt.seq and rebuilt.missing:
        _restore_missing_from_cache(rebuilt, cache)
    _restore_or_set_aside_misfits(rebuilt, directory, snapshots, entries, cache)

    issued = read_issued(directory) or Issued()
    # Numbers are never given twice: the state continues above every change and id ever issued
    # (a lost change's number included), so no backup is newer than it and no id is reused.
    meta = rebuilt.raw[META_TABLE]["1"]
    newest_kept = newest_backup(backup_dir)
    final_seq = max(rebuilt.seq, issued.seq, newest_kept.last if newest_kept else 0)
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
    cache.forget()
    forget_stored_search(directory)
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


def _readable_snapshot(path: Path) -> dict[str, Any] | None:
    try:
        raw = _read_snapshot_file(path)
        if raw is None or schema_version_of(raw, path) != SCHEMA_VERSION or not isinstance(raw[META_TABLE]["1"], dict):
            return None
    except (WorkspaceCorrupt, KeyError, TypeError):
        return None
    raw[META_TABLE]["1"].setdefault("next_ids", {})
    return raw


def _read_snapshot_file(path: Path) -> dict[str, Any] | None:
    """A snapshot, the live one or a backup, compressed or not (None when absent)."""
    if not path.name.endswith(GZ):
        return AtomicJSONStorage(path).read()
    try:
        raw = json.loads(read_backup(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise WorkspaceCorrupt(path, str(exc)) from exc
    if not isinstance(raw, dict):
        raise WorkspaceCorrupt(path, "not a prodops workspace (top level is not an object)")
    return raw


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
    by_seq: dict[int, dict[str, Any]] = {}
    damaged: list[tuple[str, int, bytes]] = []
    segments = sorted((b for b in backup_files(directory / BACKUP_DIR) if not b.is_snapshot), key=lambda b: b.first)
    for path in [*(b.path for b in segments), directory / JOURNAL_NAME]:
        entries, bad_lines = salvage_journal(path)
        damaged += [(path.name, line_no, line) for line_no, line in bad_lines]
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


def _restore_missing_from_cache(rebuilt: _Rebuilt, cache: _CacheCopy) -> None:
    """Changes the files lost in the middle (a damaged line), when the cache is at the same change
    as the rebuilt state: the records those changes touched are taken as the cache holds them."""
    touched = cache.touched_by(rebuilt.missing)
    if touched is None:
        return
    for kind, key in touched:
        known, doc = cache.doc(kind, key)
        if not known:
            return
        table = rebuilt.raw.setdefault(kind, {})
        if doc is None:
            table.pop(key, None)
        else:
            table[key] = doc
    rebuilt.source += f" and {CACHE_NAME} (the records of change(s) {_ranges(rebuilt.missing)})"
    rebuilt.missing = []


def _restore_or_set_aside_misfits(rebuilt: _Rebuilt, directory: Path, snapshots: _Snapshots,
                                  entries: dict[int, dict[str, Any]], cache: _CacheCopy) -> None:
    """Every record that is not what its table and number say is replaced by its newest intact
    copy (the journal's last change to it, a backup, the cache: whichever is the newest change).
    Only what no copy holds intact is set aside."""
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
            found = _intact_copy(record_type, key, rebuilt.seq, directory, newest_ops, snapshots, cache)
            if found is None or found[0] is None:  # no copy; or its newest change deleted it
                rebuilt.aside.setdefault(kind, {})[key] = table.pop(key)
            else:
                table[key] = found[0]
                rebuilt.restored.append(f"{record_type.PREFIX}-{key} from {found[1]}")
    for kind in list(rebuilt.raw):
        if kind != META_TABLE and kind not in TYPE_BY_KIND:
            rebuilt.aside[kind] = rebuilt.raw.pop(kind)  # a table of no kind prodops knows


def _fits(record_type: type, key: str, doc: Any) -> bool:
    return key.isdigit() and record_problem(record_type, int(key), doc) is None


def _newest_ops(entries: dict[int, dict[str, Any]], up_to: int) -> dict[tuple[str, str], tuple[int, Any]]:
    """(kind, number) -> (change, the record as its newest change up to `up_to` left it, None
    when deleted). Journal entries are checked whole when read: each record here is intact."""
    newest: dict[tuple[str, str], tuple[int, Any]] = {}
    for seq in sorted(s for s in entries if s <= up_to):
        for _op, kind, number, doc in entries[seq]["ops"]:
            newest[(kind, str(number))] = (seq, doc)
    return newest


def _intact_copy(record_type: type[Record], key: str, up_to: int, directory: Path,
                 newest_ops: dict[tuple[str, str], tuple[int, Any]], snapshots: _Snapshots,
                 cache: _CacheCopy) -> tuple[Any, str] | None:
    """(the newest intact version of one record, where it was), a None version when its newest
    change deleted it; None when no copy holds it intact. Newest by change number: a journal's
    put of change 40 is older than a backup of change 90 that holds the record intact."""
    kind = record_type.KIND
    found: list[tuple[int, Any, str]] = []
    if (kind, key) in newest_ops:
        seq, doc = newest_ops[(kind, key)]
        found.append((seq, doc, f"the journal (change {seq})"))
    for seq, path, doc in snapshots.holding(kind, key, below=up_to):
        if _fits(record_type, key, doc):
            found.append((seq, doc, _shown_name(directory, path)))
            break  # newest first: the older ones cannot win
    if 0 <= cache.seq <= up_to:
        known, doc = cache.doc(kind, key)
        if known and doc is not None and _fits(record_type, key, doc):
            found.append((cache.seq, doc, CACHE_NAME))
    if not found:
        return None
    _, doc, where = max(found, key=lambda candidate: candidate[0])
    return doc, where


def forget_stored_search(directory: Path) -> None:
    """search.sqlite, lookalikes.sqlite and suggest.sqlite name the change they are at; after a
    repair that number may hold another state: forget it (derived.py), so they are built again."""
    from .derived import forget_derived_state

    forget_derived_state(directory)


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
