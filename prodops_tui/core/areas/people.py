"""People: the records areas point to, so a rename or a departure shows everywhere at once."""

from __future__ import annotations

from dataclasses import replace

from rapidfuzz import fuzz, process, utils

from ..errors import InvalidInput, NotFound
from ..model import Person
from ..storage.store import Store
from ..text import clean_line

FIND_CUTOFF = 60


def find_people(store: Store, query: str, *, limit: int = 50) -> list[Person]:
    """Fuzzy over name, handle, email and team; empty: active people first, then those who left, by name."""
    everyone = store.all(Person)
    if not query.strip():
        return sorted(everyone, key=lambda p: (not p.active, p.name.casefold()))[:limit]
    choices = {p.id: f"{p.name} {p.handle} {p.email} {p.team}" for p in everyone}
    by_id = {p.id: p for p in everyone}
    hits = process.extract(query, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit, score_cutoff=FIND_CUTOFF)
    return [by_id[key] for _, _, key in hits]


def resolve_person(store: Store, text: str) -> Person:
    """By id (P-3), handle (@priya or priya), email, exact name, or one clearly best fuzzy match."""
    wanted = text.strip()
    if not wanted:
        raise InvalidInput("no person given")
    found = store.get(wanted.upper())
    if isinstance(found, Person):
        return found
    folded = wanted.casefold()
    handle = "@" + folded.lstrip("@")
    for person in store.all(Person):
        if folded in (person.name.casefold(), person.email.casefold()) or handle == person.handle.casefold():
            return person
    matches = find_people(store, wanted, limit=3)
    first_names = [p for p in store.all(Person) if p.name.casefold().split()[:1] == [folded]]
    if len(first_names) == 1:
        return first_names[0]
    if len(matches) == 1:
        return matches[0]
    hint = f"; did you mean {', '.join(repr(p.name) for p in matches)}?" if matches else ""
    raise NotFound(f"no person {wanted!r}{hint}")


def add_person(store: Store, name: str, *, handle: str = "", email: str = "", team: str = "", role: str = "", origin: str = "app") -> Person:
    name = clean_line(name)
    if not name:
        raise InvalidInput("a person needs a name")
    handle = clean_line(handle)
    if handle and not handle.startswith("@"):
        handle = "@" + handle
    if handle and any(p.handle.casefold() == handle.casefold() for p in store.all(Person)):
        raise InvalidInput(f"{handle} is someone else's handle already")
    namesake = next((p for p in store.all(Person) if p.name.casefold() == name.casefold()), None)
    if namesake is not None and not handle:
        # Two people of one name are told apart by their handles; a second record by mistake
        # would split an area's owners between them.
        raise InvalidInput(f"{namesake.name} is {namesake.id} already; a second person of that name needs a handle")
    with store.change(f"added person {name}", origin=origin) as tx:
        return tx.add(Person(name=name, handle=handle, email=clean_line(email), team=clean_line(team), role=clean_line(role)))


def _require(store: Store, person_id: str) -> Person:
    person = store.get(person_id.strip().upper())
    if not isinstance(person, Person):
        raise NotFound(f"no person {person_id}")
    return person


def rename_person(store: Store, person_id: str, name: str, *, origin: str = "app") -> Person:
    person = _require(store, person_id)
    name = clean_line(name)
    if not name:
        raise InvalidInput("a person needs a name")
    with store.change(f"renamed {person.name} to {name}", origin=origin) as tx:
        return tx.put(replace(person, name=name))


def set_active(store: Store, person_id: str, active: bool, *, origin: str = "app") -> Person:
    """Leaving keeps the person on every area (flagged), so the gap shows instead of vanishing."""
    person = _require(store, person_id)
    if person.active == active:
        return person
    label = f"{person.name} is back" if active else f"{person.name} has left"
    with store.change(label, origin=origin) as tx:
        return tx.put(replace(person, active=active, left_at=None if active else tx.now))
