"""Nudge settings: the thresholds and weights the rules use, and the file they come from.

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
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SETTINGS_NAME = "nudges.toml"
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


@dataclass(frozen=True)
class Settings:
    values: dict[str, Any] = field(default_factory=dict)  # "section.key" -> value, defaults filled in

    def get(self, section: str, key: str) -> Any:
        return self.values[f"{section}.{key}"]

    @property
    def max_shown(self) -> int:
        return self.values["max_shown"]


def weight_key(section: str, rule: str) -> str:
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
            values[weight_key(section, rule)] = WEIGHTS[rule]
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
