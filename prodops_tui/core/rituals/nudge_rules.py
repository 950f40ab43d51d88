"""The nudge rules: each looks at the workspace and says whether something wants attention
(stale feedback, overdue retro actions, areas nobody owns, ...); `compute` runs them all.
Their thresholds and weights: nudge_settings.py."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, NamedTuple

from ..dates import display_day, from_iso, to_iso
from ..feedback.filters import ids_query
from ..model import ActionItem, FeedbackItem, Person
from ..storage.store import Store
from ..storage.where import Where
from ..text import clean_line, plural, truncate
from .nudge_model import Nudge, NudgeTarget, score
from .nudge_settings import Settings, load_settings, weight_key

DAY = 86400.0


def _days(later: datetime, earlier_iso: str) -> float:
    return (later - from_iso(earlier_iso)).total_seconds() / DAY


def _day_word(days: float) -> str:
    return plural(int(days), "day") if days >= 1 else "under a day"


def _short(text: str, width: int = 48) -> str:
    """A title quoted in a nudge: one line, cut to `width` (text.truncate, the one cutter)."""
    return truncate(clean_line(text), width)


def _list(names: list[str], shown: int = 3) -> str:
    extra = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + extra


def _rule(key: str, rule: str, settings: Settings, section: str, *, title: str, detail: str, count: int,
          overdue_days: float, target: NudgeTarget, facts: Iterable[str]) -> Nudge:
    weight = settings.values[weight_key(section, rule)]
    return Nudge(key=key, rule=rule, title=title, detail=detail, count=count, weight=weight,
                 overdue_days=max(0.0, overdue_days), target=target, fact_tokens=tuple(facts),
                 score=score(weight, overdue_days, count))




def _inbox_target(ids: list[str], closest: str, label: str) -> NudgeTarget:
    """The inbox on exactly these items: an `id:` filter while they fit in one; else the items
    themselves, under `label`, with `closest` (status:new: it holds them, and more) beside them."""
    named = ids_query(ids)
    if named:
        return NudgeTarget("inbox", named, tuple(ids), True, label)
    return NudgeTarget("inbox", closest, tuple(ids), False, label)


def _stale_feedback(store: Store, now: datetime, s: Settings) -> list[Nudge]:
    days = s.get("stale_feedback", "days")
    cutoff = to_iso(now - timedelta(days=days))
    # SQLite picks them from the cache's columns: at 100k items reading every item's fields
    # into Python was most of `prodops nudges`.
    stale = store.fields(FeedbackItem, ("received_at",), where=(
        Where("status", "=", "new"), Where("snoozed_until", "empty"), Where("received_at", "<", cutoff)))
    if not stale:
        return []
    oldest_number = min(stale, key=itemgetter(1, 0))[0]
    ids = [f"{FeedbackItem.PREFIX}-{number}" for number, _ in stale]
    oldest = store.get(f"{FeedbackItem.PREFIX}-{oldest_number}")
    assert isinstance(oldest, FeedbackItem)
    age = _days(now, oldest.received_at)
    waiting = f"more than {plural(days, 'day')}" if days else "untriaged"
    title = f"{plural(len(stale), 'new feedback item')} waiting {waiting}"
    return [_rule(
        "stale-feedback", "stale-feedback", s, "stale_feedback",
        title=title,
        detail=f"oldest {oldest.id} “{_short(oldest.title)}” waiting {_day_word(age)}",
        count=len(stale), overdue_days=age - days,
        # Exactly these: "status:new" also holds the items received within the day (142 in the demo, not 119).
        target=_inbox_target(ids, "status:new", title),
        facts=ids,
    )]


class _Woke(NamedTuple):
    id: str
    snoozed_until: str



def _snoozed_due(store: Store, now: datetime, s: Settings) -> list[Nudge]:
    # view_status() shows these as plain "new" again; nobody has re-snoozed or triaged them.
    cutoff = to_iso(now - timedelta(days=s.get("snoozed_due", "days")))
    woke = sorted((snoozed, number) for number, snoozed in store.fields(
        FeedbackItem, ("snoozed_until",), where=(Where("status", "=", "new"), Where("snoozed_until", "<=", cutoff))))
    if not woke:
        return []
    due = [_Woke(f"{FeedbackItem.PREFIX}-{number}", snoozed) for snoozed, number in woke]
    first = store.get(due[0].id)
    assert isinstance(first, FeedbackItem)
    late = _days(now, due[0].snoozed_until)
    title = f"{plural(len(due), 'snoozed feedback item')} due again"
    return [_rule(
        "snoozed-due", "snoozed-due", s, "snoozed_due",
        title=title,
        detail=f"{first.id} “{_short(first.title)}” woke {_day_word(late)} ago",
        count=len(due), overdue_days=late,
        # Exactly these items: "status:new" would open every new item (142 in the demo), not the 4.
        target=_inbox_target([i.id for i in due], "status:new", title),
        facts=(f"{i.id}@{i.snoozed_until}" for i in due),
    )]


def _unowned_areas(store: Store, now: datetime, s: Settings) -> list[Nudge]:
    from ..areas.lookup import area_path
    from ..areas.ownership import gaps

    found = gaps(store)
    areas = found.no_owner + found.owner_left
    if len(areas) < max(1, s.get("unowned_areas", "min_areas")):
        return []
    people = {p.id: p for p in store.all(Person)}
    # How long: since the last owner left, where we know it (an area that never had one: not known).
    left = [max(people[o].left_at or "" for o in a.owners if o in people) for a in found.owner_left
            if any(o in people for o in a.owners)]
    overdue = max((_days(now, when) for when in left if when), default=0.0)
    paths = [area_path(store, a) for a in areas]
    detail = _list([area_path(store, a) for a in found.no_owner], 3) if found.no_owner else ""
    if found.owner_left:
        gone = "owners left: " + _list([area_path(store, a) for a in found.owner_left], 2)
        detail = f"{detail}; {gone}" if detail else gone
    return [_rule(
        "unowned-areas", "unowned-areas", s, "unowned_areas",
        title=f"{plural(len(areas), 'product area')} with no active owner",
        detail=detail or _list(paths), count=len(areas), overdue_days=overdue,
        target=NudgeTarget("areas", "", tuple(a.id for a in areas)),
        facts=[f"{a.id}:none" for a in found.no_owner] + [f"{a.id}:left" for a in found.owner_left],
    )]


def _action_line(action: ActionItem, people: dict[str, Person]) -> str:
    who = ", ".join(people[p].name for p in action.owners if p in people) or "no owner"
    due = from_iso(action.due or "")
    return f"{action.id} “{_short(action.text, 40)}” ({who}, due {display_day(due)})"


def _actions(store: Store, now: datetime, s: Settings) -> list[Nudge]:
    now_iso = to_iso(now)
    late_cutoff = to_iso(now - timedelta(days=s.get("actions", "overdue_days")))
    soon_cutoff = to_iso(now + timedelta(days=s.get("actions", "due_within_days")))
    open_ = sorted((a for a in store.all(ActionItem) if a.status == "open" and a.due),
                   key=lambda a: (a.due, a.number))
    overdue = [a for a in open_ if (a.due or "") < late_cutoff]
    soon = [a for a in open_ if now_iso <= (a.due or "") <= soon_cutoff]
    people = {p.id: p for p in store.all(Person)}
    out = []
    if overdue:
        late = _days(now, overdue[0].due or "")
        out.append(_rule(
            "actions-overdue", "actions-overdue", s, "actions",
            title=f"{plural(len(overdue), 'action item')} overdue (oldest {_day_word(late)})",
            detail=_action_line(overdue[0], people) + (f" and {len(overdue) - 1} more" if len(overdue) > 1 else ""),
            count=len(overdue), overdue_days=late,
            target=NudgeTarget("retro", "", tuple(a.id for a in overdue)),
            facts=(f"{a.id}@{a.due}" for a in overdue),
        ))
    if soon:
        within = s.get("actions", "due_within_days")
        out.append(_rule(
            "actions-due-soon", "actions-due-soon", s, "actions",
            title=f"{plural(len(soon), 'action item')} due within {plural(within, 'day')}",
            detail=_action_line(soon[0], people) + (f" and {len(soon) - 1} more" if len(soon) > 1 else ""),
            count=len(soon), overdue_days=0.0,
            target=NudgeTarget("retro", "", tuple(a.id for a in soon)),
            facts=(f"{a.id}@{a.due}" for a in soon),
        ))
    return out


def _matches_source(source: str, wanted: list[str]) -> bool:
    """Case-insensitive; a listed word matches as a whole word ("call" matches "sales call")."""
    value = source.casefold()
    return any(re.search(rf"(?<!\w){re.escape(w.casefold())}(?!\w)", value) for w in wanted)


def _quoted(word: str) -> str:
    return f'"{word}"' if " " in word else word


def _customer_conversation(store: Store, now: datetime, s: Settings) -> list[Nudge]:
    days = s.get("customer_conversation", "days")
    sources = s.get("customer_conversation", "sources")
    cutoff = to_iso(now - timedelta(days=days))
    if not store.count(FeedbackItem):
        return []  # a workspace with no feedback yet: the inbox says how to get some in
    # A regex per item took 1.6 s at 100k; there are only a few distinct sources.
    talking = sorted(source for source in store.distinct(FeedbackItem, "source") if source and _matches_source(source, sources))
    rows = store.fields(FeedbackItem, ("received_at",), where=(Where("source", "in", tuple(talking)), Where("received_at", "set"))) if talking else []
    newest = max(((received, number) for number, received in rows), default=None)
    last = store.get(f"{FeedbackItem.PREFIX}-{newest[1]}") if newest else None
    assert last is None or isinstance(last, FeedbackItem)
    if last is not None and last.received_at >= cutoff:
        return []
    week = now.isocalendar()
    filter_ = " ".join(f"source:{_quoted(w)}" for w in sources)
    ids: tuple[str, ...] = ()  # the item the nudge points at
    if last is None:
        title, detail, overdue = "No customer conversation logged yet", "", 0.0
    else:
        ago = _days(now, last.received_at)
        title = f"No customer conversation logged in {plural(int(ago), 'day')}"
        detail, overdue, ids = f"last: {last.id} {last.source}" + (f", {last.customer}" if last.customer else ""), ago - days, (last.id,)
    detail = (detail + "; " if detail else "") + f"talk to a customer at least every {plural(days, 'day')}"
    return [_rule(
        "no-customer-conversation", "no-customer-conversation", s, "customer_conversation",
        title=title, detail=detail, count=1, overdue_days=overdue,
        # The last conversation, the one the detail names; with none yet, the filter that will list them.
        target=_inbox_target(list(ids), filter_, title) if ids else NudgeTarget("inbox", filter_, (), True, title),
        # Back every week (a weekly habit), or when another conversation came and went.
        facts=(f"week:{week.year}-W{week.week:02d}", f"last:{last.id if last else '-'}"),
    )]


def _opportunities(store: Store, now: datetime, s: Settings) -> list[Nudge]:
    from ..feedback.opportunities import linked_feedback, stats

    minimum = max(1, s.get("opportunities", "min_feedback"))
    out = []
    for stat in stats(store):
        opportunity = stat.opportunity
        if opportunity.status != "exploring" or opportunity.decided_at or stat.feedback < minimum:
            continue
        linked = linked_feedback(store, opportunity.id)
        crossed = sorted(i.received_at for i in linked if i.received_at)
        since = _days(now, crossed[minimum - 1]) if len(crossed) >= minimum else 0.0
        out.append(_rule(
            f"opportunity-no-decision:{opportunity.id}", "opportunity-no-decision", s, "opportunities",
            title=f"{opportunity.id} “{_short(opportunity.title, 40)}”: {plural(stat.feedback, 'feedback item')}, no decision",
            detail=f"{plural(stat.customers, 'customer')} asked; still exploring",
            count=stat.feedback, overdue_days=since,
            target=NudgeTarget("opportunities", "", (opportunity.id,)),
            facts=(i.id for i in linked),
        ))
    return out


def _checklists(store: Store, now: datetime, s: Settings) -> list[Nudge]:
    from .checklists import runs_due

    grace = to_iso(now - timedelta(days=s.get("checklists", "grace_days")))
    by_checklist: dict[str, list[Any]] = {}
    for due in runs_due(store, now):
        if due.missed or due.due_at <= grace:
            by_checklist.setdefault(due.checklist.id, []).append(due)
    out = []
    for checklist_id, dues in by_checklist.items():
        dues.sort(key=lambda d: d.due_at)
        checklist = dues[0].checklist
        missed = [d for d in dues if d.missed]
        current = [d for d in dues if not d.missed]
        parts = []
        if missed:
            parts.append(f"{plural(len(missed), 'run')} missed")
        if current:
            run = current[-1].run
            if run is not None:
                done = sum(1 for step in run.steps if step.done)
                parts.append(f"due, {done} of {len(run.steps)} steps done")
            else:
                parts.append("due, not started")
        first = from_iso(dues[0].due_at)
        out.append(_rule(
            f"checklist-runs:{checklist_id}", "checklist-runs", s, "checklists",
            title=f"{_short(checklist.name, 40)}: {', '.join(parts)}",
            detail=f"since {display_day(first, weekday=True)}" + (f" ({checklist.team})" if checklist.team else ""),
            count=len(dues), overdue_days=_days(now, dues[0].due_at),
            target=NudgeTarget("checklists", "", tuple([checklist_id] + [d.run.id for d in dues if d.run is not None])),
            facts=(f"{d.due_at}:{'missed' if d.missed else 'due'}" for d in dues),
        ))
    return out


RULES = (
    ("stale_feedback", _stale_feedback),
    ("snoozed_due", _snoozed_due),
    ("unowned_areas", _unowned_areas),
    ("actions", _actions),
    ("checklists", _checklists),
    ("customer_conversation", _customer_conversation),
    ("opportunities", _opportunities),
)


def compute(store: Store, now: datetime) -> tuple[list[Nudge], Settings, list[str]]:
    """Every enabled rule's nudges, best first (score, then key), with the settings used and their problems."""
    settings, problems = load_settings(store.directory)
    found: list[Nudge] = []
    for section, rule in RULES:
        if settings.get(section, "enabled"):
            found.extend(rule(store, now, settings))
    found.sort(key=lambda n: (-n.score, n.key))
    return found, settings, problems
