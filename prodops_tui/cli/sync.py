"""`prodops sync github OWNER/REPO`, `sync gitlab GROUP/PROJECT`, `sync jira KEY --jql Q`: bring
a tracker's issues in and keep them current, and refresh the issues opportunities link to
(core/sync/run.py and delivery.py do the work; this module reads the flags and the token, shows
progress on a terminal and prints the summary)."""

from __future__ import annotations

import argparse
import os
import sys

from ..core.errors import InvalidInput
from ..core.storage.store import Store
from ..core.sync import gitlab as gitlab_sync
from ..core.sync import jira as jira_sync
from ..core.sync.github import API_URL, TOKEN_ENV
from .output import print_outcome

_TOKEN_NOTE = "the token is never stored or printed"


def add_parsers(commands: argparse._SubParsersAction) -> None:
    sync = commands.add_parser(
        "sync", help="bring a tracker's issues in and keep them current",
        description="Bring a tracker's issues in and keep them current; each run also refreshes the state of the "
                    "issues opportunities link to in that repository or project: closed as completed (GitLab: closed; "
                    "Jira: done and resolved as done) ships the opportunity, reopened takes back a shipping a sync "
                    "made, closed as not planned (or won't do) is said.")
    trackers = sync.add_subparsers(dest="tracker", metavar="TRACKER", required=True)
    github = trackers.add_parser("github", help="a GitHub (or GitHub Enterprise) repository's issues")
    github.add_argument("repo", metavar="OWNER/REPO")
    github.add_argument("--api-url", default=API_URL, metavar="URL",
                        help=f"the API (default {API_URL}; GitHub Enterprise: https://HOST/api/v3)")
    github.add_argument("--token-env", default=TOKEN_ENV, metavar="NAME",
                        help=f"the environment variable holding the token (default {TOKEN_ENV}; none: public "
                             f"repositories only, at a lower rate limit); {_TOKEN_NOTE}")
    github.add_argument("--json", action="store_true")
    gitlab = trackers.add_parser("gitlab", help="a GitLab (gitlab.com or self-managed) project's issues")
    gitlab.add_argument("project", metavar="GROUP/PROJECT")
    gitlab.add_argument("--api-url", default=gitlab_sync.API_URL, metavar="URL",
                        help=f"the API (default {gitlab_sync.API_URL}; self-managed: https://HOST/api/v4)")
    gitlab.add_argument("--token-env", default=gitlab_sync.TOKEN_ENV, metavar="NAME",
                        help=f"the environment variable holding an access token, sent as PRIVATE-TOKEN (default "
                             f"{gitlab_sync.TOKEN_ENV}; none: public projects only); {_TOKEN_NOTE}")
    gitlab.add_argument("--json", action="store_true")
    jira = trackers.add_parser("jira", help="the issues of a Jira project that a JQL query selects")
    jira.add_argument("project", metavar="PROJECT", help="the project key, e.g. LUCENE")
    jira.add_argument("--jql", required=True, metavar="Q",
                      help="which of the project's issues, e.g. 'type = Bug' (no ORDER BY: oldest update first)")
    jira.add_argument("--api-url", required=True, metavar="URL",
                      help="the Jira site: https://acme.atlassian.net, or https://HOST[/context] for Data Center")
    jira.add_argument("--token-env", default=jira_sync.TOKEN_ENV, metavar="NAME",
                      help=f"the environment variable holding the token (default {jira_sync.TOKEN_ENV}): an API token "
                           f"sent as Basic with the account's e-mail in ${jira_sync.USER_ENV} (Jira Cloud), or without "
                           f"it a personal access token sent as Bearer (Data Center); {_TOKEN_NOTE}")
    jira.add_argument("--json", action="store_true")


def cmd_sync(store: Store, args: argparse.Namespace) -> int:
    from ..core.sync.run import sync_github, sync_gitlab, sync_jira

    default_env = {"github": TOKEN_ENV, "gitlab": gitlab_sync.TOKEN_ENV, "jira": jira_sync.TOKEN_ENV}[args.tracker]
    token = os.environ.get(args.token_env, "").strip() or None
    if token is None and args.token_env != default_env:
        raise InvalidInput(f"--token-env {args.token_env}: ${args.token_env} is not set (or is empty)")
    on_terminal = sys.stderr.isatty() and not args.json
    if args.tracker == "github":
        progress = _progress(f"syncing github {args.repo}", "issues and pull requests") if on_terminal else None
        result = sync_github(store, args.repo, api_url=args.api_url, token=token, token_env=args.token_env,
                             progress=progress, on_wait=_waiting("GitHub"))
    elif args.tracker == "gitlab":
        progress = _progress(f"syncing gitlab {args.project}", "issues") if on_terminal else None
        result = sync_gitlab(store, args.project, api_url=args.api_url, token=token, token_env=args.token_env,
                             progress=progress, on_wait=_waiting("GitLab"))
    else:
        progress = _progress(f"syncing jira {args.project}", "issues") if on_terminal else None
        result = sync_jira(store, args.project, jql=args.jql, api_url=args.api_url, token=token,
                           token_env=args.token_env, user=os.environ.get(jira_sync.USER_ENV),
                           progress=progress, on_wait=_waiting("Jira"))
    return print_outcome(result, args.json)


def _waiting(tracker: str):
    def note(seconds: float) -> None:
        print(f"prodops: note: {tracker}'s rate limit: waiting {seconds:.0f} s", file=sys.stderr, flush=True)

    return note


def _progress(what: str, records: str):
    """A one-line bar on a terminal's stderr, as imports show (transfer.py): pages read of the
    pages the tracker says there are; scripts and pipes get only the summary."""

    def show(done: int, total: int, read: int) -> None:
        width = 30
        filled = width * done // total if total else 0
        bar = f"[{'#' * filled}{'.' * (width - filled)}] " if total else ""
        pages = f"page {done:,}/{total:,}" if total else f"page {done:,}"
        end = "\n" if total and done >= total else ""
        print(f"\r{what} {bar}{pages}, {read:,} {records} read", end=end, file=sys.stderr, flush=True)

    return show
