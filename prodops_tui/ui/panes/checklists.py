"""Checklists & nudges (key 4): recurring rituals and careful nudges."""

from __future__ import annotations

from textual.content import Content

from ...core.model import ChecklistRun, ChecklistTemplate
from ...core.text import clean_line, truncate
from .base import SummaryPane, lines


class ChecklistsPane(SummaryPane):
    TITLE = "Checklists & nudges"
    COMING = (
        "checklist runs ticked by keyboard on their recurrence (weekly, every 2 weeks, monthly), "
        "and a short ranked list of nudges computed from the data, each snoozable or dismissable."
    )

    def render_summary(self) -> Content:
        templates = sorted(self.store.all(ChecklistTemplate), key=lambda t: t.name.casefold())
        runs = self.store.all(ChecklistRun)
        rows = []
        for template in templates:
            open_runs = [r for r in runs if r.checklist == template.id and not r.completed_at]
            schedule = "recurring" if template.rrule else "on demand"
            rows.append(
                Content.assemble(
                    (f"{template.id:<6}", "$text-muted"),
                    (f"{truncate(clean_line(template.name), 28):<29}", "bold"),
                    f"{len(template.steps)} steps  ",
                    (f"{schedule:<10}", "$secondary"),
                    f"{len(open_runs)} open run(s)",
                )
            )
        return lines(*(rows or [Content("No checklists yet.")]))
