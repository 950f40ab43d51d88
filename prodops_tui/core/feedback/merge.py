"""Merging duplicates without losing a word: the survivor keeps every text and customer
(each merged item stays, archived, pointing at it), takes the higher importance and the
union of tags; one change, one undo step. Finding likely duplicates is duplicates.py."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from typing import TypeGuard

from rapidfuzz import fuzz, process, utils

from ..errors import InvalidInput, NotFound
from ..model import IMPORTANCE_LEVELS, FeedbackItem, Record
from ..search.index import SearchIndex
from ..search.on_disk import DiskBackedIndex
from ..storage.store import Store
from ..text import clean_line, plural

_ID_TYPED = re.compile(r"(?:[Ff]-?)?(\d+)")  # F-400, f400, 400
CUSTOMERS_KEY = "customers"  # FeedbackItem.extra[...]: distinct customers of a survivor, its own first


def survivor_of(store: Store, item_id: str) -> FeedbackItem:
    """The item `item_id` was (transitively) merged into, or the item itself."""
    item = store.get(item_id.strip().upper())
    if not isinstance(item, FeedbackItem):
        raise NotFound(f"no feedback item {item_id}")
    seen = {item.id}
    while item.duplicate_of:
        parent = store.get(item.duplicate_of)
        if not isinstance(parent, FeedbackItem):
            raise NotFound(f"{item.id} was merged into {item.duplicate_of}, which no longer exists")
        if parent.id in seen:
            raise InvalidInput(f"the merge chain from {item_id} loops back on itself ({parent.id}); run prodops doctor")
        seen.add(parent.id)
        item = parent
    return item


def customer_asks(store: Store, item: FeedbackItem) -> list[tuple[str, str]]:
    """(customer, feedback id) for the item and everything merged into it, its own first.

    Walks merged_from (so each customer is paired with their own feedback), then
    adds names from extra["customers"] not found that way, paired with the item."""
    out: list[tuple[str, str]] = []
    seen_ids: set[str] = set()

    def walk(record: FeedbackItem) -> None:
        if record.id in seen_ids:
            return
        seen_ids.add(record.id)
        if clean_line(record.customer):
            out.append((clean_line(record.customer), record.id))
        for merged_id in record.merged_from:
            merged = store.get(merged_id)
            if isinstance(merged, FeedbackItem):
                walk(merged)

    walk(item)
    known = {name.casefold() for name, _ in out}
    for name in item.extra.get(CUSTOMERS_KEY) or []:
        name = clean_line(name) if isinstance(name, str) else ""
        if name and name.casefold() not in known:
            known.add(name.casefold())
            out.append((name, item.id))
    return out


def _distinct(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        folded = name.casefold()
        if name and folded not in seen:
            seen.add(folded)
            out.append(name)
    return out


def customers_of(store: Store, item: FeedbackItem | str) -> list[str]:
    """The item's own customer, then those of the items merged into it, distinct (case-insensitive)."""
    if isinstance(item, str):
        found = store.get(item.strip().upper())
        if not isinstance(found, FeedbackItem):
            raise NotFound(f"no feedback item {item}")
        item = found
    return _distinct(name for name, _ in customer_asks(store, item))


def _higher_importance(a: str | None, b: str | None) -> str | None:
    rank = {level: index for index, level in enumerate(IMPORTANCE_LEVELS)}
    if a not in rank:
        return b if b in rank else a
    if b not in rank:
        return a
    return a if rank[a] >= rank[b] else b


def merge(store: Store, duplicate_ids: Sequence[str], into_id: str, *, origin: str = "app") -> FeedbackItem:
    """Merge duplicates into one surviving item: one stored change, one undo step.

    Each duplicate keeps its text and gets duplicate_of = the survivor and status
    "archived" (triaged now if it never was). The survivor gets merged_from += the
    duplicates, the union of all tags (its own first), the highest importance of
    all, and extra["customers"]: the distinct customers of itself and of everything
    merged into it. Merging into an item that is itself a duplicate merges into
    its survivor. Refused: no ids, unknown ids, an item into itself (or into
    something merged into it: a cycle), and an item already merged elsewhere."""
    wanted = list(dict.fromkeys(i.strip().upper() for i in duplicate_ids if i.strip()))
    if not wanted:
        raise InvalidInput("no duplicates given to merge")
    target = into_id.strip().upper()
    survivor = survivor_of(store, target)
    with store.change("merged duplicates", origin=origin) as tx:
        duplicates: list[FeedbackItem] = []
        for dup_id in wanted:
            dup = tx.get(dup_id)
            if not isinstance(dup, FeedbackItem):
                raise NotFound(f"no feedback item {dup_id}")
            if dup.id == survivor.id:
                if target == survivor.id:
                    raise InvalidInput(f"cannot merge {dup.id} into itself")
                raise InvalidInput(f"cannot merge {dup.id} into {target}: {target} was merged into {dup.id}")
            if dup.duplicate_of:
                raise InvalidInput(f"{dup.id} is already merged into {dup.duplicate_of}; undo that merge first")
            duplicates.append(dup)
        tags = list(survivor.tags)
        importance = survivor.importance
        merged_from = list(survivor.merged_from)
        names = [name for name, _ in customer_asks(store, survivor)]
        for dup in duplicates:
            tags += [tag for tag in dup.tags if tag not in tags]
            importance = _higher_importance(importance, dup.importance)
            if dup.id not in merged_from:
                merged_from.append(dup.id)
            names += [name for name, _ in customer_asks(store, dup)]
            changed = replace(dup, duplicate_of=survivor.id, status="archived", snoozed_until=None)
            if dup.triaged_at is None:
                changed = replace(changed, triaged_at=tx.now, triaged_by=store.actor)
            tx.put(changed)
        extra = dict(survivor.extra)
        extra[CUSTOMERS_KEY] = _distinct(names)
        merged = tx.put(replace(survivor, tags=tags, importance=importance, merged_from=merged_from, extra=extra))
        count = len(duplicates)
        tx.label = f"merged {plural(count, 'duplicate')} into {survivor.id}"
        return merged


def find_merge_targets(store: Store, query: str, *, exclude: Collection[str] = (), limit: int = 30,
                       index: SearchIndex | DiskBackedIndex | None = None) -> list[tuple[str, str]]:
    """Items a duplicate could be merged into, for what was typed: its id (F-400, 400) first,
    then by title and text, best first, as (id, title). Items already merged elsewhere and
    `exclude` (the duplicates themselves) are left out.

    With a ready search `index` this is one index lookup (milliseconds at 100k items); without
    one, every title is scored with WRatio (seconds at 50k: docs/PITFALLS.md, the picker)."""
    def offered(item: Record | None) -> TypeGuard[FeedbackItem]:
        return isinstance(item, FeedbackItem) and not item.duplicate_of and item.id not in exclude

    found: list[Record | None] = []  # what the store gives for each id: maybe gone, maybe not an item
    typed_id = _ID_TYPED.fullmatch(query.strip())
    if typed_id:
        found.append(store.get(f"F-{typed_id.group(1)}"))
    if index is not None and index.ready:
        found += [store.get(hit.id) for hit in index.search(query, store, kinds=("feedback",), limit=limit * 2).hits]
    else:
        titles = {item.id: _title(item) for item in store.all(FeedbackItem) if offered(item)}
        hits = process.extract(query, titles, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit,
                               score_cutoff=50)
        found += [store.get(key) for _, _, key in hits]
    targets = {item.id: _title(item) for item in found if offered(item)}  # first place kept
    return list(targets.items())[:limit]


def _title(item: FeedbackItem) -> str:
    return clean_line(item.title or item.text[:120])
