"""Short texts raw-deflated against a dictionary their file keeps: cache.sqlite's documents,
search.sqlite's words, lookalikes.sqlite's facts and nodes.

zlib's level 1 and a 4 KB window (each dictionary is 2 KB): at 100k items of the bench's CSV, a
cache document went 812 -> 321 bytes for 21 us to deflate and 6 to inflate. Level 6 kept 307
bytes for 26 us; zlib's default 32 KB window took 80 us a document (68 a look-alike fact), its
~300 KB of state allocated by mmap each time (timeit, by hand, on this VM). Raw deflate: no zlib
header or checksum (6 bytes a row); SQLite checks its pages."""

from __future__ import annotations

import zlib
from collections import Counter

LEVEL = 1
DICTIONARY_BYTES = 2_048
_WINDOW = -12
_ANY_WINDOW = -15  # inflates a stream of any window


def deflated(data: bytes, zdict: bytes) -> bytes:
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, _WINDOW, 8, zlib.Z_DEFAULT_STRATEGY, zdict)
    return packer.compress(data) + packer.flush()


def inflated(data: bytes, zdict: bytes) -> bytes | None:
    """What `deflated` was given, or None when `data` does not inflate whole against `zdict`
    (a damaged row: each caller says so in its own terms)."""
    unpacker = zlib.decompressobj(_ANY_WINDOW, zdict)
    try:
        found = unpacker.decompress(data) + unpacker.flush()
    except (zlib.error, TypeError):
        return None
    return found if unpacker.eof else None


def deflated_text(text: str, zdict: bytes) -> bytes:
    # surrogatepass: a lone surrogate a snapshot's "\ud800" gave comes back as it went in.
    return deflated(text.encode("utf-8", "surrogatepass"), zdict)


def inflated_text(data: bytes, zdict: bytes) -> str | None:
    """What `deflated_text` was given, or None when `data` is damaged."""
    found = inflated(data, zdict)
    if found is None:
        return None
    try:
        return found.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None


def dictionary_of(pieces: Counter[str]) -> bytes:
    """A dictionary of the most used pieces (each with its separator), up to DICTIONARY_BYTES, the
    most used last: deflate codes nearer matches in fewer bits."""
    chosen: list[bytes] = []
    size = 0
    for piece, _ in pieces.most_common():
        encoded = piece.encode("utf-8", "surrogatepass")
        size += len(encoded)
        if size > DICTIONARY_BYTES:
            break
        chosen.append(encoded)
    return b"".join(reversed(chosen))
