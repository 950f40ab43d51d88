"""Nudges: careful reminders computed from the data, at most a few at once.

Each rule looks at the workspace and says whether something wants attention
(stale feedback, overdue retro actions, areas nobody owns, ...). The list is
balanced: only the `max_shown` highest-scoring nudges show; a dismissed nudge
stays quiet until its facts change (something new joins it), a snoozed one
until its date.

The team's settings: `<workspace>/nudges.toml`. Every key is optional; a value
that is not a number (or is negative) is reported as one line and its default
used, the rest still applies. A file that is not valid TOML is reported with
its line and every default is used.

    max_shown = 5                 # nudges shown at once; the rest are "+N more"

    [stale_feedback]              # New feedback nobody has triaged
    days = 1                      # older than this (a 24-hour triage expectation)
    [snoozed_due]                 # snoozed feedback whose date has come
    days = 0                      # this many days after the snooze ended
    [unowned_areas]               # areas with no owner, or whose owners all left
    min_areas = 1
    [actions]                     # open retro action items
    overdue_days = 0              # past due by more than this
    due_within_days = 7           # "due this week"
    [checklists]                  # checklist runs due or missed
    grace_days = 0                # a due run nudges this many days after its date
    [customer_conversation]       # the weekly customer touchpoint (Teresa Torres)
    days = 7                      # no feedback from a conversation received in this many days
    # a source matches case-insensitively, a listed word as a whole word ("call": "sales call")
    sources = ["customer call", "sales call", "call", "interview", "meeting", "visit"]
    [opportunities]               # opportunities still "exploring"
    min_feedback = 10             # with at least this much linked feedback

Every section also takes `weight = N` (how much its nudges matter, see
WEIGHTS; [actions] has `weight` for overdue and `due_soon_weight`) and
`enabled = false` (turn the rule off).

Ranking: score = weight x urgency x volume, where urgency = 1 + log2(1 +
overdue_days) (on time 1, a day late 2, a week late 4, a month late 6: late
matters, but a month-old pile must not bury a promise broken yesterday) and
volume = 1 + log10(count) (1 item 1, 10 items 2, 100 items 3).
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .dates import describe, from_iso, parse_when, to_iso
from .errors import InvalidInput, NotFound
from .model import ActionItem, FeedbackItem, NudgeState, Person
from .store import Store

SETTINGS_NAME = "nudges.toml"
PANES = ("inbox", "areas", "retro", "checklists", "opportunities")
# Where each pane is in the app, for the one-line hints of `prodops nudges`.
PANE_HINTS = {
    "inbox": "1 Inbox",
    "areas": "2 Areas",
    "retro": "3 Retro",
    "checklists": "4 Checklists",
    "opportunities": "1 Inbox, O Opportunities",
}
# How much a nudge of each rule matters, and why:
WEIGHTS = {
    "actions-overdue": 5,  # a promise the team made itself; broken ones empty the next retro
    "checklist-runs": 4,  # a missed ritual is silent: nobody else will notice
    "stale-feedback": 4,  # a customer is waiting; triage within a day is the common expectation
    "snoozed-due": 3,  # the user asked to be reminded, today is the day
    "unowned-areas": 3,  # structural: feedback for these areas has nobody to go to
    "no-customer-conversation": 3,  # the weekly habit slipping; it does not get more urgent by the hour
    "actions-due-soon": 2,  # not late yet: a heads-up
    "opportunity-no-decision": 2,  # important but slow; a decision can take a planning cycle
}
# Settings sections: section name -> {key: default}. "weight" and "enabled" are added to each.
SECTIONS: dict[str, dict[str, Any]] = {
    "stale_feedback": {"days": 1},
    "snoozed_due": {"days": 0},
    "unowned_areas": {"min_areas": 1},
    "actions": {"overdue_days": 0, "due_within_days": 7},
    "checklists": {"grace_days": 0},
    "customer_conversation": {
        "days": 7,
        "sources": ["customer call", "sales call", "call", "interview", "meeting", "visit"],
    },
    "opportunities": {"min_feedback": 10},
}
SECTION_RULES = {
    "stale_feedback": ("stale-feedback",),
    "snoozed_due": ("snoozed-due",),
    "unowned_areas": ("unowned-areas",),
    "actions": ("actions-overdue", "actions-due-soon"),
    "checklists": ("checklist-runs",),
    "customer_conversation": ("no-customer-conversation",),
    "opportunities": ("opportunity-no-decision",),
}
WHOLE_NUMBERS = {"max_shown", "min_areas", "min_feedback"}
DEFAULT_MAX_SHOWN = 5
FINGERPRINT_MAX = 4000  # facts longer than this are kept as a hash (then any change counts)
DAY = 86400.0


# --- what a nudge is ----------------------------------------------------------


@dataclass(frozen=True)
class NudgeTarget:
    """Where `enter` jumps: a pane, and the items (ids) or an inbox filter that shows them.
    `ids` are exact; `filter` is the closest inbox filter (the language of core/filters.py)."""

    pane: str
    filter: str = ""
    ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"pane": self.pane, "filter": self.filter, "ids": list(self.ids)}


@dataclass(frozen=True)
class Nudge:
    key: str  # stable identity: "stale-feedback", "checklist-runs:C-3", "opportunity-no-decision:O-2"
    rule: str
    title: str  # one short line
    detail: str  # one line
    count: int
    weight: float
    overdue_days: float
    target: NudgeTarget
    facts: str  # fingerprint of the facts; see quiet_by()
    score: float = 0.0

    @property
    def hint(self) -> str:
        return PANE_HINTS.get(self.target.pane, self.target.pane)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "rule": self.rule, "title": self.title, "detail": self.detail, "count": self.count,
            "score": self.score, "weight": self.weight, "overdue_days": round(self.overdue_days, 2),
            "target": self.target.to_dict(),
        }


@dataclass(frozen=True)
class NudgeList:
    shown: list[Nudge]  # at most max_shown, best first
    more: list[Nudge]  # held back by max_shown, best first
    quiet: list[Nudge]  # dismissed (facts unchanged) or snoozed
    problems: list[str]  # one line each, about nudges.toml

    @property
    def held_back(self) -> int:
        return len(self.more)


def score(weight: float, overdue_days: float, count: int) -> float:
    urgency = 1 + math.log2(1 + max(0.0, overdue_days))
    volume = 1 + math.log10(max(1, count))
    return round(weight * urgency * volume, 2)


def fingerprint(tokens: Iterable[str]) -> str:
    """The facts as sorted tokens ("F-12 T-3@2026-11-20…"), or a hash if that grows too long."""
    text = " ".join(sorted(set(tokens)))
    if len(text) > FINGERPRINT_MAX:
        return "sha1:" + hashlib.sha1(text.encode()).hexdigest()
    return text


def still_quiet(dismissed_facts: str, current_facts: str) -> bool:
    """A dismissed nudge stays quiet while nothing new joined its facts (fewer is fine:
    triaging some of the stale items should not bring the nudge back)."""
    if dismissed_facts == current_facts:
        return True
    if dismissed_facts.startswith("sha1:") or current_facts.startswith("sha1:"):
        return False
    return set(current_facts.split()) <= set(dismissed_facts.split())


# --- settings -----------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    values: dict[str, Any] = field(default_factory=dict)  # "section.key" -> value, defaults filled in

    def get(self, section: str, key: str) -> Any:
        return self.values[f"{section}.{key}"]

    @property
    def max_shown(self) -> int:
        return self.values["max_shown"]


def _weight_key(section: str, rule: str) -> str:
    """"actions.weight" for a section's first rule; "actions.due_soon_weight" for the others."""
    if rule == SECTION_RULES[section][0]:
        return f"{section}.weight"
    return f"{section}.{rule.split('-', 1)[1].replace('-', '_')}_weight"


def _defaults() -> dict[str, Any]:
    values: dict[str, Any] = {"max_shown": DEFAULT_MAX_SHOWN}
    for section, keys in SECTIONS.items():
        for key, default in keys.items():
            values[f"{section}.{key}"] = default
        for rule in SECTION_RULES[section]:
            values[_weight_key(section, rule)] = WEIGHTS[rule]
        values[f"{section}.enabled"] = True
    return values


def _check(path: Path, name: str, value: Any, default: Any) -> tuple[Any, str | None]:
    """The value to use for one key, and a problem line if the file's value is not usable."""
    shown = f"{path}: {name} = {value!r}"
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value, None
        return default, f"{shown} is not true or false; using {str(default).lower()}"
    if isinstance(default, list):
        if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            return [v.strip() for v in value], None
        return default, f"{shown} is not a list of names; using the default {default!r}"
    whole = name.rsplit(".", 1)[-1] in WHOLE_NUMBERS
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not number or value < 0 or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        return default, f"{shown} is not {kind} of 0 or more; using the default {default}"
    return (int(value) if whole else value), None


def load_settings(directory: Path) -> tuple[Settings, list[str]]:
    """The team's thresholds from <workspace>/nudges.toml (absent: all defaults), and problems."""
    path = Path(directory) / SETTINGS_NAME
    values = _defaults()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(values), []
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"{path}:{match.group(1)}" if match else str(path)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "invalid TOML"
        return Settings(values), [f"{where}: not valid TOML ({reason}); every nudge uses its default thresholds"]
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(values), [f"{path}: cannot be read ({exc}); every nudge uses its default thresholds"]
    problems: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict) and key in SECTIONS:
            for sub, sub_value in value.items():
                name = f"{key}.{sub}"
                if name not in values:
                    problems.append(f"{path}: {name} is not a setting (ignored; {key} takes "
                                    f"{', '.join(k.split('.', 1)[1] for k in values if k.startswith(key + '.'))})")
                    continue
                values[name], problem = _check(path, name, sub_value, values[name])
                if problem:
                    problems.append(problem)
        elif key == "max_shown":
            values[key], problem = _check(path, key, value, values[key])
            if problem:
                problems.append(problem)
        else:
            problems.append(f"{path}: {key} is not a setting (ignored; try max_shown or [{'], ['.join(SECTIONS)}])")
    return Settings(values), problems


# --- the rules ----------------------------------------------------------------


def _days(later: datetime, earlier_iso: str) -> float:
    return (later - from_iso(earlier_iso)).total_seconds() / DAY


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _day_word(days: float) -> str:
    return _plural(int(days), "day") if days >= 1 else "under a day"


def _short(text: str, width: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # not strftime: locale-proof, as in dates.py
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day_month(when: datetime, *, weekday: bool = False) -> str:
    text = f"{when.day} {_MONTHS[when.month - 1]}"
    return f"{_DAYS[when.weekday()]} {text}" if weekday else text


def _list(names: list[str], shown: int = 3) -> str:
    extra = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + extra


def _rule(key: str, rule: str, settings: Settings, section: str, *, title: str, detail: str, count: int,
          overdue_days: float, target: NudgeTarget, facts: Iterable[str]) -> Nudge:
    weight = settings.values[_weight_key(section, rule)]
    return Nudge(key=key, rule=rule, title=title, detail=detail, count=count, weight=weight,
                 overdue_days=max(0.0, overdue_days), target=target, facts=fingerprint(facts),
                 score=score(weight, overdue_days, count))


def _stale_feedback(store: Store, now: datetime, s: Settings) -> list[Nudge]:
    days = s.get("stale_feedback", "days")
    cutoff = to_iso(now - timedelta(days=days))
    stale = [i for i in store.all(FeedbackItem)
             if i.status == "new" and not i.snoozed_until and i.received_at and i.received_at < cutoff]
    if not stale:
        return []
    stale.sort(key=lambda i: (i.received_at, i.number))
    oldest = stale[0]
    age = _days(now, oldest.received_at)
    waiting = f"more than {_plural(days, 'day')}" if days else "untriaged"
    return [_rule(
        "stale-feedback", "stale-feedback", s, "stale_feedback",
        title=f"{_plural(len(stale), 'new feedback item')} waiting {waiting}",
        detail=f"oldest {oldest.id} “{_short(oldest.title)}” waiting {_day_word(age)}",
        count=len(stale), overdue_days=age - days,
        target=NudgeTarget("inbox", "status:new", tuple(i.id for i in stale)),
        facts=(i.id for i in stale),
    )]


def _snoozed_due(store: Store, now: datetime, s: Settings) -> list[Nudge]:
    # view_status() shows these as plain "new" again; nobody has re-snoozed or triaged them.
    cutoff = to_iso(now - timedelta(days=s.get("snoozed_due", "days")))
    due = [i for i in store.all(FeedbackItem) if i.status == "new" and i.snoozed_until and i.snoozed_until <= cutoff]
    if not due:
        return []
    due.sort(key=lambda i: (i.snoozed_until, i.number))
    late = _days(now, due[0].snoozed_until or "")
    return [_rule(
        "snoozed-due", "snoozed-due", s, "snoozed_due",
        title=f"{_plural(len(due), 'snoozed feedback item')} due again",
        detail=f"{due[0].id} “{_short(due[0].title)}” woke {_day_word(late)} ago",
        count=len(due), overdue_days=late,
        target=NudgeTarget("inbox", "status:new", tuple(i.id for i in due)),
        facts=(f"{i.id}@{i.snoozed_until}" for i in due),
    )]


def _unowned_areas(store: Store, now: datetime, s: Settings) -> list[Nudge]:
    from .areas import area_path
    from .ownership import gaps

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
        title=f"{_plural(len(areas), 'product area')} with no active owner",
        detail=detail or _list(paths), count=len(areas), overdue_days=overdue,
        target=NudgeTarget("areas", "", tuple(a.id for a in areas)),
        facts=[f"{a.id}:none" for a in found.no_owner] + [f"{a.id}:left" for a in found.owner_left],
    )]


def _action_line(action: ActionItem, people: dict[str, Person]) -> str:
    who = ", ".join(people[p].name for p in action.owners if p in people) or "no owner"
    due = from_iso(action.due or "")
    return f"{action.id} “{_short(action.text, 40)}” ({who}, due {_day_month(due)})"


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
            title=f"{_plural(len(overdue), 'action item')} overdue (oldest {_day_word(late)})",
            detail=_action_line(overdue[0], people) + (f" and {len(overdue) - 1} more" if len(overdue) > 1 else ""),
            count=len(overdue), overdue_days=late,
            target=NudgeTarget("retro", "", tuple(a.id for a in overdue)),
            facts=(f"{a.id}@{a.due}" for a in overdue),
        ))
    if soon:
        within = s.get("actions", "due_within_days")
        out.append(_rule(
            "actions-due-soon", "actions-due-soon", s, "actions",
            title=f"{_plural(len(soon), 'action item')} due within {_plural(within, 'day')}",
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
    talks = [i for i in store.all(FeedbackItem) if i.source and i.received_at and _matches_source(i.source, sources)]
    last = max(talks, key=lambda i: (i.received_at, i.number), default=None)
    if last is not None and last.received_at >= cutoff:
        return []
    week = now.isocalendar()
    filter_ = " ".join(f"source:{_quoted(w)}" for w in sources)
    if last is None:
        title, detail, overdue, ids = "No customer conversation logged yet", "", 0.0, ()
    else:
        ago = _days(now, last.received_at)
        title = f"No customer conversation logged in {_plural(int(ago), 'day')}"
        detail, overdue, ids = f"last: {last.id} {last.source}" + (f", {last.customer}" if last.customer else ""), ago - days, (last.id,)
    detail = (detail + "; " if detail else "") + f"talk to a customer at least every {_plural(days, 'day')}"
    return [_rule(
        "no-customer-conversation", "no-customer-conversation", s, "customer_conversation",
        title=title, detail=detail, count=1, overdue_days=overdue,
        target=NudgeTarget("inbox", filter_, ids),
        # Back every week (a weekly habit), or when another conversation came and went.
        facts=(f"week:{week.year}-W{week.week:02d}", f"last:{last.id if last else '-'}"),
    )]


def _opportunities(store: Store, now: datetime, s: Settings) -> list[Nudge]:
    from .opportunities import linked_feedback, stats

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
            title=f"{opportunity.id} “{_short(opportunity.title, 40)}”: {_plural(stat.feedback, 'feedback item')}, no decision",
            detail=f"{_plural(stat.customers, 'customer')} asked; still exploring",
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
            parts.append(f"{_plural(len(missed), 'run')} missed")
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
            detail=f"since {_day_month(first, weekday=True)}" + (f" ({checklist.team})" if checklist.team else ""),
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


# --- the balanced list --------------------------------------------------------


def _states(store: Store) -> dict[str, NudgeState]:
    states: dict[str, NudgeState] = {}
    for state in sorted(store.all(NudgeState), key=lambda st: st.number):
        states[state.key] = state  # the newest wins if there were ever two
    return states


def is_quiet(nudge: Nudge, state: NudgeState | None, now_iso: str) -> bool:
    if state is None:
        return False
    if state.state == "snoozed":
        return bool(state.until) and now_iso < (state.until or "")
    return state.state == "dismissed" and still_quiet(state.facts, nudge.facts)


def _compute(store: Store, now: datetime) -> tuple[list[Nudge], Settings, list[str]]:
    settings, problems = load_settings(store.directory)
    found: list[Nudge] = []
    for section, rule in RULES:
        if settings.get(section, "enabled"):
            found.extend(rule(store, now, settings))
    found.sort(key=lambda n: (-n.score, n.key))
    return found, settings, problems


def all_nudges(store: Store, now: datetime | None = None) -> tuple[list[Nudge], list[str]]:
    """Every nudge whose condition holds now, best first (quiet ones included), and settings problems."""
    found, _settings, problems = _compute(store, now or from_iso(store.clock()))
    return found, problems


def due_nudges(store: Store, now: datetime | None = None, *, limit: int | None = None) -> NudgeList:
    """The nudges to show now: not dismissed or snoozed, at most `limit` (default: max_shown)."""
    now = now or from_iso(store.clock())
    found, settings, problems = _compute(store, now)
    if limit is None:
        limit = settings.max_shown
    states, now_iso = _states(store), to_iso(now)
    quiet = [n for n in found if is_quiet(n, states.get(n.key), now_iso)]
    active = [n for n in found if not is_quiet(n, states.get(n.key), now_iso)]
    return NudgeList(shown=active[:limit], more=active[limit:], quiet=quiet, problems=problems)


# --- acting on one: each is one stored change, one undo step ----------------------


def _put_state(store: Store, label: str, key: str, *, state: str, until: str | None, facts: str,
               origin: str) -> NudgeState:
    with store.change(label, origin=origin) as tx:
        existing = _states(store).get(key)
        if existing is not None:
            return tx.put(replace(existing, state=state, until=until, facts=facts))
        return tx.add(NudgeState(key=key, state=state, until=until, facts=facts))


def dismiss(store: Store, nudge: Nudge, *, origin: str = "app") -> NudgeState:
    """Quiet until something new joins its facts."""
    return _put_state(store, f"dismissed nudge: {nudge.title}", nudge.key, state="dismissed", until=None,
                      facts=nudge.facts, origin=origin)


def snooze(store: Store, nudge: Nudge, until_text: str, *, origin: str = "app") -> NudgeState:
    """Quiet until a date ("3d", "next monday", "2026-12-01"); raises DateParseError if it does not parse."""
    now = from_iso(store.clock())
    until = parse_when(until_text, now=now)
    if until <= now:
        raise InvalidInput(f"{until_text!r} is {describe(until, now=now)}: snooze needs a date in the future")
    return _put_state(store, f"snoozed nudge until {describe(until, now=now)}: {nudge.title}", nudge.key,
                      state="snoozed", until=to_iso(until), facts=nudge.facts, origin=origin)


def restore(store: Store, key: str, *, origin: str = "app") -> None:
    """Show a dismissed or snoozed nudge again."""
    state = _states(store).get(key)
    if state is None:
        raise NotFound(f"no dismissed or snoozed nudge {key!r}")
    with store.change(f"restored nudge {key}", origin=origin) as tx:
        tx.delete(state.id)
