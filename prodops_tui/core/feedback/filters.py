"""Feedback filters: `area:billing tag:export importance:high since:2w slow export`.

The same `name:value` words the search box takes; what is not a filter is free
text that every word of must appear in the item (text, title or customer).
An unknown filter name is kept as a hint for the user, never an error."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ..areas.lookup import area_path, normalise_path, subtree_ids
from ..dates import DateParseError, from_iso, parse_since, to_iso
from ..errors import InvalidInput, NotFound
from ..model import IMPORTANCE_LEVELS, FeedbackItem, ProductArea, SavedView
from ..storage.store import Store
from ..text import clean_line

FILTER_NAMES = ("area", "tag", "status", "importance", "source", "customer", "since", "is")
IS_VALUES = ("unassigned", "untagged", "unrated", "linked", "merged")
_FILTER_WORD = re.compile(r"^(\w+):(.*)$")


@dataclass(frozen=True)
class FeedbackFilter:
    query: str = ""
    areas: tuple[str, ...] = ()  # what was typed; resolved against the store when matching
    tags: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    importance: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    since: str | None = None  # ISO UTC
    flags: tuple[str, ...] = ()  # is:unassigned …
    words: tuple[str, ...] = ()
    hints: tuple[str, ...] = field(default=(), compare=False)  # unknown filter names, for the user

    @property
    def is_empty(self) -> bool:
        return not (self.areas or self.tags or self.statuses or self.importance or self.sources or self.customers
                    or self.since or self.flags or self.words)


def parse_filter(query: str, *, now_iso: str) -> FeedbackFilter:
    """Read a filter query; a bad value (importance:huge, since:blorp) is InvalidInput naming it."""
    try:
        parts = shlex.split(query)
    except ValueError:
        parts = query.split()  # an unclosed quote: take the words as they are
    found: dict[str, list[str]] = {name: [] for name in FILTER_NAMES}
    words, hints = [], []
    for part in parts:
        match = _FILTER_WORD.match(part)
        if match and match.group(2):
            name, value = match.group(1).casefold(), match.group(2).strip()
            if name in found:
                found[name].append(value)
                continue
            hints.append(f"{name}: is not a filter (try {', '.join(f'{n}:' for n in FILTER_NAMES)})")
        words.append(part.casefold())
    for level in found["importance"]:
        if level.casefold() not in IMPORTANCE_LEVELS:
            raise InvalidInput(f"importance:{level} is not one of {', '.join(IMPORTANCE_LEVELS)}")
    for status in found["status"]:
        if status.casefold() not in ("new", "snoozed", "processed", "archived"):
            raise InvalidInput(f"status:{status} is not one of new, snoozed, processed, archived")
    for flag in found["is"]:
        if flag.casefold() not in IS_VALUES:
            raise InvalidInput(f"is:{flag} is not one of {', '.join(IS_VALUES)}")
    since = None
    if found["since"]:
        try:
            since = to_iso(parse_since(found["since"][-1], now=from_iso(now_iso)))
        except DateParseError as exc:
            raise InvalidInput(f"since: {exc}") from exc
    return FeedbackFilter(
        query=query.strip(),
        areas=tuple(found["area"]),
        tags=tuple(t.casefold().lstrip("#") for t in found["tag"]),
        statuses=tuple(s.casefold() for s in found["status"]),
        importance=tuple(i.casefold() for i in found["importance"]),
        sources=tuple(s.casefold() for s in found["source"]),
        customers=tuple(c.casefold() for c in found["customer"]),
        since=since,
        flags=tuple(f.casefold() for f in found["is"]),
        words=tuple(words),
        hints=tuple(hints),
    )


def _area_ids(store: Store, typed: Iterable[str]) -> set[str]:
    """Every area whose path contains what was typed (`area:invoices`), with the areas below it."""
    ids: set[str] = set()
    areas = store.all(ProductArea)
    for value in typed:
        wanted = normalise_path(value)
        for area in areas:
            if wanted in normalise_path(area_path(store, area)) or area.id == value.upper():
                ids |= subtree_ids(store, area.id)
    return ids


def apply_filter(store: Store, items: Iterable[FeedbackItem], query: FeedbackFilter) -> list[FeedbackItem]:
    """The items the filter lets through, in their order. Values of one name are OR-ed; names AND-ed."""
    if query.is_empty:
        return list(items)
    now = store.clock()
    area_ids = _area_ids(store, query.areas) if query.areas else None
    out = []
    for item in items:
        if area_ids is not None and item.area not in area_ids:
            continue
        if query.tags and not any(tag in item.tags for tag in query.tags):
            continue
        if query.statuses and item.view_status(now) not in query.statuses:
            continue
        if query.importance and item.importance not in query.importance:
            continue
        if query.sources and not any(s in item.source.casefold() for s in query.sources):
            continue
        if query.customers and not any(c in item.customer.casefold() for c in query.customers):
            continue
        if query.since and item.received_at < query.since:
            continue
        if query.flags and not all(_flag(item, flag) for flag in query.flags):
            continue
        if query.words:
            haystack = f"{item.text}\n{item.title}\n{item.customer}".casefold()
            if not all(word in haystack for word in query.words):
                continue
        out.append(item)
    return out


def _flag(item: FeedbackItem, flag: str) -> bool:
    return {
        "unassigned": item.area is None,
        "untagged": not item.tags,
        "unrated": item.importance is None,
        "linked": item.opportunity is not None,
        "merged": bool(item.duplicate_of or item.merged_from),
    }[flag]


def saved_views(store: Store) -> list[SavedView]:
    return sorted(store.all(SavedView), key=lambda view: view.number)


def save_view(store: Store, name: str, query: str, *, origin: str = "app") -> SavedView:
    """Keep a filter under a name; the same name again replaces its query."""
    name = clean_line(name)
    if not name:
        raise InvalidInput("a saved view needs a name")
    parse_filter(query, now_iso=store.clock())  # refuse a query that would not run
    with store.change(f"saved view {name}", origin=origin) as tx:
        existing = next((v for v in store.all(SavedView) if v.name.casefold() == name.casefold()), None)
        if existing is not None:
            return tx.put(replace(existing, query=query.strip()))
        return tx.add(SavedView(name=name, query=query.strip()))


def delete_view(store: Store, view_id: str, *, origin: str = "app") -> SavedView:
    view = store.get(view_id)
    if not isinstance(view, SavedView):
        raise NotFound(f"no saved view {view_id}")
    with store.change(f"deleted view {view.name}", origin=origin) as tx:
        tx.delete(view.id)
    return view


def find_view(store: Store, name: str) -> SavedView:
    for view in store.all(SavedView):
        if view.name.casefold() == name.strip().casefold():
            return view
    names = ", ".join(v.name for v in saved_views(store)) or "none yet"
    raise NotFound(f"no saved view {name!r} (saved views: {names})")
