"""Retro (key 3): retrospectives and the actions they produce."""

from __future__ import annotations

from textual.content import Content

from ...core.model import ActionItem, Retro
from ...core.text import clean_line, truncate
from .base import SummaryPane, lines


class RetroPane(SummaryPane):
    TITLE = "Retros"
    COMING = (
        "a whole retro in the terminal: templates, check-in of open actions, reflect, group, vote, "
        "discuss, actions with owners and due dates, a phase timer, Markdown export."
    )

    def render_summary(self) -> Content:
        retros = sorted(self.store.all(Retro), key=lambda r: r.held_on, reverse=True)
        actions = self.store.all(ActionItem)
        now = self.store.clock()
        rows = []
        for retro in retros:
            open_actions = sum(1 for a in actions if a.retro == retro.id and a.status == "open")
            rows.append(
                Content.assemble(
                    (f"{retro.id:<6}", "$text-muted"),
                    f"{retro.held_on[:10]}  ",
                    (f"{truncate(clean_line(retro.team), 20):<21}", "$secondary"),
                    f"{truncate(clean_line(retro.template), 22):<23}",
                    (f"{retro.phase:<9}", "$accent"),
                    f"{len(retro.cards)} cards, {open_actions} open actions",
                )
            )
        overdue = sum(1 for a in actions if a.status == "open" and a.due and a.due < now)
        summary = Content.assemble((f"{overdue}", "bold $error" if overdue else "bold"), " action items overdue")
        return lines(summary, "", *(rows or [Content("No retros yet.")]))
