"""The inbox's detail panel: every field of the highlighted item, its full text, and look-alikes.

An imported or synced item also shows where it came from: its link, the tracker's state and its
upvotes, each as data (a link holding `[b]` or an escape sequence is shown as written, cleaned).
`enter` with the panel focused copies the link (InboxPane.action_copy_link).

Once an opportunity the item asked for has shipped and its customer's account was told (`t` in
the close-the-loop view, `prodops told`), the panel says so: "told  Saltbox Coffee Roasters, O-3,
2026-12-01 by Ana", a row per telling (core/feedback/loop.py's told_for_feedback).

A key is a frame (issue 29, item 4): the panel is a line-API view that wraps its text once per
item and draws the lines asked for. A text widget of automatic height in a scrolling container,
as it was, made every `j` lay out the whole screen (its height changed with each item), about
half of a key's CPU at 100,000 items. Here the panel's size never changes with its text: a new
item's height reaches only the scrollbar, and the screen is laid out again only when the
scrollbar must appear or go (a long item after a short one)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip
from textual.visual import Visual

from ...core.dates import display_date, display_datetime
from ...core.feedback.duplicates import SimilarItem
from ...core.feedback.loop import ToldAbout, told_for_feedback
from ...core.model import FeedbackItem, Opportunity
from ...core.text import clean_line, plural, shown_text, truncate
from ..themes import FEEDBACK_STATUS_STYLES


def local_time(iso: str | None) -> str | None:
    """A stored instant as every screen shows one (dates.display_datetime); None: not set."""
    return display_datetime(iso) if iso else None


def told_line(entry: ToldAbout) -> str:
    """'Saltbox Coffee Roasters, O-3, 2026-12-01 by Ana': which account was told about which
    opportunity, on which day (the reader's), by whom."""
    by = f" by {entry.told_by}" if entry.told_by else ""
    return f"{entry.account}, {entry.opportunity}, {display_date(entry.told_at)}{by}"


class FeedbackDetail(ScrollView, can_focus=True):
    """Shows what the pane hands down. The one exception: who was told about the item, when the
    pane does not hand it down (`told=None`), is asked of the core with the app's store."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content = Content("")
        self._lines: list[Strip] = []
        self._wrapped_at = -1  # the width the lines were wrapped at; -1: not yet

    @property
    def content(self) -> Content:
        """What the panel shows, as one text (what a test or a screen reader reads)."""
        return self._content

    def show(
        self,
        item: FeedbackItem | None,
        *,
        now_iso: str,
        area: str,
        opportunity: Opportunity | None,
        customers: Sequence[str],
        similar: Sequence[SimilarItem] | None,
        empty_message: str,
        similar_off: str | None = None,
        group: Sequence[str] = (),
        told: Sequence[ToldAbout] | None = None,
    ) -> None:
        """`group`: in the Likely duplicates view, the header of the item's group (what the
        group is, then what to do with it), shown above the item. `told`: the accounts told
        about what the item asked for (loop.told_for_feedback); None asks the core here.
        `similar_off`: why no look-alikes are looked for (the index would not fit in memory)."""
        if item is not None and told is None:
            told = self._told(item)
        content = self._item_content(item, now_iso, area, opportunity, customers, similar, told or (), similar_off) if item else Content.styled(empty_message, "$text-muted")
        if item and group:
            header = [Content.styled(group[0], "bold $accent"), *(Content.styled(line, "$text-muted") for line in group[1:])]
            content = Content("\n").join([*header, Content(""), content])
        self._content = content
        self._redraw()
        self.scroll_to(0, 0, animate=False, force=True)

    # --- the line API ---------------------------------------------------------------

    def _wrap(self) -> None:
        """Wrap the text at the panel's width. Its height changes the scrollbar, and the screen's
        layout only where the scrollbar appears or goes: then the width changes too, and the
        resize wraps again."""
        width = self.scrollable_content_region.width
        if width <= 0:  # not laid out yet: the first resize wraps
            self._lines, self._wrapped_at = [], -1
            return
        self._lines = Visual.to_strips(self, self._content, width, None, self.visual_style)
        self._wrapped_at = width
        size = Size(width, len(self._lines))
        if size == self.virtual_size:
            return
        needs_bar = self.styles.overflow_y == "auto" and size.height > self.scrollable_content_region.height
        if needs_bar != self.show_vertical_scrollbar:
            self.virtual_size = size  # a layout: the scrollbar appears or goes
            return
        self.set_reactive(FeedbackDetail.virtual_size, size)  # no layout: nothing else moves
        if needs_bar:
            bar = self.vertical_scrollbar
            bar.window_virtual_size, bar.window_size = size.height, self.scrollable_content_region.height

    def on_resize(self) -> None:
        self._wrap_again()

    def watch_show_vertical_scrollbar(self) -> None:
        self._wrap_again()  # the bar came or went: the text is a column narrower or wider, the panel is not

    def _wrap_again(self) -> None:
        if self.scrollable_content_region.width != self._wrapped_at:
            self._redraw()

    def _redraw(self) -> None:
        self._wrap()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self._wrapped_at > 0:  # a new theme: the kept lines hold the old one's colours
            self._redraw()

    # Text selected with the mouse, as a text widget has it: the wrapped lines carry each cell's
    # place in the text, and a new selection draws them again with it highlighted.
    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract(str(self._content)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._redraw()

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        if 0 <= index < len(self._lines):
            return self._lines[index]
        return Strip.blank(self.scrollable_content_region.width, self.visual_style.rich_style)

    def _told(self, item: FeedbackItem) -> Sequence[ToldAbout]:
        store = getattr(self.app, "store", None)
        return told_for_feedback(store, item) if store is not None else ()

    def _item_content(self, item, now_iso, area, opportunity, customers, similar, told, similar_off) -> Content:
        def field(label: str, value: str | None) -> Content:
            return Content.assemble((f"{label:<13}", "$text-muted"), clean_line(value) if value else "—")

        status = item.view_status(now_iso)
        parts: list[Content] = [
            Content.styled(clean_line(item.title) or item.id, "bold"),
            Content.assemble((item.id, "$text-muted"), "  ", (status, FEEDBACK_STATUS_STYLES.get(status, "$accent"))),
            Content(""),
            field("customer", item.customer),
            field("source", item.source),
            field("received", local_time(item.received_at)),
            field("area", area),
            field("tags", ", ".join(item.tags)),
            field("importance", item.importance),
            *([field("rating", f"{'★' * item.rating}{'☆' * (5 - item.rating)}  {item.rating}/5 from the customer")]
              if item.rating in range(1, 6) else []),
            field("snoozed", local_time(item.snoozed_until) if item.is_snoozed(now_iso) else None),
            field("opportunity", f"{opportunity.id} {opportunity.title}" if opportunity else None),
            field("triaged", f"{local_time(item.triaged_at)}{f' by {item.triaged_by}' if item.triaged_by else ''}" if item.triaged_at else None),
            field("duplicate of", item.duplicate_of),
            *(field("told", told_line(entry)) for entry in told),
            *self._origin(item, field),
        ]
        if item.merged_from:
            parts.append(field("merged", ", ".join(item.merged_from)))
            parts.append(field("customers", ", ".join(customers)))
        parts += [Content(""), Content(shown_text(item.text)), Content("")]
        parts.append(Content.styled(similar_off, "$warning") if similar_off else self._similar(similar))
        return Content("\n").join(parts)

    @staticmethod
    def _origin(item: FeedbackItem, field) -> list[Content]:
        """Where an imported item lives upstream, only the rows it has: the tracker's state, the
        upvotes there, and its link, on a line of its own (a link rarely fits beside a label, and
        wrapped there it read as two), under the key that copies it."""
        rows = []
        if clean_line(item.upstream_state):
            rows.append(field("upstream", item.upstream_state))
        if item.votes is not None:
            rows.append(field("votes", plural(item.votes, "upvote")))
        if link := clean_line(item.url):
            rows += [Content.assemble((f"{'link':<13}", "$text-muted"), ("tab, then enter copies it", "italic $text-muted")),
                     Content.styled(link, "$accent")]
        return rows

    @staticmethod
    def _similar(similar: Sequence[SimilarItem] | None) -> Content:
        if similar is None:
            return Content.styled("Looking for similar items…", "$text-muted")
        if not similar:
            return Content.styled("No look-alikes.", "$text-muted")
        # The list `prodops similar ID` prints, from the same tables; a Likely duplicates group
        # is narrower (every pair in it alike), so it is not called that here.
        rows = [Content.styled("Look-alikes (m merges)", "bold $accent")]
        for hit in similar:
            rows.append(Content.assemble((f"{hit.score:>3.0f}% ", "$accent"), (f"{hit.id:<6} ", "$text-muted"),
                                         truncate(clean_line(hit.title), 60)))
            if hit.why:  # the rare words the two share: why it is listed
                rows.append(Content.styled(truncate(f"↳ shares {', '.join(hit.why)}", 60), "italic $text-muted"))
        return Content("\n").join(rows)
