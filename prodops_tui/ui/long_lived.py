"""Keeping what the app holds for good out of the cyclic garbage collector's walks."""

from __future__ import annotations

import gc


def out_of_collections() -> None:
    """What was just loaded or built (records, the search and look-alike indexes) lives as long
    as the app: moved out of the cyclic collector's reach (`gc.freeze`), so a full collection
    does not walk it in the middle of a key press (at 100k items one took 0.67 s during a `j`).
    Reference counting still frees it once dropped; the app unfreezes all of it on exit."""
    gc.freeze()


def back_in_collections() -> None:
    gc.unfreeze()
