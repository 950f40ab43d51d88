"""The inbox's views: the status views, likely duplicates, and saved views (★), with their tabs."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from ...core.areas.lookup import area_path
from ...core.feedback import duplicates, inbox
from ...core.feedback.filters import apply_filter, parse_filter, saved_views
from ...core.model import FeedbackItem, SavedView
from ...core.storage.store import Store
from ...core.text import clean_line, plural

VIEWS = ("new", "snoozed", "processed", "archived", "all", "duplicates")
SORTS = ("received", "importance", "area")
SORT_LABELS = {"received": "received, newest first", "importance": "importance, most first", "area": "area"}
_IMPORTANCE_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, None: 4}
VIEW_LABELS = {"duplicates": "Likely duplicates"}


def view_ids(store: Store) -> list[str]:
    return [*VIEWS, *(view.id for view in saved_views(store))]


def view_items(store: Store, view: str, clusters: Sequence[Sequence[str]] | None,
               counts: dict[str, int] | None = None) -> list[FeedbackItem]:
    """What a view lists, before any typed filter. Raises ProdopsError for a saved query that no longer parses.
    `counts` is filled with the tabs' counts when the view passes over every item anyway."""
    if view == "duplicates":
        # Cluster after cluster, each oldest first: mark a cluster with x, then m.
        return [item for cluster in clusters or [] for item_id in cluster if isinstance(item := store.get(item_id), FeedbackItem)]
    saved = store.get(view) if view not in VIEWS else None
    if isinstance(saved, SavedView):
        return filtered(store, inbox.list_feedback(store, status="all", counts=counts), saved.query)
    return inbox.list_feedback(store, status=view, counts=counts)


def sort_items(store: Store, items: list[FeedbackItem], sort: str) -> list[FeedbackItem]:
    """The view's items in the chosen order. Views come newest first, and a sort is stable, so
    each order keeps newest first among equals."""
    if sort == "received":
        return items
    if sort == "importance":
        return sorted(items, key=lambda item: _IMPORTANCE_RANK.get(item.importance, 4))
    paths = {area_id: area_path(store, area_id).casefold() for area_id in {item.area for item in items} if area_id}
    return sorted(items, key=lambda item: (item.area is None, paths.get(item.area or "", "")))


def filtered(store: Store, items: list[FeedbackItem], query: str) -> list[FeedbackItem]:
    return apply_filter(store, items, parse_filter(query, now_iso=store.clock()))


def saved_query_for(store: Store, view: str, filter_query: str) -> str:
    """The query that saving the current view keeps: its status or saved query, plus the filter."""
    saved = store.get(view) if view not in VIEWS else None
    if isinstance(saved, SavedView):
        base = saved.query
    else:
        base = f"status:{view}" if view in ("new", "snoozed", "processed", "archived") else ""
    return f"{base} {filter_query}".strip()


def sentence(text: str) -> str:
    """The text with its first letter a capital and the rest as written: str.capitalize() also
    lowercases the rest, and a toast read 'search invoices by po reference' for the title the
    user typed, 'Search invoices by PO reference'."""
    return text[:1].upper() + text[1:]


def group_header(clusters: Sequence[duplicates.Cluster], number: int) -> tuple[str, str]:
    """The Likely duplicates view's header for group `number` (0-based): what the group is
    (Cluster.describe, the words `prodops duplicates` prints) and what to do with it; for a
    low-information group, what keeps an item out of it."""
    cluster = clusters[number]
    what = f"Group {number + 1} of {len(clusters)}: {plural(len(cluster), 'item')}, {cluster.describe()}"
    if cluster.low_information:
        rule = duplicates.LOW_INFORMATION_RULE
        return what, f"{sentence(rule)}. X marks the group, e archives it."
    return what, "X marks the group, m merges it into the oldest."


def view_tabs(
    store: Store,
    *,
    active: str,
    counts: dict[str, int],
    clusters: Sequence[Sequence[str]] | None,
    shown: int,
    filter_query: str,
    marked: int,
    sort: str = "received",
) -> Content:
    """The tab line: every view with its count, the typed filter, and how many items are marked."""
    tabs = []
    for view_id in view_ids(store):
        is_active = view_id == active
        if view_id == "duplicates":
            if clusters is None:
                label = f" {VIEW_LABELS[view_id]} … "
            else:
                # Items in groups worth reading; the short "good"/"wow" groups are counted apart.
                count = sum(len(c) for c in clusters if not getattr(c, "low_information", False))
                short = sum(len(c) for c in clusters if getattr(c, "low_information", False))
                label = f" {VIEW_LABELS[view_id]} {count}{f' +{short} short' if short else ''} "
        elif view_id in VIEWS:
            label = f" {view_id.capitalize()} {counts[view_id]} "
        else:  # a saved view: counted only when shown (each count is a pass over every item)
            saved = store.get(view_id)
            name = clean_line(saved.name) if isinstance(saved, SavedView) else view_id
            label = f" ★ {name}{f' {shown}' if is_active and not filter_query else ''} "
        tabs.append(Content.styled(label, "reverse bold $primary" if is_active else "$text-muted"))
    if filter_query:
        tabs.append(Content.assemble(("   filter: ", "$text-muted"), (clean_line(filter_query), "bold $accent"), f" ({shown})"))
    if sort != "received":
        tabs.append(Content.assemble(("   sorted by ", "$text-muted"), (SORT_LABELS[sort], "bold $accent")))
    if marked:
        tabs.append(Content.styled(f"   {marked} marked", "bold $accent"))
    elif not filter_query:
        tabs.append(Content.styled("   [ ] switch view", "$text-muted"))
    return Content("").join(tabs)
