"""The inbox's views: the status views, likely duplicates, and saved views (★), with their tabs."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from ...core.feedback import duplicates, inbox
from ...core.feedback.filters import apply_filter, parse_filter, saved_views
from ...core.model import FeedbackItem, SavedView, record_number
from ...core.storage.store import Store
from ...core.text import clean_line, plural, truncate

VIEWS = ("new", "snoozed", "processed", "archived", "all", "duplicates")
SORTS = ("received", "importance", "area")
SORT_LABELS = {"received": "received, newest first", "importance": "importance, most first", "area": "area"}
VIEW_LABELS = {"duplicates": "Likely duplicates"}


def view_ids(store: Store) -> list[str]:
    return [*VIEWS, *(view.id for view in saved_views(store))]


def view_items(store: Store, view: str, clusters: Sequence[Sequence[str]] | None,
               counts: dict[str, int] | None = None) -> list[FeedbackItem]:
    """What a view lists, before any typed filter. Raises ProdopsError for a saved query that no longer parses.
    `counts` is filled with the tabs' counts when the view passes over every item anyway."""
    if view == "duplicates":
        # Cluster after cluster, each oldest first: mark a cluster with x, then m.
        # Read together: at 100k items the groups' members are not in memory, and one at a time
        # each was a read of the cache.
        ids = [item_id for cluster in clusters or [] for item_id in cluster]
        found = {item.id: item for item in store.get_many(FeedbackItem, [record_number(item_id) for item_id in ids])}
        return [found[item_id] for item_id in ids if item_id in found]
    saved = store.get(view) if view not in VIEWS else None
    if isinstance(saved, SavedView):
        return filtered(store, inbox.list_feedback(store, status="all", counts=counts), saved.query)
    return inbox.list_feedback(store, status=view, counts=counts)


def sort_items(store: Store, items: list[FeedbackItem], sort: str) -> list[FeedbackItem]:
    """The view's items in the chosen order. Views come newest first, and a sort is stable, so
    each order keeps newest first among equals."""
    if sort == "received":
        return items
    field = inbox.SORTED_BY[sort]
    key = inbox.sort_key(store, sort, (getattr(item, field) for item in items))  # as a view read by page is ordered
    return sorted(items, key=lambda item: key(getattr(item, field)))


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


# The tab labels from the longest to the shortest: the line takes the first that fits its width
# (an 80-column terminal cut "Likely duplicates" and its count off the end).
DUPLICATES_LABELS = ("Likely duplicates", "Duplicates", "Dups")
SHORT_LABELS = {"new": "New", "snoozed": "Snz", "processed": "Proc", "archived": "Arch", "all": "All"}
SAVED_NAME_CELLS = 12  # a saved view's name in the shortest forms
SWITCH_HINT = "[ ] switch view"


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
    width: int = 1_000,
    only: str | None = None,
) -> Content:
    """Two lines: every view with its count, in the longest form that fits `width` cells; then
    what narrows or orders the list — the typed filter and its count, the marks, the sort — on a
    line of its own, so it shows at any width (at 80 columns a filter after the tabs was cut off).
    `only`: what the listed items are when a nudge or a figure chose them (InboxPane.show_items)."""
    forms = [_tab_line(store, form, active=active, counts=counts, clusters=clusters, shown=shown, filter_query=filter_query)
             for form in range(4)]
    tabs = next((line for line in forms if line.cell_length <= width), forms[-1])
    state: list[Content] = []
    if only is not None:
        state.append(Content.assemble(("showing ", "$text-muted"), (only, "bold $accent"),
                                      f" ({shown})" if not filter_query else "", ("  ] lists a view again", "$text-muted")))
    if filter_query:
        state.append(Content.assemble(("filter: ", "$text-muted"), (clean_line(filter_query), "bold $accent"), f" ({shown})"))
    if marked:
        state.append(Content.styled(f"{marked} marked", "bold $accent"))
    if sort != "received":
        state.append(Content.assemble(("sorted by ", "$text-muted"), (SORT_LABELS[sort], "bold $accent")))
    hint = Content.styled(f"   {SWITCH_HINT}", "$text-muted")
    if not state and tabs.cell_length + hint.cell_length <= width:
        tabs += hint
    elif not state:
        state.append(Content.styled(f"{SWITCH_HINT} · f filters", "$text-muted"))
    return Content("\n").join([tabs, Content("  ·  ").join(state)])


def _tab_line(store: Store, form: int, *, active: str, counts: dict[str, int], clusters: Sequence[Sequence[str]] | None,
              shown: int, filter_query: str) -> Content:
    """The tabs in form 0 (full labels) to 3 (short labels, only the active saved view named)."""
    tabs = []
    hidden_saved = 0
    for view_id in view_ids(store):
        is_active = view_id == active
        if view_id == "duplicates":
            name = DUPLICATES_LABELS[min(form, len(DUPLICATES_LABELS) - 1)]
            if clusters is None:
                label = f" {name} … "
            else:
                # Items in groups worth reading; the short "good"/"wow" groups are counted apart.
                count = sum(len(c) for c in clusters if not getattr(c, "low_information", False))
                short = sum(len(c) for c in clusters if getattr(c, "low_information", False))
                extra = (f" +{short} short" if form == 0 else f" +{short}") if short else ""
                label = f" {name} {count}{extra} "
        elif view_id in VIEWS:
            label = f" {view_id.capitalize() if form < 2 else SHORT_LABELS[view_id]} {counts[view_id]} "
        else:  # a saved view: counted only when shown (each count is a pass over every item)
            if form == 3 and not is_active:
                hidden_saved += 1
                continue
            saved = store.get(view_id)
            name = clean_line(saved.name) if isinstance(saved, SavedView) else view_id
            name = truncate(name, SAVED_NAME_CELLS) if form >= 2 else name
            label = f" ★ {name}{f' {shown}' if is_active and not filter_query else ''} "
        tabs.append(Content.styled(label, "reverse bold $primary" if is_active else "$text-muted"))
    if hidden_saved:
        tabs.append(Content.styled(f" ★+{hidden_saved} ", "$text-muted"))
    return Content("").join(tabs)
