"""The report as Markdown (a weekly product-ops report to paste into a wiki or a chat) and as
JSON (stable field names for dashboards; docs/REFERENCE.md lists them). Both render one `Report`,
every section of it: roadmap.with_roadmap adds the roadmap section (its "days" unit reads "12.5 d").

User text (titles, names, paths, sources) is data: control characters and bidirectional
controls are dropped, and every character Markdown or a wiki would read as syntax is escaped,
so a customer's `|`, `*` or `<script>` shows as typed and never breaks a table.
"""

from __future__ import annotations

import json
from datetime import timedelta, tzinfo
from typing import Any

from ..dates import display_datetime, display_day, to_iso
from ..feedback.opportunities import STATUS_LABELS
from ..text import markdown_line
from .figures import Figure, Report, Row
from .ownership import GAP_LABELS

SCHEMA = 1
WHAT_CHANGED = 6  # lines in "What changed": the biggest moves


# --- values as people read them ----------------------------------------------------------------


def value_text(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "pct":
        return f"{value:.0f}%"
    if unit == "hours":
        return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} d"
    if unit == "days":
        return f"{value:.1f} d"
    return f"{value:,.0f}"


def change_text(figure: Figure) -> str:
    """"+23 (+22%)", "-7 pts", "+3.1 h"; "" when there is nothing to compare."""
    change = figure.change
    if change is None:
        return ""
    if change == 0:
        return "same"
    if figure.unit == "pct":
        return f"{change:+.1f} pts" if abs(change) < 1 else f"{change:+.0f} pts"  # not "+0 pts" for a real move
    if figure.unit == "hours":
        return f"{change:+.1f} h" if abs(change) < 48 else f"{change / 24:+.1f} d"
    if figure.unit == "days":
        return f"{change:+.1f} d"
    relative = f" ({100 * change / figure.previous:+.0f}%)" if figure.previous else ""
    return f"{change:+,.0f}{relative}"


def is_good(figure: Figure) -> bool | None:
    """Whether the change is good news (None: no direction, or no change)."""
    if not figure.change or not figure.better:
        return None
    return (figure.change > 0) == (figure.better == "up")


def what_changed(report: Report, limit: int = WHAT_CHANGED) -> list[tuple[Figure, str]]:
    """The biggest moves, one sentence each: relative change for counts, points for shares."""
    moves = []
    for figure in report.figures:
        change = figure.change
        if not change or figure.previous is None or figure.value is None:
            continue
        # Points of a share count as they read; a count or a time relative to where it was,
        # against at least 10 (0 -> 3 actions is news, not a 300% jump above everything else).
        size = abs(change) / 100 if figure.unit == "pct" else abs(change) / max(abs(figure.previous), 10)
        word = "up" if change > 0 else "down"
        verdict = {True: " (good)", False: " (worse)", None: ""}[is_good(figure)]
        sentence = (f"{figure.label}: {value_text(figure.value, figure.unit)}, {word} "
                    f"{change_text(figure).lstrip('+-')} from {value_text(figure.previous, figure.unit)}{verdict}")
        moves.append((size, figure, sentence))
    moves.sort(key=lambda move: -move[0])
    return [(figure, sentence) for _, figure, sentence in moves[:limit]]


def earlier_hint(report: Report, *, tz: tzinfo | None = None, how: str = "") -> str:
    """One sentence when nothing was received in the period but earlier feedback exists: how
    much, from when to when, and how to count it: `how`, else the report's options ("" when
    the period received something or nothing came before)."""
    earlier = report.earlier
    if not earlier.count or report.figure("received").value:
        return ""
    items = f"{earlier.count:,} item" + ("s were" if earlier.count != 1 else " was")
    span = display_day(earlier.first, tz=tz) if earlier.first[:10] == earlier.last[:10] else \
        f"{display_day(earlier.first, tz=tz)} to {display_day(earlier.last, tz=tz)}"
    how = how or f"prodops report {earlier.options} covers them"
    return f"No feedback was received in this period; {items} received before it ({span}): {how}."


def bucket_ranges(report: Report) -> list[tuple[str, str, int]]:
    """(start ISO, end ISO, count) per received bucket, oldest first."""
    end = report.period.end
    size = timedelta(days=report.bucket_days)
    count = len(report.received_buckets)
    return [(to_iso(end - size * (count - i)), to_iso(end - size * (count - i - 1)), n)
            for i, n in enumerate(report.received_buckets)]


# --- JSON ----------------------------------------------------------------------------------------


def _json_number(value: float | None) -> float | int | None:
    """A figure for JSON: a whole number as an int, any other to two places, None as null."""
    if value is None:
        return None
    return round(value, 2) if isinstance(value, float) and not value.is_integer() else int(value)


def to_json(report: Report) -> dict[str, Any]:
    period, previous = report.period, report.period.previous
    owned = report.ownership
    return {
        "schema": SCHEMA,
        "generated_at": report.generated_at,
        "period": {"label": period.label, "start": period.start_iso, "end": period.end_iso,
                   "days": _json_number(period.length.total_seconds() / 86400),
                   "previous": {"start": previous.start_iso, "end": previous.end_iso}},
        "figures": {f.key: {"label": f.label, "value": _json_number(f.value), "previous": _json_number(f.previous),
                            "change": _json_number(f.change), "unit": f.unit, "section": section.key}
                    for section in report.sections for f in section.figures},
        "received_per_bucket": {"bucket_days": report.bucket_days,
                                "buckets": [{"start": s, "end": e, "count": n} for s, e, n in bucket_ranges(report)]},
        "by_source": [{"source": r.key, "count": r.current, "previous": r.previous} for r in report.by_source],
        "by_area": [{"area_id": r.key or None, "area": r.name if r.key else None, "count": r.current, "previous": r.previous}
                    for r in report.by_area],
        "backlog_age": [{"age": r.key, "count": r.current, "previous": r.previous} for r in report.backlog_ages],
        "time_to_triage": [{"within": r.key, "count": r.current, "previous": r.previous} for r in report.triage_times],
        "top_opportunities": [{"id": d.id, "title": d.title, "status": d.status, "score": d.score, "feedback": d.feedback,
                               "customers": d.customers, "received": d.received, "received_previous": d.received_before}
                              for d in report.opportunities],
        "close_the_loop": [{"id": d.id, "title": d.title, "customers": d.customers} for d in report.close_the_loop],
        "gaps": [{"kind": g.kind, "area_id": g.area_id, "area": g.path} for g in owned.gaps],
        "people_left_still_owning": [
            {"id": p.id, "name": p.name, "left_at": p.left_at, "areas": [{"role": verb, "area": path} for verb, path in p.areas],
             "open_actions": list(p.actions), "codeowners_rules": p.rules} for p in owned.left],
        "overdue_actions": [{"id": a.id, "text": a.text, "owners": [report.owner_names.get(o, o) for o in a.owners],
                             "due": a.due, "retro": a.retro} for a in report.overdue],
        "checklists": [{"id": c.checklist, "name": c.name, "on_time": c.on_time[0], "missed": c.missed[0],
                        "on_time_previous": c.on_time[1], "missed_previous": c.missed[1]} for c in report.checklists],
        "not_computed": [{"figure": key, "label": label, "reason": reason} for key, label, reason in report.not_computed],
        # Where older history is, so an empty period of imported data is not read as no data.
        "before_period": {"count": report.earlier.count, "first": report.earlier.first or None,
                          "last": report.earlier.last or None, "options": report.earlier.options or None},
    }


def json_text(report: Report) -> str:
    return json.dumps(to_json(report), ensure_ascii=False, indent=2) + "\n"


# --- Markdown ------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]], right: int = 0) -> list[str]:
    """A Markdown table; the last `right` columns (numbers) aligned right. Cells are escaped already."""
    align = ["---"] * (len(header) - right) + ["---:"] * right
    return ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |", *("| " + " | ".join(r) + " |" for r in rows)]


def _when(iso: str | None, tz: tzinfo | None) -> str:
    return display_datetime(iso, tz=tz) if iso else ""


def _rows(rows: tuple[Row, ...], label: str, limit: int = 12) -> list[str]:
    shown = [[markdown_line(r.name), f"{r.current:,}", f"{r.previous:,}" if r.previous is not None else ""] for r in rows[:limit]]
    if len(rows) > limit:
        rest = rows[limit:]
        shown.append([f"{len(rest)} more", f"{sum(r.current for r in rest):,}", f"{sum(r.previous or 0 for r in rest):,}"])
    return _table([label, "This period", "Before"], shown, right=2)


def to_markdown(report: Report, *, tz: tzinfo | None = None) -> str:
    period = report.period
    out = [f"# Product-ops report: {markdown_line(period.label)}", ""]
    out.append(f"{_when(period.start_iso, tz)} to {_when(period.end_iso, tz)}, compared with "
               f"{markdown_line(period.previous.label)}. Generated by prodops at {_when(report.generated_at, tz)}.")
    hint = earlier_hint(report, tz=tz)
    if hint:
        out += ["", f"**{markdown_line(hint)}**"]
    out += ["", "## What changed", ""]
    changes = what_changed(report)
    out += [f"- {markdown_line(sentence)}" for _, sentence in changes] or ["- Nothing moved between the two periods."]
    for section in report.sections:
        out += ["", f"## {section.title}", ""]
        out += _table(["Figure", "This period", "Before", "Change"],
                      [[markdown_line(f.label), value_text(f.value, f.unit),
                        value_text(f.previous, f.unit) if f.previous is not None else "",
                        change_text(f)] for f in section.figures], right=3)
        if section.key == "flow":
            out += ["", f"Feedback received per {'day' if report.bucket_days == 1 else 'week'} (oldest first):", ""]
            out += _table(["From", "To", "Received"],
                          [[display_day(s, tz=tz, weekday=True), display_day(e, tz=tz, weekday=True), f"{n:,}"]
                           for s, e, n in bucket_ranges(report)], right=1)
            out += ["", "### By source", ""] + _rows(report.by_source, "Source")
            out += ["", "### By area", ""] + _rows(report.by_area, "Area")
            out += ["", "### New backlog by age", ""] + _rows(report.backlog_ages, "Waiting")
        if section.key == "opportunities":
            out += ["", "### Top opportunities", ""]
            out += _table(["Opportunity", "Status", "Score", "Customers", "Feedback", "This period", "Before"],
                          [[f"{d.id} {markdown_line(d.title)}", STATUS_LABELS.get(d.status, markdown_line(d.status)), f"{d.score:,}", f"{d.customers:,}",
                            f"{d.feedback:,}", f"{d.received:,}", f"{d.received_before:,}"] for d in report.opportunities], right=5) \
                if report.opportunities else ["No feedback is linked to an opportunity yet."]
            if report.close_the_loop:
                out += ["", "Shipped, customers to tell: " + "; ".join(
                    f"{d.id} {markdown_line(d.title)} ({d.customers})" for d in report.close_the_loop)]
        if section.key == "roadmap":  # core/metrics/roadmap.py: how each is counted, with its n
            out += [""] + [f"- {markdown_line(f.label)}: {markdown_line(f.note)}" for f in section.figures if f.note]
        if section.key == "ownership":
            out += ["", "### Gaps", ""]
            for kind, label in GAP_LABELS.items():
                paths = [markdown_line(g.path) for g in report.ownership.gaps if g.kind == kind]
                if paths:
                    out.append(f"- **{label.capitalize()}:** {', '.join(paths)}")
            if not report.ownership.gaps:
                out.append("- None: every area has an active owner and a maintainer.")
            if report.ownership.left:
                out += ["", "### People who left and still own something", ""]
                out += _table(["Person", "Left", "Holds", "Open actions", "CODEOWNERS rules"],
                              [[markdown_line(p.name), _when(p.left_at, tz), markdown_line("; ".join(f"{v} {a}" for v, a in p.areas)),
                                ", ".join(p.actions), f"{p.rules}"] for p in report.ownership.left], right=1)
        if section.key == "rituals":
            out += ["", "### Overdue actions", ""]
            out += _table(["Action", "Owners", "Due", "Retro"],
                          [[f"{a.id} {markdown_line(a.text)}", markdown_line(", ".join(report.owner_names.get(o, o) for o in a.owners)) or "nobody",
                            _when(a.due, tz), a.retro or ""] for a in report.overdue]) \
                if report.overdue else ["None."]
            if report.checklists:
                out += ["", "### Checklists", ""]
                out += _table(["Checklist", "On time", "Missed", "On time before", "Missed before"],
                              [[markdown_line(c.name), f"{c.on_time[0]}", f"{c.missed[0]}", f"{c.on_time[1]}", f"{c.missed[1]}"]
                               for c in report.checklists], right=4)
    out += ["", "## Not computed", ""]
    out += [f"- **{markdown_line(label)}:** {markdown_line(reason)}" for _, label, reason in report.not_computed]
    return "\n".join(out) + "\n"
