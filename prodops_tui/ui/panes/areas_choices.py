"""What the Areas pane's pickers offer: people for a role, new parents for a move."""

from __future__ import annotations

from textual.content import Content

from ...core.areas import people
from ...core.areas.lookup import find_areas, subtree_ids
from ...core.model import Person, ProductArea
from ...core.storage.store import Store
from ...core.text import clean_line

NEW_PERSON = "+person:"
TOP_LEVEL = "-top-"


def role_options(store: Store, area_id: str, role: str, query: str) -> list[tuple[str, Content]]:
    """Current holders first (picking one removes them), then people to add; a new name creates one."""
    area = store.get(area_id)
    holders = list(getattr(area, role)) if isinstance(area, ProductArea) else []
    options: list[tuple[str, Content]] = []
    for person_id in holders:
        person = store.get(person_id)
        if isinstance(person, Person) and (not query or query.casefold() in person.name.casefold()):
            options.append((person.id, Content.assemble(("✓ ", "bold $success"), clean_line(person.name), (" (left)" if not person.active else "", "$status-unowned"), ("  remove", "$text-muted"))))
    options += [
        (p.id, Content.assemble("  ", clean_line(p.name), (f"  {clean_line(p.team)}", "$text-muted"), (" (left)" if not p.active else "", "$status-unowned")))
        for p in people.find_people(store, query)
        if p.id not in holders
    ]
    if query.strip() and not any(p.name.casefold() == query.strip().casefold() for p in store.all(Person)):
        options.append((NEW_PERSON + query.strip(), Content.assemble(("+ new person: ", "bold $success"), clean_line(query))))
    return options


def move_options(store: Store, area: ProductArea, query: str) -> list[tuple[str, Content]]:
    """Every area it may go under (not itself or anything below it), and the top level."""
    below = subtree_ids(store, area.id)
    options = [(TOP_LEVEL, Content.styled("(top level)", "$text-muted"))] if not query.strip() else []
    options += [(other.id, Content(path)) for other, path in find_areas(store, query) if other.id not in below]
    return options
