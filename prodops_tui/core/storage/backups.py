"""What `backups/` holds, read from the file names a fold gives: the one place they are parsed,
written and read back.

A fold keeps the journal it folded as `journal.<A>-<B>.jsonl` (changes A to B), and now and
then the snapshot it replaces as `prodops.<N>.json` (the state at change N): one snapshot, the
base, and the segments after it, which replay from it to the newest fold. A fold keeps its old
snapshot as the new base only once the segments after the base take more room than the base
(rebase_due), and the older base and its segments go: `backups/` holds about one to two
compressed snapshots' worth, not three snapshots (a fifth of the workspace's disk at 100k
items), and most folds skip compressing the snapshot. No backup is ever newer than what the
new snapshot and journal hold together. A backup of COMPRESSED_FROM bytes or more is kept
gzip-compressed, its name ending in `.gz` (a 100k-item import's journal: 290 MB as written,
about a fifth of that compressed); a smaller one stays plain text, readable with any editor.
Both forms are read wherever a backup is read, so the backups of a workspace written before
compression (all plain) restore as they did, and rotate out as new ones are kept.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .files import naming

# Below this a backup stays plain: compressing saves under a megabyte, and costs the reader a tool.
COMPRESSED_FROM = 1 << 20
# zlib level 1: 4.5x on prodops's JSON at 170 MB/s (level 6: 5.1x at 50 MB/s), measured on the
# bench's 10k-item workspace; a fold of 100k items compresses about 600 MB.
COMPRESS_LEVEL = 1
GZ = ".gz"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupFile:
    path: Path
    first: int  # the first change it holds: a segment's A; a snapshot's is everything up to `last`
    last: int  # the newest change it holds: a snapshot's N, a segment's B

    @property
    def is_snapshot(self) -> bool:
        return self.path.name.startswith("prodops.")


def backup_files(backup_dir: Path) -> list[BackupFile]:
    """Every snapshot and journal segment in `backup_dir`, plain or compressed, oldest first (by
    the newest change each holds); other files (a migration's `prodops.schema-1.json`, a
    compression's temporary file) are not among them."""
    try:
        names = [path.name for path in backup_dir.iterdir()]
    except OSError:
        return []
    found = []
    for name in names:
        parts = name.removesuffix(GZ).split(".")
        if len(parts) != 3:
            continue
        if parts[0] == "prodops" and parts[2] == "json" and parts[1].isdigit():
            found.append(BackupFile(backup_dir / name, 0, int(parts[1])))
        elif parts[0] == "journal" and parts[2] == "jsonl":
            first, _, last = parts[1].partition("-")
            if first.isdigit() and last.isdigit():
                found.append(BackupFile(backup_dir / name, int(first), int(last)))
    return sorted(found, key=lambda b: (b.last, b.first, b.path.name))


def rebase_due(found: list[BackupFile], new_segment_bytes: int) -> bool:
    """Whether a fold keeps the snapshot it replaces, as the new base: when no snapshot is kept
    yet, or when the segments after the newest one kept, with the one this fold adds
    (`new_segment_bytes` on disk), take more room than it. Replaying them is then dearer, on
    disk and in a repair's time, than the snapshot that would replace them. Also when they no
    longer replay from it (replay_gap: a segment deleted by hand). `found` is backup_files' list."""
    snapshots = [b for b in found if b.is_snapshot]
    if not snapshots or replay_gap(found) is not None:
        return True
    base = snapshots[-1]
    after = sum(_size(b.path) for b in found if not b.is_snapshot and b.first > base.last)
    return after + new_segment_bytes > _size(base.path)


def rotated_out(found: list[BackupFile]) -> list[BackupFile]:
    """The backups a fold's rotation removes: every snapshot but the newest (the base) and the
    segments it already holds. What is left replays from the base to the newest fold."""
    snapshots = [b for b in found if b.is_snapshot]
    if not snapshots:
        return []
    base = snapshots[-1]
    return [b for b in found if b is not base and b.last <= base.last]


def replay_gap(found: list[BackupFile]) -> tuple[int, int] | None:
    """The first changes (A, B) that no segment after the base holds, when the segments do not
    follow on from the base and each other (one deleted by hand): backups/ alone then restores
    only up to A - 1. None when they replay to the newest, or hold no snapshot to replay from."""
    snapshots = [b for b in found if b.is_snapshot]
    if not snapshots:
        return None
    reached = snapshots[-1].last
    for segment in sorted((b for b in found if not b.is_snapshot and b.last > reached), key=lambda b: b.first):
        if segment.first > reached + 1:
            return reached + 1, segment.first - 1
        reached = max(reached, segment.last)
    return None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def newest_backup(backup_dir: Path) -> BackupFile | None:
    """The backup that holds the newest change, or None."""
    found = backup_files(backup_dir)
    return found[-1] if found else None


def read_backup(path: Path, *, salvage: bool = False) -> bytes:
    """A backup's content (or the live journal's), decompressed when its name says it is
    compressed. OSError for a file that cannot be read, or a compressed one that is damaged or
    cut short; with `salvage`, what decompresses before the damage instead (repair keeps every
    intact line: a journal's last line cut mid-way is then set aside as any torn line is)."""
    data = path.read_bytes()
    if not path.name.endswith(GZ):
        return data
    if not salvage:
        try:
            return gzip.decompress(data)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise OSError(f"{path.name}: damaged compressed backup ({exc})") from exc
    out, view = [], data
    while view:  # member by member, as gzip does
        inflater = zlib.decompressobj(wbits=31)
        try:
            out.append(inflater.decompress(view))
        except zlib.error:
            break
        if not inflater.eof:
            break
        view = inflater.unused_data
    return b"".join(out)


def compressed_copy(source: Path, end: int, backup_dir: Path, name: str) -> Path:
    """The first `end` bytes of `source`, gzip-compressed into a durable temporary file in
    `backup_dir`, read and written a megabyte at a time: for the caller to rename to `name`
    (with `.gz`) once the fold is sure. The temporary name is not a backup's (backup_files
    skips it); one left by a killed fold is removed by stale_backup_temp_files."""
    with naming(backup_dir / (name + GZ)):
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}{GZ}.", suffix=".tmp", dir=backup_dir)  # mode 0600
        tmp = Path(tmp_name)
        try:
            with open(fd, "wb") as raw, open(source, "rb") as src:
                # mtime=0: the same bytes give the same file (and no clock is read here)
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=COMPRESS_LEVEL, mtime=0) as out:
                    left = end
                    while left > 0:
                        chunk = src.read(min(_CHUNK, left))
                        if not chunk:
                            raise OSError(f"{source.name} ended before byte {end}")
                        out.write(chunk)
                        left -= len(chunk)
                raw.flush()
                os.fsync(raw.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return tmp


def put_in_place(tmp: Path, name: str) -> Path:
    """A compressed_copy's file renamed to its backup name (made durable by the caller's fsync
    of the folder)."""
    final = tmp.parent / (name + GZ)
    os.replace(tmp, final)
    return final


def copy_plain(source: Path, kept: Path) -> None:
    """A plain backup of `source`: a second name for the same file when the file system allows
    (free: the old file's inode lives on), else a copy."""
    kept.unlink(missing_ok=True)
    try:
        os.link(source, kept)
    except OSError:
        shutil.copy2(source, kept)


def stale_backup_temp_files(backup_dir: Path, *, older_than_s: float = 3600.0) -> Iterator[Path]:
    """Compressions a killed fold left in `backup_dir`; recent ones may be a running fold's."""
    now = time.time()
    for candidate in backup_dir.glob(".*.tmp"):
        try:
            if now - candidate.stat().st_mtime >= older_than_s:
                yield candidate
        except OSError:
            continue
