"""Nudges: careful reminders computed from the data, at most a few at once.

Each rule looks at the workspace and says whether something wants attention
(stale feedback, overdue retro actions, areas nobody owns, ...). The list is
balanced: only the `max_shown` highest-scoring nudges show; a dismissed nudge
stays quiet until its facts change (something new joins it), a snoozed one
until its date.

The rules: nudge_rules.py. The format of `<workspace>/nudges.toml` (thresholds, weights,
turning a rule off): the top of nudge_settings.py. How nudges are scored:
nudge_model.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ..dates import describe, from_iso, parse_when, to_iso
from ..errors import InvalidInput, NotFound
from ..model import NudgeState
from ..storage.store import Store
from .nudge_model import FINGERPRINT_MAX, PANE_HINTS, PANES, Nudge, NudgeTarget, fingerprint, score
from .nudge_rules import DAY, RULES, compute
from .nudge_settings import (
    DEFAULT_MAX_SHOWN,
    SECTION_RULES,
    SECTIONS,
    SETTINGS_NAME,
    WEIGHTS,
    WHOLE_NUMBERS,
    Settings,
    load_settings,
)

__all__ = [
    "DAY", "DEFAULT_MAX_SHOWN", "FINGERPRINT_MAX", "PANE_HINTS", "PANES", "RULES", "SECTION_RULES", "SECTIONS",
    "SETTINGS_NAME", "WEIGHTS", "WHOLE_NUMBERS",
    "Nudge", "NudgeList", "NudgeTarget", "Settings",
    "all_nudges", "dismiss", "due_nudges", "fingerprint", "is_quiet", "load_settings", "restore", "score", "snooze",
    "still_quiet",
]


@dataclass(frozen=True)
class NudgeList:
    shown: list[Nudge]  # at most max_shown, best first
    more: list[Nudge]  # held back by max_shown, best first
    quiet: list[Nudge]  # dismissed (facts unchanged) or snoozed
    problems: list[str]  # one line each, about nudges.toml

    @property
    def held_back(self) -> int:
        return len(self.more)


# --- the balanced list --------------------------------------------------------


def still_quiet(dismissed_facts: str, current_facts: str) -> bool:
    """A dismissed nudge stays quiet while nothing new joined its facts (fewer is fine:
    triaging some of the stale items should not bring the nudge back)."""
    if dismissed_facts == current_facts:
        return True
    if dismissed_facts.startswith("sha1:") or current_facts.startswith("sha1:"):
        return False
    return set(current_facts.split()) <= set(dismissed_facts.split())


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


def all_nudges(store: Store, now: datetime | None = None) -> tuple[list[Nudge], list[str]]:
    """Every nudge whose condition holds now, best first (quiet ones included), and settings problems."""
    found, _settings, problems = compute(store, now or from_iso(store.clock()))
    return found, problems


def due_nudges(store: Store, now: datetime | None = None, *, limit: int | None = None) -> NudgeList:
    """The nudges to show now: not dismissed or snoozed, at most `limit` (default: max_shown)."""
    now = now or from_iso(store.clock())
    found, settings, problems = compute(store, now)
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
