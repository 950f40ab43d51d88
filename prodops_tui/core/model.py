"""The records prodops stores, one dataclass per kind.

Records are treated as values: a change builds a new record with
`dataclasses.replace` and hands it to the store, so a list a pane is showing
never changes under it. Times are ISO-8601 UTC strings ('2026-11-24T15:00:00Z'),
which also sort correctly as text.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from operator import attrgetter
from typing import Any, ClassVar

IMPORTANCE_LEVELS = ("low", "medium", "high", "critical")
FEEDBACK_STATUSES = ("new", "processed", "archived")
OPPORTUNITY_STATUSES = ("exploring", "planned", "in_progress", "shipped", "wont_do")
ACTION_STATUSES = ("open", "done", "dropped")
RETRO_PHASES = ("checkin", "reflect", "group", "vote", "discuss", "actions", "closed")

_ID_PATTERN = re.compile(r"^([A-Z]{1,3})-(\d{1,9})$")


def split_id(record_id: str) -> tuple[str, int]:
    """'F-12' -> ('F', 12); raises ValueError for anything else."""
    match = _ID_PATTERN.match(record_id.strip().upper())
    if not match:
        raise ValueError(f"{record_id!r} is not an id like F-12")
    return match.group(1), int(match.group(2))


def record_number(record_id: str) -> int:
    """The number in an id, for putting ids in number order: 'F-12' -> 12, 'R-2#3' (card 3 of
    retro R-2, a search document) -> 2; 0 for text that holds no number (it sorts first, never
    raises). split_id is the strict reader, for ids a person typed."""
    try:
        return int(record_id.partition("-")[2].partition("#")[0])
    except ValueError:
        return 0


@dataclass(slots=True, kw_only=True)
class Record:
    """What every stored kind has. Subclasses set KIND (table name) and PREFIX (id letter)."""

    KIND: ClassVar[str] = ""
    PREFIX: ClassVar[str] = ""
    # Fields holding nested records, so (de)serialisation can recurse: name -> class.
    NESTED: ClassVar[dict[str, type]] = {}
    # Text fields that take few values over many records (a status, an import's timestamp), and
    # dict fields whose keys repeat: a bulk load shares one string for each (store._build_records).
    SHARED_VALUES: ClassVar[tuple[str, ...]] = ("created_at", "updated_at")
    SHARED_KEYS: ClassVar[tuple[str, ...]] = ()

    id: str = ""
    created_at: str = ""
    updated_at: str = ""

    @property
    def number(self) -> int:
        # Stored ids are always PREFIX-digits: read the digits directly. The regex cost 5 us a
        # call, and sorting 50,000 items by number after each change in the app made 50,000.
        prefix, _, digits = self.id.partition("-")
        if prefix == self.PREFIX and digits.isascii() and digits.isdigit() and len(digits) <= 9:
            return int(digits)
        return split_id(self.id)[1]  # anything else: its own answer, or its ValueError

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        return _from_dict(cls, data)


def _to_dict(obj) -> dict[str, Any]:
    names, values_of, containers = _dict_plan(obj.__class__)
    out = dict(zip(names, values_of(obj), strict=True))
    # The fields read in one C call, and only those that may hold a list or a dict looked at
    # again (copied, so the dict never shares one with the record): 4.6 -> 3.0 us a feedback
    # item (timeit, by hand), three times a change and once an imported row.
    for name, nested in containers:
        value = out[name]
        if nested is not None:
            out[name] = [_to_dict(v) for v in value]
        elif value.__class__ is list:
            out[name] = list(value)
        elif value.__class__ is dict:
            out[name] = dict(value)
    return out


# Field types that never hold a list or a dict: the rest are copied by _to_dict.
_SCALAR_TYPES = frozenset({"str", "str | None", "int", "int | None", "float", "float | None", "bool", "bool | None"})
_DICT_PLANS: dict[type, tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]], tuple[tuple[str, type | None], ...]]] = {}


def _dict_plan(cls: type) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]], tuple[tuple[str, type | None], ...]]:
    """(field names in declaration order, a function giving their values as a tuple, the fields
    that may hold a list or a dict, with the class of their nested records if any)."""
    plan = _DICT_PLANS.get(cls)
    if plan is None:
        names = _field_names(cls)
        getter = attrgetter(*names) if names else (lambda obj: ())
        values_of = getter if len(names) != 1 else (lambda obj: (getter(obj),))
        nested = getattr(cls, "NESTED", {})
        containers = tuple((f.name, nested.get(f.name)) for f in fields(cls)
                           if f.name in nested or str(f.type) not in _SCALAR_TYPES)
        plan = _DICT_PLANS[cls] = (names, values_of, containers)
    return plan


def field_values(obj) -> tuple[Any, ...]:
    """Every field's value of a dataclass (a record or a nested one), in declaration order, read
    in one C call (_dict_plan)."""
    return _dict_plan(obj.__class__)[1](obj)


def _from_dict(cls, data: dict[str, Any]):
    names = _field_set(cls)
    nested = getattr(cls, "NESTED", {})
    if not nested and names.issuperset(data):
        return cls(**data)  # every key a field, nothing nested: 3x faster over 100,000 records
    kwargs = {}
    for key, value in data.items():
        if key not in names:
            continue  # tolerate fields a later minor version added
        if key in nested and value is not None:
            value = [_from_dict(nested[key], v) for v in value]
        kwargs[key] = value
    return cls(**kwargs)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_FIELD_SETS: dict[type, frozenset[str]] = {}


def _field_names(cls) -> tuple[str, ...]:
    """In declaration order, for writing."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _field_set(cls) -> frozenset[str]:
    """For membership tests while reading 100,000 records (a tuple scan costs twice as much)."""
    names = _FIELD_SETS.get(cls)
    if names is None:
        names = _FIELD_SETS[cls] = frozenset(_field_names(cls))
    return names


# --- Feedback ---------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class FeedbackItem(Record):
    KIND: ClassVar[str] = "feedback"
    PREFIX: ClassVar[str] = "F"
    SHARED_VALUES: ClassVar[tuple[str, ...]] = ("created_at", "updated_at", "status", "source", "importance", "triaged_at",
                                                "triaged_by", "upstream_state")
    SHARED_KEYS: ClassVar[tuple[str, ...]] = ("extra",)

    text: str = ""
    title: str = ""
    customer: str = ""
    source: str = ""
    area: str | None = None  # ProductArea id
    tags: list[str] = field(default_factory=list)
    importance: str | None = None  # one of IMPORTANCE_LEVELS, None = not rated yet: the PM's judgement
    rating: int | None = None  # the customer's star rating from an import (1-5), never turned into importance
    status: str = "new"  # one of FEEDBACK_STATUSES; "snoozed" is new + snoozed_until in the future
    received_at: str = ""
    triaged_at: str | None = None  # first time it left "new"
    triaged_by: str = ""  # who did that (core/identity.py)
    snoozed_until: str | None = None
    opportunity: str | None = None  # Opportunity id
    duplicate_of: str | None = None  # FeedbackItem id it was merged into
    merged_from: list[str] = field(default_factory=list)  # ids merged into this one
    source_key: str | None = None  # stable key of an imported row, so re-import adds nothing twice
    url: str = ""  # its link where it came from (a tracker issue, a ticket)
    votes: int | None = None  # upvotes from its source (GitHub thumbs-up, Jira votes); None = the source has none
    upstream_state: str = ""  # the tracker's own state ("open", "closed", "closed: completed"); "" = not from a tracker
    extra: dict[str, Any] = field(default_factory=dict)  # columns of an import we keep but do not model

    def is_snoozed(self, now_iso: str) -> bool:
        return view_status_of(self.status, self.snoozed_until, now_iso) == "snoozed"

    def view_status(self, now_iso: str) -> str:
        """The status a user sees: new, snoozed, processed or archived."""
        return view_status_of(self.status, self.snoozed_until, now_iso)


def view_status_of(status: str, snoozed_until: str | None, now_iso: str) -> str:
    """FeedbackItem.view_status from the two stored fields alone: what a view read from the
    cache's columns (100,000 items, none built) counts and lists each item under."""
    # An empty string sorts before every instant, so it reads as not snoozed, as None does.
    return "snoozed" if status == "new" and snoozed_until is not None and snoozed_until > now_iso else status


@dataclass(slots=True, kw_only=True)
class TrackerLink:
    """An opportunity's link to the tracker issue or epic that delivers it (`prodops link`,
    `prodops push`); `prodops sync` refreshes its upstream state."""

    url: str = ""  # the web address (a Jira key is kept with its site's browse link)
    tracker: str = ""  # "github", "gitlab", "jira"; "" for another site (kept, never refreshed)
    key: str = ""  # the tracker's name for it: "OWNER/REPO#12", "GROUP/PROJECT#3", "PROJ-7"
    upstream_state: str = ""  # as last read: "open", "closed: completed", "closed: not_planned", "Done"
    checked_at: str = ""  # when a sync or a push last read it ("" = never)
    pushed: bool = False  # created by `prodops push`: pushing again updates this issue, never a second one
    linked_at: str = ""
    linked_by: str = ""


@dataclass(slots=True, kw_only=True)
class CustomerTold:
    """One asking account told that the opportunity shipped (`prodops told`)."""

    account: str = ""  # the account as the close-the-loop list names it (core/feedback/loop.py's rule)
    told_at: str = ""
    told_by: str = ""
    feedback: list[str] = field(default_factory=list)  # the ids of that account's feedback it answered


@dataclass(slots=True, kw_only=True)
class Opportunity(Record):
    """A problem or theme that feedback links to, so its volume reaches the roadmap."""

    KIND: ClassVar[str] = "opportunities"
    PREFIX: ClassVar[str] = "O"
    NESTED: ClassVar[dict[str, type]] = {"links": TrackerLink, "told": CustomerTold}

    title: str = ""
    description: str = ""
    status: str = "exploring"  # one of OPPORTUNITY_STATUSES
    area: str | None = None
    decided_at: str | None = None
    shipped_at: str | None = None  # when it became shipped (by hand or by its tracker issue closing)
    links: list[TrackerLink] = field(default_factory=list)
    told: list[CustomerTold] = field(default_factory=list)


# --- Product areas and people -----------------------------------------------


@dataclass(slots=True, kw_only=True)
class Person(Record):
    KIND: ClassVar[str] = "people"
    PREFIX: ClassVar[str] = "P"

    name: str = ""
    handle: str = ""
    email: str = ""
    team: str = ""
    role: str = ""  # job title, e.g. "Product Manager"
    active: bool = True
    left_at: str | None = None


@dataclass(slots=True, kw_only=True)
class ProductArea(Record):
    """One node of the area tree. The path ('Billing / Invoices') is derived from parents,
    so renaming or moving an area is a change to one record."""

    KIND: ClassVar[str] = "areas"
    PREFIX: ClassVar[str] = "A"

    name: str = ""
    parent: str | None = None  # ProductArea id
    description: str = ""
    owners: list[str] = field(default_factory=list)  # Person ids, PM owners
    maintainers: list[str] = field(default_factory=list)  # engineering
    designers: list[str] = field(default_factory=list)
    influencers: list[str] = field(default_factory=list)  # stakeholders
    team: str = ""
    channel: str = ""
    docs: list[str] = field(default_factory=list)  # links
    glossary: list[str] = field(default_factory=list)  # the names users call it by
    code_paths: list[str] = field(default_factory=list)


# --- CODEOWNERS: the rules, as written, so "who owns this path" is answered by them ------


@dataclass(slots=True, kw_only=True)
class CodeOwnersSection:
    """A GitLab section header: `[Name]`, optional `^[Name]`, `[Name][2]`, default owners after it."""

    name: str = ""
    optional: bool = False
    approvals: int = 1
    owners: list[str] = field(default_factory=list)  # default owners, as written
    line: int = 0


@dataclass(slots=True, kw_only=True)
class CodeOwnersRule:
    pattern: str = ""  # exactly as written, escapes included; GitLab's leading "!" is `exclusion`
    owners: list[str] = field(default_factory=list)  # as written, in order; [] un-owns (GitHub) or takes the section's
    line: int = 0
    section: str = ""  # its section's name; "" before the first header or in a GitHub file
    exclusion: bool = False
    area: str | None = None  # ProductArea id the rule was filed under

    @property
    def written(self) -> str:
        return written_pattern(self.pattern, self.exclusion)


def written_pattern(pattern: str, exclusion: bool) -> str:
    """A rule's pattern as the file writes it: a GitLab exclusion with its `!`."""
    return ("!" if exclusion else "") + pattern


def rule_owners(rule: CodeOwnersRule, section: CodeOwnersSection | None) -> list[str]:
    """A rule's owners: its own, or, in a GitLab section when it names none, the section's
    default owners (an exclusion takes none)."""
    if rule.owners or rule.exclusion or section is None:
        return list(rule.owners)
    return list(section.owners)


@dataclass(slots=True, kw_only=True)
class CodeOwnersFile(Record):
    """One imported CODEOWNERS file, rule by rule: the order decides (the last match wins)."""

    KIND: ClassVar[str] = "codeowners"
    PREFIX: ClassVar[str] = "K"
    NESTED: ClassVar[dict[str, type]] = {"sections": CodeOwnersSection, "rules": CodeOwnersRule}

    name: str = ""  # as imported: "CODEOWNERS", ".github/CODEOWNERS"
    flavor: str = "github"  # "gitlab" when it has sections or exclusions
    sections: list[CodeOwnersSection] = field(default_factory=list)
    rules: list[CodeOwnersRule] = field(default_factory=list)


# --- Retros and their action items ------------------------------------------


@dataclass(slots=True, kw_only=True)
class RetroCard:
    number: int = 0  # unique within its retro
    column: str = ""
    text: str = ""
    author: str = ""  # "" = anonymous
    group: int | None = None  # RetroGroup number
    hidden: bool = True  # until the facilitator reveals the board
    votes: dict[str, int] = field(default_factory=dict)  # participant -> votes
    notes: str = ""
    created_at: str = ""


@dataclass(slots=True, kw_only=True)
class RetroGroup:
    number: int = 0
    title: str = ""
    votes: dict[str, int] = field(default_factory=dict)
    notes: str = ""


@dataclass(slots=True, kw_only=True)
class Retro(Record):
    KIND: ClassVar[str] = "retros"
    PREFIX: ClassVar[str] = "R"
    NESTED: ClassVar[dict[str, type]] = {"cards": RetroCard, "groups": RetroGroup}

    title: str = ""
    team: str = ""
    template: str = ""  # template name, e.g. "Start/Stop/Continue"
    columns: list[str] = field(default_factory=list)  # copied from the template at start
    phase: str = "checkin"  # one of RETRO_PHASES
    area: str | None = None  # for launch post-mortems
    facilitator: str = ""
    participants: list[str] = field(default_factory=list)
    votes_per_person: int = 3
    cards: list[RetroCard] = field(default_factory=list)
    groups: list[RetroGroup] = field(default_factory=list)
    current_topic: str | None = None  # "card:3" or "group:1"
    held_on: str = ""  # date of the meeting
    closed_at: str | None = None
    # The open actions of the team's earlier retros, fixed when it starts, reviewed at check-in.
    checkin: list[str] = field(default_factory=list)
    revealed: bool = False  # once revealed, new cards are shown as they are added
    # The facilitator's countdown, kept here so every open copy of the retro shows it: what it
    # counts ("reflect", or "discuss card:3"), seconds left at timer_at, and whether it runs.
    timer_for: str = ""
    timer_left: float = 0.0
    timer_running: bool = False
    timer_at: str = ""


@dataclass(slots=True, kw_only=True)
class ActionItem(Record):
    KIND: ClassVar[str] = "actions"
    PREFIX: ClassVar[str] = "T"

    text: str = ""
    owners: list[str] = field(default_factory=list)  # Person ids
    due: str | None = None
    status: str = "open"  # one of ACTION_STATUSES
    team: str = ""
    retro: str | None = None  # the retro it came from
    topic: str = ""  # the discussed topic it came from
    area: str | None = None
    done_at: str | None = None


# --- Checklists and nudges --------------------------------------------------


@dataclass(slots=True, kw_only=True)
class ChecklistStep:
    text: str = ""
    why: str = ""


@dataclass(slots=True, kw_only=True)
class ChecklistTemplate(Record):
    KIND: ClassVar[str] = "checklists"
    PREFIX: ClassVar[str] = "C"
    NESTED: ClassVar[dict[str, type]] = {"steps": ChecklistStep}

    name: str = ""
    description: str = ""
    steps: list[ChecklistStep] = field(default_factory=list)
    rrule: str | None = None  # RFC 5545 RRULE with DTSTART in UTC; None = run on demand
    team: str = ""
    origin: str = "workspace"  # "builtin" or the template file it came from


@dataclass(slots=True, kw_only=True)
class ChecklistRunStep:
    text: str = ""
    why: str = ""
    done: bool = False
    done_by: str = ""
    done_at: str | None = None
    note: str = ""


@dataclass(slots=True, kw_only=True)
class ChecklistRun(Record):
    KIND: ClassVar[str] = "checklist_runs"
    PREFIX: ClassVar[str] = "CR"
    NESTED: ClassVar[dict[str, type]] = {"steps": ChecklistRunStep}

    checklist: str = ""  # ChecklistTemplate id
    title: str = ""
    due_at: str | None = None  # the occurrence of the recurrence this run is for
    steps: list[ChecklistRunStep] = field(default_factory=list)
    completed_at: str | None = None


@dataclass(slots=True, kw_only=True)
class NudgeState(Record):
    """What a user said about one nudge: dismissed stays quiet until its facts change."""

    KIND: ClassVar[str] = "nudges"
    PREFIX: ClassVar[str] = "N"

    key: str = ""  # the nudge's identity, e.g. "stale-feedback"
    state: str = "dismissed"  # "dismissed" or "snoozed"
    until: str | None = None
    facts: str = ""  # fingerprint of the facts when dismissed


@dataclass(slots=True, kw_only=True)
class SavedView(Record):
    """A named feedback filter ("Billing, high, last 2 weeks") shown as an inbox view."""

    KIND: ClassVar[str] = "views"
    PREFIX: ClassVar[str] = "V"

    name: str = ""
    query: str = ""  # filter words, e.g. "area:billing importance:high since:2w"


# --- History (undo) ---------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class Change(Record):
    """One user-level change: what it did to which records, so `u` can take it back."""

    KIND: ClassVar[str] = "history"
    PREFIX: ClassVar[str] = "H"

    label: str = ""  # "archived 3 items"
    origin: str = ""  # "app", "cli", "import", ...
    # [[record id, before dict or None, digest of the after-state or None], ...]
    ops: list[list[Any]] = field(default_factory=list)
    undone_by: str | None = None  # the Change that undid this one
    undoes: str | None = None  # the Change this one undid
    actor: str = ""  # who made it (Store.actor: --as, PRODOPS_USER, the signed-in person ...); "" when nobody said



# --- Sync (prodops sync): where reading a tracker stands -------------------------------------


@dataclass(slots=True, kw_only=True)
class SyncState(Record):
    """Where `prodops sync` stands with one tracker project ("github rails/rails"): the cursor the
    next run asks from and what the last run did. A record of the workspace, not a settings file,
    so it is stored in the same change as the page of issues it accounts for (core/sync/state.py):
    a sync killed between two pages resumes after the last page stored, never after one that is
    not. Never holds a token."""

    KIND: ClassVar[str] = "sync"
    PREFIX: ClassVar[str] = "SY"

    source: str = ""  # "github rails/rails": the tracker and the project, as the summary names them
    api_url: str = ""  # the API read (https://api.github.com); another URL starts afresh
    since: str = ""  # the newest upstream updated_at stored: the next run asks since= this ("" = from the start)
    etag: str = ""  # the ETag of the first page the last run read, sent as If-None-Match when that URL is asked again
    etag_url: str = ""  # the URL that ETag answered
    started_at: str = ""  # when the last run started
    synced_at: str = ""  # when the last run last stored a page or ended
    finished: bool = False  # the last run read every page
    stopped: str = ""  # why the last run stopped before the end ("" when it did not)
    arrived: int = 0  # new items the last run added
    updated: int = 0  # items already held whose upstream fields the last run changed
    pull_requests: int = 0  # pull requests the last run skipped
    requests: int = 0  # HTTP requests the last run made
    not_modified: int = 0  # of them, answered 304 Not Modified


RECORD_TYPES: tuple[type[Record], ...] = (
    FeedbackItem,
    Opportunity,
    Person,
    ProductArea,
    CodeOwnersFile,
    Retro,
    ActionItem,
    ChecklistTemplate,
    ChecklistRun,
    NudgeState,
    SavedView,
    Change,
    SyncState,
)
TYPE_BY_PREFIX: dict[str, type[Record]] = {t.PREFIX: t for t in RECORD_TYPES}
TYPE_BY_KIND: dict[str, type[Record]] = {t.KIND: t for t in RECORD_TYPES}


# The values a few fields may take: code reads them as one of these (a colour per status, a
# phase's place in the retro), so a stored "martian" would fail far from where it came in.
ALLOWED_VALUES: dict[type, dict[str, tuple[Any, ...]]] = {
    FeedbackItem: {"status": FEEDBACK_STATUSES, "importance": (None, *IMPORTANCE_LEVELS)},
    Opportunity: {"status": OPPORTUNITY_STATUSES},
    ActionItem: {"status": ACTION_STATUSES},
    Retro: {"phase": RETRO_PHASES},
}


def shape_problem(record_type: type[Any], doc: Any) -> str | None:
    """Why `doc` is not a stored record of `record_type` (a field of the wrong type, a status no
    command writes), or None when it is one. Missing fields take their defaults and unknown
    ones are tolerated (a later minor version may add some), as in from_dict. Journal lines and
    repaired records are checked with it, so what no command could write never gets in."""
    if doc.__class__ is not dict:
        return f"not an object but {_shown(doc)}"
    tests = _shape_of(record_type)
    for name, value in doc.items():
        test = tests.get(name)
        if test is not None and not test(value):
            return f"its {name} is {_shown(value)}, not {_wanted(record_type, name)}"
    return None


def record_problem(record_type: type[Record], number: Any, doc: Any) -> str | None:
    """Why `doc` cannot be record `number` of `record_type` (its shape, or another record's id),
    or None: the one test for a journal put, a snapshot's record and a copy repair restores."""
    problem = shape_problem(record_type, doc)
    if problem is None and doc.get("id") != f"{record_type.PREFIX}-{number}":
        problem = f"its id is {_shown(doc.get('id'))}, not {record_type.PREFIX}-{number}"
    return problem


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:39] + "…"


_SHAPES: dict[type, dict[str, Callable[[Any], bool]]] = {}


def _shape_of(record_type: type) -> dict[str, Callable[[Any], bool]]:
    """field -> its test, from the dataclass's annotations and ALLOWED_VALUES. Checked on every
    journal line another process wrote (an import's 100,000 records): the common shapes have
    tests of one expression each."""
    shape = _SHAPES.get(record_type)
    if shape is None:
        hints = typing.get_type_hints(record_type)
        allowed = ALLOWED_VALUES.get(record_type, {})
        shape = _SHAPES[record_type] = {
            f.name: _one_of(allowed[f.name]) if f.name in allowed else _fits(hints[f.name]) for f in fields(record_type)}
    return shape


def _wanted(record_type: type, name: str) -> str:
    allowed = ALLOWED_VALUES.get(record_type, {}).get(name)
    if allowed is not None:
        return "one of " + ", ".join(str(a) for a in allowed if a is not None)
    return _described(typing.get_type_hints(record_type)[name])


def _one_of(allowed: tuple[Any, ...]) -> Callable[[Any], bool]:
    hashable = frozenset(allowed)
    return lambda value: (value is None or value.__class__ is str) and value in hashable


def _fits(annotation: Any) -> Callable[[Any], bool]:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is Any:
        return lambda value: True
    if annotation is str:
        return lambda value: value.__class__ is str
    if annotation == str | None:
        return lambda value: value is None or value.__class__ is str
    if annotation is bool:
        return lambda value: value is True or value is False
    if annotation is int:  # JSON true is a bool, not a number
        return lambda value: value.__class__ is int
    if annotation is float:
        return lambda value: value.__class__ is float or value.__class__ is int
    if annotation is type(None):
        return lambda value: value is None
    if annotation == list[str]:
        return lambda value: value.__class__ is list and all(v.__class__ is str for v in value)
    if origin in (typing.Union, types.UnionType):
        tests = [_fits(arg) for arg in args]
        return lambda value: any(test(value) for test in tests)
    if origin is list:
        item = _fits(args[0]) if args else _fits(Any)
        return lambda value: value.__class__ is list and all(item(v) for v in value)
    if origin is dict:
        item = _fits(args[1]) if args else _fits(Any)
        return lambda value: value.__class__ is dict and all(k.__class__ is str and item(v) for k, v in value.items())
    if isinstance(annotation, type) and is_dataclass(annotation):  # a nested record's class
        return lambda value: shape_problem(annotation, value) is None
    raise TypeError(f"no shape test for {annotation!r}")


def _described(annotation: Any) -> str:
    """What a field must hold, in a user's words: 'text', 'a list of text', 'text or null'."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_described(arg) for arg in args)
    if origin is list:
        return f"a list of {_described(args[0]).removeprefix('a ').removeprefix('an ')}" if args else "a list"
    if origin is dict:
        return "an object"
    if isinstance(annotation, type) and is_dataclass(annotation):
        return f"a {annotation.__name__}"
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false",
            type(None): "null", Any: "any value"}.get(annotation, str(annotation))


def type_of_id(record_id: str) -> type[Record]:
    prefix, _ = split_id(record_id)
    try:
        return TYPE_BY_PREFIX[prefix]
    except KeyError:
        raise ValueError(f"{record_id!r}: no kind of item has the prefix {prefix}-") from None
