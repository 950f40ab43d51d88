"""`prodops sync github OWNER/REPO`: bring a tracker's issues in and keep them current
(core/sync/run.py does the work; this module reads the flags and the token, shows progress on a
terminal and prints the summary)."""

from __future__ import annotations

import argparse
import os
import sys

from ..core.errors import InvalidInput
from ..core.storage.store import Store
from ..core.sync.github import API_URL, TOKEN_ENV
from .output import print_json


def add_parsers(commands: argparse._SubParsersAction) -> None:
    sync = commands.add_parser("sync", help="bring a tracker's issues in and keep them current")
    trackers = sync.add_subparsers(dest="tracker", metavar="TRACKER", required=True)
    github = trackers.add_parser("github", help="a GitHub (or GitHub Enterprise) repository's issues")
    github.add_argument("repo", metavar="OWNER/REPO")
    github.add_argument("--api-url", default=API_URL, metavar="URL",
                        help=f"the API (default {API_URL}; GitHub Enterprise: https://HOST/api/v3)")
    github.add_argument("--token-env", default=TOKEN_ENV, metavar="NAME",
                        help=f"the environment variable holding the token (default {TOKEN_ENV}; none: public "
                             "repositories only, at a lower rate limit); the token is never stored or printed")
    github.add_argument("--json", action="store_true")


def cmd_sync(store: Store, args: argparse.Namespace) -> int:
    from ..core.sync.run import sync_github

    token = os.environ.get(args.token_env, "").strip() or None
    if token is None and args.token_env != TOKEN_ENV:
        raise InvalidInput(f"--token-env {args.token_env}: ${args.token_env} is not set (or is empty)")
    on_terminal = sys.stderr.isatty() and not args.json
    result = sync_github(store, args.repo, api_url=args.api_url, token=token, token_env=args.token_env,
                         progress=_progress(f"syncing github {args.repo}") if on_terminal else None, on_wait=_waiting)
    if args.json:
        print_json(result.to_dict())
        return 0
    for skipped in result.skipped:
        print(f"skipped {skipped}", file=sys.stderr)
    print(result.summary())
    return 0


def _waiting(seconds: float) -> None:
    print(f"prodops: note: GitHub's rate limit: waiting {seconds:.0f} s", file=sys.stderr, flush=True)


def _progress(what: str):
    """A one-line bar on a terminal's stderr, as imports show (transfer.py): pages read of the
    pages GitHub says there are; scripts and pipes get only the summary."""

    def show(done: int, total: int, records: int) -> None:
        width = 30
        filled = width * done // total if total else 0
        bar = f"[{'#' * filled}{'.' * (width - filled)}] " if total else ""
        pages = f"page {done:,}/{total:,}" if total else f"page {done:,}"
        end = "\n" if total and done >= total else ""
        print(f"\r{what} {bar}{pages}, {records:,} issues and pull requests read", end=end, file=sys.stderr, flush=True)

    return show
