"""Finding items by their words: search across everything, an item's look-alikes, the
likely-duplicate groups."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from typing import Any

from ..core.query import KINDS
from ..core.storage.store import Store
from ..core.text import clean_line, first_line
from .output import print_json
from .usage import UsageError, positive_count


def add_parsers(commands: argparse._SubParsersAction) -> None:
    search = commands.add_parser("search", help="fuzzy search across everything",
                                 description="Partial, misspelled or reordered words across every kind of item; "
                                             "filters: kind: area: tag: status: owner: is:unowned since:")
    search.add_argument("query")
    search.add_argument("--kind", help="one of " + ", ".join(KINDS) + " (or a plural: areas, people…)")
    search.add_argument("--limit", type=positive_count, default=20)
    search.add_argument("--json", action="store_true")

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
    similar.add_argument("--limit", type=positive_count, default=10, metavar="N", help="at most N look-alikes (default 10)")
    similar.add_argument("--json", action="store_true")


def cmd_search(store: Store, args: argparse.Namespace) -> int:
    from ..core.query import KIND_ALIASES
    from ..core.search.display import hit_record, location
    from ..core.search.index import SearchIndex
    from ..core.search.stored import StoredSearch

    kinds = None
    if args.kind:
        kind = KIND_ALIASES.get(args.kind.casefold())
        if kind is None:
            raise UsageError(f"--kind {args.kind!r}: one of {', '.join(KINDS)}")
        kinds = [kind]
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


def cmd_duplicates(store: Store, args: argparse.Namespace) -> int:
    from ..core.feedback import duplicates
    from ..core.feedback.stored_lookalikes import likely_duplicate_groups

    # The groups kept on disk (lookalikes.sqlite) when nothing changed since, with what is shown
    # of their items: no item is read then.
    shown: dict[str, tuple[str, str]] = {}
    groups = [group for group in likely_duplicate_groups(store, shown=shown)
              if not (args.skip_short and group.low_information)]
    records: list[dict[str, Any]] = []
    titles: list[list[str]] = []
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
    for number, (group, record) in enumerate(zip(groups, records, strict=True), start=1):
        print(f"group {number}: {len(record['ids'])} items, {group.describe()}")
        if group.low_information and not explained:  # what qualifies, said once, at the first such group
            print(f"  ({duplicates.LOW_INFORMATION_RULE})")
            explained = True
        for item_id, text, title in zip(record["ids"], record["texts"], titles[number - 1], strict=True):
            print(f"  {item_id:<8} {first_line(title or text, 90)}")  # a tracker's title says more than its template's first line
    return 0


def cmd_similar(store: Store, args: argparse.Namespace) -> int:
    from ..core.feedback import duplicates

    from ..core.feedback.stored_lookalikes import similar

    item_id = args.id.strip().upper()
    # From lookalikes.sqlite's tables: only the item's candidates are read, never every item's facts.
    hits = similar(store, item_id, limit=args.limit)
    if args.json:
        print_json([{"id": hit.id, "score": hit.score, "title": hit.title, "why": list(hit.why)} for hit in hits])
        return 0
    if not hits:
        print(f"{item_id}: no look-alikes (none scores {duplicates.DUPLICATE_THRESHOLD:g} or more)")
    for hit in hits:
        why = f"  shares {', '.join(clean_line(word) for word in hit.why)}" if hit.why else "  same title or words"
        print(f"{hit.id:<8} {hit.score:>5.1f}  {first_line(hit.title, 70)}\n{'':<15}{why}")
    return 0
