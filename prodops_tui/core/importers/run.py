"""One import: read the file, pick the preset, turn rows into feedback, skip what is known,
store the rest in a few big changes (each one undoable)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar, cast

from ..dates import from_iso
from ..errors import InvalidInput
from ..model import Change, FeedbackItem
from ..storage.store import Store
from ..text import clean_line
from .cleaning import cleaned
from .fields import Context
from .presets import choose
from .reading import Table, count_csv_rows, opened_table
from .result import ImportResult, ImportRowError, RowIgnored, SkippedRow

# Items per stored change: each change is one journal line and one undo step (the record, and
# a digest of it in the undo history); smaller batches mean shorter lines, more undo steps.
BATCH_SIZE = 10_000
PROGRESS_EVERY = 1_000

Progress = Callable[[int, int], None]
T = TypeVar("T")
_END = object()


def import_feedback(
    store: Store,
    path: Path | str,
    *,
    format: str | None = None,
    preset: str | None = None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    origin: str = "import",
    keep_in_memory: bool = True,
) -> ImportResult:
    """Import feedback from a CSV, JSON-array or JSONL file.

    A file whose header matches a preset needs nothing else; `mapping` ({field: column}, the
    CLI's --map) imports any other file. Rows that cannot be imported are skipped with a
    reason; rows whose source key the workspace already holds (or the file repeated) count as
    duplicates. `dry_run` reads and checks everything and stores nothing.

    `progress(done, total)` is called from the calling thread with the data rows handled so
    far: at the start, every PROGRESS_EVERY rows and after each stored batch. An exception
    raised in it stops the import; the batches stored before stay (each one undoable).

    `keep_in_memory=False` (a command that ends after the import) lets the store go of each
    batch once it is stored: later reads take it from the cache. A fresh workspace holds its
    kinds in memory, so a 1M-row import otherwise kept every item and undo record it stored.

    Raises InvalidInput (one line) when the file as a whole cannot be imported."""
    path = Path(path)
    with opened_table(path, format, records=True) as table:
        return _import_table(store, path, table, preset, mapping, dry_run, progress, origin, keep_in_memory)


def _import_table(store: Store, path: Path, table: Table, preset: str | None, mapping: dict[str, str] | None,
                  dry_run: bool, progress: Progress | None, origin: str, keep_in_memory: bool) -> ImportResult:
    if not table.columns:
        first = next((str(SkippedRow(n, r.column, r.reason)) for n, r in table.rows if isinstance(r, ImportRowError)), "")
        raise InvalidInput(f"{path.name} holds no objects to import" + (f" ({first})" if first else ""))
    chosen, binding, used = choose(table.columns, preset=preset, mapping=mapping, name=path.name, sample=table.sample())

    store.refresh()  # what other processes stored meanwhile: their keys and areas count too
    now_iso = store.clock()
    ctx = Context(store=store, now=from_iso(now_iso), now_iso=now_iso, columns=binding, used=used, envelope=table.envelope)
    result = ImportResult(preset=chosen.name, format=table.format, dry_run=dry_run)
    writer = _Writer(store, result, clean_line(path.name), origin, keep_in_memory)
    total = 0
    if progress:
        # A streamed file's rows are counted first (one quick pass) so the bar has its end.
        total = len(table.rows) if table.more is None else count_csv_rows(path, table.delimiter or ",")
        progress(0, total)
    # Fold once at the end rather than after whichever batches cross the threshold
    # (measured: 100k rows in 6.5 s instead of 10.5-12 s); each batch is durable anyway.
    auto_fold, store.auto_fold = store.auto_fold, False
    # The rows and records made here are not cycles, but each of the cyclic GC's full passes
    # walks every one alive: each batch of a 100k import took longer than the last (1.7 s for
    # the tenth; 0.2 s with the GC paused).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _convert_and_store(table, chosen, ctx, writer, result, progress, total)
    finally:
        store.auto_fold = auto_fold
        if gc_was_enabled:
            gc.enable()
    if auto_fold and not dry_run:
        store.fold_after_change()  # the batches are stored: a failed fold must not report them failed
    return result


def _convert_and_store(table: Table, chosen, ctx, writer: _Writer, result: ImportResult, progress: Progress | None, total: int) -> None:
    done = 0
    for (row_no, row), last in _with_last(table.every_row()):
        done += 1
        try:
            if isinstance(row, ImportRowError):
                raise row
            item = chosen.convert(row, ctx)
        except ImportRowError as exc:
            result.skipped.append(SkippedRow(row_no, _column(exc.column), exc.reason))
        except RowIgnored as exc:
            result.ignored.append(SkippedRow(row_no, _column(exc.column), exc.reason))
        else:
            writer.take(item)
        if writer.full() or last:
            writer.flush(last=last)
            if progress:
                progress(done, done if last else max(total, done))  # the end is the end, whatever was counted
        elif progress and done % PROGRESS_EVERY == 0:
            progress(done, max(total, done))
    result.rows = done


def _with_last(rows: Iterator[T]) -> Iterator[tuple[T, bool]]:
    """Each row, and whether it is the file's last (a batch is stored then, and a first batch
    that is not the last is labelled "part 1")."""
    held = next(rows, _END)
    while held is not _END:
        following = next(rows, _END)
        yield cast(T, held), following is _END
        held = following


def _column(name: str | None) -> str | None:
    return clean_line(name) if name is not None else None  # a header is user text too


class _Writer:
    """Collects new items, drops known source keys, stores them a batch at a time."""

    def __init__(self, store: Store, result: ImportResult, name: str, origin: str, keep_in_memory: bool):
        self.store = store
        self.keep_in_memory = keep_in_memory
        self.result = result
        self.name = name
        self.origin = origin
        self.parts = False  # whether the import is stored in more than one change
        self.part = 0
        self.pending: list[FeedbackItem] = []
        self.known = self._known_keys()
        self.revision = store.revision

    def _known_keys(self) -> set[str]:
        # One field, not every item built (a re-import into 100k items loaded them all).
        return {key for _, key in self.store.fields(FeedbackItem, ("source_key",)) if key}

    def take(self, item: FeedbackItem) -> None:
        item = cleaned(item)  # every preset's item, whatever its fields forgot
        key = item.source_key
        if key is not None:  # every preset sets one; an item without one cannot be a repeat
            if key in self.known:
                self.result.duplicates += 1
                return
            self.known.add(key)
        self.pending.append(item)

    def full(self) -> bool:
        return len(self.pending) >= BATCH_SIZE

    def flush(self, *, last: bool) -> None:
        if not self.pending:
            return
        items, self.pending = self.pending, []
        if self.result.dry_run:
            self.result.imported += len(items)
            return
        self.part += 1
        self.parts = self.parts or not last
        label = f"imported {len(items):,} feedback items from {self.name}" + (f" (part {self.part})" if self.parts else "")
        with self.store.change(label, origin=self.origin) as tx:
            if self.store.revision != self.revision:
                # The workspace changed since we looked (another process, another import of
                # the same file?): take in the keys it holds now, for this batch and the rest.
                stored = self._known_keys()
                self.known |= stored
                fresh = [item for item in items if item.source_key not in stored]
                self.result.duplicates += len(items) - len(fresh)
                items = fresh
            for item in items:
                self.result.ids.append(tx.add(item).id)
        self.result.imported += len(items)
        self.revision = self.store.revision
        if not self.keep_in_memory:
            # Stored, and held by the cache: 3.4 GB at the peak of a 1M-row import kept them.
            for kind in (FeedbackItem, Change):
                self.store.unload(kind)
