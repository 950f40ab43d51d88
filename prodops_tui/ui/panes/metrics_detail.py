"""The Metrics pane's right side: what is behind the highlighted figure, as bars and short lists.

Every name shown (sources, areas, opportunity titles, people, action texts) is user text:
it goes into Content as data, never as markup, with control characters dropped."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content

from ...core.dates import describe, from_iso
from ...core.feedback.opportunities import STATUS_LABELS
from ...core.metrics import report as text
from ...core.metrics.figures import Figure, Report, Row
from ...core.metrics.ownership import GAP_LABELS
from ...core.text import clean_line, truncate

BAR_WIDTH = 12
NAME_WIDTH = 14
LISTED = 8
_BLOCKS = " ▁▂▃▄▅▆▇█"
_EIGHTHS = " ▏▎▍▌▋▊▉"


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


def _bars(rows: tuple[Row, ...] | list[Row], title: str, limit: int = LISTED) -> list[Content]:
    shown = list(rows[:limit])
    top = max((max(r.current, r.previous or 0) for r in shown), default=0)
    out = [Content.assemble((title, "bold"), ("  (before)", "$text-muted"))]
    for row in shown:
        out.append(Content.assemble(
            (_name(row.name), ""), (f"{row.current:>6,} ", "bold"), (f"{bar(row.current, top):<{BAR_WIDTH}}", "$accent"),
            (f" ({row.previous:,})" if row.previous is not None else "", "$text-muted")))
    if len(rows) > limit:
        out.append(Content.styled(f"… {len(rows) - limit} more", "$text-muted"))
    if not shown:
        out.append(Content.styled("nothing in either period", "$text-muted"))
    return out


def _received(found: Report) -> list[Content]:
    unit = "day" if found.bucket_days == 1 else "week"
    ranges = text.bucket_ranges(found)
    top = max((n for _, _, n in ranges), default=0)
    out = [Content.assemble((f"Received per {unit}", "bold"), ("  (grey: before)", "$text-muted"))]
    half = len(ranges) - len(ranges) // 2
    for index, (_start, end, count) in enumerate(ranges):
        ending = from_iso(end).astimezone()
        label = f"to {ending.day:>2} {text._MONTHS[ending.month - 1]}"
        out.append(Content.assemble((f"{label:<10}", "$text-muted"), (f"{count:>6,} ", "bold"),
                                    (bar(count, top), "$accent" if index >= half else "$text-muted")))
    return out


def _opportunities(found: Report) -> list[Content]:
    out = [Content.styled("Top opportunities (importance-weighted)", "bold")]
    for d in found.opportunities[:LISTED]:
        out.append(Content.assemble((f"{d.id:<5}", "$text-muted"), (truncate(clean_line(d.title), 34), "bold")))
        out.append(Content.assemble(
            ("     ", ""), (STATUS_LABELS.get(d.status, d.status), "$accent"),
            (f" · score {d.score} · {d.customers} customers · {d.received} this period, {d.received_before} before", "$text-muted")))
    if not found.opportunities:
        out.append(Content.styled("No feedback is linked to an opportunity yet (o in the inbox).", "$text-muted"))
    return out


def _close_the_loop(found: Report) -> list[Content]:
    out = [Content.styled("Shipped: customers to tell", "bold")]
    for d in found.close_the_loop:
        out.append(Content.assemble((f"{d.id:<5}", "$text-muted"), (truncate(clean_line(d.title), 34), "bold"),
                                    (f"  {d.customers} customers", "$accent")))
    if not found.close_the_loop:
        out.append(Content.styled("Nobody is waiting: no shipped opportunity has customers.", "$text-muted"))
    else:
        out.append(Content.styled("enter opens it; w there writes who asked as CSV", "$text-muted"))
    return out


def _gaps(found: Report) -> list[Content]:
    out = [Content.styled("Gaps in the area map", "bold")]
    for kind, label in GAP_LABELS.items():
        paths = [g.path for g in found.ownership.gaps if g.kind == kind]
        if paths:
            out.append(Content.assemble((f"{label}: ", "$warning"), ", ".join(clean_line(p) for p in paths)))
    if not found.ownership.gaps:
        out.append(Content.styled("None: every area has an active owner and a maintainer.", "$success"))
    return out


def _left(found: Report, now: datetime) -> list[Content]:
    out = [Content.styled("People who left and still own something", "bold")]
    for person in found.ownership.left:
        held = "; ".join(f"{verb} {clean_line(path)}" for verb, path in person.areas)
        extra = [f"{len(person.actions)} open actions" if person.actions else "",
                 f"named in {person.rules} CODEOWNERS rules" if person.rules else ""]
        left = describe(from_iso(person.left_at), now=now).split(" (")[0] if person.left_at else "left"
        out.append(Content.assemble((clean_line(person.name), "bold"), (f"  left {left}", "$text-muted")))
        out.append(Content.assemble(("  ", ""), "; ".join(part for part in (held, *extra) if part)))
    if not found.ownership.left:
        out.append(Content.styled("Nobody: everything a leaver held has a new owner.", "$success"))
    return out


def _actions(found: Report, now: datetime) -> list[Content]:
    out = [Content.styled("Overdue retro actions", "bold")]
    for action in found.overdue[:LISTED]:
        owners = ", ".join(clean_line(found.owner_names.get(o, o)) for o in action.owners) or "nobody"
        due = describe(from_iso(action.due), now=now) if action.due else ""
        out.append(Content.assemble((f"{action.id:<5}", "$text-muted"), truncate(clean_line(action.text), 40)))
        out.append(Content.assemble(("     ", ""), (owners, "$accent"), (f" · due {due}", "$error")))
    if not found.overdue:
        out.append(Content.styled("None overdue.", "$success"))
    return out


def _checklists(found: Report) -> list[Content]:
    out = [Content.styled("Recurring checklists: on time / missed", "bold")]
    for counts in found.checklists:
        out.append(Content.assemble((_name(counts.name, 26), ""), (f"{counts.on_time[0]:>3} on time", "$success"),
                                    (f"{counts.missed[0]:>3} missed", "$error" if counts.missed[0] else "$text-muted"),
                                    (f"   before {counts.on_time[1]}/{counts.missed[1]}", "$text-muted")))
    if not found.checklists:
        out.append(Content.styled("No recurring checklist fell due in either period.", "$text-muted"))
    return out


_DETAILS = {
    "received": lambda f, now: [*_received(f), Content(""), *_bars(f.by_source, "By source"), Content(""), *_bars(f.by_area, "By area")],
    "triaged": lambda f, now: _bars(f.triage_times, "Time from received to triaged"),
    "median_hours_to_triage": lambda f, now: _bars(f.triage_times, "Time from received to triaged"),
    "p90_hours_to_triage": lambda f, now: _bars(f.triage_times, "Time from received to triaged"),
    "triaged_within_1_business_day_pct": lambda f, now: _bars(f.triage_times, "Time from received to triaged"),
    "new_backlog": lambda f, now: _bars(f.backlog_ages, "Waiting in New, by age"),
    "with_area_pct": lambda f, now: _bars(f.by_area, "Received, by area"),
    "linked_pct": lambda f, now: _opportunities(f),
    "opportunities_asked_for": lambda f, now: _opportunities(f),
    "customers_waiting": lambda f, now: _close_the_loop(f),
    "area_owner_coverage_pct": lambda f, now: _gaps(f),
    "codeowners_rules_owned_pct": lambda f, now: _gaps(f),
    "areas_without_owner": lambda f, now: _gaps(f),
    "people_left_still_owning": lambda f, now: _left(f, now),
    "people_left": lambda f, now: _left(f, now),
    "actions_created": lambda f, now: _actions(f, now),
    "actions_done": lambda f, now: _actions(f, now),
    "actions_overdue": lambda f, now: _actions(f, now),
    "action_completion_pct": lambda f, now: _actions(f, now),
    "checklist_runs_on_time": lambda f, now: _checklists(f),
    "checklist_runs_missed": lambda f, now: _checklists(f),
}


def drill_hint(figure: Figure) -> str:
    """What enter showed, when the screen alone does not say it (a filter close to the figure)."""
    drill = figure.drill
    return drill.note if drill is not None else ""


def _opens(figure: Figure) -> str:
    drill = figure.drill
    if drill is None:
        return "nothing to open for a fixed window"
    if drill.record:
        return f"{drill.record} in its pane"
    if drill.pane == "inbox":
        return f"the inbox, filter: {drill.filter}" if drill.filter else "the inbox"
    return {"areas": "the areas' gaps", "checklists": "Checklists & nudges: the open actions and the runs",
            "opportunities": "every opportunity and who asked"}.get(drill.pane, drill.pane)


def detail(found: Report, kind: str, key: str, *, now: datetime) -> Content:
    if kind == "unknown":
        for unknown_key, label, reason in found.not_computed:
            if unknown_key == key:
                return Content("\n").join([Content.styled(label, "bold"), Content(""),
                                           Content.styled(f"Not computed: {reason}.", "$warning"),
                                           Content.styled("prodops shows no estimate in its place.", "$text-muted")])
        return Content("")
    figure = found.figure(key)
    lines = [Content.styled(figure.label, "bold $primary")]
    summary = [(text.value_text(figure.value, figure.unit), "bold")]
    if figure.previous is not None:
        good = text.is_good(figure)
        summary += [(f" now · {text.value_text(figure.previous, figure.unit)} before · ", "$text-muted"),
                    (text.change_text(figure), {True: "$success", False: "$error", None: "$text-muted"}[good])]
    lines.append(Content.assemble(*summary))
    if figure.note:
        lines.append(Content.styled(figure.note, "$text-muted"))
    lines.append(Content(""))
    lines += _DETAILS.get(key, lambda f, now: [])(found, now)
    lines += [Content(""), Content.assemble(("enter ", "bold $accent"), (_opens(figure), "$text-muted"))]
    if figure.drill is not None and figure.drill.note:
        lines.append(Content.styled(figure.drill.note, "$text-muted" if figure.drill.exact else "$warning"))
    return Content("\n").join(lines)
