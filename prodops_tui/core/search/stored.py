"""Search from the shell without building the whole index: the words of every feedback item
kept on disk (`search.sqlite`, SQLite FTS5), so `prodops search` reads only the items that can
match.

Building the in-memory index (index.py) for 100,000 items took 15 s per command. Here the
feedback's words live in an FTS5 table whose rowid is the item's number, with its vocabulary
(fts5vocab: each word and how many items hold it, and its stem). A query word is expanded
over that vocabulary the way the index expands it (the word itself, its completions, the most
used first, its other forms by stem, and its typos by rapidfuzz's ratio among words of the
same first letter and about the same length); how many documents hold one of its expansions
is its weight (index.plan_query). The candidates are picked as the index picks them: the
documents holding one of the heavier query words, and past SCORE_ALL of them, those holding
every word, then every word but one, newest first, then the newest. They go into a
SearchIndex, given each word's count over the whole workspace, which scores and filters them
exactly as the app does.

It is derived data: it names the journal entry it holds and catches up from the store's
change log (Store.changed_after_entry); when that is not known, it is rebuilt. Deleting the
file loses nothing. A query with no words (filters only) uses the whole in-memory index.

The FTS5 table is contentless: FTS5 kept each document's words as plain text beside its index
(at 100,000 items 24.8 of the file's 54 MB), read back only to take a document out. The words
are kept deflated instead (`kept_words`, against the file's dictionary in `packing`: 12 MB),
and given to FTS5's 'delete' when a document changes or goes.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from ..model import FeedbackItem, Record
from ..storage.deflate import deflated_text, dictionary_of, inflated_text
from ..storage.derived import open_derived
from ..storage.store import Store
from ..text import fold
from ..words import stem
from .index import (
    FUZZY_MIN_LENGTH,
    FUZZY_SCORE,
    FUZZY_WORDS,
    MAX_PREFIX_WORDS,
    PREFIX_WORDS,
    SAME_STEM,
    SCORE_ALL,
    SEARCHED_TYPES,
    SELECTED,
    SHORT_FUZZY_SCORE,
    STEM_MIN_LENGTH,
    QueryPlan,
    SearchDoc,
    SearchIndex,
    SearchResult,
    WordStats,
    documents_for,
    parse_query,
    plan_query,
    words_of,
)

SEARCH_DB_NAME = "search.sqlite"
STORED_VERSION = 7  # 4: the rating facet; 5: word_counts; 6: identifiers split, each word's stem; 7: contentless
# More changed documents than this: every word's count is read again (0.2 s at 100k items)
# rather than the changed words' one by one.
RECOUNT_ALL_OVER = 2_000
_TOKENIZER = "unicode61 remove_diacritics 2 tokenchars '_'"
REBUILD_OVER = 20_000  # more changed items than this: rebuilding is as fast as updating
# A row per searchable document, as the in-memory index counts them (a retro's cards are one
# each): a feedback item's rowid is its number; any other's is negative, from its kind's place
# here, its record's number and its card's, so a hit names its record.
OTHER_TYPES = tuple(t for t in SEARCHED_TYPES if t is not FeedbackItem)
KIND_SPAN = 10**16
NUMBER_SPAN = 10**6  # cards a retro may have
OTHER_PREFIXES = {t.PREFIX for t in OTHER_TYPES}  # not the undo history, which is not searched

_NOT_WORD = re.compile(r"\W")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS record_words USING fts5(words, content = '', tokenize = "{tokenizer}");
-- Each document's words as record_words was given them, deflated (_WordPacking): what FTS5's
-- 'delete' must be given to take a document out of a contentless table, and what a change's
-- recount reads.
CREATE TABLE IF NOT EXISTS kept_words (doc INTEGER PRIMARY KEY, packed BLOB NOT NULL);
-- The dictionary kept_words is deflated against: set by a rebuild, which rewrites every row.
CREATE TABLE IF NOT EXISTS packing (id INTEGER PRIMARY KEY CHECK (id = 1), zdict BLOB NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS record_vocab USING fts5vocab(record_words, row);
-- Each word and how many documents hold it, kept with record_words: fts5vocab works a count
-- out from the word's whole posting list on every read, and a keystroke's expansions read
-- thousands of words (7-10 ms a query word at 100k items; a table read is 0.1-0.7 ms).
CREATE TABLE IF NOT EXISTS word_counts (term TEXT PRIMARY KEY, docs INTEGER NOT NULL, stem TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS word_counts_stem ON word_counts (stem);
""".replace("{tokenizer}", _TOKENIZER)


# The dictionary: the most used words of a rebuild's first documents, up to 2 KB (the words of a
# document are 224 bytes on average at 100,000 items, 152 deflated alone, 123 against it).
_DICTIONARY_FROM = 5_000


class KeptWordsDamaged(Exception):
    """A document's kept words do not inflate: the index is rebuilt."""


class _WordPacking:
    __slots__ = ("zdict",)

    def __init__(self, zdict: bytes):
        self.zdict = zdict

    @classmethod
    def learned_from(cls, texts: Iterable[str]) -> _WordPacking:
        return cls(dictionary_of(Counter(word + " " for text in texts for word in text.split())))

    def pack(self, words: str) -> bytes:
        return deflated_text(words, self.zdict)

    def unpack(self, packed: bytes) -> str:
        words = inflated_text(packed, self.zdict)
        if words is not None:
            return words
        raise KeptWordsDamaged(f"{SEARCH_DB_NAME}: a document's words do not inflate (damaged)")


def _rowid(record: Record, doc_id: str) -> int:
    if isinstance(record, FeedbackItem):
        return record.number
    card = doc_id.partition("#")[2]
    return -((OTHER_TYPES.index(type(record)) + 1) * KIND_SPAN + record.number * NUMBER_SPAN + int(card or 0))


def _doc_id(rowid: int) -> str:
    """The document's id, as the in-memory index names it: A-7, R-2#3."""
    record_type, number = _record_id(rowid)
    card = -rowid % NUMBER_SPAN if rowid < 0 else 0
    return f"{record_type.PREFIX}-{number}" + (f"#{card}" if card else "")


def _record_id(rowid: int) -> tuple[type[Record], int]:
    if rowid > 0:
        return FeedbackItem, rowid
    kind_place, rest = divmod(-rowid, KIND_SPAN)
    return OTHER_TYPES[kind_place - 1], rest // NUMBER_SPAN


@dataclass(frozen=True)
class Candidates:
    records: list[Record]
    matches: dict[str, dict[str, float]]  # query word -> the stored words it stands for, with how well
    total: int  # documents holding one of the heavier words (plan_query)
    read: int  # documents read: fewer than total when only part of them were
    stats: WordStats  # the workspace's documents, and how many hold each query word

    def result(self, found: SearchResult) -> SearchResult:
        """The index's answer over these records, with the whole count when only part was read."""
        if self.total > self.read:
            return SearchResult(found.hits, max(found.total, self.total), found.hints)
        return found


class StoredSearch:
    """One process's handle on `search.sqlite`; `refresh` before `search`."""

    def __init__(self, store: Store):
        self.store = store
        # Not tied to the thread that opened it: the app's search runs in workers, one at a time (on_disk.py).
        self._db = open_derived(store.directory / SEARCH_DB_NAME, version=STORED_VERSION,
                                tables=("record_vocab", "record_words", "word_counts", "kept_words", "packing"), schema=_SCHEMA)
        self._db.create_function("prodops_stem", 1, stem, deterministic=True)
        self._counts: dict[str, int] = {}  # a MATCH expression -> how many documents hold it, while seq is
        self._counted_at: int | None = None
        self._packing: _WordPacking | None = None  # read again in each refresh: a rebuild elsewhere sets another
        self.rebuilt = False  # for tests: whether the last refresh started over
        self.rewrote_others = False  # and whether it rewrote every non-feedback record

    def close(self) -> None:
        self._db.close()

    # --- keeping up with the store ------------------------------------------------------

    def refresh(self) -> None:
        """Bring the stored words to the store's entry: the changed feedback items; every other
        record when any of them changed (an area's path and owners depend on other records,
        and there are few); or everything. Kept words that do not inflate: everything."""
        try:
            self._refresh(rebuild=False)
        except KeptWordsDamaged:
            self._refresh(rebuild=True)

    def _refresh(self, *, rebuild: bool) -> None:
        store = self.store
        self._db.execute("BEGIN IMMEDIATE")
        try:
            row = self._db.execute("SELECT version, seq FROM state WHERE id = 1").fetchone()
            changed = store.changed_after_entry(row[1]) if row and row[0] == STORED_VERSION and not rebuild else None
            feedback = [i for i in changed if i.startswith(FeedbackItem.PREFIX + "-")] if changed is not None else None
            self.rebuilt = feedback is None or len(feedback) > REBUILD_OVER
            self.rewrote_others = self.rebuilt or any(i.split("-")[0] in OTHER_PREFIXES for i in changed or ())
            touched: list[str] = []  # the words of every document removed or written, for their counts
            seq: int | None = None  # where the words are up to, when not where the store is at the end
            if self.rebuilt:
                self._db.execute("INSERT INTO record_words (record_words) VALUES ('delete-all')")
                self._db.execute("DELETE FROM kept_words")
                seq = store.seq  # the pages are read as the store is then: a change meanwhile is redone next time
                self._insert(self._rebuilding(store.iter_all(FeedbackItem)), words_back=False)
            else:
                packed = self._db.execute("SELECT zdict FROM packing WHERE id = 1").fetchone()
                if packed is None:
                    raise KeptWordsDamaged(f"{SEARCH_DB_NAME}: no dictionary")
                self._packing = _WordPacking(packed[0])
                numbers = [int(i.split("-")[1]) for i in feedback or ()]
                if numbers:  # none: no read (it would wait for the app's loading of every item)
                    touched += self._take_out("doc IN (SELECT value FROM json_each(?))", (json.dumps(numbers),))
                    touched += self._insert(store.get_many(FeedbackItem, numbers))
            if self.rewrote_others:
                if not self.rebuilt:
                    touched += self._take_out("doc < 0", ())
                touched += self._insert(r for t in OTHER_TYPES for r in store.all(t))
            self._recount(None if self.rebuilt or len(touched) > RECOUNT_ALL_OVER else touched)
            self._db.execute("INSERT OR REPLACE INTO state (id, version, seq) VALUES (1, ?, ?)", (STORED_VERSION, store.seq if seq is None else seq))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _rebuilding(self, items: Iterable[Record]) -> Iterable[Record]:
        """The items, once the dictionary is learned from the first of them and stored."""
        iterator = iter(items)
        first: list[Record] = []
        for item in iterator:
            first.append(item)
            if len(first) >= _DICTIONARY_FROM:
                break
        self._packing = _WordPacking.learned_from(_words(doc) for r in first for doc in documents_for(self.store, r))
        self._db.execute("INSERT OR REPLACE INTO packing (id, zdict) VALUES (1, ?)", (self._packing.zdict,))
        yield from first
        yield from iterator

    def _insert(self, records: Iterable[Record], *, words_back: bool = True) -> list[str]:
        """Store the records' documents; their words, one string a document (none on a rebuild,
        which recounts every word: the 100,000 documents stream in without a list of them)."""
        rows = ((_rowid(r, doc.id), _words(doc)) for r in records for doc in documents_for(self.store, r))
        kept: list[str] = []
        db = self._db
        while batch := list(itertools.islice(rows, 2_048)):
            assert self._packing is not None  # set by the refresh (a rebuild's, once its first items are read)
            pack = self._packing.pack
            db.executemany("INSERT INTO record_words (rowid, words) VALUES (?, ?)", batch)
            db.executemany("INSERT INTO kept_words (doc, packed) VALUES (?, ?)", ((rowid, pack(words)) for rowid, words in batch))
            if words_back:
                kept += (words for _, words in batch)
        return kept

    def _take_out(self, where: str, args: tuple) -> list[str]:
        """Take the documents `where` out of record_words, with the words they were filed under
        (a contentless table is told them), and give those words back."""
        assert self._packing is not None
        unpack = self._packing.unpack
        found = [(doc, unpack(packed)) for doc, packed in self._db.execute(f"SELECT doc, packed FROM kept_words WHERE {where}", args)]
        self._db.executemany("INSERT INTO record_words (record_words, rowid, words) VALUES ('delete', ?, ?)", found)
        self._db.executemany("DELETE FROM kept_words WHERE doc = ?", ((doc,) for doc, _ in found))
        return [words for _, words in found]

    def _recount(self, touched: list[str] | None) -> None:
        """Bring word_counts in step with record_words: every word (None), or the words of these
        documents, split into terms by FTS5 itself (a scratch table with the same tokenizer),
        so a count never drifts from what MATCH finds."""
        db = self._db
        if touched is None:
            db.execute("DELETE FROM word_counts")
            db.execute("INSERT INTO word_counts (term, docs, stem) SELECT term, doc, prodops_stem(term) FROM record_vocab")
            return
        if not touched:
            return
        db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.touched_words USING fts5(words, tokenize = \"{_TOKENIZER}\")")
        db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.touched_vocab USING fts5vocab(temp, touched_words, row)")
        db.execute("DELETE FROM temp.touched_words")
        db.executemany("INSERT INTO temp.touched_words (words) VALUES (?)", ((words,) for words in touched))
        for (term,) in db.execute("SELECT term FROM temp.touched_vocab").fetchall():
            row = db.execute("SELECT doc FROM record_vocab WHERE term = ?", (term,)).fetchone()
            if row:
                db.execute("INSERT OR REPLACE INTO word_counts (term, docs, stem) VALUES (?, ?, ?)", (term, row[0], stem(term)))
            else:
                db.execute("DELETE FROM word_counts WHERE term = ?", (term,))
        db.execute("DELETE FROM temp.touched_words")

    # --- searching ----------------------------------------------------------------------

    def search(self, query: str, *, kinds: Iterable[str] | None = None, limit: int = 20,
               per_kind: int | None = None) -> SearchResult:
        store = self.store
        parsed = parse_query(query, store)
        index = SearchIndex()
        if not parsed.words and not parsed.has_filters:
            # Nothing to look for ("", or "kind:" half typed): nothing found, and nothing read
            # (every record was read to find nothing: 15 s at 100k, for each such keystroke).
            return SearchResult([], 0, parsed.hints)
        if not parsed.words:
            # Filters only: every item may pass. The records the filters let through are
            # indexed, not all of them (100k: 3 s instead of 15 s).
            passing = [r for t in SEARCHED_TYPES for r in store.all(t) if any(parsed.accepts(d) for d in documents_for(store, r))]
            index.build_from(store, passing)
            return index.search(query, store, kinds=kinds, limit=limit, per_kind=per_kind)
        found = self.candidates(parsed.words)
        index.build_from(store, found.records)
        for word, matches in found.matches.items():
            index.seed_matches(word, matches)
        return found.result(index.search(query, store, kinds=kinds, limit=limit, per_kind=per_kind, stats=found.stats))

    def candidates(self, words: list[str]) -> Candidates:
        """The records a query's words can match, read from the store, what each word stands
        for over the whole vocabulary, and how many documents hold it."""
        self._forget_counts_if_changed()
        expansions = {word: self._matches(word) for word in dict.fromkeys(words)}
        groups = {word: "(" + " OR ".join(_quoted(w) for w in found) + ")" for word, found in expansions.items() if found}
        stats = WordStats(self._documents(), {word: self._count(group) for word, group in groups.items()})
        plan = plan_query(words, stats)
        rowids, total = self._candidates(plan, groups)
        wanted: dict[type[Record], dict[int, None]] = {}
        for rowid in rowids:
            record_type, number = _record_id(rowid)
            wanted.setdefault(record_type, {})[number] = None  # a retro once, whatever its cards
        records = [r for record_type, numbers in wanted.items() for r in self.store.get_many(record_type, list(numbers))]
        # An id's stored form is not the index's: it finds its own.
        matches = {word: found for word, found in expansions.items() if _NOT_WORD.search(word) is None}
        return Candidates(records, matches, total, len(rowids), stats)

    def _candidates(self, plan: QueryPlan, groups: dict[str, str]) -> tuple[list[int], int]:
        """The rowids to score, as SearchIndex._score and _select pick them, and how many
        documents hold one of the heavier words. Past SCORE_ALL of those: every one of the
        small kinds (the newest SELECTED) and SELECTED feedback items, plan.tiers first."""
        if not plan.bring:
            return [], 0
        match = " OR ".join(groups[word] for word in plan.bring)
        total = self._count(match)
        others = [r[0] for r in self._db.execute("SELECT rowid FROM record_words WHERE record_words MATCH ? AND rowid < 0", (match,))]
        if total <= SCORE_ALL:
            return others + [r[0] for r in self._db.execute(
                "SELECT rowid FROM record_words WHERE record_words MATCH ? AND rowid > 0", (match,))], total
        if len(others) > SELECTED:  # as SearchIndex._select: the newest SELECTED others
            others = sorted(others, key=lambda rowid: (_record_id(rowid)[1], _doc_id(rowid)), reverse=True)[:SELECTED]
        chosen: dict[int, None] = {}
        for tier in plan.tiers:
            if len(chosen) >= SELECTED:
                break
            self._take_newest(" AND ".join(groups[word] for word in tier), chosen)
        if len(chosen) < SELECTED:
            self._take_newest(match, chosen)
        return others + list(chosen), total

    def _take_newest(self, match: str, chosen: dict[int, None]) -> None:
        """Add the newest feedback items holding `match`, not chosen yet, up to SELECTED."""
        wanted = SELECTED - len(chosen)
        for (rowid,) in self._db.execute(
                "SELECT rowid FROM record_words WHERE record_words MATCH ? AND rowid > 0 ORDER BY rowid DESC LIMIT ?",
                (match, wanted + len(chosen))):
            if wanted <= 0:
                break
            if rowid not in chosen:
                chosen[rowid] = None
                wanted -= 1

    def _forget_counts_if_changed(self) -> None:
        """Counts are kept while the stored words are the same (typing asks for the same words
        again and again); a refresh, here or in another process, moves `seq` on."""
        row = self._db.execute("SELECT seq FROM state WHERE id = 1").fetchone()
        seq = row[0] if row else None
        if seq is None or seq != self._counted_at:
            self._counts = {}
            self._counted_at = seq

    def _count(self, match: str) -> int:
        found = self._counts.get(match)
        if found is None:
            found = self._db.execute("SELECT count(*) FROM record_words WHERE record_words MATCH ?", (match,)).fetchone()[0]
            if len(self._counts) > 2_000:
                self._counts = {}
            self._counts[match] = found
        return found

    def _documents(self) -> int:
        """How many documents are stored: FTS5's own table of their sizes, a row each (a
        count over record_words itself reads every row, 35 ms at 100k)."""
        found = self._counts.get("")
        if found is None:
            found = self._counts[""] = self._db.execute("SELECT count(*) FROM record_words_docsize").fetchone()[0]
        return found

    def _matches(self, word: str) -> dict[str, float]:
        """The stored words a query word stands for, with how well, as SearchIndex._matches
        finds them over the whole vocabulary (its counts are of documents, as the index's)."""
        word = _as_one_word(word)
        db = self._db
        found: dict[str, float] = {}
        if db.execute("SELECT 1 FROM word_counts WHERE term = ?", (word,)).fetchone():
            found[word] = 1.0
        keep = PREFIX_WORDS.get(len(word), MAX_PREFIX_WORDS)
        for (candidate,) in db.execute("SELECT term FROM word_counts WHERE term > ? AND term < ? ORDER BY docs DESC, term LIMIT ?",
                                       (word, word + "\U0010ffff", keep)):
            found[candidate] = 0.75 + 0.2 * len(word) / len(candidate)
        root = stem(word)
        if len(root) >= STEM_MIN_LENGTH:
            for (candidate,) in db.execute("SELECT term FROM word_counts WHERE stem = ?", (root,)):
                if found.get(candidate, 0.0) < SAME_STEM:
                    found[candidate] = SAME_STEM  # "inserts", "inserted" for "insert"
        if len(word) >= FUZZY_MIN_LENGTH:
            first = word[0]
            nearby = [r[0] for r in db.execute(
                "SELECT term FROM word_counts WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ? ORDER BY length(term), term",
                (first, first + "\U0010ffff", len(word) - 2, len(word) + 2))]
            cutoff = SHORT_FUZZY_SCORE if len(word) <= 5 else FUZZY_SCORE
            letters = sorted(word)
            for candidate, score, _ in process.extract(word, nearby, scorer=fuzz.ratio, score_cutoff=cutoff, limit=FUZZY_WORDS):
                if score >= FUZZY_SCORE or sorted(candidate) == letters:
                    found.setdefault(candidate, 0.5 * score / 100)
        return found


def _words(doc: SearchDoc) -> str:
    """What the in-memory index files a document under, one folded word after another."""
    return " ".join(dict.fromkeys([_as_one_word(doc.id), *words_of(doc.title), *words_of(doc.body)]))


def _as_one_word(word: str) -> str:
    """F-12, R-2#3 as one FTS5 token (f_12, r_2_3), as the in-memory index keeps an id whole."""
    return _NOT_WORD.sub("_", fold(word))


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def search_db_path(directory: Path) -> Path:
    return directory / SEARCH_DB_NAME


