"""Reading a retro: find it by id, and its topics (its groups and the cards in no group),
most votes first. Below both the board and the action items, which read retros this way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import NotFound
from ..model import Retro, RetroCard
from ..storage.store import Store

if TYPE_CHECKING:
    from ..storage.transaction import Transaction


def get_retro(store: Store | Transaction, retro_id: str) -> Retro:
    """The retro by its id, as typed (r-2 finds R-2); a transaction reads it as the change sees it."""
    found = store.get(retro_id.strip().upper())
    if not isinstance(found, Retro):
        raise NotFound(f"no retro {retro_id.strip()}")
    return found


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
