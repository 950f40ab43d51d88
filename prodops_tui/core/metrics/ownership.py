"""Who owns what, as the review asks it: coverage, the gaps, and people who left but still hold
something. Ownership is what the workspace says now: when an owner was added or removed is
not kept, so these figures have no "before" (people who left do: `left_at`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..areas import rules
from ..model import ActionItem, Person, ProductArea
from ..storage.store import Store

ROLES = (("owners", "owns"), ("maintainers", "maintains"), ("designers", "designs"), ("influencers", "influences"))


@dataclass(frozen=True)
class Gap:
    kind: str  # "no_owner", "owner_left", "no_maintainer"
    area_id: str
    path: str


@dataclass(frozen=True)
class LeftPerson:
    id: str
    name: str
    left_at: str | None
    areas: tuple[tuple[str, str], ...]  # (what: "owns", path)
    actions: tuple[str, ...]  # open action items they own
    rules: int  # CODEOWNERS rules that name their handle or email


@dataclass(frozen=True)
class Ownership:
    areas: int
    owned: int  # areas with at least one active owner
    gaps: tuple[Gap, ...]  # by kind, then path
    rules_total: int  # CODEOWNERS rules (exclusions aside); 0 when none were imported
    rules_owned: int  # of those, rules that give their paths an owner
    left: tuple[LeftPerson, ...]  # people who left and still hold something, longest gone first

    @property
    def unowned(self) -> int:
        return sum(1 for gap in self.gaps if gap.kind in ("no_owner", "owner_left"))


GAP_LABELS = {"no_owner": "no owner", "owner_left": "every owner has left", "no_maintainer": "no maintainer"}


def ownership(store: Store, paths: dict[str, str]) -> Ownership:
    """`paths`: area_paths(store), which the caller has already worked out."""
    people = {person.id: person for person in store.all(Person)}
    areas = store.all(ProductArea)

    def active(person_id: str) -> bool:
        person = people.get(person_id)
        return person is not None and person.active

    gaps: list[Gap] = []
    for kind, test in (
        ("no_owner", lambda a: not a.owners),
        ("owner_left", lambda a: a.owners and not any(active(p) for p in a.owners)),
        ("no_maintainer", lambda a: not a.maintainers),
    ):
        found = sorted((a for a in areas if test(a)), key=lambda a: paths.get(a.id, a.name).casefold())
        gaps += [Gap(kind, a.id, paths.get(a.id, a.name)) for a in found]
    rules_owned, rules_total = rules.rule_coverage(store) if rules.has_rules(store) else (0, 0)
    return Ownership(
        areas=len(areas), owned=sum(1 for a in areas if any(active(p) for p in a.owners)), gaps=tuple(gaps),
        rules_total=rules_total, rules_owned=rules_owned, left=tuple(_left_holding(store, people, areas, paths)),
    )


def _left_holding(store: Store, people: dict[str, Person], areas: list[ProductArea], paths: dict[str, str]) -> list[LeftPerson]:
    open_actions = sorted((a for a in store.all(ActionItem) if a.status == "open"), key=lambda a: a.number)
    by_path = sorted(areas, key=lambda a: paths.get(a.id, a.name).casefold())  # once, not per person who left
    found = []
    for person in people.values():
        if person.active:
            continue
        held = tuple(
            (verb, paths.get(area.id, area.name))
            for role, verb in ROLES
            for area in by_path
            if person.id in getattr(area, role)
        )
        actions = tuple(a.id for a in open_actions if person.id in a.owners)
        handles = [h for h in (person.handle, person.email) if h]
        named_in = len(rules.rules_owned_by(store, handles)) if handles and rules.has_rules(store) else 0
        if held or actions or named_in:
            found.append(LeftPerson(person.id, person.name, person.left_at, held, actions, named_in))
    found.sort(key=lambda p: (p.left_at or "", p.name.casefold()))
    return found


def left_between(store: Store, start_iso: str, end_iso: str) -> int:
    """People marked as having left in [start, end)."""
    return sum(1 for p in store.all(Person) if not p.active and p.left_at and start_iso <= p.left_at < end_iso)
