"""Durable file primitives: private folders, fsync, atomic replace, JSON read with a clear
error, and TinyDB storage built on them (docs/PITFALLS.md: stock TinyDB writes in place)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from ..errors import WorkspaceCorrupt

# Whether a file a store writes after every change (the journal, issued.json) may stay open
# between changes: where an open file can still be renamed over or deleted, as a fold and
# doctor do (POSIX). Windows refuses both while it is open, so there it is opened each time.
HOLD_OPEN_FILES = os.name == "posix"


def ensure_private_dir(path: Path) -> None:
    """Create a directory readable by the user only (feedback holds customer data), and any
    missing folder above it likewise (mkdir(parents=True) gives those 0777 under umask 000)."""
    if path.exists():
        return
    missing = [path, *(parent for parent in path.parents if not parent.exists())]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made by another process meanwhile: its mode is its maker's
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask


@contextmanager
def naming(path: Path) -> Iterator[None]:
    """An OSError met while writing `path` names it: a bare "File too large" or "No space left
    on device" does not say which file, and a temp file beside it is not the file the user chose."""
    try:
        yield
    except OSError as exc:
        if exc.filename == str(path) or exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable (POSIX). Windows cannot open a folder this
    way (and NTFS journals its folder entries itself): nothing to do there."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """os.write may write less than asked: loop."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_all_and_fsync(fd: int, data: bytes) -> None:
    write_all(fd, data)
    os.fsync(fd)


def write_temp_file(path: Path, data: bytes | Iterable[bytes]) -> Path:
    """`data` (bytes, or pieces of it written as they come: a fold streams 100,000 records)
    durable in a new private file beside `path`, for the caller to rename over it."""
    # A unique name in the same directory (so os.replace stays on one file system): a name
    # made from the pid alone let two threads of one process write the same temp file.
    with naming(path):
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
        tmp = Path(tmp_name)
        try:
            try:
                if isinstance(data, bytes):
                    write_all_and_fsync(fd, data)
                else:
                    for piece in data:
                        write_all(fd, piece)
                    os.fsync(fd)
            finally:
                os.close(fd)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return tmp


def atomic_write_bytes(path: Path, data: bytes | Iterable[bytes], *, replace: bool = True) -> None:
    """Leave `path` holding either its old content or `data`, never a mix. With `replace` off,
    a file already at `path` (made by anyone, up to the last moment) is left as it is and
    FileExistsError raised: the app asks before it replaces a file, and a file made between
    its question and the write must not be replaced unasked."""
    tmp = write_temp_file(path, data)
    with naming(path):
        try:
            if replace:
                os.replace(tmp, path)
            else:
                _link_new(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        fsync_dir(path.parent)


def _link_new(tmp: Path, path: Path) -> None:
    """Give `tmp` the name `path` only if nothing has it (one atomic step: link refuses an
    existing name). A file system without hard links gets an exclusive create and a copy."""
    try:
        os.link(tmp, path)
        return
    except FileExistsError:
        raise
    except OSError:
        pass  # no hard links here (FAT, exFAT, some network shares, each with its own error)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        write_all_and_fsync(fd, tmp.read_bytes())
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)


def read_json_file(path: Path) -> Any:
    """Parse a JSON file or raise WorkspaceCorrupt naming it; None if it is absent."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise WorkspaceCorrupt(path, exc.strerror or str(exc)) from exc
    if not raw.strip():
        raise WorkspaceCorrupt(path, "the file is empty")
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise WorkspaceCorrupt(path, "not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise WorkspaceCorrupt(path, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc


class AtomicJSONStorage(Storage):
    """A TinyDB storage whose writes are atomic and whose reads refuse a damaged file."""

    def __init__(self, path: str | Path, **_: Any):
        self.path = Path(path)

    def read(self) -> dict[str, Any] | None:
        data = read_json_file(self.path)
        if data is not None and not isinstance(data, dict):
            raise WorkspaceCorrupt(self.path, "not a prodops workspace (top level is not an object)")
        return data

    def write(self, data: dict[str, Any]) -> None:
        atomic_write_bytes(self.path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())

    def close(self) -> None:
        pass


def file_signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)
