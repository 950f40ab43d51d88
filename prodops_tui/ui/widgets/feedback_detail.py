"""The inbox's detail panel: every field of the highlighted item, its full text, and look-alikes.

An imported or synced item also shows where it came from: its link, the tracker's state and its
upvotes, each as data (a link holding `[b]` or an escape sequence is shown as written, cleaned).
`enter` with the panel focused copies the link (InboxPane.action_copy_link).

Once an opportunity the item asked for has shipped and its customer's account was told (`t` in
the close-the-loop view, `prodops told`), the panel says so: "told  Saltbox Coffee Roasters, O-3,
2026-12-01 by Ana", a row per telling (core/feedback/loop.py's told_for_feedback)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

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


class FeedbackDetail(VerticalScroll):
    """Shows what the pane hands down. The one exception: who was told about the item, when the
    pane does not hand it down (`told=None`), is asked of the core with the app's store."""

    def compose(self):
        yield Static(id="detail")

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
        group: Sequence[str] = (),
        told: Sequence[ToldAbout] | None = None,
    ) -> None:
        """`group`: in the Likely duplicates view, the header of the item's group (what the
        group is, then what to do with it), shown above the item. `told`: the accounts told
        about what the item asked for (loop.told_for_feedback); None asks the core here."""
        if item is not None and told is None:
            told = self._told(item)
        content = self._item_content(item, now_iso, area, opportunity, customers, similar, told or ()) if item else Content.styled(empty_message, "$text-muted")
        if item and group:
            header = [Content.styled(group[0], "bold $accent"), *(Content.styled(line, "$text-muted") for line in group[1:])]
            content = Content("\n").join([*header, Content(""), content])
        self.query_one("#detail", Static).update(content)
        self.scroll_home(animate=False)

    def _told(self, item: FeedbackItem) -> Sequence[ToldAbout]:
        store = getattr(self.app, "store", None)
        return told_for_feedback(store, item) if store is not None else ()

    def _item_content(self, item, now_iso, area, opportunity, customers, similar, told) -> Content:
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
        parts.append(self._similar(similar))
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
            rows.append(Content.assemble((f"{hit.score:>3.0f}% ", "$accent"), (f"{hit.id:<7}", "$text-muted"),
                                         truncate(clean_line(hit.title), 60)))
            if hit.why:  # the rare words the two share: why it is listed
                rows.append(Content.styled(truncate(f"↳ shares {', '.join(hit.why)}", 60), "italic $text-muted"))
        return Content("\n").join(rows)
