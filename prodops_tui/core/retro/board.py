"""Retrospectives: phases from check-in to close, cards, groups, votes, topics, notes and the
summary. Every change is one store change (one undo step). The action items a retro makes and
reviews are in actions.py; reading a retro and its topics in topics.py; similar-card suggestions
for grouping are in groups.py."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ..dates import display_date, from_iso
from ..errors import InvalidInput, NotFound
from ..model import RETRO_PHASES, Retro, RetroCard, RetroGroup
from ..storage.store import Store
from ..storage.transaction import Transaction
from ..text import clean_line, clean_text, truncate, unique_names
from .actions import checkin_actions, earlier_open_actions, retro_actions
from .templates import RetroTemplate
from .topics import Topic, find_topic, get_retro, topics  # noqa: F401 - read through the board too

PHASE_LABELS = {
    "checkin": "Check-in",
    "reflect": "Reflect",
    "group": "Group",
    "vote": "Vote",
    "discuss": "Discuss",
    "actions": "Actions",
    "closed": "Closed",
}
# What the facilitator does now, shown under the phase name.
PHASE_GUIDE = {
    "checkin": "Review the open actions of this team's earlier retros: d done, o still open, D dropped.",
    "reflect": "n adds a card to the column under the cursor; cards stay hidden until r reveals them.",
    "group": "m moves a card into a group; s shows similar cards to group in one go; R renames a group.",
    "vote": "v picks who is voting; + and - cast and take back a vote on a topic.",
    "discuss": "Topics by votes: enter makes one the current topic; e writes its notes.",
    "actions": "n adds an action (owners, due date) for the highlighted topic; d marks one done.",
    "closed": "Closed: read-only. Its actions stay live in Checklists & nudges; E exports it.",
}
# Minutes a phase timer starts from; discussion is per topic.
PHASE_MINUTES = {"checkin": 5, "reflect": 7, "group": 5, "vote": 3, "discuss": 5, "actions": 5, "closed": 0}
MAX_VOTES_PER_PERSON = 20
MAX_CARD_CHARS = 2_000


def phase_number(phase: str) -> int:
    return RETRO_PHASES.index(phase) + 1


def split_names(value: str) -> list[str]:
    """Names typed in one line, separated by commas or semicolons: "Ana, Bo; Cy"."""
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def retros_newest_first(store: Store) -> list[Retro]:
    return sorted(store.all(Retro), key=lambda r: (r.held_on or r.created_at, r.number), reverse=True)


def _copy(retro: Retro) -> Retro:
    """A deep copy to change: the stored record's lists are shared with the store's state."""
    return Retro.from_dict(retro.to_dict())


def _editable(retro: Retro, closed_hint: str = "its actions stay live") -> Retro:
    if retro.phase == "closed":
        raise InvalidInput(f"{retro.id} is closed: read-only ({closed_hint})")
    return _copy(retro)


@contextmanager
def _changing(store: Store, retro_id: str, what: str, *, origin: str,
              closed_hint: str = "its actions stay live") -> Iterator[tuple[Transaction, Retro]]:
    """One change to a retro, read inside the store's transaction: several people change one
    retro at once (a live retro), and a copy read before the lock would put back a record
    without the card or vote another process stored meanwhile. Raising in the block stores nothing.
    The change is labelled "R-2: `what`" (the block may say more in tx.label)."""
    with store.change(what, origin=origin) as tx:
        found = get_retro(tx, retro_id)
        tx.label = f"{found.id}: {what}"
        yield tx, _editable(found, closed_hint)


def _card(retro: Retro, number: int) -> RetroCard:
    for card in retro.cards:
        if card.number == number:
            return card
    raise NotFound(f"no card {number} in {retro.id}")


def _group(retro: Retro, number: int) -> RetroGroup:
    for group in retro.groups:
        if group.number == number:
            return group
    raise NotFound(f"no group {number} in {retro.id}")


# --- starting, phases ----------------------------------------------------------------------


def start_retro(
    store: Store,
    template: RetroTemplate,
    *,
    team: str,
    title: str = "",
    facilitator: str = "",
    participants: Iterable[str] = (),
    votes_per_person: int = 3,
    area: str | None = None,
    origin: str = "app",
) -> Retro:
    team = clean_line(team)
    if not team:
        raise InvalidInput("a retro needs a team (its open actions come back at the team's next retro)")
    if not 1 <= votes_per_person <= MAX_VOTES_PER_PERSON:
        raise InvalidInput(f"votes per person must be 1-{MAX_VOTES_PER_PERSON}")
    if template.for_area and not area:
        raise InvalidInput(f"a {template.name} is about one product area: pick one")
    names = unique_names(participants)
    facilitator = clean_line(facilitator)
    if facilitator and facilitator.casefold() not in {n.casefold() for n in names}:
        names.append(facilitator)
    now = store.clock()
    retro = Retro(
        title=clean_line(title) or f"{team} — {template.name} {display_date(now)}",
        team=team,
        template=template.name,
        columns=template.column_titles,
        phase="checkin",
        area=area,
        facilitator=facilitator,
        participants=names,
        votes_per_person=votes_per_person,
        held_on=now,
        checkin=[a.id for a in earlier_open_actions(store, team)],
    )
    with store.change(f"started retro {retro.title}", origin=origin) as tx:
        return tx.add(retro)


def move_phase(store: Store, retro_id: str, step: int, *, origin: str = "app") -> Retro:
    """Next (+1) or previous (-1) phase. Moving on to Group reveals the cards (hidden cards
    cannot be grouped); moving on to Closed closes the retro, and nothing reopens it but undo."""
    with _changing(store, retro_id, "phase", origin=origin, closed_hint="u undoes the close") as (tx, changed):
        target = RETRO_PHASES.index(changed.phase) + step
        if not 0 <= target < len(RETRO_PHASES):
            raise InvalidInput(f"{changed.id} is already at {PHASE_LABELS[changed.phase]}")
        return _enter_phase(tx, changed, RETRO_PHASES[target])


def close_retro(store: Store, retro_id: str, *, origin: str = "app") -> Retro:
    """Close the retro from whatever phase it is at, in one step: the change `]` makes from
    Actions (the same label, "R-2: Closed", and undo record). `prodops retro close` calls it;
    nothing reopens a closed retro but undo."""
    with _changing(store, retro_id, "phase", origin=origin, closed_hint="u undoes the close") as (tx, changed):
        return _enter_phase(tx, changed, "closed")


def _enter_phase(tx: Transaction, changed: Retro, phase: str) -> Retro:
    """What moving a retro (a copy, inside its change) to `phase` does, and its label."""
    changed.phase = phase
    if phase in ("group", "vote", "discuss", "actions", "closed"):
        _reveal_all(changed)
    if phase == "discuss" and changed.current_topic is None:
        ranked = topics(changed)
        changed.current_topic = ranked[0].key if ranked else None
    tx.label = f"{changed.id}: {PHASE_LABELS[phase]}"
    if phase == "closed":
        changed.closed_at = tx.now
    return tx.put(changed)


def _reveal_all(retro: Retro) -> None:
    retro.revealed = True
    for card in retro.cards:
        card.hidden = False


def reveal(store: Store, retro_id: str, *, shown: bool = True, origin: str = "app") -> Retro:
    """Show every card (and new ones as they come) or hide them again."""
    with _changing(store, retro_id, f"{'revealed' if shown else 'hid'} the cards", origin=origin) as (tx, retro):
        if shown:
            _reveal_all(retro)
        else:
            retro.revealed = False
            for card in retro.cards:
                card.hidden = True
        return tx.put(retro)


def set_details(store: Store, retro_id: str, *, participants: Iterable[str] | None = None,
                votes_per_person: int | None = None, title: str | None = None, origin: str = "app") -> Retro:
    with _changing(store, retro_id, "details", origin=origin) as (tx, retro):
        if participants is not None:
            retro.participants = unique_names(participants)
        if votes_per_person is not None:
            if not 1 <= votes_per_person <= MAX_VOTES_PER_PERSON:
                raise InvalidInput(f"votes per person must be 1-{MAX_VOTES_PER_PERSON}")
            most = max(used_votes(retro).values(), default=0)
            if votes_per_person < most:
                raise InvalidInput(f"someone has cast {most} votes already; take some back first")
            retro.votes_per_person = votes_per_person
        if title is not None and clean_line(title):
            retro.title = clean_line(title)
        return tx.put(retro)


# --- cards and groups ----------------------------------------------------------------------


def add_card(store: Store, retro_id: str, column: str, text: str, *, author: str = "", origin: str = "app") -> tuple[Retro, RetroCard]:
    text = clean_text(text).strip()
    if not text:
        raise InvalidInput("a card needs some text")
    if len(text) > MAX_CARD_CHARS:
        raise InvalidInput(f"a card holds at most {MAX_CARD_CHARS} characters; this has {len(text)}")
    author = clean_line(author)
    with _changing(store, retro_id, f"card in {column}", origin=origin) as (tx, retro):
        if retro.phase not in ("reflect", "group"):
            raise InvalidInput(f"cards are written in Reflect; {retro.id} is at {PHASE_LABELS[retro.phase]}")
        if column not in retro.columns:
            raise InvalidInput(f"{retro.id} has no column {column!r}")
        number = max((c.number for c in retro.cards), default=0) + 1  # after everyone else's cards
        card = RetroCard(number=number, column=column, text=text, author=author, hidden=not retro.revealed, created_at=tx.now)
        retro.cards.append(card)
        if author and participant_named(retro, author) is None:
            retro.participants.append(author)
        return tx.put(retro), card


def find_column(retro: Retro, text: str) -> str:
    """The column `text` names: its title in any case, a unique start of it, or its number
    (1 is the first); anything else is one line naming the retro's columns."""
    wanted = clean_line(text).casefold()
    if wanted.isdigit() and 1 <= int(wanted) <= len(retro.columns):
        return retro.columns[int(wanted) - 1]
    exact = [c for c in retro.columns if c.casefold() == wanted]
    starts = [c for c in retro.columns if wanted and c.casefold().startswith(wanted)]
    found = exact or (starts if len(starts) == 1 else [])
    if not found:
        raise InvalidInput(f"{retro.id} has no column {clean_line(text)!r}; its columns: {', '.join(retro.columns)}")
    return found[0]


def edit_card(store: Store, retro_id: str, number: int, text: str, *, origin: str = "app") -> Retro:
    text = clean_text(text).strip()
    if not text:
        raise InvalidInput("a card needs some text (d deletes it)")
    if len(text) > MAX_CARD_CHARS:
        raise InvalidInput(f"a card holds at most {MAX_CARD_CHARS} characters; this has {len(text)}")
    with _changing(store, retro_id, f"edited card {number}", origin=origin) as (tx, retro):
        _card(retro, number).text = text
        return tx.put(retro)


def delete_card(store: Store, retro_id: str, number: int, *, origin: str = "app") -> Retro:
    with _changing(store, retro_id, f"deleted card {number}", origin=origin) as (tx, retro):
        retro.cards.remove(_card(retro, number))
        _drop_empty_groups(retro)
        return tx.put(retro)


def group_cards(store: Store, retro_id: str, numbers: Sequence[int], *, group: int | None = None,
                title: str = "", origin: str = "app") -> tuple[Retro, int | None]:
    """Put cards into group `group`, or a new group when `title` is given, or out of any group
    (group None, no title). Groups left empty go. Returns the retro and the group number."""
    if not numbers:
        raise InvalidInput("no card to move")
    with _changing(store, retro_id, "group", origin=origin) as (tx, retro):
        cards = [_card(retro, n) for n in numbers]
        target: int | None = None
        if group is not None:
            target = _group(retro, group).number
        elif clean_line(title):
            target = max((g.number for g in retro.groups), default=0) + 1
            retro.groups.append(RetroGroup(number=target, title=clean_line(title)))
        for card in cards:
            card.group = target
            card.hidden = False
        _drop_empty_groups(retro)
        where = _group(retro, target).title if target is not None else "no group"
        tx.label = f"{retro.id}: {len(cards)} card(s) to {where}"
        return tx.put(retro), target


def _drop_empty_groups(retro: Retro) -> None:
    used = {c.group for c in retro.cards}
    # A group that has votes or notes keeps them with its cards; an empty one has neither left.
    retro.groups = [g for g in retro.groups if g.number in used]
    if retro.current_topic and retro.current_topic.startswith("group:"):
        if int(retro.current_topic.split(":")[1]) not in used:
            retro.current_topic = None


def rename_group(store: Store, retro_id: str, number: int, title: str, *, origin: str = "app") -> Retro:
    if not clean_line(title):
        raise InvalidInput("a group needs a title")
    with _changing(store, retro_id, f"renamed group {number}", origin=origin) as (tx, retro):
        _group(retro, number).title = clean_line(title)
        return tx.put(retro)


# --- topics and votes ----------------------------------------------------------------------


def used_votes(retro: Retro) -> dict[str, int]:
    used = {p: 0 for p in retro.participants}
    holders: list[RetroCard | RetroGroup] = [*retro.cards, *retro.groups]
    for holder in holders:
        for voter, n in holder.votes.items():
            used[voter] = used.get(voter, 0) + n
    return used


def votes_left(retro: Retro) -> dict[str, int]:
    return {voter: retro.votes_per_person - n for voter, n in used_votes(retro).items()}


def vote(store: Store, retro_id: str, voter: str, topic_key: str, delta: int, *, origin: str = "app") -> Retro:
    """One vote more (+1) or less (-1) from `voter` on a topic; refused over the limit."""
    voter = clean_line(voter)
    # Counted inside the transaction: the same person voting from two copies at once cannot
    # go over the limit, and nobody's vote is lost to another's.
    with _changing(store, retro_id, "vote", origin=origin) as (tx, retro):
        if retro.phase != "vote":
            raise InvalidInput(f"votes are cast in the Vote phase; {retro.id} is at {PHASE_LABELS[retro.phase]}")
        match = participant_named(retro, voter)
        if not match:
            raise InvalidInput(f"{voter or 'nobody'} is not a participant of {retro.id} (v picks or adds one)")
        topic = find_topic(retro, topic_key)
        if topic is None:
            raise NotFound(f"no topic {topic_key} in {retro.id}")
        kind, number = topic_key.split(":")
        holder = _group(retro, int(number)) if kind == "group" else _card(retro, int(number))
        if delta > 0:
            left = votes_left(retro).get(match, retro.votes_per_person)
            if left <= 0:
                raise InvalidInput(f"{match} has used all {retro.votes_per_person} votes; - takes one back")
            holder.votes[match] = holder.votes.get(match, 0) + 1
        else:
            if topic.votes.get(match, 0) <= 0:
                raise InvalidInput(f"{match} has no vote on this topic to take back")
            # The group's own votes first, then one a member card carried in with it.
            for candidate in [holder, *topic.cards]:
                if candidate.votes.get(match, 0) > 0:
                    candidate.votes[match] -= 1
                    if not candidate.votes[match]:
                        del candidate.votes[match]
                    break
        verb = "voted for" if delta > 0 else "took a vote back from"
        tx.label = f"{retro.id}: {match} {verb} {truncate(topic.title, 30)}"
        return tx.put(retro)


def participant_named(retro: Retro, name: str) -> str | None:
    """The participant's name as the retro spells it, or None."""
    return {p.casefold(): p for p in retro.participants}.get(clean_line(name).casefold()) if name else None


def add_participant(store: Store, retro_id: str, name: str, *, origin: str = "app") -> Retro:
    name = clean_line(name)
    if not name:
        raise InvalidInput("a participant needs a name")
    with _changing(store, retro_id, f"{name} joined", origin=origin) as (tx, retro):
        if participant_named(retro, name) is not None:
            return retro  # nothing staged: nothing stored
        retro.participants.append(name)
        return tx.put(retro)


# --- discussion ----------------------------------------------------------------------------


def set_current_topic(store: Store, retro_id: str, key: str, *, origin: str = "app") -> Retro:
    # Its own undo step: a change kept out of history would leave the one before it un-undoable.
    with _changing(store, retro_id, "discussing", origin=origin) as (tx, retro):
        topic = find_topic(retro, key)
        if topic is None:
            raise NotFound(f"no topic {key} in {retro.id}")
        retro.current_topic = key
        tx.label = f"{retro.id}: discussing {truncate(topic.title, 30)}"
        return tx.put(retro)


def set_notes(store: Store, retro_id: str, key: str, notes: str, *, origin: str = "app") -> Retro:
    with _changing(store, retro_id, "notes", origin=origin) as (tx, retro):
        kind, _, number = key.partition(":")
        if kind not in ("group", "card") or not number.isdigit():
            raise NotFound(f"no topic {key} in {retro.id}")
        holder = _group(retro, int(number)) if kind == "group" else _card(retro, int(number))
        holder.notes = clean_text(notes).strip()
        return tx.put(retro)


# --- the facilitator's timer ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimerState:
    total: float  # seconds the countdown started from (or was stretched to)
    left: float  # seconds left now
    running: bool


def timer_key(retro: Retro) -> str:
    """What the countdown is for: a new phase, or a new topic to discuss, starts it afresh."""
    return f"discuss {retro.current_topic}" if retro.phase == "discuss" else retro.phase


def timer_state(retro: Retro, now: str) -> TimerState:
    """The countdown every copy of the retro shows, from the record and the time now."""
    full = PHASE_MINUTES[retro.phase] * 60.0
    if retro.timer_for != timer_key(retro):
        return TimerState(full, full, False)
    left = retro.timer_left
    if retro.timer_running and retro.timer_at:
        left -= (from_iso(now) - from_iso(retro.timer_at)).total_seconds()
    left = max(0.0, left)
    return TimerState(max(full, retro.timer_left), left, retro.timer_running and left > 0)


def set_timer(store: Store, retro_id: str, *, left: float, running: bool, origin: str = "app") -> Retro:
    """Start, pause or stretch the countdown: `left` seconds from now, running or not."""
    if left < 0:
        raise InvalidInput("a timer cannot have less than no time left")
    with _changing(store, retro_id, "timer", origin=origin) as (tx, retro):
        if retro.phase == "closed":
            raise InvalidInput(f"{retro.id} is closed: no timer")
        was = timer_state(retro, tx.now)
        retro.timer_for, retro.timer_left, retro.timer_running, retro.timer_at = timer_key(retro), float(left), running, tx.now
        what = "started" if running and not was.running else "paused" if was.running and not running else f"{round(left // 60)} min left"
        tx.label = f"{retro.id}: timer {what}"
        return tx.put(retro)


# --- the summary ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetroSummary:
    cards: int
    cards_by_column: dict[str, int]
    groups: int
    votes_cast: int
    votes_possible: int
    topics_discussed: int  # topics with notes
    actions: int
    actions_open: int
    actions_with_owner_and_due: int
    reviewed: dict[str, int]  # check-in: status -> how many


def summarise(store: Store, retro: Retro) -> RetroSummary:
    by_column = {column: 0 for column in retro.columns}
    for card in retro.cards:
        by_column[card.column] = by_column.get(card.column, 0) + 1
    actions = retro_actions(store, retro.id)
    reviewed: dict[str, int] = {}
    for action in checkin_actions(store, retro):
        reviewed[action.status] = reviewed.get(action.status, 0) + 1
    return RetroSummary(
        cards=len(retro.cards),
        cards_by_column=by_column,
        groups=len(retro.groups),
        votes_cast=sum(used_votes(retro).values()),
        votes_possible=retro.votes_per_person * len(retro.participants),
        topics_discussed=sum(1 for t in topics(retro) if t.notes),
        actions=len(actions),
        actions_open=sum(1 for a in actions if a.status == "open"),
        actions_with_owner_and_due=sum(1 for a in actions if a.owners and a.due),
        reviewed=reviewed,
    )
