"""Search across every kind of item, as you type: ranked by how well each item matches.

Search ranks, it does not filter: every query word counts and none is required, so a word too
many, a word missing or a different word lowers a match instead of removing it. Filters
(`area:`, `tag:`, `is:` ..., core/query.py) still filter strictly.

An inverted index of folded words (lower case, accents off) over every record's searchable
text. Identifiers are split (`read_multi`, `NoMethodError`, `Dataset.map` -> their parts,
core/words.split_identifiers), in the text and in the query, and an identifier's parts are
also kept joined as one more word (`nomethoderror`), for an identifier typed whole in lower
case. A query word matches the index's words that start with it, that are the same word in
another form (its stem, core/words.stem: "inserts" ~ "insert", "deleting" ~ "deleted"), or
(four letters and more) are within a typo of it by rapidfuzz's ratio over the vocabulary,
which is a few tens of thousands of words even for 100,000 items; each matched word brings
its documents.

Scoring is BM25-style: each query word weighs its inverse document frequency (a word few
items hold says more), times how well it matched (exactly, as a prefix, another form, a
typo), more in the title than in the text, less in a long text than in a short one; a
document's score is the sum over the query words, times the share of the query's weight it
holds (so one holding every word comes above one holding a common word only). Noise is kept
out: a document must hold a word of the query that is not a stopword, and with three such
words or more, at least MIN_SHARE of their weight. bench/search.py measures this against
scoring every document with rapidfuzz, on the real exports in tests/data.

Per keystroke the work is bounded: set operations (in C) find the documents holding the
query's heavier words; past SCORE_ALL of them, the ones holding the most of the query (every
word, then every word but one) and the newest are scored, SELECTED at most (plan_query says
which, and stored.py picks the same ones on disk).

The index follows the store: `refresh()` re-indexes only the records changed since its last
revision (Store.changed_since), and rebuilds when that is not known. It is not kept on disk:
building it for 100,000 items takes about as long as opening the workspace, in a worker."""

from __future__ import annotations

import bisect
import heapq
import math
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process

from .. import query as query_language
from ..areas.lookup import area_path, has_active_owner, subtree_ids
from ..dates import from_iso
from ..model import ActionItem, ChecklistTemplate, FeedbackItem, Opportunity, Person, ProductArea, Record, Retro, record_number
from ..query import KINDS
from ..storage.store import Store
from ..text import first_line, fold
from ..words import STOPWORDS, has_camel_case, split_identifiers, stem

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
STEM_MIN_LENGTH = 3  # a shorter stem ("us" of "uses") is not looked up: it says too little
SAME_STEM = 0.9  # how well another form of the word matches ("inserts" for "insert"): below the word itself
SCORE_ALL = 1_500  # candidates scored one by one; past that, those holding the most of the query, then the newest
SELECTED = 500  # how many of them are scored then: feedback, and as many of the other kinds at most
# BM25 (Robertson & Zaragoza): K1 how soon a word's weight saturates, B how much a long text
# is discounted. The length is a document's number of distinct words, against a fixed PIVOT
# (not the workspace's mean, so the on-disk search scores exactly as the index, without it).
K1 = 1.2
B = 0.5
PIVOT = 40
TITLE_WEIGHT = 2.5  # a word in the title counts this many times one in the text
# A document's score is multiplied by the share of the query's weight it holds, to this power:
# one holding every word comes above a short one holding the rarest word only.
COORDINATION = 2
# Noise: with MIN_SHARE_WORDS or more words that are not stopwords, a document must hold at
# least this share of their weight (one of three equally rare words is not enough; the
# rarest of them, or two of the three, are).
MIN_SHARE = 0.35
MIN_SHARE_WORDS = 3
PLANNED_WORDS = 6  # the heaviest words that bring documents; more (a pasted paragraph) only score
# Kinds with few items carry the most meaning per hit: an area named "billing" matters more
# than the 300th feedback item mentioning it.
KIND_WEIGHT = {"area": 1.3, "person": 1.25, "opportunity": 1.2, "checklist": 1.15, "action": 1.1, "card": 1.0, "feedback": 1.0}

_PIECE = re.compile(r"[^\W_]+", re.UNICODE)  # a word: letters and digits, so `read_multi` is two
_TOKEN = re.compile(r"\w+", re.UNICODE)  # a word with its underscores: an identifier whole


def words_of(text: str) -> list[str]:
    """The index's words of a text: folded, identifiers split into their parts (`read_multi`,
    `NoMethodError`, `Dataset.map`: core/words.split_identifiers), and each identifier's parts
    also joined as one word (`readmulti`, `nomethoderror`): an identifier typed whole in lower
    case finds it too. In text order, the joined words last; repeats kept."""
    camel = has_camel_case(text)
    folded = fold(text)
    words = _PIECE.findall(fold(split_identifiers(text)) if camel else folded)
    if camel or "_" in text:
        # The whole words that are not parts are the identifiers: `read_multi`, `nomethoderror`.
        parts = set(words)
        for token in sorted(set(_TOKEN.findall(folded)) - parts):
            joined = token.replace("_", "")
            if joined and joined not in parts:
                parts.add(joined)
                words.append(joined)
    return words


def query_words_of(text: str) -> list[str]:
    """A query's words: split as the index splits them, without the joined forms (each part
    is a word of the query, and the item holds each)."""
    return _PIECE.findall(fold(split_identifiers(text)))


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Where each index word of `text` is, as (start, end, word), for highlighting: the parts
    of an identifier, and the identifier whole under its joined word."""
    for token in _TOKEN.finditer(text):
        value = token.group()
        count = 0
        for piece in _PIECE.finditer(value):
            at = token.start() + piece.start()
            for part in split_identifiers(piece.group()).split(" "):
                if part:
                    yield at, at + len(part), fold(part)
                    count += 1
                at += len(part)
        if count > 1:
            yield token.start(), token.end(), fold(value).replace("_", "")


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
        # stem -> the vocabulary's words of that stem: a tuple of strings, not a set, as the
        # cyclic GC leaves those alone (100,000 more sets made a full collection take 1.1 s
        # in the middle of typing).
        self._stems: dict[str, tuple[str, ...]] = {}
        self._small_docs: set[str] = set()  # every document that is not feedback (few, and meaningful)
        self._small_keys: dict[str, tuple[int, str]] = {}  # and its place among them, newest last
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
            self._small_keys = fresh._small_keys
            self._stems = fresh._stems
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
            # Interned: the posting keys and every document's sets then share one string a word
            # (a word's own copy per document was a fifth of a held item's memory at 100k).
            title_words = frozenset(map(sys.intern, words_of(doc.title)))
            all_words = title_words | frozenset(map(sys.intern, words_of(doc.body))) | {fold(doc.id)}
            self._docs[doc.id] = doc
            self._doc_words[doc.id] = (title_words, all_words)
            if doc.kind != "feedback":
                self._small_docs.add(doc.id)
                self._small_keys[doc.id] = (record_number(doc.id), doc.id)
            elif not self._feedback_order or record_number(doc.id) > record_number(self._feedback_order[-1]):
                self._feedback_order.append(doc.id)  # a new item, or a build in number order
            else:
                bisect.insort(self._feedback_order, doc.id, key=record_number)
            for facet in _facet_keys(doc):
                self._facets.setdefault(facet, set()).add(doc.id)
                if facet[0] in self._facet_values:
                    self._facet_values[facet[0]].add(facet[1])
            for word in all_words:
                posting = self._postings.get(word)
                if posting is None:
                    self._postings[word] = {doc.id}
                    self._vocab_dirty = True
                    root = stem(word)
                    self._stems[root] = self._stems.get(root, ()) + (word,)
                else:
                    posting.add(doc.id)

    def _remove_record(self, record_id: str) -> None:
        for doc_id in self._by_record.pop(record_id, []):
            doc = self._docs.pop(doc_id, None)
            self._small_docs.discard(doc_id)
            self._small_keys.pop(doc_id, None)
            if doc is not None and doc.kind == "feedback":
                order, number = self._feedback_order, record_number(doc_id)
                at = bisect.bisect_left(order, number, key=record_number)
                while at < len(order) and order[at] != doc_id and record_number(order[at]) == number:
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
                        root = stem(word)
                        same = tuple(w for w in self._stems.get(root, ()) if w != word)
                        if same:
                            self._stems[root] = same
                        else:
                            self._stems.pop(root, None)

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
        vocab = self._vocab
        completions: list[str] = []
        for at in range(bisect.bisect_left(vocab, word), len(vocab)):
            candidate = vocab[at]
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
        root = stem(word)
        if len(root) >= STEM_MIN_LENGTH:
            for candidate in self._stems.get(root, ()):
                if found.get(candidate, 0.0) < SAME_STEM:
                    found[candidate] = SAME_STEM  # "inserts", "inserted" for "insert"
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
               per_kind: int | None = None, within: Iterable[str] | None = None,
               stats: WordStats | None = None) -> SearchResult:
        """`within`: only these records' documents (on_disk.py: a query's candidates, when the
        index holds more). `stats`: how many documents the whole workspace has and how many
        hold each query word, when this index holds only part of it (stored.py, on_disk.py),
        so that a word weighs what it weighs in the whole workspace."""
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
                scores, matched, word_total = self._score(parsed.words, allowed, stats)
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
                if parsed.since and not parsed.accepts(doc):  # every other filter is in `allowed`
                    continue
                hits.append(Hit(doc, scores.get(doc_id, 0.0) * KIND_WEIGHT[doc.kind], matched.get(doc_id, frozenset())))
        # Best first; equal scores: newer first (the higher number), so results do not jump.
        kind_order = {kind: n for n, kind in enumerate(KINDS)}
        hits.sort(key=lambda h: (-h.score, kind_order[h.kind], -record_number(h.id), -_card_number(h.id)))
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
            chosen = heapq.nlargest(wanted, chosen, key=self._small_keys.__getitem__)  # ties: by id, not set order
        wanted += len(chosen)
        for doc_id in reversed(self._feedback_order):
            if len(chosen) >= wanted:
                break
            if doc_id in pool and doc_id in self._docs:
                chosen.append(doc_id)
        return chosen

    def _score(self, words: list[str], allowed: set[str] | None = None,
               stats: WordStats | None = None) -> tuple[dict[str, float], dict[str, frozenset[str]], int]:
        """Any of the query words (none is required): set operations (in C) find the documents
        holding its heavier words, and a bounded number of them is scored word by word.
        Returns the scores of those that pass the noise guard, the words each matched, and
        how many match: those that passed when every candidate was scored, else how many
        hold one of the heavier words."""
        per_word = {word: self._matches(word) for word in words}
        postings = self._postings
        word_docs = {word: set().union(*(postings[w] for w in m)) for word, m in per_word.items() if m}
        if stats is None:
            stats = WordStats(len(self._docs), {word: len(docs) for word, docs in word_docs.items()})
        plan = plan_query(words, stats)
        if not plan.bring:
            return {}, {}, 0
        # A partial index (stats given) may hold none of a word the workspace holds.
        bringing = [word_docs.get(word, set()) for word in plan.bring]
        if allowed is not None:
            bringing = [allowed & docs for docs in bringing]
        brought = bringing[0].union(*bringing[1:]) if len(bringing) > 1 else bringing[0]  # only read from here on
        total = len(brought)
        scored_all = total <= SCORE_ALL
        candidates: Iterable[str] = brought if scored_all else self._select(brought, plan, word_docs)
        scores: dict[str, float] = {}
        matched: dict[str, frozenset[str]] = {}
        doc_words = self._doc_words
        # One order for every query, so "csv export" and "export csv" add up the same floats.
        scoring = [(word, per_word[word], plan.weights[word], word in plan.strong) for word in sorted(plan.weights)]
        whole, needed = plan.weight, plan.needed
        for doc_id in candidates:
            title_words, all_words = doc_words[doc_id]
            # BM25's term weight for a word in the text, and in the title (TITLE_WEIGHT times
            # one in the text); how well the word matched multiplies it, so a typo in the
            # title never outweighs the word itself in the text.
            norm = K1 * (1 - B + B * len(all_words) / PIVOT)
            in_text = (K1 + 1) / (1 + norm)
            in_title = TITLE_WEIGHT * (K1 + 1) / (TITLE_WEIGHT + norm)
            raw = held = strong_held = 0.0
            hit_words = []
            for _, matches, weight, strong in scoring:
                best, best_word = 0.0, None
                # The smaller side is walked: a document has tens of words, a prefix hundreds.
                # The title counts when choosing the word, so "invoices" in a title beats
                # "invoice" in the body for "invoi".
                if len(all_words) < len(matches):
                    for index_word in all_words:
                        quality = matches.get(index_word)
                        if quality is not None:
                            quality *= in_title if index_word in title_words else in_text
                            if quality > best:
                                best, best_word = quality, index_word
                else:
                    for index_word, quality in matches.items():
                        if index_word in all_words:
                            quality *= in_title if index_word in title_words else in_text
                            if quality > best:
                                best, best_word = quality, index_word
                if best_word is None:
                    continue
                raw += weight * best
                held += weight
                if strong:
                    strong_held += weight
                hit_words.append(best_word)
            if not hit_words or strong_held < needed:
                continue
            scores[doc_id] = raw * (held / whole) ** COORDINATION
            matched[doc_id] = frozenset(hit_words)
        return scores, matched, len(scores) if scored_all else total

    def _select(self, candidates: set[str], plan: QueryPlan, word_docs: dict[str, set[str]]) -> list[str]:
        """Too many candidates to score: every one of the other kinds (the newest SELECTED
        when there are more), and SELECTED feedback items: those holding every word, then
        every word but one (plan.tiers), newest first, then the newest of the rest. stored.py
        picks the same ones on disk."""
        small = list(candidates & self._small_docs)
        if len(small) > SELECTED:
            small = heapq.nlargest(SELECTED, small, key=self._small_keys.__getitem__)  # ties: by id, not set order
        chosen: dict[str, None] = {}
        for tier in plan.tiers:
            if len(chosen) >= SELECTED:
                break
            held = sorted((word_docs.get(word, set()) for word in tier), key=len)
            docs = candidates & held[0]
            for other in held[1:]:
                docs &= other
            chosen.update(dict.fromkeys(self._newest_feedback(docs, SELECTED - len(chosen), chosen)))
        if len(chosen) < SELECTED:
            chosen.update(dict.fromkeys(self._newest_feedback(candidates, SELECTED - len(chosen), chosen)))
        return small + list(chosen)

    def _newest_feedback(self, pool: set[str], wanted: int, taken: dict[str, None]) -> list[str]:
        """The newest `wanted` feedback documents of the pool not taken yet: by walking the
        pool, or the feedback from the newest while that is the shorter walk."""
        feedback = len(pool) - len(pool & self._small_docs)
        if not feedback or wanted <= 0:
            return []
        if len(pool) <= (wanted + len(taken)) * len(self._feedback_order) / feedback:
            return heapq.nlargest(wanted, (d for d in pool if d not in taken and d not in self._small_docs), key=record_number)
        found: list[str] = []
        for doc_id in reversed(self._feedback_order):  # a big pool: most of the newest are in it
            if len(found) >= wanted:
                break
            if doc_id in pool and doc_id not in taken:
                found.append(doc_id)
        return found


@dataclass(frozen=True, slots=True)
class WordStats:
    """How many documents the workspace has, and how many hold each query word (any of the
    index words it stands for): what a word weighs."""

    documents: int
    holding: dict[str, int]


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """What each query word weighs, and which words bring documents (plan_query)."""

    weights: dict[str, float]  # each word some document holds: its inverse document frequency
    strong: frozenset[str]  # the words that are not stopwords (all, when every word is one)
    bring: tuple[str, ...]  # the strong words whose documents are the candidates, heaviest first
    tiers: tuple[tuple[str, ...], ...]  # word sets whose documents are scored first when there are too many
    weight: float  # of every word some document holds
    needed: float  # of the strong words, a document must hold this much (0: any one)


def idf(holding: int, documents: int) -> float:
    """BM25's inverse document frequency, never negative (a word most documents hold weighs little)."""
    return math.log(1 + (documents - holding + 0.5) / (holding + 0.5))


def plan_query(words: Iterable[str], stats: WordStats) -> QueryPlan:
    """Each word's weight; the words whose documents are candidates; the order to pick them in.

    A document must hold a strong word (not a stopword), and with MIN_SHARE_WORDS strong words
    or more, MIN_SHARE of their weight. So the lightest strong words, while together they
    weigh less than that, bring no documents of their own: a document holding only them
    could not pass. The heaviest PLANNED_WORDS words at most bring documents; the others
    score only. Shared by the index and stored.py, which must pick the same documents."""
    words = list(dict.fromkeys(words))
    weights = {w: idf(stats.holding[w], stats.documents) for w in words if stats.holding.get(w)}
    meaningful = [w for w in words if w not in STOPWORDS]
    strong = frozenset(meaningful or words)
    ranked = sorted((w for w in strong if w in weights), key=lambda w: (-weights[w], w))[:PLANNED_WORDS]
    strong_weight = math.fsum(weights[w] for w in ranked)
    needed = MIN_SHARE * strong_weight if len(ranked) >= MIN_SHARE_WORDS else 0.0
    bring = list(ranked)
    light = 0.0
    while bring and light + weights[bring[-1]] < needed:
        light += weights[bring.pop()]
    tiers: list[tuple[str, ...]] = []
    if len(ranked) > 1:
        tiers.append(tuple(ranked))
        # Every word but one, the lightest left out first: a word too many in the query.
        for left_out in reversed(ranked):
            tier = tuple(w for w in ranked if w != left_out)
            if set(tier) & set(bring) and math.fsum(weights[w] for w in tier) >= needed:
                tiers.append(tier)
    # fsum: the same total whatever order the words were typed in.
    return QueryPlan(weights, strong, tuple(bring), tuple(tiers), math.fsum(weights.values()), needed)


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
    for term in read.typed_words:  # as typed: camelCase is split by its capitals
        if _ID.fullmatch(term):
            parsed.words.append(fold(term))  # F-12, R-2#3: the id as one word, as it is indexed
        else:
            parsed.words.extend(query_words_of(term))
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
