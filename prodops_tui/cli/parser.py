"""The command line's grammar: the global options, each command group's subcommands, and the
examples each `--help` ends with."""

from __future__ import annotations

import argparse
import re
from typing import Any, NoReturn

from .. import __version__
from .commands import GROUPS


class _Parser(argparse.ArgumentParser):
    """argparse, with values that start with a minus read as values where they can be."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `--customer "-1+1"` was read as an option ("expected one argument"): argparse takes only
        # -12 and -1.5 for values. No prodops option starts with a minus and a digit, so any such
        # word is a value (-1+1, -30d). Subparsers are made from this class too.
        self._negative_number_matcher = re.compile(r"^-\d")

    def error(self, message: str) -> NoReturn:
        if message.endswith("expected one argument"):
            message += " (a value that starts with '-' goes after '=', e.g. --customer=-Acme)"
        super().error(message)



def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="prodops",
        description="A keyboard-first terminal workspace for product managers and product ops.",
    )
    parser.add_argument("--version", action="version", version=f"prodops {__version__}")
    parser.add_argument("--workspace", metavar="DIR", help="workspace directory (default: $PRODOPS_WORKSPACE, else your data directory)")
    parser.add_argument("--theme", metavar="NAME", help="colour theme for the app (remembered)")
    parser.add_argument("--as", dest="actor", metavar="NAME", help="who acts (signs triage, ticks, votes); default: $PRODOPS_USER, the settings, git user.name, the login")
    parser.add_argument("--demo", action="store_true", help="open the app on a fresh workspace filled with a demo organisation")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.add_parsers(commands)
    _with_examples(parser)
    return parser


# What `--help` ends with: a few commands to copy, for prodops and for each command.
EXAMPLES: dict[str, list[str]] = {
    "": [
        "prodops --demo                                  the app on a demo organisation",
        "pbpaste | prodops capture - --source call       capture what a customer said",
        "prodops import feedback app_store_reviews.csv   import a real export (its preset is found)",
        "git diff --name-only main | prodops who -       who owns the files of a diff",
        "prodops report --since 7d -o weekly.md          the weekly report, e.g. from cron",
    ],
    "capture": [
        'prodops capture "Export drops the VAT column" --customer Acme --source call --tag export',
        "pbpaste | prodops capture - --source support --received yesterday",
        'prodops capture "Offline mode please" --area Mobile --importance high --json',
    ],
    "import": [
        "prodops import feedback app_store_reviews.csv --dry-run",
        "prodops import feedback tickets.csv --map text=Body --map customer=Account",
        "prodops import areas .gitlab/CODEOWNERS",
    ],
    "update": [
        "prodops update F-12 F-13 --area Billing/Invoices --tag invoices --status processed",
        "prodops update F-40 --snooze 'next monday'",
        "prodops duplicates --json | jq -r '.[0].ids[]' | xargs prodops update --status archived",
    ],
    "list": [
        "prodops list feedback",
        "prodops list feedback --status all --area Billing --json | jq length",
    ],
    "export": [
        "prodops export feedback --format csv -o feedback.csv",
        "prodops export areas --format md",
        "prodops export retro R-2 --format md -o retro.md",
        "prodops export loop --format md                 the accounts to tell about every shipped opportunity",
        "prodops export loop O-3 -o tell.csv             one opportunity's, with contacts, for a mail merge",
    ],
    "sync": [
        "prodops sync github rails/rails                 the first run brings every issue, later runs what changed",
        "prodops sync github acme/private --json         with a token in $GITHUB_TOKEN",
        "prodops sync github acme/app --api-url https://ghe.acme.com/api/v3 --token-env GHE_TOKEN",
        "prodops sync gitlab gitlab-org/gitlab           a GitLab project's issues (a token in $GITLAB_TOKEN)",
        "prodops sync jira ACME --jql 'type = Bug' --api-url https://acme.atlassian.net   ($JIRA_USER, $JIRA_TOKEN)",
    ],
    "push": [
        "prodops push O-3 github acme/app --dry-run          what would be sent (no token needed)",
        "prodops push O-3 github acme/app                    create the issue, or update its evidence (a token in $GITHUB_TOKEN)",
        "prodops push O-3 gitlab acme/billing                the same in a GitLab project (a token in $GITLAB_TOKEN)",
        "prodops push O-3 jira ACME --api-url https://acme.atlassian.net   a Story ($JIRA_USER, $JIRA_TOKEN)",
    ],
    "link": [
        "prodops link O-3 https://github.com/acme/billing/issues/412",
        "prodops link O-3 https://gitlab.com/groups/acme/-/epics/7",
        "prodops link O-3 BILL-7                          a Jira key, when a sync jira knows its site",
    ],
    "unlink": ["prodops unlink O-3 acme/billing#412"],
    "told": [
        'prodops told O-3 "Saltbox Coffee Roasters" "Mateo Nakamura"',
        'prodops --as "Ana Souza" told O-3 "Acme Freight" --json',
    ],
    "search": [
        'prodops search "invoice export"',
        'prodops search "tag:export since:30d csv" --kind feedback --limit 50',
        "prodops search priya --kind person --json",
    ],
    "who": [
        "prodops who app/models/user.rb",
        "git diff --name-only main | prodops who -",
        "prodops who billing",
        'prodops who --person "Priya Raman"',
    ],
    "duplicates": [
        "prodops duplicates",
        "prodops duplicates --json | jq -r '.[0].ids[]' | xargs prodops update --status archived",
    ],
    "similar": ["prodops similar F-12", "prodops similar F-12 --json --limit 3"],
    "suggest": ["prodops suggest F-12", "prodops suggest F-12 --json"],
    "area": [
        "prodops area add Billing/Invoices                  a new area under Billing",
        "prodops area rename A-7 'Invoices & credit notes'",
        "prodops area move Invoices --under Payments",
        "prodops area remove A-7                            its feedback and sub-areas move to its parent",
    ],
    "person": [
        'prodops person add "Priya Raman" --handle @priya --team Billing --role "Product Manager"',
        "prodops person leave @priya                        her areas show as gaps until someone takes over",
    ],
    "opportunity": [
        'prodops opportunity add "Search invoices by PO reference" --area Billing --json',
        'prodops opportunity add "Offline mode" --feedback F-12 --feedback F-40',
        "prodops opportunity status O-3 'in progress'",
    ],
    "retro": [
        'prodops retro new --team Payments --template Sailboat --participant "Ana, Bo"',
        "prodops retro phase R-2 next                       Check-in to Reflect, as ] does",
        'prodops --as Ana retro card R-2 Start "Pair on reviews"',
        "prodops retro close R-2",
    ],
    "checklist": [
        'prodops checklist run "PM weekly hygiene"          the run for the occurrence that is due',
        "prodops checklist tick CR-4 1 3                    tick items 1 and 3",
        "prodops checklist tick C-2 'release notes' --untick",
    ],
    "history": [
        "prodops history --limit 20",
        "prodops history A-7                                every change to one area, newest first",
        "prodops history F-12 --json | jq -r '.[].changed_by'",
    ],
    "nudges": ["prodops nudges", "prodops nudges --all --json"],
    "report": [
        "prodops report                                  the last 30 days, as Markdown",
        "prodops report --since 7d -o weekly.md          e.g. from cron, every Monday",
        "prodops report --from 2026-11-01 --to 2026-12-01 --format json",
    ],
    "demo": ["prodops --workspace /tmp/try demo && prodops --workspace /tmp/try"],
    "compact": ["prodops compact   (then the file opens in plain TinyDB with every change in it)"],
    "doctor": ["prodops doctor", "prodops doctor --repair"],
    "serve": [
        "prodops serve                                   http://127.0.0.1:8000 on this machine",
        "ssh -L 8000:127.0.0.1:8000 team-host            then open http://127.0.0.1:8000 at home",
        'prodops serve invite "Ana Souza" --role facilitator   a one-time sign-in link',
        "prodops serve --behind-proxy                    behind nginx or Caddy on this machine (README)",
        "prodops serve --host 0.0.0.0 --certfile cert.pem --keyfile key.pem",
        "prodops serve --status                          who is online, memory",
    ],
    "keys": ["prodops keys", "prodops keys --markdown"],
}


class _ExamplesAsWritten(argparse.HelpFormatter):
    """Descriptions wrapped to the terminal, as argparse does; the examples kept line by line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:\n"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _with_examples(parser: argparse.ArgumentParser) -> None:
    """End each --help with its examples."""
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in [("", parser), *commands.choices.items()]:
        lines = EXAMPLES.get(name)
        if lines:
            sub.formatter_class = _ExamplesAsWritten
            sub.epilog = "examples:\n" + "\n".join(f"  {line}" for line in lines)
