"""From opportunity to shipped and told: `prodops link O-ID URL|KEY`, `prodops unlink O-ID URL|KEY`
and `prodops told O-ID CUSTOMER...` (core/feedback/links.py and loop.py do the work; `export loop`
is in transfer.py with the other exports)."""

from __future__ import annotations

import argparse
import sys

from ..core.dates import display_date
from ..core.storage.store import Store
from ..core.text import clean_line, plural
from .output import print_json


def add_parsers(commands: argparse._SubParsersAction) -> None:
    link = commands.add_parser(
        "link", help="link an opportunity to the tracker issue or epic that delivers it",
        description="Link an opportunity to a tracker issue or epic: a GitHub or GitLab issue or epic URL, a Jira "
                    "URL, or a Jira key when a Jira sync says which site it is on. Another site's URL is kept as "
                    "a link prodops does not refresh. An opportunity may have several links; linking one it "
                    "has changes nothing. `u` in the app (or the history) undoes it.")
    link.add_argument("opportunity", metavar="O-ID")
    link.add_argument("target", metavar="URL|KEY")
    link.add_argument("--json", action="store_true", help="print the opportunity's links as JSON")
    unlink = commands.add_parser("unlink", help="remove an opportunity's link to a tracker issue",
                                 description="Remove a link, named by its URL or its key as shown (OWNER/REPO#12, PROJ-7).")
    unlink.add_argument("opportunity", metavar="O-ID")
    unlink.add_argument("target", metavar="URL|KEY")
    unlink.add_argument("--json", action="store_true", help="print the opportunity's links as JSON")
    told = commands.add_parser(
        "told", help="record that the accounts that asked were told the opportunity shipped",
        description="Record each account told, by you (--as, $PRODOPS_USER, ...), now; one undo step. CUSTOMER is "
                    "an account, a person of one, or a customer as written, case-insensitively; "
                    "a person's name with a company in brackets counts as that company. "
                    "`prodops export loop O-ID` lists the accounts to tell.")
    told.add_argument("opportunity", metavar="O-ID")
    told.add_argument("customers", metavar="CUSTOMER", nargs="+")
    told.add_argument("--json", action="store_true", help="print who was told now and who before")


def cmd_link(store: Store, args: argparse.Namespace) -> int:
    from ..core.feedback import links

    result = links.link(store, args.opportunity, args.target, origin="cli")
    if args.json:
        print_json(links.link_records(result.opportunity))
    elif result.changed:
        print(f"{result.opportunity.id} linked to {_named(result.link)}")
    else:
        print(clean_line(result.note))
    if result.note and result.changed:
        print(f"prodops: note: {clean_line(result.note)}", file=sys.stderr)
    return 0


def cmd_unlink(store: Store, args: argparse.Namespace) -> int:
    from ..core.feedback import links

    result = links.unlink(store, args.opportunity, args.target, origin="cli")
    if args.json:
        print_json(links.link_records(result.opportunity))
    else:
        print(f"{result.opportunity.id} unlinked from {_named(result.link)}")
    return 0


def _named(link) -> str:
    """'acme/billing#412 (https://github.com/acme/billing/issues/412)', or the URL alone."""
    shown = clean_line(link.url)
    return f"{clean_line(link.key)} ({shown})" if link.key else shown


def cmd_told(store: Store, args: argparse.Namespace) -> int:
    from ..core.feedback import loop

    result = loop.told(store, args.opportunity, args.customers, origin="cli")
    if args.json:
        print_json({
            "opportunity": result.opportunity.id,
            "told": [{"account": t.account, "told_at": t.told_at, "told_by": t.told_by, "feedback": t.feedback}
                     for t in result.recorded],
            "already_told": [{"account": t.account, "told_at": t.told_at, "told_by": t.told_by, "feedback": t.feedback}
                             for t in result.already],
        })
        return 0
    opportunity = result.opportunity.id
    if result.recorded:
        print(f"{opportunity}: told " + ", ".join(f"{clean_line(t.account)} ({' '.join(t.feedback)})" for t in result.recorded))
    for t in result.already:
        who = f" by {clean_line(t.told_by)}" if t.told_by else ""
        print(f"prodops: note: {clean_line(t.account)} was already told about {opportunity} on {display_date(t.told_at)}{who}",
              file=sys.stderr)
    waiting = len(loop.loop_for(store, opportunity).to_tell)
    print(f"{opportunity}: {plural(waiting, 'account')} still to tell" if waiting else f"{opportunity}: every account that asked was told")
    return 0
