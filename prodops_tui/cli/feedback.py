"""Feedback from the shell: capture, update (triage) and list."""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterator, Sequence

from ..core.areas.lookup import area_path
from ..core.dates import from_iso, humanize_age
from ..core.feedback import inbox
from ..core.feedback.exporters import feedback_record
from ..core.feedback.filters import apply_filter, find_view, parse_filter
from ..core.model import IMPORTANCE_LEVELS, FeedbackItem
from ..core.storage.store import Store
from .output import print_json, print_json_array
from .usage import UsageError, positive_count


def add_parsers(commands: argparse._SubParsersAction) -> None:
    capture = commands.add_parser("capture", help="add one feedback item", description="Add one feedback item; prints its id.")
    capture.add_argument("text", metavar="TEXT|-", help="the feedback text, or - to read it from stdin")
    capture.add_argument("--customer", default="")
    capture.add_argument("--source", default="")
    capture.add_argument("--area", help="product area: id, path (Billing/Invoices) or name")
    capture.add_argument("--tag", action="append", default=[], dest="tags")
    capture.add_argument("--importance", choices=IMPORTANCE_LEVELS)
    capture.add_argument("--received", metavar="WHEN", help="when it was received: 2026-11-20, yesterday, 3d (3 days ago)")
    capture.add_argument("--json", action="store_true")

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
    list_feedback.add_argument("--limit", type=positive_count, metavar="N", help="the N newest only")
    list_feedback.add_argument("--json", action="store_true")


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
    if getattr(args, "limit", None) is not None:
        return list(iter_filtered_feedback(store, args))
    filters = _filters(store, args)
    items = inbox.list_feedback(store, status=args.status, area=args.area)
    for parsed in filters:
        items = apply_filter(store, items, parsed)
    return items


def iter_filtered_feedback(store: Store, args: argparse.Namespace) -> Iterator[FeedbackItem]:
    """filtered_feedback's items (up to --limit), read as they are taken, 256 at a time (`list
    --json` of a million items held them all, and their JSON, at once: 2.5 GB). A bad filter,
    view or area is refused before the first item."""
    filters = _filters(store, args)
    left = getattr(args, "limit", None)
    stream = inbox.iter_feedback(store, status=args.status, area=args.area)
    try:
        while left is None or left > 0:
            chunk = list(itertools.islice(stream, 256))
            if not chunk:
                return
            for parsed in filters:
                chunk = apply_filter(store, chunk, parsed)
            if left is not None:
                chunk = chunk[:left]
                left -= len(chunk)
            yield from chunk
    finally:
        stream.close()


def _filters(store: Store, args: argparse.Namespace) -> list:
    filters = []
    for query in (find_view(store, args.view).query if args.view else None, args.filter):
        if query:
            parsed = parse_filter(query, now_iso=store.clock())
            for hint in parsed.hints:
                print(f"prodops: note: {hint}", file=sys.stderr)
            filters.append(parsed)
    return filters


def cmd_list(store: Store, args: argparse.Namespace) -> int:
    if args.json:
        print_json_array(feedback_record(store, item) for item in iter_filtered_feedback(store, args))
    else:
        print_feedback_table(store, filtered_feedback(store, args))
    return 0
