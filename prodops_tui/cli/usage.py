"""Wrong usage found after parsing: the error that exits 2, like argparse's own."""


class UsageError(Exception):
    """Wrong usage found after parsing (exit 2, like argparse's own)."""
