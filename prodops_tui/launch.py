"""The `prodops` command's entry point: `--version` answers without importing the command line
and the core (0.12 s of imports: rapidfuzz, the model, the dates), every other use runs cli.main."""

from __future__ import annotations

import sys

from . import __version__

# The global options before a subcommand (cli/parser.py): with a value, and without.
_WITH_VALUE = ("--workspace", "--theme", "--as")
_FLAGS = ("--demo", "--debug")


def asks_for_version(args: list[str]) -> bool:
    """`--version` among the global options, before any subcommand, as argparse reads it."""
    at = 0
    while at < len(args):
        arg = args[at]
        if arg == "--version":
            return True
        if arg in _WITH_VALUE:
            at += 2
        elif arg in _FLAGS or arg.split("=", 1)[0] in _WITH_VALUE:
            at += 1
        else:
            return False  # a subcommand, or something for argparse to refuse
    return False


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if asks_for_version(args):
        print(f"prodops {__version__}")
        return 0
    from .cli import main as cli_main

    return cli_main(argv)
