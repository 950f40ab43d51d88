"""Files in and out: import feedback or the area map; export feedback, areas, opportunities, a retro or
the close-the-loop list (`export loop`: core/feedback/loop.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from ..core.feedback import inbox
from ..core.feedback.exporters import EXPORT_FORMATS, export_opportunities, feedback_export_pieces
from ..core.storage.store import Store
from .feedback import iter_filtered_feedback
from .output import output_format, print_json, print_outcome, write_output
from .usage import UsageError


def add_parsers(commands: argparse._SubParsersAction) -> None:
    imp = commands.add_parser("import", help="import feedback or the area map")
    imp_kinds = imp.add_subparsers(dest="kind", metavar="KIND", required=True)
    imp_feedback = imp_kinds.add_parser("feedback")
    imp_feedback.add_argument("file")
    imp_feedback.add_argument("--format", choices=("csv", "json", "jsonl"))
    imp_feedback.add_argument("--preset", help="default: recognised from the file (GitHub/GitLab issues, Jira, Zendesk, app reviews, ...)")
    imp_feedback.add_argument("--map", action="append", default=[], metavar="FIELD=PATH",
                              help="a column, or a path into JSON records: user.login, fields.reporter.displayName, labels[].name")
    imp_feedback.add_argument("--dry-run", action="store_true")
    imp_feedback.add_argument("--json", action="store_true")
    imp_areas = imp_kinds.add_parser("areas")
    imp_areas.add_argument("file")
    imp_areas.add_argument("--format", choices=("csv", "json", "codeowners"), help="default: from the file's name and content")
    imp_areas.add_argument("--as", dest="role", choices=("owners", "maintainers"), default="owners", help="CODEOWNERS: what its entries become (default owners)")
    imp_areas.add_argument("--group-by", choices=("section", "comment", "folder"), help="CODEOWNERS: what makes an area (default: sections if any, else comment headings, else top folders)")
    imp_areas.add_argument("--dry-run", action="store_true")
    imp_areas.add_argument("--json", action="store_true")

    export = commands.add_parser("export", help="export feedback, areas, opportunities, a retro or the close-the-loop list")
    export.add_argument("kind", choices=("feedback", "areas", "opportunities", "retro", "loop"))
    export.add_argument("id", nargs="?", help="the retro id, for `export retro`; an opportunity for `export loop` "
                                              "(default: every shipped one)")
    export.add_argument("--format", choices=EXPORT_FORMATS, help="default: from the -o file's extension, else csv "
                                                                 "(md for a retro; loop: csv or md)")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE (private to you: it holds customer data); default stdout")
    export.add_argument("--status", choices=inbox.VIEW_STATUSES, default="all", help="feedback: which view (default all)")
    export.add_argument("--area", help="feedback: only this area and the areas below it")
    export.add_argument("--filter", metavar="QUERY", help="feedback: e.g. 'tag:export importance:high since:2w'")
    export.add_argument("--view", metavar="NAME", help="feedback: a saved view's filter")


def cmd_import(store: Store, args: argparse.Namespace) -> int:
    from ..core.importers import import_feedback, parse_mapping

    if args.kind == "areas":
        from ..core.importers import import_areas

        area_result = import_areas(store, Path(args.file), format=args.format, dry_run=args.dry_run, role=args.role, group_by=args.group_by)
        if args.json:
            print_json(area_result.to_dict())
            return 0
        for skipped in area_result.skipped:
            print(f"skipped {skipped}", file=sys.stderr)
        for problem in area_result.problems:
            print(f"prodops: warning: {problem}", file=sys.stderr)
        for label, rules in (("added", area_result.rules_added), ("removed", area_result.rules_removed), ("changed", area_result.rules_changed)):
            if rules and len(rules) < area_result.rules:  # a first import adds every rule: the count says it
                for rule in rules:
                    print(f"rule {label}: {rule}")
        print(area_result.summary())
        return 0
    result = import_feedback(
        store,
        Path(args.file),
        format=args.format,
        preset=args.preset,
        mapping=parse_mapping(args.map) if args.map else None,
        dry_run=args.dry_run,
        progress=_progress_bar("importing") if sys.stderr.isatty() and not args.json else None,
        keep_in_memory=False,  # the command ends after it
    )
    return print_outcome(result, args.json)


def _progress_bar(what: str):
    """A one-line bar on a terminal's stderr; scripts and pipes get only the summary."""

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        end = "\n" if done >= total else ""
        print(f"\r{what} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} rows", end=end, file=sys.stderr, flush=True)

    return show


def cmd_export(store: Store, args: argparse.Namespace) -> int:
    if args.kind == "retro":
        return _export_retro(store, args)
    if args.kind == "loop":
        return _export_loop(store, args)
    if args.id:
        raise UsageError(f"`export {args.kind}` takes no id (only `export retro ID` and `export loop O-ID` do)")
    fmt = output_format(args.format, args.output, accepted=EXPORT_FORMATS, default="csv", what=args.kind)
    text: str | Iterator[str]
    if args.kind == "opportunities":
        text = export_opportunities(store, fmt)
    elif args.kind == "areas":
        from ..core.areas.export import export_areas

        text = export_areas(store, fmt)
    else:
        text = feedback_export_pieces(store, iter_filtered_feedback(store, args), fmt)
    write_output(text, args.output)
    return 0


def _export_retro(store: Store, args: argparse.Namespace) -> int:
    from ..core.retro.export import RETRO_FORMATS, export_retro

    if not args.id:
        raise UsageError("say which retro: prodops export retro R-3 --format md")
    fmt = output_format(args.format, args.output, accepted=RETRO_FORMATS, default="md", what="a retro")
    write_output(export_retro(store, args.id, fmt), args.output)
    return 0


def _export_loop(store: Store, args: argparse.Namespace) -> int:
    """The accounts to tell about shipped opportunities (or the one given), with their contact."""
    from ..core.feedback.loop import LOOP_FORMATS, export_loop

    fmt = output_format(args.format, args.output, accepted=LOOP_FORMATS, default="csv", what="the close-the-loop list")
    write_output(export_loop(store, args.id, fmt), args.output)
    return 0
