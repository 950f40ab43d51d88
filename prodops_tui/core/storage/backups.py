"""What `backups/` holds, read from the file names a fold gives: the one place they are parsed.

A fold keeps the snapshot it replaces as `prodops.<N>.json` (the state at change N) and the
journal it folded as `journal.<A>-<B>.jsonl` (changes A to B, and any written while the fold
ran). Neither is ever newer than what the new snapshot and journal hold together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BackupFile:
    path: Path
    first: int  # the first change it holds: a segment's A; a snapshot's is everything up to `last`
    last: int  # the newest change it holds: a snapshot's N, a segment's B

    @property
    def is_snapshot(self) -> bool:
        return self.path.name.startswith("prodops.")


def backup_files(backup_dir: Path) -> list[BackupFile]:
    """Every snapshot and journal segment in `backup_dir`, oldest first (by the newest change
    each holds); other files (a migration's `prodops.schema-1.json`) are not among them."""
    try:
        names = [path.name for path in backup_dir.iterdir()]
    except OSError:
        return []
    found = []
    for name in names:
        parts = name.split(".")
        if len(parts) != 3:
            continue
        if parts[0] == "prodops" and parts[2] == "json" and parts[1].isdigit():
            found.append(BackupFile(backup_dir / name, 0, int(parts[1])))
        elif parts[0] == "journal" and parts[2] == "jsonl":
            first, _, last = parts[1].partition("-")
            if first.isdigit() and last.isdigit():
                found.append(BackupFile(backup_dir / name, int(first), int(last)))
    return sorted(found, key=lambda b: (b.last, b.first, b.path.name))


def newest_backup(backup_dir: Path) -> BackupFile | None:
    """The backup that holds the newest change, or None."""
    found = backup_files(backup_dir)
    return found[-1] if found else None
