"""The product-area map: paths, lookups, and who owns what."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from ..errors import InvalidInput
from ..model import ProductArea
from ..storage.store import Store
from ..text import clean_line, first_line
from ..words import meaningful_words, plain_words, stem

PATH_SEPARATOR = " / "


def shown_name(area: ProductArea) -> str:
    """An area's name as shown: every path is made of these. Names are cleaned when stored; one
    stored before imports were cleaned may hold a terminal escape, which must not reach a screen."""
    name = area.name
    return name if name.isprintable() else clean_line(name)


def area_path(store: Store, area: ProductArea | str | None) -> str:
    """'Billing / Invoices / Tax' for an area or its id; '' for none."""
    if isinstance(area, str):
        area = store.get(area)  # type: ignore[assignment]
    names: list[str] = []
    seen: set[str] = set()
    while isinstance(area, ProductArea) and area.id not in seen:  # a damaged parent cycle must not hang
        seen.add(area.id)
        names.append(shown_name(area))
        area = store.get(area.parent) if area.parent else None  # type: ignore[assignment]
    return PATH_SEPARATOR.join(reversed(names))


def area_paths(store: Store) -> dict[str, str]:
    """Every area's path, each parent's path computed once (5,000 areas: one pass, not a walk
    up the tree for each)."""
    areas = {area.id: area for area in store.all(ProductArea)}
    paths: dict[str, str] = {}
    for start in areas:
        chain: list[str] = []  # from this area up to the first one whose path is known
        current: str | None = start
        while current is not None and current in areas and current not in paths and current not in chain:
            chain.append(current)  # `not in chain`: a damaged parent cycle stops here
            current = areas[current].parent
        above = paths.get(current, "") if current is not None else ""
        for area_id in reversed(chain):
            name = shown_name(areas[area_id])
            above = f"{above}{PATH_SEPARATOR}{name}" if above else name
            paths[area_id] = above
    return paths


def normalise_path(text: str) -> str:
    return PATH_SEPARATOR.join(part.strip().casefold() for part in text.split("/") if part.strip())


def resolve_area(store: Store, query: str) -> ProductArea:
    """An area by id ('A-7'), full path ('Billing/Invoices') or unique name ('Invoices').

    Anything else is an error that lists the closest paths, so a typo is one retry away."""
    query = query.strip()
    if not query:
        raise InvalidInput("no area given")
    by_id = store.get(query.upper())
    if isinstance(by_id, ProductArea):
        return by_id
    areas = store.all(ProductArea)
    paths = area_paths(store)
    wanted = normalise_path(query)
    exact = [a for a in areas if normalise_path(paths[a.id]) == wanted]
    if len(exact) == 1:
        return exact[0]
    by_name = [a for a in areas if a.name.strip().casefold() == wanted]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        options = ", ".join(sorted(paths[a.id] for a in by_name))
        raise InvalidInput(f"area {query!r} is ambiguous: {options}")
    close = process.extract(query, paths, scorer=fuzz.WRatio, processor=utils.default_process, limit=3, score_cutoff=60)
    hint = f"; did you mean {', '.join(repr(match[0]) for match in close)}?" if close else ""
    raise InvalidInput(f"no product area {query!r}{hint}")


def subtree_ids(store: Store, root_id: str) -> set[str]:
    """The area and every area below it."""
    children: dict[str | None, list[str]] = {}
    for area in store.all(ProductArea):
        children.setdefault(area.parent, []).append(area.id)
    ids, stack = set(), [root_id]
    while stack:
        current = stack.pop()
        if current not in ids:
            ids.add(current)
            stack.extend(children.get(current, []))
    return ids


def has_active_owner(store: Store, area: ProductArea) -> bool:
    active = store.derived("areas.active_people", _active_people)  # not a store.get per owner (5,000 areas)
    return any(person_id in active for person_id in area.owners)


def _active_people(store: Store) -> frozenset[str]:
    from ..model import Person

    return frozenset(person.id for person in store.all(Person) if person.active)


def owner_coverage(store: Store) -> tuple[int, int]:
    """(areas with at least one active owner, all areas)."""
    areas = store.all(ProductArea)
    return sum(1 for area in areas if has_active_owner(store, area)), len(areas)


@dataclass(frozen=True)
class AreaSuggestion:
    area: ProductArea
    path: str
    score: float
    matched: tuple[str, ...]  # why: the glossary words that matched, 'like F-12 "Payouts twice on Monday"'


# A suggestion's score as shown (`prodops suggest`): the learned votes' (a cosine, 0-1; a clear
# match 0.2-0.4) times this.
SCORE_SCALE = 10.0


def _stems(text: str) -> list[str]:
    """Every word of the text, stemmed, stopwords kept: glossary phrases are matched in this."""
    return [stem(word) for word in plain_words(text)]


def glossary_matches(area: ProductArea, text_stems: list[str], rare: frozenset[str]) -> tuple[str, ...]:
    """The area's glossary terms (as written), then its name and description words (lower case),
    that the text uses: only those holding a word that says something here (`rare`: not spread
    over about every area's profile or own words, not in most filed items). A word every area's
    name has is never a reason."""
    padded = f" {' '.join(text_stems)} "
    used = set(text_stems)
    matched: list[str] = []
    for term in area.glossary:
        phrase = " ".join(_stems(term))
        if phrase and f" {phrase} " in padded and rare.intersection(meaningful_words(term)):
            matched.append(term)
    covered = {word for m in matched for word in meaningful_words(m)}
    for text in (area.name, area.description):
        for word in plain_words(text or ""):
            stemmed = meaningful_words(word)
            if stemmed and stemmed[0] in used and stemmed[0] in rare and stemmed[0] not in covered:
                matched.append(word)
                covered.add(stemmed[0])
    return tuple(matched)


def suggest_areas(store: Store, text: str, *, limit: int = 3, exclude: str | None = None, learned: bool = True,
                  fresh: bool = True) -> list[AreaSuggestion]:
    """The areas a feedback text most likely belongs to, best first, each with its reasons: the
    glossary, name and description words it uses that say something, and the filed item that
    reads most like it (core/areas/learned.py). `exclude`: the item's own id, so it is not its own
    example; `learned=False`: the areas' own words alone; `fresh=False`: the profiles as last
    built, for a picker that must not wait for them to catch up."""
    from .learned import examples

    found = examples(store, fresh=fresh).votes(text, exclude=exclude, limit=limit + 2, learned=learned)
    text_stems = _stems(text) if found else []
    suggestions: list[AreaSuggestion] = []
    for vote in found:
        area = store.get(vote.area)
        if not isinstance(area, ProductArea):
            continue  # deleted since the profiles were built
        reasons = list(glossary_matches(area, text_stems, found.rare))
        if vote.example:
            example = store.get(vote.example)
            title = getattr(example, "title", "") or getattr(example, "text", "")
            reasons.append(f"like {vote.example} \u201c{first_line(title, 48)}\u201d")
        suggestions.append(AreaSuggestion(area, area_path(store, area), round(SCORE_SCALE * vote.score, 1), tuple(reasons)))
        if len(suggestions) == limit:
            break
    return suggestions


def find_areas(store: Store, query: str, *, limit: int = 50) -> list[tuple[ProductArea, str]]:
    """Areas for a picker: fuzzy over path and glossary terms, best first; all by path when empty."""
    areas = store.all(ProductArea)
    paths = area_paths(store)
    by_id = {area.id: area for area in areas}
    if not query.strip():
        return sorted(((a, paths[a.id]) for a in areas), key=lambda pair: pair[1].casefold())[:limit]
    choices = {a.id: f"{paths[a.id]} {' '.join(a.glossary)}" for a in areas}
    hits = process.extract(query, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit, score_cutoff=50)
    return [(by_id[key], paths[key]) for _, _, key in hits]
