"""Similar-card suggestions for a retro's Group phase: card words folded (stop words out,
plurals stemmed, typos matched by rapidfuzz) and cards sharing enough of them joined into
suggested groups. Read-only: group_cards in board.py does the grouping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ..model import Retro, RetroCard
from ..text import truncate
from ..words import STOPWORDS, kept_words, stem
from .board import _group

GROUP_SUGGESTION_SCORE = 33  # % of the shorter card's words the other card shares


@dataclass(frozen=True, slots=True)
class GroupSuggestion:
    cards: tuple[int, ...]
    score: float  # the weakest link that joined them
    title: str  # the words the cards share, as a starting title
    group: int | None = None  # an existing group the cards would join


# A retro card is a few words of how it went: these say how much, not about what, and two cards
# sharing only "not" or "more" are not one topic. (Kept in core/words.STOPWORDS they would hide
# "not working" from look-alikes and search, where they matter.)
_BOARD_STOPWORDS = STOPWORDS | {"again", "less", "more", "no", "not", "too"}
SAME_WORD_SCORE = 88  # rapidfuzz ratio at which two board words count as one (typos, "flakey")


def _content_words(text: str) -> list[str]:
    """The card's words that say what it is about, as written (lower case): the one tokenizer
    (core/words.py: identifiers split, stopwords out), less the board's own stopwords."""
    return [w for w in kept_words(text) if w not in _BOARD_STOPWORDS]


def _card_terms(cards: Sequence[RetroCard]) -> dict[int, frozenset[str]]:
    """Each card's content words, stemmed and then folded onto one spelling per board:
    rapidfuzz matches each new stem against the ones seen (a board has a few hundred)."""
    canonical: dict[str, str] = {}
    seen: list[str] = []
    terms: dict[int, frozenset[str]] = {}
    for card in cards:
        found = set()
        for word in _content_words(card.text):
            stemmed = stem(word)
            if stemmed not in canonical:
                match = process.extractOne(stemmed, seen, scorer=fuzz.ratio, score_cutoff=SAME_WORD_SCORE) if len(stemmed) >= 5 else None
                canonical[stemmed] = match[0] if match else stemmed
                if not match:
                    seen.append(stemmed)
            found.add(canonical[stemmed])
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
                if term not in spoken and (stem(word) == term or fuzz.ratio(stem(word), term) >= SAME_WORD_SCORE):
                    spoken[term] = word
    shared = sorted((t for t, k in counts.items() if k > 1), key=lambda t: (-counts[t], list(spoken).index(t) if t in spoken else 99))[:3]
    return " ".join(spoken.get(t, t) for t in shared).capitalize() or truncate(cards[0].text, 30)
