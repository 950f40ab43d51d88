"""Area suggestions: what the team already filed under each area, and each area's own words.

Each area has a profile, the TF-IDF centroid of the items filed under it: an item's words
(core/words.py: identifiers split, stopwords out, stemmed) counted sublinearly (1 + log n) and
scaled to length 1, so a long issue weighs as much as a short review, then summed per area and
read through each word's IDF over every filed item, log((N + 1) / (df + 0.5)), so a word in
every item ("rails", "app", a template's headings) weighs about nothing. A text's score for an
area is its cosine with that profile plus OWN_WEIGHT times its cosine with the area's own words
(glossary terms, name, description), each of those weighted by how few areas use it,
log(areas / areas using it): a word in every area's name ("dataset" in "Dataset loading",
"Dataset hub", ...) weighs nothing and decides nothing. Ties go to the area with more filed items.

The reason shown with a vote is the area's filed item that shares the most of the text's
telling words (`LearnedVote.example`); `LearnedVotes.rare` are the text's words that may be
named as a reason: not in every area's profile and not in most filed items.

Measured by bench/suggest.py (bench/README.md) on two sets labelled by hand, beside a plain
TF-IDF nearest-centroid baseline on the same splits.

The profiles live in `suggest.sqlite` beside the workspace, derived data like search.sqlite:
each word's document count, each area's profile, the three sums from which its length under
any IDF is worked out (s0 = sum c^2, s1 = sum l c^2, s2 = sum l^2 c^2 with l = log(df + 0.5):
|idf * c|^2 = L^2 s0 - 2 L s1 + s2 for L = log(N + 1)), so filing one item rewrites the rows
of its own words and never every profile; each filed item's word counts and which items use
each word (the similar item). It names the journal entry it holds and catches up from the
store's change log: a text is read again only when its item changed. Deleting the file loses
nothing; a workspace it cannot be written in builds it in memory.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..model import FeedbackItem, ProductArea, record_number
from ..storage.derived import open_derived
from ..storage.store import Store
from ..storage.where import Where
from ..words import meaningful_words

DB_NAME = "suggest.sqlite"
VERSION = 1
MIN_SCORE = 0.05  # a score below this is a word or two of little weight in common
OWN_WEIGHT = 0.25  # an area's own words against its filed items (bench/suggest.py: 0.2-0.3 best on both sets)
KIND_WEIGHTS = {"glossary": 3.0, "name": 2.0, "description": 1.0}  # as the glossary always counted them
COMMON_SHARE = 0.5  # a word in more than this share of the filed items is never a reason
# Nor is a word spread over about every area: its IDF across the areas' profiles (and across
# their own words) must be at least this, log(1.5): it is concentrated in at most two thirds of them.
MIN_RARE_IDF = math.log(1.5)
# The newest filed items are the examples: enough to learn a team's areas, and bounded so the
# first build at 100,000 filed items reads 20,000 texts, not all. Items filed later are added
# one by one; past EXAMPLES_SLACK times the bound the oldest go.
MAX_EXAMPLES = 20_000
EXAMPLES_SLACK = 1.25
REBUILD_OVER = 5_000  # changed items: more than this, and the profiles are built again
MAX_CHARS = 8_000  # of a text, read
MAX_WORDS = 600  # words read from a text
EXAMPLE_WORDS = 8  # the words that count most for an area, looked up to find its closest item
EXAMPLE_POSTINGS = 300  # the newest items per such word
_CHUNK = 500  # values in one IN (...)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL,
                                  seq INTEGER NOT NULL, examples INTEGER NOT NULL);
-- df: the filed items using the word; own_idf: log(areas / areas whose own words hold it), NULL for none
CREATE TABLE IF NOT EXISTS words (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE, df INTEGER NOT NULL DEFAULT 0,
                                  own_idf REAL);
-- profile: the sum of the area's items' unit word vectors (no IDF); own: the area's own words' unit vector
CREATE TABLE IF NOT EXISTS profile (word INTEGER NOT NULL, area INTEGER NOT NULL, weight REAL NOT NULL,
                                    PRIMARY KEY (word, area)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS own (word INTEGER NOT NULL, area INTEGER NOT NULL, weight REAL NOT NULL,
                                PRIMARY KEY (word, area)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS areas (area INTEGER PRIMARY KEY, examples INTEGER NOT NULL DEFAULT 0,
                                  s0 REAL NOT NULL DEFAULT 0, s1 REAL NOT NULL DEFAULT 0, s2 REAL NOT NULL DEFAULT 0,
                                  own INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS items (number INTEGER PRIMARY KEY, area INTEGER NOT NULL, digest INTEGER NOT NULL,
                                  counts TEXT NOT NULL);  -- "word:count,word:count" (word ids)
CREATE TABLE IF NOT EXISTS postings (word INTEGER NOT NULL, area INTEGER NOT NULL, number INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS postings_by_word ON postings (word, area, number);
"""
_TABLES = ("state", "words", "profile", "own", "areas", "items", "postings")


@dataclass(frozen=True)
class LearnedVote:
    area: str  # ProductArea id
    score: float  # cosine with the area's profile, plus OWN_WEIGHT times the cosine with its own words
    example: str  # the area's filed item sharing the most telling words with the text; "" when none does
    shared: tuple[str, ...]  # the rare words it shares with the text, rarest first


@dataclass(frozen=True)
class LearnedVotes:
    votes: list[LearnedVote]
    rare: frozenset[str] = field(default_factory=frozenset)  # the text's words (stems) that may be named as a reason

    def __iter__(self) -> Iterator[LearnedVote]:
        return iter(self.votes)

    def __len__(self) -> int:
        return len(self.votes)


def text_words(text: str) -> Counter[str]:
    return Counter(meaningful_words(text[:MAX_CHARS], limit=MAX_WORDS))


def unit(counts: Counter | dict) -> dict:
    """Sublinear term frequencies (1 + log n) scaled to length 1."""
    return unit_weights({word: 1.0 + math.log(n) for word, n in counts.items() if n > 0})


def unit_weights(weights: dict) -> dict:
    norm = math.sqrt(sum(x * x for x in weights.values())) or 1.0
    return {key: x / norm for key, x in weights.items()}


def own_words(area: ProductArea) -> dict[str, float]:
    """An area's own words (stems), each with the weight of the strongest place it is in."""
    found: dict[str, float] = {}
    places = [("glossary", term) for term in area.glossary] + [("name", area.name), ("description", area.description)]
    for kind, text in places:
        for word in meaningful_words(text or "", limit=MAX_WORDS):
            found[word] = max(found.get(word, 0.0), KIND_WEIGHTS[kind])
    return found


def _digest(item: FeedbackItem) -> int:
    raw = hashlib.blake2b(f"{item.title}\0{item.text}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(raw, "big", signed=True)


def _chunks(values: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _marks(values: list) -> str:
    return ",".join("?" * len(values))


def _encode(counts: dict[int, int]) -> str:
    return ",".join(f"{word}:{n}" for word, n in counts.items())


def _decode(text: str) -> dict[int, int]:
    return {int(word): int(n) for word, n in (pair.split(":") for pair in text.split(",") if pair)}


def _length(examples: int, s0: float, s1: float, s2: float, big_l: float) -> float:
    """|idf * c| of a profile, from its three sums (module docstring)."""
    return math.sqrt(max(0.0, big_l * big_l * s0 - 2 * big_l * s1 + s2)) if examples > 0 else 0.0


class _Batch:
    """Items added to and removed from the profiles, worked out in memory over the rows their
    words touch, then written back: the sums stay exact for every area a word's count moves."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.ids: dict[str, int] = {}
        self.df: dict[int, int] = {}
        self.rows: dict[int, dict[int, float]] = {}  # word -> area -> weight, for every area using the word
        self.areas: dict[int, list] = {}  # area -> [examples, s0, s1, s2]
        self.examples = db.execute("SELECT examples FROM state WHERE id = 1").fetchone()[0]
        self.changed_rows: set[tuple[int, int]] = set()

    def word_ids(self, words: Iterable[str]) -> dict[str, int]:
        wanted = [w for w in set(words) if w not in self.ids]
        for chunk in _chunks(wanted):
            for word_id, word, df in self.db.execute(f"SELECT id, word, df FROM words WHERE word IN ({_marks(chunk)})", chunk):
                self.ids[word] = word_id
                self.df.setdefault(word_id, df)  # a count this batch moved already stays moved
        for word in wanted:
            if word not in self.ids:
                word_id = self.db.execute("INSERT INTO words (word, df) VALUES (?, 0)", (word,)).lastrowid
                assert word_id is not None  # an INSERT into a rowid table always sets it
                self.ids[word], self.df[word_id] = word_id, 0
        return {w: self.ids[w] for w in words}

    def load(self, word_ids: Iterable[int]) -> None:
        wanted = [w for w in set(word_ids) if w not in self.rows]
        for w in wanted:
            self.rows[w] = {}
        for chunk in _chunks(wanted):
            for word, area, weight in self.db.execute(f"SELECT word, area, weight FROM profile WHERE word IN ({_marks(chunk)})", chunk):
                self.rows[word][area] = weight
        for chunk in _chunks(wanted):
            for word, df in self.db.execute(f"SELECT id, df FROM words WHERE id IN ({_marks(chunk)})", chunk):
                self.df.setdefault(word, df)
        areas = {a for w in wanted for a in self.rows[w]} - set(self.areas)
        self._load_areas(areas)

    def _load_areas(self, areas: Iterable[int]) -> None:
        wanted = [a for a in set(areas) if a not in self.areas]
        for a in wanted:
            self.areas[a] = [0, 0.0, 0.0, 0.0]
        for chunk in _chunks(wanted):
            for area, examples, s0, s1, s2 in self.db.execute(
                    f"SELECT area, examples, s0, s1, s2 FROM areas WHERE area IN ({_marks(chunk)})", chunk):
                self.areas[area] = [examples, s0, s1, s2]

    def _count_moves(self, word: int, step: int) -> None:
        """The word's document count moves by `step`: every area using it sees its l change."""
        old = self.df[word]
        new = old + step
        l_old, l_new = math.log(old + 0.5), math.log(new + 0.5)
        for area, weight in self.rows[word].items():
            sums = self.areas[area]
            sums[2] += (l_new - l_old) * weight * weight
            sums[3] += (l_new * l_new - l_old * l_old) * weight * weight
        self.df[word] = new

    def _weight_moves(self, word: int, area: int, delta: float) -> None:
        before = self.rows[word].get(area, 0.0)
        after = before + delta
        change = after * after - before * before
        l_now = math.log(self.df[word] + 0.5)
        sums = self.areas[area]
        sums[1] += change
        sums[2] += l_now * change
        sums[3] += l_now * l_now * change
        self.rows[word][area] = after
        self.changed_rows.add((word, area))

    def add(self, number: int, area: int, counts: dict[int, int], digest: int) -> None:
        self.load(counts)
        self._load_areas([area])
        for word, weight in unit(counts).items():
            self._count_moves(word, +1)
            self._weight_moves(word, area, weight)
        self.areas[area][0] += 1
        self.examples += 1
        self.db.execute("INSERT OR REPLACE INTO items (number, area, digest, counts) VALUES (?, ?, ?, ?)",
                        (number, area, digest, _encode(counts)))
        self.db.executemany("INSERT INTO postings (word, area, number) VALUES (?, ?, ?)", ((w, area, number) for w in counts))

    def remove(self, number: int, area: int, counts: dict[int, int]) -> None:
        self.load(counts)
        self._load_areas([area])
        for word, weight in unit(counts).items():
            self._weight_moves(word, area, -weight)
            self._count_moves(word, -1)
        sums = self.areas[area]
        sums[0] -= 1
        if sums[0] <= 0:
            sums[:] = [0, 0.0, 0.0, 0.0]
        self.examples -= 1
        self.db.execute("DELETE FROM items WHERE number = ?", (number,))
        self.db.executemany("DELETE FROM postings WHERE word = ? AND area = ? AND number = ?", ((w, area, number) for w in counts))

    def write(self) -> None:
        db = self.db
        kept: list[tuple[int, int, float]] = []
        gone: list[tuple[int, int, float]] = []
        for word, area in self.changed_rows:
            weight = self.rows[word].get(area, 0.0)
            (kept if abs(weight) > 1e-9 and self.areas[area][0] > 0 else gone).append((word, area, weight))
        db.executemany("INSERT OR REPLACE INTO profile (word, area, weight) VALUES (?, ?, ?)", kept)
        db.executemany("DELETE FROM profile WHERE word = ? AND area = ?", ((w, a) for w, a, _ in gone))
        db.executemany("UPDATE words SET df = ? WHERE id = ?", ((df, w) for w, df in self.df.items()))
        db.executemany("INSERT INTO areas (area, examples, s0, s1, s2) VALUES (?, ?, ?, ?, ?) ON CONFLICT (area) DO UPDATE "
                       "SET examples = excluded.examples, s0 = excluded.s0, s1 = excluded.s1, s2 = excluded.s2",
                       ((a, *sums) for a, sums in self.areas.items()))
        db.execute("UPDATE state SET examples = ? WHERE id = 1", (self.examples,))


class AreaProfiles:
    """One process's handle on a workspace's suggest.sqlite: `refresh`, then `votes`."""

    def __init__(self, directory: Path):
        self.path = directory / DB_NAME
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self.last_refresh = ""  # for tests: "rebuilt", "updated" or "current"
        self.texts_read = 0  # for tests: the items whose text the last refresh read
        self._seen: tuple[int, int] | None = None  # (store revision, seq) of this process's last refresh
        self.in_memory = False
        try:
            self._writer = self._connect(self.path)
            self._reader = self._connect(self.path)
        except (sqlite3.Error, OSError):
            self._in_memory()

    @staticmethod
    def _connect(path: Path | str) -> sqlite3.Connection:
        # Not tied to one thread: the inbox refreshes in a worker and asks on the event loop.
        return open_derived(path, version=VERSION, tables=_TABLES, schema=_SCHEMA)

    def _in_memory(self) -> None:
        """suggest.sqlite cannot be opened or written (a read-only workspace, a full disk): the
        same profiles, built in memory for this process."""
        self._writer = self._reader = self._connect(":memory:")
        self._read_lock = self._write_lock
        self._seen = None
        self.in_memory = True

    # --- keeping up with the store ------------------------------------------------------

    def has_state(self) -> bool:
        with self._read_lock:
            return self._reader.execute("SELECT 1 FROM state WHERE id = 1").fetchone() is not None

    def refresh(self, store: Store) -> str:
        """Bring the profiles to the store's entry: the items changed since the one they hold,
        the areas' own words when any area changed; or everything."""
        try:
            return self._refresh(store)
        except sqlite3.OperationalError:
            if self.in_memory:
                raise
            self._in_memory()
            return self._refresh(store)

    def _refresh(self, store: Store) -> str:
        with self._write_lock:
            db = self._writer
            revision, seq = store.revision, store.seq
            self.texts_read = 0
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT seq FROM state WHERE id = 1").fetchone()
                if row is not None and row[0] >= seq:
                    done = "current"  # held, or another process is further on: its profiles answer
                else:
                    changed = store.changed_after_entry(row[0]) if row is not None else None
                    if changed is None and row is not None and self._seen is not None and self._seen[1] == row[0]:
                        changed = store.changed_since(self._seen[0])  # this process's own log (a store with no cache)
                    feedback = [n for i in changed or () if i.startswith(f"{FeedbackItem.PREFIX}-") and (n := record_number(i))]
                    if changed is None or len(feedback) > REBUILD_OVER:
                        self._rebuild(db, store)
                        done = "rebuilt"
                    else:
                        if feedback:
                            self._update(db, store, sorted(set(feedback)))
                        if any(i.startswith(f"{ProductArea.PREFIX}-") for i in changed):
                            self._write_own(db, store)
                        done = "updated"
                    db.execute("UPDATE state SET seq = ? WHERE id = 1", (seq,))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            self._seen = (revision, seq)
            self.last_refresh = done
            return done

    def _rebuild(self, db: sqlite3.Connection, store: Store) -> None:
        for table in _TABLES:
            db.execute(f"DELETE FROM {table}")
        db.execute("DROP INDEX IF EXISTS postings_by_word")  # built once after the rows, not row by row
        filed = store.fields(FeedbackItem, (), where=(Where("area", "set"), Where("duplicate_of", "empty")))
        numbers = sorted(number for number, in filed)[-MAX_EXAMPLES:]
        ids: dict[str, int] = {}
        df: Counter[int] = Counter()
        profiles: dict[int, Counter[int]] = {}
        examples: Counter[int] = Counter()
        for chunk in _chunks(numbers, 2_000):
            items: list[tuple[int, int, int, str]] = []  # number, area, digest, encoded counts
            postings: list[tuple[int, int, int]] = []  # word, area, number
            for item in store.get_many(FeedbackItem, chunk):
                area = record_number(item.area or "")  # ids count from 1: 0 is no area
                if not area or item.duplicate_of:
                    continue
                words = text_words(f"{item.title}\n{item.text}")
                self.texts_read += 1
                counts = {ids.setdefault(w, len(ids) + 1): n for w, n in words.items()}
                items.append((item.number, area, _digest(item), _encode(counts)))
                postings.extend((w, area, item.number) for w in counts)
                df.update(counts.keys())
                profiles.setdefault(area, Counter()).update(unit(counts))
                examples[area] += 1
            db.executemany("INSERT INTO items (number, area, digest, counts) VALUES (?, ?, ?, ?)", items)
            db.executemany("INSERT INTO postings (word, area, number) VALUES (?, ?, ?)", postings)
        db.execute("CREATE INDEX postings_by_word ON postings (word, area, number)")
        db.executemany("INSERT INTO words (id, word, df) VALUES (?, ?, ?)", ((i, w, df[i]) for w, i in ids.items()))
        log_df = {i: math.log(n + 0.5) for i, n in df.items()}
        for area, weights in profiles.items():
            db.executemany("INSERT INTO profile (word, area, weight) VALUES (?, ?, ?)", ((w, area, x) for w, x in weights.items()))
            s0 = sum(x * x for x in weights.values())
            s1 = sum(log_df[w] * x * x for w, x in weights.items())
            s2 = sum(log_df[w] ** 2 * x * x for w, x in weights.items())
            db.execute("INSERT INTO areas (area, examples, s0, s1, s2) VALUES (?, ?, ?, ?, ?)", (area, examples[area], s0, s1, s2))
        db.execute("INSERT INTO state (id, version, seq, examples) VALUES (1, ?, 0, ?)", (VERSION, sum(examples.values())))
        self._write_own(db, store)

    def _update(self, db: sqlite3.Connection, store: Store, numbers: list[int]) -> None:
        held = {}
        for chunk in _chunks(numbers):
            for number, area, digest, counts in db.execute(
                    f"SELECT number, area, digest, counts FROM items WHERE number IN ({_marks(chunk)})", chunk):
                held[number] = (area, digest, counts)
        now = {item.number: item for item in store.get_many(FeedbackItem, numbers)}
        batch = _Batch(db)
        for number in numbers:
            item = now.get(number)
            area = (record_number(item.area) or None) if item is not None and item.area and not item.duplicate_of else None
            digest = _digest(item) if item is not None and area is not None else None
            before = held.get(number)
            if before is not None and (before[0], before[1]) == (area, digest):
                continue  # a tag, a status: its words and area are as they were
            if before is not None:
                batch.remove(number, before[0], _decode(before[2]))
            if item is not None and area is not None and digest is not None:  # digest is set exactly then
                words = text_words(f"{item.title}\n{item.text}")
                self.texts_read += 1
                ids = batch.word_ids(words)
                batch.add(number, area, {ids[w]: n for w, n in words.items()}, digest)
        if batch.examples > MAX_EXAMPLES * EXAMPLES_SLACK:
            oldest = db.execute("SELECT number, area, counts FROM items ORDER BY number LIMIT ?",
                                (batch.examples - MAX_EXAMPLES,)).fetchall()
            for number, area, counts in oldest:
                batch.remove(number, area, _decode(counts))
        batch.write()

    def _write_own(self, db: sqlite3.Connection, store: Store) -> None:
        """Every area's own words, weighted by how few areas use each: a word in every area's
        name weighs 0 and is left out."""
        words_of = {number: own_words(area) for area in store.all(ProductArea) if (number := record_number(area.id))}
        words_of = {number: words for number, words in words_of.items() if words}
        users = Counter(word for words in words_of.values() for word in words)
        total = len(words_of)
        batch = _Batch(db)
        rows = []
        for area, words in words_of.items():
            weights = {w: k * (math.log(total / users[w]) if total > 1 else 1.0) for w, k in words.items()}
            vector = {w: x for w, x in unit_weights(weights).items() if x > 0}
            ids = batch.word_ids(vector)
            rows += [(ids[w], area, x) for w, x in vector.items()]
        db.execute("DELETE FROM own")
        db.executemany("INSERT INTO own (word, area, weight) VALUES (?, ?, ?)", rows)
        db.execute("UPDATE words SET own_idf = NULL WHERE own_idf IS NOT NULL")
        spread = {w: math.log(total / n) if total > 1 else 1.0 for w, n in users.items()}
        ids = batch.word_ids(spread)
        db.executemany("UPDATE words SET own_idf = ? WHERE id = ?", ((x, ids[w]) for w, x in spread.items()))
        db.execute("UPDATE areas SET own = 0")
        counts = Counter(area for _, area, _ in rows)
        db.executemany("INSERT INTO areas (area, own) VALUES (?, ?) ON CONFLICT (area) DO UPDATE SET own = excluded.own",
                       counts.items())

    # --- asking -------------------------------------------------------------------------

    def votes(self, text: str, *, exclude: str | None = None, limit: int = 5, learned: bool = True) -> LearnedVotes:
        """The `limit` areas whose profiles read most like the text, best first. `exclude`: a
        filed item that must not count as its own example (its words leave its area's profile;
        the words' counts stay). `learned=False`: the areas' own words alone."""
        counts = text_words(text)
        if not counts:
            return LearnedVotes([])
        with self._read_lock:
            db = self._reader
            db.execute("BEGIN")  # one snapshot for every read: a worker may be writing
            try:
                return self._votes(db, counts, exclude, limit, learned)
            finally:
                db.execute("COMMIT")

    def _votes(self, db: sqlite3.Connection, counts: Counter[str], exclude: str | None, limit: int, learned: bool) -> LearnedVotes:
        state = db.execute("SELECT examples FROM state WHERE id = 1").fetchone()
        total = state[0] if state else 0
        big_l = math.log(total + 1)
        words = list(counts)
        known: dict[str, tuple[int, int]] = {}
        own_idf: dict[str, float | None] = {}
        for chunk in _chunks(words):
            for word_id, word, df, spread in db.execute(f"SELECT id, word, df, own_idf FROM words WHERE word IN ({_marks(chunk)})", chunk):
                known[word] = (word_id, df)
                own_idf[word] = spread
        idf = {w: big_l - math.log(known[w][1] + 0.5 if w in known else 0.5) for w in words}
        query = {w: (1 + math.log(n)) * idf[w] for w, n in counts.items()}
        query_norm = math.sqrt(sum(x * x for x in query.values())) or 1.0
        by_id = {word_id: word for word, (word_id, _) in known.items()}
        ids = list(by_id)
        dots: Counter[int] = Counter()
        parts: dict[int, dict[str, float]] = {}  # area -> word -> its share of the dot product
        used: dict[str, dict[int, float]] = {}  # word -> area -> its weight in the area's profile
        for chunk in _chunks(ids):
            for word_id, area, weight in db.execute(f"SELECT word, area, weight FROM profile WHERE word IN ({_marks(chunk)})", chunk):
                word = by_id[word_id]
                share = query[word] * idf[word] * weight
                dots[area] += share
                parts.setdefault(area, {})[word] = share
                used.setdefault(word, {})[area] = weight
        own: Counter[int] = Counter()
        named: dict[int, set[str]] = {}  # area -> the own words of it the text uses
        for chunk in _chunks(ids):
            for word_id, area, weight in db.execute(f"SELECT word, area, weight FROM own WHERE word IN ({_marks(chunk)})", chunk):
                word = by_id[word_id]
                own[area] += query[word] * weight
                named.setdefault(area, set()).add(word)
        areas = {area: [examples, _length(examples, s0, s1, s2, big_l)] for area, examples, s0, s1, s2 in
                 db.execute("SELECT area, examples, s0, s1, s2 FROM areas WHERE examples > 0 OR own > 0")}
        left_out = (record_number(exclude) or None) if exclude and exclude.upper().startswith(f"{FeedbackItem.PREFIX}-") else None
        if left_out is not None:
            self._leave_out(db, left_out, areas, dots, parts, query, idf, big_l)
        rare = self._rare(words, known, own_idf, used, areas, total)
        scores: dict[int, float] = {}
        for area, (examples, length) in areas.items():
            score = OWN_WEIGHT * own[area] / query_norm
            if learned and examples > 0 and length > 0:
                score += dots[area] / (query_norm * length)
            # Kept for reading like it, or for naming it: a glossary term or a word of its name
            # that says something is enough, however long the text (a cosine is small then).
            if score >= MIN_SCORE or not rare.isdisjoint(named.get(area, ())):
                scores[area] = score
        top = sorted(scores, key=lambda a: (-scores[a], -areas[a][0], a))[:limit]
        ids_of = {word: word_id for word_id, word in by_id.items()}
        votes = []
        for area in top:
            example = ""
            shared: tuple[str, ...] = ()
            if learned and areas[area][0] > 0:
                example, shared = self._closest(db, area, parts.get(area, {}), ids_of, idf, rare, left_out)
            votes.append(LearnedVote(f"{ProductArea.PREFIX}-{area}", round(scores[area], 3), example, shared))
        return LearnedVotes(votes, rare)

    @staticmethod
    def _rare(words, known, own_idf, used, areas, total) -> frozenset[str]:
        """The words that may be named as a reason: in at most COMMON_SHARE of the filed items,
        and with an IDF across the areas of at least MIN_RARE_IDF, both over their own words
        (stored) and over their profiles, where an area counts by how much of it uses the word
        (each area's share of the word's weight per filed item, counted as the inverse Simpson
        number: a word used alike by every area counts every area)."""
        with_examples = {area: examples for area, (examples, _) in areas.items() if examples > 0}
        rare = set()
        for word in words:
            if word in known and known[word][1] > COMMON_SHARE * total:
                continue
            spread_over_own = own_idf.get(word)
            if spread_over_own is not None and spread_over_own < MIN_RARE_IDF:
                continue
            if word in known and known[word][1] and len(with_examples) > 1:
                shares = [weight / with_examples[area] for area, weight in used.get(word, {}).items() if area in with_examples]
                spread = sum(shares) ** 2 / (sum(x * x for x in shares) or 1.0)
                if shares and math.log(len(with_examples) / spread) < MIN_RARE_IDF:
                    continue
            rare.add(word)
        return frozenset(rare)

    def _leave_out(self, db, number, areas, dots, parts, query, idf, big_l) -> None:
        """Take one filed item out of its area's profile for this answer (its words' counts stay)."""
        row = db.execute("SELECT area, counts FROM items WHERE number = ?", (number,)).fetchone()
        if row is None or row[0] not in areas:
            return
        area, encoded = row
        vector = unit(_decode(encoded))
        word_ids = list(vector)
        names: dict[int, tuple[str | None, int]] = {}
        for chunk in _chunks(word_ids):
            for word_id, word, df in db.execute(f"SELECT id, word, df FROM words WHERE id IN ({_marks(chunk)})", chunk):
                names[word_id] = (word, df)
        weights: dict[int, float] = {}
        for chunk in _chunks(word_ids):
            for word_id, weight in db.execute(
                    f"SELECT word, weight FROM profile WHERE area = ? AND word IN ({_marks(chunk)})", [area, *chunk]):
                weights[word_id] = weight
        examples, length = areas[area]
        squared = length * length
        for word_id, u in vector.items():
            word, df = names.get(word_id, (None, 0))
            word_idf = big_l - math.log(df + 0.5)
            squared += word_idf * word_idf * (u * u - 2 * weights.get(word_id, 0.0) * u)
            if word in query:
                share = query[word] * idf[word] * u
                dots[area] -= share
                parts.setdefault(area, {})[word] = parts.get(area, {}).get(word, 0.0) - share
        areas[area] = [examples - 1, math.sqrt(max(0.0, squared)) if examples > 1 else 0.0]

    def _closest(self, db, area: int, parts: dict[str, float], ids_of: dict[str, int], idf: dict[str, float],
                 rare: frozenset[str], left_out: int | None) -> tuple[str, tuple[str, ...]]:
        """The area's filed item holding the most of the words that count most for it here."""
        telling = sorted((w for w, share in parts.items() if share > 1e-12), key=lambda w: -parts[w])[:EXAMPLE_WORDS]
        overlap: dict[int, float] = {}  # item number -> the shares of the words it holds
        holds: dict[int, list[str]] = {}
        for word in telling:
            for (number,) in db.execute("SELECT number FROM postings WHERE word = ? AND area = ? ORDER BY number DESC LIMIT ?",
                                        (ids_of[word], area, EXAMPLE_POSTINGS)):
                if number != left_out:
                    overlap[number] = overlap.get(number, 0.0) + parts[word]
                    holds.setdefault(number, []).append(word)
        if not overlap:
            return "", ()
        best = max(overlap, key=lambda n: (overlap[n], n))
        shared = tuple(sorted((w for w in holds[best] if w in rare), key=lambda w: -idf[w]))[:4]
        return f"{FeedbackItem.PREFIX}-{best}", shared


_profiles: weakref.WeakKeyDictionary[Store, AreaProfiles] = weakref.WeakKeyDictionary()
_profiles_lock = threading.Lock()


def examples(store: Store, *, fresh: bool = True) -> AreaProfiles:
    """The store's profiles, brought to what it holds. `fresh=False` (a picker on the event
    loop) answers from them as they are when they were ever built: one triage more or less
    changes a suggestion little, and the inbox's background scan catches them up."""
    with _profiles_lock:
        profiles = _profiles.get(store)
        if profiles is None:
            profiles = _profiles[store] = AreaProfiles(store.directory)
    if fresh or not profiles.has_state():
        profiles.refresh(store)
    return profiles
