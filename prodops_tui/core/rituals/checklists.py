"""Checklists: templates (shipped TOML, a team's own TOML), the team's checklists with a
recurrence (dateutil rrule), and runs ticked off item by item.

A template file, `<workspace>/templates/checklists/<anything>.toml`:

    name = "Design review"
    description = "Before a design goes to engineering."
    recurrence = "every 2 weeks on thursday"   # optional; or an RRULE
    [[items]]
    text = "Edge cases drawn"
    why = "Engineers ask about them on day two otherwise."

Runs are never skipped silently: an occurrence that passed without a run is reported as
missed until someone starts (and finishes) a run for it, or starts a run for a later
occurrence (preparing the next release closes the question of the last one)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from dateutil import tz as dateutil_tz
from dateutil.rrule import rrule, rrulestr

from ..dates import DateParseError, check_in_range, display_date, from_iso, to_iso
from ..errors import InvalidInput, NotFound
from ..model import ChecklistRun, ChecklistRunStep, ChecklistStep, ChecklistTemplate
from ..storage.store import Store
from ..text import clean_line, clean_text
from ..toml_files import listed_entries, load_folder, read_toml, required_name

SHIPPED_DIR = Path(__file__).resolve().parent / "checklist_templates"
TEMPLATES_DIR = Path("templates") / "checklists"  # inside the workspace
MAX_ITEMS = 100
MAX_MISSED_LISTED = 12  # per checklist: older misses are counted, not listed one by one
RUN_TIME = time(9, 0)  # recurring runs fall due at 09:00 local time

_WEEKDAYS = {"mo": "MO", "tu": "TU", "we": "WE", "th": "TH", "fr": "FR", "sa": "SA", "su": "SU"}
_DAY_NAMES = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday", "SA": "Saturday", "SU": "Sunday"}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1}
_ORDINAL_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


# --- template files ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChecklistFile:
    """A checklist template as read from a TOML file, before a team adopts it."""

    name: str
    items: tuple[ChecklistStep, ...]
    description: str = ""
    recurrence: str = ""  # as written: "weekly on monday", an RRULE, or ""
    team: str = ""
    origin: str = "shipped"


def load_checklist_file(path: Path) -> ChecklistFile:
    """One template, or ValueError with a one-line reason naming the file (and line)."""
    data = read_toml(path)
    name = required_name(path, data, "a checklist")
    items = [ChecklistStep(text=text, why=why) for text, why in
             listed_entries(path, data, "items", text="text", extra="why", what="a checklist", most=MAX_ITEMS)]
    recurrence = data.get("recurrence", "")
    if not isinstance(recurrence, str):
        raise ValueError(f"{path.name}: recurrence must be text like \"weekly on monday\"")
    if recurrence.strip():
        try:
            parse_recurrence(recurrence, now=datetime.now(timezone.utc))
        except InvalidInput as exc:
            raise ValueError(f"{path.name}: {exc}") from exc
    return ChecklistFile(name, tuple(items), clean_line(str(data.get("description", ""))),
                         recurrence.strip(), clean_line(str(data.get("team", ""))), origin=path.name)


def load_checklist_files(workspace: Path | None) -> tuple[list[ChecklistFile], list[str]]:
    """Shipped templates, then the workspace's own (replacing a shipped one of the same name).
    A bad file is reported in one line and skipped; the others still load."""
    by_name: dict[str, ChecklistFile] = {}
    shipped, problems = load_folder(SHIPPED_DIR, load_checklist_file)
    own, own_problems = load_folder(workspace / TEMPLATES_DIR if workspace else None, load_checklist_file)
    for loaded in [replace(t, origin="shipped") for t in shipped] + own:
        by_name[loaded.name.casefold()] = loaded
    problems += own_problems
    return list(by_name.values()), problems


# --- recurrence ----------------------------------------------------------------------------


def _dtstart(now: datetime, zone: tzinfo | None) -> datetime:
    local_zone = zone or dateutil_tz.tzlocal()
    local = now.astimezone(local_zone)
    return datetime.combine(local.date(), RUN_TIME, tzinfo=local_zone).astimezone(timezone.utc)


def parse_recurrence(text: str, *, now: datetime, zone: tzinfo | None = None) -> str | None:
    """'weekly on monday', 'every 2 weeks on thursday', 'monthly on the first monday',
    'monthly on day 15', 'daily', 'every weekday', or an RRULE -> an RRULE string with a
    DTSTART (09:00 local, today); '' or 'none' -> None (run on demand). InvalidInput otherwise,
    also for a rule that never fires and for a DTSTART or UNTIL outside dates.FIRST_DAY..LAST_DAY."""
    raw = " ".join(clean_line(text).split())
    low = raw.casefold()
    if low in ("", "none", "never", "on demand"):
        return None
    start = _dtstart(now, zone)
    dtstart = None  # a DTSTART as typed, if any
    if low.startswith(("rrule:", "freq=", "dtstart")):
        # Typed rules are stored as every other rule is: upper case, DTSTART and RRULE on two lines.
        parts = raw.upper().split()
        dtstart = next((p for p in parts if p.startswith("DTSTART")), None)
        rules = [p.removeprefix("RRULE:") for p in parts if not p.startswith("DTSTART")]
        if len(rules) != 1:
            raise InvalidInput(f"recurrence {raw!r}: one rule only (an RRULE, optionally after a DTSTART)")
        if dtstart is not None and not re.fullmatch(r"DTSTART:\d{8}T\d{6}Z", dtstart):
            raise InvalidInput(f"recurrence {raw!r}: DTSTART must be a UTC time like DTSTART:20260105T090000Z")
        rule_text = f"{dtstart or f'DTSTART:{start:%Y%m%dT%H%M%SZ}'}\nRRULE:{rules[0]}"
    else:
        rule_text = f"DTSTART:{start:%Y%m%dT%H%M%SZ}\nRRULE:{_friendly_rule(low, raw)}"
    try:
        rule = rrulestr(rule_text)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"cannot read recurrence {raw!r}: {exc}") from None
    if not isinstance(rule, rrule):
        raise InvalidInput(f"recurrence {raw!r}: one rule only")
    # Read from the rule's text, which rrulestr has just accepted: dateutil keeps what it parsed
    # in private attributes (rule._freq, rule._interval) that an upgrade may rename.
    fields = rule_fields(rule_text)
    if int(fields.get("INTERVAL", "1")) < 1:
        raise InvalidInput(f"recurrence {raw!r}: the interval must be at least 1")
    if fields.get("FREQ") in _FINER_THAN_DAILY:
        raise InvalidInput(f"recurrence {raw!r}: a checklist recurs at most daily")
    # A typed DTSTART or UNTIL is a date typed like any other: outside the one range of dates
    # (core/dates.py) it is refused. DTSTART:99991231T090000Z overflowed the bound just below and
    # crashed the app from the hint; DTSTART:00010101T090000Z had every hint and refresh walk
    # 2000 years of occurrences.
    try:
        if dtstart is not None:
            check_in_range(rule._dtstart, dtstart)
        if rule._until is not None:
            # rrulestr read UNTIL from the text, so it is there; the whole rule names it otherwise.
            typed_until = re.search(r"UNTIL=[^;\s]*", rule_text)
            check_in_range(rule._until, typed_until[0] if typed_until else rule_text)
    except DateParseError as exc:
        raise InvalidInput(f"recurrence {raw!r}: {exc}") from None
    # dateutil walks to the year 9999 looking for an occurrence of a rule that has none
    # (5-8 s); bounded by UNTIL, "never" is known in a few thousand steps.
    if _impossible_dates(rule):
        raise InvalidInput(f"recurrence {raw!r} never fires (no such date)")
    limit = max(now, rule._dtstart) + timedelta(days=366 * 10)
    if rule._count is not None:
        bounded = rule if rule._count > 0 else None
    else:
        bounded = rule.replace(until=min(rule._until, limit) if rule._until else limit)
    if bounded is None or next(iter(bounded), None) is None:
        raise InvalidInput(f"recurrence {raw!r} never fires")
    return rule_text


_FINER_THAN_DAILY = ("HOURLY", "MINUTELY", "SECONDLY")


def rule_fields(rule_text: str) -> dict[str, str]:
    """The NAME=VALUE parts of the RRULE line of a stored recurrence, names upper case:
    'DTSTART:20260105T090000Z\nRRULE:FREQ=WEEKLY;INTERVAL=2' -> {'FREQ': 'WEEKLY', 'INTERVAL': '2'}.
    A name given twice keeps its last value, as dateutil's rrulestr reads it."""
    line = next((part.strip() for part in rule_text.splitlines() if part.strip().upper().startswith(("RRULE:", "FREQ="))), "")
    line = line[6:] if line.upper().startswith("RRULE:") else line
    return {name.strip().upper(): value.strip() for name, _, value in (part.partition("=") for part in line.split(";") if "=" in part)}


_LONGEST_MONTH = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def _impossible_dates(rule: rrule) -> bool:
    """BYMONTH/BYMONTHDAY naming no real date (30 February): dateutil finds no candidate day
    at all and would search until the year 9999 before saying so."""
    days = rule._bymonthday or ()
    if not days or rule._bynmonthday:
        return False
    months = rule._bymonth or range(1, 13)
    return not any(day <= _LONGEST_MONTH[month] for month in months for day in days)


def _friendly_rule(low: str, raw: str) -> str:
    words = low.replace(",", " ").split()
    text = " ".join(w for w in words if w not in ("on", "the", "at"))
    if text in ("daily", "every day"):
        return "FREQ=DAILY"
    if text in ("every weekday", "weekdays"):
        return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    match = re.fullmatch(r"(?:every (?:(\d+) )?weeks?|weekly|(biweekly|fortnightly))(?: (\w+))?", text)
    if match:
        interval = int(match.group(1) or (2 if match.group(2) else 1))
        if interval < 1:
            raise InvalidInput(f"recurrence {raw!r}: every 0 weeks never comes")
        day = _weekday(match.group(3), raw) if match.group(3) else None
        return "FREQ=WEEKLY" + (f";INTERVAL={interval}" if interval > 1 else "") + (f";BYDAY={day}" if day else "")
    match = re.fullmatch(r"every (\w+)", text)
    if match and match.group(1) not in ("month", "week", "day"):
        return f"FREQ=WEEKLY;BYDAY={_weekday(match.group(1), raw)}"
    match = re.fullmatch(r"(?:monthly|every month)(?: (\w+) (\w+))?", text)
    if match:
        if not match.group(1):
            return "FREQ=MONTHLY"
        if match.group(1) == "day" and match.group(2).isdigit() and 1 <= int(match.group(2)) <= 31:
            return f"FREQ=MONTHLY;BYMONTHDAY={int(match.group(2))}"
        if match.group(1) in _ORDINALS:
            return f"FREQ=MONTHLY;BYDAY={_ORDINALS[match.group(1)]:+d}{_weekday(match.group(2), raw)}"
    raise InvalidInput(
        f"cannot read recurrence {raw!r}: try 'weekly on monday', 'every 2 weeks on thursday', "
        "'monthly on the first monday', 'monthly on day 15', 'daily', or an RRULE"
    )


def _weekday(word: str, raw: str) -> str:
    """'mon', 'monday', 'thurs', 'mondays' -> the RRULE day code."""
    word = word.removesuffix("s") if len(word) > 6 else word
    code = _WEEKDAYS.get(word[:2])
    if code is None or len(word) < 2 or not _DAY_NAMES[code].casefold().startswith(word):
        raise InvalidInput(f"cannot read recurrence {raw!r}: {word!r} is not a weekday")
    return code


def describe_recurrence(rule_text: str | None) -> str:
    """'every Monday', 'every 2 weeks on Thursday', 'monthly on the first Monday', … or the RRULE."""
    if not rule_text:
        return "on demand"
    line = next((part for part in rule_text.splitlines() if part.upper().startswith("RRULE:")), "")
    fields = rule_fields(rule_text)
    freq, interval, days = fields.get("FREQ"), int(fields.get("INTERVAL", "1")), fields.get("BYDAY", "")
    keys = set(fields) - {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "WKST"}
    if keys:
        return line[6:]
    if freq == "DAILY" and interval == 1 and not days:
        return "every day"
    if freq == "WEEKLY":
        if days == "MO,TU,WE,TH,FR" and interval == 1:
            return "every weekday"
        names = [_DAY_NAMES.get(d, d) for d in days.split(",") if d]
        when = f" on {', '.join(names)}" if names else ""
        return (f"every {interval} weeks{when}" if interval > 1 else (f"every {names[0]}" if len(names) == 1 else f"weekly{when}"))
    if freq == "MONTHLY" and interval == 1:
        if "BYMONTHDAY" in fields:
            return f"monthly on day {fields['BYMONTHDAY']}"
        match = re.fullmatch(r"([+-]?\d)(\w\w)", days)
        if match and int(match.group(1)) in _ORDINAL_NAMES:
            return f"monthly on the {_ORDINAL_NAMES[int(match.group(1))]} {_DAY_NAMES[match.group(2)]}"
        if not days:
            return "monthly"
    return line[6:] or rule_text


def recurrence(checklist: ChecklistTemplate) -> rrule | None:
    """The checklist's recurrence rule, or None when it runs on demand."""
    if not checklist.rrule:
        return None
    try:
        rule = rrulestr(checklist.rrule)
    except (ValueError, TypeError):
        return None  # a broken rule in a hand-edited workspace: treated as on demand
    return rule if isinstance(rule, rrule) else None


def next_occurrence(checklist: ChecklistTemplate, now: datetime) -> datetime | None:
    rule = recurrence(checklist)
    return rule.after(now) if rule else None


# --- what is due ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueRun:
    checklist: ChecklistTemplate
    due_at: str  # the occurrence (ISO UTC)
    run: ChecklistRun | None  # started and not finished, if any
    missed: bool  # an earlier occurrence that passed without a completed run


def runs_of(store: Store, checklist_id: str) -> list[ChecklistRun]:
    return sorted((r for r in store.all(ChecklistRun) if r.checklist == checklist_id),
                  key=lambda r: (r.due_at or r.created_at, r.number))


def _occurrences(store: Store, checklist: ChecklistTemplate, rule: rrule, now: datetime) -> tuple[list[datetime], dict[str, ChecklistRun]]:
    """Occurrences since the last run's (or since the checklist was adopted), plus those of
    runs started for a past occurrence and not finished; and the runs by occurrence."""
    runs = runs_of(store, checklist.id)
    by_due = {r.due_at: r for r in runs if r.due_at}
    dated = [from_iso(r.due_at) for r in runs if r.due_at]
    since = max(dated) if dated else from_iso(checklist.created_at) if checklist.created_at else now - timedelta(days=31)
    occurrences = list(rule.between(since, now, inc=True))
    for run in runs:
        if run.completed_at is None and run.due_at and from_iso(run.due_at) <= now:
            occurrence = from_iso(run.due_at)
            if occurrence not in occurrences:
                occurrences.append(occurrence)
    return sorted(occurrences), by_due


def runs_due(store: Store, now: datetime) -> list[DueRun]:
    """For every recurring checklist: the current occurrence if it has no finished run, and
    every occurrence since the last run that passed without one (missed; the most recent
    MAX_MISSED_LISTED listed, missed_count counts them all)."""
    found: list[DueRun] = []
    for checklist in sorted(store.all(ChecklistTemplate), key=lambda c: c.number):
        rule = recurrence(checklist)
        if rule is None:
            continue
        occurrences, by_due = _occurrences(store, checklist, rule, now)
        if not occurrences:
            continue
        current = occurrences[-1]
        for occurrence in occurrences[-(MAX_MISSED_LISTED + 1):]:
            run = by_due.get(to_iso(occurrence))
            if run is not None and run.completed_at:
                continue
            found.append(DueRun(checklist, to_iso(occurrence), run, missed=occurrence != current))
    return found


def missed_count(store: Store, checklist: ChecklistTemplate, now: datetime) -> int:
    """Every missed occurrence, also those beyond the ones runs_due lists."""
    rule = recurrence(checklist)
    if rule is None:
        return 0
    occurrences, by_due = _occurrences(store, checklist, rule, now)
    return sum(1 for o in occurrences[:-1] if not (by_due.get(to_iso(o)) and by_due[to_iso(o)].completed_at))


# --- adopting templates, runs --------------------------------------------------------------


def _require(store: Store, record_id: str, kind: type, what: str):
    found = store.get(record_id.strip().upper())
    if not isinstance(found, kind):
        raise NotFound(f"no {what} {record_id.strip()}")
    return found


def free_name(store: Store, name: str, *, ignore: str | None = None) -> str:
    """`name`, or `name (2)`, `name (3)`... the first no other checklist has."""
    taken = {c.name.casefold() for c in store.all(ChecklistTemplate) if c.id != ignore}
    if name.casefold() not in taken:
        return name
    number = 2
    while f"{name} ({number})".casefold() in taken:
        number += 1
    return f"{name} ({number})"


def _check_name(store: Store, name: str, *, ignore: str | None = None) -> str:
    name = clean_line(name)
    if not name:
        raise InvalidInput("a checklist needs a name")
    if free_name(store, name, ignore=ignore) != name:
        raise InvalidInput(f"a checklist is called {name!r} already")
    return name


def add_checklist(store: Store, template: ChecklistFile, *, recurrence: str | None = None, team: str | None = None,
                  now: datetime | None = None, origin: str = "app", name: str | None = None) -> ChecklistTemplate:
    """The team adopts a template: its items, a recurrence (the template's unless given) and a
    name (the template's, numbered if taken, unless given)."""
    now = now or from_iso(store.clock())
    wanted = template.recurrence if recurrence is None else recurrence
    rule = parse_recurrence(wanted, now=now) if wanted else None
    name = _check_name(store, name) if name is not None else free_name(store, template.name)
    checklist = ChecklistTemplate(
        name=name, description=template.description, steps=[replace(item) for item in template.items],
        rrule=rule, team=clean_line(team if team is not None else template.team), origin=template.origin,
    )
    with store.change(f"added checklist {name}", origin=origin) as tx:
        return tx.add(checklist)


def rename_checklist(store: Store, checklist_id: str, name: str, *, origin: str = "app") -> ChecklistTemplate:
    checklist = _require(store, checklist_id, ChecklistTemplate, "checklist")
    name = _check_name(store, name, ignore=checklist.id)
    with store.change(f"renamed checklist {checklist.name} to {name}", origin=origin) as tx:
        return tx.put(replace(checklist, name=name))


def set_recurrence(store: Store, checklist_id: str, text: str, *, now: datetime | None = None, origin: str = "app") -> ChecklistTemplate:
    checklist = _require(store, checklist_id, ChecklistTemplate, "checklist")
    rule = parse_recurrence(text, now=now or from_iso(store.clock()))
    with store.change(f"{checklist.name}: {describe_recurrence(rule)}", origin=origin) as tx:
        return tx.put(replace(checklist, rrule=rule))


def run_title(checklist: ChecklistTemplate, when: str) -> str:
    """The title of a run due at (or started at) `when`: 'PM weekly hygiene — week of 2026-11-23'
    for a weekly checklist, the name and the day for any other."""
    weekly = rule_fields(checklist.rrule or "").get("FREQ") == "WEEKLY"
    return f"{checklist.name} — {'week of ' if weekly else ''}{display_date(when)}"


def start_run(store: Store, checklist_id: str, *, due_at: str | None = None, title: str = "", origin: str = "app") -> ChecklistRun:
    """A run of the checklist: for an occurrence (due_at), or on demand (now)."""
    checklist = _require(store, checklist_id, ChecklistTemplate, "checklist")
    if due_at:
        try:
            due_at = to_iso(from_iso(due_at))
        except ValueError:
            raise InvalidInput(f"{due_at!r} is not a date and time (ISO, UTC)") from None
    if due_at and any(r.due_at == due_at for r in runs_of(store, checklist.id)):
        raise InvalidInput(f"{checklist.name} already has a run for {display_date(due_at)}")
    run = ChecklistRun(
        checklist=checklist.id,
        title=clean_line(title) or run_title(checklist, due_at or store.clock()),
        due_at=due_at or (store.clock() if not checklist.rrule else None),
        steps=[ChecklistRunStep(text=s.text, why=s.why) for s in checklist.steps],
    )
    with store.change(f"started {run.title}", origin=origin) as tx:
        return tx.add(run)


@dataclass(frozen=True, slots=True)
class RunChoice:
    """An occurrence a new run may be for: `due_at` (ISO UTC), or None for now, outside the
    schedule; `kind` is "due" (the current occurrence), "missed", "next" (early) or "now"."""

    due_at: str | None
    kind: str


def run_choices(store: Store, checklist: ChecklistTemplate, now: datetime) -> list[RunChoice]:
    """What a new run of the checklist may be for, the most pressing first: the occurrences
    due or missed that have no run yet (newest first), the next one (early) when it has none,
    then now. A checklist without a recurrence runs now only. `r` in Checklists offers these;
    `prodops checklist run` takes the first unless told."""
    if not checklist.rrule:
        return [RunChoice(None, "now")]
    choices = [RunChoice(due.due_at, "missed" if due.missed else "due")
               for due in reversed(runs_due(store, now)) if due.checklist.id == checklist.id and due.run is None]
    upcoming = next_occurrence(checklist, now)
    if upcoming is not None and not any(r.due_at == to_iso(upcoming) for r in runs_of(store, checklist.id)):
        choices.append(RunChoice(to_iso(upcoming), "next"))
    choices.append(RunChoice(None, "now"))
    return choices


def find_checklist(store: Store, text: str) -> ChecklistTemplate:
    """A checklist by id (C-4), name in any case, or a unique start of its name."""
    wanted = clean_line(text)
    found = store.get(wanted.upper())
    if isinstance(found, ChecklistTemplate):
        return found
    folded = wanted.casefold()
    every = sorted(store.all(ChecklistTemplate), key=lambda c: c.number)
    named = [c for c in every if c.name.casefold() == folded] or [c for c in every if folded and c.name.casefold().startswith(folded)]
    if len(named) == 1:
        return named[0]
    if named:
        raise InvalidInput(f"{wanted!r} could be {', '.join(f'{c.id} {c.name}' for c in named)}: give its id")
    listed = ", ".join(f"{c.id} {c.name}" for c in every[:8]) or "none yet"
    raise NotFound(f"no checklist {wanted!r}; the checklists: {listed}")


def run_to_tick(store: Store, text: str) -> ChecklistRun:
    """A run by its id (CR-7), or the one run of a checklist (id or name) still going."""
    found = store.get(clean_line(text).upper())
    if isinstance(found, ChecklistRun):
        return found
    if clean_line(text).upper().startswith(f"{ChecklistRun.PREFIX}-"):
        raise NotFound(f"no checklist run {clean_line(text).upper()}")
    checklist = find_checklist(store, text)
    going = [r for r in runs_of(store, checklist.id) if r.completed_at is None]
    if not going:
        raise InvalidInput(f"{checklist.id} {checklist.name} has no run going: `prodops checklist run {checklist.id}` starts one")
    if len(going) > 1:
        listed = ", ".join(r.id for r in sorted(going, key=lambda r: r.number))
        raise InvalidInput(f"{checklist.id} has {len(going)} runs going ({listed}): name the run")
    return going[0]


def find_step(run: ChecklistRun, text: str) -> int:
    """The index of the item `text` names: its number (1 is the first) or words of its text
    found in no other item."""
    wanted = clean_line(text)
    if wanted.isdigit():
        if 1 <= int(wanted) <= len(run.steps):
            return int(wanted) - 1
        raise NotFound(f"{run.id} has no item {wanted} (it has {len(run.steps)})")
    folded = wanted.casefold()
    matches = [n for n, step in enumerate(run.steps) if folded and folded in step.text.casefold()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InvalidInput(f"{wanted!r} is in items {', '.join(str(n + 1) for n in matches)} of {run.id}: give the number")
    raise NotFound(f"no item of {run.id} says {wanted!r}")


def _run_copy(run: ChecklistRun) -> ChecklistRun:
    return ChecklistRun.from_dict(run.to_dict())


def tick(store: Store, run_id: str, index: int, *, by: str = "", done: bool | None = None, origin: str = "app") -> ChecklistRun:
    """Tick an item (or untick it: done=False; None toggles). The run completes when every
    item is ticked, and reopens when one is unticked."""
    run = _run_copy(_require(store, run_id, ChecklistRun, "checklist run"))
    if not 0 <= index < len(run.steps):
        raise NotFound(f"{run.id} has no item {index + 1}")
    step = run.steps[index]
    if done is not None and step.done == done:
        return run  # ticking a ticked item (a script run twice) stores nothing and keeps who ticked it
    step.done = (not step.done) if done is None else done
    with store.change(f"{run.id}: {'ticked' if step.done else 'unticked'} item {index + 1}", origin=origin) as tx:
        step.done_by = clean_line(by) if step.done else ""
        step.done_at = tx.now if step.done else None
        all_done = all(s.done for s in run.steps)
        run.completed_at = (run.completed_at or tx.now) if all_done else None
        return tx.put(run)


def note(store: Store, run_id: str, index: int, text: str, *, origin: str = "app") -> ChecklistRun:
    run = _run_copy(_require(store, run_id, ChecklistRun, "checklist run"))
    if not 0 <= index < len(run.steps):
        raise NotFound(f"{run.id} has no item {index + 1}")
    run.steps[index].note = clean_text(text).strip()
    with store.change(f"{run.id}: note on item {index + 1}", origin=origin) as tx:
        return tx.put(run)


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def progress(run: ChecklistRun) -> Progress:
    return Progress(sum(1 for s in run.steps if s.done), len(run.steps))


def run_record(run: ChecklistRun) -> dict[str, Any]:
    """A run as `prodops checklist run|tick --json` prints it; items are numbered from 1, as
    `prodops checklist tick` takes them."""
    return {
        "id": run.id, "checklist": run.checklist, "title": run.title, "due_at": run.due_at,
        "created_at": run.created_at, "completed_at": run.completed_at,
        "items": [{"number": n, "text": step.text, "why": step.why, "done": step.done, "done_by": step.done_by or None,
                   "done_at": step.done_at, "note": step.note} for n, step in enumerate(run.steps, start=1)],
    }
