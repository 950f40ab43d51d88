"""`prodops`: the command line. Opens the app, or calls the same core services the app uses.

Exit status: 0 success; 1 an error, one line `prodops: error: …` on stderr; 2 wrong usage.
The package: parser.py the grammar, commands.py the table of commands, one module per command
group (feedback, transfer, sync, search, areas, rituals, metrics, workspace, app), output.py where
output goes; this module runs a command line and turns every error into one line and a status.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from ..core.dates import DateParseError
from ..core.errors import ProdopsError
from ..core.storage.store import fold_in_background
from ..core.text import clean_line
from ..core.workspace import Settings, open_workspace, workspace_dir
from .app import open_demo, run_app
from .commands import COMMANDS
from .parser import EXAMPLES, build_parser
from .usage import UsageError

__all__ = ["EXAMPLES", "UsageError", "build_parser", "main"]


def _actor(args: argparse.Namespace):
    from ..core.identity import resolve_actor

    return resolve_actor(getattr(args, "actor", None), settings_name=Settings().get("name"))


def dispatch(args: argparse.Namespace) -> int:
    if args.demo:
        if args.command:
            raise UsageError("--demo opens the app; use `prodops --workspace DIR demo` to fill a workspace instead")
        return open_demo(args)
    if args.command is None:
        return run_app(workspace_dir(args.workspace), args.theme, actor=args.actor)
    command = COMMANDS[args.command]
    if not command.opens_store:
        return command.run(args)
    directory = workspace_dir(args.workspace)
    store = open_workspace(directory)
    store.actor_from(lambda: _actor(args).name)
    try:
        if command.folds_after:
            store.defer_folds()  # a change returns at once; the fold, when due, runs after it
        status = command.run(store, args)
        if command.folds_after and store.fold_due():
            failing = store.fold_failing()
            if failing:
                # The background folds have been failing (disk full, a size limit) where nobody sees them.
                print(f"prodops: warning: the journal has grown to {store.journal_bytes / 2**20:.1f} MB without being folded "
                      f"({failing}); every change is kept, but `prodops compact` folds it now and says what stops it",
                      file=sys.stderr)
            fold_in_background(directory, store.clock)
        return status
    finally:
        store.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return dispatch(args)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"prodops: error: {clean_line(str(exc))}", file=sys.stderr)
        return 2
    except (ProdopsError, DateParseError) as exc:
        if args.debug:
            traceback.print_exc()
        # One line, whatever the message echoes back (an id pasted with escape codes or a line break).
        print(f"prodops: error: {clean_line(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0  # `prodops list feedback | head`
    except MemoryError:
        # Not a bug to report but a machine too small for the work (the first look-alike build of a
        # million items needs more than 16 GB): say so, and that nothing was lost.
        print(f"prodops: error: out of memory during `{args.command}`; nothing in the workspace was lost "
              "(a derived index is left as it was)", file=sys.stderr)
        return 1
    except OSError as exc:
        if args.debug:
            traceback.print_exc()
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"prodops: error: {clean_line(str(exc.strerror or exc) + where)}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the one place a surprise becomes a line, not a traceback
        if args.debug:
            traceback.print_exc()
        print(f"prodops: error: internal error: {exc!r} (run with --debug for the traceback)", file=sys.stderr)
        return 1

