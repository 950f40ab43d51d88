"""Retrospectives: phases from check-in to close, cards, groups, votes, topics and the actions
that carry over to the team's next retro. Every change is one store change (one undo step)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz, process

from .dates import from_iso, parse_when, to_iso
from .errors import InvalidInput, NotFound
from .model import ACTION_STATUSES, RETRO_PHASES, ActionItem, Person, Retro, RetroCard, RetroGroup
from .retro_templates import RetroTemplate
from .store import Store, Transaction
from .text import clean_line, clean_text, truncate

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
GROUP_SUGGESTION_SCORE = 33  # % of the shorter card's words the other card shares


def phase_number(phase: str) -> int:
    return RETRO_PHASES.index(phase) + 1


def get_retro(store: Store, retro_id: str) -> Retro:
    found = store.get(retro_id.strip().upper())
    if not isinstance(found, Retro):
        raise NotFound(f"no retro {retro_id.strip()}")
    return found


def retros_newest_first(store: Store) -> list[Retro]:
    return sorted(store.all(Retro), key=lambda r: (r.held_on or r.created_at, r.number), reverse=True)


def _copy(retro: Retro) -> Retro:
    """A deep copy to change: the stored record's lists are shared with the store's state."""
    return Retro.from_dict(retro.to_dict())


def _editable(retro: Retro) -> Retro:
    if retro.phase == "closed":
        raise InvalidInput(f"{retro.id} is closed: read-only (its actions stay live)")
    return _copy(retro)


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


def _same_team(a: str, b: str) -> bool:
    return clean_line(a).casefold() == clean_line(b).casefold()


# --- starting, phases ----------------------------------------------------------------------


def earlier_open_actions(store: Store, team: str, *, before: Retro | None = None) -> list[ActionItem]:
    """The team's open action items from its other retros, soonest due first."""
    found = [
        a for a in store.all(ActionItem)
        if a.status == "open" and _same_team(a.team, team) and (before is None or a.retro != before.id)
    ]
    return sorted(found, key=lambda a: (a.due is None, a.due or "", a.number))


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
    names = _names(participants)
    facilitator = clean_line(facilitator)
    if facilitator and facilitator.casefold() not in {n.casefold() for n in names}:
        names.append(facilitator)
    now = store.clock()
    retro = Retro(
        title=clean_line(title) or f"{team} — {template.name} {now[:10]}",
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


def _names(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        name = clean_line(name)
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return list(seen.values())


def move_phase(store: Store, retro_id: str, step: int, *, origin: str = "app") -> Retro:
    """Next (+1) or previous (-1) phase. Moving on to Group reveals the cards (hidden cards
    cannot be grouped); moving on to Closed closes the retro, and nothing reopens it but undo."""
    retro = get_retro(store, retro_id)
    index = RETRO_PHASES.index(retro.phase)
    target = index + step
    if retro.phase == "closed":
        raise InvalidInput(f"{retro.id} is closed: read-only (u undoes the close)")
    if not 0 <= target < len(RETRO_PHASES):
        raise InvalidInput(f"{retro.id} is already at {PHASE_LABELS[retro.phase]}")
    changed = _copy(retro)
    changed.phase = RETRO_PHASES[target]
    if changed.phase in ("group", "vote", "discuss", "actions", "closed"):
        _reveal_all(changed)
    if changed.phase == "discuss" and changed.current_topic is None:
        ranked = topics(changed)
        changed.current_topic = ranked[0].key if ranked else None
    label = f"{retro.id}: {PHASE_LABELS[changed.phase]}"
    with store.change(label, origin=origin) as tx:
        if changed.phase == "closed":
            changed.closed_at = tx.now
        return tx.put(changed)


def _reveal_all(retro: Retro) -> None:
    retro.revealed = True
    for card in retro.cards:
        card.hidden = False


def reveal(store: Store, retro_id: str, *, shown: bool = True, origin: str = "app") -> Retro:
    """Show every card (and new ones as they come) or hide them again."""
    retro = _editable(get_retro(store, retro_id))
    if shown:
        _reveal_all(retro)
    else:
        retro.revealed = False
        for card in retro.cards:
            card.hidden = True
    with store.change(f"{retro.id}: {'revealed' if shown else 'hid'} the cards", origin=origin) as tx:
        return tx.put(retro)


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


def set_details(store: Store, retro_id: str, *, participants: Iterable[str] | None = None,
                votes_per_person: int | None = None, title: str | None = None, origin: str = "app") -> Retro:
    retro = _editable(get_retro(store, retro_id))
    if participants is not None:
        retro.participants = _names(participants)
    if votes_per_person is not None:
        if not 1 <= votes_per_person <= MAX_VOTES_PER_PERSON:
            raise InvalidInput(f"votes per person must be 1-{MAX_VOTES_PER_PERSON}")
        most = max(used_votes(retro).values(), default=0)
        if votes_per_person < most:
            raise InvalidInput(f"someone has cast {most} votes already; take some back first")
        retro.votes_per_person = votes_per_person
    if title is not None and clean_line(title):
        retro.title = clean_line(title)
    with store.change(f"{retro.id}: details", origin=origin) as tx:
        return tx.put(retro)


# --- cards and groups ----------------------------------------------------------------------


def add_card(store: Store, retro_id: str, column: str, text: str, *, author: str = "", origin: str = "app") -> tuple[Retro, RetroCard]:
    retro = _editable(get_retro(store, retro_id))
    if retro.phase not in ("reflect", "group"):
        raise InvalidInput(f"cards are written in Reflect; {retro.id} is at {PHASE_LABELS[retro.phase]}")
    if column not in retro.columns:
        raise InvalidInput(f"{retro.id} has no column {column!r}")
    text = clean_text(text).strip()
    if not text:
        raise InvalidInput("a card needs some text")
    if len(text) > MAX_CARD_CHARS:
        raise InvalidInput(f"a card holds at most {MAX_CARD_CHARS} characters; this has {len(text)}")
    author = clean_line(author)
    number = max((c.number for c in retro.cards), default=0) + 1
    with store.change(f"{retro.id}: card in {column}", origin=origin) as tx:
        card = RetroCard(number=number, column=column, text=text, author=author, hidden=not retro.revealed, created_at=tx.now)
        retro.cards.append(card)
        if author and author.casefold() not in {p.casefold() for p in retro.participants}:
            retro.participants.append(author)
        return tx.put(retro), card


def edit_card(store: Store, retro_id: str, number: int, text: str, *, origin: str = "app") -> Retro:
    retro = _editable(get_retro(store, retro_id))
    text = clean_text(text).strip()
    if not text:
        raise InvalidInput("a card needs some text (d deletes it)")
    if len(text) > MAX_CARD_CHARS:
        raise InvalidInput(f"a card holds at most {MAX_CARD_CHARS} characters; this has {len(text)}")
    _card(retro, number).text = text
    with store.change(f"{retro.id}: edited card {number}", origin=origin) as tx:
        return tx.put(retro)


def delete_card(store: Store, retro_id: str, number: int, *, origin: str = "app") -> Retro:
    retro = _editable(get_retro(store, retro_id))
    card = _card(retro, number)
    retro.cards.remove(card)
    _drop_empty_groups(retro)
    with store.change(f"{retro.id}: deleted card {number}", origin=origin) as tx:
        return tx.put(retro)


def group_cards(store: Store, retro_id: str, numbers: Sequence[int], *, group: int | None = None,
                title: str = "", origin: str = "app") -> tuple[Retro, int | None]:
    """Put cards into group `group`, or a new group when `title` is given, or out of any group
    (group None, no title). Groups left empty go. Returns the retro and the group number."""
    retro = _editable(get_retro(store, retro_id))
    if not numbers:
        raise InvalidInput("no card to move")
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
    with store.change(f"{retro.id}: {len(cards)} card(s) to {where}", origin=origin) as tx:
        return tx.put(retro), target


def _drop_empty_groups(retro: Retro) -> None:
    used = {c.group for c in retro.cards}
    # A group that has votes or notes keeps them with its cards; an empty one has neither left.
    retro.groups = [g for g in retro.groups if g.number in used]
    if retro.current_topic and retro.current_topic.startswith("group:"):
        if int(retro.current_topic.split(":")[1]) not in used:
            retro.current_topic = None


def rename_group(store: Store, retro_id: str, number: int, title: str, *, origin: str = "app") -> Retro:
    retro = _editable(get_retro(store, retro_id))
    if not clean_line(title):
        raise InvalidInput("a group needs a title")
    _group(retro, number).title = clean_line(title)
    with store.change(f"{retro.id}: renamed group {number}", origin=origin) as tx:
        return tx.put(retro)


@dataclass(frozen=True, slots=True)
class GroupSuggestion:
    cards: tuple[int, ...]
    score: float  # the weakest link that joined them
    title: str  # the words the cards share, as a starting title
    group: int | None = None  # an existing group the cards would join


_STOPWORDS = frozenset(
    "a an and are as at be but by do does for from had has have how i in is it its more less of on or our "
    "so than that the their them then this to too us was we were what when which who why will with you "
    "again get got not no very really just also".split()
)
_SUFFIXES = ("ing", "ed", "es", "s")
SAME_WORD_SCORE = 88  # rapidfuzz ratio at which two board words count as one (typos, "flakey")


def _content_words(text: str) -> list[str]:
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()
    return [w for w in words if w not in _STOPWORDS and len(w) > 2]


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _card_terms(cards: Sequence[RetroCard]) -> dict[int, frozenset[str]]:
    """Each card's content words, stemmed and then folded onto one spelling per board:
    rapidfuzz matches each new stem against the ones seen (a board has a few hundred)."""
    canonical: dict[str, str] = {}
    seen: list[str] = []
    terms: dict[int, frozenset[str]] = {}
    for card in cards:
        found = set()
        for word in _content_words(card.text):
            stem = _stem(word)
            if stem not in canonical:
                match = process.extractOne(stem, seen, scorer=fuzz.ratio, score_cutoff=SAME_WORD_SCORE) if len(stem) >= 5 else None
                canonical[stem] = match[0] if match else stem
                if not match:
                    seen.append(stem)
            found.add(canonical[stem])
        terms[card.number] = frozenset(found)
    return terms


def suggest_groups(retro: Retro, *, threshold: float = GROUP_SUGGESTION_SCORE) -> list[GroupSuggestion]:
    """Cards that say similar things: the share of the shorter card's words the other card
    has too (typos and plurals folded by rapidfuzz), joined single-link. Each suggestion holds
    at least one ungrouped card; joining a grouped card proposes its group, never a merger of
    two groups the team made."""
    by_number = {c.number: c for c in retro.cards}
    words = _card_terms(retro.cards)
    numbers = [n for n, w in words.items() if w]
    parent = {n: n for n in numbers}
    weakest = {n: 100.0 for n in numbers}  # per root: the weakest link that joined its cluster
    made_groups = {n: {by_number[n].group} - {None} for n in numbers}  # per root

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    links: list[tuple[float, int, int]] = []
    for i, a in enumerate(numbers):
        for b in numbers[i + 1:]:
            ga, gb = by_number[a].group, by_number[b].group
            if ga is not None and ga == gb:
                continue
            shared = len(words[a] & words[b])
            shorter = min(len(words[a]), len(words[b]))
            score = 100.0 * shared / shorter if shared else 0.0
            # One shared word ("friday") is chance unless a card is that short; single-link
            # joining would chain such pairs into one big group.
            if score >= threshold and (shared >= 2 or shorter <= 2):
                links.append((score, a, b))
    for score, a, b in sorted(links, key=lambda link: -link[0]):
        ra, rb = root(a), root(b)
        if ra == rb or len(made_groups[ra] | made_groups[rb]) > 1:
            continue  # never propose merging two groups the team made
        parent[rb] = ra
        made_groups[ra] |= made_groups[rb]
        weakest[ra] = min(weakest[ra], weakest[rb], score)
    clusters: dict[int, list[int]] = {}
    for n in numbers:
        clusters.setdefault(root(n), []).append(n)
    suggestions = []
    for key, members in clusters.items():
        loose = [m for m in members if by_number[m].group is None]
        if len(members) < 2 or not loose:
            continue
        group = next(iter(made_groups[key]), None)
        title = _group(retro, group).title if group is not None else _shared_words(retro, members)
        suggestions.append(GroupSuggestion(tuple(sorted(loose)), weakest[key], title, group))
    return sorted(suggestions, key=lambda s: (-s.score, s.cards))


def _shared_words(retro: Retro, numbers: Sequence[int]) -> str:
    """The words most of the cards share (typos and plurals folded), as the first card says them."""
    cards = [c for c in retro.cards if c.number in set(numbers)]
    terms = _card_terms(cards)
    counts: dict[str, int] = {}
    for found in terms.values():
        for term in found:
            counts[term] = counts.get(term, 0) + 1
    spoken: dict[str, str] = {}  # term -> the word as the earliest card that uses it wrote it
    for card in cards:
        for word in _content_words(card.text):
            for term in terms[card.number]:
                if term not in spoken and (_stem(word) == term or fuzz.ratio(_stem(word), term) >= SAME_WORD_SCORE):
                    spoken[term] = word
    shared = sorted((t for t, k in counts.items() if k > 1), key=lambda t: (-counts[t], list(spoken).index(t) if t in spoken else 99))[:3]
    return " ".join(spoken.get(t, t) for t in shared).capitalize() or truncate(cards[0].text, 30)


# --- topics and votes ----------------------------------------------------------------------


@dataclass(slots=True)
class Topic:
    """What the team votes on and discusses: a group, or a card in no group."""

    key: str  # "group:2" or "card:7"
    title: str
    cards: list[RetroCard] = field(default_factory=list)
    votes: dict[str, int] = field(default_factory=dict)  # voter -> votes, the group's and its cards'
    notes: str = ""

    @property
    def total(self) -> int:
        return sum(self.votes.values())


def topics(retro: Retro) -> list[Topic]:
    """Every topic, most votes first (ties: board order)."""
    found: list[Topic] = []
    for group in retro.groups:
        members = [c for c in retro.cards if c.group == group.number]
        votes = dict(group.votes)
        for card in members:
            for voter, n in card.votes.items():
                votes[voter] = votes.get(voter, 0) + n
        found.append(Topic(f"group:{group.number}", group.title, members, votes, group.notes))
    for card in retro.cards:
        if card.group is None:
            found.append(Topic(f"card:{card.number}", card.text, [card], dict(card.votes), card.notes))
    order = {t.key: i for i, t in enumerate(found)}
    return sorted(found, key=lambda t: (-t.total, order[t.key]))


def find_topic(retro: Retro, key: str | None) -> Topic | None:
    return next((t for t in topics(retro) if t.key == key), None) if key else None


def used_votes(retro: Retro) -> dict[str, int]:
    used = {p: 0 for p in retro.participants}
    for holder in [*retro.cards, *retro.groups]:
        for voter, n in holder.votes.items():
            used[voter] = used.get(voter, 0) + n
    return used


def votes_left(retro: Retro) -> dict[str, int]:
    return {voter: retro.votes_per_person - n for voter, n in used_votes(retro).items()}


def vote(store: Store, retro_id: str, voter: str, topic_key: str, delta: int, *, origin: str = "app") -> Retro:
    """One vote more (+1) or less (-1) from `voter` on a topic; refused over the limit."""
    retro = _editable(get_retro(store, retro_id))
    if retro.phase != "vote":
        raise InvalidInput(f"votes are cast in the Vote phase; {retro.id} is at {PHASE_LABELS[retro.phase]}")
    voter = clean_line(voter)
    match = {p.casefold(): p for p in retro.participants}.get(voter.casefold())
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
    with store.change(f"{retro.id}: {match} {verb} {truncate(topic.title, 30)}", origin=origin) as tx:
        return tx.put(retro)


def add_participant(store: Store, retro_id: str, name: str, *, origin: str = "app") -> Retro:
    retro = _editable(get_retro(store, retro_id))
    name = clean_line(name)
    if not name:
        raise InvalidInput("a participant needs a name")
    if name.casefold() in {p.casefold() for p in retro.participants}:
        return get_retro(store, retro_id)
    retro.participants.append(name)
    with store.change(f"{retro.id}: {name} joined", origin=origin) as tx:
        return tx.put(retro)


# --- discussion and actions ----------------------------------------------------------------


def set_current_topic(store: Store, retro_id: str, key: str, *, origin: str = "app") -> Retro:
    retro = _editable(get_retro(store, retro_id))
    topic = find_topic(retro, key)
    if topic is None:
        raise NotFound(f"no topic {key} in {retro.id}")
    retro.current_topic = key
    # Its own undo step: a change kept out of history would leave the one before it un-undoable.
    with store.change(f"{retro.id}: discussing {truncate(topic.title, 30)}", origin=origin) as tx:
        return tx.put(retro)


def set_notes(store: Store, retro_id: str, key: str, notes: str, *, origin: str = "app") -> Retro:
    retro = _editable(get_retro(store, retro_id))
    kind, _, number = key.partition(":")
    if kind not in ("group", "card") or not number.isdigit():
        raise NotFound(f"no topic {key} in {retro.id}")
    holder = _group(retro, int(number)) if kind == "group" else _card(retro, int(number))
    holder.notes = clean_text(notes).strip()
    with store.change(f"{retro.id}: notes", origin=origin) as tx:
        return tx.put(retro)


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
    near = process.extract(wanted, {p.id: _folded(p.name) for p in everyone}, scorer=fuzz.WRatio,
                           score_cutoff=NEAR_NAME_SCORE, limit=3)
    if near or len(first_names) > 1:
        names = [store.get(key).name for _, _, key in near] or [p.name for p in first_names]
        raise NotFound(f"no person {name!r}; did you mean {', '.join(repr(n) for n in names)}?")
    return None


def _owner_ids(tx: Transaction, store: Store, names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Person ids for owner names; a name nobody has yet becomes a person (reported)."""
    ids: list[str] = []
    created: list[str] = []
    for name in _names(names):
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
        warnings.append(f"due {to_iso(due_at)[:10]} is in the past")
    found = find_topic(retro, topic)
    with store.change(f"{retro.id}: action {truncate(text, 30)}", origin=origin) as tx:
        owner_ids, created = _owner_ids(tx, store, owners)
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
