"""Search across every kind of item, as you type: partial, misspelled and reordered words.

An inverted index of folded words (lower case, accents off) over every record's searchable
text. A query word matches the index's words that start with it, or (four letters and more)
are within a typo of it by rapidfuzz's ratio over the vocabulary, which is a few tens of
thousands of words even for 100,000 items; each matched word brings its documents. Every
query word must match (AND); the order of the words does not matter. Documents are scored by
how well each word matched and whether it was in the title. bench/search.py measures this
against scoring every document with rapidfuzz, on the real exports in tests/data.

The index follows the store: `refresh()` re-indexes only the records changed since its last
revision (Store.changed_since), and rebuilds when that is not known. It is not kept on disk:
building it for 100,000 items takes about as long as opening the workspace, in a worker."""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process

from .. import query as query_language
from ..areas.lookup import area_path, has_active_owner, subtree_ids
from ..dates import from_iso
from ..model import ActionItem, ChecklistTemplate, FeedbackItem, Opportunity, Person, ProductArea, Record, Retro
from ..query import KINDS
from ..storage.store import Store
from ..text import first_line, fold

KIND_LABELS = {
    "feedback": "Feedback", "opportunity": "Opportunities", "area": "Areas", "person": "People",
    "card": "Retro cards", "action": "Action items", "checklist": "Checklists",
}
FILTER_NAMES = query_language.NAMES
FUZZY_MIN_LENGTH = 4  # shorter words match by prefix only: "bil" is not a typo of "pil"
FUZZY_SCORE = 80  # rapidfuzz ratio for a typo ("invocies" ~ "invoices" is 87.5)
SHORT_FUZZY_SCORE = 75  # 4-5 letters: two swapped letters score 75 ("bluk" ~ "bulk")
FUZZY_WORDS = 12  # vocabulary words a typo may stand for
PREFIX_WORDS = {1: 20, 2: 60}  # completions kept for a 1-2 letter prefix, the most used first ("a" has thousands)
MAX_PREFIX_WORDS = 300  # and for longer ones
SCORE_ALL = 1_500  # candidates scored one by one; past that, those of the best-matched words first
SELECTED = 500  # how many of them are scored then: the newest feedback and every non-feedback match
TITLE_BONUS = 0.3
# Kinds with few items carry the most meaning per hit: an area named "billing" matters more
# than the 300th feedback item mentioning it.
KIND_WEIGHT = {"area": 1.3, "person": 1.25, "opportunity": 1.2, "checklist": 1.15, "action": 1.1, "card": 1.0, "feedback": 1.0}

_WORD = re.compile(r"\w+", re.UNICODE)


def words_of(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@dataclass(frozen=True, slots=True)
class SearchDoc:
    kind: str
    id: str  # F-12, O-3, A-7, P-2, T-9, C-4; a retro card: R-2#3
    title: str
    body: str  # more searchable text, shown as a snippet
    # area (id), tags, status, owners (ids), date (iso), importance, source and customer (case-folded),
    # and the is: flags that hold (unowned, unassigned, untagged, unrated, linked, merged)
    facets: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hit:
    doc: SearchDoc
    score: float
    words: frozenset[str]  # the index words that matched, to highlight

    @property
    def kind(self) -> str:
        return self.doc.kind

    @property
    def id(self) -> str:
        return self.doc.id


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[Hit]
    total: int  # matches before the limit
    hints: list[str]  # unknown filters and the like: said, not raised


# What `is:` takes (core/query.py says what each means and for which kinds of item).
IS_FLAGS = query_language.IS_VALUES
# Filters whose value is a part of the facet's value (customer:acme), not all of it.
SUBSTRING_FACETS = ("source", "customer")


# --- documents from records ----------------------------------------------------------------


def documents_for(store: Store, record: Record) -> list[SearchDoc]:
    """The searchable documents one record gives (a retro gives one per card)."""
    if isinstance(record, FeedbackItem):
        status = record.view_status(store.clock())
        return [SearchDoc("feedback", record.id, record.title or first_line(record.text, 80),
                          f"{record.text} {record.customer} {record.source} {' '.join(record.tags)}",
                          {"area": record.area, "tags": tuple(t.casefold() for t in record.tags), "status": status,
                           "date": record.received_at or record.created_at, "importance": record.importance,
                           "rating": str(record.rating) if record.rating else None,
                           "source": record.source.casefold(), "customer": record.customer.casefold(),
                           "unassigned": record.area is None, "untagged": not record.tags,
                           "unrated": record.importance is None, "linked": record.opportunity is not None,
                           "merged": bool(record.duplicate_of or record.merged_from)})]
    if isinstance(record, Opportunity):
        return [SearchDoc("opportunity", record.id, record.title, record.description,
                          {"area": record.area, "status": record.status, "date": record.created_at,
                           "unassigned": record.area is None})]
    if isinstance(record, ProductArea):
        owners = tuple(record.owners) + tuple(record.maintainers)
        return [SearchDoc("area", record.id, area_path(store, record.id),
                          f"{record.description} {' '.join(record.glossary)} {' '.join(record.code_paths)} {record.team} {record.channel}",
                          {"area": record.id, "owners": owners, "unowned": not has_active_owner(store, record),
                           "date": record.created_at})]
    if isinstance(record, Person):
        return [SearchDoc("person", record.id, record.name, f"{record.handle} {record.email} {record.team} {record.role}",
                          {"status": "active" if record.active else "left", "date": record.created_at})]
    if isinstance(record, ActionItem):
        return [SearchDoc("action", record.id, record.text, f"{record.topic} {record.team}",
                          {"area": record.area, "status": record.status, "owners": tuple(record.owners),
                           "date": record.due or record.created_at, "unowned": not record.owners,
                           "unassigned": record.area is None})]
    if isinstance(record, ChecklistTemplate):
        return [SearchDoc("checklist", record.id, record.name,
                          f"{record.description} {record.team} " + " ".join(s.text for s in record.steps),
                          {"date": record.created_at})]
    if isinstance(record, Retro):
        return [
            SearchDoc("card", f"{record.id}#{card.number}", card.text, f"{card.column} {record.team} {record.title}",
                      {"area": record.area, "status": record.phase, "date": card.created_at or record.held_on})
            for card in record.cards if not card.hidden  # not shown to the room yet: not findable either
        ]
    return []


SEARCHED_TYPES = (FeedbackItem, Opportunity, ProductArea, Person, ActionItem, ChecklistTemplate, Retro)
_SEARCHED_PREFIXES = {t.PREFIX for t in SEARCHED_TYPES}


# --- the index -----------------------------------------------------------------------------


class SearchIndex:
    """Thread-safe: built and refreshed in a worker while the UI queries it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.revision = -1  # the store revision it reflects; -1: never built
        self._docs: dict[str, SearchDoc] = {}
        self._doc_words: dict[str, tuple[frozenset[str], frozenset[str]]] = {}  # id -> (title words, all words)
        self._postings: dict[str, set[str]] = {}
        self._vocab: list[str] = []  # sorted, for prefix ranges
        self._vocab_dirty = False
        # Typos are looked for among words of the same first letter and about the same length:
        # the whole vocabulary (115k words at 100k items) took 44 ms a word.
        self._buckets: dict[tuple[str, int], list[str]] = {}
        self._small_docs: set[str] = set()  # every document that is not feedback (few, and meaningful)
        self._match_cache: dict[str, dict[str, float]] = {}
        # Filters become set intersections before any scoring: ("kind", "area"), ("tag", "export"),
        # ("status", "new"), ("area", "A-3"), ("owner", "P-1"), ("importance", "high"), ("is", "unowned"),
        # ("customer", "acme freight"): customer: and source: take the values that contain what was typed.
        self._facets: dict[tuple[str, str], set[str]] = {}
        self._facet_values: dict[str, set[str]] = {name: set() for name in SUBSTRING_FACETS}  # may hold stale ones
        self._feedback_order: list[str] = []  # feedback ids by number, oldest first
        self._by_record: dict[str, list[str]] = {}  # record id -> its doc ids (a retro: its cards)

    @property
    def ready(self) -> bool:
        return self.revision >= 0

    def __len__(self) -> int:
        return len(self._docs)

    def build(self, store: Store) -> None:
        self.build_from(store, (record for record_type in SEARCHED_TYPES for record in store.all(record_type)))

    def build_from(self, store: Store, records: Iterable[Record]) -> None:
        """Index these records only (stored.py: the items a query can match, read from disk)."""
        revision = store.revision
        fresh = SearchIndex()
        # Feedback in number order: each is then appended to _feedback_order, not filed into it.
        for record in sorted(records, key=lambda r: r.number if isinstance(r, FeedbackItem) else -1):
            fresh._add_record(store, record)
        fresh._sort_vocab()
        with self._lock:
            self._docs, self._doc_words, self._postings = fresh._docs, fresh._doc_words, fresh._postings
            self._vocab, self._by_record, self._vocab_dirty = fresh._vocab, fresh._by_record, False
            self._buckets, self._small_docs, self._match_cache = fresh._buckets, fresh._small_docs, {}
            self._facets, self._feedback_order = fresh._facets, fresh._feedback_order
            self._facet_values = fresh._facet_values
            self.revision = revision

    def refresh(self, store: Store, *, rebuild_with: Callable[[Store], Iterable[Record]] | None = None) -> int:
        """Catch up with the store: the changed records only, or a rebuild (of every record, or
        of those `rebuild_with` gives). Returns how many records were re-indexed (-1: a rebuild)."""
        changed = store.changed_since(self.revision) if self.ready else None
        if changed is None:
            if rebuild_with is None:
                self.build(store)
            else:
                self.build_from(store, rebuild_with(store))
            return -1
        revision = store.revision
        touched = {i for i in changed if i.split("-")[0] in _SEARCHED_PREFIXES}
        # An area's "unowned" depends on people; its path (its title) on the areas above it.
        if any(i.startswith("P-") for i in changed):
            touched |= {a.id for a in store.all(ProductArea)}
        for area_id in [i for i in touched if i.startswith("A-") and store.get(i) is not None]:
            touched |= subtree_ids(store, area_id)
        with self._lock:
            for record_id in touched:
                self._remove_record(record_id)
                record = store.get(record_id)
                if record is not None:
                    self._add_record(store, record)
            self._match_cache = {}
            self.revision = revision
        return len(touched)

    def close(self) -> None:
        """Nothing is held open (on_disk.py's holds a database connection)."""

    def warm(self, store: Store) -> int:
        """Nothing to do: this index holds every record (on_disk.py's holds some, then more)."""
        return 0

    def add(self, store: Store, records: Iterable[Record]) -> int:
        """Index these records too, those not held yet (on_disk.py: the candidates of a query
        not held yet); returns how many were added."""
        added = 0
        with self._lock:
            for record in records:
                if record.id not in self._by_record:
                    self._add_record(store, record)
                    added += 1
            if added:
                self._match_cache = {}
        return added

    @property
    def feedback_held(self) -> int:
        return len(self._feedback_order)

    def _add_record(self, store: Store, record: Record) -> None:
        docs = documents_for(store, record)
        self._by_record[record.id] = [d.id for d in docs]
        for doc in docs:
            title_words = frozenset(words_of(doc.title))
            all_words = title_words | frozenset(words_of(doc.body)) | {fold(doc.id)}
            self._docs[doc.id] = doc
            self._doc_words[doc.id] = (title_words, all_words)
            if doc.kind != "feedback":
                self._small_docs.add(doc.id)
            elif not self._feedback_order or _number(doc.id) > _number(self._feedback_order[-1]):
                self._feedback_order.append(doc.id)  # a new item, or a build in number order
            else:
                bisect.insort(self._feedback_order, doc.id, key=_number)
            for facet in _facet_keys(doc):
                self._facets.setdefault(facet, set()).add(doc.id)
                if facet[0] in self._facet_values:
                    self._facet_values[facet[0]].add(facet[1])
            for word in all_words:
                posting = self._postings.get(word)
                if posting is None:
                    self._postings[word] = {doc.id}
                    self._vocab_dirty = True
                else:
                    posting.add(doc.id)

    def _remove_record(self, record_id: str) -> None:
        for doc_id in self._by_record.pop(record_id, []):
            doc = self._docs.pop(doc_id, None)
            self._small_docs.discard(doc_id)
            if doc is not None and doc.kind == "feedback":
                order, number = self._feedback_order, _number(doc_id)
                at = bisect.bisect_left(order, number, key=_number)
                while at < len(order) and order[at] != doc_id and _number(order[at]) == number:
                    at += 1
                if at < len(order) and order[at] == doc_id:
                    del order[at]
            for facet in _facet_keys(doc) if doc else ():
                self._facets.get(facet, set()).discard(doc_id)
            _, words = self._doc_words.pop(doc_id, (None, frozenset()))
            for word in words:
                posting = self._postings.get(word)
                if posting is not None:
                    posting.discard(doc_id)
                    if not posting:
                        del self._postings[word]
                        self._vocab_dirty = True

    def _sort_vocab(self) -> None:
        self._vocab = sorted(self._postings)
        self._vocab_dirty = False
        buckets: dict[tuple[str, int], list[str]] = {}
        for word in self._vocab:
            buckets.setdefault((word[0], len(word)), []).append(word)
        self._buckets = buckets

    # --- matching -------------------------------------------------------------------------

    def seed_matches(self, word: str, matches: dict[str, float]) -> None:
        """Use these matches for `word` (stored.py: found over the whole vocabulary on disk,
        when this index holds only the records that can match)."""
        with self._lock:
            self._match_cache[word] = {w: q for w, q in matches.items() if w in self._postings}

    def _matches(self, word: str) -> dict[str, float]:
        """Index words this query word stands for, with how well (1.0 exact); cached until
        the index changes, as typing asks for the same words again and again."""
        cached = self._match_cache.get(word)
        if cached is not None:
            return cached
        if self._vocab_dirty:  # sorted when next needed, not on every change (100k words: 40 ms)
            self._sort_vocab()
        found: dict[str, float] = {}
        if word in self._postings:
            found[word] = 1.0
        start = bisect.bisect_left(self._vocab, word)
        completions: list[str] = []
        for candidate in self._vocab[start:]:
            if not candidate.startswith(word):
                break
            if candidate != word:
                completions.append(candidate)
        keep = PREFIX_WORDS.get(len(word), MAX_PREFIX_WORDS)
        if len(completions) > keep:
            completions = sorted(completions, key=lambda w: -len(self._postings[w]))[:keep]
        for candidate in completions:
            # A prefix that covers more of the word is a better match ("invoic" ~ "invoice").
            found[candidate] = 0.75 + 0.2 * len(word) / len(candidate)
        if len(word) >= FUZZY_MIN_LENGTH:
            nearby = [w for length in range(len(word) - 2, len(word) + 3) for w in self._buckets.get((word[0], length), ())]
            cutoff = SHORT_FUZZY_SCORE if len(word) <= 5 else FUZZY_SCORE
            letters = sorted(word)
            for candidate, score, _ in process.extract(word, nearby, scorer=fuzz.ratio, score_cutoff=cutoff, limit=FUZZY_WORDS):
                # Below FUZZY_SCORE only two swapped letters count ("bluk"): "logo" is not "long".
                if score >= FUZZY_SCORE or sorted(candidate) == letters:
                    found.setdefault(candidate, 0.5 * score / 100)
        if len(self._match_cache) > 2_000:
            self._match_cache.clear()
        self._match_cache[word] = found
        return found

    def search(self, query: str, store: Store, *, kinds: Iterable[str] | None = None, limit: int = 50,
               per_kind: int | None = None, within: Iterable[str] | None = None) -> SearchResult:
        """`within`: only these records' documents (on_disk.py: a query's candidates, when the
        index holds more)."""
        parsed = parse_query(query, store)
        wanted_kinds = set(kinds) if kinds else None
        if parsed.kinds is not None:  # kind:, or a filter that only some kinds can pass (importance:)
            wanted_kinds = parsed.kinds if wanted_kinds is None else wanted_kinds & parsed.kinds
        with self._lock:
            allowed = self._allowed(parsed, wanted_kinds)
            if within is not None:
                docs = {doc_id for record_id in within for doc_id in self._by_record.get(record_id, ())}
                allowed = docs if allowed is None else allowed & docs
            if parsed.words:
                scores, matched, word_total = self._score(parsed.words, allowed)
                candidates: Iterable[str] = scores.keys()
            else:
                if not parsed.has_filters:
                    return SearchResult([], 0, parsed.hints)
                scores, matched = {}, {}
                pool = allowed if allowed is not None else set(self._docs)
                word_total = len(pool)
                candidates = self._newest_first(pool, SCORE_ALL) if len(pool) > SCORE_ALL and not parsed.since else pool
            hits = []
            for doc_id in candidates:
                doc = self._docs[doc_id]
                if not parsed.accepts(doc):
                    continue
                hits.append(Hit(doc, scores.get(doc_id, 0.0) * KIND_WEIGHT[doc.kind], matched.get(doc_id, frozenset())))
        # Best first; equal scores: newer first (the higher number), so results do not jump.
        kind_order = {kind: n for n, kind in enumerate(KINDS)}
        hits.sort(key=lambda h: (-h.score, kind_order[h.kind], -_number(h.id), -_card_number(h.id)))
        total = len(hits)
        if word_total > total and not parsed.since:
            total = word_total  # only part of the matches was scored; say how many there are
        if per_kind is not None:
            counts: dict[str, int] = {}
            kept = []
            for hit in hits:
                if counts.get(hit.kind, 0) < per_kind:
                    counts[hit.kind] = counts.get(hit.kind, 0) + 1
                    kept.append(hit)
            hits = kept
        return SearchResult(hits[:limit], total, parsed.hints)

    def _allowed(self, parsed: ParsedQuery, kinds: set[str] | None) -> set[str] | None:
        """The documents the filters let through, by set intersection; None: no such filter."""
        groups: list[set[str]] = []
        facets = self._facets

        def union(name: str, values: Iterable[str]) -> set[str]:
            return set().union(*(facets.get((name, v), set()) for v in values))

        if kinds is not None:
            groups.append(union("kind", kinds))
        if parsed.tags:
            groups.append(union("tag", parsed.tags))
        if parsed.statuses:
            groups.append(union("status", parsed.statuses))
        if parsed.importance:
            groups.append(union("importance", parsed.importance))
        if parsed.ratings:
            groups.append(union("rating", parsed.ratings))
        if parsed.ids:
            groups.append(set(parsed.ids))
        for name, typed in (("source", parsed.sources), ("customer", parsed.customers)):
            if typed:
                groups.append(union(name, [v for v in self._facet_values[name] if any(t in v for t in typed)]))
        if parsed.areas is not None:
            groups.append(union("area", parsed.areas))
        if parsed.owners is not None:
            groups.append(union("owner", parsed.owners))
        groups.extend(facets.get(("is", flag), set()) for flag in sorted(parsed.flags))
        if not groups:
            return None
        groups.sort(key=len)
        allowed = set(groups[0])
        for group in groups[1:]:
            allowed &= group
        return allowed

    def _newest_first(self, pool: set[str], wanted: int) -> list[str]:
        """Every non-feedback document of the pool, and its newest feedback up to `wanted`:
        a vague query shows recent items, found without sorting 100,000 of them."""
        chosen = list(pool & self._small_docs)
        if len(chosen) > wanted:
            chosen = sorted(chosen, key=lambda doc_id: (_number(doc_id), doc_id), reverse=True)[:wanted]  # ties: by id, not set order
        wanted += len(chosen)
        for doc_id in reversed(self._feedback_order):
            if len(chosen) >= wanted:
                break
            if doc_id in pool and doc_id in self._docs:
                chosen.append(doc_id)
        return chosen

    def _score(self, words: list[str], allowed: set[str] | None = None) -> tuple[dict[str, float], dict[str, frozenset[str]], int]:
        """AND over the query words; set operations (in C) find the candidates, and only a
        bounded number of them is scored word by word. Returns scores, matched words, total."""
        per_word = [self._matches(w) for w in words]
        if any(not m for m in per_word):
            return {}, {}, 0
        postings = self._postings
        word_docs = [set().union(*(postings[w] for w in m)) for m in per_word]
        rarest = min(range(len(words)), key=lambda i: len(word_docs[i]))
        candidates = set(word_docs[rarest]) if allowed is None else allowed & word_docs[rarest]
        for i, docs in enumerate(word_docs):
            if i != rarest:
                candidates &= docs
        total = len(candidates)
        if total > SCORE_ALL:
            # Thousands match (a one-letter prefix): every non-feedback match and the newest
            # feedback are scored; the count still says how many there are.
            candidates = self._newest_first(candidates, SELECTED)
        scores: dict[str, float] = {}
        matched: dict[str, frozenset[str]] = {}
        doc_words = self._doc_words
        for doc_id in candidates:
            title_words, all_words = doc_words[doc_id]
            total_quality = 0.0
            hit_words = []
            for matches in per_word:
                best, best_word = 0.0, None
                # The smaller side is walked: a document has tens of words, a prefix hundreds.
                pairs = ((w, matches.get(w)) for w in all_words) if len(all_words) < len(matches) else \
                    ((w, q) for w, q in matches.items() if w in all_words)
                for index_word, quality in pairs:
                    if quality is None:
                        continue
                    # The title counts when choosing the word, so "invoices" in a title beats
                    # "invoice" in the body for "invoi".
                    quality += TITLE_BONUS if index_word in title_words else 0.0
                    if quality > best:
                        best, best_word = quality, index_word
                total_quality += best
                if best_word is not None:
                    hit_words.append(best_word)
            scores[doc_id] = total_quality / len(words)
            matched[doc_id] = frozenset(hit_words)
        return scores, matched, total


def _facet_keys(doc: SearchDoc) -> list[tuple[str, str]]:
    facets = doc.facets
    keys = [("kind", doc.kind)]
    keys += [("tag", tag) for tag in facets.get("tags", ())]
    if facets.get("status"):
        keys.append(("status", str(facets["status"]).casefold()))
    if facets.get("area"):
        keys.append(("area", facets["area"]))
    keys += [("owner", owner) for owner in facets.get("owners", ())]
    keys += [(name, facets[name]) for name in ("importance", "rating", *SUBSTRING_FACETS) if facets.get(name)]
    keys += [("is", flag) for flag in IS_FLAGS if facets.get(flag)]
    return keys


def _number(doc_id: str) -> int:
    """F-12 -> 12, R-2#3 -> 2: newer first among equals."""
    try:
        return int(doc_id.split("-", 1)[1].split("#", 1)[0])
    except (IndexError, ValueError):
        return 0


def _card_number(doc_id: str) -> int:
    """R-2#3 -> 3 (newer cards of one retro first, whatever order they were indexed in); else 0."""
    _, _, card = doc_id.partition("#")
    return int(card) if card.isdigit() else 0


# --- queries -------------------------------------------------------------------------------

_ID = re.compile(r"[A-Za-z]{1,2}-\d+(#\d+)?")


@dataclass
class ParsedQuery:
    """A query (core/query.py) met with the workspace: index words, and filters as facet values."""

    words: list[str] = field(default_factory=list)
    kinds: set[str] | None = None  # None: any kind
    areas: set[str] | None = None  # area ids (with their sub-areas)
    tags: list[str] = field(default_factory=list)
    statuses: set[str] = field(default_factory=set)
    importance: set[str] = field(default_factory=set)
    ratings: set[str] = field(default_factory=set)  # "1".."5", as the facet holds them
    ids: set[str] = field(default_factory=set)  # id: exactly these documents
    sources: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    owners: set[str] | None = None  # person ids
    flags: set[str] = field(default_factory=set)  # is: values
    since: str | None = None
    hints: list[str] = field(default_factory=list)
    has_filters: bool = False

    @property
    def is_plain(self) -> bool:
        """No filter narrows the words' matches."""
        return not self.has_filters

    def accepts(self, doc: SearchDoc) -> bool:
        facets = doc.facets
        if self.kinds is not None and doc.kind not in self.kinds:
            return False
        if self.areas is not None and facets.get("area") not in self.areas:
            return False
        if self.tags and not any(t in facets.get("tags", ()) for t in self.tags):
            return False
        if self.statuses and str(facets.get("status", "")).casefold() not in self.statuses:
            return False
        if self.importance and facets.get("importance") not in self.importance:
            return False
        if self.ratings and facets.get("rating") not in self.ratings:
            return False
        if self.ids and doc.id not in self.ids:
            return False
        if self.sources and not any(s in facets.get("source", "") for s in self.sources):
            return False
        if self.customers and not any(c in facets.get("customer", "") for c in self.customers):
            return False
        if self.owners is not None and not self.owners & set(facets.get("owners", ())):
            return False
        if any(not facets.get(flag) for flag in self.flags):
            return False
        if self.since and (facets.get("date") or "") < self.since:
            return False
        return True


def parse_query(query: str, store: Store, *, now: datetime | None = None) -> ParsedQuery:
    """Free words and filters, read by core/query.py. An unknown keyword or an unreadable value
    is a hint and is left out, never an error; a readable filter that matches nothing (an area
    nobody has) matches nothing, rather than being dropped and matching everything."""
    read = query_language.parse(query, now=now or from_iso(store.clock()))
    parsed = ParsedQuery(hints=[*read.hints, *read.errors], has_filters=read.has_filters)
    for term in read.words:
        if _ID.fullmatch(term):
            parsed.words.append(fold(term))  # F-12, R-2#3: the id as one word, as it is indexed
        else:
            parsed.words.extend(words_of(term))
    parsed.words = list(dict.fromkeys(parsed.words))[:20]
    possible = read.kinds_matched()
    if len(possible) < len(KINDS):
        parsed.kinds = possible
    if read.areas:
        ids, hints = query_language.area_ids(store, read.areas)
        parsed.areas = ids
        parsed.hints += hints
    if read.owners:
        ids, hints = query_language.person_ids(store, read.owners)
        parsed.owners = ids
        parsed.hints += hints
    parsed.tags = list(read.tags)
    parsed.statuses = set(read.statuses)
    parsed.importance = set(read.importance)
    parsed.ratings = {str(r) for r in read.ratings}
    parsed.ids = set(read.ids)
    parsed.sources, parsed.customers = read.sources, read.customers
    parsed.flags = set(read.flags)
    parsed.since = read.since
    return parsed
