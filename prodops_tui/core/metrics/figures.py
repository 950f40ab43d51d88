"""The figures a product-ops lead brings to the review, each beside the period before and with
the items behind it. One call, `compute`, serves the Metrics pane and `prodops report`.

Each figure has a stable key (the JSON field name), a value for this period and, where the
workspace keeps what it needs, the previous period's; `drill` says where `enter` finds the
items behind it. What cannot be computed from stored data is listed in `not_computed` with
the reason, never estimated.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from ..areas.lookup import area_paths
from ..dates import to_iso
from ..feedback import loop
from ..feedback.filters import ids_query
from ..model import ActionItem
from ..retro.actions import owner_names
from ..storage.store import Store
from . import demand as demand_module
from . import flow as flow_module
from . import ownership as ownership_module
from . import rituals
from .period import Period, covering

TOP_OPPORTUNITIES = 8
NO_AREA = "(no area)"
NO_SOURCE = "(no source)"

NOT_COMPUTED = (
    ("median_hours_to_link", "Median received → linked",
     "when an item was linked is not stored (only the link itself), and the undo history keeps just the last 500 changes"),
    ("nudges", "Nudges shown/acted/dismissed",
     "when a nudge was shown or acted on is not stored; a dismissal is kept only while the nudge stays quiet"),
)


# A shorter label for a narrow terminal (20 characters at most: the Metrics pane at 80 columns),
# for each figure whose label is longer; the detail beside the list shows the whole one.
SHORT_LABELS = {
    "median_hours_to_triage": "Median to triage",
    "triaged_within_1_business_day_pct": "Triaged in 1 workday",
    "linked_pct": "With an opportunity",
    "opportunities_asked_for": "Opportunities asked",
    "customers_waiting": "Customers to tell",
    "feedback_reached_roadmap": "Feedback on roadmap",
    "feedback_reached_roadmap_pct": "Share on roadmap",
    "opportunities_shipped": "Opps shipped",
    "median_days_first_ask_to_shipped": "Median ask → shipped",
    "accounts_told_within_14_days": "Told within 14 days",
    "accounts_told_within_14_days_pct": "% told in 14 days",
    "area_owner_coverage_pct": "Areas with an owner",
    "codeowners_rules_owned_pct": "Rules with owners",
    "areas_without_owner": "Areas without owner",
    "people_left_still_owning": "Leavers still owning",
    "actions_created": "Actions created",
    "actions_overdue": "Actions overdue",
    "action_completion_pct": "Action completion",
    "checklist_runs_on_time": "Runs on time",
    "checklist_runs_missed": "Runs missed",
    "median_hours_to_link": "Received → linked",
    "nudges": "Nudges acted on",
}


@dataclass(frozen=True)
class Drill:
    """Where `enter` on a figure goes: `pane` ("inbox", "areas", "checklists", "opportunities")
    with an inbox `filter`, or `record` (an id to show in its own pane).

    `exact`: the filter lists exactly the figure's items. When no filter can (the items triaged
    in the period, those late for their business day), `ids` holds them, and the inbox shows
    those items themselves under `label`, the filter beside them for context; `note` says what
    is shown."""

    pane: str
    filter: str = ""
    record: str = ""
    exact: bool = True
    note: str = ""
    ids: tuple[str, ...] = ()
    label: str = ""

    @property
    def opens_exactly(self) -> bool:
        """enter shows exactly the figure's items: by the filter, or by their ids."""
        return self.exact or bool(self.ids)


@dataclass(frozen=True)
class Figure:
    key: str  # stable: the JSON field name
    label: str
    value: float | None
    previous: float | None = None
    unit: str = "count"  # "count", "pct" or "hours"
    better: str = ""  # "up" or "down": which way a change is good news; "" neither
    note: str = ""  # how it is counted, when the label does not say it all
    drill: Drill | None = None
    series: tuple[int, ...] = ()  # per bucket, oldest first (received only)

    @property
    def short_label(self) -> str:
        return SHORT_LABELS.get(self.key, self.label)

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a source, an area, an age bucket."""

    name: str
    current: int
    previous: int | None = None
    key: str = ""  # the area id, source as typed, bucket label: what the JSON names it by
    drill: Drill | None = None  # the inbox on its items, when a filter says which they are


@dataclass(frozen=True)
class Earlier:
    """The feedback received before the period (the period before included): how many, the
    first and last received times, and the report options whose window holds them all, so an
    empty period of imported history says where that history is."""

    count: int = 0
    first: str = ""  # ISO UTC; "" when there is none
    last: str = ""
    from_day: str = ""  # `--from` this day takes in the first
    to_day: str = ""  # `--to` this day takes in the last; "" when running up to now does

    @property
    def options(self) -> str:
        """`--from 2026-01-04 --to 2026-02-21`, or "" when nothing came before."""
        if not self.count:
            return ""
        return f"--from {self.from_day}" + (f" --to {self.to_day}" if self.to_day else "")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Report:
    period: Period
    generated_at: str
    sections: tuple[Section, ...]
    bucket_days: int
    received_buckets: tuple[int, ...]  # oldest first, the period before then this one
    by_source: tuple[Row, ...]
    by_area: tuple[Row, ...]
    backlog_ages: tuple[Row, ...]
    triage_times: tuple[Row, ...]
    opportunities: tuple[demand_module.OpportunityDemand, ...]  # the top ones
    close_the_loop: tuple[demand_module.OpportunityDemand, ...]
    ownership: ownership_module.Ownership
    overdue: tuple[ActionItem, ...]
    checklists: tuple[rituals.ChecklistCounts, ...]
    not_computed: tuple[tuple[str, str, str], ...] = NOT_COMPUTED
    owner_names: dict[str, str] = field(default_factory=dict)  # person id -> name, for the actions
    earlier: Earlier = Earlier()

    def figure(self, key: str) -> Figure:
        for section in self.sections:
            for found in section.figures:
                if found.key == key:
                    return found
        raise KeyError(key)

    @property
    def figures(self) -> list[Figure]:
        return [f for section in self.sections for f in section.figures]


def compute(store: Store, period: Period, *, now: datetime, tz: tzinfo | None = None) -> Report:
    """Every figure of the period beside the period before (see each module for definitions)."""
    # The rows built for 100,000 items set off cyclic-GC passes over every record that find
    # nothing to free (two thirds of the time at 100k, as when the store loads them): paused.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _compute(store, period, now=now, tz=tz)
    finally:
        if gc_was_enabled:
            gc.enable()


def _compute(store: Store, period: Period, *, now: datetime, tz: tzinfo | None) -> Report:
    flow = flow_module.measure(store, period, now=now, tz=tz)
    cur, prev = flow.current, flow.previous
    previous = period.previous
    paths = area_paths(store)
    top_demand = demand_module.demand(store, flow.linked,
                                      received=dict(cur.by_opportunity), received_before=dict(prev.by_opportunity))
    shipped, _ = demand_module.waiting_customers(top_demand)
    waiting = loop.waiting(store)[1]  # accounts not told yet: telling is recorded (prodops told, t)
    owned = ownership_module.ownership(store, paths)
    actions = store.all(ActionItem)
    acts, acts_before = (rituals.action_counts(actions, period.start_iso, period.upper_iso),
                         rituals.action_counts(actions, previous.start_iso, previous.end_iso))
    overdue = rituals.overdue_actions(store, period.upper_iso)
    runs = rituals.checklist_counts(store, ((period.start, period.end), (previous.start, previous.end)))
    since = _since(period)
    triaged = exactly(flow.triaged_ids, "status:processed status:archived", "triaged", period)  # three figures
    received = Drill("inbox", since) if period.open_ended else exactly(flow.received_ids, "", "received", period)

    flow_figures = (
        Figure("received", "Feedback received", cur.received, prev.received,
               drill=received,
               series=tuple(flow.received_buckets)),
        Figure("triaged", "Triaged", cur.triaged, prev.triaged, better="up",
               note="left New for the first time in the period", drill=triaged),
        Figure("new_backlog", "New backlog", cur.backlog, prev.backlog, better="down",
               note="waiting in New at the period's end (before: rebuilt from the received and triage times)",
               drill=Drill("inbox", "status:new", note=f"{cur.older_than_a_week} waited more than "
                           f"{flow_module.OLD_BACKLOG_DAYS} days: the oldest are at the bottom (G)" if cur.older_than_a_week else "")
               if period.open_ended else None),
        Figure("median_hours_to_triage", "Median time to triage", cur.median_hours, prev.median_hours, unit="hours",
               better="down", note="from received to triaged, of the items triaged in the period",
               drill=triaged),
        Figure("p90_hours_to_triage", "p90 time to triage", cur.p90_hours, prev.p90_hours, unit="hours", better="down",
               note="nine in ten were triaged within this", drill=triaged),
        Figure("triaged_within_1_business_day_pct", "Triaged within 1 business day", cur.one_day_pct, prev.one_day_pct,
               unit="pct", better="up", note="of the items received whose deadline has come (weekends skipped)",
               drill=exactly(flow.late_ids, since, "not triaged in 1 business day", period)),
    )
    insight_figures = (
        Figure("with_area_pct", "With a product area", cur.with_area_pct, prev.with_area_pct, unit="pct", better="up",
               note="of the feedback received (merged duplicates counted in their survivor)",
               drill=Drill("inbox", f"{since} is:unassigned", note="the ones still without an area")
               if since and not flow.duplicates_unassigned else
               exactly(flow.unassigned_ids, f"{since} is:unassigned".strip(), "still without an area", period)),
        Figure("linked_pct", "Linked to an opportunity", cur.linked_pct, prev.linked_pct, unit="pct", better="up",
               note="feedback reaching the roadmap",
               drill=Drill("inbox", f"{since} is:linked") if since and not flow.duplicates_linked else
               exactly(flow.linked_ids, f"{since} is:linked".strip(), "linked to an opportunity", period)),
        Figure("duplicates_merged", "Duplicates merged", cur.duplicates, prev.duplicates,
               note="of the feedback received in the period (when they were merged is not kept)",
               drill=exactly(flow.duplicate_ids, f"{since} is:merged".strip(), "merged into another", period)),
    )
    asked = sum(1 for d in top_demand if d.received)
    asked_before = sum(1 for d in top_demand if d.received_before)
    first_shipped = shipped[0].id if shipped else ""
    demand_figures = (
        Figure("opportunities_asked_for", "Opportunities asked for", asked, asked_before,
               note="with linked feedback received in the period", drill=Drill("opportunities")),
        Figure("customers_waiting", "Customers to tell it shipped", waiting, None, better="down",
               note="accounts that asked for a shipped opportunity and were not told yet (t in the close-the-loop view)",
               drill=Drill("opportunities", record=first_shipped)),
    )
    coverage = 100.0 * owned.owned / owned.areas if owned.areas else None
    ownership_figures = [
        Figure("area_owner_coverage_pct", "Areas with an active owner", coverage, None, unit="pct", better="up",
               note=f"{owned.owned} of {owned.areas} areas", drill=Drill("areas")),
        Figure("areas_without_owner", "Areas without an active owner", owned.unowned, None, better="down",
               drill=Drill("areas")),
        Figure("people_left_still_owning", "People who left, still owning", len(owned.left), None,
               better="down", drill=Drill("areas", record=owned.left[0].id) if owned.left else Drill("areas")),
        Figure("people_left", "People who left", ownership_module.left_between(store, period.start_iso, period.upper_iso),
               ownership_module.left_between(store, previous.start_iso, previous.end_iso), drill=Drill("areas")),
    ]
    if owned.rules_total:
        ownership_figures.insert(1, Figure(
            "codeowners_rules_owned_pct", "CODEOWNERS rules with owners", 100.0 * owned.rules_owned / owned.rules_total,
            None, unit="pct", better="up", note=f"{owned.rules_owned} of {owned.rules_total} rules", drill=Drill("areas")))
    first_overdue = overdue[0].id if overdue else ""
    most_missed = max(runs, key=lambda c: c.missed[0], default=None)
    ritual_figures = (
        Figure("actions_created", "Retro actions created", acts.created, acts_before.created, drill=Drill("checklists")),
        Figure("actions_done", "Retro actions done", acts.done, acts_before.done, better="up", drill=Drill("checklists")),
        Figure("actions_overdue", "Retro actions overdue", acts.overdue, acts_before.overdue, better="down",
               note="at the period's end", drill=Drill("checklists", record=first_overdue)),
        Figure("action_completion_pct", "Action completion rate", acts.completion_pct, acts_before.completion_pct,
               unit="pct", better="up", note="of the actions due in the period, done by its end", drill=Drill("checklists")),
        Figure("checklist_runs_on_time", "Checklist runs on time", sum(c.on_time[0] for c in runs),
               sum(c.on_time[1] for c in runs), better="up", drill=Drill("checklists")),
        Figure("checklist_runs_missed", "Checklist runs missed", sum(c.missed[0] for c in runs),
               sum(c.missed[1] for c in runs), better="down",
               drill=Drill("checklists", record=most_missed.checklist if most_missed and most_missed.missed[0] else "")),
    )
    sections = (
        Section("flow", "Feedback flow", flow_figures),
        Section("insight", "Feedback to insight", insight_figures),
        Section("opportunities", "Opportunities", demand_figures),
        Section("ownership", "Ownership", tuple(ownership_figures)),
        Section("rituals", "Rituals", ritual_figures),
    )
    return Report(
        period=period, generated_at=to_iso(now), sections=sections, bucket_days=flow.bucket_days,
        received_buckets=tuple(flow.received_buckets),
        by_source=tuple(_by_source(flow, period)), by_area=tuple(_by_area(flow, paths, period)),
        backlog_ages=tuple(Row(label, cur.backlog_ages[i], prev.backlog_ages[i], label)
                           for i, (label, _) in enumerate(flow_module.BACKLOG_AGES)),
        triage_times=tuple(Row(label, cur.triage_times[i], prev.triage_times[i], label)
                           for i, (label, _) in enumerate(flow_module.TRIAGE_TIMES)),
        opportunities=tuple(d for d in top_demand[:TOP_OPPORTUNITIES] if d.feedback),
        close_the_loop=tuple(shipped), ownership=owned, overdue=tuple(overdue), checklists=tuple(runs),
        owner_names=_names(store, overdue), earlier=_earlier(flow, period, now=now, tz=tz),
    )


def _earlier(flow: flow_module.Flow, period: Period, *, now: datetime, tz: tzinfo | None) -> Earlier:
    count, first, last = flow.earlier
    if not count:
        return Earlier()
    from_day, to_day = covering(first, last, before=period.start, now=now, tz=tz)
    return Earlier(count, first, last, from_day, to_day)


def _since(period: Period) -> str:
    """The inbox filter for "received in this period", when one says it (the period runs to now)."""
    return f"since:{period.since_query}" if period.open_ended else ""


def exactly(ids: list[str], closest: str, what: str, period: Period) -> Drill | None:
    """The inbox on exactly these items: an `id:` filter while they fit in one, else the items
    themselves (Drill.ids) under a label saying what they are, `closest` shown beside them."""
    text = ids_query(ids)
    if text:
        return Drill("inbox", text)
    if not ids:
        return None  # nothing to show: enter says so
    label = f"{len(ids):,} {what}, {period.label}"
    return Drill("inbox", closest, exact=False, ids=tuple(ids), label=label, note=f"the {label}")


def _by_source(flow: flow_module.Flow, period: Period) -> list[Row]:
    since = _since(period)
    keys = set(flow.current.by_source) | set(flow.previous.by_source)
    rows = []
    for key in keys:
        name = flow.source_names.get(key, key)
        # source: matches a part of the source: while no other source of the period holds this
        # one ("call" in "sales call"), the filter lists exactly the row's items; else their ids.
        query = f'{since} source:"{name}"' if since and name and '"' not in name else ""
        held = any(key in other for other in flow.current.by_source if other != key)
        drill = Drill("inbox", query) if query and not held else \
            exactly(flow.ids_by_source.get(key, []), query or since, f"from “{name or NO_SOURCE}”", period)
        rows.append(Row(name or NO_SOURCE, flow.current.by_source[key], flow.previous.by_source[key], name, drill))
    rows.sort(key=lambda r: (-r.current, -(r.previous or 0), r.name.casefold()))
    return rows


def _by_area(flow: flow_module.Flow, paths: dict[str, str], period: Period) -> list[Row]:
    since = _since(period)
    keys = set(flow.current.by_area) | set(flow.previous.by_area)
    rows = []
    for key in keys:
        path = paths.get(key, key) if key else NO_AREA
        if since and key is None:
            drill: Drill | None = Drill("inbox", f"{since} is:unassigned")
        elif since and '"' not in path:
            drill = Drill("inbox", f'{since} area:"{path}"')
        else:  # a fixed window (since: cannot end it), or a path a filter cannot quote: the ids
            drill = exactly(flow.ids_by_area.get(key, []), since, f"in {path}", period)
        rows.append(Row(path, flow.current.by_area[key], flow.previous.by_area[key], key or "", drill))
    rows.sort(key=lambda r: (-r.current, -(r.previous or 0), r.name.casefold()))
    return rows


def _names(store: Store, actions: list[ActionItem]) -> dict[str, str]:
    return {person_id: name for action in actions for person_id, name in zip(action.owners, owner_names(store, action), strict=True)}  # one name per owner
