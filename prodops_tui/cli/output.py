"""Where a command's output goes: JSON and text on stdout, or a document (export, report) in the
format the `-o` file's name says, written whole or not at all."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..core.feedback.exporters import json_array_pieces
from ..core.storage.files import atomic_write_bytes
from .usage import UsageError

# The `-o` suffixes every command that writes a file reads, and the format each means.
SUFFIX_FORMATS = {"csv": "csv", "json": "json", "md": "md", "markdown": "md"}


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def print_json_array(values: Iterable[Any]) -> None:
    """The text print_json(list(values)) prints, written as the values come: a million items'
    list is never built whole. The first value is taken before anything is written, so an
    error in reading it leaves stdout empty."""
    write_output(json_array_pieces(values), None)


def print_outcome(result: Any, as_json: bool) -> int:
    """An import's or a sync's outcome: its JSON on stdout, or each record it skipped on stderr
    and its one-line summary on stdout. Both kinds have to_dict(), skipped and summary()."""
    if as_json:
        print_json(result.to_dict())
        return 0
    for skipped in result.skipped:
        print(f"skipped {skipped}", file=sys.stderr)
    print(result.summary())
    return 0


def output_format(requested: str | None, output: str | None, *, accepted: Sequence[str], default: str, what: str) -> str:
    """--format when given, else the format the -o file's suffix names, else `default` (no -o,
    or a name without a suffix). A suffix outside `accepted` is wrong usage, said in one line
    with the suffixes that work."""
    if requested:
        if requested not in accepted:
            raise UsageError(f"{what} exports as {' or '.join(accepted)}, not {requested!r}")
        return requested
    suffix = Path(output).suffix.lstrip(".").lower() if output else ""
    if not suffix:
        return default
    fmt = SUFFIX_FORMATS.get(suffix)
    if fmt is None or fmt not in accepted:
        names = [f".{name}" for wanted in accepted for name, meant in SUFFIX_FORMATS.items() if meant == wanted]
        raise UsageError(f"cannot tell the format from {output!r}: name the file {', '.join(names[:-1])} or {names[-1]}, "
                         f"or add --format {'|'.join(accepted)}")
    return fmt


def write_output(text: str | Iterable[str], output: str | None) -> None:
    """`text` (or its pieces, written as they come) to the -o file, replacing it whole or not at
    all and private to the user (it holds customer data: core/storage/files.py writes it 0600),
    or to stdout without -o."""
    pieces = iter((text,) if isinstance(text, str) else text)
    try:
        if output:
            atomic_write_bytes(Path(output), (piece.encode("utf-8") for piece in pieces))
        else:
            for piece in pieces:
                sys.stdout.write(piece)
    finally:
        # On an error (a full disk, a closed pipe) the pieces' reads end now, with the store
        # still whole, not when the interpreter tears down (a lock's flock then failed).
        close = getattr(pieces, "close", None)
        if close is not None:
            close()
