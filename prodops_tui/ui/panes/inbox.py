"""Inbox (key 1): the feedback waiting for triage."""

from __future__ import annotations

from textual.content import Content

from ...core.areas import area_path
from ...core.dates import from_iso, humanize_age
from ...core.inbox import counts_by_view, list_feedback
from ...core.text import clean_line, truncate
from .base import Pane, figure, lines

NEWEST_SHOWN = 12


class InboxPane(Pane):
    TITLE = "Inbox"
    COMING = (
        "the triage list for 100,000 items with marks and bulk actions: "
        "a area, t tags, i importance, s snooze, e archive, o opportunity, m merge duplicates, n new item, enter open."
    )

    def render_summary(self) -> Content:
        counts = counts_by_view(self.store)
        tabs = Content("   ").join(figure(view.capitalize(), counts[view]) for view in ("new", "snoozed", "processed", "archived", "all"))
        newest = list_feedback(self.store, status="new")[:NEWEST_SHOWN]
        now = self.now
        rows = [
            Content.assemble(
                (f"{item.id:<7}", "$text-muted"),
                f"{humanize_age(from_iso(item.received_at), now):>4}  ",
                (f"{(item.importance or '-'):<9}", "$warning" if item.importance in ("high", "critical") else ""),
                (f"{truncate(clean_line(item.customer), 24):<25}", "$secondary"),
                (f"{truncate(area_path(self.store, item.area), 28):<29}", "$primary"),
                clean_line(item.title),
            )
            for item in newest
        ]
        heading = Content.styled(f"Newest in New ({len(newest)} of {counts['new']})", "bold") if newest else Content("New is empty: inbox zero.")
        return lines(tabs, "", heading, *rows)
