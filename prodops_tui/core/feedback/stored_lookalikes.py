"""The look-alike index kept on disk (`lookalikes.sqlite`), so a command or the app does not
read and weigh every item's text again.

Building the index reads every item's text: its boilerplate learned, its words split, stemmed
and counted (23 s at 100,000 items of bench/run.py's data). What that yields per item (its
ItemFacts: its terms, its title's names, its exact words...) is kept here with the
boilerplate it was read against and the journal entry it reflects, and the groups last worked
out from it. Opening it reads those facts, not the texts, and catches up from the store's change
log (Store.changed_after_entry): only the items changed since are read. When that is not
known, or a quarter of the items changed (the boilerplate and the words' rarity may have moved),
it is built again. `prodops duplicates` on an unchanged workspace reads the stored groups.

The words' rarity (IDF) is kept with the facts and reused as it was learned until the index is
built again: a caught-up index weighs every term as the index it continues did, so the pairs
last worked out (the Pairing, kept too) still hold, and after a capture `duplicates` folds and
pairs only the new items (DuplicateIndex._pair) instead of every item again.

Derived data: deleting the file loses nothing; a file that cannot be read, or of another
version, is built again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from ..model import FeedbackItem, split_id
from ..storage.derived import open_derived
from ..storage.store import Store
from ..text import first_line
from .boilerplate import Boilerplate
from .duplicates import DUPLICATE_THRESHOLD, Cluster, DuplicateIndex, ItemFacts, Pairing, Rarity
from .lookalikes import REGROW, Profile, own_title

LOOKALIKES_DB_NAME = "lookalikes.sqlite"
STORED_VERSION = 3  # 2: the groups keep what is shown of their items; 3: the rarity and the pairing
SHOWN_CHARS = 200  # of a grouped item's text, kept to print
REBUILD_SHARE = 0.25  # more changed items than this share of those stored: build again

_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL,
    seq INTEGER NOT NULL, boilerplate TEXT NOT NULL, rarity TEXT NOT NULL, learned_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pairing (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,
    learned_seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS facts (number INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS groups (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,
    threshold REAL NOT NULL, data TEXT NOT NULL);
"""


def _encode(fact: ItemFacts) -> str:
    p = fact.profile
    return json.dumps([fact.id, fact.duplicate_of, list(fact.order), fact.title, fact.request_key, fact.request_named,
                       p.counts, sorted(p.title), p.surface, sorted(p.names), p.titled, fact.short_words, fact.quiet],
                      ensure_ascii=False, separators=(",", ":"))


def _decode(data: str) -> ItemFacts:
    (item_id, duplicate_of, order, title, request_key, request_named, counts, title_terms, surface, names, titled,
     short_words, quiet) = json.loads(data)
    profile = Profile(counts, frozenset(title_terms), surface, frozenset(names), titled)
    return ItemFacts(item_id, duplicate_of, (order[0], order[1]), title, request_key, request_named, profile,
                     short_words, quiet)


def number_of(item_id: str) -> int:
    return split_id(item_id)[1]


class StoredLookalikes:
    """One process's handle on `lookalikes.sqlite`: `index()` for look-alikes, `groups()` for the inbox's groups."""

    def __init__(self, store: Store):
        self.store = store
        self._db = open_derived(store.directory / LOOKALIKES_DB_NAME, version=STORED_VERSION,
                                tables=("facts", "groups", "pairing"), schema=_SCHEMA)
        self.rebuilt = False  # for tests: whether the last `index()` read every item again
        self.read_items = 0  # and how many items it read
        self.groups_read_back = False  # and whether the last `groups()` read them back as stored
        self.paired_afresh = 0  # and how many nodes it paired again (not kept from the stored run)
        self.shown: dict[str, tuple[str, str]] = {}  # grouped item id -> (its text's start, its own title)
        self._learned_seq = -1  # the change after which the index's rarity was learned

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
            changed = store.changed_after_entry(state[0]) if state else None
            feedback = sorted(number_of(i) for i in changed if i.startswith(FeedbackItem.PREFIX + "-")) if changed is not None else None
            stored = self._db.execute("SELECT count(*) FROM facts").fetchone()[0]
            index = None
            learned = json.loads(state[1]) if state else None
            if feedback is not None and learned and len(feedback) <= REBUILD_SHARE * stored + 100:
                boilerplate = Boilerplate(frozenset(learned["shared"]), frozenset(learned["common"]))
                frequency, documents = json.loads(state[2])
                index = self._caught_up(feedback, boilerplate, learned["items"], Rarity(frequency, documents))
                if index is not None:
                    self._learned_seq = state[3]
            if index is None:
                index = self._built()
                learned = {"shared": sorted(index.boilerplate.shared), "common": sorted(index.boilerplate.common),
                           "items": len(index._items)}  # how many items the boilerplate was learned from
                self._learned_seq = store.seq
                rarity = json.dumps([index.rarity.document_frequency, index.rarity.documents], ensure_ascii=False,
                                    separators=(",", ":"))
                self._db.execute("INSERT OR REPLACE INTO state (id, version, seq, boilerplate, rarity, learned_seq) "
                                 "VALUES (1, ?, ?, ?, ?, ?)",
                                 (STORED_VERSION, store.seq, json.dumps(learned), rarity, self._learned_seq))
            else:  # caught up: what was learned stays as stored (megabytes of word counts at 100k)
                self._db.execute("UPDATE state SET seq = ? WHERE id = 1", (store.seq,))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return index

    def _built(self) -> DuplicateIndex:
        index = DuplicateIndex.build(self.store)
        self.rebuilt, self.read_items = True, len(index._items)
        self._db.execute("DELETE FROM facts")
        self._db.execute("DELETE FROM groups")
        self._db.execute("DELETE FROM pairing")
        self._db.executemany("INSERT INTO facts (number, data) VALUES (?, ?)",
                             ((number_of(fact.id), _encode(fact)) for fact in index.facts()))
        return index

    def _caught_up(self, numbers: list[int], boilerplate: Boilerplate, learned_from: int,
                   rarity: Rarity) -> DuplicateIndex | None:
        wanted = set(numbers)
        facts = [_decode(data) for number, data in self._db.execute("SELECT number, data FROM facts") if number not in wanted]
        items = self.store.get_many(FeedbackItem, numbers) if numbers else []
        if len(facts) + len(items) > REGROW * learned_from + 100:
            return None  # grown by a quarter since the boilerplate was learned: learn it again
        index = DuplicateIndex(self.store, items, boilerplate=boilerplate, facts=facts, rarity=rarity)
        self.rebuilt, self.read_items = False, len(items)
        if numbers:
            self._db.execute("DELETE FROM groups")
            self._db.executemany("DELETE FROM facts WHERE number = ?", ((n,) for n in numbers))
            self._db.executemany("INSERT INTO facts (number, data) VALUES (?, ?)",
                                 ((number_of(item.id), _encode(index._items[item.id].facts)) for item in items))
        return index

    # --- the groups -------------------------------------------------------------------------

    def groups(self, *, threshold: float = DUPLICATE_THRESHOLD, index: DuplicateIndex | None = None,
               should_stop: Callable[[], bool] | None = None) -> list[Cluster]:
        """likely_duplicate_clusters (every group, low-information ones too) of the store as it
        is: those stored when nothing changed since, else worked out and stored. `shown` then
        holds, for each grouped item, the start of its text and its own title: what
        `prodops duplicates` prints, kept with the groups so that printing reads no item (at
        100,000 items reading the grouped ones took 2.4 s)."""
        row = self._db.execute("SELECT seq, threshold, data FROM groups WHERE id = 1").fetchone()
        self.groups_read_back = bool(row and row[0] == self.store.seq and row[1] == threshold)
        if self.groups_read_back:
            stored = json.loads(row[2])
            self.shown = {item_id: (text, title) for item_id, text, title in stored["shown"]}
            return [Cluster(ids, kind, low_information=low, score=score) for kind, low, score, ids in stored["groups"]]
        if index is None:
            index = self.index()
        self._resume_pairing(index)
        found = index.clusters(threshold=threshold, should_stop=should_stop)
        self.paired_afresh = index.paired_afresh
        if should_stop is not None and should_stop():
            return []  # abandoned: nothing stored
        self.shown = self._shown(found, row)
        data = json.dumps({"groups": [[c.kind, c.low_information, c.score, list(c)] for c in found],
                           "shown": [[item_id, text, title] for item_id, (text, title) in self.shown.items()]},
                          ensure_ascii=False, separators=(",", ":"))
        self._db.execute("INSERT OR REPLACE INTO groups (id, seq, threshold, data) VALUES (1, ?, ?, ?)",
                         (self.store.seq, threshold, data))
        self._keep_pairing(index)
        return found

    def _shown(self, found: list[Cluster], row: tuple[int, float, str] | None) -> dict[str, tuple[str, str]]:
        """Each grouped item's text start and own title: those stored with the last groups for
        the items unchanged since, the others read (after a capture, one item instead of every
        grouped one: 78,000 at 100,000 items, 3 s)."""
        before: dict[str, tuple[str, str]] = {}
        changed = self.store.changed_after_entry(row[0]) if row else None
        if row is not None and changed is not None:
            before = {item_id: (text, title) for item_id, text, title in json.loads(row[2])["shown"]
                      if item_id not in changed}
        shown: dict[str, tuple[str, str]] = {}
        wanted: list[int] = []
        for group in found:
            for item_id in group:
                if item_id in before:
                    shown[item_id] = before[item_id]
                else:
                    wanted.append(number_of(item_id))
        shown.update({item.id: shown_of(item) for item in self.store.get_many(FeedbackItem, wanted)})
        return shown

    # --- the pairing --------------------------------------------------------------------------

    def _resume_pairing(self, index: DuplicateIndex) -> None:
        """Give an index without a pairing of its own the one stored, when it was scored with the
        same rarity: its next clusters() then pairs only the items changed since."""
        if index.pairing is not None or self._learned_seq < 0:
            return
        row = self._db.execute("SELECT seq, learned_seq, data FROM pairing WHERE id = 1").fetchone()
        if row is None or row[1] != self._learned_seq:
            return
        changed = self.store.changed_after_entry(row[0])
        if changed is None:
            return
        threshold, include_merged, reps, leader, edges = json.loads(row[2])
        index.resume_pairing(Pairing(threshold, include_merged, reps, leader, [tuple(edge) for edge in edges]),
                             changed)

    def _keep_pairing(self, index: DuplicateIndex) -> None:
        pairing = index.pairing
        if pairing is None or self._learned_seq < 0:
            return
        data = json.dumps([pairing.threshold, pairing.include_merged, pairing.reps, pairing.leader, pairing.edges],
                          ensure_ascii=False, separators=(",", ":"))
        self._db.execute("INSERT OR REPLACE INTO pairing (id, seq, learned_seq, data) VALUES (1, ?, ?, ?)",
                         (self.store.seq, self._learned_seq, data))


def lookalike_index(store: Store) -> DuplicateIndex:
    """The look-alike index, from lookalikes.sqlite when it can be opened and written, else
    built in memory (a read-only workspace, a full disk: the answer is the same, only slower)."""
    try:
        with StoredLookalikes(store) as stored:
            return stored.index()
    except sqlite3.Error:
        return DuplicateIndex.build(store)


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
