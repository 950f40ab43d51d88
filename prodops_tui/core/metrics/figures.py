"""The figures a product-ops lead reports weekly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from ..dates import from_iso, to_iso
from ..model import FeedbackItem
from ..storage.store import Store


@dataclass(frozen=True)
class InboxHealth:
    received: int  # in the window
    triaged: int  # left New in the window
    median_hours_to_triage: float | None  # of those triaged in the window
    untriaged: int  # New now (snoozed excluded)
    stale: int  # New and received more than `stale_days` ago
    with_area_pct: float | None  # of all feedback, share that has an area


def inbox_health(store: Store, *, now: datetime, days: int = 7, stale_days: int = 7) -> InboxHealth:
    now_iso = to_iso(now)
    since = to_iso(now - timedelta(days=days))
    stale_before = to_iso(now - timedelta(days=stale_days))
    items = store.all(FeedbackItem)
    hours = [
        (from_iso(item.triaged_at) - from_iso(item.received_at)).total_seconds() / 3600
        for item in items
        if item.triaged_at and item.triaged_at >= since and item.received_at
    ]
    new = [item for item in items if item.view_status(now_iso) == "new"]
    return InboxHealth(
        received=sum(1 for item in items if item.received_at >= since),
        triaged=len(hours),
        median_hours_to_triage=median(hours) if hours else None,
        untriaged=len(new),
        stale=sum(1 for item in new if item.received_at < stale_before),
        with_area_pct=100 * sum(1 for item in items if item.area) / len(items) if items else None,
    )
