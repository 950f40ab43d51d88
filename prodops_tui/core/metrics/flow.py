"""Feedback flow in one pass over every item: what arrived, how fast it was triaged, what waits.

At 100,000 items the pass reads a few scalar fields per item and builds no record: from memory
when the items are loaded (the app), else from the cache's columns (`prodops report`). Only
the items of the two windows (this period and the one before) are looked at closely; the rest
cost a few string comparisons (ISO-8601 UTC times compare as text).

Definitions (the tests compute each of them on their own):
- received: received_at in the window. Weekly (daily for periods up to 14 days) counts run
  back from the period's end over both windows; a part-bucket at the old end is left out.
- triaged: triaged_at (the first time an item left New) in the window; the hours from
  received to triaged of those items give the median and the p90 (nearest rank); an item
  triaged before its received time counts 0 hours.
- triaged within one business day: of the items received in the window whose deadline has
  come by the window's end, the share triaged by then. The deadline is 24 hours later, with
  Saturdays and Sundays skipped (Friday 10:00 -> Monday 10:00; anything received at the
  weekend is due Tuesday 00:00), local time.
- the New backlog at the end of the window: items in New and not snoozed, when the window
  ends now; for an earlier end it is rebuilt as received before it and not triaged by then
  (how long an item was snoozed is not kept, so a rebuilt backlog counts snoozed items too).
- with an area / linked to an opportunity: of the items received in the window that were
  not merged into another one (a merged duplicate is counted in its survivor), the share
  that has an area / an opportunity now. Duplicates merged: items received in the window
  that were merged into another item (when they were merged is not kept).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from statistics import median
from typing import NamedTuple

from ..dates import from_iso, to_iso
from ..model import FeedbackItem, ProductArea
from ..storage.store import Store
from ..text import clean_line
from .period import Period

FLOW_FIELDS = ("received_at", "status", "snoozed_until", "triaged_at", "area", "opportunity", "duplicate_of", "source")
# Ages of the New backlog and times to triage, for the bars: (label, up to this many hours).
BACKLOG_AGES = (("under 2 days", 48), ("2-7 days", 168), ("1-4 weeks", 672), ("over 4 weeks", math.inf))
TRIAGE_TIMES = (("under 1 hour", 1), ("1-24 hours", 24), ("1-3 days", 72), ("3-7 days", 168), ("over 7 days", math.inf))
OLD_BACKLOG_DAYS = 7  # the backlog figure says how many waited longer than this
# One business day lasts 24 to 72 hours of wall-clock time (23 to 73 across a DST change): items
# triaged sooner than SURELY_MET were on time, later than SURELY_LATE were not.
SURELY_MET = timedelta(hours=22)
SURELY_LATE = timedelta(hours=74)


@dataclass
class WindowFlow:
    """The feedback figures of one window."""

    received: int = 0
    triaged: int = 0
    triage_hours: list[float] = field(default_factory=list)
    due_in_one_day: int = 0  # received in the window, their one-business-day deadline passed by its end
    met_one_day: int = 0  # of those, triaged by the deadline
    distinct: int = 0  # received and not merged into another item
    with_area: int = 0
    linked: int = 0
    duplicates: int = 0
    backlog: int = 0  # New at the window's end
    backlog_ages: list[int] = field(default_factory=lambda: [0] * len(BACKLOG_AGES))
    older_than_a_week: int = 0  # of the backlog (this period's end only)
    triage_times: list[int] = field(default_factory=lambda: [0] * len(TRIAGE_TIMES))
    by_source: Counter[str] = field(default_factory=Counter)  # case-folded source -> count
    by_area: Counter[str | None] = field(default_factory=Counter)  # top-level area id -> count
    by_opportunity: Counter[str] = field(default_factory=Counter)  # linked items received, per opportunity

    @property
    def median_hours(self) -> float | None:
        return median(self.triage_hours) if self.triage_hours else None

    @property
    def p90_hours(self) -> float | None:
        return nearest_rank(self.triage_hours, 0.9)

    @property
    def one_day_pct(self) -> float | None:
        return percent(self.met_one_day, self.due_in_one_day)

    @property
    def with_area_pct(self) -> float | None:
        return percent(self.with_area, self.distinct)

    @property
    def linked_pct(self) -> float | None:
        return percent(self.linked, self.distinct)


@dataclass
class Flow:
    current: WindowFlow
    previous: WindowFlow
    bucket_days: int  # width of the received-per-bucket counts
    received_buckets: list[int]  # oldest first, over both windows; the last len//2 are this period's
    source_names: dict[str, str]  # case-folded -> as first written
    # Items behind figures, as ids, for the inbox (only this period's).
    triaged_ids: list[str] = field(default_factory=list)
    late_ids: list[str] = field(default_factory=list)  # due within one business day and not triaged by then
    received_ids: list[str] = field(default_factory=list)  # received in this period
    unassigned_ids: list[str] = field(default_factory=list)  # received, not merged into another, no area
    linked_ids: list[str] = field(default_factory=list)  # received, not merged into another, linked
    duplicate_ids: list[str] = field(default_factory=list)  # received, merged into another
    # Merged duplicates received without an area / linked: while there are none, `is:unassigned`
    # / `is:linked` with the period's since: lists exactly the items the figure counts.
    duplicates_unassigned: int = 0
    # This period's items by folded source and by top-level area (None: no area), for the rows' drills.
    ids_by_source: dict[str, list[str]] = field(default_factory=dict)
    ids_by_area: dict[str | None, list[str]] = field(default_factory=dict)
    duplicates_linked: int = 0
    linked: list[FeedbackItem] = field(default_factory=list)  # every linked item (any time): for the opportunities
    # Items received before this period (the period before included): how many, the first and last time.
    earlier: tuple[int, str, str] = (0, "", "")


def percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def nearest_rank(values: list[float], share: float) -> float | None:
    """The value at rank ceil(share * n) of the sorted values (nearest-rank percentile)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def bucket_days_for(period: Period) -> int:
    return 1 if period.length <= timedelta(days=14) else 7


def top_areas(store: Store) -> dict[str, str]:
    """Every area id -> the id of its top-level area (itself at the top); a parent cycle stops."""
    parents = {area.id: area.parent for area in store.all(ProductArea)}
    top: dict[str, str] = {}
    for area_id in parents:
        seen = [area_id]
        current = area_id
        while (parent := parents.get(current)) and parent in parents and parent not in seen:
            current = parent
            seen.append(current)
        top[area_id] = current
    return top


def one_business_day_after(received: datetime, tz: tzinfo | None) -> datetime:
    """24 hours later with the weekend skipped, in local time (see the module's docstring)."""
    local = received.astimezone(tz)
    weekday = local.weekday()
    if weekday >= 5:  # received on a Saturday or Sunday: the day starts Monday 00:00
        monday = (local + timedelta(days=7 - weekday)).replace(hour=0, minute=0, second=0, microsecond=0)
        return monday + timedelta(days=1)
    deadline = local + timedelta(days=1)
    if deadline.weekday() == 5:  # Friday -> Monday
        deadline += timedelta(days=2)
    return deadline


def _when(iso: str) -> datetime:
    try:
        return datetime.fromisoformat(iso)  # 'Z' is read since 3.11; 30x sooner than isoparse
    except ValueError:
        return from_iso(iso)


def item_id(key: str | int) -> str:
    return key if isinstance(key, str) else f"{FeedbackItem.PREFIX}-{key}"


class FlowRow(NamedTuple):
    """An item's fields from the cache's columns, read by the same names as a record's."""

    id: int  # the number
    received_at: str | None
    status: str
    snoozed_until: str | None
    triaged_at: str | None
    area: str | None
    opportunity: str | None
    duplicate_of: str | None
    source: str | None


class _Items:
    """Every item as the figures read it: the records when they are in memory, else the cache's
    columns (number, *FLOW_FIELDS), so no record is built. Each read passes over all of them at
    C speed and keeps only the few it needs (a comprehension per question, written twice: an
    attribute read per item costs a third of a function call per item)."""

    def __init__(self, store: Store):
        self.objects = store.all(FeedbackItem) if store.loaded(FeedbackItem) else None
        self.rows = store.fields(FeedbackItem, FLOW_FIELDS) if self.objects is None else []

    def since(self, since_iso: str) -> tuple[list, list]:
        """The items received since `since_iso`, and those triaged since then: the records
        themselves, or rows read like them (FlowRow, whose `id` is the number)."""
        if self.objects is not None:
            return ([i for i in self.objects if i.received_at >= since_iso],
                    [i for i in self.objects if i.triaged_at and i.triaged_at >= since_iso])
        make = FlowRow._make
        return ([make(r) for r in self.rows if (r[1] or "") >= since_iso],
                [make(r) for r in self.rows if r[4] and r[4] >= since_iso])

    def received_before(self, before_iso: str) -> tuple[int, str, str]:
        """How many items were received before `before_iso`, and the first and last of those
        received times ("" when none): where the history lies when a period holds none of it."""
        if self.objects is not None:
            times = [i.received_at for i in self.objects if i.received_at and i.received_at < before_iso]
        else:
            times = [r[1] for r in self.rows if r[1] and r[1] < before_iso]
        return len(times), min(times, default=""), max(times, default="")

    def linked(self, store: Store) -> list[FeedbackItem]:
        """Every item linked to an opportunity (a few of 100,000: only those are built)."""
        if self.objects is not None:
            return [i for i in self.objects if i.opportunity]
        return store.get_many(FeedbackItem, [r[0] for r in self.rows if r[6]])

    def waiting_now(self, now_iso: str) -> list[str]:
        """When each item in New now (snoozed ones aside) was received."""
        if self.objects is not None:
            return [i.received_at for i in self.objects if i.status == "new" and not (i.snoozed_until and i.snoozed_until > now_iso)]
        return [r[1] or "" for r in self.rows if r[2] == "new" and not (r[3] and r[3] > now_iso)]

    def waiting_at(self, at_iso: str) -> list[str]:
        """When each item in New at an earlier moment was received: received before it and not
        triaged by then (never triaged: still New now)."""
        if self.objects is not None:
            return [i.received_at for i in self.objects if i.received_at < at_iso
                    and ((i.triaged_at and i.triaged_at >= at_iso) or (not i.triaged_at and i.status == "new"))]
        return [r[1] or "" for r in self.rows if (r[1] or "") < at_iso
                and ((r[4] and r[4] >= at_iso) or (not r[4] and r[2] == "new"))]


def measure(store: Store, period: Period, *, now: datetime, tz: tzinfo | None = None) -> Flow:
    """Every feedback figure of the period and the one before."""
    previous = period.previous
    cur, prev = WindowFlow(), WindowFlow()
    cur_start, cur_end, prev_start = period.start_iso, period.upper_iso, previous.start_iso
    now_iso = to_iso(now)
    items = _Items(store)
    window_rows, triaged_rows = items.since(prev_start)
    linked = items.linked(store)

    # The New backlog at this period's end (the status, when it ends now; else rebuilt) and at
    # its start (rebuilt), by age: an age bucket is a comparison of ISO text, no date parsed.
    old_cutoff = to_iso(period.end - timedelta(days=OLD_BACKLOG_DAYS))
    for window, at, waiting in ((cur, period.end, items.waiting_now(now_iso) if period.open_ended else items.waiting_at(cur_end)),
                                (prev, period.start, items.waiting_at(cur_start))):
        waiting.sort()  # then each age cutoff is one bisect
        window.backlog = len(waiting)
        cutoffs = [to_iso(at - timedelta(hours=hours)) for _, hours in BACKLOG_AGES[:-1]]
        younger = [len(waiting) - bisect_right(waiting, cutoff) for cutoff in cutoffs] + [len(waiting)]
        window.backlog_ages = [younger[0]] + [younger[i] - younger[i - 1] for i in range(1, len(younger))]
        if window is cur:
            window.older_than_a_week = bisect_left(waiting, old_cutoff)

    triaged_keys = []
    triage_cutoffs = [hours for _, hours in TRIAGE_TIMES[:-1]]
    for item in triaged_rows:
        triaged = item.triaged_at
        if triaged >= cur_end:
            continue
        window = cur if triaged >= cur_start else prev
        received = item.received_at
        hours = max(0.0, (_when(triaged) - _when(received)).total_seconds() / 3600) if received else 0.0
        window.triaged += 1
        window.triage_hours.append(hours)
        window.triage_times[bisect_right(triage_cutoffs, hours)] += 1
        if window is cur:
            triaged_keys.append(item.id)

    bucket = timedelta(days=bucket_days_for(period))
    count = int((period.end - previous.start) / bucket)
    # Bucket boundaries as ISO text, oldest first: an item's bucket is found by bisect, unparsed.
    edges = [to_iso(period.end - bucket * (count - index)) for index in range(count + 1)]
    buckets = [0] * count
    top = top_areas(store)
    names: dict[str, str] = {}
    folded_of: dict[str, str] = {}
    late_keys = []
    received_keys: list = []
    source_keys: dict[str, list] = {}
    area_keys: dict[str | None, list] = {}
    unassigned_keys: list = []
    linked_keys: list = []
    duplicate_keys: list = []
    duplicates_unassigned = duplicates_linked = 0
    # Only items received between these two marks before a window's end need their deadline
    # worked out to know whether it has come.
    marks = {id(w): (to_iso(end - SURELY_LATE), to_iso(end - SURELY_MET), end)
             for w, end in ((cur, period.end), (prev, period.start))}
    for item in window_rows:
        received = item.received_at
        if received >= cur_end:
            continue
        window = cur if received >= cur_start else prev
        window.received += 1
        if window is cur:
            received_keys.append(item.id)
        index = min(bisect_right(edges, received) - 1, count - 1)  # received this very second: the last bucket
        if index >= 0:
            buckets[index] += 1
        raw = item.source or ""
        folded = folded_of.get(raw)
        if folded is None:
            shown = clean_line(raw)
            folded = folded_of[raw] = shown.casefold()
            names.setdefault(folded, shown)
        window.by_source[folded] += 1
        area, opportunity = item.area, item.opportunity
        top_area = top.get(area, area) if area else None
        window.by_area[top_area] += 1
        if window is cur:
            source_keys.setdefault(folded, []).append(item.id)
            area_keys.setdefault(top_area, []).append(item.id)
        if item.duplicate_of:
            window.duplicates += 1
            if window is cur:
                duplicate_keys.append(item.id)
                duplicates_unassigned += not area
                duplicates_linked += bool(opportunity)
        else:
            window.distinct += 1
            window.with_area += bool(area)
            window.linked += bool(opportunity)
            if window is cur:
                if not area:
                    unassigned_keys.append(item.id)
                if opportunity:
                    linked_keys.append(item.id)
        if opportunity:
            window.by_opportunity[opportunity] += 1
        surely_due, not_yet_due, window_end = marks[id(window)]
        if received > not_yet_due:
            continue
        arrived = _when(received)
        deadline = None  # worked out only when the answer depends on it
        if received > surely_due:
            deadline = one_business_day_after(arrived, tz)
            if deadline > window_end:
                continue
        window.due_in_one_day += 1
        triaged = item.triaged_at
        met = False
        if triaged:
            done = _when(triaged)
            gap = done - arrived
            met = gap <= SURELY_MET or (gap <= SURELY_LATE and done <= (deadline or one_business_day_after(arrived, tz)))
        if met:
            window.met_one_day += 1
        elif window is cur:
            late_keys.append(item.id)

    return Flow(
        current=cur, previous=prev, bucket_days=bucket.days, received_buckets=buckets, source_names=names,
        triaged_ids=[item_id(k) for k in triaged_keys], late_ids=[item_id(k) for k in late_keys],
        received_ids=[item_id(k) for k in received_keys], unassigned_ids=[item_id(k) for k in unassigned_keys], linked_ids=[item_id(k) for k in linked_keys],
        duplicate_ids=[item_id(k) for k in duplicate_keys],
        duplicates_unassigned=duplicates_unassigned, duplicates_linked=duplicates_linked,
        ids_by_source={k: [item_id(n) for n in v] for k, v in source_keys.items()},
        ids_by_area={k: [item_id(n) for n in v] for k, v in area_keys.items()},
        linked=linked, earlier=items.received_before(cur_start),
    )
