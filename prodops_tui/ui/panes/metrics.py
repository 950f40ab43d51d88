"""Metrics (key 5): the figures a product-ops lead reports weekly."""

from __future__ import annotations

from textual.content import Content

from ...core.areas.lookup import owner_coverage
from ...core.metrics.figures import inbox_health
from .base import SummaryPane, figure, lines


class MetricsPane(SummaryPane):
    TITLE = "Metrics (last 7 days)"
    COMING = "trends over weeks, feedback by area and source, retro follow-through, and `prodops report`."

    def render_summary(self) -> Content:
        health = inbox_health(self.store, now=self.now)
        owned, total = owner_coverage(self.store)
        median = f"{health.median_hours_to_triage:.1f} h" if health.median_hours_to_triage is not None else "n/a"
        with_area = f"{health.with_area_pct:.0f}%" if health.with_area_pct is not None else "n/a"
        return lines(
            figure("feedback received", health.received),
            figure("triaged", health.triaged),
            figure("median time to triage", median),
            figure("waiting in New", health.untriaged),
            figure("in New for more than 7 days", health.stale, "$error" if health.stale else "$accent"),
            figure("of feedback has an area", with_area),
            figure("areas with an active owner", f"{owned}/{total}"),
        )
