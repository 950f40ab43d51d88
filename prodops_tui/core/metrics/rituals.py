"""Retro follow-through and checklist runs, for a window [start, end).

Retro action items:
- created: created_at in the window; done: marked done (done_at) in the window.
- overdue at a moment: due before it, created before it, and not done or dropped by then.
- completion rate: of the actions due in the window (and not dropped by its end), the share
  marked done by its end.
Checklist runs (recurring checklists only; one run on demand is never late):
- an occurrence in the window is on time when a run for it was completed before the next
  occurrence (or, for the occurrence still current at the window's end, by that end);
  missed when the next occurrence came without one. The current one not yet done is
  neither: it still has time.
Nudges are not here: when a nudge was shown or acted on is not stored (a dismissal is kept
only while the nudge stays quiet, and bringing it back deletes it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..dates import to_iso
from ..model import ActionItem, ChecklistRun, ChecklistTemplate
from ..rituals.checklists import recurrence
from ..storage.store import Store


@dataclass
class ActionCounts:
    created: int = 0
    done: int = 0
    overdue: int = 0  # at the window's end
    due: int = 0  # due in the window, not dropped by its end
    done_of_due: int = 0

    @property
    def completion_pct(self) -> float | None:
        return 100.0 * self.done_of_due / self.due if self.due else None


def overdue_at(action: ActionItem, at_iso: str) -> bool:
    if not action.due:
        return False
    closed = action.status != "open" and action.done_at is not None and action.done_at < at_iso
    return action.due < at_iso and action.created_at < at_iso and not closed


def action_counts(actions: list[ActionItem], start_iso: str, end_iso: str) -> ActionCounts:
    counts = ActionCounts()
    for action in actions:
        if start_iso <= action.created_at < end_iso:
            counts.created += 1
        if action.status == "done" and action.done_at and start_iso <= action.done_at < end_iso:
            counts.done += 1
        if overdue_at(action, end_iso):
            counts.overdue += 1
        if action.due and start_iso <= action.due < end_iso and action.created_at < end_iso:
            dropped = action.status == "dropped" and action.done_at is not None and action.done_at < end_iso
            if not dropped:
                counts.due += 1
                counts.done_of_due += action.status == "done" and action.done_at is not None and action.done_at < end_iso
    return counts


def overdue_actions(store: Store, at_iso: str) -> list[ActionItem]:
    """Overdue at a moment, the longest overdue first."""
    return sorted((a for a in store.all(ActionItem) if overdue_at(a, at_iso)), key=lambda a: (a.due or "", a.number))


@dataclass
class ChecklistCounts:
    checklist: str  # id
    name: str
    on_time: list[int] = field(default_factory=lambda: [0, 0])  # [this window, the window before]
    missed: list[int] = field(default_factory=lambda: [0, 0])


def checklist_counts(store: Store, windows: tuple[tuple[datetime, datetime], tuple[datetime, datetime]]) -> list[ChecklistCounts]:
    """Per recurring checklist, occurrences on time and missed in each window (this one first)."""
    runs: dict[tuple[str, str], ChecklistRun] = {}
    for run in store.all(ChecklistRun):
        if run.due_at:
            runs[(run.checklist, run.due_at)] = run
    found = []
    for checklist in sorted(store.all(ChecklistTemplate), key=lambda c: c.number):
        rule = recurrence(checklist)
        if rule is None:
            continue
        counts = ChecklistCounts(checklist.id, checklist.name)
        for index, (start, end) in enumerate(windows):
            try:
                occurrences = [o for o in rule.between(start, end, inc=True) if start <= o < end]
            except TypeError:  # a hand-written rule without a zone: not comparable, left out
                continue
            for occurrence in occurrences:
                after = rule.after(occurrence)
                ran = runs.get((checklist.id, to_iso(occurrence)))
                done = ran.completed_at if ran is not None else None
                if after is not None and after <= end:
                    if done and done <= to_iso(after):
                        counts.on_time[index] += 1
                    else:
                        counts.missed[index] += 1
                elif done and done < to_iso(end):
                    counts.on_time[index] += 1
        if any(counts.on_time) or any(counts.missed):
            found.append(counts)
    return found
