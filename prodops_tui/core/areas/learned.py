"""Area suggestions learned from the team: feedback already given an area is the example.

Each area gets a profile: the meaningful words (stemmed, stopwords out:
duplicates.normalise_words) of the items filed under it, each weighted by how many of them
use it (1 + log n) and how rare it is among all examples (IDF: "reconciliation" says more
than "app"). A new item is compared with every profile by cosine; the reason shown is the
area's example that shares the most weight with it, and those words ("like F-12:
reconcil, payout").

Measured on 135 real reviews labelled with 5 areas (tests/data/review_areas_labelled.csv):
nearest examples voting (k=10) gave top-3 0.60 on 35 held out after 100 assigned; these
profiles 0.74-0.80, and 0.88 leave-one-out over all 135.

Only the items' word sets are kept between changes (by id and updated_at), so after a
change the postings are rebuilt from memory, not by reading every text again."""

from __future__ import annotations

import math
import weakref
from collections import Counter
from dataclasses import dataclass

from ..feedback.duplicates import normalise_words
from ..model import FeedbackItem
from ..storage.store import Store

MIN_SCORE = 0.05  # a cosine below this is a word or two of little weight in common
# The newest filed items are the examples: enough to learn a team's areas, and bounded so a
# workspace of 100,000 filed items builds its profiles in about a second (the inbox builds
# them in its background scan, before the first `a`).
MAX_EXAMPLES = 20_000



@dataclass(frozen=True)
class LearnedVote:
    area: str  # ProductArea id
    score: float  # cosine of the text with the area's profile, 0-1
    example: str  # the area's item that shares the most with the text
    shared: tuple[str, ...]  # the words it shares with the text, rarest first


class AreaExamples:
    """Every item with an area (merged duplicates left out): its words, and each area's profile."""

    def __init__(self, store: Store):
        previous = _last_built.get(store)
        known = previous.word_sets if previous is not None else {}
        self.ids: list[str] = []
        self.areas: list[str] = []
        self.words: list[frozenset[str]] = []
        fresh: dict[str, tuple[str, frozenset[str]]] = {}
        filed = [item for item in store.all(FeedbackItem) if item.area and not item.duplicate_of]
        if len(filed) > MAX_EXAMPLES:
            filed = sorted(filed, key=lambda item: item.number, reverse=True)[:MAX_EXAMPLES]
        for item in filed:
            kept = known.get(item.id)
            words = kept[1] if kept and kept[0] == item.updated_at else frozenset(normalise_words(f"{item.title}\n{item.text}"))
            fresh[item.id] = (item.updated_at, words)
            if words:
                self.ids.append(item.id)
                self.areas.append(item.area)
                self.words.append(words)
        self.word_sets = fresh  # id -> (updated_at, words): the next build reads the unchanged ones from here
        self.index_of = {item_id: n for n, item_id in enumerate(self.ids)}
        frequency = Counter(word for words in self.words for word in words)
        total = len(self.words)
        self.idf = {word: math.log((total + 1) / (count + 0.5)) for word, count in frequency.items()}
        self.counts: dict[str, Counter[str]] = {}
        self.postings: dict[str, list[int]] = {}
        for index, (area, words) in enumerate(zip(self.areas, self.words)):
            self.counts.setdefault(area, Counter()).update(words)
            for word in words:
                self.postings.setdefault(word, []).append(index)
        self.norms = {area: self._norm(counts) for area, counts in self.counts.items()}

    def _weight(self, word: str, count: int) -> float:
        return (1 + math.log(count)) * self.idf[word] if count > 0 else 0.0

    def _norm(self, counts: Counter[str]) -> float:
        return math.sqrt(sum(self._weight(w, c) ** 2 for w, c in counts.items())) or 1.0

    def __len__(self) -> int:
        return len(self.ids)

    def votes(self, text: str, *, exclude: str | None = None, limit: int = 5) -> list[LearnedVote]:
        """The `limit` areas whose profiles read most like the text, best first. `exclude`: an
        item that must not count as its own example (its words leave its area's profile)."""
        wanted = {w for w in normalise_words(text) if w in self.idf}
        if not wanted:
            return []
        query_norm = math.sqrt(sum(self.idf[w] ** 2 for w in wanted)) or 1.0
        left_out = self.index_of.get(exclude or "")
        scored = []
        for area, counts in self.counts.items():
            norm = self.norms[area]
            minus: frozenset[str] = frozenset()
            if left_out is not None and self.areas[left_out] == area:
                minus = self.words[left_out]
                norm = self._norm(counts - Counter(minus))
            dot = sum(self.idf[w] * self._weight(w, counts[w] - (w in minus)) for w in wanted if w in counts)
            score = dot / (query_norm * norm)
            if score >= MIN_SCORE:
                scored.append((score, area))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        top = {area for _, area in scored[:limit]}
        closest = self._closest(top, wanted, left_out)  # one pass over the shared words, for the top areas only
        return [LearnedVote(area, round(score, 3), *closest[area]) for score, area in scored[:limit] if area in closest]

    def _closest(self, areas: set[str], wanted: set[str], left_out: int | None) -> dict[str, tuple[str, tuple[str, ...]]]:
        """For each of these areas, its example sharing the most weight with the words."""
        overlap: dict[int, float] = {}
        for word in wanted:
            weight = self.idf[word]
            for index in self.postings.get(word, ()):
                if index != left_out and self.areas[index] in areas:
                    overlap[index] = overlap.get(index, 0.0) + weight
        best: dict[str, int] = {}
        for index, value in overlap.items():
            area = self.areas[index]
            if area not in best or (value, -index) > (overlap[best[area]], -best[area]):
                best[area] = index
        return {area: (self.ids[i], tuple(sorted(wanted & self.words[i], key=lambda w: -self.idf[w]))[:4]) for area, i in best.items()}


_last_built: weakref.WeakKeyDictionary[Store, AreaExamples] = weakref.WeakKeyDictionary()


def examples(store: Store, *, fresh: bool = True) -> AreaExamples:
    """The profiles for the store as it is. `fresh=False` (a picker on the event loop) takes the
    last ones built when the store has changed since: one triage more or less changes a
    suggestion little, and rebuilding takes 0.5 s at 100,000 items (the inbox's background
    scan rebuilds them)."""
    if not fresh and store in _last_built:
        return _last_built[store]
    built = store.derived("areas.learned_examples", AreaExamples)
    _last_built[store] = built
    return built
