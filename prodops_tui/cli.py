"""`prodops`: the command line. Opens the app, or calls the same core services the app uses.

Exit status: 0 success; 1 an error, one line `prodops: error: …` on stderr; 2 wrong usage.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
import sqlite3
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__
from .core.areas.lookup import area_path
from .core.dates import DateParseError, from_iso, humanize_age
from .core.errors import ProdopsError
from .core.feedback import inbox
from .core.feedback.exporters import EXPORT_FORMATS, export_feedback, export_opportunities, feedback_record
from .core.feedback.filters import apply_filter, find_view, parse_filter
from .core.model import IMPORTANCE_LEVELS, FeedbackItem, ProductArea
from .core.query import KINDS
from .core.storage.files import atomic_write_bytes
from .core.storage.store import Store, fold_in_background
from .core.text import clean_line, first_line
from .core.workspace import Settings, make_clock, open_workspace, workspace_dir


class UsageError(Exception):
    """Wrong usage found after parsing (exit 2, like argparse's own)."""


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

    capture = commands.add_parser("capture", help="add one feedback item", description="Add one feedback item; prints its id.")
    capture.add_argument("text", metavar="TEXT|-", help="the feedback text, or - to read it from stdin")
    capture.add_argument("--customer", default="")
    capture.add_argument("--source", default="")
    capture.add_argument("--area", help="product area: id, path (Billing/Invoices) or name")
    capture.add_argument("--tag", action="append", default=[], dest="tags")
    capture.add_argument("--importance", choices=IMPORTANCE_LEVELS)
    capture.add_argument("--received", metavar="WHEN", help="when it was received: 2026-11-20, yesterday, 3d (3 days ago)")
    capture.add_argument("--json", action="store_true")

    imp = commands.add_parser("import", help="import feedback or the area map")
    imp_kinds = imp.add_subparsers(dest="kind", metavar="KIND", required=True)
    imp_feedback = imp_kinds.add_parser("feedback")
    imp_feedback.add_argument("file")
    imp_feedback.add_argument("--format", choices=("csv", "json", "jsonl"))
    imp_feedback.add_argument("--preset")
    imp_feedback.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN")
    imp_feedback.add_argument("--dry-run", action="store_true")
    imp_feedback.add_argument("--json", action="store_true")
    imp_areas = imp_kinds.add_parser("areas")
    imp_areas.add_argument("file")
    imp_areas.add_argument("--format", choices=("csv", "json", "codeowners"), help="default: from the file's name and content")
    imp_areas.add_argument("--as", dest="role", choices=("owners", "maintainers"), default="owners", help="CODEOWNERS: what its entries become (default owners)")
    imp_areas.add_argument("--group-by", choices=("section", "comment", "folder"), help="CODEOWNERS: what makes an area (default: sections if any, else comment headings, else top folders)")
    imp_areas.add_argument("--dry-run", action="store_true")
    imp_areas.add_argument("--json", action="store_true")

    update = commands.add_parser("update", help="triage feedback from the shell", description="Triage feedback: the same change and undo record as in the app.")
    update.add_argument("ids", nargs="+", metavar="ID")
    update.add_argument("--status", choices=("new", "processed", "archived"))
    update.add_argument("--area", help="product area (id, path or name); '' clears it")
    update.add_argument("--tag", action="append", default=[], dest="tags")
    update.add_argument("--untag", action="append", default=[], dest="untags")
    update.add_argument("--importance", choices=IMPORTANCE_LEVELS)
    update.add_argument("--snooze", metavar="WHEN", help="3d, 2w, next monday, 2026-12-01; '' unsnoozes")
    update.add_argument("--opportunity", metavar="O", help="opportunity id; '' unlinks")
    update.add_argument("--json", action="store_true")

    listing = commands.add_parser("list", help="list feedback")
    list_kinds = listing.add_subparsers(dest="kind", metavar="KIND", required=True)
    list_feedback = list_kinds.add_parser("feedback")
    list_feedback.add_argument("--status", choices=inbox.VIEW_STATUSES, default="new")
    list_feedback.add_argument("--area")
    list_feedback.add_argument("--filter", metavar="QUERY", help="e.g. 'tag:export importance:high since:2w slow'")
    list_feedback.add_argument("--view", metavar="NAME", help="a saved view's filter")
    list_feedback.add_argument("--limit", type=int, metavar="N", help="the N newest only")
    list_feedback.add_argument("--json", action="store_true")

    export = commands.add_parser("export", help="export feedback, areas, opportunities or a retro")
    export.add_argument("kind", choices=("feedback", "areas", "opportunities", "retro"))
    export.add_argument("id", nargs="?", help="the retro id, for `export retro`")
    export.add_argument("--format", choices=EXPORT_FORMATS, help="default: from the -o file's extension, else csv")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE (private to you: it holds customer data); default stdout")
    export.add_argument("--status", choices=inbox.VIEW_STATUSES, default="all", help="feedback: which view (default all)")
    export.add_argument("--area", help="feedback: only this area and the areas below it")
    export.add_argument("--filter", metavar="QUERY", help="feedback: e.g. 'tag:export importance:high since:2w'")
    export.add_argument("--view", metavar="NAME", help="feedback: a saved view's filter")

    search = commands.add_parser("search", help="fuzzy search across everything",
                                 description="Partial, misspelled or reordered words across every kind of item; "
                                             "filters: kind: area: tag: status: owner: is:unowned since:")
    search.add_argument("query")
    search.add_argument("--kind", help="one of " + ", ".join(KINDS) + " (or a plural: areas, people…)")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--json", action="store_true")

    who = commands.add_parser(
        "who", help="who owns a path, an area; what a person owns",
        description="A file path is answered by the CODEOWNERS rules (last match wins; GitLab sections combined); "
                    "anything else searches areas, glossary and people. `-` reads paths from stdin, one a line.")
    who.add_argument("query", nargs="?", help="a path, '-' for paths on stdin, or words")
    who.add_argument("--person", metavar="NAME")
    who.add_argument("--json", action="store_true")

    dupes = commands.add_parser(
        "duplicates", help="likely-duplicate groups: ids, texts, score",
        description="Groups of feedback that say the same: similar texts, identical short texts, and one group "
                    "of the other short, low-information texts (to archive in one step).")
    dupes.add_argument("--skip-short", action="store_true", help="leave out the short, low-information groups")
    dupes.add_argument("--json", action="store_true")
    similar = commands.add_parser(
        "similar", help="an item's look-alikes, best first: id, score, title and the rare words shared",
        description="The feedback items most like ID, best first, scoring at least the duplicate threshold: "
                    "title and text compared, words weighted by how rare they are in the workspace.")
    similar.add_argument("id", metavar="ID")
    similar.add_argument("--limit", type=_positive_count, default=10, metavar="N", help="at most N look-alikes (default 10)")
    similar.add_argument("--json", action="store_true")
    suggest = commands.add_parser("suggest", help="suggested areas for a feedback item, with their reasons")
    suggest.add_argument("id", metavar="ID")
    suggest.add_argument("--json", action="store_true")

    nudges = commands.add_parser("nudges", help="the nudges due now", description="The nudges due now, best first (thresholds: nudges.toml in the workspace).")
    nudges.add_argument("--json", action="store_true")
    nudges.add_argument("--all", action="store_true", help="every nudge due, not only the first max_shown")

    report = commands.add_parser(
        "report", help="the weekly product-ops report (the Metrics pane's figures)",
        description="Every figure of the Metrics pane for a period, beside the period of the same length before it: "
                    "Markdown for a wiki or a chat, or JSON for dashboards (the README lists its fields). "
                    "A day means 09:00 local time, as everywhere in prodops.")
    report_window = report.add_mutually_exclusive_group()
    report_window.add_argument("--since", metavar="WHEN", help="up to now from WHEN: 30d (the default), 7d, 90d, 2026-11-01, last monday")
    report_window.add_argument("--from", dest="from_", metavar="DATE", help="a fixed window from DATE, up to --to (default: now)")
    report.add_argument("--to", metavar="DATE", help="the end of the --from window (not included)")
    report.add_argument("--format", choices=("md", "json"), help="default: from the -o file's extension, else md")
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE, whole or not at all (private: it names customers); default stdout")

    commands.add_parser("demo", help="fill the workspace with a demo organisation (refuses a non-empty one)")

    compact = commands.add_parser("compact", help="fold the journal into prodops.json",
                                  description="Fold the journal into prodops.json, so plain TinyDB sees every change.")
    compact.add_argument("--if-due", action="store_true", help=argparse.SUPPRESS)  # the background fold after a change

    doctor = commands.add_parser("doctor", help="check the workspace; --repair restores it from journal and backups")
    doctor.add_argument("--repair", action="store_true")

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
    keys_format.add_argument("--markdown", action="store_true", help="the table the README shows")
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
        "prodops --workspace ~/team serve --port 8080",
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


# --- output ------------------------------------------------------------------


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def print_feedback_table(store: Store, items: Sequence[FeedbackItem]) -> None:
    if not items:
        print("no feedback in this view")
        return
    now = from_iso(store.clock())
    rows = [
        (
            item.id,
            humanize_age(from_iso(item.received_at), now) if item.received_at else "",
            item.importance or "-",
            item.customer or "-",
            area_path(store, item.area) or "-",
            item.title,
        )
        for item in items
    ]
    widths = [min(max(len(row[col]) for row in rows), 24) for col in range(4)]
    area_width = min(32, max(len(row[4]) for row in rows))  # once: per row, it made 100k rows take 90 s
    for row in rows:
        cells = [row[col].ljust(widths[col])[:24] for col in range(4)]
        print("  ".join(cells), "", row[4][:32].ljust(area_width), "", row[5])


# --- commands -----------------------------------------------------------------


def cmd_capture(store: Store, args: argparse.Namespace) -> int:
    text = args.text
    if text == "-":
        text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    item = inbox.capture(
        store,
        text,
        customer=args.customer,
        source=args.source,
        area=args.area,
        tags=args.tags,
        importance=args.importance,
        received=args.received,
    )
    if args.json:
        print_json(feedback_record(store, item))
    else:
        print(item.id)
    return 0


def cmd_update(store: Store, args: argparse.Namespace) -> int:
    triage = inbox.Triage(
        status=args.status,
        area=args.area,
        add_tags=args.tags,
        remove_tags=args.untags,
        importance=args.importance,
        snooze=args.snooze,
        opportunity=args.opportunity,
    )
    if triage.is_empty():
        raise UsageError("say what to change: --status, --area, --tag, --untag, --importance, --snooze or --opportunity")
    items = inbox.update(store, args.ids, triage)
    if args.json:
        print_json([feedback_record(store, item) for item in items])
    else:
        print(f"{', '.join(item.id for item in items)}: {triage.label(store, len(items))}")
    return 0


def filtered_feedback(store: Store, args: argparse.Namespace) -> list[FeedbackItem]:
    """The feedback of one view, narrowed by --filter and --view (both may be given), the
    newest first; with --limit, read only until that many passed."""
    filters = []
    for query in (find_view(store, args.view).query if args.view else None, args.filter):
        if query:
            parsed = parse_filter(query, now_iso=store.clock())
            for hint in parsed.hints:
                print(f"prodops: note: {hint}", file=sys.stderr)
            filters.append(parsed)
    limit = getattr(args, "limit", None)
    if limit is None:
        items = inbox.list_feedback(store, status=args.status, area=args.area)
        for parsed in filters:
            items = apply_filter(store, items, parsed)
        return items
    kept: list[FeedbackItem] = []
    stream = inbox.iter_feedback(store, status=args.status, area=args.area)
    while len(kept) < limit:
        chunk = list(itertools.islice(stream, 256))
        if not chunk:
            break
        for parsed in filters:
            chunk = apply_filter(store, chunk, parsed)
        kept += chunk[: limit - len(kept)]
    stream.close()
    return kept


def cmd_list(store: Store, args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1")
    items = filtered_feedback(store, args)
    if args.json:
        print_json([feedback_record(store, item) for item in items])
    else:
        print_feedback_table(store, items)
    return 0


def cmd_import(store: Store, args: argparse.Namespace) -> int:
    from .core.importers import import_feedback, parse_mapping

    if args.kind == "areas":
        from .core.importers import import_areas

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
    )
    if args.json:
        print_json(result.to_dict())
        return 0
    for skipped in result.skipped:
        print(f"skipped {skipped}", file=sys.stderr)
    print(result.summary())
    return 0


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
    if args.id:
        raise UsageError(f"`export {args.kind}` takes no id (only `export retro ID` does)")
    fmt = args.format or (Path(args.output).suffix.lstrip(".").lower() if args.output else "") or "csv"
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"cannot tell the format from {args.output!r}: add --format csv|json|md")
    if args.kind == "opportunities":
        text = export_opportunities(store, fmt)
    elif args.kind == "areas":
        from .core.areas.export import export_areas

        text = export_areas(store, fmt)
    else:
        text = export_feedback(store, filtered_feedback(store, args), fmt)
    if args.output:
        atomic_write_bytes(Path(args.output), text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0


def _export_retro(store: Store, args: argparse.Namespace) -> int:
    from .core.retro.export import RETRO_FORMATS, export_retro

    if not args.id:
        raise UsageError("say which retro: prodops export retro R-3 --format md")
    fmt = args.format or (Path(args.output).suffix.lstrip(".").lower() if args.output else "") or "md"
    if fmt not in RETRO_FORMATS:
        raise UsageError(f"a retro exports as md or json, not {fmt!r}")
    text = export_retro(store, args.id, fmt)
    if args.output:
        atomic_write_bytes(Path(args.output), text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0


def cmd_who(store: Store, args: argparse.Namespace) -> int:
    from .core.areas import ownership, rules

    if args.person:
        return _who_person(store, args)
    if not args.query:
        raise UsageError("say what to look for: prodops who PATH|QUERY, prodops who - (paths on stdin), or prodops who --person NAME")
    if args.query == "-":
        return _who_paths(store, [line for line in sys.stdin.read().splitlines() if line.strip()], args)
    if rules.has_rules(store) and rules.looks_like_path(store, args.query):
        return _who_paths(store, [args.query], args, one=True)
    matches = ownership.who_owns(store, args.query, limit=10)
    if not matches:
        raise ProdopsError(f"no product area matches {args.query!r}")
    if args.json:
        print_json([dict(ownership.area_record(store, m.area), matched=m.matched, score=round(m.score, 1)) for m in matches])
        return 0
    for match in matches[:5]:
        record = ownership.area_record(store, match.area)
        owners = ", ".join(record["owners"]) or "NO OWNER"
        maintainers = ", ".join(record["maintainers"]) or "no maintainer"
        print(f"{record['path']}  ({match.matched})\n  owners: {owners}; maintainers: {maintainers}")
    return 0


def _who_paths(store: Store, paths: list[str], args: argparse.Namespace, *, one: bool = False) -> int:
    """Each path's owners by the rules, and for several paths the reviewers they need together."""
    from .core.areas import rules

    if not rules.has_rules(store):
        raise ProdopsError("no CODEOWNERS rules in this workspace: prodops import areas CODEOWNERS")
    found = [rules.owners_of_path(store, path) for path in paths]
    if args.json:
        records = [rules.path_record(store, f) for f in found]
        print_json(records[0] if one else records)
        return 0
    for result in found:
        print(clean_line(result.path))
        if not result.matched:
            print("  owners: NO OWNER (no rule matches)")
            continue
        print(f"  owners: {', '.join(result.owners) or 'NO OWNER (the deciding rule names none)'}")
        for rule in result.rules:
            section = f"  [{clean_line(rule.section)}{', optional' if rule.optional else ''}]" if rule.section else ""
            verb = "  excluded by " if rule.exclusion else "  rule: "
            print(f"{verb}{clean_line(rule.file)}:{rule.line}  {clean_line(rule.written)}{section}")
        areas = rules.path_record(store, result)["areas"]
        if areas:
            print("  area: " + "; ".join(area["path"] for area in areas))
    if not one:
        required = list(dict.fromkeys(o for r in found for o in r.required))
        optional = [o for o in dict.fromkeys(o for r in found for o in r.owners) if o not in required]
        unowned = sum(1 for r in found if not r.owners)
        print(f"\nreviewers for {len(found)} paths: {', '.join(required) or 'none required'}"
              + (f"; optional: {', '.join(optional)}" if optional else "")
              + (f"; {unowned} paths without an owner" if unowned else ""))
    return 0


def _who_person(store: Store, args: argparse.Namespace) -> int:
    from .core.areas import ownership, people, rules

    try:
        person = people.resolve_person(store, args.person)
        handles = [person.handle, person.email]
    except ProdopsError:
        if not args.person.startswith("@") and "@" not in args.person:
            raise
        person, handles = None, [args.person]  # a handle the rules name, with no person record
    owned_rules = rules.rules_owned_by(store, [h for h in handles if h])
    if person is None and not owned_rules:
        raise ProdopsError(f"no person or rule names {args.person!r}")
    rule_records = [dict(file=r.file, pattern=r.rule.written, line=r.rule.line,
                         section=r.rule.section or None, owners=list(r.owners)) for r in owned_rules]
    if args.json:
        record = ownership.person_record(store, person) if person else {"handle": args.person}
        record["rules"] = rule_records
        print_json(record)
        return 0
    if person is not None:
        holdings = ownership.owned_by(store, person.id)
        print(f"{clean_line(person.name)} ({person.id}{', ' + clean_line(person.handle) if person.handle else ''}"
              f"{', has left' if not person.active else ''})")
        for label, areas in (("owns", holdings.owns), ("maintains", holdings.maintains), ("designs", holdings.designs), ("influences", holdings.influences)):
            if areas:
                print(f"  {label}: " + "; ".join(area_path(store, area) for area in areas))
        if not any((holdings.owns, holdings.maintains, holdings.designs, holdings.influences)) and not owned_rules:
            print("  holds no role in any area")
    else:
        print(clean_line(args.person))
    if owned_rules:
        print(f"  rules ({len(owned_rules)}):")
        for record in rule_records:
            section = f"  [{clean_line(record['section'])}]" if record["section"] else ""
            print(f"    {clean_line(record['file'])}:{record['line']}  {clean_line(record['pattern'])}{section}")
    return 0


def cmd_duplicates(store: Store, args: argparse.Namespace) -> int:
    from .core.feedback import duplicates
    from .core.feedback.stored_lookalikes import likely_duplicate_groups

    # The groups kept on disk (lookalikes.sqlite) when nothing changed since, with what is shown
    # of their items: no item is read then.
    shown: dict[str, tuple[str, str]] = {}
    groups = [group for group in likely_duplicate_groups(store, shown=shown)
              if not (args.skip_short and group.low_information)]
    records = []
    titles = []
    for group in groups:
        ids = [item_id for item_id in group if item_id in shown]
        titles.append([shown[item_id][1] for item_id in ids])
        records.append({
            "kind": group.kind, "low_information": group.low_information, "score": group.score,
            "ids": ids, "texts": [shown[item_id][0] for item_id in ids],
        })
    if args.json:
        print_json(records)
        return 0
    if not records:
        print("no likely duplicates")
    explained = False
    for number, (group, record) in enumerate(zip(groups, records), start=1):
        print(f"group {number}: {len(record['ids'])} items, {group.describe()}")
        if group.low_information and not explained:  # what qualifies, said once, at the first such group
            print(f"  ({duplicates.LOW_INFORMATION_RULE})")
            explained = True
        for item_id, text, title in zip(record["ids"], record["texts"], titles[number - 1]):
            print(f"  {item_id:<8} {first_line(title or text, 90)}")  # a tracker's title says more than its template's first line
    return 0


def _positive_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


def cmd_similar(store: Store, args: argparse.Namespace) -> int:
    from .core.feedback import duplicates

    from .core.feedback.stored_lookalikes import lookalike_index

    item_id = args.id.strip().upper()
    hits = lookalike_index(store).similar_to(item_id, limit=args.limit)  # no text read but the changed items'
    if args.json:
        print_json([{"id": hit.id, "score": hit.score, "title": hit.title, "why": list(hit.why)} for hit in hits])
        return 0
    if not hits:
        print(f"{item_id}: no look-alikes (none scores {duplicates.DUPLICATE_THRESHOLD:g} or more)")
    for hit in hits:
        why = f"  shares {', '.join(clean_line(word) for word in hit.why)}" if hit.why else "  same title or words"
        print(f"{hit.id:<8} {hit.score:>5.1f}  {first_line(hit.title, 70)}\n{'':<15}{why}")
    return 0


def cmd_suggest(store: Store, args: argparse.Namespace) -> int:
    from .core.areas.lookup import suggest_areas
    from .core.model import FeedbackItem

    item = store.get(args.id.strip().upper())
    if not isinstance(item, FeedbackItem):
        raise ProdopsError(f"no feedback item {args.id}")
    suggestions = suggest_areas(store, f"{item.title}\n{item.text}", exclude=item.id)
    if args.json:
        print_json([{"id": s.area.id, "path": s.path, "score": s.score, "matched": list(s.matched)} for s in suggestions])
        return 0
    if not suggestions:
        print(f"{item.id}: no area suggested (no area's glossary, and no item filed under an area, reads like it)")
    for s in suggestions:
        print(f"{s.path}  ({s.area.id}, score {s.score:g}): {'; '.join(clean_line(m) for m in s.matched)}")
    return 0


def cmd_nudges(store: Store, args: argparse.Namespace) -> int:
    from .core.rituals import nudges

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


def cmd_search(store: Store, args: argparse.Namespace) -> int:
    from .core.query import KIND_ALIASES
    from .core.search.display import hit_record, location
    from .core.search.index import SearchIndex
    from .core.search.stored import StoredSearch

    kinds = None
    if args.kind:
        kind = KIND_ALIASES.get(args.kind.casefold())
        if kind is None:
            raise UsageError(f"--kind {args.kind!r}: one of {', '.join(KINDS)}")
        kinds = [kind]
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    try:
        stored = StoredSearch(store)  # reads only the items that can match (the whole index: 15 s at 100k)
        try:
            stored.refresh()
            found = stored.search(args.query, kinds=kinds, limit=args.limit)
        finally:
            stored.close()
    except (sqlite3.Error, OSError):
        # search.sqlite cannot be written (a read-only workspace, a full disk): the same
        # search over an index built in memory, slower but never wrong.
        index = SearchIndex()
        index.build(store)
        found = index.search(args.query, store, kinds=kinds, limit=args.limit)
    for hint in found.hints:
        print(f"prodops: hint: {hint}", file=sys.stderr)
    if args.json:
        print_json([{**hit_record(hit), "where": location(store, hit.doc)} for hit in found.hits])
        return 0
    for hit in found.hits:
        print(f"{hit.id:<9} {hit.kind:<12} {first_line(hit.doc.title, 70):<72} {location(store, hit.doc)}")
    if found.total > len(found.hits):
        print(f"+{found.total - len(found.hits)} more (--limit)")
    elif not found.hits:
        print("nothing found", file=sys.stderr)
    return 0


def cmd_report(store: Store, args: argparse.Namespace) -> int:
    from .core.metrics import figures, period, report

    suffix = Path(args.output).suffix.lstrip(".").lower() if args.output else ""
    fmt = args.format or {"md": "md", "markdown": "md", "json": "json"}.get(suffix) or ("md" if not suffix else "")
    if not fmt:
        raise UsageError(f"cannot tell the format from {args.output!r}: add --format md|json")
    if args.to and not args.from_:
        raise UsageError("--to needs --from (or use --since)")
    now = from_iso(store.clock())
    window = period.from_options(since_text=args.since, from_text=args.from_, to_text=args.to, now=now)
    found = figures.compute(store, window, now=now)
    text = report.json_text(found) if fmt == "json" else report.to_markdown(found)
    if args.output:
        atomic_write_bytes(Path(args.output), text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0


def cmd_demo(store: Store, args: argparse.Namespace) -> int:
    from .core.demo import fill_demo

    if any(store.count(kind) for kind in (FeedbackItem, ProductArea)):
        raise ProdopsError(f"{store.directory} already holds data; `prodops demo` fills only an empty workspace")
    summary = fill_demo(store, now=from_iso(store.clock()))
    store.fold()  # leave a readable TinyDB file, not a journal
    print(f"filled {store.directory} with {summary.describe()}")
    return 0


def cmd_compact(store: Store, args: argparse.Namespace) -> int:
    """Fold, then bring search.sqlite up to date. One outcome, said once: the fold's. The search
    words are derived data the next `prodops search` catches up itself, so failing to write them
    (a file-size limit let the fold through, then stopped SQLite) is a note on the fold's line,
    not an error after "folded" (the exit status said the fold failed when it had not)."""
    folded = store.fold(only_if_due=args.if_due)
    search_note = _refresh_stored_search(store)
    if args.if_due:
        return 0
    said = f"folded the journal into {store.snapshot_path}" if folded else "nothing to fold"
    print(said + (f" (the search words were not updated: {search_note}; `prodops search` catches up)" if search_note else ""))
    return 0


def _refresh_stored_search(store: Store) -> str | None:
    """Off the user's path (this runs in the background after an import or a big change): the
    next `prodops search` finds the words up to date instead of building them. Why not, or None."""
    from .core.search.stored import StoredSearch

    try:
        stored = StoredSearch(store)
        try:
            stored.refresh()
        finally:
            stored.close()
    except (sqlite3.Error, OSError) as exc:
        return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return None


def cmd_keys(args: argparse.Namespace) -> int:
    """The effective bindings; bad keymap entries are warnings, the rest still applies."""
    from .ui.app import ProdopsApp  # the bindings are the UI's own declarations
    from .ui.keys import catalogue, markdown_table, read_keymap

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


def cmd_doctor(args: argparse.Namespace) -> int:
    from .core.storage import doctor

    directory = workspace_dir(args.workspace)
    clock = make_clock()
    if args.repair:
        print(doctor.repair(directory, clock))
        return 0
    report = doctor.check(directory, clock)
    print("\n".join(report.lines))
    return 0 if report.ok else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from . import serve

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


def _actor(args: argparse.Namespace):
    from .core.identity import resolve_actor

    return resolve_actor(getattr(args, "actor", None), settings_name=Settings().get("name"))


def run_app(directory: Path, theme: str | None, *, label: str | None = None, actor: str | None = None) -> int:
    from .ui.app import ProdopsApp

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
    from .core.demo import fill_demo

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


COMMANDS = {"duplicates": cmd_duplicates, "similar": cmd_similar, "suggest": cmd_suggest, "capture": cmd_capture, "import": cmd_import, "who": cmd_who, "update": cmd_update, "list": cmd_list, "export": cmd_export, "demo": cmd_demo, "nudges": cmd_nudges, "search": cmd_search, "compact": cmd_compact, "report": cmd_report}


def dispatch(args: argparse.Namespace) -> int:
    if args.demo:
        if args.command:
            raise UsageError("--demo opens the app; use `prodops --workspace DIR demo` to fill a workspace instead")
        return open_demo(args)
    if args.command is None:
        return run_app(workspace_dir(args.workspace), args.theme, actor=args.actor)
    if args.command == "doctor":
        return cmd_doctor(args)
    if args.command == "keys":
        return cmd_keys(args)
    if args.command == "serve":
        return cmd_serve(args)
    directory = workspace_dir(args.workspace)
    store = open_workspace(directory)
    store.actor_from(lambda: _actor(args).name)
    try:
        if args.command != "compact":
            store.defer_folds()  # a change returns at once; the fold, when due, runs after it
        status = COMMANDS[args.command](store, args)
        if args.command != "compact" and store.fold_due():
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


if __name__ == "__main__":
    sys.exit(main())
