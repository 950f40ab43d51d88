"""The one query language: `area:billing is:unrated customer:"Acme Freight" since:2w slow export`.

The inbox filter (`f`), saved views, the search box (`/`), `prodops search` and every CLI
`--filter` read their query here, so a keyword means the same everywhere. KEYWORDS is the one
list of keywords, each with a line saying what it means: the `?` screen and the table in docs/REFERENCE.md
are made from it.

The rules, the same everywhere:
- Free words and "quoted phrases": search (`/`, `prodops search`) ranks by them, every word
  counting and none required, and takes partial and misspelled words, other forms of a word
  and identifiers written as words (core/search/index.py). The inbox filter, saved views and
  every `--filter` are sets (counted, saved, exported, changed in bulk), so there every free
  word must appear, as written, in the item's text, title or customer (feedback/filters.py).
- Values of one keyword are OR-ed (`area:billing area:payments`); keywords are AND-ed; every
  `is:` must hold (`is:unrated is:untagged`).
- An unknown keyword (`colour:red`) or one without a value (`area:`) is a hint and is left out.
- A value that cannot be read (`importance:huge`, `since:blorp`, `is:bogus`) is an error with one
  message: the inbox, saved views and the CLI refuse the query; search says it as a hint and
  leaves that filter out.
- A keyword that does not apply to a kind of item (importance: on a person, owner: on feedback)
  lets no item of that kind through."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .areas.lookup import area_paths, find_areas, normalise_path, subtree_ids
from .dates import DateParseError, parse_since, to_iso
from .model import ACTION_STATUSES, IMPORTANCE_LEVELS, OPPORTUNITY_STATUSES, RETRO_PHASES, Person, ProductArea
from .storage.store import Store
from .text import clean_line, fold

MAX_QUERY_CHARS = 500  # a 10,000-character paste is cut here: nobody types more

KINDS = ("feedback", "opportunity", "area", "person", "card", "action", "checklist")
KIND_ALIASES = {
    "feedback": "feedback", "fb": "feedback", "opportunity": "opportunity", "opportunities": "opportunity",
    "area": "area", "areas": "area", "person": "person", "people": "person", "card": "card", "cards": "card",
    "retro": "card", "action": "action", "actions": "action", "checklist": "checklist", "checklists": "checklist",
}
# What status: takes, by kind of item (feedback: the status a user sees, snoozed included).
STATUSES = {
    "feedback": ("new", "snoozed", "processed", "archived"),
    "opportunity": OPPORTUNITY_STATUSES,
    "action": ACTION_STATUSES,
    "person": ("active", "left"),
    "card": RETRO_PHASES,  # a retro card: the phase of its retro
}
ALL_STATUSES = tuple(dict.fromkeys(s for statuses in STATUSES.values() for s in statuses))
_WITH_AREA = ("feedback", "opportunity", "area", "action", "card")


@dataclass(frozen=True)
class Keyword:
    """One keyword of the language: `area` (takes a value) or `is:unassigned` (a flag)."""

    name: str
    example: str  # what a user types, e.g. area:billing
    description: str  # one short line (32 characters at most: the ? screen's column), for ? and docs/REFERENCE.md
    kinds: tuple[str, ...]  # the kinds of item it can match; items of other kinds never match it
    takes_value: bool = True  # area:VALUE; not is:unassigned, not free words

    @property
    def label(self) -> str:
        return f"{self.name}:" if self.takes_value else self.name


KEYWORDS: tuple[Keyword, ...] = (
    Keyword("area", "area:billing", "in the area or one below it", _WITH_AREA),
    Keyword("tag", "tag:export", "tagged so (#export too)", ("feedback",)),
    Keyword("status", "status:new", "in this status (or retro phase)", tuple(STATUSES)),
    Keyword("importance", "importance:high", "low, medium, high or critical", ("feedback",)),
    Keyword("rating", "rating:<=2", "star rating: 5, <=2, >=4, 2-3", ("feedback",)),
    Keyword("source", "source:support", "its source contains this", ("feedback",)),
    Keyword("customer", 'customer:"Acme Freight"', "its customer contains this", ("feedback",)),
    Keyword("owner", "owner:priya", "owned by this person", ("area", "action")),
    Keyword("kind", "kind:area", "only items of this kind", KINDS),
    Keyword("id", "id:F-12,F-40", "exactly these items", KINDS),
    Keyword("since", "since:2w", "on or after: 2w, 2026-11-01", KINDS),
    Keyword("is:unassigned", "is:unassigned", "no product area", ("feedback", "opportunity", "action"), False),
    Keyword("is:unowned", "is:unowned", "area or action nobody owns", ("area", "action"), False),
    Keyword("is:untagged", "is:untagged", "feedback without tags", ("feedback",), False),
    Keyword("is:unrated", "is:unrated", "feedback without an importance", ("feedback",), False),
    Keyword("is:linked", "is:linked", "linked to an opportunity", ("feedback",), False),
    Keyword("is:merged", "is:merged", "merged with other feedback", ("feedback",), False),
)
FREE_WORDS = Keyword("words", 'slow "credit note"', "search ranks; a filter needs all", KINDS, False)
BY_NAME = {keyword.name: keyword for keyword in KEYWORDS}
IS_VALUES = tuple(k.name.split(":", 1)[1] for k in KEYWORDS if k.name.startswith("is:"))
# The keyword names, in table order: what `name:` takes.
NAMES = tuple(dict.fromkeys(k.name.split(":", 1)[0] for k in KEYWORDS))
KIND_LABELS = {
    "feedback": "feedback", "opportunity": "opportunities", "area": "areas", "person": "people",
    "card": "retro cards", "action": "action items", "checklist": "checklists",
}

_TOKEN = re.compile(r"""(\w+):(?:"([^"]*)"|'([^']*)'|(\S*))|"([^"]*)"|(\S+)""")


@dataclass(frozen=True)
class Query:
    """A query read, before it meets a workspace: what was typed, by keyword."""

    text: str = ""
    words: tuple[str, ...] = ()  # free words and "quoted phrases", case-folded
    typed_words: tuple[str, ...] = ()  # the same as typed, case kept (search splits camelCase by it)
    kinds: tuple[str, ...] = ()  # feedback, opportunity, … (aliases read)
    areas: tuple[str, ...] = ()  # as typed: resolve with area_ids()
    tags: tuple[str, ...] = ()  # case-folded, without a leading #
    statuses: tuple[str, ...] = ()
    importance: tuple[str, ...] = ()
    ratings: tuple[int, ...] = ()  # the star ratings let through (rating:<=2 -> 1, 2)
    ids: tuple[str, ...] = ()  # id:F-12,F-40 (upper-cased)
    sources: tuple[str, ...] = ()  # case-folded; a part of the source
    customers: tuple[str, ...] = ()  # case-folded; a part of the customer
    owners: tuple[str, ...] = ()  # as typed: resolve with person_ids()
    flags: tuple[str, ...] = ()  # is: values, all of which must hold
    since: str | None = None  # ISO UTC
    errors: tuple[str, ...] = ()  # values that cannot be read, a message each
    hints: tuple[str, ...] = ()  # unknown keywords, keywords without a value

    @property
    def has_filters(self) -> bool:
        return bool(self.kinds or self.areas or self.tags or self.statuses or self.importance or self.ratings or self.ids or self.sources
                    or self.customers or self.owners or self.flags or self.since)

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.has_filters)

    def not_for(self, kind: str) -> list[str]:
        """The filters of this query that no item of `kind` can pass ([] when it can match)."""
        found = []
        if self.kinds and kind not in self.kinds:
            found.append("kind:" + "/".join(self.kinds))
        for name, values in (("area", self.areas), ("tag", self.tags), ("importance", self.importance), ("rating", self.ratings),
                             ("source", self.sources), ("customer", self.customers), ("owner", self.owners)):
            if values and kind not in BY_NAME[name].kinds:
                found.append(f"{name}:")
        if self.statuses and not set(self.statuses) & set(STATUSES.get(kind, ())):
            found.append("status:" + "/".join(self.statuses))
        found += [f"is:{flag}" for flag in self.flags if kind not in BY_NAME[f"is:{flag}"].kinds]
        return found

    def kinds_matched(self) -> set[str]:
        """The kinds of item this query can let through."""
        return {kind for kind in KINDS if not self.not_for(kind)}

    def not_for_hint(self, kind: str) -> str | None:
        """Why no item of `kind` matches, for a place that lists only that kind (the inbox)."""
        found = self.not_for(kind)
        if not found:
            return None
        return f"{', '.join(found)} never matches {KIND_LABELS[kind]}"


def unknown_keyword(name: str) -> str:
    return f"unknown filter {name}: — filters are {', '.join(n + ':' for n in NAMES)}"


def parse(text: str, *, now: datetime) -> Query:
    """Read a query. Never raises: unreadable values are in `errors`, unknown keywords in `hints`."""
    text = clean_line(text)[:MAX_QUERY_CHARS]
    found: dict[str, list[str]] = {name: [] for name in NAMES}
    words: list[str] = []
    typed: list[str] = []
    errors: list[str] = []
    hints: list[str] = []
    since_dates: list[datetime] = []
    for match in _TOKEN.finditer(text):
        name, double, single, bare, phrase, word = match.groups()
        if name is None:
            term = phrase if phrase is not None else word
            if term.strip():
                words.append(term.strip().casefold())
                typed.append(term.strip())
            continue
        name = name.casefold()
        value = next(v for v in (double, single, bare) if v is not None).strip()
        if name not in found:
            hints.append(unknown_keyword(name))
        elif not value:
            hints.append(f"{name}: needs a value")
        elif name == "since":
            # Every value read, not only the last: `since:blorp since:2w` is an error, not 2w.
            try:
                since_dates.append(parse_since(value, now=now))
            except DateParseError as exc:
                errors.append(f"since: {exc}")
        else:
            problem = _check(name, value)
            if problem:
                errors.append(problem)
            else:
                found[name].append(value)
    return Query(
        text=text,
        words=tuple(words),
        typed_words=tuple(typed),
        kinds=tuple(dict.fromkeys(KIND_ALIASES[k.casefold()] for k in found["kind"])),
        areas=tuple(found["area"]),
        tags=tuple(t.casefold().lstrip("#") for t in found["tag"]),
        statuses=tuple(s.casefold() for s in found["status"]),
        importance=tuple(i.casefold() for i in found["importance"]),
        ratings=_ratings(found["rating"]),
        ids=tuple(dict.fromkeys(i.strip().upper() for value in found["id"] for i in value.split(",") if i.strip())),
        sources=tuple(s.casefold() for s in found["source"]),
        customers=tuple(c.casefold() for c in found["customer"]),
        owners=tuple(found["owner"]),
        flags=tuple(dict.fromkeys(f.casefold() for f in found["is"])),
        since=to_iso(min(since_dates)) if since_dates else None,  # OR-ed, as every keyword's values: the earliest
        errors=tuple(errors),
        hints=tuple(hints),
    )


_ITEM_ID = re.compile(r"[A-Za-z]{1,3}-\d+(?:#\d+)?")
_RATING = re.compile(r"^(<=|>=|<|>|=)?([1-5])(?:-([1-5]))?$")


def _rating_values(value: str) -> set[int] | None:
    """rating:5, rating:<=2, rating:>3, rating:2-4 -> the stars they let through; None if unreadable."""
    match = _RATING.match(value.replace(" ", ""))
    if not match:
        return None
    op, low, high = match.group(1), int(match.group(2)), match.group(3)
    if high is not None:
        return None if op else set(range(low, int(high) + 1))
    return {star for star in range(1, 6) if {"<=": star <= low, ">=": star >= low, "<": star < low, ">": star > low}.get(op or "=", star == low)}


def _ratings(values: list[str]) -> tuple[int, ...]:
    """Several rating: filters all hold: the stars every one lets through (none: matches nothing)."""
    if not values:
        return ()
    allowed = set(range(1, 6))
    for value in values:
        allowed &= _rating_values(value) or set()
    return tuple(sorted(allowed)) or (0,)  # 0: no item has it, so an impossible filter matches nothing


def _check(name: str, value: str) -> str | None:
    """The message for a value that cannot be read, or None."""
    folded = value.casefold()
    if name == "id" and not all(_ITEM_ID.fullmatch(i.strip()) for i in value.split(",") if i.strip()):
        return f"id:{value} is not an item id like F-12 (several: id:F-12,F-40)"
    if name == "rating" and not _rating_values(value):
        return f"rating:{value} is not a star rating like 5, <=2, >=4 or 2-3"
    if name == "importance" and folded not in IMPORTANCE_LEVELS:
        return f"importance:{value} is not one of {', '.join(IMPORTANCE_LEVELS)}"
    if name == "status" and folded not in ALL_STATUSES:
        return f"status:{value} is not one of {', '.join(ALL_STATUSES)}"
    if name == "is" and folded not in IS_VALUES:
        return f"is:{value} is not one of {', '.join(IS_VALUES)}"
    if name == "kind" and folded not in KIND_ALIASES:
        return f"kind:{value} is not one of {', '.join(KINDS)}"
    return None


# --- values that name things in the workspace --------------------------------------------


def area_ids(store: Store, typed: Iterable[str]) -> tuple[set[str], list[str]]:
    """The areas `area:` values name, each with the areas below it, and hints for those naming none.

    A value is an area's id, name or path (`billing`, `Billing/Invoices`); else part of a path
    (`invoic`); else the one closest path or glossary term (`biling`)."""
    areas = store.all(ProductArea)
    paths = {area_id: normalise_path(fold(path)) for area_id, path in area_paths(store).items()}
    ids: set[str] = set()
    hints: list[str] = []
    for value in typed:
        wanted = normalise_path(fold(value))
        chosen = [a.id for a in areas if a.id == value.strip().upper() or fold(a.name.strip()) == wanted or paths[a.id] == wanted]
        if not chosen:
            chosen = [a.id for a in areas if wanted and wanted in paths[a.id]]
        if not chosen:
            close = find_areas(store, value, limit=1)
            chosen = [close[0][0].id] if close else []
        if not chosen:
            hints.append(f"no area like {value!r}")
        for area_id in chosen:
            ids |= subtree_ids(store, area_id)
    return ids, hints


def person_ids(store: Store, typed: Iterable[str]) -> tuple[set[str], list[str]]:
    """The people `owner:` values name (a word of the name or handle starts with it), and hints."""
    people = store.all(Person)
    named = {p.id: [fold(w) for w in re.findall(r"\w+", f"{p.name} {p.handle}")] for p in people}
    ids: set[str] = set()
    hints: list[str] = []
    for value in typed:
        wanted = fold(value).strip()
        found = {pid for pid, words in named.items() if any(w.startswith(wanted) for w in words)}
        if not found:
            hints.append(f"nobody called {value!r}")
        ids |= found
    return ids, hints


# --- documentation ---------------------------------------------------------------------


def examples_for(kind: str) -> str:
    """What to type, for a box that filters one kind of item: each keyword that applies to it,
    by example (the first is: flag standing for the rest)."""
    shown = [k.example for k in KEYWORDS if kind in k.kinds and k.takes_value and k.name != "kind"]
    flags = [k.example for k in KEYWORDS if kind in k.kinds and not k.takes_value]
    return " ".join(shown + flags[:1]) + (" … and words (? lists them all)" if flags else " and words")


def markdown_table() -> str:
    """The table of keywords in docs/REFERENCE.md (tests/core/test_query.py keeps it equal to this)."""
    rows = ["| Type | Means | Finds |", "| --- | --- | --- |"]
    for keyword in (*KEYWORDS, FREE_WORDS):
        finds = "everything" if keyword.kinds == KINDS else ", ".join(KIND_LABELS[k] for k in keyword.kinds)
        rows.append(f"| `{keyword.example}` | {keyword.description} | {finds} |")
    return "\n".join(rows)
