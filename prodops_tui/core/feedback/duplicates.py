"""Near-duplicate feedback: find it and cluster it (merging it is merge.py).

How two items are compared
--------------------------
Each item's text, without the lines and sentences many items of the workspace share
(templates, signatures, greetings: boilerplate.py; a text that was nothing else is never
a duplicate by its words), is normalised once (its first MAX_CHARS characters): URLs,
@mentions, emoji and punctuation dropped, lower-cased (rapidfuzz's
`default_process`), stopwords and bare numbers removed, and each word crudely
stemmed ("reminders"/"reminder", "invoiced"/"invoicing"/"invoice" compare
equal). The words are sorted and joined: `fuzz.ratio` on those keys is
`token_sort_ratio` over the normalised words, computed with the sort done once
per item instead of once per comparison. Items with fewer than MIN_WORDS
distinct words left ("good", "nice app 👍", "BEST APP EVER!!") are not
compared by similarity: short praise matches other short praise at any
threshold. They are grouped by their exact words instead (`exact_key`: case,
punctuation, emoji and spacing ignored), so the 39 "good"s of the real reviews
are one group and "Dark mode in the app please 🌙" x4 another; the remaining
short texts that say nothing to act on ("wow", "cool app": is_low_information, the one
definition) form one low-information group, to archive in one step. A rating of 1-2, a
problem or request word, a question or three meaningful words in the title or the text
keep an item out of it, and out of the identical groups to archive ("not working" x2 is
a group to read).

Threshold, measured (Nov 2026) on tests/data: the 800 app-store reviews plus
the 49 inbound support tweets (849 texts), every pair scored (throwaway script):
  scorer on our keys      MIN_WORDS  comparable   pairs >=80   >=85   >=90
  ratio (= token_sort)        1          837          1930     1891   1857   "good" x31, "nice" x9 ...
  ratio (= token_sort)        2          672            57       42     29   "very good", "nice app" ...
  ratio (= token_sort)        3          582             5        4      0   "best app ever" ~ "best ai ever"
  ratio (= token_sort)        4          546             1        1      0   see below
  WRatio                      4          546         32620    32620      0   partial matching: short inside long
The one pair left at 4 words scores 86.4: "best app I ever install" ~ "Literally
the best app ever!!!!" (near-identical, harmless); the next best pair is 70.3.
The demo's six hand-written paraphrase pairs (demo.DUPLICATE_PAIRS) score
86.7 89.2 92.5 94.9 92.5 87.5 with this normaliser; without it (default_process
only) `ratio` gives 72 66 90 88 49 75 and `token_sort_ratio` 70 78 85 87 80 75.
Same sentence, different request: "dark mode" vs "offline mode to the mobile
app" 73.9; "the dashboard" vs "the invoice list is very slow for accounts with
lots of customers" 75.0. On the demo's 399 comparable items, pairs >=80/85/90:
150/89/47, and all 42 pairs sampled (6 per 5-point band from 70 up) were real
duplicates: templated demo texts differ mostly by their openers.
So: scorer `fuzz.ratio` on the sorted normalised words (token_sort_ratio),
MIN_WORDS = 4, DUPLICATE_THRESHOLD = 85 (margin over the different-request
pairs at ~75, all six demo paraphrases found).

Whole-inbox clusters
--------------------
`likely_duplicate_clusters` does not score all n² pairs (one `process.extract`
per item over all keys: 5.1 s for 10,000 items). Items with the same key
(copies, templated messages) become one node. Then it blocks by words (prefix
filtering): with every node's distinct words ordered rarest first, two nodes
that share at least `shared_fraction(threshold)` of each one's words must share
a word among each one's few rarest, so only nodes sharing one of those are
scored (one `process.extract` per node over its candidates). Pairs at or above
the threshold become edges; clusters are grown greedily so that every two
members score at or above the threshold (no chaining A~B~C into one cluster
when A and C differ). Blocking lost no pair against brute force on 3,300
items at thresholds 65, 70, 75, 80, 85 and 90.

Measured on the 2-core dev machine, 10,000 items, whole scan in one thread:
0.41 s for two thirds templated demo feedback and one third real reviews
(1,722 clusters), 0.92 s for the real reviews and tweets copied with varied
openers (the test's data set; ~0.65 s of it normalising the texts).
DuplicateIndex.build: 0.21-0.33 s; one similar_to: 0.1-1 ms.
Leaving the boilerplate out (Dec 2026, 100,000 items made as bench/run.py makes them, busy
machine): likely_duplicate_clusters 3.6-3.8 s -> 4.1-4.4 s, DuplicateIndex.build 6.9 s -> 7.9-8.2 s
(learning it, one pass: 0.5 s; stripping the texts: 0.35 s). The app's scan learns it once,
in the index, and hands it to the clusters.

Merging lives in merge.py: the survivor keeps every customer (`merge.customers_of`).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from ..errors import NotFound
from ..model import FeedbackItem
from ..storage.store import Store
from ..text import clean_line, first_line
from .boilerplate import Boilerplate, without_comments

DUPLICATE_THRESHOLD = 85.0
MIN_WORDS = 4  # distinct words left after normalising; shorter texts are never duplicates
MAX_CHARS = 500  # only the start of a long text is compared (rapidfuzz cost grows with length)
MAX_WORDS = 80

def shared_fraction(threshold: float) -> float:
    """Blocking assumption: the share of each item's distinct words that a pair scoring
    `threshold` has in common, at least. Measured minimum over 12,000+ pairs (demo
    feedback, real reviews and tweets, and copies with a word dropped or replaced):
    0.07 at 60, 0.25 at 70, 0.40 at 75, 0.50 at 80, 0.60 at 85, 0.62 at 90; this
    stays 0.05-0.1 below it (and 0, i.e. any shared word, at 60 and below)."""
    return min(0.5, max(0.0, (threshold - 60) / 50))


_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)|(?<=\w)['’]")
_STOPWORDS = frozenset(
    """a an the to of in on at for and or but so as by from with into onto about than then also just
    i me my mine we us our ours you your yours he him his she her it its they them their this that these those
    there here what which who whom when where how why
    is are was were be been being am do does did doing have has had having get gets got
    can could would should will shall may might must let lets
    please pls very really some any all every each whenever time times way one thing things
    hi hello hey thanks thank""".split()
)


def _stem(word: str) -> str:
    """A crude English stem, enough for plurals and -ing/-ed forms to compare equal."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def normalise_words(text: str) -> list[str]:
    """The words of `text` that duplicate detection compares, in text order."""
    text = _MENTION.sub(" ", _URL.sub(" ", text[:MAX_CHARS]))
    text = utils.default_process(_APOSTROPHE.sub("", text))
    words = []
    for word in text.split():
        if len(word) < 2 or word.isdigit() or word in _STOPWORDS:
            continue
        words.append(_stem(word))
        if len(words) >= MAX_WORDS:
            break
    return words


def exact_key(text: str) -> str:
    """Every word, lower-cased, with punctuation, emoji, URLs, @mentions and spacing gone:
    texts with the same exact key say the same thing ("Good!!" and "good 👍")."""
    text = _MENTION.sub(" ", _URL.sub(" ", text[:MAX_CHARS]))
    return " ".join(utils.default_process(_APOSTROPHE.sub("", text)).split())


# --- low information: the one definition ----------------------------------------------

LOW_INFORMATION_WORDS = 2  # "good", "nice app", "very good 👍": at most this many words that carry meaning

# Words that make a text a problem, a complaint, a request or a question however short it is, so
# that an item holding one is never offered for one-step archiving. Chosen (Dec 2026) from what a
# word count alone swept into the low-information group (PITFALLS.md, third round): 1-2 star
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
    return exact_key(title)


def same_request_groups(items: Iterable[FeedbackItem]) -> dict[str, str]:
    """Item id -> the title its request is known by, for items whose meaningful titles are the
    same once an opener of up to three words is dropped ("FYI Dark mode in the app please" ~
    "Dark mode in the app please"). Items with no such partner are left out."""
    by_key: dict[str, list[str]] = {}
    for item in items:
        if key := title_key(item):
            by_key.setdefault(key, []).append(item.id)
    parent = {key: key for key in by_key}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key in by_key:
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


def duplicate_key(text: str) -> str:
    """The comparison key: normalised words sorted; '' when too short to be a duplicate."""
    words = normalise_words(text)
    if len(set(words)) < MIN_WORDS:
        return ""
    return " ".join(sorted(words))


def similarity(text_a: str, text_b: str) -> float:
    """0-100: how alike two feedback texts are for duplicate detection (0 if either is too short)."""
    key_a, key_b = duplicate_key(text_a), duplicate_key(text_b)
    if not key_a or not key_b:
        return 0.0
    return fuzz.ratio(key_a, key_b)


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
    title, text = item.title, item.text
    if not title or not text or text.startswith(title.removesuffix("…")):
        return words  # no title, or the text's first line (a review, a chat, a captured note)
    own_title = exact_key(title)
    if own_title and not exact_key(text).startswith(own_title):
        return f"{own_title}\x1f{words}"
    return words


def _title(item: FeedbackItem) -> str:
    return clean_line(item.title) or first_line(item.text)


@dataclass(frozen=True)
class SimilarItem:
    id: str
    score: float  # 0-100
    title: str


class DuplicateIndex:
    """Every feedback item's comparison key, built once and queried per opened item.
    `boilerplate` is what it learned the workspace's items share (left out of every text).

    Building learns the boilerplate and normalises each text (10,000 items: 0.21-0.33 s before
    the boilerplate, which adds about an eighth at 100,000); a query scores the
    item's key against all of them (10,000 items: 0.1-1 ms). It is a snapshot:
    rebuild it after the workspace changed to see new items as hits (`similar_to`
    still answers for an item added since, reading it from the store). Read-only
    once built, so a worker thread may build it and the UI thread query it."""

    def __init__(self, store: Store, items: Iterable[FeedbackItem]):
        self._store = store
        items = list(items)
        # Learned from every item, merged ones too, as likely_duplicate_clusters does.
        self.boilerplate = Boilerplate.learn(items)
        self._ids: list[str] = []
        self._keys: list[str] = []
        self._key_by_id: dict[str, str] = {}
        self._root: dict[str, str] = {}  # merged item id -> the item it was merged into
        self._titles: dict[str, str] = {}
        # Texts too short to compare by words still have copies: "Dark mode in the app please"
        # x4 are duplicates of each other, found by their exact words.
        self._exact_by_id: dict[str, str] = {}
        self._same_text: dict[str, list[str]] = {}  # "t:" + a request's title, or "e:" + a short text's words
        self._requests = same_request_groups(items)
        for item in items:
            text = compared_text(item, self.boilerplate)
            key = duplicate_key(text)
            if item.id in self._requests:
                exact = f"t:{self._requests[item.id]}"
            else:
                words = "" if key else short_key(item, text)
                exact = f"e:{words}" if words else ""
            if exact:
                self._exact_by_id[item.id] = exact
                self._same_text.setdefault(exact, []).append(item.id)
            self._key_by_id[item.id] = key
            self._titles[item.id] = _title(item)
            if item.duplicate_of:
                self._root[item.id] = item.duplicate_of
            if key:
                self._ids.append(item.id)
                self._keys.append(key)
        self._family: dict[str, list[str]] = {}  # survivor id -> its own key and those merged into it
        for item_id, key in zip(self._ids, self._keys):
            self._family.setdefault(self._survivor(item_id), []).append(key)
        # The keys by length: fuzz.ratio is 200 * common / (len1 + len2), so only keys of about
        # the same length can reach the threshold (85: 0.74x to 1.35x). Scoring all 100,000 keys
        # on every cursor move in the inbox took 19 ms.
        order = sorted(range(len(self._keys)), key=lambda i: len(self._keys[i]))
        self._lengths = [len(self._keys[i]) for i in order]
        self._keys_by_length = [self._keys[i] for i in order]
        self._ids_by_length = [self._ids[i] for i in order]

    @classmethod
    def build(cls, store: Store) -> DuplicateIndex:
        return cls(store, store.all(FeedbackItem))

    def __len__(self) -> int:
        return len(self._keys)

    def _survivor(self, item_id: str) -> str:
        seen = {item_id}
        while (parent := self._root.get(item_id)) and parent not in seen:
            seen.add(parent)
            item_id = parent
        return item_id

    def similar_to(
        self, item_id: str, *, limit: int = 5, threshold: float = DUPLICATE_THRESHOLD
    ) -> list[SimilarItem]:
        """The items most like this one, best first, each scoring at least `threshold`.

        The item is compared by its own text and the texts merged into its survivor,
        keeping each hit's best score. A hit on an item already merged away is
        reported as its survivor; the item itself, its survivor and what was merged
        into it are never listed. An item too short to compare (MIN_WORDS) is
        compared by its family's other texts only, so a lone "good" has none."""
        item_id = item_id.strip().upper()
        if item_id in self._key_by_id:
            root = self._survivor(item_id)
            keys = self._family.get(root, [])
            exact = self._exact_by_id.get(item_id, "")
        else:
            item = self._store.get(item_id)
            if not isinstance(item, FeedbackItem):
                raise NotFound(f"no feedback item {item_id}")
            root = self._survivor(item.duplicate_of) if item.duplicate_of else item_id
            text = compared_text(item, self.boilerplate)
            keys = [duplicate_key(text), *self._family.get(root, [])]
            words = "" if keys[0] else short_key(item, text)
            exact = f"e:{words}" if words else ""
        hits = self._search(keys, limit=limit, threshold=threshold, exclude_root=root)
        if exact:
            # The same title, or the same short text word for word: a duplicate at 100, first.
            same = []
            seen = {root}
            for other in sorted(self._same_text.get(exact, []), key=_number):
                survivor = self._survivor(other)
                if survivor not in seen:
                    seen.add(survivor)
                    same.append(SimilarItem(id=survivor, score=100.0, title=self._titles.get(survivor, "")))
            hits = (same + [hit for hit in hits if hit.id not in seen])[:limit]
        return hits

    def similar_to_text(
        self, text: str, *, limit: int = 5, threshold: float = DUPLICATE_THRESHOLD
    ) -> list[SimilarItem]:
        """Like `similar_to` for text not stored yet (e.g. while capturing), its boilerplate left out."""
        return self._search([duplicate_key(self.boilerplate.strip(text, limit=MAX_CHARS))], limit=limit, threshold=threshold,
                            exclude_root=None)

    def _search(
        self, keys: list[str], *, limit: int, threshold: float, exclude_root: str | None
    ) -> list[SimilarItem]:
        if limit <= 0:
            return []
        best: dict[str, float] = {}
        for key in dict.fromkeys(k for k in keys if k):
            shortest = math.floor(len(key) * threshold / (200 - threshold))
            longest = math.ceil(len(key) * (200 - threshold) / max(threshold, 1e-9))
            start = bisect.bisect_left(self._lengths, shortest)
            end = bisect.bisect_right(self._lengths, longest)
            for _choice, score, index in process.extract(
                key, self._keys_by_length[start:end], scorer=fuzz.ratio, processor=None, limit=None, score_cutoff=threshold
            ):
                hit = self._survivor(self._ids_by_length[start + index])
                if hit != exclude_root and score > best.get(hit, -1.0):
                    best[hit] = score
        ranked = sorted(best.items(), key=lambda pair: (-pair[1], _number(pair[0])))[:limit]
        out = []
        for hit, score in ranked:
            title = self._titles.get(hit)
            if title is None:
                found = self._store.get(hit)
                title = _title(found) if isinstance(found, FeedbackItem) else ""
            out.append(SimilarItem(id=hit, score=round(score, 1), title=title))
        return out


def _number(record_id: str) -> int:
    try:
        return int(record_id.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 0


# --- clusters across the whole inbox ------------------------------------------------


def likely_duplicate_clusters(
    store: Store,
    *,
    threshold: float = DUPLICATE_THRESHOLD,
    include_merged: bool = False,
    low_information: bool = True,
    should_stop: Callable[[], bool] | None = None,
    boilerplate: Boilerplate | None = None,
) -> list[Cluster]:
    """Groups of items that look like the same feedback: the similar groups biggest first,
    then the identical short texts that say something, then (unless `low_information` is
    False) the identical ones that do not and last one group of every other short text that
    says nothing to act on (is_low_information).

    Texts are compared without the workspace's boilerplate (`boilerplate`, learned from every
    item when not given: pass DuplicateIndex.boilerplate to learn it once for both). Each
    cluster lists ids oldest first (received, then number), so its first id is the natural
    survivor for `merge`. Every two items in a similar cluster score at least `threshold`;
    identical texts are in one cluster, apart from those that say something (a 1-star "good").
    Items merged away (duplicate_of set) are left out unless `include_merged`. Plain Python,
    safe to run in a worker thread: pass `should_stop` (checked every few hundred items) to
    abandon the scan, in which case the result is []."""
    every = store.all(FeedbackItem)
    if boilerplate is None:
        boilerplate = Boilerplate.learn(every)
    items = [item for item in every if include_merged or not item.duplicate_of]
    items.sort(key=lambda item: (item.received_at, _number(item.id)))
    # Items with the same key (the same words: copies, templated messages) are one node.
    members: dict[str, list[str]] = {}
    key_of: dict[str, str] = {}
    short: dict[str, list[FeedbackItem]] = {}  # short_key -> items, for texts too short to compare by words
    same_request = same_request_groups(items)
    for count, item in enumerate(items):
        if should_stop is not None and count % 512 == 0 and should_stop():
            return []
        if item.id in same_request:
            continue  # the same request under another greeting: grouped by its title below
        text = compared_text(item, boilerplate)
        key = duplicate_key(text)
        if key:
            members.setdefault(key, []).append(item.id)
            key_of[item.id] = key
        else:
            short.setdefault(short_key(item, text), []).append(item)
    keys = list(members)
    words = [sorted(set(key.split())) for key in keys]
    edges = _similar_pairs(keys, words, threshold, should_stop)
    if edges is None:
        return []
    order = {item.id: index for index, item in enumerate(items)}
    def biggest_first(cluster: Cluster) -> tuple[int, int]:
        return -len(cluster), order[cluster[0]]

    def similar(ids: list[str]) -> Cluster:
        first = key_of[ids[0]]
        return Cluster(ids, score=round(min(fuzz.ratio(first, key_of[other]) for other in ids[1:]), 1))

    clusters = [similar(sorted((i for node in nodes for i in members[keys[node]]), key=order.__getitem__))
                for nodes in _cliques([len(members[key]) for key in keys], edges)]
    by_request: dict[str, list[str]] = {}
    for item_id, root in same_request.items():
        by_request.setdefault(root, []).append(item_id)
    clusters += [Cluster(sorted(ids, key=order.__getitem__), "same-title") for ids in by_request.values()]
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
        for item in group:
            (quiet if is_low_information(item) else meaningful).append(item.id)
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


def _similar_pairs(
    keys: list[str], words: list[list[str]], threshold: float, should_stop: Callable[[], bool] | None
) -> dict[int, dict[int, float]] | None:
    """Every pair of keys scoring >= threshold, found by prefix-filter blocking on words."""
    frequency: dict[str, int] = {}
    for distinct in words:
        for word in distinct:
            frequency[word] = frequency.get(word, 0) + 1
    fraction = shared_fraction(threshold)
    postings: dict[str, list[int]] = {}
    edges: dict[int, dict[int, float]] = {}
    ratio, extract = fuzz.ratio, process.extract
    for i, distinct in enumerate(words):
        if should_stop is not None and i % 256 == 0 and should_stop():
            return None
        ordered = sorted(distinct, key=lambda word: (frequency[word], word))
        prefix = ordered[: len(ordered) - math.ceil(fraction * len(ordered)) + 1]
        candidates: set[int] = set()
        for word in prefix:
            bucket = postings.get(word)
            if bucket is not None:
                candidates.update(bucket)
                bucket.append(i)
            else:
                postings[word] = [i]
        if not candidates:
            continue
        # One C call per item scores all its candidates (a Python call per pair costs ~3x more).
        others = list(candidates)
        for _choice, score, position in extract(
            keys[i], [keys[j] for j in others], scorer=ratio, processor=None, limit=None, score_cutoff=threshold
        ):
            j = others[position]
            edges.setdefault(i, {})[j] = score
            edges.setdefault(j, {})[i] = score
    return edges


def _cliques(sizes: list[int], edges: dict[int, dict[int, float]]) -> list[list[int]]:
    """Greedy clusters of nodes in which every two nodes are linked; a node of several
    identical items is a cluster on its own. Best-connected nodes seed the clusters."""

    def weight(node: int) -> tuple[int, float]:
        linked = edges.get(node, {})
        return sizes[node] - 1 + sum(sizes[other] for other in linked), sum(linked.values())

    candidates = [node for node in range(len(sizes)) if sizes[node] > 1 or node in edges]
    candidates.sort(key=lambda node: (*(-value for value in weight(node)), node))
    assigned: set[int] = set()
    clusters: list[list[int]] = []
    for seed in candidates:
        if seed in assigned:
            continue
        nodes = [seed]
        linked = edges.get(seed, {})
        for other in sorted(linked, key=lambda other: (-linked[other], -sizes[other], other)):
            if other not in assigned and all(other in edges[node] for node in nodes[1:]):
                nodes.append(other)
        if len(nodes) > 1 or sizes[seed] > 1:
            assigned.update(nodes)
            clusters.append(nodes)
    return clusters


# --- merging ------------------------------------------------------------------------
