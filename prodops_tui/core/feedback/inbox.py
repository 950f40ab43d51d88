"""The feedback inbox: the verbs users perform on feedback, for the app and the CLI alike."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..areas.lookup import area_path, resolve_area, subtree_ids
from ..dates import from_iso, parse_since, parse_when, to_iso
from ..errors import InvalidInput, NotFound
from ..model import FEEDBACK_STATUSES, IMPORTANCE_LEVELS, FeedbackItem, Opportunity, view_status_of
from ..storage.store import Store
from ..text import clean_line, clean_text, first_line
from .pages import FeedbackPages

VIEW_STATUSES = ("new", "snoozed", "processed", "archived", "all")
MAX_TEXT_CHARS = 1_000_000  # a pasted log is fine; a whole disk image is not feedback


def normalise_tags(tags: Iterable[str]) -> list[str]:
    """Tags are compared case-insensitively and shown lower-case; '#export' is 'export'."""
    out: list[str] = []
    for tag in tags:
        tag = clean_line(tag).lstrip("#").strip().casefold()
        if tag and tag not in out:
            out.append(tag)
    return out


def check_importance(importance: str | None) -> str | None:
    if importance is None:
        return None
    value = importance.strip().casefold()
    if value not in IMPORTANCE_LEVELS:
        raise InvalidInput(f"importance {importance!r} is not one of {', '.join(IMPORTANCE_LEVELS)}")
    return value


def capture(
    store: Store,
    text: str,
    *,
    title: str = "",
    customer: str = "",
    source: str = "",
    area: str | None = None,
    tags: Sequence[str] = (),
    importance: str | None = None,
    received: str | None = None,
    origin: str = "cli",
) -> FeedbackItem:
    """Add one feedback item. `area` is an id, path or name; `received` any date form."""
    body = clean_text(text)
    if not body:
        raise InvalidInput("the feedback text is empty")
    if len(body) > MAX_TEXT_CHARS:
        raise InvalidInput(f"the feedback text is {len(body):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    area_id = resolve_area(store, area).id if area else None
    received_at = to_iso(parse_since(received, now=from_iso(store.clock()))) if received else None  # '3d' = 3 days ago
    item = FeedbackItem(
        text=body,
        title=clean_line(title) or first_line(body),
        customer=clean_line(customer),
        source=clean_line(source),
        area=area_id,
        tags=normalise_tags(tags),
        importance=check_importance(importance),
    )
    with store.change("captured feedback", origin=origin) as tx:
        item = replace(item, received_at=received_at or tx.now)
        return tx.add(item)


def edit(
    store: Store,
    item_id: str,
    *,
    text: str | None = None,
    title: str | None = None,
    customer: str | None = None,
    source: str | None = None,
    received: str | None = None,
    origin: str = "app",
) -> FeedbackItem:
    """Correct what was captured; None leaves a field as it is. One undoable change."""
    with store.change(f"edited {item_id.upper()}", origin=origin) as tx:
        item = tx.get(item_id.strip().upper())
        if not isinstance(item, FeedbackItem):
            raise NotFound(f"no feedback item {item_id}")
        if text is not None:
            body = clean_text(text)
            if not body:
                raise InvalidInput("the feedback text is empty")
            item = replace(item, text=body)
        if title is not None:
            item = replace(item, title=clean_line(title) or first_line(item.text))
        if customer is not None:
            item = replace(item, customer=clean_line(customer))
        if source is not None:
            item = replace(item, source=clean_line(source))
        if received:
            item = replace(item, received_at=to_iso(parse_since(received, now=from_iso(tx.now))))
        return tx.put(item)


@dataclass(frozen=True)
class Triage:
    """One triage change, applied alike to every selected item. None means "leave as is"."""

    status: str | None = None
    area: str | None = None  # id/path/name; "" clears it
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    importance: str | None = None
    snooze: str | None = None  # date form; "" clears it
    opportunity: str | None = None  # id; "" unlinks
    new_opportunity: str | None = None  # a title: create the opportunity and link to it, in the same change

    def is_empty(self) -> bool:
        return not (self.add_tags or self.remove_tags) and all(
            value is None
            for value in (self.status, self.area, self.importance, self.snooze, self.opportunity, self.new_opportunity)
        )

    def label(self, store: Store, count: int) -> str:
        what = f"{count} items" if count != 1 else "1 item"
        parts = []
        if self.status:
            parts.append({"archived": "archived", "processed": "marked processed", "new": "moved to New"}[self.status])
        if self.area is not None:
            parts.append("set area" if self.area else "cleared area")
        if self.add_tags:
            parts.append("tagged " + ", ".join(normalise_tags(self.add_tags)))
        if self.remove_tags:
            parts.append("untagged " + ", ".join(normalise_tags(self.remove_tags)))
        if self.importance:
            parts.append(f"importance {self.importance}")
        if self.snooze is not None:
            parts.append("snoozed" if self.snooze else "unsnoozed")
        if self.opportunity is not None:
            parts.append(f"linked to {self.opportunity}" if self.opportunity else "unlinked")
        if self.new_opportunity is not None:
            parts.append(f"linked to a new opportunity “{clean_line(self.new_opportunity)}”")
        return f"{' and '.join(parts) or 'updated'} ({what})"


def update(store: Store, ids: Sequence[str], triage: Triage, *, origin: str = "cli") -> list[FeedbackItem]:
    """Apply one triage change to the given items: one stored change, one undo step."""
    if not ids:
        raise InvalidInput("no feedback ids given")
    if triage.is_empty():
        raise InvalidInput("nothing to change")
    if triage.snooze and triage.status in ("processed", "archived"):
        raise InvalidInput("a snoozed item waits in New; it cannot also be processed or archived")
    if triage.status is not None and triage.status not in FEEDBACK_STATUSES:
        raise InvalidInput(f"status {triage.status!r} is not one of {', '.join(FEEDBACK_STATUSES)}")
    importance = check_importance(triage.importance)
    area_id = None
    if triage.area:
        area_id = resolve_area(store, triage.area).id
    snooze_iso = None
    if triage.snooze:
        snooze_iso = to_iso(parse_when(triage.snooze, now=from_iso(store.clock())))
    opportunity_id = None
    if triage.opportunity:
        opportunity_id = triage.opportunity.strip().upper()
        if not isinstance(store.get(opportunity_id), Opportunity):
            raise NotFound(f"no opportunity {triage.opportunity}")
    new_title = None
    if triage.new_opportunity is not None:
        if triage.opportunity is not None:
            raise InvalidInput("link to an opportunity or create one, not both")
        new_title = clean_line(triage.new_opportunity)
        if not new_title:
            raise InvalidInput("the opportunity needs a title")
    add, remove = normalise_tags(triage.add_tags), set(normalise_tags(triage.remove_tags))

    with store.change(triage.label(store, len(ids)), origin=origin) as tx:
        if new_title is not None:  # one change: undo takes back the link and the opportunity together
            opportunity_id = tx.add(Opportunity(title=new_title)).id
        changed = []
        for raw_id in dict.fromkeys(i.strip().upper() for i in ids):
            item = tx.get(raw_id)
            if not isinstance(item, FeedbackItem):
                raise NotFound(f"no feedback item {raw_id}")
            # One copy of the item for all of it: a copy for each field cost 5-8 us, three or four a change.
            fields: dict[str, Any] = {}
            if triage.status is not None:
                if item.status == "new" and triage.status != "new" and item.triaged_at is None:
                    fields.update(triaged_at=tx.now, triaged_by=store.actor)
                fields["status"] = triage.status
                if triage.status != "new":
                    fields["snoozed_until"] = None
            if triage.area is not None:
                fields["area"] = area_id
            if add or remove:
                fields["tags"] = [t for t in item.tags if t not in remove] + [t for t in add if t not in item.tags]
            if importance is not None:
                fields["importance"] = importance
            if triage.snooze is not None:
                fields["snoozed_until"] = snooze_iso
            if triage.opportunity is not None or new_title is not None:
                fields["opportunity"] = opportunity_id
            changed.append(tx.put(replace(item, **fields)))
        return changed


def list_feedback(store: Store, *, status: str = "new", area: str | None = None,
                  counts: dict[str, int] | None = None) -> list[FeedbackItem]:
    """Feedback in one view, newest received first. `area` includes its sub-areas. `counts`
    (without `area`): filled with every view's count in the same pass, for the inbox's tabs
    (a second pass over 100,000 items cost 0.2 s a change)."""
    if counts is not None and area is None:
        if status not in VIEW_STATUSES:
            raise InvalidInput(f"status {status!r} is not one of {', '.join(VIEW_STATUSES)}")
        now = store.clock()
        counts.update(dict.fromkeys(VIEW_STATUSES, 0))
        items = []
        for item in store.all(FeedbackItem):
            shown = item.status  # view_status() inlined: 100,000 method calls cost a tenth of a second
            if shown == "new" and item.snoozed_until and item.snoozed_until > now:
                shown = "snoozed"
            counts[shown] += 1
            if status == "all" or shown == status:
                items.append(item)
        counts["all"] = sum(counts[s] for s in VIEW_STATUSES if s != "all")
        items.sort(key=lambda item: (item.received_at, item.number), reverse=True)
        return items
    items = list(iter_feedback(store, status=status, area=area, ordered=False))
    items.sort(key=lambda item: (item.received_at, item.number), reverse=True)
    return items


# Most important first, then none: from IMPORTANCE_LEVELS (least first), so a level added there is ranked.
IMPORTANCE_RANK: dict[str | None, int] = {level: rank for rank, level in enumerate((*reversed(IMPORTANCE_LEVELS), None))}
SORTED_BY = {"importance": "importance", "area": "area"}  # a view's sort -> the field it orders by


def sort_key(store: Store, sort: str, values: Iterable[str | None]) -> Callable[[str | None], Any]:
    """What orders a newest-first view by `sort` ("importance": most first; "area": by path,
    items without one last), from each item's importance or area; `values`, the ones met, so
    each area's path is worked out once. A stable sort keeps newest first among equals."""
    if sort == "importance":
        return lambda importance: IMPORTANCE_RANK.get(importance, len(IMPORTANCE_LEVELS))
    paths = {area_id: area_path(store, area_id).casefold() for area_id in set(values) if area_id}
    return lambda area: (area is None, paths.get(area or "", ""))


def view_pages(store: Store, *, status: str, sort: str = "received") -> tuple[FeedbackPages, dict[str, int]]:
    """A status view in the order `sort` gives (received: newest first; importance; area) and
    every view's count, read from the cache's columns when the items are not in memory: no
    item is built until its row is asked for (the app at 100,000 items holds what it draws,
    not every item)."""
    if status not in VIEW_STATUSES:
        raise InvalidInput(f"status {status!r} is not one of {', '.join(VIEW_STATUSES)}")
    if sort != "received" and sort not in SORTED_BY:
        raise InvalidInput(f"sort {sort!r} is not one of received, {', '.join(SORTED_BY)}")
    now = store.clock()
    counts = dict.fromkeys(VIEW_STATUSES, 0)
    field = SORTED_BY.get(sort)
    rows = store.fields_newest_received(FeedbackItem, ("status", "snoozed_until", *((field,) if field else ())))
    if not field:  # newest first, the app's first screen: one tight pass (1M rows: 0.7 s with the general one)
        numbers: list[int] = []
        for number, item_status, snoozed_until in rows:
            # view_status_of, inlined
            shown = "snoozed" if item_status == "new" and snoozed_until is not None and snoozed_until > now else item_status
            counts[shown] += 1
            if shown == status:
                numbers.append(number)
        counts["all"] = len(rows)
        return FeedbackPages(store, [row[0] for row in rows] if status == "all" else numbers), counts
    kept: list[tuple[int, str | None]] = []
    for number, item_status, snoozed_until, value in rows:
        shown = view_status_of(item_status, snoozed_until, now)
        counts[shown] += 1
        if status == "all" or shown == status:
            kept.append((number, value))
    counts["all"] = len(rows)
    key = sort_key(store, sort, (value for _, value in kept))
    kept.sort(key=lambda row: key(row[1]))
    return FeedbackPages(store, [number for number, _ in kept]), counts


def iter_feedback(store: Store, *, status: str = "new", area: str | None = None, ordered: bool = True) -> Generator[FeedbackItem, None, None]:
    """The feedback of one view, newest received first, read as it is taken: the first 20 of
    100,000 items without building the others (`ordered=False`: in any order, from memory)."""
    if status not in VIEW_STATUSES:
        raise InvalidInput(f"status {status!r} is not one of {', '.join(VIEW_STATUSES)}")
    now = store.clock()
    area_ids: set[str] | None = None
    if area:
        root = resolve_area(store, area)
        area_ids = subtree_ids(store, root.id)
    source = store.newest_received(FeedbackItem) if ordered else store.all(FeedbackItem)
    for item in source:
        if (status == "all" or item.view_status(now) == status) and (area_ids is None or item.area in area_ids):
            yield item


def counts_by_view(store: Store) -> dict[str, int]:
    """Live counts for the inbox's view tabs: from the cache's columns when the items are not in
    memory (the app at 100k), never loading them."""
    return _counts_by_view(((status, snoozed) for _, status, snoozed in store.fields(FeedbackItem, ("status", "snoozed_until"))),
                           store.clock())


def _counts_by_view(rows: Iterable[tuple[str, str | None]], now: str) -> dict[str, int]:
    """Each view's count from (status, snoozed_until) pairs, as FeedbackItem.view_status sees them."""
    counts = dict.fromkeys(VIEW_STATUSES, 0)
    for status, snoozed_until in rows:
        counts[view_status_of(status, snoozed_until, now)] += 1
        counts["all"] += 1
    return counts
