"""Feedback filters and saved views: `area:billing tag:export importance:high since:2w slow export`.

The query language is core/query.py's, the one the search box and every CLI --filter take;
here it is applied to a list of feedback. A free word must appear as written in the item's
text, title or customer: a filter gives a set (counted, saved as a view, exported, changed in
bulk), which must not hold an item for a word it lacks, where search ranks by the same words
and requires none. As written means as a part of the text, so "read multi" and "null store"
find `read_multi` and `NullStore` here too. An unknown keyword is a hint for the user, never an
error; a value that cannot be read (importance:huge) is InvalidInput naming it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from .. import query as query_language
from ..dates import from_iso
from ..errors import InvalidInput, NotFound
from ..model import FeedbackItem, SavedView
from ..storage.store import Store
from ..text import clean_line

FILTER_NAMES = query_language.NAMES
IS_VALUES = query_language.IS_VALUES


@dataclass(frozen=True)
class FeedbackFilter:
    """A query read for the inbox: the core Query, and the hints to show with it."""

    parsed: query_language.Query

    @property
    def query(self) -> str:
        return self.parsed.text

    @property
    def hints(self) -> tuple[str, ...]:
        """Unknown keywords, and why nothing can match when a filter never applies to feedback."""
        why_not = self.parsed.not_for_hint("feedback")
        return self.parsed.hints + ((why_not,) if why_not else ())

    @property
    def is_empty(self) -> bool:
        return self.parsed.is_empty


IDS_QUERY_MAX = 400  # an id: filter naming items one by one, while it fits a query (500 characters)


def ids_query(ids: list[str]) -> str:
    """The inbox filter naming exactly these items, or "" when there are none or too many to name."""
    text = "id:" + ",".join(ids)
    return text if ids and len(text) <= IDS_QUERY_MAX else ""


def parse_filter(query: str, *, now_iso: str) -> FeedbackFilter:
    """Read a filter query; a bad value (importance:huge, since:blorp) is InvalidInput naming it."""
    parsed = query_language.parse(query, now=from_iso(now_iso))
    if parsed.errors:
        raise InvalidInput(parsed.errors[0])
    return FeedbackFilter(parsed)


def apply_filter(store: Store, items: Iterable[FeedbackItem], query: FeedbackFilter) -> list[FeedbackItem]:
    """The items the filter lets through, in their order. Values of one name are OR-ed; names AND-ed."""
    parsed = query.parsed
    if parsed.is_empty:
        return list(items)
    if parsed.not_for("feedback"):
        return []
    now = store.clock()
    area_ids = query_language.area_ids(store, parsed.areas)[0] if parsed.areas else None
    out = []
    for item in items:
        if area_ids is not None and item.area not in area_ids:
            continue
        if parsed.tags and not any(tag.casefold() in parsed.tags for tag in item.tags):
            continue
        if parsed.statuses and item.view_status(now) not in parsed.statuses:
            continue
        if parsed.ids and item.id not in parsed.ids:
            continue
        if parsed.ratings and item.rating not in parsed.ratings:
            continue
        if parsed.importance and item.importance not in parsed.importance:
            continue
        if parsed.sources and not any(s in item.source.casefold() for s in parsed.sources):
            continue
        if parsed.customers and not any(c in item.customer.casefold() for c in parsed.customers):
            continue
        if parsed.since and (item.received_at or item.created_at) < parsed.since:
            continue
        if parsed.flags and not all(_flag(item, flag) for flag in parsed.flags):
            continue
        if parsed.words:
            haystack = f"{item.text}\n{item.title}\n{item.customer}".casefold()
            if not all(word in haystack for word in parsed.words):
                continue
        out.append(item)
    return out


def _flag(item: FeedbackItem, flag: str) -> bool:
    """The is: flags that apply to feedback (the others never reach here: not_for says so)."""
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
