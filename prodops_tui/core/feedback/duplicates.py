"""Near-duplicate feedback: find it and cluster it (merging it is merge.py).

How two items are compared
--------------------------
By their look-alike profiles (lookalikes.py): title and whole text, without the lines and
sentences many items of the workspace share (templates, signatures, greetings:
boilerplate.py), terms weighted by how rare they are in the workspace, cosine x 100. Items
with fewer than MIN_TERMS distinct terms (lookalikes.py) ("good", "nice app 👍", "BEST APP EVER!!") are not
compared by likeness: short praise matches other short praise at any threshold. They are
grouped by their exact words instead (`exact_key`: case, punctuation, emoji and spacing
ignored), so the 39 "good"s of the real reviews are one group and "Dark mode in the app
please 🌙" x4 another; the remaining short texts that say nothing to act on ("wow", "cool
app": is_low_information, the one definition) form one low-information group, to archive in
one step. A rating of 1-2, a problem or request word, a question or three meaningful words in
the title or the text keep an item out of it, and out of the identical groups to archive
("not working" x2 is a group to read).

Threshold, measured (Dec 2026) on 457 hand-labelled pairs, 210 of them the same feedback:
154 of the real reviews and tweets (tests/data/duplicate_pairs_labelled.csv) and 303 of real
Hadoop Jira issues and SeaMonkey bugs (issue_pairs_labelled.csv, whose "no" pairs are chosen
hard: the same upgrade to another version, the same fault on another site):
  score >=        30     35     38     40     45     50
  recall        0.60   0.54   0.49   0.48   0.42   0.39
  precision     0.64   0.72   0.75   0.76   0.75   0.75
  reviews       36/59 at 0.86, 34/59 at 0.92, 31/59 at 0.94, 30/59 at 0.97, 29/59 at 1.00
DUPLICATE_THRESHOLD = 40: the reviews' precision stays above 0.95, and over every pair the
precision is above the old scorer's (the fuzzy ratio of the first 500 characters of the sorted
words at 85: recall 0.21, precision 0.63) at 2.3x its recall. Two rules carry most of the
precision on issues: a title naming other things than the other's (versions, sites, files,
modules: lookalikes.names_in) scales the score by 0.35 (false matches 90 -> 32), and an item
with its own title keeps every word of it in its exact key (sites too). What is still
missed is the same point in other words ("best app I ever install" ~ "One of the best apps I
have ever encountered", "Severe memory usage" ~ "memory leak") and reports whose words differ
(a symptom vs its cause); what is still wrongly matched is mostly the same change in two
modules or branches named in the text, not the title.

Whole-inbox clusters
--------------------
Items with the same terms (copies, templated messages) are one node. Each node is scored only
against nodes sharing one of its filed terms (lookalikes.py), pairs at or above the threshold
become edges, and clusters are grown by complete linkage (strongest pairs first; two clusters
join only when every two members are alike: no chaining A~B~C when A and C differ). What a run
decided is kept node by node (`Run`, stored by stored_lookalikes.py), and after nodes are added
complete linkage is taken again only where their pairs reach (`relink`): at 100,000 items of the
bench's data one connected part holds 20,000 of 22,000 leaders and 700,000 pairs, and taking it
all again cost 3-4 s per capture.

Merging lives in merge.py: the survivor keeps every customer (`merge.customers_of`).
"""

from __future__ import annotations

import heapq
import re
import struct
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

from rapidfuzz import fuzz, utils

from ..errors import NotFound, ProdopsError
from ..memory import available_memory
from ..model import FeedbackItem, record_number
from ..storage.store import Store
from ..text import clean_line, first_line
from ..words import meaningful_words
from .boilerplate import Boilerplate, without_comments
from .lookalikes import (
    CONFIRM_RATIO, MAX_CHARS, MAX_TERMS, MIN_TERMS, OTHER_NAME_FACTOR, Profile, Vectors, cosine, different_names,
    names_in, own_title, profile_of, profile_of_text, sorted_terms,
)

Node = TypeVar("Node", int, float)  # a node of complete linkage: an int in memory, a position on disk (float between two)
DUPLICATE_THRESHOLD = 40.0  # chosen on the labelled pairs: see the module's docstring
# A node this like an older one is folded into it before pairing (a copy with a word changed). Two
# copies of one leader then score at least 2 x 0.85^2 - 1 = 0.445 by cosine, over the threshold: at
# 70 (fewer leaders, pairs 184k -> 104k at 30,000 items) two copies scored 33 and the groups broke.
NEAR_COPY = 85.0
NEAR_COPY_CANDIDATES = 8  # leaders tried per node, those sharing the most filed terms first
# What working out the index of every item in memory takes at its peak. `prodops duplicates`
# building it the first time on bench/run.py's items, peak RSS by hand (/usr/bin/time): 123 MB at
# 10,000 items, 304 at 30,000, 618 at 60,000, 1,099 at 100,000. Each item costs more than the one
# before (9, 10.5 and 12 KB between those sizes: longer postings, more pairs), about n^1.21 in all:
# 16.9 GB at a million items, as the million-item run found (it ran out of a 20 GB address space).
# Since the items are read by page and the pairs held once (db2e141 to 7051345): 108, 248, 468 and
# 757 MB. The figures below stay the first ones, on purpose: the pairs grow about as the square of
# the items, and at a million the leaner build (db2e141, guard off, a 16 GiB cgroup) still reached
# 15.8 GB of RSS and was grouping after an hour when it was stopped; at 209c36c, 13.3 GB, and still
# grouping 40 minutes after it started. Refusing where it might fit costs "look-alikes are off"; starting
# where it does not costs the app.
INDEX_BYTES_AT_100K = 1_040_000_000  # above the interpreter's own ~60 MB
INDEX_GROWTH = 1.21
# Longer texts hold more words. Traced by hand (tracemalloc, build and pairing) at 1,054 items:
# bench/run.py's reviews, 185 characters on average, 4.5 KB an item at the peak; 1,054 real issues
# (tests/data: Hadoop, Rails, SeaMonkey), 1,022 characters, 9.1 KB. About 3.5 KB and 5.5 bytes a
# character; the figures above are for bench/run.py's 234 characters (its 100,000 rows).
ITEM_BASE_BYTES, ITEM_BYTES_PER_CHAR, BENCH_MEAN_CHARS = 3_480, 5.5, 234
TEXT_SAMPLE = 500  # items read to learn the mean length of a large workspace's texts
INDEX_MEMORY_SHARE = 0.8  # of the memory free now: the rest is the app's, the page cache's, the user's


class LookalikesTooBig(ProdopsError):
    """The look-alike index of every item would not fit in the memory this machine has free.
    At a million items it took more than 16 GB; the kernel's out-of-memory killer would have
    ended the app (losing nothing stored, but the screen and the session) before Python's
    MemoryError came."""


def check_index_fits(store: Store, items: int | None = None) -> None:
    """Raise LookalikesTooBig, with what it would take, when the index of the store's items (or
    of `items` items) would not fit in the memory free now. Asked before the items are read: a
    million of them alone take gigabytes. Where the longest texts could tip it, a sample of
    TEXT_SAMPLE items gives their length (real tracker issues take twice a review's memory)."""
    count = store.count(FeedbackItem) if items is None else items
    free = available_memory()
    if free is None:
        return
    longest = text_factor(MAX_CHARS)
    if index_memory(count) * longest <= INDEX_MEMORY_SHARE * free:
        return  # fits whatever the texts' length: nothing read
    needed = index_memory(count, mean_text_chars(store))
    if needed > INDEX_MEMORY_SHARE * free:
        raise LookalikesTooBig(
            f"look-alikes are off: indexing {count:,} items needs about {_gigabytes(needed)} of memory and "
            f"{_gigabytes(free)} is free (nothing is lost; with more memory free, `prodops duplicates` builds it)")


def index_memory(items: int, mean_chars: float = BENCH_MEAN_CHARS) -> int:
    """Bytes the index of `items` items, of `mean_chars` characters on average, takes at its peak
    (INDEX_BYTES_AT_100K, INDEX_GROWTH, and the texts' length as text_factor weighs it)."""
    return int(INDEX_BYTES_AT_100K * (items / 100_000) ** INDEX_GROWTH * text_factor(mean_chars))


def text_factor(mean_chars: float) -> float:
    """An item of `mean_chars` characters against one of bench/run.py's, in the index's memory."""
    return (ITEM_BASE_BYTES + ITEM_BYTES_PER_CHAR * min(mean_chars, MAX_CHARS)) / (
        ITEM_BASE_BYTES + ITEM_BYTES_PER_CHAR * BENCH_MEAN_CHARS)


def mean_text_chars(store: Store) -> float:
    """The mean length of the items' titles and texts (as far as they are compared), from up to
    TEXT_SAMPLE items spread over the ids: point reads, not the whole kind."""
    last = store.next_number(FeedbackItem.PREFIX) - 1
    step = max(1, last // TEXT_SAMPLE)
    sample = store.get_many(FeedbackItem, list(range(1, last + 1, step)))
    if not sample:
        return BENCH_MEAN_CHARS
    return sum(len(item.title or "") + min(len(item.text), MAX_CHARS) for item in sample) / len(sample)


def _gigabytes(size: int) -> str:
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.1f} MB" if size < 1e7 else f"{size / 1e6:.0f} MB"


def normalise_words(text: str) -> list[str]:
    """The meaningful words of `text` (core/words.py), as look-alikes read them."""
    return meaningful_words(text[:MAX_CHARS], limit=MAX_TERMS)


_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)|(?<=\w)['’]")


EXACT_CHARS = 500  # of a short text, read for its exact words


def exact_key(text: str) -> str:
    """Every word, lower-cased, with punctuation, emoji, URLs, @mentions and spacing gone:
    texts with the same exact key say the same thing ("Good!!" and "good 👍")."""
    text = _MENTION.sub(" ", _URL.sub(" ", text[:EXACT_CHARS]))
    return " ".join(utils.default_process(_APOSTROPHE.sub("", text)).split())


# --- low information: the one definition ----------------------------------------------

LOW_INFORMATION_WORDS = 2  # "good", "nice app", "very good 👍": at most this many words that carry meaning

# Words that make a text a problem, a complaint, a request or a question however short it is, so
# that an item holding one is never offered for one-step archiving. Chosen (Dec 2026) from what a
# word count alone swept into the low-information group (docs/PITFALLS.md: short is not empty): 1-2 star
# reviews ("not working", "cancel subscription", "why do I have to pay. suck", "why limits",
# "not so good") and real issues titled with their meaning ("Stored XSS", "Support Python 3.11",
# "`yelp_polarity` is broken", "WikiText 103 tokenizer hangs"); then each word's family and its
# neighbours in the same four groups below. Whole words, lower-cased, apostrophes dropped
# (can't -> cant), so "bugs" matches and "debug" does not.
# Wide on purpose: praise that uses one ("not bad", "no ads, love it") stays out of the group and
# is read, a few seconds; a complaint swept away with the praise is lost. English only: a short
# complaint in another language ("Bekar") is kept out by its rating, a question mark or three
# words, not by this list.
_MEANING_WORDS = frozenset(
    # something does not work
    """not no never nothing cant cannot couldnt doesnt dont didnt isnt wasnt wont arent aint unable
    broken broke break breaks bug bugs buggy crash crashes crashed crashing error errors fail fails failed
    failing failure hang hangs hanging hung freeze freezes freezing frozen stuck stop stops stopped slow
    slower slowly lag lags lagging laggy glitch glitches glitchy issue issues problem problems wrong
    missing lost lose loses losing gone disappear disappears disappeared delete deleted uninstall uninstalled
    """
    # it is bad
    """bad worse worst poor terrible awful horrible useless waste hate hated suck sucks stupid trash
    garbage rubbish annoying annoyed disappointed disappointing ridiculous pathetic scam fake spam
    """
    # money, account and security
    """cancel canceled cancelled cancelling refund refunds refunded charge charged charges charging pay
    paid paying payment payments price prices pricing cost costs expensive subscription subscriptions
    subscribe unsubscribe money billing billed ads limit limits limited ban banned blocked login logout
    password account hack hacked hacker xss csrf security insecure vulnerability vulnerabilities
    vulnerable exploit injection cve leak leaks leaked breach phishing malware virus privacy
    """
    # a request or a question
    """please pls plz add need needs needed want wants wish support request feature option should
    could would fix help why how""".split()
)
# A first word that opens a question without a question mark ("is there a limit", "what is this"). Only
# first: further in, "what" is as often an exclamation ("wow what a app", a 5-star review).
_QUESTION_OPENERS = frozenset("is are can could does do did would should anyone what when where which who".split())
SIGNAL_CHARS = 4_000  # of a title or a text, read for a request, a problem or a question
LOW_INFORMATION_LABEL = "short, no request, problem or question"
LOW_INFORMATION_RULE = "a 1-2 star rating, a problem or request word, a question or three meaningful words keep an item out"


def _says_something(text: str) -> bool:
    """A request, a problem or a question in `text` (a title or a text), or three meaningful words."""
    text = _MENTION.sub(" ", _URL.sub(" ", text[:SIGNAL_CHARS]))  # a URL's "?" asks nothing
    if "?" in text or "？" in text:
        return True
    words = utils.default_process(_APOSTROPHE.sub("", text)).split()
    if not words:
        return False
    if words[0] in _QUESTION_OPENERS or not _MEANING_WORDS.isdisjoint(words):
        return True
    return len(set(normalise_words(text))) > LOW_INFORMATION_WORDS


def is_low_information(item: FeedbackItem) -> bool:
    """True when an item says nothing to act on: no rating of 1-2, and neither its title nor its
    text (HTML comments aside) holds a request, a problem or a question (_MEANING_WORDS, a `?`, a
    question's first word) or three meaningful words. The one rule behind every low-information
    group: the app's Likely duplicates view, `prodops duplicates` and its `low_information`."""
    if item.rating in (1, 2):
        return False
    return not (_says_something(item.title) or _says_something(without_comments(item.text)))


def title_key(item: FeedbackItem) -> str:
    """The exact words of an item's title when they say something (three or more meaningful
    words): items captured with the same title ("Dark mode in the app please 🌙") under
    different greetings and signatures are the same request."""
    title = item.title
    if not title or len(set(normalise_words(title))) <= LOW_INFORMATION_WORDS:
        return ""
    return title_words(title)


def title_words(title: str) -> str:
    """Every word of a title, lower case, punctuation gone, a site's name too: "www.kpn.com -
    Blank page" and "www.golem.de - Blank page" are reports about two sites (exact_key drops
    links, as a text's are noise)."""
    return " ".join(utils.default_process(title[:EXACT_CHARS]).split())


def same_request_groups(items: Iterable[FeedbackItem]) -> dict[str, str]:
    """Item id -> the title its request is known by, for items whose meaningful titles are the
    same once an opener of up to three words is dropped ("FYI Dark mode in the app please" ~
    "Dark mode in the app please"). Items with no such partner are left out."""
    return requests_by_key((item.id, title_key(item), bool(names_in(item.title))) for item in items)


def requests_by_key(keys: Iterable[tuple[str, str, bool]]) -> dict[str, str]:
    """same_request_groups from each item's (id, title_key, whether its title names something)."""
    by_key: dict[str, list[str]] = {}
    named: set[str] = set()  # keys of titles that name a site, a version, a file...: no opener to drop
    for item_id, key, names in keys:
        if key:
            by_key.setdefault(key, []).append(item_id)
            if names:
                named.add(key)
    parent = {key: key for key in by_key}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key in by_key:
        if key in named:
            continue  # "mijn.essent.nl - Login page does not load" is not an opener before "Login page..."
        words = key.split()
        # Only leading words: an opener ("FYI", "Quick question:") changes nothing, while a
        # shorter ending ("...when I open" ~ "...when I open settings") may be another request.
        for cut in range(1, min(3, len(words) - 3) + 1):
            shorter = " ".join(words[cut:])
            if shorter in by_key:
                parent[find(key)] = find(shorter)
    groups: dict[str, list[str]] = {}
    for key, ids in by_key.items():
        groups.setdefault(find(key), []).extend(ids)
    return {item_id: root for root, ids in groups.items() if len(ids) > 1 for item_id in ids}


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """All the index needs of one item, read from it once: what a stored index keeps
    (stored_lookalikes.py), so that opening it reads no item's text."""

    id: str
    duplicate_of: str | None
    order: tuple[str, int]  # received, number: oldest first
    title: str  # as shown
    request_key: str  # title_key
    request_named: bool  # its title names something (names_in)
    profile: Profile
    short_words: str  # its exact words when too short to compare by likeness (short_key), else ""
    quiet: bool  # too short to compare and says nothing to act on (is_low_information)


def facts_of(item: FeedbackItem, boilerplate: Boilerplate) -> ItemFacts:
    profile = profile_of(item, boilerplate)
    short = "" if profile.comparable else short_key(item, compared_text(item, boilerplate))
    return ItemFacts(item.id, item.duplicate_of, (item.received_at, record_number(item.id)), _title(item), title_key(item),
                     bool(names_in(item.title)), profile, short, not profile.comparable and is_low_information(item))


class Cluster(list):
    """A group of ids, oldest first, that says what kind of group it is:
    "similar" (every two score at least the threshold; identical texts are one node),
    "same-title" (the same request under other greetings: same_request_groups),
    "identical" (short texts, word for word the same: "good" x39, "Dark mode please" x4), or
    "short" (every other short text that says nothing to act on: "wow", "nice app", "👍"), a group
    to archive in one step rather than to merge. `low_information` marks the groups a PM clears,
    not reads: every member is_low_information. `score`: for similar texts the lowest score of a
    member against the oldest (the survivor a merge keeps), 100 for identical texts, else None."""

    kind: str = "similar"
    low_information: bool = False
    score: float | None = None

    def __init__(self, ids: Iterable[str], kind: str = "similar", *, low_information: bool = False,
                 score: float | None = None):
        super().__init__(ids)
        self.kind = kind
        self.low_information = low_information or kind == "short"
        self.score = 100.0 if kind == "identical" else score

    def describe(self) -> str:
        """What the group is, as its header says it (the app, `prodops duplicates`)."""
        if self.kind == "short":
            return LOW_INFORMATION_LABEL
        if self.kind == "identical":
            return f"identical, {LOW_INFORMATION_LABEL}" if self.low_information else "identical, score 100"
        if self.kind == "same-title":
            return "same title"
        return f"similar, score {self.score:.0f}" if self.score is not None else "similar"


def compared_text(item: FeedbackItem, boilerplate: Boilerplate) -> str:
    """What an item is compared by: its text without the workspace's boilerplate (its title when
    it has no text). '' when its text was all boilerplate: such items are never duplicates by
    their words ("similar, score 100" was two reports that only shared the template)."""
    return boilerplate.strip(item.text, item.title, limit=MAX_CHARS) if item.text else item.title


def short_key(item: FeedbackItem, compared: str) -> str:
    """The exact words a short text is grouped by, with the item's own title when it has one
    (a tracker's title, not the text's first line): two reports whose text is only "Fixes #12"
    or an empty template are identical only if their titles are too. '' when there are no words."""
    words = exact_key(compared)
    title = own_title(item)
    if not title:
        return words  # no title, or the text's first line (a review, a chat, a captured note)
    own = title_words(title)
    if own and not exact_key(item.text).startswith(exact_key(title)):
        return f"{own}\x1f{words}"
    return words


def _title(item: FeedbackItem) -> str:
    return clean_line(item.title) or first_line(item.text)


@dataclass(frozen=True, slots=True)
class Rarity:
    """How many comparable items hold each term, of how many: what the terms are weighed by (IDF)."""

    document_frequency: Mapping[str, int]
    documents: int


@dataclass(frozen=True, slots=True)
class Pairing:
    """What clusters() worked out for its nodes, by each node's oldest item: the next run pairs
    only the nodes new since (DuplicateIndex._pair)."""

    threshold: float
    include_merged: bool
    reps: list[str]  # each node's oldest item, nodes in order
    leader: dict[str, str]  # a near copy's node -> the node it was folded into
    edges: Iterable[tuple[str, str, float]]  # pairs of leaders scoring >= threshold, the older first


class _PairsByItem:
    """The pairs of a run (position -> linked position -> score) read as (item, item, score) by
    each leader's oldest item, when asked: a list of them was a second copy of every pair (52 MB
    at 100,000 items, 700,000 pairs), while the run keeps the pairs themselves."""

    __slots__ = ("_reps", "_edges")

    def __init__(self, reps: list[str], edges: Mapping[int, Mapping[int, float]]):
        self._reps = reps  # position -> its leader's oldest item
        self._edges = edges

    def __iter__(self) -> Iterator[tuple[str, str, float]]:
        reps = self._reps
        for i, linked in self._edges.items():
            for j, score in linked.items():
                if i < j:
                    yield reps[i], reps[j], score


@dataclass(frozen=True, slots=True)
class Run:
    """What the last clusters() decided, node by node, for the groups kept on disk to carry on
    from (stored_lookalikes.py): each node (by its index node) with its oldest item and its
    leader, the leaders by position, their pairs at or above the threshold, and the cluster
    (positions) each leader ended in."""

    threshold: float
    include_merged: bool
    cnodes: list[tuple[int, str, int]]  # (node, its oldest item, its leader's node), nodes in order
    leaders: list[int]  # the leaders' nodes, by position
    edges: dict[int, dict[int, float]]  # position -> linked position -> score
    partition: dict[int, list[int]]  # position -> the positions of the cluster it ended in


@dataclass(frozen=True)
class SimilarItem:
    id: str
    score: float  # 0-100
    title: str
    why: tuple[str, ...] = ()  # the rarest words the two share, most telling first; () for the same title or words


class DuplicateIndex:
    """Every feedback item's look-alike profile (lookalikes.py), built once, queried per item,
    and kept in step with changes (`update`). `boilerplate` is what it learned the workspace's
    items share (left out of every text).

    Items are compared by their title and text (title weighted), words weighted by rarity;
    items too short to compare that way (fewer than MIN_TERMS terms) are found by their exact
    words ("good" x39), and items captured under the same meaningful title by it
    (same_request_groups). Read-only between updates, so a worker may build it and the UI
    thread query it."""

    def __init__(self, store: Store, items: Iterable[FeedbackItem], *, boilerplate: Boilerplate | None = None,
                 facts: Iterable[ItemFacts] = (), rarity: Rarity | None = None):
        """From the items (their facts read here) and/or facts read before (a stored index).
        `rarity`: the words' rarity learned before (a stored index's), else learned here."""
        self._store = store
        items = list(items)
        # Learned from every item, merged ones too: a template is a template however triaged.
        self.boilerplate = boilerplate if boilerplate is not None else Boilerplate.learn(items)
        every = [*facts, *(facts_of(item, self.boilerplate) for item in items)]
        self._requests = requests_by_key((f.id, f.request_key, f.request_named) for f in every)
        self._items: dict[str, _Entry] = {}
        if rarity is None:
            frequency: Counter[str] = Counter()
            for fact in every:
                if fact.profile.comparable:
                    frequency.update(fact.profile.counts.keys())
            rarity = Rarity(frequency, sum(1 for fact in every if fact.profile.comparable))
        self.rarity = rarity
        self._vectors = Vectors(rarity.document_frequency, rarity.documents)
        self._pairing: Pairing | None = None  # what clusters() worked out last (see Pairing)
        self._dirty: set[str] = set()  # items filed or unfiled since
        self.paired_afresh = 0  # nodes the last clusters() folded and paired (not kept from the run before)
        self.last_run: Run | None = None  # what the last clusters() decided, node by node
        # A profile's key's hash -> the nodes whose profiles hash so (equal profiles are checked):
        # the keys themselves, a frozenset of (term, count) pairs per node, were a third of the
        # index's memory (2.3 KB an item; 18 GB at a million items before this and the next).
        self._nodes_of_hash: dict[int, list[int]] = {}
        self._members: list[list[str]] = []  # node -> the item ids with that profile
        # node -> its terms sorted, for the fuzzy confirmation: worked out when first compared (a
        # catch-up after a capture compares a handful of nodes; sorting all 78k took 1.4 s)
        self._sorted_terms: list[str | None] = []
        self._node_profile: list[Profile | None] = []
        self._names: list[frozenset[str]] = []  # node -> what its title names (lookalikes.names_in)
        self._node_surface: list[dict[str, str]] = []  # node -> each term as its text writes it, to say why
        self._same_text: dict[str, list[str]] = {}  # "t:" + a request's title, or "e:" + a short text's words
        self._root: dict[str, str] = {}  # merged item id -> the item it was merged into
        self._children: dict[str, set[str]] = {}  # and the other way: item id -> the items merged into it
        self._comparable = 0  # items with a node
        self._family_nodes: dict[str, list[int]] = {}  # survivor -> nodes of a merged family's combined words
        for fact in every:
            self._file(fact)
        for survivor in {self._survivor(i) for i in self._root}:
            self._learn_family(survivor)  # merges are few: each family is walked once

    @classmethod
    def build(cls, store: Store) -> DuplicateIndex:
        """The index of every item, read a page at a time in two passes (the boilerplate first,
        then each item's facts) rather than loaded into the store: at 100,000 items the items held
        were about 300 MB of the build's 1.1 GB peak, and the store kept them after it."""
        check_index_fits(store)
        boilerplate = Boilerplate.learn(store.iter_all(FeedbackItem))
        return cls(store, (), boilerplate=boilerplate,
                   facts=(facts_of(item, boilerplate) for item in store.iter_all(FeedbackItem)))

    def facts(self) -> list[ItemFacts]:
        """Every item's facts, to store (stored_lookalikes.py)."""
        return [entry.facts for entry in self._items.values()]

    def __len__(self) -> int:
        """How many items are compared by likeness (the inbox asks on every cursor move)."""
        return self._comparable

    # -- filing -------------------------------------------------------------------------------

    def _file(self, fact: ItemFacts) -> None:
        node = None
        exact = ""
        profile = fact.profile
        if fact.id in self._requests:
            exact = f"t:{self._requests[fact.id]}"
        if profile.comparable:
            digest = hash(profile.key)  # the key itself is not kept
            same = self._nodes_of_hash.setdefault(digest, [])
            node = next((n for n in same if _same_profile(self._node_profile[n], profile)), None)
            if node is None:
                node = self._vectors.add(self._vectors.weigh(profile))
                same.append(node)
                self._members.append([])
                self._sorted_terms.append(None)
                self._node_profile.append(profile)
                self._names.append(profile.names)
                self._node_surface.append(profile.surface)
            self._members[node].append(fact.id)
            self._comparable += 1
        elif not exact:
            exact = f"e:{fact.short_words}" if fact.short_words else ""
        if exact:
            self._same_text.setdefault(exact, []).append(fact.id)
        if fact.duplicate_of:
            self._root[fact.id] = fact.duplicate_of
            self._children.setdefault(fact.duplicate_of, set()).add(fact.id)
        self._items[fact.id] = _Entry(node, exact, fact)
        self._dirty.add(fact.id)

    def _unfile(self, item_id: str) -> None:
        entry = self._items.pop(item_id, None)
        if entry is None:
            return
        self._dirty.add(item_id)
        if entry.node is not None:
            self._members[entry.node].remove(item_id)
            self._comparable -= 1
        if entry.exact:
            self._same_text[entry.exact].remove(item_id)
        if (parent := self._root.pop(item_id, None)) is not None:
            self._children[parent].discard(item_id)

    def _family_of(self, survivor: str) -> list[str]:
        """The survivor and every item merged into it (directly or through another), or [] when none was."""
        if not self._children.get(survivor):
            return []
        family, todo = [survivor], [survivor]
        while todo:
            for child in sorted(self._children.get(todo.pop(), ())):
                if child not in family:
                    family.append(child)
                    todo.append(child)
        return family

    def _learn_family(self, survivor: str) -> None:
        """A merged family's words together: one more vector the survivor is found by."""
        family = [i for i in self._family_of(survivor) if i in self._items]
        counts: Counter[str] = Counter()
        title: set[str] = set()
        for item_id in family:
            profile = self._items[item_id].profile
            counts.update(profile.counts)
            title |= profile.title
        for node in self._family_nodes.pop(survivor, []):
            self._vectors.remove(node)
        if len(family) > 1 and len(counts) >= MIN_TERMS:
            node = self._vectors.add(self._vectors.weigh(Profile(dict(counts), frozenset(title), {})))
            self._members.append([survivor])
            self._sorted_terms.append("")
            self._node_profile.append(None)
            self._names.append(frozenset())
            self._node_surface.append({term: word for item_id in family for term, word in self._items[item_id].profile.surface.items()})
            self._family_nodes[survivor] = [node]

    def update(self, changed: Iterable[FeedbackItem], removed: Iterable[str] = ()) -> None:
        """Keep in step with the store: re-file changed items and forget removed ones, without
        reading the others again. The words' rarity stays as learned at the build."""
        self.update_facts([facts_of(item, self.boilerplate) for item in changed], removed)

    def update_facts(self, changed: Iterable[ItemFacts], removed: Iterable[str] = ()) -> None:
        touched: set[str] = set()
        titles_changed = False
        for item_id in removed:
            if item_id in self._items:
                touched.add(self._survivor(item_id))
                titles_changed |= bool(self._items[item_id].facts.request_key)
                self._unfile(item_id)
        for fact in changed:
            if fact.id in self._items:
                touched.add(self._survivor(fact.id))
                titles_changed |= bool(self._items[fact.id].facts.request_key)
                self._unfile(fact.id)
            titles_changed |= bool(fact.request_key)
            self._file(fact)
            touched.add(self._survivor(fact.id))
        if titles_changed:  # the same-title groups are read again from every item's title key
            requests = requests_by_key((e.facts.id, e.facts.request_key, e.facts.request_named) for e in self._items.values())
            moved = {i for i in set(requests) ^ set(self._requests)} | {
                i for i in requests.keys() & self._requests.keys() if requests[i] != self._requests[i]}
            self._requests = requests
            for item_id in moved:
                fact = self._items[item_id].facts
                self._unfile(item_id)
                self._file(fact)
        for survivor in touched:
            self._learn_family(survivor)

    # -- queries --------------------------------------------------------------------------------

    def _survivor(self, item_id: str) -> str:
        seen = {item_id}
        while (parent := self._root.get(item_id)) and parent not in seen:
            seen.add(parent)
            item_id = parent
        return item_id

    def _query_vectors(self, item_id: str) -> tuple[str, list[_Query], str]:
        """The item's root, the vectors it is looked up by (its own, its family's), and its exact key."""
        item_id = item_id.strip().upper()
        entry = self._items.get(item_id)
        if entry is None:
            item = self._store.get(item_id)
            if not isinstance(item, FeedbackItem):
                raise NotFound(f"no feedback item {item_id}")
            profile = profile_of(item, self.boilerplate)
            root = self._survivor(item.duplicate_of) if item.duplicate_of else item_id
            exact = ""
            if not profile.comparable:
                words = short_key(item, compared_text(item, self.boilerplate))
                exact = f"e:{words}" if words else ""
            queries = [(self._vectors.weigh(profile), sorted_terms(profile), profile.names)] if profile.comparable else []
        else:
            root = self._survivor(item_id)
            exact = entry.exact
            queries = []
        for member in self._family_of(root) or [item_id]:
            other = self._items.get(member)
            if other is not None and other.node is not None:
                queries.append(self._query_of(other.node))
        for node in self._family_nodes.get(root, []):
            queries.append(self._query_of(node))
        return root, queries, exact

    def similar_to(
        self, item_id: str, *, limit: int = 5, threshold: float = DUPLICATE_THRESHOLD
    ) -> list[SimilarItem]:
        """The items most like this one, best first, each scoring at least `threshold`, with why.

        The item is looked up by its own words, by those of what was merged into its survivor
        and by the family's words together, keeping each hit's best score. A hit on an item
        merged away is reported as its survivor; the item itself, its survivor and what was
        merged into it are never listed. Items with the same meaningful title, or short texts
        with the same words, come first at 100."""
        root, queries, exact = self._query_vectors(item_id)
        hits = self._search(queries, limit=limit, threshold=threshold, exclude_root=root)
        if exact:
            same = []
            seen = {root}
            for other in sorted(self._same_text.get(exact, []), key=record_number):
                survivor = self._survivor(other)
                if survivor not in seen:
                    seen.add(survivor)
                    same.append(SimilarItem(id=survivor, score=100.0, title=self._title_of(survivor)))
            hits = (same + [hit for hit in hits if hit.id not in seen])[:limit]
        return hits

    def similar_to_text(
        self, text: str, *, title: str = "", limit: int = 5, threshold: float = DUPLICATE_THRESHOLD
    ) -> list[SimilarItem]:
        """Like `similar_to` for text not stored yet (e.g. while capturing), its boilerplate left out."""
        profile = profile_of_text(self.boilerplate.strip(text, title, limit=MAX_CHARS), title)
        if not profile.comparable:
            return []
        return self._search([(self._vectors.weigh(profile), sorted_terms(profile), profile.names)], limit=limit,
                            threshold=threshold, exclude_root=None)

    def comparable(self, item_id: str) -> bool:
        """True when the item has words enough (MIN_TERMS) to be compared by likeness."""
        entry = self._items.get(item_id.strip().upper())
        return entry is not None and entry.node is not None

    def score(self, item_a: str, item_b: str) -> float:
        """0-100: how alike two items are (0 when either is too short to compare by its words)."""
        a, b = self._items.get(item_a.strip().upper()), self._items.get(item_b.strip().upper())
        if a is None or b is None or a.node is None or b.node is None:
            return 0.0
        if a.node == b.node:
            return 100.0
        return self._pair_score(self._query_of(a.node), b.node)

    def _pair_score(self, query: _Query, node: int) -> float:
        return pair_score(query, self._vectors.vectors[node], lambda: self._terms_of(node), self._names[node])

    def _query_of(self, node: int) -> _Query:
        return self._vectors.vectors[node], self._terms_of(node), self._names[node]

    def _terms_of(self, node: int) -> str:
        terms = self._sorted_terms[node]
        if terms is None:  # two threads may both sort it: the same string
            profile = self._node_profile[node]
            terms = self._sorted_terms[node] = sorted_terms(profile) if profile is not None else ""
        return terms

    def _search(
        self, queries: list[_Query], *, limit: int, threshold: float, exclude_root: str | None
    ) -> list[SimilarItem]:
        if limit <= 0 or not queries:
            return []
        best: dict[str, tuple[float, dict[str, float], int]] = {}
        alive = self._vectors.alive
        for query in queries:
            vector = query[0]
            for node in self._vectors.candidates(vector):  # every term of the query
                if not alive[node] or not self._members[node]:
                    continue
                score = self._pair_score(query, node)
                if score < threshold:
                    continue
                for member in self._members[node]:
                    hit = self._survivor(member)
                    if hit != exclude_root and score > best.get(hit, (-1.0,))[0]:
                        best[hit] = (score, vector, node)
        ranked = sorted(best.items(), key=lambda pair: (-pair[1][0], record_number(pair[0])))[:limit]
        return [SimilarItem(id=hit, score=round(score, 1), title=self._title_of(hit),
                            why=self._vectors.shared(vector, node, self._node_surface[node]))
                for hit, (score, vector, node) in ranked]

    def _title_of(self, item_id: str) -> str:
        entry = self._items.get(item_id)
        if entry is not None:
            return entry.title
        found = self._store.get(item_id)
        return _title(found) if isinstance(found, FeedbackItem) else ""

    # -- the whole inbox ------------------------------------------------------------------------

    def clusters(
        self,
        *,
        threshold: float = DUPLICATE_THRESHOLD,
        include_merged: bool = False,
        low_information: bool = True,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[Cluster]:
        """See likely_duplicate_clusters."""
        entries = {item_id: entry for item_id, entry in self._items.items() if include_merged or not entry.merged}
        order_key = {item_id: entry.order for item_id, entry in entries.items()}
        ordered = sorted(entries, key=order_key.__getitem__)
        order = {item_id: n for n, item_id in enumerate(ordered)}
        same_request = {item_id: root for item_id, root in self._requests.items() if item_id in entries}
        # Nodes: items with the same terms (copies, templated messages) are one.
        node_members: dict[int, list[str]] = {}
        short: dict[str, list[str]] = {}
        for item_id in ordered:
            entry = entries[item_id]
            if item_id in same_request:
                continue  # the same request under another greeting: grouped by its title below
            if entry.node is not None:
                node_members.setdefault(entry.node, []).append(item_id)
            else:
                short.setdefault(entry.exact[2:] if entry.exact.startswith("e:") else "", []).append(item_id)
        paired = self._pair(node_members, threshold, include_merged, should_stop)
        if paired is None:
            return []
        leaders, edges = paired
        cnodes = [(node, node_members[node][0], leaders[node]) for node in node_members]  # before folding
        for node, leader in leaders.items():
            if node != leader:  # a near copy: one node with its leader, as exact copies are
                node_members[leader].extend(node_members.pop(node))
        nodes = list(node_members)

        def biggest_first(cluster: Cluster) -> tuple[int, int]:
            return -len(cluster), order[cluster[0]]

        def node_of(item_id: str) -> int:
            node = entries[item_id].node
            assert node is not None  # node_members holds only items that have a node
            return node

        def similar(ids: list[str]) -> Cluster:
            first = node_of(ids[0])
            scores = [100.0 if node_of(other) == first else self._pair_score(
                self._query_of(first), node_of(other)) for other in ids[1:]]
            return Cluster(ids, score=round(min(scores), 1))

        partition: dict[int, list[int]] = {}
        clusters = [similar(sorted((i for n in group for i in node_members[nodes[n]]), key=order.__getitem__))
                    for group in _cliques([len(node_members[node]) for node in nodes], edges, partition)]
        self.last_run = Run(threshold, include_merged, cnodes, nodes, edges, partition)
        by_request: dict[str, list[str]] = {}
        for item_id, root in same_request.items():
            by_request.setdefault(root, []).append(item_id)
        clusters += [Cluster(sorted(ids, key=order.__getitem__), "same-title") for ids in by_request.values() if len(ids) > 1]
        clusters.sort(key=biggest_first)
        # Short texts: the same words make one group, those that say something ("not working" x2)
        # apart from those that say nothing ("good" x39). The rest that say nothing ("wow", "cool
        # app", "👍", a report whose text was all template and whose title says nothing): one group
        # to clear in one step. Nothing that says something is ever in a low-information group.
        identical: list[Cluster] = []
        rest: list[str] = []
        for text, group in short.items():
            quiet: list[str] = []
            meaningful: list[str] = []
            for item_id in group:
                (quiet if entries[item_id].quiet else meaningful).append(item_id)
            if text and len(meaningful) > 1:
                identical.append(Cluster(meaningful, "identical"))
            if text and len(quiet) > 1:
                identical.append(Cluster(quiet, "identical", low_information=True))
            else:
                rest += quiet
        identical.sort(key=lambda cluster: (cluster.low_information, *biggest_first(cluster)))
        rest.sort(key=order.__getitem__)
        found = clusters + identical + ([Cluster(rest, "short")] if len(rest) > 1 else [])
        return found if low_information else [cluster for cluster in found if not cluster.low_information]

    # -- pairing, again only for what changed -------------------------------------------------

    @property
    def pairing(self) -> Pairing | None:
        """What the last clusters() worked out, to store (stored_lookalikes.py)."""
        return self._pairing

    def resume_pairing(self, pairing: Pairing, changed: Iterable[str]) -> None:
        """Build the next clusters() on a run stored before: `changed`, the items changed since it.
        Valid only with the rarity that run was scored with (the stored index keeps both)."""
        self._pairing = pairing
        self._dirty = set(changed)

    def _pair(
        self, node_members: dict[int, list[str]], threshold: float, include_merged: bool,
        should_stop: Callable[[], bool] | None,
    ) -> tuple[dict[int, int], dict[int, dict[int, float]]] | None:
        """Near copies folded (node -> its leader) and the pairs of leaders scoring >= threshold
        (by position among the leaders), worked out only for the nodes new since the last run.

        At 100,000 items folding and pairing every node took 16 s; a capture adds a node or two.
        The nodes the last run saw unchanged, in the same order, keep their leaders and their
        pairs: the words' rarity is the index's own (learned at its build, kept by `update`), so
        their scores cannot have moved. New nodes are then folded and paired exactly as a full
        run would, against every leader before them, and so are the old nodes after the first
        new one (an import of older items lands among them) or after a leader of the last run
        that is gone or changed (a merge, an edit: the nodes after it may fold another way)."""
        node_list = list(node_members)
        reps = [node_members[node][0] for node in node_list]  # a node is known by its oldest item
        kept = self._kept_prefix(reps, threshold, include_merged)
        previous = self._pairing
        known_leaders: dict[int, int] = {}
        if previous is not None and kept:
            node_of_rep = {reps[i]: node_list[i] for i in range(kept)}
            for i in range(kept):
                known_leaders[node_list[i]] = node_of_rep[previous.leader.get(reps[i], reps[i])]
        leaders = self._absorb_near_copies(node_list, should_stop, known=known_leaders)
        if leaders is None:
            return None
        rep_of = dict(zip(node_list, reps, strict=True))
        leader_nodes = [node for node in node_list if leaders[node] == node]
        start = sum(1 for node in node_list[:kept] if leaders[node] == node)
        known_edges: dict[int, dict[int, float]] = {}
        if previous is not None and kept:
            position = {rep_of[node]: n for n, node in enumerate(leader_nodes[:start])}
            for a, b, score in previous.edges:
                if a in position and b in position:
                    known_edges.setdefault(position[a], {})[position[b]] = score
                    known_edges.setdefault(position[b], {})[position[a]] = score
        edges = self._similar_pairs(leader_nodes, threshold, should_stop, start=start, known=known_edges)
        if edges is None:
            return None
        self._pairing = Pairing(
            threshold, include_merged, reps,
            {rep_of[node]: rep_of[leader] for node, leader in leaders.items() if node != leader},
            _PairsByItem([rep_of[node] for node in leader_nodes], edges))
        self._dirty = set()
        self.paired_afresh = len(node_list) - kept
        return leaders, edges

    def _kept_prefix(self, reps: list[str], threshold: float, include_merged: bool) -> int:
        """How many nodes, from the first, the last run decided exactly as a run now would: the
        same nodes, unchanged, in the same order, with no leader of that run gone or changed
        among them (a node's leader is chosen among the leaders before it)."""
        previous = self._pairing
        if previous is None or previous.threshold != threshold or previous.include_merged != include_merged:
            return 0
        before, dirty = set(previous.reps), self._dirty
        kept = 0
        for rep in reps:
            if rep not in before or rep in dirty:
                break
            kept += 1
        kept_reps = set(reps[:kept])
        same = 0  # walk that run's nodes beside these
        for rep in previous.reps:
            if same == kept:
                break
            if rep == reps[same]:
                same += 1
            elif rep in kept_reps or rep not in previous.leader:
                break  # a leader then that is gone or changed now (or another order: order keys do not move)
        return same

    def _absorb_near_copies(
        self, nodes: list[int], should_stop: Callable[[], bool] | None, *, known: dict[int, int] | None = None,
    ) -> dict[int, int] | None:
        """Node -> its leader: the oldest node it scores NEAR_COPY or more with, among the leaders
        before it that share the most filed terms with it (NEAR_COPY_CANDIDATES); itself when none.

        A text sent a hundred times with a word or two changed is a hundred nodes that all
        look alike: pairing them all is n^2 within the group (at 100,000 items of the bench's
        data, 112 variants of each text, the pairs took minutes). Folded into one node first,
        the pairs are scored between leaders only. `known`: the leaders of the first nodes, as
        worked out before (`_pair`)."""
        known = known or {}
        leaders: dict[int, int] = {}
        postings: dict[str, list[int]] = {}  # a filed term -> the leaders filed under it
        filed = self._vectors.filed
        for i, node in enumerate(nodes):
            if should_stop is not None and i % 512 == 0 and should_stop():
                return None
            leader = known.get(node, node)
            shared: Counter[int] = Counter()
            if node not in known:
                for term in filed[node]:
                    bucket = postings.get(term)
                    if bucket:
                        shared.update(bucket)
            if shared:
                query = self._query_of(node)
                for other, _count in shared.most_common(NEAR_COPY_CANDIDATES):
                    if self._pair_score(query, other) >= NEAR_COPY:
                        leader = other
                        break
            leaders[node] = leader
            if leader == node:
                for term in filed[node]:
                    postings.setdefault(term, []).append(node)
        return leaders

    def _similar_pairs(
        self, nodes: list[int], threshold: float, should_stop: Callable[[], bool] | None, *,
        start: int = 0, known: dict[int, dict[int, float]] | None = None,
    ) -> dict[int, dict[int, float]] | None:
        """Every pair of these nodes scoring >= threshold (positions in `nodes`): each node is
        scored against the nodes before it that share one of its filed terms (lookalikes.py),
        looked up in postings of these nodes only (the near copies folded away are not walked).
        The pairs among the first `start` nodes are `known` (`_pair`): those are filed, not scored."""
        filed = self._vectors.filed
        postings: dict[str, list[int]] = {}
        edges: dict[int, dict[int, float]] = known if known is not None else {}
        for i, node in enumerate(nodes):
            if should_stop is not None and i % 256 == 0 and should_stop():
                return None
            candidates: set[int] = set()
            for term in filed[node]:
                bucket = postings.get(term)
                if bucket is None:
                    postings[term] = [i]
                else:
                    if i >= start:
                        candidates.update(bucket)
                    bucket.append(i)
            if not candidates:
                continue
            query = self._query_of(node)
            for j in candidates:
                score = self._pair_score(query, nodes[j])
                if score >= threshold:
                    edges.setdefault(i, {})[j] = score
                    edges.setdefault(j, {})[i] = score
        return edges


_Query = tuple[dict[str, float], str, frozenset[str]]  # a vector, its sorted terms, its title's names


def _same_profile(kept: Profile | None, profile: Profile) -> bool:
    """Whether two profiles are one node (equal Profile.key)."""
    return (kept is not None and kept.counts == profile.counts and kept.title == profile.title
            and kept.names == profile.names)


def pair_score(query: _Query, vector: dict[str, float], terms: Callable[[], str], names: frozenset[str]) -> float:
    """0-100: how alike the item asked about (`query`) and another (its vector, its sorted terms
    worked out only when needed, its title's names) are. The one scorer of the index in memory
    and of the groups kept on disk (stored_lookalikes.py), so both give every pair the same score."""
    query_vector, query_terms, query_names = query
    score = cosine(query_vector, vector)
    if query_terms and score < CONFIRM_RATIO and (other := terms()):
        ratio = fuzz.ratio(query_terms, other, score_cutoff=CONFIRM_RATIO)
        score = max(score, ratio)
    if different_names(query_names, names):
        score *= OTHER_NAME_FACTOR
    return min(score, 100.0)


@dataclass(slots=True)
class _Entry:
    node: int | None  # its profile's node, None when too short to compare by likeness
    exact: str  # "t:" + its request's title, "e:" + its short text's words, or ""
    facts: ItemFacts

    @property
    def title(self) -> str:
        return self.facts.title

    @property
    def profile(self) -> Profile:
        return self.facts.profile

    @property
    def merged(self) -> bool:
        return self.facts.duplicate_of is not None

    @property
    def order(self) -> tuple[str, int]:
        return self.facts.order

    @property
    def quiet(self) -> bool:
        return self.facts.quiet


# --- clusters across the whole inbox ------------------------------------------------


def likely_duplicate_clusters(
    store: Store,
    *,
    threshold: float = DUPLICATE_THRESHOLD,
    include_merged: bool = False,
    low_information: bool = True,
    should_stop: Callable[[], bool] | None = None,
    index: DuplicateIndex | None = None,
) -> list[Cluster]:
    """Groups of items that look like the same feedback: the similar groups biggest first,
    then the identical short texts that say something, then (unless `low_information` is
    False) the identical ones that do not and last one group of every other short text that
    says nothing to act on (is_low_information).

    Built from the look-alike index (`index`, built from the store when not given). Each
    cluster lists ids oldest first (received, then number), so its first id is the natural
    survivor for `merge`. Every two items in a similar cluster score at least `threshold`;
    identical texts are in one cluster, apart from those that say something (a 1-star "good").
    Items merged away (duplicate_of set) are left out unless `include_merged`. Plain Python,
    safe to run in a worker thread: pass `should_stop` (checked every few hundred items) to
    abandon the scan, in which case the result is []."""
    if index is None:
        index = DuplicateIndex.build(store)
    return index.clusters(threshold=threshold, include_merged=include_merged, low_information=low_information,
                          should_stop=should_stop)


def _cliques(sizes: list[int], edges: dict[int, dict[int, float]],
             partition: dict[int, list[int]] | None = None) -> list[list[int]]:
    """Clusters in which every two nodes are linked (complete linkage): the pairs are taken
    strongest first, and two clusters join when every node of one is linked to every node of
    the other. So an item goes with what it is most like, not with the first busy node that
    happens to link it ("export all invoices to Excel at once" with its paraphrase at 47, not
    with "approve and send 12 invoices at once" at 41). A node of several identical items is a
    cluster on its own."""
    cluster_of: dict[int, list[int]] = {}
    # Strongest first, then by i and j: one int a pair holds that order (44 bytes where a tuple of
    # (-score, i, j) and its float took 88, and a key tuple each as much again: the pairs grow
    # about as the square of the items, tens of millions at a million).
    pairs = sorted(_strongest_first(score, i, j) for i, linked in edges.items() for j, score in linked.items() if i < j)
    # Two clusters found apart (a node of one not linked to a node of the other) stay apart: each
    # only grows, and keeps those two nodes. Their other pairs are not checked again: between
    # clusters of near copies, hundreds of nodes each, every one of them was. A cluster is named
    # by its list's id, so a list absorbed into another is kept (emptied) while `apart` may name it.
    apart: set[int] = set()
    absorbed: list[list[int]] = []
    for key in pairs:
        i, j = (key >> 32) & _LOW32, key & _LOW32
        first, second = cluster_of.setdefault(i, [i]), cluster_of.setdefault(j, [j])
        if first is second:
            continue
        a, b = id(first), id(second)
        named = (a << 64 | b) if a < b else (b << 64 | a)
        if named in apart:
            continue
        if _link(cluster_of, edges, i, j):
            second.clear()
            absorbed.append(second)
        else:
            apart.add(named)
    del pairs, apart, absorbed
    if partition is not None:  # every node's cluster, one of its own included (stored_lookalikes.py)
        partition.update(cluster_of)
        for node in range(len(sizes)):
            partition.setdefault(node, [node])
    found = {id(cluster): cluster for cluster in cluster_of.values()}
    clusters = [sorted(cluster) for cluster in found.values() if len(cluster) > 1 or sizes[cluster[0]] > 1]
    clusters += [[node] for node in range(len(sizes)) if sizes[node] > 1 and node not in cluster_of]
    return sorted(clusters)


_LOW32 = (1 << 32) - 1
_TOP64 = (1 << 64) - 1
_DOUBLE = struct.Struct(">d")


def _strongest_first(score: float, i: int, j: int) -> int:
    """A pair as one int that sorts as (-score, i, j) does: a positive double's bits rise with
    its value, so the higher score has the lower 64 bits on top; then i and j (positions, below
    2^32)."""
    return ((_TOP64 - int.from_bytes(_DOUBLE.pack(score), "big")) << 64) | (i << 32) | j


def _link(cluster_of: dict[Node, list[Node]], edges: Mapping[Node, Mapping[Node, float]], i: Node, j: Node) -> bool:
    """One step of complete linkage: join the clusters of i and j when every node of one is
    linked to every node of the other. True when they were joined."""
    first = cluster_of.setdefault(i, [i])
    second = cluster_of.setdefault(j, [j])
    if first is second or not _all_linked(first, second, edges):
        return False
    first.extend(second)
    for node in second:
        cluster_of[node] = first
    return True


def _all_linked(first: list[Node], second: list[Node], edges: Mapping[Node, Mapping[Node, float]]) -> bool:
    """Every node of `first` linked to every node of `second`."""
    # Each node's linked nodes hold the whole other cluster: one C loop a node, where a Python
    # generator over every two nodes was where a million items' build spent most of an hour
    # (the clusters of near copies hold hundreds of nodes).
    others = set(second)
    return all(edges[node].keys() >= others for node in first)


def relink(new_nodes: Iterable[Node], neighbours: Callable[[Node], Mapping[Node, float]],
           before: Callable[[Node], list[Node]]) -> dict[Node, list[Node]]:
    """_cliques again after nodes were added (`new_nodes`, numbered after every other), without
    taking every pair again: the clusters of the nodes whose cluster may differ from the last run's.

    `neighbours(node)`: its linked nodes and scores, the new nodes' pairs included; `before(node)`:
    the cluster a node of the last run ended in. Complete linkage takes the pairs strongest first;
    a pair between two nodes whose clusters at that moment are the last run's (no node of them
    touched) is decided as it was. So only the pairs of "touched" nodes are taken, in the same order:
    at first the new nodes; when one of their clusters joins a cluster of the last run, the whole
    cluster that one ended in is touched from that pair on, its state then replayed from its own
    pairs (a cluster only ever grows inside the cluster it ends in). A pair of a touched node and an
    untouched one that is not joined changes nothing (the last run did not join them either: the
    untouched node was in another final cluster, or the touched one is new). Exactly _cliques'
    clusters, for the touched nodes; every other node ends where it ended."""
    edges: dict[Node, Mapping[Node, float]] = {}

    def linked(node: Node) -> Mapping[Node, float]:
        found = edges.get(node)
        if found is None:
            found = edges[node] = neighbours(node)
        return found

    def key(i: Node, j: Node) -> tuple[float, Node, Node]:
        a, b = (i, j) if i < j else (j, i)
        return -linked(a)[b], a, b

    cluster_of: dict[Node, list[Node]] = {}
    queue: list[tuple[float, Node, Node]] = []
    queued: set[tuple[Node, Node]] = set()

    def touch(node: Node, after: tuple[float, Node, Node] | None) -> None:
        for other in linked(node):
            pair_key = key(node, other)
            if (after is None or pair_key > after) and (pair_key[1], pair_key[2]) not in queued:
                queued.add((pair_key[1], pair_key[2]))
                heapq.heappush(queue, pair_key)

    def replayed(final: list[Node], upto: tuple[float, Node, Node]) -> dict[Node, list[Node]]:
        """The clusters of a last-run cluster's nodes just before the pair `upto`."""
        members = set(final)
        state: dict[Node, list[Node]] = {}
        pairs = sorted(key(a, b) for a in final for b in linked(a) if b in members and a < b)
        for pair_key in pairs:
            if pair_key >= upto:
                break
            _link(state, edges, pair_key[1], pair_key[2])
        for node in final:
            state.setdefault(node, [node])
        return state

    for node in new_nodes:
        cluster_of[node] = [node]
    for node in list(cluster_of):
        touch(node, None)
    while queue:
        pair_key = heapq.heappop(queue)
        _score, i, j = pair_key
        for node in (i, j):
            if node not in cluster_of:  # untouched so far: its cluster now is the last run's
                final = before(node)
                state = replayed(final, pair_key)
                probe = dict(cluster_of)
                probe.update({other: state[other] for other in final})
                if not _would_link(probe, edges, i, j):
                    break  # not joined: nothing changes for the untouched side
                cluster_of.update({other: state[other] for other in final})
                for other in final:
                    touch(other, pair_key)
        else:
            _link(cluster_of, edges, i, j)
    return cluster_of


def _would_link(cluster_of: Mapping[Node, list[Node]], edges: Mapping[Node, Mapping[Node, float]], i: Node, j: Node) -> bool:
    first, second = cluster_of[i], cluster_of[j]
    return first is not second and _all_linked(first, second, edges)


# --- merging ------------------------------------------------------------------------
