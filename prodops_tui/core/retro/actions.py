"""Retro action items: what check-in reviews from a team's earlier retros, adding one (owners
matched to people, typos refused), marking one done or dropped, and listing a retro's own.
Actions outlive their retro: Checklists & nudges and the nudge rules read them too."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from ..dates import display_date, from_iso, parse_when, to_iso
from ..errors import InvalidInput, NotFound
from ..model import ACTION_STATUSES, ActionItem, Person, Retro
from ..storage.store import Store, Transaction
from ..text import clean_line, truncate, unique_names
from .topics import find_topic, get_retro


def _same_team(a: str, b: str) -> bool:
    return clean_line(a).casefold() == clean_line(b).casefold()


def earlier_open_actions(store: Store, team: str, *, before: Retro | None = None) -> list[ActionItem]:
    """The team's open action items from its other retros, soonest due first."""
    found = [
        a for a in store.all(ActionItem)
        if a.status == "open" and _same_team(a.team, team) and (before is None or a.retro != before.id)
    ]
    return sorted(found, key=lambda a: (a.due is None, a.due or "", a.number))


def set_action_status(store: Store, action_id: str, status: str, *, origin: str = "app") -> ActionItem:
    if status not in ACTION_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(ACTION_STATUSES)}")
    action = store.get(action_id.strip().upper())
    if not isinstance(action, ActionItem):
        raise NotFound(f"no action item {action_id}")
    if action.status == status:
        return action
    with store.change(f"{action.id} {status}", origin=origin) as tx:
        return tx.put(replace(action, status=status, done_at=tx.now if status != "open" else None))


def checkin_actions(store: Store, retro: Retro) -> list[ActionItem]:
    """What check-in reviews: fixed at the start, so one marked done stays in view to undo."""
    found = [store.get(action_id) for action_id in retro.checkin]
    return [a for a in found if isinstance(a, ActionItem)]


def retro_actions(store: Store, retro_id: str) -> list[ActionItem]:
    return sorted((a for a in store.all(ActionItem) if a.retro == retro_id), key=lambda a: a.number)


@dataclass(frozen=True, slots=True)
class NewAction:
    action: ActionItem
    created_people: tuple[str, ...]  # names of people the owners list added
    warnings: tuple[str, ...]


NEAR_NAME_SCORE = 85  # a typed owner this close to someone's name is a typo, not a new person


def _folded(text: str) -> str:
    """Case- and accent-blind, so "tomas herrera" is Tomás Herrera."""
    decomposed = unicodedata.normalize("NFKD", clean_line(text).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _existing_owner(store: Store, name: str) -> Person | None:
    """Someone by id, exact name, @handle, email or unique first name; None if nobody is
    close; NotFound naming the near misses when the name looks like a typo of someone's."""
    found = store.get(name.strip().upper())
    if isinstance(found, Person):
        return found
    wanted = _folded(name)
    handle = "@" + wanted.lstrip("@")
    everyone = store.all(Person)
    for person in everyone:
        if wanted in (_folded(person.name), _folded(person.email)) or handle == _folded(person.handle):
            return person
    first_names = [p for p in everyone if _folded(p.name).split()[:1] == [wanted]]
    if len(first_names) == 1:
        return first_names[0]
    by_id = {p.id: p for p in everyone}
    near = process.extract(wanted, {key: _folded(p.name) for key, p in by_id.items()}, scorer=fuzz.WRatio,
                           score_cutoff=NEAR_NAME_SCORE, limit=3)
    if near or len(first_names) > 1:
        names = [by_id[key].name for _, _, key in near] or [p.name for p in first_names]
        raise NotFound(f"no person {name!r}; did you mean {', '.join(repr(n) for n in names)}?")
    return None


def _owner_ids(tx: Transaction, store: Store, names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Person ids for owner names (already deduplicated); a name nobody has yet becomes a
    person (reported)."""
    ids: list[str] = []
    created: list[str] = []
    for name in names:
        person = _existing_owner(store, name)
        if person is None:
            person = tx.add(Person(name=name))
            created.append(name)
        if person.id not in ids:
            ids.append(person.id)
    return ids, created


def add_action(store: Store, retro_id: str, text: str, *, owners: Iterable[str] = (), due: str = "",
               topic: str | None = None, origin: str = "app") -> NewAction:
    """An action item from this retro (its team and area), linked to the topic it came from.
    A due date in the past is kept, with a warning."""
    retro = get_retro(store, retro_id)
    if retro.phase == "closed":
        raise InvalidInput(f"{retro.id} is closed: read-only (its actions stay live)")
    text = clean_line(text)
    if not text:
        raise InvalidInput("an action needs some text")
    now = from_iso(store.clock())
    due_at = parse_when(due, now=now) if clean_line(due) else None
    warnings = []
    if due_at is not None and due_at < now:
        warnings.append(f"due {display_date(due_at)} is in the past")
    found = find_topic(retro, topic)
    with store.change(f"{retro.id}: action {truncate(text, 30)}", origin=origin) as tx:
        owner_ids, created = _owner_ids(tx, store, unique_names(owners))
        if not owner_ids:
            warnings.append("no owner: an action nobody owns rarely gets done")
        action = tx.add(ActionItem(
            text=text, owners=owner_ids, due=to_iso(due_at) if due_at else None, team=retro.team,
            retro=retro.id, topic=found.title if found else "", area=retro.area,
        ))
    return NewAction(action, tuple(created), tuple(warnings))


def owner_names(store: Store, action: ActionItem) -> list[str]:
    names = []
    for person_id in action.owners:
        person = store.get(person_id)
        names.append(person.name if isinstance(person, Person) else person_id)
    return names
