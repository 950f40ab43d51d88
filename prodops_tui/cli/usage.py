"""Wrong usage: the error that exits 2, like argparse's own, and the value types argparse checks."""

from __future__ import annotations

import argparse


class UsageError(Exception):
    """Wrong usage found after parsing (exit 2, like argparse's own)."""


def positive_count(text: str) -> int:
    """A --limit: a whole number, 1 or more, refused by argparse (exit 2) before any workspace opens."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value
