"""The app: opened in the terminal (on a workspace or a demo), served to browsers, and its keys."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from ..core.dates import from_iso
from ..core.errors import ProdopsError
from ..core.model import FeedbackItem, ProductArea
from ..core.team import IDLE_MINUTES, MAX_TABS, MAX_TABS_PER_PERSON
from ..core.workspace import Settings, open_workspace, workspace_dir
from .output import print_json
from .usage import UsageError, positive_count


def add_parsers(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve", help="the app for browsers, one app per tab, all on this workspace (extra: prodops-tui[serve])",
        description="Serve the app to browsers with textual-serve: each tab runs its own app on this workspace. "
                    "Invite people (serve invite NAME) and each signs in with a one-time link and acts as themselves, "
                    "with their role; with nobody invited, on loopback only, each browser names itself. Beyond loopback "
                    "only with sign-in and TLS (--certfile/--keyfile) or --behind-proxy (a TLS proxy on this machine).")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; anything else needs sign-in and TLS or a proxy)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--certfile", metavar="FILE", help="TLS certificate (PEM), served over https")
    serve.add_argument("--keyfile", metavar="FILE", help="its private key (PEM), if not in the certificate file")
    serve.add_argument("--behind-proxy", action="store_true",
                       help="a TLS proxy on this machine forwards to the server: its X-Forwarded-Proto/-Host/-For are trusted (only from loopback)")
    serve.add_argument("--max-tabs", type=positive_count, default=MAX_TABS, metavar="N",
                       help=f"tabs open at once, in all (default {MAX_TABS}); each is an app process")
    serve.add_argument("--max-tabs-per-person", type=positive_count, default=MAX_TABS_PER_PERSON, metavar="N",
                       help=f"tabs one signed-in person may have open (default {MAX_TABS_PER_PERSON})")
    serve.add_argument("--idle-minutes", type=_minutes, default=IDLE_MINUTES, metavar="M",
                       help=f"close a tab nobody typed in for this long (default {IDLE_MINUTES:g})")
    serve.add_argument("--status", action="store_true", help="who is online and the memory the running server uses, then exit")
    team = serve.add_subparsers(dest="serve_command", metavar="invite|people|revoke")
    invite = team.add_parser("invite", help="a one-time sign-in link for a person",
                             description="Print a one-time link that signs one browser in as NAME (valid 7 days). "
                                         "Inviting anyone turns sign-in on for this workspace's server.")
    invite.add_argument("name", metavar="NAME")
    invite.add_argument("--role", choices=("member", "facilitator", "viewer"), default="member",
                        help="viewer: reads only; member: triage, cards, votes; facilitator: also runs retros (default member)")
    invite.add_argument("--url", metavar="URL", help="the address people open (default: the running server's, else http://127.0.0.1:8000)")
    invite.add_argument("--json", action="store_true")
    people = team.add_parser("people", help="who is invited: role, sessions, last seen")
    people.add_argument("--json", action="store_true")
    revoke = team.add_parser("revoke", help="end every session of a person (their open tabs close)")
    revoke.add_argument("name", metavar="NAME")

    keys = commands.add_parser("keys", help="the app's key bindings, after your keymap",
                               description='Every key of the app: id, keys, where it works, what it does. Remap one in the settings '
                                           'file: "keymap": {"inbox.archive": "E"}.')
    keys_format = keys.add_mutually_exclusive_group()
    keys_format.add_argument("--json", action="store_true")
    keys_format.add_argument("--markdown", action="store_true", help="the table docs/REFERENCE.md shows")


def cmd_keys(args: argparse.Namespace) -> int:
    """The effective bindings; bad keymap entries are warnings, the rest still applies."""
    from ..ui.app import ProdopsApp  # the bindings are the UI's own declarations
    from ..ui.keys import catalogue, markdown_table, read_keymap

    keymap, problems = read_keymap(Settings().get("keymap"), (e.id for e in catalogue(ProdopsApp)))
    for problem in problems:
        print(f"prodops: warning: {problem}", file=sys.stderr)
    entries = catalogue(ProdopsApp, keymap)
    if args.json:
        print_json([e.record() for e in entries])
    elif args.markdown:
        sys.stdout.write(markdown_table(entries))
    else:
        width = max(len(e.display) for e in entries)
        where_width = max(len(e.where) for e in entries)
        for e in entries:
            print(f"{e.display.ljust(width)}  {e.where.ljust(where_width)}  {e.description}  ({e.id})")
    return 0


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not 0 < value <= 7 * 24 * 60:
        raise argparse.ArgumentTypeError(f"{value:g} is not between 0 and a week of minutes")
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    from .. import serve
    from ..core.team.people import Team

    directory = workspace_dir(args.workspace)
    command = getattr(args, "serve_command", None)
    if command:
        return _team_command(command, args, directory)
    if args.status:
        for line in serve.describe_status(serve.read_status(directory), directory):
            print(line)
        return 0
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port must be 1-65535, not {args.port}")
    if args.actor:
        raise UsageError("--as names one person; with serve, each browser is someone (signed in, or named once)")
    if args.keyfile and not args.certfile:
        raise UsageError("--keyfile goes with --certfile")
    open_workspace(directory).close()  # a damaged workspace stops here, as one line, not in every tab
    directory = directory.resolve()
    problem = serve.exposure_problem(args.host, signed_in=Team(directory).anyone(), tls=bool(args.certfile),
                                     behind_proxy=args.behind_proxy)
    if problem:
        raise UsageError(problem)
    if args.certfile:
        serve.tls_context(args.certfile, args.keyfile)  # unreadable files: one line, before anything listens
    serve.serve(directory, serve.ServeOptions(
        host=args.host, port=args.port, theme=args.theme, certfile=args.certfile, keyfile=args.keyfile,
        behind_proxy=args.behind_proxy, max_tabs=args.max_tabs, max_tabs_per_person=args.max_tabs_per_person,
        idle_minutes=args.idle_minutes))
    return 0


def _team_command(command: str, args: argparse.Namespace, directory: Path) -> int:
    """serve invite|people|revoke: the workspace's people, while the server runs or not."""
    from .. import serve
    from ..core.team.people import ROLE_HELP, Team

    open_workspace(directory).close()  # the people file lives in a workspace that opens
    team = Team(directory.resolve())
    if command == "invite":
        first = not team.anyone()
        person, token = team.invite(args.name, args.role)
        status = serve.read_status(directory.resolve())
        base = (args.url or (status or {}).get("url") or "http://127.0.0.1:8000").rstrip("/")
        link = f"{base}/signin?token={token}"
        if args.json:
            print_json({**person.record(), "link": link})
            return 0
        print(link)
        print(f"prodops: {person.name} is invited as {person.role} ({ROLE_HELP[person.role]}); the link works once, "
              "for 7 days — send it privately", file=sys.stderr)
        if status and status.get("behind_proxy") and not args.url:
            print("prodops: the server is behind a proxy: give --url with the address people open (the proxy's)",
                  file=sys.stderr)
        if first:
            print("prodops: sign-in is on for this workspace's server from now on (a running server asks for it at once)",
                  file=sys.stderr)
        return 0
    if command == "people":
        people = team.people()
        if args.json:
            print_json([p.record() for p in people])
            return 0
        if not people:
            print("nobody is invited (prodops serve invite NAME)")
            return 0
        width = max(len(p.name) for p in people)
        for p in people:
            seen = f"last seen {p.last_seen}" if p.last_seen else "never signed in" if not p.sessions else ""
            invites = f", {p.open_invites} open invite{'s' if p.open_invites != 1 else ''}" if p.open_invites else ""
            sessions = f"{p.sessions} session{'s' if p.sessions != 1 else ''}"
            print(f"{p.name.ljust(width)}  {p.role.ljust(11)}  {sessions}{invites}  {seen}".rstrip())
        return 0
    person, ended = team.revoke(args.name)
    print(f"{person.name}: {ended} session{'s' if ended != 1 else ''} ended, open invites cancelled; "
          "a running server closes their tabs within seconds")
    return 0


def run_app(directory: Path, theme: str | None, *, label: str | None = None, actor: str | None = None) -> int:
    from ..ui.app import ProdopsApp

    store = open_workspace(directory)  # a damaged workspace stops here, as one line, before the screen changes
    _hold_to_role(store)
    try:
        app = ProdopsApp(store, theme=theme, workspace_label=label or _home_relative(directory), actor=actor)
        app.run()
        return app.return_code or 0
    finally:
        store.close()


def _hold_to_role(store) -> None:
    """A browser tab of a signed-in person (`prodops serve` set both variables): their role
    decides what its store may change (a viewer's refuses every change)."""
    import os

    from ..core.identity import BROWSER_ENV, PERSON_ENV, ROLE_ENV
    from ..core.team.roles import apply_role

    if BROWSER_ENV in os.environ and os.environ.get(PERSON_ENV):
        apply_role(store, os.environ.get(ROLE_ENV, ""))


def _home_relative(path: Path) -> str:
    try:
        return "~/" + str(path.resolve().relative_to(Path.home().resolve()))
    except ValueError:
        return str(path)


def open_demo(args: argparse.Namespace) -> int:
    from ..core.demo import fill_demo

    temporary = args.workspace is None
    directory = Path(tempfile.mkdtemp(prefix="prodops-demo-")) / "workspace" if temporary else workspace_dir(args.workspace)
    try:
        store = open_workspace(directory)
        if any(store.count(kind) for kind in (FeedbackItem, ProductArea)):
            raise ProdopsError(f"{directory} already holds data; --demo fills only an empty workspace")
        fill_demo(store, now=from_iso(store.clock()))
        store.close()
        return run_app(directory, args.theme, label="demo workspace" if temporary else None, actor=args.actor)
    finally:
        if temporary:
            shutil.rmtree(directory.parent, ignore_errors=True)
