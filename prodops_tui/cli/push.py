"""`prodops push O-ID github OWNER/REPO` (or `gitlab GROUP/PROJECT`, `jira PROJECT --api-url SITE`): create the tracker issue that carries an opportunity's
evidence and link it, or bring the linked issue's evidence up to date (core/sync/push.py does
the work; this module reads the flags and the token and prints the URL)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from ..core.errors import InvalidInput
from ..core.storage.store import Store
from ..core.sync import gitlab as gitlab_sync
from ..core.sync import jira as jira_sync
from ..core.sync.github import API_URL, TOKEN_ENV
from ..core.text import clean_line
from .output import print_json

TRACKERS = {  # tracker -> (its name, default API, default token variable, an API example)
    "github": ("GitHub", API_URL, TOKEN_ENV, "https://api.github.com or https://HOST/api/v3"),
    "gitlab": ("GitLab", gitlab_sync.API_URL, gitlab_sync.TOKEN_ENV, "https://gitlab.com/api/v4 or https://HOST/api/v4"),
    "jira": ("Jira", "", jira_sync.TOKEN_ENV, "https://acme.atlassian.net or https://jira.example.com"),
}


def add_parsers(commands: argparse._SubParsersAction) -> None:
    push = commands.add_parser(
        "push", help="create (or update, never twice) the tracker issue carrying an opportunity's evidence",
        description="Create a GitHub, GitLab or Jira issue from an opportunity: its title, a body with its description and the "
                    "evidence (accounts that asked with their feedback ids, the strongest quotes, upvotes, the "
                    "importance-weighted score, the area and its owners) between marker lines, and the area's "
                    "name as a label; prints the issue's URL and links it (one undo step). Pushing again "
                    "replaces only the evidence between the markers of the same issue. Nothing is sent without "
                    "this command; --dry-run prints what would be sent and sends nothing.")
    push.add_argument("opportunity", metavar="O-ID")
    push.add_argument("tracker", choices=tuple(TRACKERS), metavar="TRACKER",
                      help="github, gitlab or jira")
    push.add_argument("repo", metavar="OWNER/REPO",
                      help="a GitHub repository, a GitLab GROUP/PROJECT, or a Jira project key")
    push.add_argument("--api-url", default=None, metavar="URL",
                      help=f"the API (default {API_URL} for github, {gitlab_sync.API_URL} for gitlab; "
                           "GitHub Enterprise: https://HOST/api/v3, self-managed GitLab: https://HOST/api/v4; "
                           "jira needs its site, e.g. https://acme.atlassian.net)")
    push.add_argument("--token-env", default=None, metavar="NAME",
                      help=f"the environment variable holding a token that may write issues (default {TOKEN_ENV}, "
                           f"for gitlab {gitlab_sync.TOKEN_ENV}, sent as PRIVATE-TOKEN, for jira {jira_sync.TOKEN_ENV}, "
                           f"sent as Basic with ${jira_sync.USER_ENV} or else as Bearer); "
                           "the token is never stored or printed")
    push.add_argument("--issue-type", default=None, metavar="NAME",
                      help=f"jira only: the new issue's type (default {jira_sync.ISSUE_TYPE})")
    push.add_argument("--dry-run", action="store_true", help="print the title, labels and body; send nothing (no token needed)")
    push.add_argument("--json", action="store_true")


def cmd_push(store: Store, args: argparse.Namespace) -> int:
    from ..core.sync import push
    from ..core.sync.client import check_api_url
    from ..core.sync.github import check_repo

    name, default_api, default_env, example = TRACKERS[args.tracker]
    api_url = args.api_url if args.api_url is not None else default_api
    token_env = args.token_env if args.token_env is not None else default_env
    if args.tracker == "jira" and not api_url:
        raise InvalidInput("push jira needs --api-url, the Jira site: e.g. --api-url https://acme.atlassian.net")
    if args.issue_type is not None and args.tracker != "jira":
        raise InvalidInput(f"--issue-type is for jira; {name} issues have no type to set")
    repo = {"github": check_repo, "gitlab": gitlab_sync.check_project, "jira": jira_sync.check_key}[args.tracker](args.repo)
    if args.dry_run:
        check_api_url(api_url, token=None, example=example)
        made = push.draft(store, args.opportunity, repo, args.tracker)
        if args.json:
            print_json({"opportunity": made.opportunity, "repo": repo, "title": made.title, "labels": list(made.labels),
                        "body": made.body, "section": made.section,
                        "updates": made.target.url if made.target is not None else None, "sent": False})
        else:
            sys.stdout.write(push.shown_draft(made, repo))
        return 0
    token = os.environ.get(token_env, "").strip() or None
    if token is None and token_env != default_env:
        raise InvalidInput(f"--token-env {token_env}: ${token_env} is not set (or is empty)")
    if args.tracker == "jira":
        result = push.push_jira(store, args.opportunity, repo, api_url=api_url, token=token, token_env=token_env,
                                user=os.environ.get(jira_sync.USER_ENV), issue_type=args.issue_type or jira_sync.ISSUE_TYPE,
                                on_wait=_waiting(name), origin="cli")
    else:
        pushing = push.push_github if args.tracker == "github" else push.push_gitlab
        result = pushing(store, args.opportunity, repo, api_url=api_url, token=token, token_env=token_env,
                         on_wait=_waiting(name), origin="cli")
    if args.json:
        print_json(result.to_dict())
    else:
        print(clean_line(result.line()))
    if result.note and not args.json:
        print(f"prodops: note: {clean_line(result.note)}", file=sys.stderr)
    return 0


def _waiting(tracker: str) -> Callable[[float], None]:
    def note(seconds: float) -> None:
        print(f"prodops: note: {tracker}'s rate limit: waiting {seconds:.0f} s", file=sys.stderr, flush=True)

    return note
