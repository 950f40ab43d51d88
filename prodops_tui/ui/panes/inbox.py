"""Inbox (key 1): triage feedback with the keyboard — views, marks, one-key actions, undo."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import get_current_worker

from ...core.areas import learned
from ...core.areas.lookup import area_path, suggest_areas
from ...core.dates import DateParseError, display_datetime, from_iso
from ...core.errors import ProdopsError
from ...core.feedback import duplicates, inbox, loop, merge
from ...core.feedback.filters import apply_filter, delete_view, parse_filter, save_view
from ...core.feedback.duplicates import LookalikesTooBig, SimilarItem
from ...core.feedback.stored_lookalikes import Lookalikes, lookalike_lookup
from ...core.model import IMPORTANCE_LEVELS, FeedbackItem, Opportunity, ProductArea, SavedView, SyncState, record_number
from ...core.query import examples_for
from ...core.sync.state import SyncStatus, last_syncs
from ...core.text import clean_line, plural
from ..screens.feedback_form import FeedbackDraft, FeedbackForm
from ..screens.import_feedback import ImportScreen
from ..screens.opportunities import OpportunitiesScreen
from ..screens.pickers import ChoiceScreen, DateScreen, SearchPickerScreen, TextScreen
from ..sync_runner import start_sync_again
from ..widgets.feedback_detail import FeedbackDetail
from ..widgets.feedback_list import FeedbackList
from .base import Pane
from .inbox_choices import NEW_OPPORTUNITY, NO_AREA, area_options, merge_options, opportunity_options
from .inbox_views import (
    SORT_LABELS,
    SORTS,
    VIEWS,
    filtered,
    group_header,
    saved_query_for,
    sentence,
    sort_items,
    view_ids,
    view_items,
    view_tabs,
)

if TYPE_CHECKING:
    from ..app import ProdopsApp  # which imports this module

SCAN_QUIET_SECONDS = 1.5  # after a change, before rescanning for look-alikes
# Up to this many items the duplicate groups are found in the background from the start, so
# the Likely duplicates count is always known; above it (seconds of CPU shared with the
# screen) only once that view is opened.
CLUSTERS_ALWAYS_UP_TO = 25_000
# Above this many items, finding an item's look-alikes costs a key press 30 ms (100k), so the
# detail panel lists them once the cursor rests (a held `j` computes none in between).
SIMILAR_AT_ONCE_UP_TO = 5_000
SIMILAR_AFTER_REST_SECONDS = 0.25


def sync_line(status: SyncStatus) -> Content:
    """'⟳ github rails/rails  synced Tue 24 Nov 2026 14:02 · 12 arrived, 3 updated', and why the
    last run stopped when it did not finish (the next `prodops sync` goes on from there)."""
    try:
        when = f"synced {display_datetime(status.synced_at)}" if status.synced_at else "not synced yet"
    except DateParseError:
        when = "synced at an unreadable time"
    counts = f"{status.arrived:,} arrived" + (f", {status.updated:,} updated" if status.updated else "")
    parts: list[str | tuple[str, str]] = [("⟳ ", "$accent"), (clean_line(status.source), "bold"), (f"  {when} · ", "$text-muted"),
                                          (counts, "$text-muted")]
    if not status.finished:
        parts.append((f" · stopped: {clean_line(status.stopped) or 'before the last page'}", "$warning"))
    return Content.assemble(*parts)


class InboxPane(Pane):
    TITLE = "Inbox"
    # Feedback, the path of each item's area (the list, the detail, area: filters), its
    # opportunity's title (the detail) and the saved views (the tabs). No person is shown:
    # triaged_by is a name as written, and owner: never applies to feedback. The sync states (the
    # header's line per synced source): a sync that found nothing new changes only its state.
    SHOWS_KINDS = frozenset({FeedbackItem.PREFIX, ProductArea.PREFIX, Opportunity.PREFIX, SavedView.PREFIX, SyncState.PREFIX})

    BINDINGS = [
        # enter in the list opens the item (list.open, which wins there); with the detail panel
        # focused (tab), it copies the item's link. First, so the footer shows it there at any width.
        Binding("enter", "copy_link", "Copy link (detail)", id="inbox.copy_link",
                tooltip="With the detail panel focused (tab): the item's link to the clipboard, and shown"),
        Binding("right_square_bracket", "switch_view(1)", "Next view", key_display="]", id="inbox.next_view", tooltip="New, Snoozed, Processed, Archived, All, Likely duplicates"),
        Binding("left_square_bracket", "switch_view(-1)", "Previous view", key_display="[", show=False, id="inbox.previous_view"),
        Binding("a", "set_area", "Area", id="inbox.area", tooltip="Set the product area: the areas suggested from the text come first, with the words that matched"),
        Binding("t", "tags", "Tags", id="inbox.tags", tooltip="Tags: export, ux adds them; -ux removes one"),
        Binding("i", "importance", "Importance", id="inbox.importance", tooltip="1-4 for low, medium, high, critical"),
        Binding("s", "snooze", "Snooze", id="inbox.snooze", tooltip="Hide until a date: 3d, 2w, next monday, 2026-12-01 (the date is shown before it applies)"),
        Binding("e", "archive", "Archive", id="inbox.archive", tooltip="Done: archive"),
        Binding("p", "processed", "Processed", id="inbox.processed", tooltip="Mark processed without archiving"),
        Binding("o", "link_opportunity", "Opportunity", id="inbox.opportunity", tooltip="Link to an opportunity, or type a title to create one (one undo step)"),
        Binding("m", "merge", "Merge", id="inbox.merge", tooltip="Merge into a duplicate: likely duplicates are offered first; nothing is deleted"),
        Binding("r", "cycle_sort", "Sort", id="inbox.sort", tooltip="Order by received (newest first), importance, or area"),
        Binding("X", "mark_group", "Mark group", show=False, id="inbox.mark_group",
                tooltip="Likely duplicates: mark the whole group under the cursor (then m merges it, e archives it)"),
        Binding("n", "new_item", "New", id="inbox.new", tooltip="Capture a new feedback item (a form)"),
        Binding("I", "import_feedback", "Import", id="inbox.import", tooltip="Import a CSV/JSON/JSONL export (checked first)"),
        Binding("R", "sync_again", "Sync", id="inbox.sync",
                tooltip="Sync again every tracker this workspace synced, and the GitHub issues opportunities link to (tokens from $GITHUB_TOKEN, $GITLAB_TOKEN, $JIRA_TOKEN)"),
        Binding("O", "show_opportunities", "Opportunities", id="inbox.opportunities", tooltip="Every opportunity, its volume and who asked"),
        Binding("f", "filter", "Filter", id="inbox.filter", tooltip="Narrow this view: area:billing tag:export since:2w words"),
        Binding("S", "save_view", "Save view", id="inbox.save_view", tooltip="Keep this view and filter under a name"),
        Binding("D", "delete_view", "Delete view", id="inbox.delete_view", tooltip="Delete the saved view shown (u undoes)"),
    ]

    view: reactive[str] = reactive("new", init=False)  # a status view, "duplicates", or a SavedView id
    filter_query: reactive[str] = reactive("", init=False)
    sort: reactive[str] = reactive("received", init=False)  # one of SORTS

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(store, id=id)
        self._counts: dict[str, int] = {}  # per view, recomputed when the store changes
        # Built in a worker, never on the event loop; None until the first scan lands.
        self._duplicate_index: Lookalikes | None = None
        self._clusters: list[duplicates.Cluster] | None = None
        self._scanned_revision = -1
        self._lookalikes_off: str | None = None  # why there are none (LookalikesTooBig), until a scan succeeds
        self._rescan_timer: Timer | None = None  # a scan waiting for a quiet moment
        self._scans_queued = 0  # scans waiting for the next frame (scan_pending)
        self._similar_timer: Timer | None = None  # look-alikes waiting for the cursor to rest
        self._views_shown: tuple | None = None  # what the view line shows now (see _show_views)
        self._syncs_shown: tuple[SyncStatus, ...] | None = None  # what the sync lines show now
        # Items a nudge or a figure counts that no filter can say (show_items): listed alone,
        # under what they are, until the view changes.
        self._only: frozenset[str] | None = None
        self._only_label = ""
        self._loading_every_item = False  # the view waits for every item to load (refresh_view)

    def compose(self) -> ComposeResult:
        yield Static(id="inbox-syncs")  # hidden until a source is synced (prodops sync)
        yield Static(id="inbox-views")
        with Horizontal(id="inbox-body"):
            yield FeedbackList(area_path=self._area_path, id="feedback-list")
            yield FeedbackDetail(id="detail")

    def on_mount(self) -> None:
        # Textual calls Pane.on_mount itself (it walks the class's bases for handlers):
        # calling it here too rendered the pane twice at start (0.3 s at 100k items).
        self.focus_default()

    def focus_default(self) -> None:
        self.feedback_list.focus()

    def _area_path(self, area_id: str | None) -> str:
        return area_path(self.store, area_id) if area_id else ""

    @property
    def feedback_list(self) -> FeedbackList:
        return self.query_one(FeedbackList)

    # --- rendering from the core ------------------------------------------------

    def refresh_view(self, *, keep_cursor: bool = True) -> None:
        """Re-read the view from the core; the cursor stays on its item, unless the view or the
        filter changed (`keep_cursor=False`): then it starts at the top."""
        listing = self.feedback_list
        current = listing.current.id if listing.current and keep_cursor else None
        bands = {item_id: n for n, cluster in enumerate(self._clusters or []) for item_id in cluster} if self.view == "duplicates" else None
        listing.show_snoozed = self.view == "snoozed"
        counts: dict[str, int] = {}
        self._loading_every_item = False
        items: Sequence[FeedbackItem]
        if self._by_page:
            # At 100k items a status view newest first is read from the cache's columns, and an
            # item is built when its row is drawn: the app holds a page, not every item.
            items, counts = inbox.view_pages(self.store, status=self.view, sort=self.sort)
        elif self._needs_every_item and not cast("ProdopsApp", self.app).with_every_feedback_item("this view"):
            items, self._loading_every_item = [], True  # listed once they are loaded (the store's news)
        else:
            items = self._items_in_view(counts=counts)
        titles = [group_header(self._clusters, n)[0] for n in range(len(self._clusters))] if bands and self._clusters else []
        listing.show(items, from_iso(self.store.clock()), keep=current, bands=bands, group_titles=titles)
        self._counts = counts or inbox.counts_by_view(self.store)
        self._show_views()
        self._show_syncs()
        clusters_missing = self._clusters is None and self._clusters_wanted and self._lookalikes_off is None
        if self._scanned_revision != self.store.revision or clusters_missing:
            self._schedule_duplicate_scan(now=self._duplicate_index is None or clusters_missing)

    @property
    def _by_page(self) -> bool:
        """The items are not in memory (the app at 100k) and the view is a status view in any
        order, unfiltered: it is read a page at a time."""
        return (not self.store.loaded(FeedbackItem) and self.view in inbox.VIEW_STATUSES and not self.filter_query
                and self._only is None)

    @property
    def _needs_every_item(self) -> bool:
        """What the view lists is worked out over every item (a filter, a saved view), and
        they are not in memory. The items a nudge or a figure names (show_items) and
        the groups of Likely duplicates are read alone."""
        return not self.store.loaded(FeedbackItem) and self._only is None and self.view != "duplicates"

    def _items_in_view(self, *, with_filter: bool = True, counts: dict[str, int] | None = None) -> list[FeedbackItem]:
        if self.view not in view_ids(self.store):
            self.set_reactive(InboxPane.view, "new")  # its saved view was deleted, here or elsewhere
        try:
            if self._only is not None and not self.store.loaded(FeedbackItem):
                items = sorted(self.store.get_many(FeedbackItem, sorted(record_number(item_id) for item_id in self._only)),
                               key=lambda item: (item.received_at, item.number), reverse=True)  # as a view lists them
            else:
                items = view_items(self.store, self.view, self._clusters, counts)
            if self._only is not None:
                items = [item for item in items if item.id in self._only]
            items = filtered(self.store, items, self.filter_query) if with_filter and self.filter_query else items
            return sort_items(self.store, items, self.sort) if self.view != "duplicates" else items
        except ProdopsError as exc:
            self.notify(str(exc), title="Filter", severity="error")
            return []

    def _show_views(self) -> None:
        counts = self._counts or inbox.counts_by_view(self.store)
        width = (self.size.width or self.app.size.width) - 2  # the line's margins
        shown = (self.store.revision, self.view, tuple(counts.items()), id(self._clusters), len(self.feedback_list.items),
                 self.filter_query, len(self.feedback_list.marked), self.sort, width, self._only, self._only_label)
        if shown == self._views_shown:
            return  # called on every cursor move: an unchanged line must not cost a layout pass
        self._views_shown = shown
        self.query_one("#inbox-views", Static).update(
            view_tabs(
                self.store,
                active=self.view,
                counts=counts,
                clusters=self._clusters,
                shown=len(self.feedback_list.items),
                filter_query=self.filter_query,
                marked=len(self.feedback_list.marked),
                sort=self.sort,
                width=width,
                only=self._only_label if self._only is not None else None,
            )
        )

    def on_resize(self) -> None:
        self._show_views()  # the tabs take the longest labels that fit the new width

    def _show_syncs(self) -> None:
        """One line per synced source, above the views: when it last synced and what arrived, so
        a PM knows how fresh the tracker's issues in the inbox are. Hidden with no sync."""
        syncs = tuple(last_syncs(self.store))
        if syncs == self._syncs_shown:
            return
        self._syncs_shown = syncs
        line = self.query_one("#inbox-syncs", Static)
        line.display = bool(syncs)
        line.update(Content("\n").join(sync_line(status) for status in syncs))

    def reveal(self, item_id: str) -> None:
        """Search chose this item: its status view, no filter, the cursor on it."""
        item = self.store.get(item_id)
        if not isinstance(item, FeedbackItem):
            return
        self._only = None
        self.set_reactive(InboxPane.view, item.view_status(self.store.clock()))
        self.set_reactive(InboxPane.filter_query, "")
        self.feedback_list.marked.clear()
        self.refresh_view()
        index = self.feedback_list.index_of(item_id)
        if index is not None:
            self.feedback_list.cursor = index
        self.focus_default()

    def show_items(self, ids: Collection[str], label: str) -> None:
        """List exactly these items (whatever their status), under `label`: what a nudge or a
        figure counts when no filter says which they are ("118 new feedback items waiting more
        than 1 day" is not status:new, which holds items an hour old). A filter (f) narrows them;
        another view (] [) lists its own items again."""
        self._only, self._only_label = frozenset(ids), clean_line(label)
        self.set_reactive(InboxPane.view, "all")
        self.set_reactive(InboxPane.filter_query, "")
        self.feedback_list.marked.clear()
        self.feedback_list.cursor = 0
        self.refresh_view(keep_cursor=False)

    def watch_view(self) -> None:
        self._only = None
        self.feedback_list.marked.clear()
        self.feedback_list.cursor = 0
        self.refresh_view(keep_cursor=False)

    def watch_filter_query(self) -> None:
        self.feedback_list.cursor = 0
        self.refresh_view(keep_cursor=False)

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.notify(f"Sorted by {SORT_LABELS[self.sort]}", title="Inbox")

    def watch_sort(self) -> None:
        self.refresh_view()  # it keeps the cursor on the item it was on

    def on_feedback_list_highlighted(self, event: FeedbackList.Highlighted) -> None:
        self._show_views()  # marking moves the cursor, so the marked count stays current
        self._show_detail(event.item)

    def _show_detail(self, item: FeedbackItem | None, *, found: list[SimilarItem] | None = None) -> None:
        """The item in the detail panel; its look-alikes `found` by a worker, else at once in a
        small inbox, else once the cursor rests (a worker then reads them from lookalikes.sqlite)."""
        if self._similar_timer is not None:
            self._similar_timer.stop()
            self._similar_timer = None
        similar = found
        index = self._duplicate_index
        if item is not None and index is not None and found is None:
            if len(index) <= SIMILAR_AT_ONCE_UP_TO:
                try:
                    similar = index.similar_to(item.id)
                except ProdopsError:
                    similar = None  # newer than the index: the next scan covers it
            else:
                self._similar_timer = self.wait_for_rest(lambda: self._show_similar(item.id))
        opportunity = self.store.get(item.opportunity) if item and item.opportunity else None
        empty = "Inbox zero: nothing waits for triage." if self.view == "new" else "Nothing here."
        if item is None and not self.store.count(FeedbackItem):  # asked only for an empty list: at 100k a count is a query
            empty = ("No feedback yet. n captures an item, I imports an export (app-store reviews, support tweets, a CSV), "
                     "and from a shell: pbpaste | prodops capture - --source call")
        if self.view == "duplicates" and self._clusters is None:
            empty = self._lookalikes_off or "Looking for likely duplicates…"
        if self._loading_every_item:
            empty = "Loading every item for this view…"
        group = self.feedback_list.bands.get(item.id) if item is not None and self.view == "duplicates" else None
        self.query_one(FeedbackDetail).show(
            item,
            now_iso=self.store.clock(),
            area=self._area_path(item.area) if item else "",
            opportunity=opportunity if isinstance(opportunity, Opportunity) else None,
            customers=merge.customers_of(self.store, item) if item and item.merged_from else (),
            similar=similar,
            similar_off=self._lookalikes_off if similar is None else None,
            empty_message=empty,
            group=group_header(self._clusters, group) if self._clusters and group is not None and group < len(self._clusters) else (),
            told=loop.told_for_feedback(self.store, item) if item is not None else (),
        )

    def wait_for_rest(self, then: Callable[[], None]) -> Timer:
        """Call `then` once the cursor has rested SIMILAR_AFTER_REST_SECONDS: a Textual timer,
        which the next cursor move stops. A test puts its own in its place and says when the
        rest is over, so it never waits on the wall clock (as PhaseTimer.clock is injected)."""
        return self.set_timer(SIMILAR_AFTER_REST_SECONDS, then)

    def _show_similar(self, item_id: str) -> None:
        """The cursor rested on `item_id`: its look-alikes, found off the event loop (at 100,000
        items reading them from lookalikes.sqlite takes tens of milliseconds)."""
        self._similar_timer = None
        current = self.feedback_list.current
        if current is not None and current.id == item_id and self._duplicate_index is not None:
            self._find_similar(item_id, self._duplicate_index)

    @work(thread=True, exclusive=True, group="similar", exit_on_error=False)
    def _find_similar(self, item_id: str, index: Lookalikes) -> None:
        try:
            found = index.similar_to(item_id)
        except ProdopsError:
            return  # newer than the index: the next scan covers it
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._similar_found, item_id, found)

    def _similar_found(self, item_id: str, found: list[SimilarItem]) -> None:
        current = self.feedback_list.current
        if current is not None and current.id == item_id:  # the cursor has not moved on
            self._show_detail(current, found=found)

    # --- the duplicate scan, in a worker ----------------------------------------

    @property
    def scan_pending(self) -> bool:
        """A look-alike scan waits for the next frame to start: no worker runs it yet, so what
        waits for the app's workers to land (the tests' settle) must wait for this too. A scan
        waiting for a quiet moment after a change (SCAN_QUIET_SECONDS) is not counted."""
        return self._scans_queued > 0

    @property
    def _clusters_wanted(self) -> bool:
        return self.view == "duplicates" or self.store.count(FeedbackItem) <= CLUSTERS_ALWAYS_UP_TO

    def _schedule_duplicate_scan(self, *, now: bool) -> None:
        """At 100k items a scan is seconds of CPU, so after a change it waits for a quiet
        moment: each change restarts the wait (a timer, not a sleeping thread)."""
        if self._rescan_timer is not None:
            self._rescan_timer.stop()

        def scan() -> None:
            self._rescan_timer = None
            self._scan_duplicates(self.store.revision, clusters_wanted=self._clusters_wanted)

        def scan_after_refresh() -> None:
            self._scans_queued -= 1
            scan()

        if now:
            # Not before the frame being drawn: the scan competes for the GIL.
            if self.call_after_refresh(scan_after_refresh):  # False: the pane is closing, nothing is queued
                self._scans_queued += 1
        else:
            self._rescan_timer = self.set_timer(SCAN_QUIET_SECONDS, scan)

    @work(thread=True, exclusive=True, group="duplicate-scan", exit_on_error=False)
    def _scan_duplicates(self, revision: int, *, clusters_wanted: bool) -> None:
        """Bring lookalikes.sqlite up to date (and the clusters, when the view shows them); a
        newer scan cancels this one (exclusive worker). It reads only the items changed since it
        was stored, and hands over a fresh look-up that reads an item's look-alikes from the
        tables (no index of every item in memory); the UI thread keeps asking the one it has
        until then."""
        worker = get_current_worker()
        try:
            index, clusters = lookalike_lookup(self.store, with_groups=clusters_wanted, should_stop=lambda: worker.is_cancelled)
        except LookalikesTooBig as exc:  # asked before anything is read: the app stays as it was
            if not worker.is_cancelled:
                self.app.call_from_thread(self._lookalikes_unavailable, revision, str(exc))
            return
        if not worker.is_cancelled:
            learned.examples(self.store)  # the area suggestions' profiles, built here rather than on the first `a`
        if not worker.is_cancelled:
            self.app.call_from_thread(self._duplicates_scanned, revision, index, clusters)

    def _lookalikes_unavailable(self, revision: int, why: str) -> None:
        """Said once in a toast and kept in the panel; the next change tries again (it may have
        freed memory or items)."""
        if self._lookalikes_off != why:
            self.notify(why, title="Look-alikes", severity="warning", timeout=10, markup=False)
        self._lookalikes_off, self._scanned_revision = why, revision
        self._show_views()
        self._show_detail(self.feedback_list.current)

    def _duplicates_scanned(self, revision: int, index: Lookalikes, clusters: list[duplicates.Cluster] | None) -> None:
        self._lookalikes_off = None
        self._duplicate_index, self._scanned_revision = index, revision
        self._clusters = clusters  # None: not computed for this revision
        if self.view == "duplicates":
            self.refresh_view()
        else:
            self._show_views()
            self._show_detail(self.feedback_list.current)

    # --- triage: key → picker → core → store → every pane re-renders ------------

    def _apply(self, triage: inbox.Triage) -> None:
        ids = self.feedback_list.targets()
        if not ids:
            self.app.bell()
            return
        if self.store_change(lambda: inbox.update(self.store, ids, triage, origin="app"),
                             lambda changed: sentence(triage.label(self.store, len(changed))), title="Triage") is not None:
            self.feedback_list.marked.clear()  # a refused change keeps the marks, to try again

    def action_mark_group(self) -> None:
        """In Likely duplicates: mark every item of the group under the cursor, so one m merges
        it or one e archives it (the short, low-information groups are there to be cleared)."""
        current = self.feedback_list.current
        group = next((c for c in self._clusters or [] if current and current.id in c), None) if self.view == "duplicates" else None
        if group is None:
            self.notify("In Likely duplicates (]), X marks the whole group under the cursor.", title="Inbox")
            return
        self.feedback_list.marked |= set(group)
        self.feedback_list.refresh()
        self._show_views()

    def action_switch_view(self, step: int) -> None:
        views = view_ids(self.store)
        index = views.index(self.view) if self.view in views else 0
        self.view = views[(index + step) % len(views)]

    def action_filter(self) -> None:
        # A filter is worked out over every item: at 100k they start loading while it is typed.
        cast("ProdopsApp", self.app).with_every_feedback_item("the filter")

        def hint(query: str) -> Content:
            if not query.strip():
                return Content(examples_for("feedback"))
            try:
                parsed = parse_filter(query, now_iso=self.store.clock())
            except ProdopsError as exc:
                return Content.styled(str(exc), "$error")
            if not self.store.loaded(FeedbackItem):
                return Content.styled("the count of matches shows once every item is loaded", "$text-muted")
            count = len(apply_filter(self.store, self._items_in_view(with_filter=False), parsed))
            notes = f"  ({'; '.join(parsed.hints)})" if parsed.hints else ""
            return Content.assemble((f"{plural(count, 'item')} {'matches' if count == 1 else 'match'}", "bold $success"), (notes, "$warning"))

        def apply(query: str | None) -> None:
            if query is not None:
                self.filter_query = query.strip()

        self.app.push_screen(TextScreen("Filter this view (empty clears it)", value=self.filter_query, hint=hint), apply)

    def action_save_view(self) -> None:
        query = saved_query_for(self.store, self.view, self.filter_query)
        if not query:
            self.notify("Filter the view first (f): a saved view keeps a filter under a name.", title="Save view")
            return

        def save(name: str | None) -> None:
            if not name:
                return
            try:
                view = save_view(self.store, name, query, origin="app")
            except ProdopsError as exc:
                self.notify(str(exc), title="Not saved", severity="error")
                return
            self.set_reactive(InboxPane.filter_query, "")
            self.view = view.id
            self.notify(f"Saved view {view.name}: {query}", title="Views")

        self.app.push_screen(TextScreen(f"Name for the view “{query}”", placeholder="e.g. Billing, urgent"), save)

    def action_delete_view(self) -> None:
        if self.view in VIEWS:
            self.notify("Only a saved view (★) can be deleted.", title="Views")
            return
        try:
            view = delete_view(self.store, self.view, origin="app")
        except ProdopsError as exc:
            self.notify(str(exc), title="Not deleted", severity="error")
            return
        self.view = "new"
        self.notify(f"Deleted view {view.name} — u undoes", title="Views")

    def action_archive(self) -> None:
        self._apply(inbox.Triage(status="archived"))

    def action_processed(self) -> None:
        self._apply(inbox.Triage(status="processed"))

    def action_importance(self) -> None:
        def set_importance(level: str | None) -> None:
            if level:
                self._apply(inbox.Triage(importance=level))

        current = self.feedback_list.current
        choices = [(level, level) for level in IMPORTANCE_LEVELS]
        self.app.push_screen(
            ChoiceScreen(f"Importance of {self._what()}", choices, current.importance if current else None),
            set_importance,
        )

    def action_snooze(self) -> None:
        def snooze(when: str | None) -> None:
            if when:
                self._apply(inbox.Triage(snooze=when))

        self.app.push_screen(DateScreen(f"Snooze {self._what()} until", from_iso(self.store.clock())), snooze)

    def action_tags(self) -> None:
        if not cast("ProdopsApp", self.app).with_every_feedback_item("the tags in use", self.action_tags):
            return  # asked again once they are loaded
        known = Counter(tag for item in self.store.all(FeedbackItem) for tag in item.tags)

        def hint(value: str) -> Content:
            last = value.split(",")[-1].strip().lstrip("-#").casefold()
            matches = [tag for tag, _ in known.most_common() if tag.startswith(last)][:8] if last else [t for t, _ in known.most_common(8)]
            return Content("known: " + ", ".join(matches) if matches else "a new tag")

        def apply(value: str | None) -> None:
            if not value:
                return
            words = [w.strip() for w in value.split(",") if w.strip()]
            add = [w for w in words if not w.startswith("-")]
            remove = [w[1:] for w in words if w.startswith("-")]
            self._apply(inbox.Triage(add_tags=add, remove_tags=remove))

        self.app.push_screen(TextScreen(f"Tags for {self._what()}", placeholder="export, ux, -bug (a minus removes)", hint=hint), apply)

    def action_set_area(self) -> None:
        current = self.feedback_list.current
        suggestions = suggest_areas(self.store, f"{current.title}\n{current.text}", exclude=current.id, fresh=False) if current else []

        def apply(area_id: str | None) -> None:
            if area_id:
                self._apply(inbox.Triage(area="" if area_id == NO_AREA else area_id))

        self.app.push_screen(SearchPickerScreen(f"Area for {self._what()}", lambda query: area_options(self.store, suggestions, query), placeholder="type part of a path or a glossary term"), apply)

    def action_link_opportunity(self) -> None:
        def apply(choice: str | None) -> None:
            if choice is None:
                return
            if choice.startswith(NEW_OPPORTUNITY):
                self._apply(inbox.Triage(new_opportunity=choice.removeprefix(NEW_OPPORTUNITY)))
            else:
                self._apply(inbox.Triage(opportunity=choice))

        self.app.push_screen(
            SearchPickerScreen(f"Opportunity for {self._what()}", lambda query: opportunity_options(self.store, query),
                               placeholder="type to find one, or a title to create it"),
            apply,
        )

    def action_merge(self) -> None:
        targets = self.feedback_list.targets()
        current = self.feedback_list.current
        if not targets or current is None:
            self.app.bell()
            return
        try:
            similar = self._duplicate_index.similar_to(current.id, limit=8) if self._duplicate_index else []
        except ProdopsError:  # newer than the look-alikes stored, or their file damaged: the picker still searches
            similar = []
        index = cast("ProdopsApp", self.app).search_index

        def apply(into: str | None) -> None:
            if not into:
                return
            if self.store_change(lambda: merge.merge(self.store, targets, into, origin="app"),
                                 lambda survivor: f"Merged {len(targets)} into {survivor.id}; every text is kept",
                                 title="Merge", failed="Not merged") is not None:
                self.feedback_list.marked.clear()

        self.app.push_screen(
            SearchPickerScreen(f"Merge {self._what()} into…", lambda query: merge_options(self.store, similar, targets, query, index),
                               placeholder="likely duplicates below; type an id or words to find any item"),
            apply,
        )

    def action_copy_link(self) -> None:
        """The link of the item under the cursor, to the clipboard (OSC 52) and in a toast: a
        terminal that ignores OSC 52 (macOS Terminal) still shows it to select."""
        current = self.feedback_list.current
        if current is None:
            self.app.bell()
            return
        link = clean_line(current.url)  # as the panel shows it: no escape sequence reaches the clipboard
        if not link:
            self.notify(f"{current.id} has no link: imported and synced items keep the one they came with",
                        title="Copy link", markup=False)
            return
        self.app.copy_to_clipboard(link)
        self.notify(link, title=f"Link of {current.id} copied", markup=False)

    def action_show_opportunities(self, keep: str | None = None) -> None:
        self.app.push_screen(OpportunitiesScreen(self.store, keep=keep))

    def action_sync_again(self) -> None:
        start_sync_again(self.app, self.store)

    def action_import_feedback(self) -> None:
        self.app.push_screen(ImportScreen(self.store))

    def action_new_item(self) -> None:
        def capture(draft: FeedbackDraft | None) -> None:
            if draft is None:
                return
            self.store_change(lambda: inbox.capture(self.store, draft.text, title=draft.title, customer=draft.customer,
                                                    source=draft.source, received=draft.received or None, origin="app"),
                              lambda item: f"Captured {item.id}", title="New feedback", failed="Not captured")

        self.app.push_screen(FeedbackForm(from_iso(self.store.clock())), capture)

    def on_feedback_list_opened(self, event: FeedbackList.Opened) -> None:
        item_id = event.item.id

        def save(draft: FeedbackDraft | None) -> None:
            if draft is None:
                return
            self.store_change(lambda: inbox.edit(self.store, item_id, text=draft.text, title=draft.title, customer=draft.customer,
                                                 source=draft.source, received=draft.received or None, origin="app"),
                              f"Saved {item_id}", title="Edit", failed="Not saved")

        self.app.push_screen(FeedbackForm(from_iso(self.store.clock()), event.item), save)

    def _what(self) -> str:
        count = len(self.feedback_list.targets())
        return plural(count, "item") if count > 1 else (self.feedback_list.current.id if self.feedback_list.current else "nothing")

