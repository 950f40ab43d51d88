"""Inbox (key 1): triage feedback with the keyboard — views, marks, one-key actions, undo."""

from __future__ import annotations

from collections import Counter
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from ...core import inbox
from ...core.areas import area_path, find_areas, suggest_areas
from ...core.dates import from_iso
from ...core.errors import ProdopsError
from ...core.model import IMPORTANCE_LEVELS, FeedbackItem
from ...core.text import clean_line, clean_text
from ..screens.feedback_form import FeedbackDraft, FeedbackForm
from ..screens.pickers import ChoiceScreen, DateScreen, SearchPickerScreen, TextScreen
from ..widgets.feedback_list import FeedbackList
from .base import Pane, lines

VIEWS = ("new", "snoozed", "processed", "archived", "all")
NO_AREA = "-"


class InboxPane(Pane):
    TITLE = "Inbox"

    BINDINGS = [
        Binding("right_square_bracket", "switch_view(1)", "Next view", key_display="]", id="inbox.next_view", tooltip="New, Snoozed, Processed, Archived, All"),
        Binding("left_square_bracket", "switch_view(-1)", "Previous view", key_display="[", show=False, id="inbox.previous_view"),
        Binding("a", "set_area", "Area", id="inbox.area", tooltip="Set the product area (suggested from the text)"),
        Binding("t", "tags", "Tags", id="inbox.tags", tooltip="Add tags; -tag removes one"),
        Binding("i", "importance", "Importance", id="inbox.importance", tooltip="low, medium, high, critical"),
        Binding("s", "snooze", "Snooze", id="inbox.snooze", tooltip="Hide until a date: 3d, 2w, next monday"),
        Binding("e", "archive", "Archive", id="inbox.archive", tooltip="Done: archive"),
        Binding("p", "processed", "Processed", id="inbox.processed", tooltip="Mark processed without archiving"),
        Binding("n", "new_item", "New", id="inbox.new", tooltip="Capture a new feedback item (a form)"),
    ]

    view: reactive[str] = reactive("new", init=False)

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(store, id=id)
        self._counts: dict[str, int] = {}  # per view, recomputed when the store changes

    def compose(self) -> ComposeResult:
        yield Static(id="inbox-views")
        with Horizontal(id="inbox-body"):
            yield FeedbackList(area_path=self._area_path, id="feedback-list")
            with VerticalScroll(id="feedback-detail"):
                yield Static(id="detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(FeedbackList).focus()

    def _area_path(self, area_id: str | None) -> str:
        return area_path(self.store, area_id) if area_id else ""

    @property
    def feedback_list(self) -> FeedbackList:
        return self.query_one(FeedbackList)

    # --- rendering from the core ------------------------------------------------

    def refresh_view(self) -> None:
        listing = self.feedback_list
        current = listing.current.id if listing.current else None
        listing.show(inbox.list_feedback(self.store, status=self.view), from_iso(self.store.clock()), keep=current)
        self._counts = inbox.counts_by_view(self.store)
        self._show_views()

    def _show_views(self) -> None:
        """The view tabs with live counts, and how many items are marked."""
        counts = self._counts or inbox.counts_by_view(self.store)
        tabs = []
        for view in VIEWS:
            label = f" {view.capitalize()} {counts[view]} "
            tabs.append(Content.styled(label, "reverse bold $primary" if view == self.view else "$text-muted"))
        marked = len(self.feedback_list.marked)
        hint = Content.styled(f"   {marked} marked" if marked else "   [ ] switch view", "bold $accent" if marked else "$text-muted")
        self.query_one("#inbox-views", Static).update(Content("").join([*tabs, hint]))

    def watch_view(self) -> None:
        self.feedback_list.marked.clear()
        self.feedback_list.cursor = 0
        self.refresh_view()

    def on_feedback_list_highlighted(self, event: FeedbackList.Highlighted) -> None:
        self._show_views()  # marking moves the cursor, so the marked count stays current
        self.query_one("#detail", Static).update(self._detail(event.item))
        self.query_one("#feedback-detail").scroll_home(animate=False)

    def _detail(self, item: FeedbackItem | None) -> Content:
        if item is None:
            return Content.styled("Nothing here." if self.view != "new" else "Inbox zero: nothing waits for triage.", "$text-muted")
        now = self.store.clock()

        def field(label: str, value: str | None) -> Content:
            return Content.assemble((f"{label:<12}", "$text-muted"), clean_line(value) if value else "—")

        opportunity = self.store.get(item.opportunity) if item.opportunity else None
        return lines(
            Content.styled(clean_line(item.title) or item.id, "bold"),
            Content.assemble((item.id, "$text-muted"), "  ", (item.view_status(now), "$accent")),
            "",
            field("customer", item.customer),
            field("source", item.source),
            field("received", _local(item.received_at)),
            field("area", self._area_path(item.area)),
            field("tags", ", ".join(item.tags)),
            field("importance", item.importance),
            field("snoozed", _local(item.snoozed_until) if item.is_snoozed(now) else None),
            field("opportunity", f"{opportunity.id} {opportunity.title}" if opportunity else None),
            field("triaged", _local(item.triaged_at)),
            field("duplicate", item.duplicate_of),
            field("merged", ", ".join(item.merged_from)),
            "",
            Content(clean_text(item.text)),
        )

    # --- triage: key → picker → core → store → every pane re-renders ------------

    def _apply(self, triage: inbox.Triage) -> None:
        ids = self.feedback_list.targets()
        if not ids:
            self.app.bell()
            return
        try:
            changed = inbox.update(self.store, ids, triage, origin="app")
        except (ProdopsError, ValueError) as exc:
            self.notify(str(exc), title="Not changed", severity="error")
            return
        self.feedback_list.marked.clear()
        self.notify(f"{triage.label(self.store, len(changed)).capitalize()} — u undoes", title="Triage")
        self.post_message(self.Changed())

    def action_switch_view(self, step: int) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + step) % len(VIEWS)]

    def action_archive(self) -> None:
        self._apply(inbox.Triage(status="archived"))

    def action_processed(self) -> None:
        self._apply(inbox.Triage(status="processed"))

    def action_importance(self) -> None:
        current = self.feedback_list.current
        choices = [(level, level) for level in IMPORTANCE_LEVELS]
        self.app.push_screen(
            ChoiceScreen(f"Importance of {self._what()}", choices, current.importance if current else None),
            lambda level: level and self._apply(inbox.Triage(importance=level)),
        )

    def action_snooze(self) -> None:
        self.app.push_screen(
            DateScreen(f"Snooze {self._what()} until", from_iso(self.store.clock())),
            lambda when: when and self._apply(inbox.Triage(snooze=when)),
        )

    def action_tags(self) -> None:
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
        suggestions = suggest_areas(self.store, current.text) if current else []

        def search(query: str) -> list[tuple[str, Content]]:
            options: list[tuple[str, Content]] = []
            if not query.strip():
                for suggestion in suggestions:
                    options.append((suggestion.area.id, Content.assemble(("★ ", "bold $accent"), suggestion.path, (f"  matched: {', '.join(suggestion.matched)}", "$text-muted"))))
                options.append((NO_AREA, Content.styled("no area", "$text-muted")))
            seen = {value for value, _ in options}
            options.extend((area.id, Content(path)) for area, path in find_areas(self.store, query) if area.id not in seen)
            return options

        def apply(area_id: str | None) -> None:
            if area_id:
                self._apply(inbox.Triage(area="" if area_id == NO_AREA else area_id))

        self.app.push_screen(SearchPickerScreen(f"Area for {self._what()}", search, placeholder="type part of a path or a glossary term"), apply)

    def action_new_item(self) -> None:
        def capture(draft: FeedbackDraft | None) -> None:
            if draft is None:
                return
            try:
                item = inbox.capture(self.store, draft.text, title=draft.title, customer=draft.customer,
                                     source=draft.source, received=draft.received or None, origin="app")
            except (ProdopsError, ValueError) as exc:
                self.notify(str(exc), title="Not captured", severity="error")
                return
            self.notify(f"Captured {item.id} — u undoes", title="New feedback")
            self.post_message(self.Changed())

        self.app.push_screen(FeedbackForm(from_iso(self.store.clock())), capture)

    def on_feedback_list_opened(self, event: FeedbackList.Opened) -> None:
        item_id = event.item.id

        def save(draft: FeedbackDraft | None) -> None:
            if draft is None:
                return
            try:
                inbox.edit(self.store, item_id, text=draft.text, title=draft.title, customer=draft.customer,
                           source=draft.source, received=draft.received or None, origin="app")
            except (ProdopsError, ValueError) as exc:
                self.notify(str(exc), title="Not saved", severity="error")
                return
            self.notify(f"Saved {item_id} — u undoes", title="Edit")
            self.post_message(self.Changed())

        self.app.push_screen(FeedbackForm(from_iso(self.store.clock()), event.item), save)

    def _what(self) -> str:
        count = len(self.feedback_list.targets())
        return f"{count} items" if count > 1 else (self.feedback_list.current.id if self.feedback_list.current else "nothing")


def _local(iso: str | None) -> str | None:
    """Stored UTC, shown in the user's local time."""
    if not iso:
        return None
    return from_iso(iso).astimezone().strftime("%a %d %b %Y %H:%M")

