"""The look-alike index kept on disk (`lookalikes.sqlite`), so a command or the app does not
read and weigh every item's text again, and `prodops duplicates` and `prodops similar` after a
change touch only what changed.

Two things are kept, each naming the journal entry it reflects:

The index's facts (`facts`, with the boilerplate and the words' rarity in `state`). Building
the index reads every item's text (23 s at 100,000 items of bench/run.py's data); what that
yields per item (its ItemFacts) is kept, and `index()` (the app's look-alikes) reads those
facts, not the texts, catching up from the store's change log (Store.changed_after_entry):
only the items changed since are read. When that is not known, or a quarter of the items
changed, or the workspace grew by a quarter since the rarity was learned (REGROW), it is built
again. The rarity (IDF) is reused as learned until then, so the scores worked out before hold.

The last grouping, node by node (`run` and the tables after it): each item's grouping columns
(its node, same-title key and root, short words, merged-into), each node's words (its vector is
weighed again from them and the stored rarity when read) and the terms it is filed under, the
near copies' leaders, the leaders' postings and their pairs at or above the threshold, the
cluster each leader ended in, the groups by what produced them, and what `duplicates` prints of
each grouped item. Reading the facts of 100,000 items back
and pairing in memory took 14-30 s after one capture; from these tables a capture is carried
on in SQL (`_carried_on`): its node is folded into a leader or paired with the leaders sharing
a filed term exactly as a full run pairs the last node, complete linkage is taken again only
where its pairs reach (duplicates.relink), and only the groups that changed are written back
(about 1 s at 100,000 items, most of it opening the store). A change that leaves the words
alone (a status, an area, a tag) regroups nothing. A merge or a delete takes the item out
(`_Carry.remove`), an undone merge puts it back (`_Carry.restore`), an edit of its words does
both, and a node that must come again in the middle of the order (an older import, the near
copies of a leader that went, a node whose oldest item went) is placed where a full run would
meet it, at a position between its neighbours' (`_Carry.place`). A same-title group that
loses an item has its titles joined again (an item left alone goes back to its node), and an
item alone under a title that a new or edited one takes leaves its node for the group. What
cannot be carried on exactly here (a node placed in the middle that a later node would now fold
into, or whose going would let one fold; a node that an item still to be placed shares; more
than CARRY_ON_AT_MOST changes) is worked out from the index in memory as before, resuming the
stored pairing (DuplicateIndex._pair), and the tables are written back as their difference.
Every answer equals pairing every item again with the same rarity
(tests/core/feedback/test_incremental_pairing.py, which also takes random merges, undos,
edits, deletes and older imports of real bugs).

`similar(store, ID)` answers from the same tables: the item's look-alikes among the nodes filed
under its terms (SQL), only their vectors read, merged families' words weighed together
as the index in memory does; after a capture it reads the capture alone.

Derived data: deleting the file loses nothing; a file that cannot be read, or of another
version, is built again; a workspace where it cannot be written answers from memory.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import threading
from bisect import bisect_left, insort
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from ..errors import NotFound, ProdopsError
from ..model import FeedbackItem, split_id
from ..storage.deflate import deflated, dictionary_of, inflated
from ..storage.derived import open_derived
from ..storage.store import Store
from ..text import first_line
from .boilerplate import Boilerplate
from .duplicates import (
    DUPLICATE_THRESHOLD, NEAR_COPY, NEAR_COPY_CANDIDATES, Cluster, DuplicateIndex, ItemFacts, Pairing, Rarity,
    SimilarItem, check_index_fits, facts_of, pair_score, relink, requests_by_key,
)
from .lookalikes import MIN_TERMS, REGROW, Profile, Vectors, own_title

_T = TypeVar("_T")
_P = ParamSpec("_P")

LOOKALIKES_DB_NAME = "lookalikes.sqlite"
STORED_VERSION = 11  # 2: the groups keep what is shown; 3: the rarity and the pairing; 4: the run node by node;
# 5: what `similar` reads (parents, titles, every node filed); 6: nodes in a rowid table (see _SCHEMA);
# 7: an item's facts and a node's words compressed, a node's key 32 hex digits (node_key);
# 8: a cut kept as a 64-bit hash (_cut_key); 9: a node's title words, not its vector (_node_vector), its key
# 16 hex digits; 10: the key a 64-bit integer, `nodes` keyed by it; 11: packed against the file's dictionary
# (_Packing), a surface form kept as what it adds to its word
SHOWN_CHARS = 200  # of a grouped item's text, kept to print
REBUILD_SHARE = 0.25  # more changed items than this share of those stored: build again
NODE_CACHE_SIZE = 20_000  # stored nodes a StoredSimilar keeps decoded between look-ups (a few MB)
CARRY_ON_AT_MOST = 500  # changed items the groups are carried on for in SQL; more: the index in memory

_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL,
    seq INTEGER NOT NULL, boilerplate TEXT NOT NULL, rarity TEXT NOT NULL, learned_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS facts (number INTEGER PRIMARY KEY, data BLOB NOT NULL);  -- _Packing
CREATE TABLE IF NOT EXISTS run (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,
    learned_seq INTEGER NOT NULL, threshold REAL NOT NULL);
CREATE TABLE IF NOT EXISTS items (number INTEGER PRIMARY KEY, received TEXT NOT NULL, merged INTEGER NOT NULL,
    node INTEGER, request TEXT NOT NULL, named INTEGER NOT NULL, root TEXT, exact TEXT NOT NULL, quiet INTEGER NOT NULL,
    parent INTEGER, title TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS items_parent ON items (parent);
CREATE INDEX IF NOT EXISTS items_exact ON items (exact);
CREATE INDEX IF NOT EXISTS items_order ON items (received, number);
CREATE INDEX IF NOT EXISTS items_node ON items (node);
CREATE INDEX IF NOT EXISTS items_request ON items (request);
CREATE INDEX IF NOT EXISTS items_root ON items (root);
CREATE TABLE IF NOT EXISTS cuts (cut INTEGER NOT NULL, number INTEGER NOT NULL);  -- _cut_key
CREATE INDEX IF NOT EXISTS cuts_cut ON cuts (cut);
-- A rowid table: a node's row (about 1.4 KB) is more than a WITHOUT ROWID table keeps in its page,
-- and each row's overflow page was mostly empty (at 100k items 135 of the table's 248 MB unused).
-- counts, surface: _Packing (surface _added); title: JSON, the title's words among the counts (_node_title).
CREATE TABLE IF NOT EXISTS nodes (key INTEGER PRIMARY KEY, counts BLOB NOT NULL, title TEXT NOT NULL,
    names TEXT NOT NULL, surface BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS filed (term TEXT NOT NULL, key INTEGER NOT NULL, PRIMARY KEY (term, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cnodes (rep INTEGER PRIMARY KEY, key INTEGER NOT NULL, leader INTEGER NOT NULL, pos INTEGER,
    cluster INTEGER);
CREATE INDEX IF NOT EXISTS cnodes_key ON cnodes (key);
CREATE INDEX IF NOT EXISTS cnodes_pos ON cnodes (pos);
CREATE INDEX IF NOT EXISTS cnodes_leader ON cnodes (leader);
CREATE INDEX IF NOT EXISTS cnodes_cluster ON cnodes (cluster);
CREATE TABLE IF NOT EXISTS edges (a INTEGER NOT NULL, b INTEGER NOT NULL, score REAL NOT NULL,
    PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_b ON edges (b);
CREATE TABLE IF NOT EXISTS postings (term TEXT NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY (term, pos)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS groups (origin TEXT NOT NULL, kind TEXT NOT NULL, low INTEGER NOT NULL, score REAL,
    received TEXT NOT NULL, number INTEGER NOT NULL, ids TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS groups_origin ON groups (origin);
CREATE TABLE IF NOT EXISTS shown (number INTEGER PRIMARY KEY, text TEXT NOT NULL, title TEXT NOT NULL);
-- What facts and nodes are deflated against (_Packing): set by the file's first build, never changed
-- (not dropped with the other tables: see _TABLES).
CREATE TABLE IF NOT EXISTS packing (id INTEGER PRIMARY KEY CHECK (id = 1), zdict BLOB NOT NULL);
"""
# Not `packing`: a file whose state is forgotten (a repair) or of another version is built again,
# and a process that has it open keeps reading its rows with the dictionary it read first.
_TABLES = ("facts", "run", "items", "cuts", "nodes", "filed", "cnodes", "edges", "postings", "groups", "shown",
           "pairing")  # pairing: version 3's, dropped
_RUN_TABLES = ("run", "items", "cuts", "nodes", "filed", "cnodes", "edges", "postings", "groups", "shown")
_INDEXES = [line.split()[5] for line in _SCHEMA.splitlines() if line.startswith("CREATE INDEX")]
_ITEM_COLUMNS = ("number", "received", "merged", "node", "request", "named", "root", "exact", "quiet", "parent", "title")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_DICTIONARY_FROM = 5_000  # facts


class _Packing:
    """JSON, deflated against the file's dictionary: an item's facts and a node's weights and
    words were most of the file (at 100,000 items 84 and 155 of its 402 MB plain). The
    dictionary holds the word counts and surface forms most used by the first build's facts,
    so a fact's words cost a few bits each (`packing`: set once, every process reads every
    row with it)."""

    __slots__ = ("zdict",)

    def __init__(self, zdict: bytes):
        self.zdict = zdict

    @classmethod
    def learned_from(cls, facts: Iterable[ItemFacts]) -> _Packing:
        used: Counter[str] = Counter()
        for fact in facts:
            used.update(_json({term: count})[1:-1] + "," for term, count in fact.profile.counts.items())
            used.update(_json({term: form})[1:-1] + "," for term, form in _added(fact.profile.surface).items())
        return cls(dictionary_of(used))

    def pack(self, value: object) -> bytes:
        return deflated(_json(value).encode(), self.zdict)

    def unpack(self, data: bytes) -> Any:
        text = inflated(data, self.zdict)
        if text is None:
            raise LookalikesDamaged("row", "it does not inflate")
        return _stored_json(text)


def _stored_json(text: str | bytes) -> Any:
    """A JSON text the file keeps (a node's title words, the state's rarity, a group's ids), as
    LookalikesDamaged when it does not parse."""
    try:
        return json.loads(text)
    except (ValueError, TypeError) as exc:
        raise LookalikesDamaged("row", exc.__class__.__name__) from exc


class LookalikesDamaged(ProdopsError):
    """A row of lookalikes.sqlite does not inflate or parse (a disk error, a hand edit): a look-up
    says so in one line, and StoredLookalikes.index() builds the file's rows again."""

    def __init__(self, row: str, why: str):
        super().__init__(f"{LOOKALIKES_DB_NAME}: a stored {row} does not read back ({why}); "
                         "the look-alikes are worked out again at the next scan")


_WHOLE = "\x00"  # a surface form that does not start with its word: kept whole after this


def _added(surface: dict[str, str]) -> dict[str, str]:
    """Surface forms as what each adds to its word ("compa": "nion" for "companion"): 2,085,575 of
    2,090,017 start with it at 100,000 items, and the rest is what is left to deflate."""
    return {term: form[len(term):] if form[:len(term)] == term and form[len(term):len(term) + 1] != _WHOLE else _WHOLE + form
            for term, form in surface.items()}


def _whole(kept: dict[str, str]) -> dict[str, str]:
    return {term: rest[1:] if rest.startswith(_WHOLE) else term + rest for term, rest in kept.items()}


def _node_title(profile: Profile) -> str:
    """The words of a node's title that weigh (those it counts), as `nodes.title` keeps them."""
    return _json(sorted(term for term in profile.title if term in profile.counts))


def _node_vector(vectors: Vectors, counts: dict[str, int], title: str) -> dict[str, float]:
    """A stored node's vector, weighed again from its words with the rarity the tables were built
    with (`state`; the nodes are deleted when it is learned again): the same floats as the vector
    weighed when it was stored, in the same order (tests/core/feedback/test_stored_lookalikes.py).
    Kept as well, the vectors were the biggest column of lookalikes.sqlite: at 100,000 items 32 of
    its 224 MB, where the title's words take about 30 bytes a node."""
    return vectors.weigh(Profile(counts, frozenset(_stored_json(title)), {}))


NodeKey = int


def node_key(profile: Profile) -> NodeKey:
    """A profile's node, as stored: equal for profiles with equal `Profile.key` (one node for copies).
    64 bits of SHA-256: two of a million profiles share a key with odds of about 1 in 37 million,
    as two titles share a cut (_cut_key). Every row that names a node holds it (`filed` about five
    a node): the whole 64-digit digest cost 28 MB of the file at 100,000 items (275 -> 247 MB),
    and 32 digits about 12 MB more than 16. Kept as a signed 64-bit integer, not 16 hex digits:
    `nodes` keys its rows by it (no second index of the keys) and every other row holding one
    takes 8 bytes, not 17. Shifted down by 2**63, the keys sort as the hex digits did."""
    digest = hashlib.sha256(_json([sorted(profile.counts.items()), sorted(profile.title), sorted(profile.names)]).encode())
    return int.from_bytes(digest.digest()[:8], "big") - (1 << 63)


def _columns(fact: ItemFacts, *, with_node: bool = True) -> tuple[str, int, NodeKey | None, str, int, str, int, int | None]:
    """What the groups need of an item, as the `items` table keeps it (its root and title aside)."""
    comparable = fact.profile.comparable
    return (fact.order[0], int(fact.duplicate_of is not None),
            node_key(fact.profile) if comparable and with_node else None,
            fact.request_key, int(fact.request_named), "" if comparable else fact.short_words, int(fact.quiet),
            _parent(fact))


def _parent(fact: ItemFacts) -> int | None:
    """The number of the item it was merged into (None for another kind of id: never one here)."""
    parent = fact.duplicate_of
    if not parent or not parent.startswith(FeedbackItem.PREFIX + "-") or not parent[2:].isdigit():
        return None
    return int(parent[2:])


def _sync(db: sqlite3.Connection, table: str, columns: tuple[str, ...], keyed_by: int, rows: Iterable[tuple],
          *, in_key_order: bool = False) -> None:
    """Make `table` hold exactly `rows`, writing only the rows that differ (the first `keyed_by`
    columns are its key). `in_key_order`: the rows come sorted by their key, each once."""
    names = ", ".join(columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None:
        # A first build: every row is new. Written as they come when they come in order (the
        # pairs: 685,000 rows at 100,000 items, tens of millions at a million), else sorted in
        # place, with no set of the rows and no key tuple each (170 MB over the build's peak at
        # 100k); the key columns are unique, so a row's later columns are compared only in a
        # copy of a row.
        if in_key_order:
            db.executemany(insert, rows)
            return
        rows = rows if isinstance(rows, list) else list(rows)
        rows.sort()
        db.executemany(insert, (row for i, row in enumerate(rows) if i == 0 or row != rows[i - 1]))
        return
    stored: set[tuple] = set(db.execute(f"SELECT {names} FROM {table}"))
    wanted: set[tuple] = set(rows)
    key = " AND ".join(f"{column} = ?" for column in columns[:keyed_by])
    db.executemany(f"DELETE FROM {table} WHERE {key}", (row[:keyed_by] for row in stored - wanted))
    added: list[tuple] = sorted(wanted - stored, key=lambda row: row[:keyed_by])  # in key order: appended to the b-tree
    db.executemany(insert, added)


def _pairs_in_order(edges: dict[int, dict[int, float]]) -> Iterator[tuple[int, int, float]]:
    """Each pair (a < b) once, by a then b, as the edges table keeps them."""
    for a in sorted(edges):
        linked = edges[a]
        for b in sorted(linked):
            if a < b:
                yield a, b, linked[b]


def _cuts(key: str) -> list[str]:
    """The shorter titles a request title is the same request as (requests_by_key's openers)."""
    words = key.split()
    return [" ".join(words[cut:]) for cut in range(1, min(3, len(words) - 3) + 1)]


def _cut_key(title: str) -> int:
    """A request title as `cuts` keeps it: 64 bits of its BLAKE2b hash. Kept as text, the titles and
    their index were 31 MB of lookalikes.sqlite at 100,000 items; a look-up asks for one title's
    items, and two of a million titles share a hash with odds of about 1 in 37 million."""
    return int.from_bytes(hashlib.blake2b(title.encode(), digest_size=8).digest(), "big", signed=True)


def _encode(fact: ItemFacts, packing: _Packing) -> bytes:
    p = fact.profile
    return packing.pack([fact.id, fact.duplicate_of, list(fact.order), fact.title, fact.request_key, fact.request_named,
                         p.counts, sorted(p.title), _added(p.surface), sorted(p.names), p.titled, fact.short_words, fact.quiet])


def _decode(data: bytes, packing: _Packing) -> ItemFacts:
    try:
        (item_id, duplicate_of, order, title, request_key, request_named, counts, title_terms, surface, names, titled,
         short_words, quiet) = packing.unpack(data)
        profile = Profile(counts, frozenset(title_terms), _whole(surface), frozenset(names), titled)
        return ItemFacts(item_id, duplicate_of, (order[0], order[1]), title, request_key, request_named, profile,
                         short_words, quiet)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:  # JSON, but not a fact's
        raise LookalikesDamaged("fact", exc.__class__.__name__) from exc


def number_of(item_id: str) -> int:
    return split_id(item_id)[1]


class StoredLookalikes:
    """One process's handle on `lookalikes.sqlite`: `index()` for look-alikes, `groups()` for the inbox's groups."""

    def __init__(self, store: Store):
        self.store = store
        self._db = open_derived(store.directory / LOOKALIKES_DB_NAME, version=STORED_VERSION,
                                tables=_TABLES, schema=_SCHEMA)
        self.rebuilt = False  # for tests: whether the last `index()` read every item again
        self.read_items = 0  # and how many items it read
        self.groups_read_back = False  # and whether the last `groups()` read them back as stored
        self.paired_afresh = 0  # and how many nodes it paired again (not kept from the stored run)
        self.carried_on = False  # and whether the last `groups()` carried the stored run on in SQL
        self.shown: dict[str, tuple[str, str]] = {}  # grouped item id -> (its text's start, its own title)
        self._learned_seq = -1  # the change after which the index's rarity was learned
        self._read: dict[int, FeedbackItem] = {}  # items read from the store at its `_read_at` entry
        self._read_at = -1
        self._index_seq = -1  # the store entry the last `index()` reflects
        self._packing: _Packing | None = None

    @property
    def packing(self) -> _Packing:
        """The file's dictionary (set by its first build and never changed, so kept once read)."""
        if self._packing is None:
            row = self._db.execute("SELECT zdict FROM packing WHERE id = 1").fetchone()
            if row is None:  # nothing packed yet: the first build learns it (_built)
                return _Packing(b"")
            self._packing = _Packing(row[0])
        return self._packing

    def _items(self, numbers: list[int]) -> list[FeedbackItem]:
        """These feedback items as the store holds them now (those that exist), each read once."""
        if self._read_at != self.store.seq:
            self._read, self._read_at = {}, self.store.seq
        missing = [number for number in numbers if number not in self._read]
        self._read.update({number_of(item.id): item for item in self.store.get_many(FeedbackItem, missing)})
        return [self._read[number] for number in numbers if number in self._read]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> StoredLookalikes:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- the index --------------------------------------------------------------------------

    def index(self) -> DuplicateIndex:
        """The look-alike index of the store as it is now: the stored facts, the items changed
        since read again; built from every item when that is not known. Stored back."""
        store = self.store
        self._db.execute("BEGIN IMMEDIATE")
        try:
            state = self._db.execute("SELECT seq, boilerplate, rarity, learned_seq FROM state WHERE id = 1").fetchone()
            seq = store.seq  # what the index reflects at least (reading items may catch the store up further)
            changed = store.changed_after_entry(state[0]) if state else None
            feedback = sorted(number_of(i) for i in changed if i.startswith(FeedbackItem.PREFIX + "-")) if changed is not None else None
            stored = self._db.execute("SELECT count(*) FROM facts").fetchone()[0]
            index = None
            learned = _stored_json(state[1]) if state else None
            if feedback is not None and learned and len(feedback) <= REBUILD_SHARE * stored + 100:
                boilerplate = Boilerplate(frozenset(learned["shared"]), frozenset(learned["common"]))
                frequency, documents = _stored_json(state[2])
                try:
                    index = self._caught_up(feedback, boilerplate, learned["items"], Rarity(frequency, documents))
                except LookalikesDamaged:
                    index = None  # the stored facts do not read back: every item is read again below
                if index is not None:
                    self._learned_seq = state[3]
            if index is None:
                index = self._built()
                learned = {"shared": sorted(index.boilerplate.shared), "common": sorted(index.boilerplate.common),
                           "items": len(index._items)}  # how many items the boilerplate was learned from
                self._learned_seq = seq
                rarity = json.dumps([index.rarity.document_frequency, index.rarity.documents], ensure_ascii=False,
                                    separators=(",", ":"))
                self._db.execute("INSERT OR REPLACE INTO state (id, version, seq, boilerplate, rarity, learned_seq) "
                                 "VALUES (1, ?, ?, ?, ?, ?)",
                                 (STORED_VERSION, seq, json.dumps(learned), rarity, self._learned_seq))
            else:  # caught up: what was learned stays as stored (megabytes of word counts at 100k)
                self._db.execute("UPDATE state SET seq = ? WHERE id = 1", (seq,))
            self._db.execute("COMMIT")
            self._index_seq = seq
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return index

    def _built(self) -> DuplicateIndex:
        index = DuplicateIndex.build(self.store)
        self.rebuilt, self.read_items = True, len(index._items)
        self._db.execute("DELETE FROM facts")
        self._db.execute("DELETE FROM run")  # scored with the rarity learned before
        self._db.execute("DELETE FROM nodes")  # weighed with it
        self._db.execute("DELETE FROM filed")
        facts = index.facts()
        if self._db.execute("SELECT 1 FROM packing WHERE id = 1").fetchone() is None:
            self._db.execute("INSERT INTO packing (id, zdict) VALUES (1, ?)", (_Packing.learned_from(facts[:_DICTIONARY_FROM]).zdict,))
        packing = self.packing
        self._db.executemany("INSERT INTO facts (number, data) VALUES (?, ?)",
                             ((number_of(fact.id), _encode(fact, packing)) for fact in facts))
        return index

    def _caught_up(self, numbers: list[int], boilerplate: Boilerplate, learned_from: int,
                   rarity: Rarity) -> DuplicateIndex | None:
        wanted = set(numbers)
        check_index_fits(self.store, self._db.execute("SELECT count(*) FROM facts").fetchone()[0] + len(numbers))
        packing = self.packing
        facts = [_decode(data, packing) for number, data in self._db.execute("SELECT number, data FROM facts") if number not in wanted]
        items = self.store.get_many(FeedbackItem, numbers) if numbers else []
        if len(facts) + len(items) > REGROW * learned_from + 100:
            return None  # grown by a quarter since the boilerplate was learned: learn it again
        index = DuplicateIndex(self.store, items, boilerplate=boilerplate, facts=facts, rarity=rarity)
        self.rebuilt, self.read_items = False, len(items)
        if numbers:
            self._db.executemany("DELETE FROM facts WHERE number = ?", ((n,) for n in numbers))
            self._db.executemany("INSERT INTO facts (number, data) VALUES (?, ?)",
                                 ((number_of(item.id), _encode(index._items[item.id].facts, packing)) for item in items))
        return index

    # --- the groups -------------------------------------------------------------------------

    def groups(self, *, threshold: float = DUPLICATE_THRESHOLD, index: DuplicateIndex | None = None,
               should_stop: Callable[[], bool] | None = None) -> list[Cluster]:
        """likely_duplicate_clusters (every group, low-information ones too) of the store as it
        is: those stored when nothing changed since; after a few changes carried on in SQL from
        the stored run (`_carried_on`, no item read but the changed ones); else worked out from
        the index in memory and stored. `shown` then holds, for each grouped item, the start of
        its text and its own title: what `prodops duplicates` prints, kept with the groups so
        that printing reads no item (at 100,000 items reading the grouped ones took 2.4 s)."""
        found = self._carried_on(threshold)
        if found is not None:
            if index is not None:
                index.paired_afresh = self.paired_afresh
            return found
        if index is None:
            index = self.index()
        self._resume_pairing(index)
        found = index.clusters(threshold=threshold, should_stop=should_stop)
        self.paired_afresh = index.paired_afresh
        if should_stop is not None and should_stop():
            return []  # abandoned: nothing stored
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self.shown = self._shown(found)
            self._store_run(index, found, threshold)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return found

    def _shown(self, found: list[Cluster]) -> dict[str, tuple[str, str]]:
        """Each grouped item's text start and own title: those stored with the last groups for
        the items unchanged since, the others read (after a capture, one item instead of every
        grouped one: 78,000 at 100,000 items, 3 s)."""
        row = self._db.execute("SELECT seq FROM run WHERE id = 1").fetchone()
        changed = self.store.changed_after_entry(row[0]) if row else None
        before: dict[int, tuple[str, str]] = {}
        if changed is not None:
            gone = {number_of(item_id) for item_id in changed if item_id.startswith(FeedbackItem.PREFIX + "-")}
            before = {number: (text, title) for number, text, title in self._db.execute(
                "SELECT number, text, title FROM shown") if number not in gone}
        shown: dict[str, tuple[str, str]] = {}
        wanted: list[int] = []
        for group in found:
            for item_id in group:
                number = number_of(item_id)
                if number in before:
                    shown[item_id] = before[number]
                else:
                    wanted.append(number)
        for start in range(0, len(wanted), 512):  # a page at a time: 23,000 at once were the first build's peak at 30k
            shown.update({item.id: shown_of(item) for item in self.store.get_many(FeedbackItem, wanted[start:start + 512])})
        return shown

    # --- the run kept node by node ------------------------------------------------------------

    def _store_run(self, index: DuplicateIndex, found: list[Cluster], threshold: float) -> None:
        """Keep what index.clusters() decided, node by node, for `_carried_on` to carry on from:
        each item's grouping columns, each node's vector, the leaders' postings and pairs, the
        cluster each leader ended in, the groups by what they came from, and what is shown.
        Written as the difference from what is stored (after an edit most rows are the same:
        writing all 700,000 pairs of 100,000 items again took 5 s more)."""
        run = index.last_run
        db = self._db
        if (run is None or run.include_merged or run.threshold != threshold or self._learned_seq < 0
                or self._index_seq < 0):
            for table in _RUN_TABLES:
                db.execute(f"DELETE FROM {table}")
            return
        db.execute("DELETE FROM run")
        afresh = db.execute("SELECT 1 FROM items LIMIT 1").fetchone() is None
        if afresh:  # every row is new: the indexes are built once, at the end
            for name in _INDEXES:
                db.execute(f"DROP INDEX IF EXISTS {name}")
        requests = index._requests
        key_of = {node: node_key(profile) for node, profile in enumerate(index._node_profile) if profile is not None}
        known = {key for (key,) in db.execute("SELECT key FROM nodes")}
        # In key order: `nodes` is keyed by it, and rows added out of order leave its pages part empty.
        added = {key: node for key, node in sorted((key, node) for node, key in key_of.items() if key not in known)}
        pack = self.packing.pack
        db.executemany("INSERT INTO nodes (key, counts, title, names, surface) VALUES (?, ?, ?, ?, ?)",
                       ((key, pack(profile.counts), _node_title(profile), _json(sorted(profile.names)),
                         pack(_added(profile.surface)))
                        for key, node in added.items() if (profile := index._node_profile[node]) is not None))
        filed = index._vectors.filed
        db.executemany("INSERT INTO filed (term, key) VALUES (?, ?)",
                       ((term, key) for key, node in added.items() for term in filed[node]))
        items = []
        cuts = []
        for entry in index._items.values():
            fact = entry.facts
            number = number_of(fact.id)
            received, merged, _node, request, named, exact, quiet, parent = _columns(fact, with_node=False)
            items.append((number, received, merged, key_of[entry.node] if entry.node is not None else None, request,
                          named, requests.get(fact.id), exact, quiet, parent, fact.title))
            if request and not named:
                cuts += [(_cut_key(cut), number) for cut in _cuts(request)]
        _sync(db, "items", _ITEM_COLUMNS, 1, items)
        _sync(db, "cuts", ("cut", "number"), 2, cuts)
        position = {node: n for n, node in enumerate(run.leaders)}
        rep_of = {node: number_of(rep) for node, rep, _leader in run.cnodes}
        cluster_of = {pos: min(cluster) for pos, cluster in run.partition.items()}
        _sync(db, "cnodes", ("rep", "key", "leader", "pos", "cluster"), 1,
              [(rep_of[node], key_of[node], rep_of[leader], position.get(node),
                cluster_of[position[node]] if node in position else None) for node, _rep, leader in run.cnodes])
        _sync(db, "edges", ("a", "b", "score"), 2, _pairs_in_order(run.edges), in_key_order=True)
        _sync(db, "postings", ("term", "pos"), 2,
              [(term, pos) for pos, node in enumerate(run.leaders) for term in filed[node]])
        leader_of = {rep: leader for _node, rep, leader in run.cnodes}
        entries = index._items
        rows = []
        for group in found:
            first = group[0]
            if group.kind == "similar":  # its first item is the oldest of its node: that node's rep
                origin = f"c{cluster_of[position[leader_of[first]]]}"
            elif group.kind == "same-title":
                origin = f"t{requests[first]}"
            else:
                origin = "e"
            fact = entries[first].facts
            rows.append((origin, group.kind, int(group.low_information), group.score, fact.order[0],
                         number_of(first), _json(list(group))))
        db.execute("DELETE FROM groups")
        db.executemany("INSERT INTO groups (origin, kind, low, score, received, number, ids) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       rows)
        _sync(db, "shown", ("number", "text", "title"), 1,
              [(number_of(item_id), text, title) for item_id, (text, title) in self.shown.items()])
        if afresh:
            for statement in _SCHEMA.split(";"):
                code = "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("--"))
                if code.strip().startswith("CREATE INDEX"):  # a comment after a table's ";" opens the next
                    db.execute(code)
        db.execute("INSERT INTO run (id, seq, learned_seq, threshold) VALUES (1, ?, ?, ?)",
                   (self._index_seq, self._learned_seq, threshold))

    def _resume_pairing(self, index: DuplicateIndex) -> None:
        """Give an index without a pairing of its own the one stored, when it was scored with the
        same rarity: its next clusters() then pairs only the items changed since."""
        if index.pairing is not None or self._learned_seq < 0:
            return
        row = self._db.execute("SELECT seq, learned_seq, threshold FROM run WHERE id = 1").fetchone()
        if row is None or row[1] != self._learned_seq:
            return
        changed = self.store.changed_after_entry(row[0])
        if changed is None:
            return
        cnodes = self._db.execute("SELECT c.rep, c.leader, c.pos FROM cnodes c JOIN items i ON i.number = c.rep "
                                  "ORDER BY i.received, i.number").fetchall()
        prefix = FeedbackItem.PREFIX + "-"
        rep_at = {pos: rep for rep, _leader, pos in cnodes if pos is not None}
        edges = [(f"{prefix}{rep_at[a]}", f"{prefix}{rep_at[b]}", score)
                 for a, b, score in self._db.execute("SELECT a, b, score FROM edges")]
        index.resume_pairing(Pairing(row[2], False, [f"{prefix}{rep}" for rep, _leader, _pos in cnodes],
                                     {f"{prefix}{rep}": f"{prefix}{leader}" for rep, leader, _pos in cnodes
                                      if leader != rep}, edges), changed)

    # --- carrying the groups on in SQL ----------------------------------------------------------

    def _carried_on(self, threshold: float, *, assemble: bool = True) -> list[Cluster] | None:
        """The groups of the store as it is, from the run stored and the items changed since,
        without the index in memory; None when that cannot be done exactly here (then the caller
        works them out in memory and stores them).

        Carried on: items whose grouping is unchanged (a status, an area, a tag: the same words),
        items merged into another or deleted (_Carry.remove), merges undone (_Carry.restore),
        edits (out, then in again) and new items wherever they fall in the order (captures, a
        sync's new issues, an older import). A new item joins its node, its same-title group or
        the short texts; a new node is folded into a leader or paired with the leaders sharing a
        filed term (the stored postings), exactly as DuplicateIndex._pair meets it (_Carry.place);
        complete linkage is then taken again only for the clusters it touches (duplicates.relink).
        What those refuse, more than CARRY_ON_AT_MOST changes and growth past REGROW are left to
        the index in memory."""
        db = self._db
        row = db.execute("SELECT seq, learned_seq, threshold FROM run WHERE id = 1").fetchone()
        state = db.execute("SELECT learned_seq FROM state WHERE id = 1").fetchone()
        if row is None or state is None or row[1] != state[0] or row[2] != threshold:
            return None
        if row[0] == self.store.seq:
            self.groups_read_back, self.paired_afresh = True, 0
            return self._assembled([]) if assemble else []
        self.groups_read_back = False
        db.execute("BEGIN IMMEDIATE")
        try:
            found = self._carry_on(threshold, assemble=assemble)
            if found is None:
                db.execute("ROLLBACK")
            else:
                db.execute("COMMIT")
            return found
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _carry_on(self, threshold: float, *, assemble: bool = True) -> list[Cluster] | None:
        db, store = self._db, self.store
        run = db.execute("SELECT seq, learned_seq, threshold FROM run WHERE id = 1").fetchone()
        state = db.execute("SELECT boilerplate, rarity, learned_seq FROM state WHERE id = 1").fetchone()
        if run is None or state is None or run[1] != state[2] or run[2] != threshold:
            return None
        seq = store.seq  # stamped: reading the items may catch the store up past the changes asked for
        changed = store.changed_after_entry(run[0])
        if changed is None:
            return None
        numbers = sorted(number_of(i) for i in changed if i.startswith(FeedbackItem.PREFIX + "-"))
        stored = db.execute("SELECT count(*) FROM items").fetchone()[0]
        if len(numbers) > min(CARRY_ON_AT_MOST, REBUILD_SHARE * stored + 100):
            return None
        learned = _stored_json(state[0])
        items = self._items(numbers)
        present = {number_of(item.id) for item in items}
        boilerplate = Boilerplate(frozenset(learned["shared"]), frozenset(learned["common"]))
        new: list[ItemFacts] = []
        reread: list[FeedbackItem] = []
        leaving: list[tuple[int, ItemFacts | None]] = []  # merged now (its facts), or deleted (None)
        returning: list[ItemFacts] = []  # merged before, not now
        for number in numbers:
            if number not in present and db.execute("SELECT 1 FROM items WHERE number = ?", (number,)).fetchone():
                leaving.append((number, None))
        for item in items:
            fact = facts_of(item, boilerplate)
            old = db.execute("SELECT received, merged, node, request, named, exact, quiet, parent FROM items "
                             "WHERE number = ?", (number_of(item.id),)).fetchone()
            if old is None:
                new.append(fact)
            elif tuple(old) != (columns := _columns(fact)):
                if tuple(old[:1]) + tuple(old[2:7]) != columns[:1] + columns[2:7]:
                    leaving.append((number_of(item.id), None))  # its words, title or date changed: out,
                    new.append(fact)  # and in again as it is now
                elif old[1] == 0 and columns[1] == 1:
                    leaving.append((number_of(item.id), fact))  # merged into another: it leaves its group
                elif old[1] == 1 and columns[1] == 0:
                    returning.append(fact)  # a merge undone
                else:
                    return None  # merged into another survivor
            else:
                reread.append(item)  # grouped as before; what is shown of it may have changed
                db.execute("UPDATE items SET title = ? WHERE number = ?", (fact.title, number_of(item.id)))
        if stored + len(new) > REGROW * learned["items"] + 100:
            return None  # the index in memory learns the rarity again
        frequency, documents = _stored_json(state[1])
        carry = _Carry(db, Vectors(frequency, documents), threshold, self.packing)
        for number, merged in leaving:  # first: what comes is placed as if these never were
            if not carry.remove(number, merged):
                return None
        for fact in returning:
            if not carry.restore(fact):
                return None
        # Then every node that comes, in the order a full run meets them: new and edited items,
        # and the nodes that were taken out to be placed again.
        coming: list[tuple[tuple[str, int], ItemFacts | tuple[int, NodeKey]]] = [(fact.order, fact) for fact in new]
        coming += [(order, (number, key)) for order, number, key in carry.arrivals]
        carry.pending = {key for _order, _number, key in carry.arrivals}
        placed = len(carry.arrivals)
        for order, what in sorted(coming, key=lambda pair: pair[0]):
            if isinstance(what, ItemFacts):
                if not carry.add(what):
                    return None
            else:
                carry.pending.discard(what[1])
                if not carry.place(what[0], what[1], order):
                    return None
        while placed < len(carry.arrivals):  # nodes that a new title took items from, come again
            order, number, key = carry.arrivals[placed]
            placed += 1
            carry.pending.discard(key)
            if not carry.place(number, key, order):
                return None
        carry.regroup()
        self.paired_afresh, self.read_items, self.rebuilt, self.carried_on = carry.paired, len(items), False, True
        db.execute("UPDATE run SET seq = ? WHERE id = 1", (seq,))
        if not assemble:
            return []
        return self._assembled(reread, new_items=[item for item in items if item.id in carry.added])

    def _assembled(self, reread: Sequence[FeedbackItem], new_items: Sequence[FeedbackItem] = ()) -> list[Cluster]:
        """The stored groups in likely_duplicate_clusters' order, and `shown` for their items
        (those `reread`, or grouped and not shown before, read from the store and kept)."""
        similar: list[tuple[tuple[int, str, int], Cluster]] = []
        identical: list[tuple[tuple[int, int, str, int], Cluster]] = []
        short: list[Cluster] = []
        for kind, low, score, received, number, ids in self._db.execute(
                "SELECT kind, low, score, received, number, ids FROM groups"):
            cluster = Cluster(_stored_json(ids), kind, low_information=bool(low), score=score)
            if kind in ("similar", "same-title"):
                similar.append(((-len(cluster), received, number), cluster))
            elif kind == "identical":
                identical.append(((low, -len(cluster), received, number), cluster))
            else:
                short.append(cluster)
        similar.sort(key=lambda pair: pair[0])
        identical.sort(key=lambda pair: pair[0])
        found = [cluster for _key, cluster in similar] + [cluster for _key, cluster in identical] + short
        grouped = {number_of(item_id): item_id for group in found for item_id in group}
        shown = {grouped[number]: (text, title) for number, text, title in self._db.execute(
            "SELECT number, text, title FROM shown") if number in grouped}
        fresh = {item.id: item for item in [*reread, *new_items]}
        missing = [number for number, item_id in grouped.items() if item_id not in shown and item_id not in fresh]
        fresh.update({item.id: item for item in self.store.get_many(FeedbackItem, missing)})
        kept = [(number_of(item_id), *shown_of(item)) for item_id, item in fresh.items()]
        if kept:
            self._db.executemany("INSERT OR REPLACE INTO shown (number, text, title) VALUES (?, ?, ?)", kept)
        shown.update({f"{FeedbackItem.PREFIX}-{number}": (text, title) for number, text, title in kept
                      if number in grouped})
        self.shown = shown
        return found


class _Carry:
    """The stored run carried on by items leaving it (merged, deleted), coming back (a merge
    undone), and coming new or edited, wherever they fall in the order (StoredLookalikes._carried_on)."""

    def __init__(self, db: sqlite3.Connection, vectors: Vectors, threshold: float, packing: _Packing):
        self.db, self.vectors, self.threshold, self.packing = db, vectors, threshold, packing
        self.paired = 0  # new nodes folded or paired
        self.new_leaders: list[float] = []
        self.dirty_clusters: set[float] = set()
        self.dirty_roots: set[str] = set()
        self.short_dirty = False
        self.retouched: set[float] = set()  # leaders of a cluster a leader left: linked again from the start
        self.arrivals: list[tuple[tuple[str, int], int, NodeKey]] = []  # nodes to place again: (order, oldest item, key)
        self._leaders: tuple[list[tuple[str, int]], list[float]] | None = None
        self.pending: set[NodeKey] = set()  # keys of `arrivals` not placed yet
        self.added: set[str] = set()
        self._node_cache: dict[NodeKey, tuple[dict[str, float], dict[str, int], frozenset[str]]] = {}
        next_pos = db.execute("SELECT max(pos) FROM cnodes").fetchone()[0]
        self.next_pos = 0 if next_pos is None else next_pos + 1

    def _node(self, key: NodeKey) -> tuple[dict[str, float], dict[str, int], frozenset[str]]:
        found = self._node_cache.get(key)
        if found is None:
            raw_counts, title, names = self.db.execute("SELECT counts, title, names FROM nodes WHERE key = ?",
                                                       (key,)).fetchone()
            counts = self.packing.unpack(raw_counts)
            found = self._node_cache[key] = (_node_vector(self.vectors, counts, title), counts, frozenset(_stored_json(names)))
        return found

    def _query(self, key: NodeKey) -> tuple[dict[str, float], str, frozenset[str]]:
        vector, counts, names = self._node(key)
        return vector, _sorted(counts), names

    def _score(self, query: tuple[dict[str, float], str, frozenset[str]], key: NodeKey) -> float:
        vector, counts, names = self._node(key)
        return pair_score(query, vector, lambda: _sorted(counts), names)

    def add(self, fact: ItemFacts) -> bool:
        """File one new item; False when that cannot be carried on exactly (see _carried_on)."""
        db = self.db
        number = number_of(fact.id)
        columns = _columns(fact)
        root = None
        if fact.request_key:
            keys = [fact.request_key, *([] if fact.request_named else _cuts(fact.request_key))]
            marks = ",".join("?" * len(keys))
            matched = db.execute(f"SELECT number, merged, root FROM items WHERE request IN ({marks})", keys).fetchall()
            matched += db.execute("SELECT i.number, i.merged, i.root FROM cuts c JOIN items i ON i.number = c.number "
                                  "WHERE c.cut = ?", (_cut_key(fact.request_key),)).fetchall()
            if matched:
                if any(f"{FeedbackItem.PREFIX}-{n}" in self.added for n, _m, _r in matched):
                    return False
                roots = {r for _n, _m, r in matched if r is not None}
                root = min(roots) if roots else fact.request_key
                for old in roots - {root}:
                    db.execute("UPDATE items SET root = ? WHERE root = ?", (root, old))
                    db.execute("DELETE FROM groups WHERE origin = ?", (f"t{old}",))
                db.executemany("UPDATE items SET root = ? WHERE number = ?",
                               ((root, n) for n, _m, r in matched if r is None))
                self.dirty_roots.add(root)
                # An item that stood alone under that title joins the group: it leaves its node
                # (or the short texts) for it.
                for n in sorted({n for n, merged, r in matched if r is None and not merged}):
                    node = db.execute("SELECT node FROM items WHERE number = ?", (n,)).fetchone()[0]
                    if node is None:
                        self.short_dirty = True
                    elif not self._uncluster(n, node):
                        return False
        db.execute(f"INSERT INTO items ({', '.join(_ITEM_COLUMNS)}) VALUES ({', '.join('?' * len(_ITEM_COLUMNS))})",
                   (number, *columns[:5], root, *columns[5:], fact.title))
        if fact.request_key and not fact.request_named:
            db.executemany("INSERT INTO cuts (cut, number) VALUES (?, ?)",
                           ((_cut_key(cut), number) for cut in _cuts(fact.request_key)))
        self.added.add(fact.id)
        key = columns[2]
        if key is None:
            self.short_dirty |= root is None
            return True
        if db.execute("SELECT 1 FROM nodes WHERE key = ?", (key,)).fetchone() is None:
            vector = self.vectors.weigh(fact.profile)
            db.execute("INSERT INTO nodes (key, counts, title, names, surface) VALUES (?, ?, ?, ?, ?)",
                       (key, self.packing.pack(fact.profile.counts), _node_title(fact.profile), _json(sorted(fact.profile.names)),
                        self.packing.pack(_added(fact.profile.surface))))
            db.executemany("INSERT INTO filed (term, key) VALUES (?, ?)",
                           ((term, key) for term in self.vectors.filed_terms(vector)))
        if root is not None or fact.duplicate_of is not None:
            return True  # a same-title group's, or merged (its node is still looked up by `similar`)
        if key in self.pending:
            return False  # its node is still to be placed again
        cnode = db.execute("SELECT c.leader, i.received, i.number FROM cnodes c JOIN items i ON i.number = c.rep "
                           "WHERE c.key = ?", (key,)).fetchone()
        if cnode is not None:  # a copy of a node of the run: its cluster gains an item
            if fact.order < (cnode[1], cnode[2]):
                return False  # older than the node's oldest item: the node moves in the order
            self._dirty_cluster_of(cnode[0])
            return True
        return self.place(number, key, fact.order)

    def remove(self, number: int, merged: ItemFacts | None) -> bool:
        """An item leaves the grouping: merged into another (`merged`: its facts now) or deleted
        (None). False when that cannot be carried on exactly here (see _carried_on).

        A merged item keeps its words, its node and its place in the same-title keys (a merge
        moves nothing else); it only stops counting. So: a same-title or short item's groups are
        made again from those left; a copy that is not its node's oldest item leaves its
        cluster's group; a near copy's node goes from its leader's cluster. A leader's node that
        goes takes its postings and pairs with it, and complete linkage is taken again for the
        other leaders of its cluster from the start (duplicates.relink: every cluster they never
        joined ended as it did). A node whose oldest item goes while others stay, and the near
        copies folded into a leader that goes, come again where they now fall (`arrivals`,
        placed by `place`). A deleted item of a same-title group has the group's titles joined
        again (`_requests_again`). Left to the index in memory: a leader whose going would let a
        later one fold (`_folding_holds_without`)."""
        db = self.db
        row = db.execute("SELECT node, root, merged FROM items WHERE number = ?", (number,)).fetchone()
        if row is None:
            return True
        key, root, counted = row[0], row[1], not row[2]
        if merged is None:
            db.execute("DELETE FROM items WHERE number = ?", (number,))
            db.execute("DELETE FROM cuts WHERE number = ?", (number,))
            db.execute("DELETE FROM shown WHERE number = ?", (number,))
            if root is not None:
                return self._requests_again(root)  # its title may have joined the others
        else:
            db.execute("UPDATE items SET merged = 1, parent = ?, title = ? WHERE number = ?",
                       (_parent(merged), merged.title, number))
        if not counted:
            return True  # merged before: in no group
        if root is not None:
            self.dirty_roots.add(root)
            return True
        if key is None:
            self.short_dirty = True
            return True
        return self._uncluster(number, key)

    def _uncluster(self, number: int, key: NodeKey) -> bool:
        """One item of node `key` no longer clustered (merged, deleted, or now in a same-title
        group): its cluster's group loses it; when it was the node's oldest, the node goes, and
        comes again where its next oldest item falls (`arrivals`)."""
        db = self.db
        cnode = db.execute("SELECT rep, leader, pos, cluster FROM cnodes WHERE key = ?", (key,)).fetchone()
        if cnode is None:
            return False  # not clustered by the stored run: not known how it stood
        rep, leader, pos, cluster = cnode
        if rep != number:  # a copy of the node's oldest item: the node stays where it was
            self._dirty_cluster_of(leader)
            return True
        if not self._drop_node(rep, leader, pos, cluster, key=key):
            return False
        younger = db.execute("SELECT received, number FROM items WHERE node = ? AND merged = 0 AND root IS NULL "
                             "AND number != ? ORDER BY received, number LIMIT 1", (key, number)).fetchone()
        if younger is not None:  # its copies stay, known by the next oldest: the node comes again there
            self.arrivals.append(((younger[0], younger[1]), younger[1], key))
            self.pending.add(key)
        return True

    def _requests_again(self, root: str) -> bool:
        """A same-title group after one of its items went (deleted, or edited: out before in
        again): its titles joined again (duplicates.requests_by_key) over those left. A title
        only ever joins titles of its own group, so no other group can change; an item left
        without a partner leaves same-title grouping for its node or the short texts."""
        db = self.db
        rows = db.execute("SELECT number, request, named, merged, node, received FROM items WHERE root = ? "
                          "ORDER BY received, number", (root,)).fetchall()
        prefix = FeedbackItem.PREFIX + "-"
        roots = requests_by_key((f"{prefix}{number}", request, bool(named)) for number, request, named, *_ in rows)
        db.execute("DELETE FROM groups WHERE origin = ?", (f"t{root}",))
        self.dirty_roots.discard(root)
        alone: dict[NodeKey, tuple[tuple[str, int], int]] = {}  # node -> its oldest item now outside a group
        for number, _request, _named, merged, node, received in rows:
            now = roots.get(f"{prefix}{number}")
            db.execute("UPDATE items SET root = ? WHERE number = ?", (now, number))
            if now is not None:
                self.dirty_roots.add(now)
            elif not merged:
                if node is None:
                    self.short_dirty = True
                elif node not in alone:  # rows are oldest first
                    alone[node] = ((received, number), number)
        return all(self._recluster(number, node, order) for node, (order, number) in alone.items())

    def _drop_node(self, rep: int, leader: int, pos: float | None, cluster: float, *, key: NodeKey) -> bool:
        """Take a node out of the stored run as if it had never been: a near copy leaves its
        leader's cluster; a leader takes its postings and pairs with it, the other leaders of its
        cluster are linked again from the start (relink: every cluster they never joined ended
        as it did), and the near copies folded into it are placed again, each where it falls
        (`arrivals`). False when a later leader would fold once it is gone (`_folding_holds_without`)."""
        db = self.db
        if pos is None:  # a near copy folded into its leader: nothing was folded into or paired with it
            db.execute("DELETE FROM cnodes WHERE rep = ?", (rep,))
            self._dirty_cluster_of(leader)
            return True
        filed = self.vectors.filed_terms(self._node(key)[0])
        if not self._folding_holds_without(pos, filed):
            return False
        db.executemany("DELETE FROM postings WHERE term = ? AND pos = ?", ((term, pos) for term in filed))
        db.execute("DELETE FROM edges WHERE a = ?", (pos,))
        db.execute("DELETE FROM edges WHERE b = ?", (pos,))
        for near_rep, near_key, received in db.execute(
                "SELECT c.rep, c.key, i.received FROM cnodes c JOIN items i ON i.number = c.rep "
                "WHERE c.leader = ? AND c.rep != ?", (rep, rep)).fetchall():
            self.arrivals.append(((received, near_rep), near_rep, near_key))
        db.execute("DELETE FROM cnodes WHERE leader = ?", (rep,))
        self._forget_leader(pos)
        self.retouched.discard(pos)
        self.retouched.update(p for (p,) in db.execute(
            "SELECT pos FROM cnodes WHERE cluster = ? AND pos IS NOT NULL", (cluster,)))
        self.dirty_clusters.add(cluster)
        self.paired += 1
        return True

    def restore(self, fact: ItemFacts) -> bool:
        """An item merged before counts again (the merge undone): it rejoins its same-title
        group, the short texts, or its node (which comes again where its oldest item now falls,
        `arrivals`, when the node had gone or this item is older than its oldest); False when
        that cannot be carried on exactly here."""
        db = self.db
        number = number_of(fact.id)
        key, root = db.execute("SELECT node, root FROM items WHERE number = ?", (number,)).fetchone()
        db.execute("UPDATE items SET merged = 0, parent = NULL, title = ? WHERE number = ?", (fact.title, number))
        if root is not None:
            self.dirty_roots.add(root)
        elif key is None:
            self.short_dirty = True
        else:
            return self._recluster(number, key, fact.order)
        return True

    def _recluster(self, number: int, key: NodeKey, order: tuple[str, int]) -> bool:
        """An item of node `key` clustered again (an undone merge, a same-title group it left): its
        node's cluster gains it; when the node had gone, or this item is older than the node's
        oldest, the node comes again where this item falls (`arrivals`)."""
        cnode = self.db.execute("SELECT c.rep, c.leader, c.pos, c.cluster, i.received FROM cnodes c "
                                "JOIN items i ON i.number = c.rep WHERE c.key = ?", (key,)).fetchone()
        if cnode is None:
            self.arrivals.append((order, number, key))
        elif order > (cnode[4], cnode[0]):
            self._dirty_cluster_of(cnode[1])
        else:  # older than the node's oldest item: the node moves to where this one falls
            if not self._drop_node(*cnode[:4], key=key):
                return False
            self.arrivals.append((order, number, key))
        return True

    def _folding_holds_without(self, gone: float, filed: list[str]) -> bool:
        """Whether every later leader still folds into nothing once the leader at `gone` (filed
        under `filed`) is no more (DuplicateIndex._absorb_near_copies). A near copy keeps its
        leader: the candidates before that leader are the same less one. A leader could change
        only when `gone` was among its NEAR_COPY_CANDIDATES and the candidate that now moves up
        into them scores NEAR_COPY or more with it."""
        db = self.db
        if not filed:
            return True
        marks = ",".join("?" * len(filed))
        later = [pos for (pos,) in db.execute(
            f"SELECT DISTINCT pos FROM postings WHERE term IN ({marks}) AND pos > ? ORDER BY pos", (*filed, gone))]
        buckets: dict[str, list[float]] = {}
        for pos in later:
            key = self._key_at(pos)
            shared = self._candidates(self.vectors.filed_terms(self._node(key)[0]), pos, buckets)
            if len(shared) <= NEAR_COPY_CANDIDATES:
                continue  # no candidate moves up
            if gone not in {other for other, _count in shared.most_common(NEAR_COPY_CANDIDATES)}:
                continue
            del shared[gone]
            moved_up = shared.most_common(NEAR_COPY_CANDIDATES)[-1][0]
            if self._score(self._query(key), self._key_at(moved_up)) >= NEAR_COPY:
                return False
        return True

    def _dirty_cluster_of(self, leader_rep: int) -> None:
        cluster = self.db.execute("SELECT cluster FROM cnodes WHERE rep = ?", (leader_rep,)).fetchone()[0]
        self.dirty_clusters.add(cluster)

    def _candidates(self, filed: Sequence[str], before: float | None, buckets: dict[str, list[float]], *,
                    also: float | None = None, also_under: frozenset[str] = frozenset()) -> Counter[float]:
        """The leaders before position `before` (None: every one) filed under each of these terms,
        counted as DuplicateIndex._absorb_near_copies counts a node's candidates: term by term,
        each bucket in position order (`buckets` caches them). `also`: a leader not stored yet at
        that position, counted under the terms `also_under`."""
        shared: Counter[float] = Counter()
        for term in filed:
            bucket = buckets.get(term)
            if bucket is None:
                bucket = buckets[term] = self._bucket(term)
            taken = bucket if before is None else bucket[:bisect_left(bucket, before)]
            if also is not None and term in also_under:
                taken = [*taken]
                insort(taken, also)
            shared.update(taken)
        return shared

    def _bucket(self, term: str) -> list[float]:
        return [pos for (pos,) in self.db.execute("SELECT pos FROM postings WHERE term = ? ORDER BY pos", (term,))]

    def _key_at(self, pos: float) -> NodeKey:
        return self.db.execute("SELECT key FROM cnodes WHERE pos = ?", (pos,)).fetchone()[0]

    # --- the leaders in their order --------------------------------------------------------------

    def _leader_index(self) -> tuple[list[tuple[str, int]], list[float]]:
        """Every leader's oldest item's order and its position, both rising (positions follow the
        order of the nodes); read once, kept in step by `_remember_leader` and `_forget_leader`."""
        if self._leaders is None:
            rows = self.db.execute("SELECT i.received, c.rep, c.pos FROM cnodes c JOIN items i ON i.number = c.rep "
                                   "WHERE c.pos IS NOT NULL ORDER BY c.pos").fetchall()
            self._leaders = ([(received, rep) for received, rep, _pos in rows], [pos for _r, _rep, pos in rows])
        return self._leaders

    def _remember_leader(self, order: tuple[str, int], pos: float) -> None:
        if self._leaders is not None:
            at = bisect_left(self._leaders[1], pos)
            self._leaders[0].insert(at, order)
            self._leaders[1].insert(at, pos)

    def _forget_leader(self, pos: float) -> None:
        if self._leaders is not None:
            at = bisect_left(self._leaders[1], pos)
            if at < len(self._leaders[1]) and self._leaders[1][at] == pos:
                del self._leaders[0][at], self._leaders[1][at]

    def _first_leader_after(self, order: tuple[str, int]) -> float | None:
        """The position of the first leader whose node comes after `order`; None when none does."""
        orders, positions = self._leader_index()
        at = bisect_left(orders, order)
        return positions[at] if at < len(positions) else None

    # --- a node placed where it falls ---------------------------------------------------------------

    def place(self, number: int, key: NodeKey, order: tuple[str, int]) -> bool:
        """A node (known by its oldest item, `number`, at `order`) placed among the stored run's
        as a full run would meet it (DuplicateIndex._absorb_near_copies, _similar_pairs): folded
        into the first of the NEAR_COPY_CANDIDATES leaders before it that scores NEAR_COPY or
        more, else a leader at a position between its neighbours', paired with every leader
        sharing a filed term. After every other node that is all; in the middle (an edit, an
        undone merge, an older import, a near copy whose leader went) the nodes after it must
        fold as they did (`_folding_holds_with`): False when one would not."""
        db = self.db
        if db.execute("SELECT 1 FROM cnodes WHERE key = ?", (key,)).fetchone():
            return False  # its words are another node's now (an edit that copies an item)
        self.paired += 1
        query = self._query(key)
        filed = self.vectors.filed_terms(query[0])
        buckets = {term: self._bucket(term) for term in filed}
        last = self._leaders is None and self._is_last(order)  # a capture: nothing comes after it
        after = None if last else self._first_leader_after(order)
        for other, _count in self._candidates(filed, after, buckets).most_common(NEAR_COPY_CANDIDATES):
            if self._score(query, self._key_at(other)) >= NEAR_COPY:
                leader = db.execute("SELECT rep FROM cnodes WHERE pos = ?", (other,)).fetchone()[0]
                db.execute("INSERT INTO cnodes (rep, key, leader, pos, cluster) VALUES (?, ?, ?, NULL, NULL)",
                           (number, key, leader))
                self._dirty_cluster_of(leader)
                return True
        if after is None:
            pos: float = self.next_pos
            self.next_pos += 1
        else:
            orders, positions = self._leader_index()
            at = bisect_left(orders, order)
            below = positions[at - 1] if at else after - 1
            pos = (below + after) / 2
            if not below < pos < after:
                return False  # no position left between them
        if not last and not self._folding_holds_with(pos, order, key, filed, buckets):
            return False  # (near copies after every leader may come after it too)
        candidates = {other for term in filed for other in buckets[term]}
        edges = []
        for other in candidates:
            score = self._score(query, self._key_at(other))
            if score >= self.threshold:
                edges.append((min(other, pos), max(other, pos), score))
        db.executemany("INSERT INTO edges (a, b, score) VALUES (?, ?, ?)", edges)
        db.executemany("INSERT INTO postings (term, pos) VALUES (?, ?)", ((term, pos) for term in filed))
        db.execute("INSERT INTO cnodes (rep, key, leader, pos, cluster) VALUES (?, ?, ?, ?, ?)",
                   (number, key, number, pos, pos))
        self._remember_leader(order, pos)
        self.new_leaders.append(pos)
        return True

    def _is_last(self, order: tuple[str, int]) -> bool:
        """Whether a node at `order` comes after every item but itself (a capture): then it comes
        after every leader, and their order need not be read."""
        last = self.db.execute("SELECT received, number FROM items ORDER BY received DESC, number DESC LIMIT 1").fetchone()
        return last is None or (last[0], last[1]) <= order

    def _folding_holds_with(self, pos: float, order: tuple[str, int], key: NodeKey, filed: list[str],
                            buckets: dict[str, list[float]]) -> bool:
        """Whether every node after a new leader at `pos` still folds as it did. A node's
        NEAR_COPY_CANDIDATES are the leaders before it sharing the most filed terms: the new one
        changes a node's fold only when it enters them ahead of the node's leader (or the node
        leads) and scores NEAR_COPY or more with it, or pushes that leader out of them."""
        db = self.db
        query = self._query(key)
        mine = frozenset(filed)
        marks = ",".join("?" * len(filed))
        later = db.execute(
            f"SELECT DISTINCT c.rep, c.key, c.leader, c.pos, i.received FROM filed f JOIN cnodes c ON c.key = f.key "
            f"JOIN items i ON i.number = c.rep WHERE f.term IN ({marks})", filed).fetchall()
        cache: dict[str, list[float]] = dict(buckets)
        for rep, other_key, leader, other_pos, received in later:
            if (received, rep) <= order:
                continue
            limit = other_pos if other_pos is not None else self._first_leader_after((received, rep))
            with_new = self._candidates(self.vectors.filed_terms(self._node(other_key)[0]), limit, cache,
                                        also=pos, also_under=mine)
            top = [candidate for candidate, _count in with_new.most_common(NEAR_COPY_CANDIDATES)]
            if pos not in top:
                continue  # the same candidates, in the same order
            if other_pos is None:  # a near copy
                leader_pos = db.execute("SELECT pos FROM cnodes WHERE rep = ?", (leader,)).fetchone()[0]
                if leader_pos not in top:
                    return False  # its leader pushed out of its candidates
                if top.index(leader_pos) < top.index(pos):
                    continue  # its leader still comes first
            if self._score(query, other_key) >= NEAR_COPY:
                return False
        return True

    def regroup(self) -> None:
        """Complete linkage again where the new leaders reach (duplicates.relink), and the groups
        of every cluster, title and short text that changed, stored in place of the old ones."""
        db = self.db
        starting = [*self.new_leaders, *sorted(self.retouched)]
        if starting:
            def neighbours(pos: float) -> dict[float, float]:
                linked = dict(db.execute("SELECT b, score FROM edges WHERE a = ?", (pos,)).fetchall())
                linked.update(db.execute("SELECT a, score FROM edges WHERE b = ?", (pos,)).fetchall())
                return linked

            def before(pos: float) -> list[float]:
                return [p for (p,) in db.execute(
                    "SELECT pos FROM cnodes WHERE pos IS NOT NULL AND cluster = "
                    "(SELECT cluster FROM cnodes WHERE pos = ?)", (pos,))]

            touched = relink(starting, neighbours, before)
            new_leaders = set(self.new_leaders)
            for pos in touched:
                if pos not in new_leaders:
                    self.dirty_clusters.add(db.execute("SELECT cluster FROM cnodes WHERE pos = ?", (pos,)).fetchone()[0])
            done: set[int] = set()
            for cluster in touched.values():
                if id(cluster) in done:
                    continue
                done.add(id(cluster))
                first = min(cluster)
                db.executemany("UPDATE cnodes SET cluster = ? WHERE pos = ?", ((first, pos) for pos in cluster))
                self.dirty_clusters.add(first)
        for cluster_id in self.dirty_clusters:
            self._similar_group(cluster_id)
        for root in self.dirty_roots:
            db.execute("DELETE FROM groups WHERE origin = ?", (f"t{root}",))
            ids = db.execute("SELECT number, received FROM items WHERE root = ? AND merged = 0 "
                             "ORDER BY received, number", (root,)).fetchall()
            if len(ids) > 1:
                self._keep_group(f"t{root}", Cluster([f"{FeedbackItem.PREFIX}-{n}" for n, _r in ids], "same-title"),
                                 ids[0][1])
        if self.short_dirty:
            self._short_groups()

    def _keep_group(self, origin: str, cluster: Cluster, received: str) -> None:
        self.db.execute("INSERT INTO groups (origin, kind, low, score, received, number, ids) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (origin, cluster.kind, int(cluster.low_information), cluster.score, received,
                         number_of(cluster[0]), _json(list(cluster))))

    def _similar_group(self, cluster_id: float) -> None:
        """The group of one cluster of leaders: every item of their nodes and their near copies',
        oldest first, scored as DuplicateIndex.clusters scores it (the lowest against the oldest)."""
        db = self.db
        origin = f"c{cluster_id}"
        db.execute("DELETE FROM groups WHERE origin = ?", (origin,))
        rows = db.execute(
            "SELECT i.number, i.received, i.node FROM cnodes l JOIN cnodes c ON c.leader = l.rep "
            "JOIN items i ON i.node = c.key WHERE l.cluster = ? AND l.pos IS NOT NULL AND i.merged = 0 "
            "AND i.root IS NULL ORDER BY i.received, i.number", (cluster_id,)).fetchall()
        if len(rows) < 2:
            return
        first = rows[0][2]
        query = self._query(first)
        score = min(100.0 if key == first else self._score(query, key) for _n, _r, key in rows[1:])
        self._keep_group(origin, Cluster([f"{FeedbackItem.PREFIX}-{n}" for n, _r, _k in rows], score=round(score, 1)),
                         rows[0][1])

    def _short_groups(self) -> None:
        """The identical short texts and the one group of short texts that say nothing, again
        from every short item (DuplicateIndex.clusters' rules)."""
        db = self.db
        db.execute("DELETE FROM groups WHERE origin = 'e'")
        short: dict[str, list[tuple[int, str, int]]] = {}
        for number, received, exact, quiet in db.execute(
                "SELECT number, received, exact, quiet FROM items WHERE node IS NULL AND root IS NULL AND merged = 0 "
                "ORDER BY received, number"):
            short.setdefault(exact, []).append((number, received, quiet))
        rest: list[tuple[int, str, int]] = []
        for text, group in short.items():
            quiet = [row for row in group if row[2]]
            meaningful = [row for row in group if not row[2]]
            if text and len(meaningful) > 1:
                self._keep_group("e", Cluster([f"{FeedbackItem.PREFIX}-{n}" for n, _r, _q in meaningful], "identical"),
                                 meaningful[0][1])
            if text and len(quiet) > 1:
                self._keep_group("e", Cluster([f"{FeedbackItem.PREFIX}-{n}" for n, _r, _q in quiet], "identical",
                                              low_information=True), quiet[0][1])
            else:
                rest += quiet
        rest.sort(key=lambda row: (row[1], row[0]))
        if len(rest) > 1:
            self._keep_group("e", Cluster([f"{FeedbackItem.PREFIX}-{n}" for n, _r, _q in rest], "short"), rest[0][1])


def _sorted(counts: dict[str, int]) -> str:
    """lookalikes.sorted_terms of a profile with these counts."""
    return " ".join(sorted(term for term, count in counts.items() for _ in range(max(count, 1))))


def similar(store: Store, item_id: str, *, limit: int = 5, threshold: float = DUPLICATE_THRESHOLD) -> list[SimilarItem]:
    """DuplicateIndex.similar_to (what `prodops similar ID` lists), answered from
    lookalikes.sqlite without the index in memory: the facts and the run are brought up to date
    with the items changed since (one capture: one item read), the item's look-alikes are found
    by SQL over every node's filed terms, and only those nodes' vectors are read (loading every
    item's facts took 6-7 s at 100,000 items). From the index in memory when the stored run
    cannot be carried on (see StoredLookalikes._carried_on), and built in memory when the file
    cannot be used."""
    try:
        with StoredLookalikes(store) as stored:
            hits = _similar_in_sql(stored, item_id, limit=limit, threshold=threshold)
            if hits is None:
                hits = stored.index().similar_to(item_id, limit=limit, threshold=threshold)
            return hits
    except sqlite3.Error:
        return DuplicateIndex.build(store).similar_to(item_id, limit=limit, threshold=threshold)


def _facts_current(stored: StoredLookalikes) -> bool:
    """Bring the stored facts up to date with the items changed since, when StoredLookalikes.index
    would catch up rather than build again: True when they are (without reading the others)."""
    db, store = stored._db, stored.store
    db.execute("BEGIN IMMEDIATE")
    try:
        state = db.execute("SELECT seq, boilerplate, learned_seq FROM state WHERE id = 1").fetchone()
        seq = store.seq  # stamped before reading (see _carry_on)
        changed = store.changed_after_entry(state[0]) if state else None
        if state is None or changed is None:
            db.execute("ROLLBACK")
            return False
        numbers = sorted(number_of(i) for i in changed if i.startswith(FeedbackItem.PREFIX + "-"))
        stored_facts = db.execute("SELECT count(*) FROM facts").fetchone()[0]
        learned = _stored_json(state[1])
        current = True
        if numbers:
            marks = ",".join("?" * len(numbers))
            present = db.execute(f"SELECT count(*) FROM facts WHERE number IN ({marks})", numbers).fetchone()[0]
            items = stored._items(numbers) if len(numbers) <= REBUILD_SHARE * stored_facts + 100 else None
            if items is None or stored_facts - present + len(items) > REGROW * learned["items"] + 100:
                current = False
            else:
                boilerplate = Boilerplate(frozenset(learned["shared"]), frozenset(learned["common"]))
                db.executemany("DELETE FROM facts WHERE number = ?", ((n,) for n in numbers))
                db.executemany("INSERT INTO facts (number, data) VALUES (?, ?)",
                               ((number_of(item.id), _encode(facts_of(item, boilerplate), stored.packing)) for item in items))
                db.execute("UPDATE state SET seq = ? WHERE id = 1", (seq,))
        db.execute("COMMIT" if current else "ROLLBACK")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    if current:
        stored._learned_seq = state[2]
    return current


class _StoredNode:
    """One node of the stored grouping, as a look-up reads it: its vector (weighed from its word
    counts) and its title's names at once (every candidate is scored by them), the surface forms
    of its words only when asked (the reason shown)."""

    __slots__ = ("vector", "names", "_counts", "_raw_surface", "_surface", "_sorted", "_packing")

    def __init__(self, vectors: Vectors, counts: bytes, title: str, names: str, surface: bytes, packing: _Packing):
        self._packing = packing
        self._counts: dict[str, int] = packing.unpack(counts)
        self.vector: dict[str, float] = _node_vector(vectors, self._counts, title)
        self.names = frozenset(_stored_json(names))
        self._raw_surface = surface
        self._surface: dict[str, str] | None = None
        self._sorted: str | None = None

    def counts(self) -> dict[str, int]:
        return self._counts

    def sorted_terms(self) -> str:
        if self._sorted is None:
            self._sorted = _sorted(self.counts())
        return self._sorted

    def surface(self) -> dict[str, str]:
        if self._surface is None:
            self._surface = _whole(self._packing.unpack(self._raw_surface))
        return self._surface


class _NodeCache:
    """The stored nodes a look-up has read, read in batches, the most recent NODE_CACHE_SIZE
    kept for the next look-up (neighbouring items share most of their candidates). Only for
    tables that do not change under it: a StoredSimilar's, which the next scan replaces (so its
    rarity, which every node kept was weighed with, stays the same too)."""

    def __init__(self, db: sqlite3.Connection, packing: _Packing, size: int = 0):
        self._db, self._packing, self._size = db, packing, size
        self._nodes: OrderedDict[NodeKey, _StoredNode] = OrderedDict()

    def get(self, keys: list[NodeKey], vectors: Vectors) -> dict[NodeKey, _StoredNode]:
        found = {key: self._nodes[key] for key in keys if key in self._nodes}
        missing = [key for key in keys if key not in found]
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            for key, counts, title, names, surface in self._db.execute(
                    f"SELECT key, counts, title, names, surface FROM nodes WHERE key IN ({','.join('?' * len(chunk))})", chunk):
                found[key] = _StoredNode(vectors, counts, title, names, surface, self._packing)
        for key, node in found.items():
            self._nodes[key] = node
            self._nodes.move_to_end(key)
        while len(self._nodes) > self._size:
            self._nodes.popitem(last=False)
        return found


def _similar_in_sql(stored: StoredLookalikes, item_id: str, *, limit: int, threshold: float) -> list[SimilarItem] | None:
    """DuplicateIndex.similar_to over the tables; None when they cannot be brought up to date here."""
    if not _tables_current(stored):
        return None
    return _similar_from_tables(stored, item_id, limit=limit, threshold=threshold)


def _tables_current(stored: StoredLookalikes) -> bool:
    """The facts and the last grouping brought up to date with the store, in SQL (no index in
    memory); False when that cannot be done exactly here (see StoredLookalikes._carried_on)."""
    return _facts_current(stored) and stored._carried_on(DUPLICATE_THRESHOLD, assemble=False) is not None


def _similar_from_tables(stored: StoredLookalikes, item_id: str, *, limit: int, threshold: float,
                         node_cache: _NodeCache | None = None) -> list[SimilarItem] | None:
    """DuplicateIndex.similar_to over the tables as they stand (nothing brought up to date);
    None when the item is not in them."""
    db, prefix = stored._db, FeedbackItem.PREFIX + "-"
    item_id = item_id.strip().upper()
    found = stored.store.get(item_id) if item_id.startswith(prefix) else None
    if not isinstance(found, FeedbackItem):
        raise NotFound(f"no feedback item {item_id}")
    number = number_of(found.id)
    row = db.execute("SELECT node, root, exact FROM items WHERE number = ?", (number,)).fetchone()
    if row is None:
        return None
    node, request_root, short_words = row
    parents: dict[int, int] = dict(db.execute("SELECT number, parent FROM items WHERE parent IS NOT NULL"))
    children: dict[int, set[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, set()).add(child)

    def survivor(n: int) -> int:
        seen = {n}
        while (parent := parents.get(n)) is not None and parent not in seen:
            seen.add(parent)
            n = parent
        return n

    def family_of(n: int) -> list[int]:  # DuplicateIndex._family_of: children in the order of their ids
        if not children.get(n):
            return []
        family, todo = [n], [n]
        while todo:
            for child in sorted(children.get(todo.pop(), ()), key=lambda c: f"{prefix}{c}"):
                if child not in family:
                    family.append(child)
                    todo.append(child)
        return family

    state = db.execute("SELECT rarity FROM state WHERE id = 1").fetchone()
    if state is None:  # forgotten (a repair, a damaged row): the next scan builds the file again
        return None
    frequency, documents = _stored_json(state[0])
    vectors = Vectors(frequency, documents)
    nodes = node_cache if node_cache is not None else _NodeCache(db, stored.packing)

    def node_of(key: NodeKey) -> tuple[dict[str, float], dict[str, int], frozenset[str], dict[str, str]]:
        node = nodes.get([key], vectors)[key]
        return node.vector, node.counts(), node.names, node.surface()

    # The merged families' words together: one more vector each survivor is found by (_learn_family).
    families: dict[int, tuple[dict[str, float], list[str], dict[str, str]]] = {}
    for head in {survivor(child) for child in parents}:
        members = [m for m in family_of(head)
                   if db.execute("SELECT 1 FROM items WHERE number = ?", (m,)).fetchone() is not None]
        if len(members) < 2:
            continue
        counts: Counter[str] = Counter()
        title: set[str] = set()
        surface: dict[str, str] = {}
        for member in members:
            profile = _decode(db.execute("SELECT data FROM facts WHERE number = ?", (member,)).fetchone()[0], stored.packing).profile
            counts.update(profile.counts)
            title |= profile.title
            surface.update(profile.surface)
        if len(counts) >= MIN_TERMS:
            vector = vectors.weigh(Profile(dict(counts), frozenset(title), {}))
            families[head] = (vector, vectors.filed_terms(vector), surface)

    root = survivor(number)
    queries: list[tuple[dict[str, float], str, frozenset[str]]] = []
    for member in family_of(root) or [number]:
        member_row = db.execute("SELECT node FROM items WHERE number = ?", (member,)).fetchone()
        if member_row is not None and member_row[0] is not None:
            vector, member_counts, names, _surface = node_of(member_row[0])
            queries.append((vector, _sorted(member_counts), names))
    if root in families:
        queries.append((families[root][0], "", frozenset()))
    best: dict[int, tuple[float, dict[str, float], dict[str, float], dict[str, str]]] = {}
    for query in queries if limit > 0 else []:
        vector = query[0]
        terms = list(vector)
        keys: set[NodeKey] = set()
        for start in range(0, len(terms), 500):
            chunk = terms[start:start + 500]
            keys.update(key for (key,) in db.execute(
                f"SELECT DISTINCT key FROM filed WHERE term IN ({','.join('?' * len(chunk))})", chunk))
        found_hits: list[tuple[float, list[int], dict[str, float], dict[str, str]]] = []
        ordered = sorted(keys)
        members_of: dict[NodeKey, list[int]] = {}
        for start in range(0, len(ordered), 500):
            key_chunk = ordered[start:start + 500]
            for key, member in db.execute(
                    f"SELECT node, number FROM items WHERE node IN ({','.join('?' * len(key_chunk))}) ORDER BY rowid", key_chunk):
                members_of.setdefault(key, []).append(member)
        candidates = nodes.get([key for key in ordered if key in members_of], vectors)
        for key in ordered:
            if key not in members_of:
                continue
            node = candidates[key]
            score = pair_score(query, node.vector, node.sorted_terms, node.names)
            if score >= threshold:
                found_hits.append((score, members_of[key], node.vector, node.surface()))
        for head, (other, filed, surface) in families.items():
            if not set(filed).isdisjoint(terms):
                score = pair_score(query, other, lambda: "", frozenset())
                if score >= threshold:
                    found_hits.append((score, [head], other, surface))
        for score, members, other, surface in found_hits:
            for member in members:
                hit = survivor(member)
                if hit != root and score > best.get(hit, (-1.0,))[0]:
                    best[hit] = (score, vector, other, surface)

    def title_of(n: int) -> str:
        title_row = db.execute("SELECT title FROM items WHERE number = ?", (n,)).fetchone()
        return title_row[0] if title_row else ""

    ranked = sorted(best.items(), key=lambda pair: (-pair[1][0], pair[0]))[:limit]
    hits = [SimilarItem(id=f"{prefix}{hit}", score=round(score, 1), title=title_of(hit),
                        why=vectors.shared_with(vector, other, surface))
            for hit, (score, vector, other, surface) in ranked]
    if request_root is not None:
        same_text = [n for (n,) in db.execute("SELECT number FROM items WHERE root = ?", (request_root,))]
    elif node is None and short_words:
        same_text = [n for (n,) in db.execute(
            "SELECT number FROM items WHERE root IS NULL AND node IS NULL AND exact = ?", (short_words,))]
    else:
        return hits
    same = []
    seen = {root}
    for other_number in sorted(same_text):
        head = survivor(other_number)
        if head not in seen:
            seen.add(head)
            same.append(SimilarItem(id=f"{prefix}{head}", score=100.0, title=title_of(head)))
    return (same + [hit for hit in hits if number_of(hit.id) not in seen])[:limit]


class StoredSimilar:
    """The look-alikes the inbox's detail panel and merge picker list, read from
    lookalikes.sqlite as the last scan left it (`lookalike_lookup`, in the scan's worker, brought
    the tables up to date): the same answers as DuplicateIndex.similar_to, without an index of
    every item in memory. Reading that index back cost the app 6-7 s of CPU after every start at
    100,000 items, and holding it hundreds of megabytes. An item newer than the tables raises
    NotFound, as it does for an index built before it: the next scan covers it. Only reads:
    what catches the tables up runs in the worker, never on the thread drawing the screen."""

    def __init__(self, stored: StoredLookalikes, comparable: int):
        self._stored, self._comparable = stored, comparable  # its handle closes with it (sqlite3 on release)
        self._nodes = _NodeCache(stored._db, stored.packing, NODE_CACHE_SIZE)
        self._lock = threading.Lock()  # one handle, asked from the event loop and from workers

    def __len__(self) -> int:
        return self._comparable

    def similar_to(self, item_id: str, *, limit: int = 5, threshold: float = DUPLICATE_THRESHOLD) -> list[SimilarItem]:
        with self._lock:
            try:
                hits = _similar_from_tables(self._stored, item_id, limit=limit, threshold=threshold, node_cache=self._nodes)
            except LookalikesDamaged:
                # Said to the next scan, which builds the file afresh in its worker: a write here
                # (on the thread drawing the screen) would wait for a scan's write lock, for
                # seconds, and could forget the state that scan had just stored.
                _FOUND_DAMAGED.add(self._stored.store.directory)
                raise
        if hits is None:
            raise NotFound(f"{item_id} is newer than the look-alikes stored")
        return hits


Lookalikes = StoredSimilar | DuplicateIndex  # what the inbox asks an item's look-alikes of


def _stored_similar(stored: StoredLookalikes) -> StoredSimilar:
    comparable = stored._db.execute("SELECT count(*) FROM items WHERE node IS NOT NULL").fetchone()[0]
    return StoredSimilar(stored, comparable)


# Workspaces whose lookalikes.sqlite a look-up (StoredSimilar) found a damaged row in: the next
# scan in this process builds the file afresh.
_FOUND_DAMAGED: set[Path] = set()


def _built_again_if_damaged(work: Callable[Concatenate[Store, _P], _T]) -> Callable[Concatenate[Store, _P], _T]:
    """`work`, and once more on the file built afresh when a row of it does not read back
    (LookalikesDamaged, here or in a look-up since): the file is derived, so a damaged row costs
    a first build, not an error."""

    @functools.wraps(work)
    def run(store: Store, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        if store.directory in _FOUND_DAMAGED:
            _FOUND_DAMAGED.discard(store.directory)
            _forget_state(store)
        try:
            return work(store, *args, **kwargs)
        except LookalikesDamaged:
            _forget_state(store)
            return work(store, *args, **kwargs)

    return run


def _forget_state(store: Store) -> None:
    """The next open drops every table (derived._not_of_version) and builds them again."""
    try:
        db = sqlite3.connect(store.directory / LOOKALIKES_DB_NAME, isolation_level=None, timeout=60)
        try:
            db.execute("DELETE FROM state")
        finally:
            db.close()
    except sqlite3.Error:
        pass  # locked past the timeout, read-only: the work says what it meets, in one line


@_built_again_if_damaged
def lookalike_lookup(store: Store, *, with_groups: bool = False, should_stop: Callable[[], bool] | None = None
                     ) -> tuple[Lookalikes, list[Cluster] | None]:
    """What the inbox lists an item's look-alikes from, and with `with_groups` the groups of
    Likely duplicates: lookalikes.sqlite brought up to date in SQL when the last grouping can be
    carried on (after captures, a sync, triage, merges, edits: see StoredLookalikes._carried_on),
    then read per item (StoredSimilar). Otherwise (a first start, what cannot be carried on) the
    index is worked out in memory once and the grouping stored with it, so that the next start
    reads the tables. In memory when the file cannot be used (a read-only workspace, a full disk:
    the same answers, only slower)."""
    try:
        stored = StoredLookalikes(store)
    except sqlite3.Error:
        return _in_memory(store, with_groups=with_groups, should_stop=should_stop)
    try:
        found = stored._carried_on(DUPLICATE_THRESHOLD, assemble=with_groups) if _facts_current(stored) else None
        if found is None:
            found = stored.groups(index=stored.index(), should_stop=should_stop)
        return _stored_similar(stored), found if with_groups else None
    except sqlite3.Error:
        stored.close()
        return _in_memory(store, with_groups=with_groups, should_stop=should_stop)
    except BaseException:
        stored.close()
        raise


def _in_memory(store: Store, *, with_groups: bool, should_stop: Callable[[], bool] | None
               ) -> tuple[DuplicateIndex, list[Cluster] | None]:
    index = DuplicateIndex.build(store)
    return index, index.clusters(should_stop=should_stop) if with_groups else None


@_built_again_if_damaged
def lookalike_index(store: Store) -> DuplicateIndex:
    """The look-alike index, from lookalikes.sqlite when it can be opened and written, else
    built in memory (a read-only workspace, a full disk: the answer is the same, only slower)."""
    try:
        with StoredLookalikes(store) as stored:
            return stored.index()
    except sqlite3.Error:
        return DuplicateIndex.build(store)


@_built_again_if_damaged
def lookalikes_with_groups(store: Store, *, should_stop: Callable[[], bool] | None = None
                           ) -> tuple[DuplicateIndex, list[Cluster]]:
    """The look-alike index and the groups through one handle on lookalikes.sqlite, so that the
    groups build on the pairing stored with the index: after a change only its own items are
    paired (the inbox's scan; two handles paired every item again, 10 s at 100,000 items). In
    memory when the file cannot be used."""
    try:
        with StoredLookalikes(store) as stored:
            index = stored.index()
            return index, stored.groups(index=index, should_stop=should_stop)
    except sqlite3.Error:
        index = DuplicateIndex.build(store)
        return index, index.clusters(should_stop=should_stop)


@_built_again_if_damaged
def likely_duplicate_groups(store: Store, *, should_stop: Callable[[], bool] | None = None,
                            shown: dict[str, tuple[str, str]] | None = None) -> list[Cluster]:
    """likely_duplicate_clusters, read back from lookalikes.sqlite when nothing changed since
    they were stored (and stored when worked out); worked out in memory when the file cannot be
    used. `shown`, when given, receives each grouped item's text start and own title. (The
    index is the stored one: one handed in would not build on the stored pairing, see
    lookalikes_with_groups.)"""
    try:
        with StoredLookalikes(store) as stored:
            found = stored.groups(should_stop=should_stop)
            if shown is not None:
                shown.update(stored.shown)
            return found
    except sqlite3.Error:
        found = DuplicateIndex.build(store).clusters(should_stop=should_stop)
        if shown is not None:
            grouped = [number_of(item_id) for group in found for item_id in group]
            shown.update({item.id: shown_of(item) for item in store.get_many(FeedbackItem, grouped)})
        return found



def shown_of(item: FeedbackItem) -> tuple[str, str]:
    """What `prodops duplicates` prints of a grouped item: its text's start and its own title."""
    return first_line(item.text or item.title, SHOWN_CHARS), own_title(item)
