"""Boilerplate: the lines and sentences many items of a workspace share, learned from how often they occur.

An issue tracker's template ("### Steps to reproduce", "### Checklist", "Before submitting the PR
make sure the following are checked:"), a mail signature ("Sent from my iPhone"), a greeting or a
company's reply prefix are the same words in many items that say different things. Compared
with them, two reports whose bodies are only the template score 100 against each other, and two
pull requests sharing a long template look alike whatever they change. So duplicate detection
leaves them out first (duplicates.py) and compares what is left.

What counts
-----------
A text is cut into segments: its lines, and each line into sentences (after `.`, `!` or `?`).
A segment's key is its words, lower-cased, punctuation gone. A segment is boilerplate when at
least `threshold(n)` = max(SHARED_BY_AT_LEAST, SHARED_FRACTION x n) different items of the n
hold it (n: every item), or, inside a text that is otherwise all boilerplate (a template left
empty), when at least PLACEHOLDER_SHARED_BY items hold it: the template's prompts that only
unfilled reports keep ("This Pull Request changes [REPLACE ME]") are too few for the first
count. Three rules keep real feedback from being learned as boilerplate:

- Only items of two or more segments teach and lose boilerplate: a text that is one sentence
  ("good", "Dark mode in the app please") is its own content however many items say it; the
  duplicate groups find those.
- An item's title is never its boilerplate: a segment that is the title, holds it or is part
  of it says what the item is about (the demo's "Hi team! Let us give the auditor view-only
  access." under that title; a review's first line, which is its title).
- Copies count once: items with the same title and text are one message sent or imported
  again, so twelve copies of one email do not make its sentences boilerplate (they are
  duplicates of each other, and stay so). Template-only reports differ by their titles, so
  each counts.
HTML comments (`<!-- ... -->`) are never content a reader sees (templates keep their
instructions there) and are dropped from every text, however rare.

Measured (Dec 2026, tests/data): the 849 real reviews and tweets have no boilerplate (their
texts are one line, or share nothing ten times); the 248 rails/rails issues and pull requests
(rails_issues.jsonl) have 41 shared segments (the bug-report and pull-request templates'
headings and checklist, the reproduction script's fixed lines, "Ruby version: 3.2.2") and 45
more left in unfilled templates; before, 36 pull requests about different changes were one
"similar, score 100" group and two empty bug reports scored 99.4. The demo shares "hi", "hey"
and "This is a blocker for us."; its groups are the same as without boilerplate.

Cost: one pass over the items, each text's first SCAN_CHARS characters split once into segments
and counted in a dict (no pair of items is ever compared): see `Boilerplate.learn`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import utils

from ..model import FeedbackItem

SHARED_BY_AT_LEAST = 10  # items: a small workspace's template, used ten times, is learned
SHARED_FRACTION = 0.005  # of every item: at 100,000 items a line 500 different items share
SCAN_CHARS = 4_000  # of each text: a template's boilerplate sits at its start (rails' longest is ~1,700)
PLACEHOLDER_SHARED_BY = 3  # items: a prompt that template-only texts leave unfilled (see Boilerplate.strip)
MAX_KEY_CHARS = 300  # a longer line is prose, never counted: the counts stay small

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# A line break, or a sentence's end (. ! ?) and the spaces after it ("3.5" is one segment). Written so
# that the scan tries one character class per position: the lookbehind-first form took 3x longer.
_SEGMENT_END = re.compile(r"[.!?\n]\s*(?<=\s)")


def threshold(items: int) -> int:
    """How many different items must share a segment for it to be boilerplate."""
    return max(SHARED_BY_AT_LEAST, math.ceil(SHARED_FRACTION * items))


def without_comments(text: str) -> str:
    return _COMMENT.sub(" ", text) if "<!--" in text else text


def segment_key(segment: str) -> str:
    """A segment's words: lower case, punctuation gone, ends trimmed ("### Checklist" ->
    "checklist"). Spacing inside is not folded ("Hi, team" and "Hi team" differ): folding it cost
    a third of the learning, and what repeats (a template, a signature) repeats as typed."""
    return utils.default_process(segment)


def _segments(text: str) -> list[tuple[str, str]]:
    """(segment, key) for each line and sentence of the text's start that has a word."""
    process = utils.default_process
    return [(piece, key) for piece in _SEGMENT_END.split(without_comments(text[:SCAN_CHARS])) if (key := process(piece))]


def _one_segment(text: str) -> bool:
    """True for a text of one line and one sentence, without looking further (most reviews and chats)."""
    return "\n" not in text and "<!--" not in text and not _SEGMENT_END.search(text)


def _title_words(title: str) -> str:
    return segment_key(title) if title else ""


def _is_title(key: str, title_words: str) -> bool:
    """The segment is the item's title, holds it ("Hi team! Let us give the auditor view-only
    access." under that title) or is part of it: it says what the item is about."""
    return bool(title_words) and (key in title_words or title_words in key)


def _content_keys(item: FeedbackItem) -> list[str]:
    """The segment keys of an item's text that may be boilerplate: not its title's."""
    title_words = _title_words(item.title)
    return [key for _, key in _segments(item.text) if not _is_title(key, title_words)]


@dataclass(frozen=True)
class Boilerplate:
    """What a workspace's items share, learned by `learn`, and how to leave it out (`strip`).

    `shared`: segment keys held by at least `threshold(n)` different items. `common`: keys held
    by at least PLACEHOLDER_SHARED_BY of them, boilerplate only inside a template-only text (see
    `strip`)."""

    shared: frozenset[str] = frozenset()
    common: frozenset[str] = frozenset()

    @classmethod
    def learn(cls, items: Iterable[FeedbackItem]) -> Boilerplate:
        """One pass over the items counting, per segment key, the different items that hold it
        (a dict of counts: no two items are ever compared).

        Measured (Dec 2026, busy 2-core dev machine, tests/data): 100,000 items made the way
        bench/run.py makes them (the real reviews and tweets cycled, two words added) 0.5 s, the
        45% of one line and one sentence costing nothing (they learn "thank you"); 100,000
        copies of the 248 rails issues and pull requests (multi-line, templated, up to 10,000
        characters) 2.3 s. `strip` over every text: 0.35 s and 2.3 s."""
        counts: Counter[str] = Counter()
        seen: set[int] = set()  # copies: the same title and text count once
        total = 0
        for item in items:
            total += 1
            text = item.text
            if _one_segment(text):
                continue
            distinct = {key for key in _content_keys(item) if len(key) <= MAX_KEY_CHARS}
            if len(distinct) < 2:
                continue
            signature = hash((item.title, text))
            if signature in seen:
                continue
            seen.add(signature)
            counts.update(distinct)
        least = threshold(total)
        shared = frozenset(key for key, count in counts.items() if count >= least)
        common = frozenset(key for key, count in counts.items() if PLACEHOLDER_SHARED_BY <= count < least)
        return cls(shared, common)

    def strip(self, text: str, title: str = "", *, limit: int = SCAN_CHARS) -> str:
        """The text without its HTML comments and, if it has two or more segments, without the
        boilerplate ones, the kept segments one a line, up to about `limit` characters (what is
        compared is the start). '' when nothing is left.

        A segment that is the `title` stays. In a template-only text (at least three segments,
        and all but a quarter at most, are `shared`) the `common` segments go too: the template's
        prompts that only unfilled reports keep ("This Pull Request changes [REPLACE ME]") are too
        few to be `shared`, and two empty reports scored 100 on them."""
        if "<!--" in text:
            text = without_comments(text)
        if not self.shared or _one_segment(text):
            return text
        segments = _segments(text)
        if len({key for _, key in segments}) < 2 or self.shared.isdisjoint(key for _, key in segments):
            return text
        title_words = _title_words(title)
        boilerplate = [key in self.shared and not _is_title(key, title_words) for _, key in segments]
        found = sum(boilerplate)
        if found >= 3 and (len(segments) - found) * 4 <= len(segments):  # a template-only text
            boilerplate = [gone or (key in self.common and not _is_title(key, title_words))
                           for gone, (_, key) in zip(boilerplate, segments, strict=True)]
        kept: list[str] = []
        size = 0
        for (segment, _), gone in zip(segments, boilerplate, strict=True):  # one flag a segment
            if not gone:
                kept.append(segment.strip())
                size += len(segment)
                if size >= limit:
                    return "\n".join(kept)
        if rest := text[SCAN_CHARS:].strip():  # past the scanned start: kept as it is
            kept.append(rest)
        return "\n".join(kept)
