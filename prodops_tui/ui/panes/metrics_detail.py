"""The Metrics pane's right side: what is behind the highlighted figure, as bars and short lists
whose rows open their own items (a source, an area, an opportunity, a gap, an action).

The roadmap figures (core/metrics/roadmap.py) list the opportunities behind them: those linked to
a tracker issue, with the issue and its state upstream, and those shipped in the period, with the
day and how many of their asking accounts were told (RoadmapRow, counted with the figures).

Every name shown (sources, areas, opportunity titles, people, action texts) is user text:
it goes into Content as data, never as markup, with control characters dropped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual.content import Content

from ...core.dates import describe, display_date, from_iso
from ...core.feedback.links import link_name
from ...core.feedback.loop import loop_for
from ...core.feedback.opportunities import STATUS_LABELS
from ...core.metrics import report as text
from ...core.metrics.figures import Drill, Figure, Report, Row
from ...core.metrics.ownership import GAP_LABELS
from ...core.metrics.period import Period
from ...core.model import Opportunity
from ...core.text import clean_line, truncate

BAR_WIDTH = 10
NAME_WIDTH = 13
LISTED = 8
_BLOCKS = " ▁▂▃▄▅▆▇█"
_EIGHTHS = " ▏▎▍▌▋▊▉"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Line:
    """One row of the breakdown list: a heading (cannot be chosen) or a row, maybe with a drill."""

    content: Content
    drill: Drill | None = None
    heading: bool = False


@dataclass(frozen=True)
class Detail:
    head: Content  # the figure, its values, how it is counted
    lines: list[Line]
    foot: Content  # what enter opens


@dataclass(frozen=True)
class RoadmapRow:
    """An opportunity behind the roadmap figures: linked to a tracker issue, or shipped in the
    period (or both)."""

    id: str
    title: str
    status: str
    links: tuple[str, ...]  # "OWNER/REPO#12 (closed: completed)"
    shipped_at: str  # "" when it did not ship in the period
    accounts: int  # asking accounts (core/feedback/loop.py's rule)
    told: int  # of those, told


def roadmap_rows(store: Any, window: Period) -> tuple[RoadmapRow, ...]:
    """The opportunities linked to a tracker issue and those shipped in `window`, linked first
    by number, for the roadmap figures' breakdown. Counted in the pane's worker, with the figures."""
    start, end = window.start_iso, window.upper_iso
    rows = []
    for o in sorted(store.all(Opportunity), key=lambda o: o.number):
        shipped = o.shipped_at if o.status == "shipped" and o.shipped_at and start <= o.shipped_at < end else ""
        if not (o.links or shipped):
            continue
        accounts = loop_for(store, o.id).accounts if shipped else ()
        rows.append(RoadmapRow(
            o.id, o.title, o.status,
            tuple(f"{link_name(link)} ({link.upstream_state or 'not read yet'})" for link in o.links),
            shipped, len(accounts), sum(1 for a in accounts if a.told)))
    return tuple(rows)


def sparkline(values: tuple[int, ...] | list[int], *, top: int | None = None) -> str:
    """One character per value, ▁ to █, scaled to `top` (default: their largest)."""
    top = top if top is not None else max(values, default=0)
    if not top:
        return "▁" * len(values)
    return "".join(_BLOCKS[max(1, round(8 * v / top))] if v else "▁" for v in values)


def bar(value: int, top: int, width: int = BAR_WIDTH) -> str:
    """A horizontal bar in eighths of a cell, `width` cells for `top`."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / top))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


def _name(value: str, width: int = NAME_WIDTH) -> str:
    return f"{truncate(clean_line(value), width):<{width}}"


def _heading(title: str, aside: str = "") -> Line:
    return Line(Content.assemble((title, "bold"), (aside, "$text-muted")), heading=True)


_GAP = Line(Content(""), heading=True)


def _bars(rows: tuple[Row, ...], title: str, limit: int = LISTED) -> list[Line]:
    shown = list(rows[:limit])
    top = max((max(r.current, r.previous or 0) for r in shown), default=0)
    out = [_heading(title, "  (before)")]
    for row in shown:
        out.append(Line(Content.assemble(
            (_name(row.name), ""), (f"{row.current:>6,} ", "bold"), (f"{bar(row.current, top):<{BAR_WIDTH}}", "$accent"),
            (f" ({row.previous:,})" if row.previous is not None else "", "$text-muted")), row.drill))
    if len(rows) > limit:
        out.append(Line(Content.styled(f"… {len(rows) - limit} more (prodops report lists them all)", "$text-muted")))
    if not shown:
        out.append(Line(Content.styled("nothing in either period", "$text-muted")))
    return out


def _received(found: Report) -> list[Line]:
    unit = "day" if found.bucket_days == 1 else "week"
    ranges = text.bucket_ranges(found)
    top = max((n for _, _, n in ranges), default=0)
    out = [_heading(f"Received per {unit}", "  (grey: before)")]
    half = len(ranges) - len(ranges) // 2
    for index, (_start, end, count) in enumerate(ranges):
        ending = from_iso(end).astimezone()
        label = f"to {ending.day:>2} {_MONTHS[ending.month - 1]}"
        out.append(Line(Content.assemble((f"{label:<10}", "$text-muted"), (f"{count:>6,} ", "bold"),
                                         (bar(count, top), "$accent" if index >= half else "$text-muted"))))
    return out


def _opportunities(found: Report) -> list[Line]:
    out = [_heading("Top opportunities", "  (importance-weighted)")]
    for d in found.opportunities[:LISTED]:
        out.append(Line(Content.assemble(
            (f"{d.id:<5}", "$text-muted"), (truncate(clean_line(d.title), 30), "bold"), ("  ", ""),
            (STATUS_LABELS.get(d.status, d.status), "$accent"),
            (f"  {d.score} pts · {d.customers} customers · {d.received} now ({d.received_before})", "$text-muted")),
            Drill("opportunities", record=d.id)))
    if not found.opportunities:
        out.append(Line(Content.styled("No feedback is linked to an opportunity yet (o in the inbox).", "$text-muted")))
    return out


def _close_the_loop(found: Report) -> list[Line]:
    out = [_heading("Shipped: customers to tell", "  (w on the opportunity writes them as CSV)")]
    for d in found.close_the_loop:
        out.append(Line(Content.assemble((f"{d.id:<5}", "$text-muted"), (truncate(clean_line(d.title), 34), "bold"),
                                         (f"  {d.customers} customers", "$accent")), Drill("opportunities", record=d.id)))
    if not found.close_the_loop:
        out.append(Line(Content.styled("Nobody is waiting: no shipped opportunity has customers.", "$text-muted")))
    return out


def _on_the_roadmap(rows: tuple[RoadmapRow, ...]) -> list[Line]:
    out = [_heading("Opportunities with a tracker issue")]
    for row in rows:
        if row.links:
            # The title last: a narrow pane cuts it, not the issue.
            out.append(Line(Content.assemble((f"{row.id:<5}", "$text-muted"), (truncate(clean_line("; ".join(row.links)), 40), "$accent"),
                                             ("  ", ""), (clean_line(row.title), "bold")),
                            Drill("opportunities", record=row.id)))
    if len(out) == 1:
        out.append(Line(Content.styled("None yet: l on an opportunity (O in the inbox) links an issue.", "$text-muted")))
    return out


def _shipped(rows: tuple[RoadmapRow, ...]) -> list[Line]:
    out = [_heading("Shipped in the period")]
    for row in rows:
        if row.shipped_at:
            out.append(Line(Content.assemble(
                (f"{row.id:<5}", "$text-muted"), (display_date(row.shipped_at), "$accent"),
                (f"  {row.told}/{row.accounts} told  ", "$success" if row.accounts and row.told == row.accounts else "$warning"),
                (clean_line(row.title), "bold")),
                Drill("opportunities", record=row.id)))
    if len(out) == 1:
        out.append(Line(Content.styled("Nothing shipped in the period.", "$text-muted")))
    return out


def _gaps(found: Report) -> list[Line]:
    out = [_heading("Gaps in the area map")]
    for kind, label in GAP_LABELS.items():
        out += [Line(Content.assemble((f"{label}: ", "$warning"), clean_line(g.path)), Drill("areas", record=g.area_id))
                for g in found.ownership.gaps if g.kind == kind]
    if not found.ownership.gaps:
        out.append(Line(Content.styled("None: every area has an active owner and a maintainer.", "$success")))
    return out


def _left(found: Report, now: datetime) -> list[Line]:
    out = [_heading("People who left and still own something")]
    for person in found.ownership.left:
        held = "; ".join(f"{verb} {clean_line(path)}" for verb, path in person.areas)
        extra = [f"{len(person.actions)} open actions" if person.actions else "",
                 f"named in {person.rules} CODEOWNERS rules" if person.rules else ""]
        left = describe(from_iso(person.left_at), now=now).split(" (")[0] if person.left_at else "left"
        out.append(Line(Content.assemble((clean_line(person.name), "bold"), (f"  left {left}", "$text-muted"), ("  ", ""),
                                         "; ".join(part for part in (held, *extra) if part)), Drill("areas", record=person.id)))
    if not found.ownership.left:
        out.append(Line(Content.styled("Nobody: everything a leaver held has a new owner.", "$success")))
    return out


def _actions(found: Report, now: datetime) -> list[Line]:
    out = [_heading("Overdue retro actions", "  (the longest overdue first)")]
    for action in found.overdue[:LISTED]:
        owners = ", ".join(clean_line(found.owner_names.get(o, o)) for o in action.owners) or "nobody"
        due = describe(from_iso(action.due), now=now) if action.due else ""
        out.append(Line(Content.assemble((f"{action.id:<5}", "$text-muted"), truncate(clean_line(action.text), 44),
                                         ("  ", ""), (owners, "$accent"), (f" · due {due}", "$error")),
                        Drill("checklists", record=action.id)))
    if not found.overdue:
        out.append(Line(Content.styled("None overdue.", "$success")))
    return out


def _checklists(found: Report) -> list[Line]:
    out = [_heading("Recurring checklists: on time / missed", "  (before)")]
    for counts in found.checklists:
        out.append(Line(Content.assemble((_name(counts.name, 24), ""), (f"{counts.on_time[0]:>3} on time", "$success"),
                                         (f"{counts.missed[0]:>3} missed", "$error" if counts.missed[0] else "$text-muted"),
                                         (f"  ({counts.on_time[1]}/{counts.missed[1]})", "$text-muted")),
                        Drill("checklists", record=counts.checklist)))
    if not found.checklists:
        out.append(Line(Content.styled("No recurring checklist fell due in either period.", "$text-muted")))
    return out


def _triage_times(found: Report, now: datetime) -> list[Line]:
    return _bars(found.triage_times, "Time from received to triaged")


_LINES = {
    "received": lambda f, now: [*_received(f), _GAP, *_bars(f.by_source, "By source"), _GAP, *_bars(f.by_area, "By area")],
    "triaged": _triage_times,
    "median_hours_to_triage": _triage_times,
    "p90_hours_to_triage": _triage_times,
    "triaged_within_1_business_day_pct": _triage_times,
    "new_backlog": lambda f, now: _bars(f.backlog_ages, "Waiting in New, by age"),
    "with_area_pct": lambda f, now: _bars(f.by_area, "Received, by area", limit=12),
    "linked_pct": lambda f, now: _opportunities(f),
    "opportunities_asked_for": lambda f, now: _opportunities(f),
    "customers_waiting": lambda f, now: _close_the_loop(f),
    "area_owner_coverage_pct": lambda f, now: _gaps(f),
    "codeowners_rules_owned_pct": lambda f, now: _gaps(f),
    "areas_without_owner": lambda f, now: _gaps(f),
    "people_left_still_owning": _left,
    "people_left": _left,
    "actions_created": _actions,
    "actions_done": _actions,
    "actions_overdue": _actions,
    "action_completion_pct": _actions,
    "checklist_runs_on_time": lambda f, now: _checklists(f),
    "checklist_runs_missed": lambda f, now: _checklists(f),
}


def opens(drill: Drill | None) -> str:
    """What enter shows, in words."""
    if drill is None:
        return "nothing to open"
    if drill.record:
        return f"{drill.record} in its pane"
    if drill.pane == "inbox" and drill.ids and not drill.exact:
        return f"the inbox: the {drill.label}"
    if drill.pane == "inbox":
        return f"the inbox, filter: {drill.filter}" if drill.filter else "the inbox"
    return {"areas": "the areas' gaps", "checklists": "Checklists & nudges: the open actions and the runs",
            "opportunities": "every opportunity and who asked"}.get(drill.pane, drill.pane)


_ROADMAP_LINES = {
    "feedback_reached_roadmap": _on_the_roadmap,
    "feedback_reached_roadmap_pct": _on_the_roadmap,
    "opportunities_shipped": _shipped,
    "median_days_first_ask_to_shipped": _shipped,
    "accounts_told_within_14_days": _shipped,
    "accounts_told_within_14_days_pct": _shipped,
}


def detail(found: Report, kind: str, key: str, *, now: datetime, roadmap: tuple[RoadmapRow, ...] = ()) -> Detail:
    if kind == "unknown":
        for unknown_key, label, reason in found.not_computed:
            if unknown_key == key:
                return Detail(Content("\n").join([Content.styled(label, "bold $primary"), Content(""),
                                                   Content.styled(f"Not computed: {reason}.", "$warning"),
                                                   Content.styled("prodops shows no estimate in its place.", "$text-muted")]),
                              [], Content(""))
        return Detail(Content(""), [], Content(""))
    figure: Figure = found.figure(key)
    head = [Content.styled(figure.label, "bold $primary")]
    summary = [(text.value_text(figure.value, figure.unit), "bold")]
    if figure.previous is not None:
        good = text.is_good(figure)
        summary += [(" now · ", "$text-muted"), (text.value_text(figure.previous, figure.unit), ""), (" before · ", "$text-muted"),
                    (text.change_text(figure), {True: "$success", False: "$error", None: "$text-muted"}[good])]
    head.append(Content.assemble(*summary))
    if figure.note:
        head.append(Content.styled(figure.note, "$text-muted"))
    lines = _ROADMAP_LINES[key](roadmap) if key in _ROADMAP_LINES else _LINES.get(key, lambda f, now: [])(found, now)
    foot = [Content.assemble(("enter ", "bold $accent"), (opens(figure.drill), "$text-muted"))]
    if any(line.drill for line in lines):
        foot.append(Content.assemble(("tab ", "bold $accent"), ("the rows above; enter opens one", "$text-muted")))
    if figure.drill is not None and figure.drill.note and not figure.drill.ids:  # with ids, the line above says it
        foot.append(Content.styled(figure.drill.note, "$text-muted" if figure.drill.opens_exactly else "$warning"))
    return Detail(Content("\n").join(head), lines, Content("\n").join(foot))
