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
from ..core.workspace import Settings, open_workspace, workspace_dir
from .output import print_json
from .usage import UsageError


def add_parsers(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve", help="the app for browsers, one app per tab, all on this workspace (extra: prodops[serve])",
        description="Serve the app to browsers with textual-serve: each tab runs its own app on this workspace and says "
                    "once per browser who is there. Loopback only: reach it from elsewhere over an SSH tunnel; anything "
                    "else needs an authenticating proxy in front (the README says why).")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; loopback only unless told)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--i-know-this-is-exposed", dest="exposed", action="store_true",
                       help="listen on a non-loopback address: anyone who reaches it can read and change the workspace")

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


def cmd_serve(args: argparse.Namespace) -> int:
    from .. import serve

    if not serve.is_loopback(args.host) and not args.exposed:
        raise UsageError(f"--host {args.host} is not loopback: anyone who reaches it could read and change the workspace "
                         "(use an SSH tunnel, or an authenticating proxy and --i-know-this-is-exposed)")
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port must be 1-65535, not {args.port}")
    if args.actor:
        raise UsageError("--as names one person; with serve, each browser says who is there")
    directory = workspace_dir(args.workspace)
    open_workspace(directory).close()  # a damaged workspace stops here, as one line, not in every tab
    serve.serve(directory.resolve(), host=args.host, port=args.port, theme=args.theme, exposed=args.exposed)
    return 0


def run_app(directory: Path, theme: str | None, *, label: str | None = None, actor: str | None = None) -> int:
    from ..ui.app import ProdopsApp

    store = open_workspace(directory)  # a damaged workspace stops here, as one line, before the screen changes
    try:
        app = ProdopsApp(store, theme=theme, workspace_label=label or _home_relative(directory), actor=actor)
        app.run()
        return app.return_code or 0
    finally:
        store.close()


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
