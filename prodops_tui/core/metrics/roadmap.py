"""Roadmap figures: how much feedback reached the roadmap, how long from the first ask to shipped,
and whether the accounts that asked were told within 14 days. A Section of Figures shaped like
figures.py's, each beside the period before, added to a Report by `with_roadmap` (the Metrics
pane and `prodops report` show it like any other section).

Definitions (tests/core/metrics/test_roadmap.py works each out on its own):
- reached the roadmap: of the feedback received in the window that was not merged into another
  item (a merged duplicate counts in its survivor, as "Linked to an opportunity" does), the items
  linked to an opportunity that has at least one tracker link now (`prodops link`, `push`).
  Given as a count and as a share.
- opportunities shipped: shipped now, with shipped_at in the window.
- median days from the first ask to shipped: over those opportunities, from the earliest
  received_at of their linked feedback (and what was merged into it) to shipped_at. An
  opportunity nobody's feedback is linked to has no first ask and is left out (the note says
  of how many).
- accounts told within 14 days: for the opportunities shipped in the window, each asking account
  (core/feedback/loop.py's rule) whose outcome is known by the window's end: 14 days have passed
  since shipping, or it was told. Of those, the share told within 14 days of shipped_at.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from statistics import median

from ..dates import to_iso
from ..feedback.loop import account_key, loop_for
from ..model import FeedbackItem, Opportunity
from ..storage.store import Store
from ..storage.where import Where
from .figures import Drill, Figure, Report, Section, exactly
from .flow import percent
from .period import Period

TELL_WITHIN_DAYS = 14
SECTION_KEY = "roadmap"
SECTION_TITLE = "Roadmap and closing the loop"


@dataclass(frozen=True)
class WindowRoadmap:
    """The roadmap figures of one window."""

    received: int = 0  # received in the window, not merged into another item
    reached: int = 0  # of those, linked to an opportunity with a tracker link
    shipped: tuple[str, ...] = ()  # opportunities shipped in the window
    days_to_ship: tuple[float, ...] = ()  # first ask -> shipped, per shipped opportunity with feedback
    accounts_due: int = 0  # asking accounts whose 14 days have passed, or who were told
    accounts_told: int = 0  # of those, told within 14 days of shipping
    reached_ids: tuple[str, ...] = ()  # the items that reached it, for the inbox

    @property
    def reached_pct(self) -> float | None:
        return percent(self.reached, self.received)

    @property
    def median_days(self) -> float | None:
        return median(self.days_to_ship) if self.days_to_ship else None

    @property
    def told_pct(self) -> float | None:
        return percent(self.accounts_told, self.accounts_due)


@dataclass(frozen=True)
class Roadmap:
    current: WindowRoadmap
    previous: WindowRoadmap


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _window(store: Store, rows: list[tuple], on_roadmap: set[str], shipped: list[Opportunity],
            start: str, end: str) -> WindowRoadmap:
    received = 0
    reached: list[str] = []
    for number, received_at, opportunity, duplicate_of in rows:
        if not received_at or not (start <= received_at < end) or duplicate_of:
            continue
        received += 1
        if opportunity in on_roadmap:
            reached.append(f"{FeedbackItem.PREFIX}-{number}")
    in_window = [o for o in shipped if o.shipped_at and start <= o.shipped_at < end]
    days: list[float] = []
    due = told = 0
    for opportunity in in_window:
        assert opportunity.shipped_at is not None
        shipped_at = _when(opportunity.shipped_at)
        first = _first_ask(store, opportunity.id)
        if first:
            days.append(max(0.0, (shipped_at - _when(first)).total_seconds() / 86400))
        deadline = to_iso(shipped_at + timedelta(days=TELL_WITHIN_DAYS))
        told_at = {account_key(entry.account): entry.told_at for entry in opportunity.told}
        for account in loop_for(store, opportunity.id).accounts:
            when = told_at.get(account_key(account.account), "")
            known = when and when < end
            if deadline <= end or known:
                due += 1
                told += bool(known and when <= deadline)
    return WindowRoadmap(received, len(reached), tuple(o.id for o in in_window), tuple(days), due, told, tuple(reached))


def _first_ask(store: Store, opportunity_id: str) -> str:
    """The earliest received_at of the opportunity's linked items and what was merged into them."""
    times: list[str] = []
    pending = store.records_where(FeedbackItem, (Where("opportunity", "=", opportunity_id),))
    seen: set[str] = set()
    while pending:
        item = pending.pop()
        if item.id in seen:
            continue
        seen.add(item.id)
        if item.received_at:
            times.append(item.received_at)
        for merged_id in item.merged_from:
            merged = store.get(merged_id)
            if isinstance(merged, FeedbackItem):
                pending.append(merged)
    return min(times, default="")


def measure(store: Store, period: Period) -> Roadmap:
    """The roadmap figures of the period and of the period before."""
    opportunities = store.all(Opportunity)
    on_roadmap = {o.id for o in opportunities if o.links}
    shipped = [o for o in opportunities if o.status == "shipped" and o.shipped_at]
    rows = store.fields(FeedbackItem, ("received_at", "opportunity", "duplicate_of"))
    previous = period.previous
    return Roadmap(
        current=_window(store, rows, on_roadmap, shipped, period.start_iso, period.upper_iso),
        previous=_window(store, rows, on_roadmap, shipped, previous.start_iso, previous.end_iso),
    )


def section(store: Store, period: Period) -> Section:
    """The roadmap figures as a Section of the report (keys are the JSON field names)."""
    found = measure(store, period)
    cur, prev = found.current, found.previous
    since = f"since:{period.since_query}" if period.open_ended else ""
    first_shipped = cur.shipped[0] if cur.shipped else ""
    with_feedback = len(cur.days_to_ship)
    return Section(SECTION_KEY, SECTION_TITLE, (
        Figure("feedback_reached_roadmap", "Feedback that reached the roadmap", cur.reached, prev.reached, better="up",
               note="received in the period, linked to an opportunity that has a tracker issue",
               drill=exactly(list(cur.reached_ids), f"{since} is:linked".strip(), "that reached the roadmap", period)),
        Figure("feedback_reached_roadmap_pct", "Share that reached the roadmap", cur.reached_pct, prev.reached_pct,
               unit="pct", better="up", note=f"{cur.reached} of {cur.received} received (merged duplicates in their survivor)",
               drill=Drill("opportunities")),
        Figure("opportunities_shipped", "Opportunities shipped", len(cur.shipped), len(prev.shipped), better="up",
               drill=Drill("opportunities", record=first_shipped)),
        Figure("median_days_first_ask_to_shipped", "Median first ask → shipped", cur.median_days, prev.median_days,
               unit="days", better="down",
               note=f"n = {with_feedback}: opportunities shipped in the period with linked feedback",
               drill=Drill("opportunities", record=first_shipped)),
        Figure("accounts_told_within_14_days", "Accounts told within 14 days", cur.accounts_told, prev.accounts_told,
               better="up", note=f"of {cur.accounts_due} to tell", drill=Drill("opportunities", record=first_shipped)),
        Figure("accounts_told_within_14_days_pct", "Told within 14 days of shipping", cur.told_pct, prev.told_pct,
               unit="pct", better="up",
               note=f"{cur.accounts_told} of {cur.accounts_due} asking accounts of opportunities shipped in the period "
                    f"(14 days passed, or told)",
               drill=Drill("opportunities", record=first_shipped)),
    ))


def with_roadmap(report: Report, store: Store) -> Report:
    """The report with the roadmap section, after the opportunities (replacing one it has)."""
    added = section(store, report.period)
    sections = [s for s in report.sections if s.key != SECTION_KEY]
    place = next((i + 1 for i, s in enumerate(sections) if s.key == "opportunities"), len(sections))
    return replace(report, sections=(*sections[:place], added, *sections[place:]))
