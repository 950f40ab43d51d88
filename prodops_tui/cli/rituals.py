"""Rituals from the shell: the nudges due now."""

from __future__ import annotations

import argparse
import sys

from ..core.storage.store import Store
from .output import print_json


def add_parsers(commands: argparse._SubParsersAction) -> None:
    nudges = commands.add_parser("nudges", help="the nudges due now", description="The nudges due now, best first (thresholds: nudges.toml in the workspace).")
    nudges.add_argument("--json", action="store_true")
    nudges.add_argument("--all", action="store_true", help="every nudge due, not only the first max_shown")


def cmd_nudges(store: Store, args: argparse.Namespace) -> int:
    from ..core.rituals import nudges

    found = nudges.due_nudges(store)
    for problem in found.problems:
        print(f"prodops: warning: {problem}", file=sys.stderr)
    listed = found.shown + found.more if args.all else found.shown
    if args.json:
        print_json([nudge.to_dict() for nudge in listed])
        return 0
    for nudge in listed:
        print(f"! {nudge.title} — prodops: {nudge.hint}")
    if found.more and not args.all:
        print(f"+{len(found.more)} more (prodops nudges --all)")
    return 0
