"""Who owns what: fuzzy "who owns X?", "what does Y own?", the gaps, and editing the area map."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from rapidfuzz import fuzz, process, utils

from ..errors import InvalidInput, NotFound
from ..model import FeedbackItem, Person, ProductArea
from ..storage.store import Store
from ..storage.where import Where
from ..text import clean_line, clean_text
from .lookup import PATH_SEPARATOR, area_path, area_paths, has_active_owner, subtree_ids

ROLES = ("owners", "maintainers", "designers", "influencers")
ROLE_NAMES = {"owners": "owner", "maintainers": "maintainer", "designers": "designer", "influencers": "influencer"}
WHO_CUTOFF = 60
CANDIDATES = 100  # areas re-scored per field to say what matched
# How much a hit in each kind of field counts: a path or a glossary term says more
# than a word somewhere in a description.
FIELD_WEIGHT = {"path": 1.0, "glossary": 0.98, "person": 0.97, "code": 0.95, "description": 0.85}


@dataclass(frozen=True)
class AreaMatch:
    area: ProductArea
    path: str
    score: float
    matched: str  # shown to the user: "path", "glossary: invoice", "person: Priya Raman (owner)"


def _people_by_id(store: Store) -> dict[str, Person]:
    return {p.id: p for p in store.all(Person)}


def _fields(area: ProductArea, path: str, people: dict[str, Person]) -> list[tuple[str, str]]:
    """(what to call it, text) for everything an area can be found by; what to call it is printed."""
    fields = [("path", path)]
    fields += [(f"glossary: {clean_line(term)}", term) for term in area.glossary]
    fields += [(f"code: {clean_line(code)}", code) for code in area.code_paths]
    for role in ROLES:
        for person_id in getattr(area, role):
            person = people.get(person_id)
            if person:
                fields.append((f"person: {clean_line(person.name)} ({ROLE_NAMES[role]})", f"{person.name} {person.handle}"))
    if area.description:
        fields.append(("description", area.description[:300]))
    return fields


def _tokens(text: str) -> list[str]:
    return utils.default_process(text).split()


def _token_score(wanted: str, tokens: list[str]) -> float:
    """How well one typed word is found: a prefix ("invoic") counts fully, a misspelling by similarity."""
    best = 0.0
    for token in tokens:
        if token.startswith(wanted):
            return 100.0
        shared = _shared_prefix(wanted, token)
        if shared >= 5 and shared >= 0.7 * min(len(wanted), len(token)):
            best = max(best, 95.0)  # one stem: "invoicing" ~ "invoices", "exporting" ~ "export"
        else:
            best = max(best, fuzz.ratio(wanted, token))
    return best


def _shared_prefix(a: str, b: str) -> int:
    """How many characters two words share from their start."""
    for index, (x, y) in enumerate(zip(a, b, strict=False)):  # the shorter word ends the count
        if x != y:
            return index
    return min(len(a), len(b))


def coverage(query_tokens: list[str], text: str) -> float:
    """The share of the query a field answers: every typed word, in any order, averaged."""
    tokens = _tokens(text)
    if not query_tokens or not tokens:
        return 0.0
    return sum(_token_score(word, tokens) for word in query_tokens) / len(query_tokens)


def _search_index(store: Store) -> tuple[Any, ...]:
    """Paths, searchable fields and haystacks of every area, rebuilt only when the store changed
    (typing a query asks again on every keystroke)."""
    return store.derived("ownership.search_index", _build_search_index)


def _build_search_index(store: Store) -> tuple[Any, ...]:
    people = _people_by_id(store)
    areas = store.all(ProductArea)
    by_id = {area.id: area for area in areas}
    paths = area_paths(store)
    fields = {area.id: _fields(area, paths[area.id], people) for area in areas}
    # Preprocessed once here, not by rapidfuzz on every query (docs/PITFALLS.md: case counts since rapidfuzz 3.0).
    haystacks = {area_id: utils.default_process(" ".join(text for _, text in entries)) for area_id, entries in fields.items()}
    return (by_id, paths, fields, haystacks)


def who_owns(store: Store, query: str, *, limit: int = 20) -> list[AreaMatch]:
    """Areas for a partial, misspelled or reordered query, best first, each saying what matched."""
    query = query.strip()
    if not query:
        return []
    by_id, paths, fields, haystacks = _search_index(store)
    # Stage one, cheap over everything: the areas worth a closer look.
    candidates = process.extract(utils.default_process(query), haystacks, scorer=fuzz.WRatio, processor=None, limit=CANDIDATES, score_cutoff=40)
    query_tokens = _tokens(query)
    matches = []
    for _, _, area_id in candidates:
        # Stage two: how much of the query each field answers, so the answer can say what matched.
        label, score = max(
            ((label, coverage(query_tokens, text) * FIELD_WEIGHT[label.split(":")[0]]) for label, text in fields[area_id]),
            key=lambda pair: pair[1],
        )
        if score >= WHO_CUTOFF:
            matches.append(AreaMatch(by_id[area_id], paths[area_id], score, label))
    # Ties go to the shallower path: "invoic" means Billing / Invoices before its sub-areas.
    matches.sort(key=lambda m: (-m.score, m.path.count(PATH_SEPARATOR), m.path.casefold()))
    return matches[:limit]


@dataclass(frozen=True)
class Holdings:
    person: Person
    owns: list[ProductArea]
    maintains: list[ProductArea]
    designs: list[ProductArea]
    influences: list[ProductArea]


def owned_by(store: Store, person_id: str) -> Holdings:
    person = store.get(person_id)
    if not isinstance(person, Person):
        raise NotFound(f"no person {person_id}")
    by_role: dict[str, list[ProductArea]] = {role: [] for role in ROLES}
    for area in store.all(ProductArea):
        for role in ROLES:
            if person.id in getattr(area, role):
                by_role[role].append(area)
    paths = area_paths(store)
    for areas in by_role.values():
        areas.sort(key=lambda area: paths[area.id].casefold())
    return Holdings(person, by_role["owners"], by_role["maintainers"], by_role["designers"], by_role["influencers"])


@dataclass(frozen=True)
class Gaps:
    no_owner: list[ProductArea]
    owner_left: list[ProductArea]
    no_maintainer: list[ProductArea]
    feedback_without_area: int


def gaps(store: Store) -> Gaps:
    """Every hole in the map: no owner at all, owners who all left, no maintainer, feedback nowhere."""
    paths = area_paths(store)
    by_path = sorted(store.all(ProductArea), key=lambda area: paths[area.id].casefold())
    return Gaps(
        no_owner=[a for a in by_path if not a.owners],
        owner_left=[a for a in by_path if a.owners and not has_active_owner(store, a)],
        no_maintainer=[a for a in by_path if not a.maintainers],
        # Counted by SQLite from the cache's columns when the items are not in memory (`prodops nudges`).
        feedback_without_area=store.count_where(FeedbackItem, (Where("area", "empty"), Where("duplicate_of", "empty"))),
    )


def _names(people: dict[str, Person], ids: Sequence[str]) -> list[str]:
    return [clean_line(people[i].name) for i in ids if i in people]


def area_record(store: Store, area: ProductArea) -> dict[str, Any]:
    """The contract's JSON shape of an area; people by name, their ids under "people".

    `prodops who` prints it and the export writes it: its texts are cleaned as they are when
    stored, so a record stored before imports were cleaned shows no terminal escape."""
    people = _people_by_id(store)
    active_owner = next((clean_line(people[i].name) for i in area.owners if i in people and people[i].active), None)
    record: dict[str, Any] = {"id": area.id, "path": area_path(store, area), "owner": active_owner}
    for role in ROLES:
        record[role] = _names(people, getattr(area, role))
    record.update(
        team=clean_line(area.team), channel=clean_line(area.channel), description=clean_text(area.description),
        glossary=[clean_line(term) for term in area.glossary], code_paths=[clean_line(code) for code in area.code_paths],
        docs=[clean_line(doc) for doc in area.docs], parent=area.parent,
        people={role: list(getattr(area, role)) for role in ROLES},
    )
    return record


def person_record(store: Store, person: Person) -> dict[str, Any]:
    holdings = owned_by(store, person.id)
    return {
        "id": person.id, "name": person.name, "handle": person.handle, "email": person.email, "team": person.team,
        "role": person.role, "active": person.active, "left_at": person.left_at,
        "owns": [area_path(store, a) for a in holdings.owns],
        "maintains": [area_path(store, a) for a in holdings.maintains],
        "designs": [area_path(store, a) for a in holdings.designs],
        "influences": [area_path(store, a) for a in holdings.influences],
    }


# --- editing the map: each call is one stored change, one undo step ----------------


def _require(store: Store, area_id: str) -> ProductArea:
    area = store.get(area_id.strip().upper()) if area_id else None
    if not isinstance(area, ProductArea):
        raise NotFound(f"no product area {area_id}")
    return area


def _check_name(store: Store, name: str, parent: str | None, *, ignore: str | None = None) -> str:
    name = clean_line(name)
    if not name:
        raise InvalidInput("an area needs a name")
    if "/" in name:
        raise InvalidInput(f"{name!r}: '/' separates levels of a path; it cannot be part of a name")
    for sibling in store.all(ProductArea):
        if sibling.parent == parent and sibling.id != ignore and sibling.name.casefold() == name.casefold():
            raise InvalidInput(f"{area_path(store, sibling)} exists already")
    return name


def add_area(store: Store, name: str, *, parent: str | None = None, origin: str = "app") -> ProductArea:
    parent_id = _require(store, parent).id if parent else None
    name = _check_name(store, name, parent_id)
    where = f" under {area_path(store, parent_id)}" if parent_id else ""
    with store.change(f"added area {name}{where}", origin=origin) as tx:
        return tx.add(ProductArea(name=name, parent=parent_id))


def rename_area(store: Store, area_id: str, name: str, *, origin: str = "app") -> ProductArea:
    area = _require(store, area_id)
    name = _check_name(store, name, area.parent, ignore=area.id)
    with store.change(f"renamed area {area_path(store, area)} to {name}", origin=origin) as tx:
        return tx.put(replace(area, name=name))


def move_area(store: Store, area_id: str, new_parent: str | None, *, origin: str = "app") -> ProductArea:
    area = _require(store, area_id)
    parent_id = _require(store, new_parent).id if new_parent else None
    if parent_id in subtree_ids(store, area.id):
        raise InvalidInput(f"{area_path(store, area)} cannot go under itself or an area below it")
    _check_name(store, area.name, parent_id, ignore=area.id)
    where = area_path(store, parent_id) if parent_id else "the top level"
    with store.change(f"moved {area_path(store, area)} to {where}", origin=origin) as tx:
        return tx.put(replace(area, parent=parent_id))


def delete_area(store: Store, area_id: str, *, origin: str = "app") -> tuple[int, int]:
    """Its feedback and its sub-areas move to its parent: nothing is lost. Returns (feedback, sub-areas) moved."""
    area = _require(store, area_id)
    feedback = store.records_where(FeedbackItem, (Where("area", "=", area.id),))
    children = [child for child in store.all(ProductArea) if child.parent == area.id]
    with store.change(f"deleted area {area_path(store, area)}", origin=origin) as tx:
        for item in feedback:
            tx.put(replace(item, area=area.parent))
        for child in children:
            tx.put(replace(child, parent=area.parent))
        tx.delete(area.id)
    return len(feedback), len(children)


def set_role(store: Store, area_id: str, role: str, person_ids: Sequence[str], *, origin: str = "app") -> ProductArea:
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    area = _require(store, area_id)
    ids = list(dict.fromkeys(pid.strip().upper() for pid in person_ids))
    for person_id in ids:
        if not isinstance(store.get(person_id), Person):
            raise NotFound(f"no person {person_id}")
    with store.change(f"set {role} of {area_path(store, area)}", origin=origin) as tx:
        role_change: dict[str, Any] = {role: ids}  # the field is named by the caller's role
        return tx.put(replace(area, **role_change))


def update_area(
    store: Store,
    area_id: str,
    *,
    description: str | None = None,
    team: str | None = None,
    channel: str | None = None,
    docs: Sequence[str] | None = None,
    glossary: Sequence[str] | None = None,
    code_paths: Sequence[str] | None = None,
    origin: str = "app",
) -> ProductArea:
    area = _require(store, area_id)
    changes: dict[str, Any] = {}
    if description is not None:
        changes["description"] = clean_text(description)
    for name, value in (("team", team), ("channel", channel)):
        if value is not None:
            changes[name] = clean_line(value)
    for name, values in (("docs", docs), ("glossary", glossary), ("code_paths", code_paths)):
        if values is not None:
            changes[name] = [v for v in (clean_line(v) for v in values) if v]
    with store.change(f"edited {area_path(store, area)}", origin=origin) as tx:
        return tx.put(replace(area, **changes))
