"""Look-alikes: feedback items that say the same thing, found by the words that carry meaning.

How two items are compared
--------------------------
Each item is a vector of its terms (core/words.py: identifiers split, stopwords out, stemmed,
cut to TERM_CHARS letters so that "limit"/"limited"/"limitation" and "homework"/"homeworks"
are one term), read from its title and its whole text without the workspace's boilerplate
(boilerplate.py). A term weighs (1 + log of its count in the text, + TITLE_BOOST when the
item's own title holds it) x its rarity in the workspace (IDF: log((n + 1) / (df + 0.5)), n
items, df of them holding it): "cnn", "dailymail" or "desync" say far more than "app" or
"error". Vectors are scaled to length 1 and two items score 100 x their cosine. A title that
is only the text's first line (a review, a tweet) is not counted twice.

Why not the fuzzy ratio of the texts, as before (Dec 2026, tests/data/duplicate_pairs_labelled.csv,
154 hand-labelled pairs of real reviews and tweets): at precision >= 0.9 the ratio of the sorted
words found 27 of the 59 same-feedback pairs, the cosine of whole words 32, of terms cut to 5
letters 37. A typo is a term of its own; the fuzzy ratio stays as a confirmation: two texts
whose sorted words are near-identical (CONFIRM_RATIO) score at least that ratio.

Which pairs are compared
------------------------
Never all n^2 pairs. Each item is filed in an index under its FILED_TERMS heaviest terms
(rare words first). Looking up one item (`similar`) scores the items filed under any of its
terms; the whole-inbox scan scores the pairs that share a filed term. Measured (Dec 2026) on
10,000 real reviews with openers (3,251 distinct profiles), against scoring every pair
sharing any term (22 s): the scan scored 117,001 pairs (2.2% of all), and found 99.99% of the
pairs at >= 40 and 98.9% at >= 35; filing under 3 terms scored 32,805 and found 99.7% at 40.
Filing under a length-bounded prefix of the rarest terms (AllPairs, exact) scored 32-50%
of all pairs on short texts: their common words weigh too much to be left unfiled.
Items with the same terms are one node, compared once.

Learning from merges
--------------------
An item merged into another (duplicate_of) makes its survivor findable by its words: a hit
on any member of a merged family is reported as the survivor, and the family's words
together are one more vector of the survivor ("the same request, said both ways").

The IDF is the workspace's when the index was built; items added since are filed with it,
and it is learned again when the workspace has grown by a quarter.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from sys import intern

from ..model import FeedbackItem
from ..words import kept_words, stem
from .boilerplate import Boilerplate

TERM_CHARS = 5  # a term is a stemmed word's first letters: a crude stemmer that measured better than the suffix rules alone
TITLE_BOOST = 1.0  # added to a term's weight when the item's own title holds it
MAX_CHARS = 8_000  # of a text, compared (the title always is)
MAX_TERMS = 600  # words read from a text
MIN_TERMS = 4  # distinct terms: fewer, and an item is grouped by its exact words, not by likeness
# ...unless it has a title of its own (a tracker's, a subject): "Upgrade ZooKeeper to version 3.8.3" is
# specific in three terms, where three words of a review are praise ("best app ever").
MIN_TITLED_TERMS = 2
FILED_TERMS = 6  # each item is filed under its heaviest terms: see "Which pairs are compared"
COMMON_FILED_SHARE = 0.02  # ...but not under a term more than this share of the items hold
COMMON_FILED_AT_LEAST = 200  # (in a small workspace, a term this many items hold is still filed)
CONFIRM_RATIO = 90.0  # sorted words this alike are look-alikes however the weights fall (typos)
REGROW = 1.25  # the IDF is learned again when the workspace has grown by this factor
COMMON_SHARE = 0.5  # a term more than this share of the items hold is never given as why two look alike
OTHER_NAME_FACTOR = 0.35  # the score of two items whose titles name different things (see `names_in`)

# What a title names that makes it one report among others of its kind: a version ("to 8.5.82",
# "2.9.10.2"), a site or file name ("www.ing.de", "cs_nav_prefs_advanced.xhtml", "JMXJsonServlet.java"),
# a CVE, a code identifier in camelCase ("testAbfsStreamOps", "ITestS3AInconsistency"), a product and its
# version ("Centos 7" / "Centos 8", "Java 11").
_NAMES = re.compile(
    r"\b\w+(?:::\w+)+"
    r"|\b[A-Za-z]\w*(?:-\w+)+(?:\.\d+)*"
    r"|\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b"
    r"|\b(?i:cve)-\d{4}-\d+\b"
    r"|\b[A-Z][A-Za-z]+ \d+\b(?!\.\d)"
    r"|\b\d+(?:\.\d+)+[a-z0-9+]*"
    r"|\b[\w-]+(?:\.[\w-]+)*\.[a-z][a-z0-9]{1,5}\b"
    r"|\b[a-z]+[0-9]*(?:[A-Z][a-z0-9]+)+\w*|\b[A-Z]{2,}[a-z]+[A-Z]\w*|\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+){2,}\w*",
)


def own_title(item: FeedbackItem) -> str:
    """The item's title when it is its own (a tracker's, a subject line), '' when it is only the
    start of its text (a review, a chat message, a note captured without one)."""
    title, text = item.title, item.text
    if not title or not text or text.startswith(title.removesuffix("…").rstrip()):
        return ""
    return title


@dataclass(frozen=True, slots=True)
class Profile:
    """What an item is compared by: the count of each term in its text, the terms of its own
    title, and a surface word for each term (to say why two items look alike)."""

    counts: dict[str, int]
    title: frozenset[str]
    surface: dict[str, str]
    names: frozenset[str] = frozenset()  # what its title names (`names_in`)
    titled: bool = False  # it has a title of its own

    @property
    def comparable(self) -> bool:
        """Words enough to be compared by likeness (MIN_TERMS, or MIN_TITLED_TERMS with a title)."""
        return len(self.counts) >= (MIN_TITLED_TERMS if self.titled else MIN_TERMS)

    @property
    def key(self) -> tuple:
        """Equal for equal profiles (one node for copies); sets, not sorted tuples: 78k sorts cost 2 s."""
        return frozenset(self.counts.items()), self.title, self.names

    def __len__(self) -> int:
        return len(self.counts)


def profile_of(item: FeedbackItem, boilerplate: Boilerplate) -> Profile:
    """An item's terms: its own title's and its text's without boilerplate (the title when it has
    no text). A text that is only the leftovers of a template ("# Your reproduction script goes
    here", fewer than MIN_TERMS terms once the template is gone) is left out: two empty bug reports
    scored 74 on those words alone, and the item is compared by its title."""
    title = own_title(item)
    if not item.text:  # a title alone (a tracker issue with an empty body): it is the report
        return replace(profile_of_text(item.title, named=item.title), titled=bool(item.title))
    text = boilerplate.strip(item.text, item.title, limit=MAX_CHARS)
    # What the title names is read even when the text repeats the title (a Jira body often does).
    profile = profile_of_text(text, title, named=item.title)
    if title and text != item.text and len(profile.counts.keys() - profile.title) < MIN_TERMS:
        profile = profile_of_text("", title, named=item.title)
    return replace(profile, titled=bool(title))


def profile_of_text(text: str, title: str = "", *, named: str = "") -> Profile:
    """The profile of a text and its own title; what the title (or `named`) names is read too."""
    counts: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for word in kept_words(text[:MAX_CHARS], limit=MAX_TERMS):
        term = term_of(word)
        counts[term] += 1
        if term not in surface:
            surface[term] = intern(word)  # one copy of each word for every item that keeps it
    title_terms = set()
    for word in kept_words(title, limit=MAX_TERMS):
        term = term_of(word)
        title_terms.add(term)
        if term not in surface:
            surface[term] = intern(word)
    for term in sorted(title_terms):  # in a fixed order: a float sum's last bit must not hang on the hash seed
        counts.setdefault(term, 0)
    return Profile(dict(counts), frozenset(title_terms) if title_terms else NOTHING,
                   surface, names_in(named or title) if named or title else NOTHING)


# One empty set for every profile whose title has no terms or names nothing: an empty frozenset
# made from an empty generator is an object of its own (216 bytes), 13 MB of the first look-alike
# build at 30,000 items.
NOTHING: frozenset[str] = frozenset()


@lru_cache(maxsize=100_000)
def term_of(word: str) -> str:
    return stem(word)[:TERM_CHARS]


_SEPARATORS = re.compile(r"[\W_]+")  # "cnn_dailymail", "cnnDailymail" and "cnn-dailymail" are one name


def names_in(title: str) -> frozenset[str]:
    """The versions, sites, files, CVEs and code identifiers a title names, lower-cased.

    Two reports of one kind about different things ("Upgrade kafka to 3.4.0" / "to 2.8.2",
    "www.ing.de - Page does not load" / "www.myfanbase.de - ...", "[De] welcome_help.xhtml: Dead
    Link" / "privacy_help.xhtml") share every word but the one that matters, which the words
    alone cannot see: their score is multiplied by OTHER_NAME_FACTOR when each title names
    something the other does not (`different_names`). Names are compared without case or
    separators ("cnn_dailymail" = "cnnDailymail" = "cnn-dailymail")."""
    return frozenset(name for match in _NAMES.finditer(title) if (name := _SEPARATORS.sub("", match.group(0).lower()))) or NOTHING


def different_names(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a - b) and bool(b - a)


@dataclass(frozen=True, slots=True)
class Lookalike:
    id: str
    score: float  # 0-100
    title: str
    why: tuple[str, ...] = ()  # the rarest words the two share, most telling first


class Vectors:
    """Weighted, unit-length term vectors of nodes (distinct profiles), with the prefix index.

    Node ids are small ints. `add` files a node; `candidates` and `score` answer queries."""

    def __init__(self, document_frequency: Mapping[str, int], documents: int):
        self.documents = documents
        self.df = document_frequency
        self._idf_unknown = math.log((documents + 1) / 1.5)
        self.idf = {term: math.log((documents + 1) / (count + 0.5)) for term, count in document_frequency.items()}
        self.vectors: list[dict[str, float]] = []
        self.postings: dict[str, list[int]] = {}
        self.filed: list[list[str]] = []  # node -> the terms it is filed under
        self.alive: list[bool] = []

    def weigh(self, profile: Profile) -> dict[str, float]:
        idf, unknown = self.idf, self._idf_unknown
        weights = {}
        for term, count in profile.counts.items():
            tf = (1.0 + math.log(count) if count else 0.0) + (TITLE_BOOST if term in profile.title else 0.0)
            weights[term] = tf * idf.get(term, unknown)
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {term: w / norm for term, w in weights.items()}

    def add(self, vector: dict[str, float]) -> int:
        """File a node under its FILED_TERMS heaviest terms; its id."""
        node = len(self.vectors)
        self.vectors.append(vector)
        self.alive.append(True)
        # Not under a term most items hold ("app" in a third of the reviews): its bucket would make
        # every item a candidate of every other, and two items sharing only such terms score low.
        top = self.filed_terms(vector)
        self.filed.append(top)
        for term in top:
            self.postings.setdefault(term, []).append(node)
        return node

    def filed_terms(self, vector: dict[str, float]) -> list[str]:
        """The FILED_TERMS heaviest terms a vector is filed under, heaviest first."""
        common = max(COMMON_FILED_AT_LEAST, COMMON_FILED_SHARE * self.documents)
        df = self.df
        return sorted((term for term in vector if df.get(term, 0) <= common),
                      key=lambda term: (-vector[term], term))[:FILED_TERMS]

    def remove(self, node: int) -> None:
        self.alive[node] = False  # its postings are skipped; a rebuild drops them

    def candidates(self, terms: Iterable[str]) -> set[int]:
        """The nodes filed under any of these terms."""
        found: set[int] = set()
        postings = self.postings
        for term in terms:
            bucket = postings.get(term)
            if bucket:
                found.update(bucket)
        return found

    def score(self, vector: dict[str, float], node: int) -> float:
        return cosine(vector, self.vectors[node])

    def shared(self, vector: dict[str, float], node: int, surface: dict[str, str], limit: int = 4) -> tuple[str, ...]:
        """The terms both hold, by what they add to the score, as the hit's text writes them
        (`surface`); never a term most items hold ("dashboard" in a dashboard team's every item)."""
        return self.shared_with(vector, self.vectors[node], surface, limit)

    def shared_with(self, vector: dict[str, float], other: dict[str, float], surface: dict[str, str],
                    limit: int = 4) -> tuple[str, ...]:
        """`shared` with the other vector itself (a node kept on disk: stored_lookalikes.py)."""
        common_to_most = self.documents * COMMON_SHARE
        shared = [t for t in vector if t in other and self.df.get(t, 0) <= common_to_most and t in surface]
        shared.sort(key=lambda t: (-vector[t] * other[t], t))
        return tuple(surface[t] for t in shared[:limit])


def cosine(vector: Mapping[str, float], other: Mapping[str, float]) -> float:
    """100 x the cosine of two unit vectors, summed over the shorter (in its order: the float sum's
    last bit, and so a score at the threshold, must not hang on which side asked)."""
    if len(other) < len(vector):
        vector, other = other, vector
    return 100.0 * sum(w * other.get(term, 0.0) for term, w in vector.items())


def sorted_terms(profile: Profile) -> str:
    """The profile's terms, each as often as the text has it, sorted: what the fuzzy ratio compares."""
    return " ".join(sorted(term for term, count in profile.counts.items() for _ in range(max(count, 1))))
