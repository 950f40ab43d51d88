"""The words of a text that say what it is about: one tokenizer for look-alikes, search and suggestions.

People remember "cnn dailymail preview" for an issue titled "Cannot preview cnn_dailymail
dataset", and "dataset map" for "`Dataset.map` slows down": an identifier is split into its
parts (on `_ - . /` and camelCase, "HTTPServer" -> "http server") before words are compared,
and its parts are words like any other. Stopwords (function words, greetings) are dropped,
and each word is crudely stemmed so that "reminders"/"reminder" and
"invoiced"/"invoicing"/"invoice" are one word.

English-only on purpose: the stemmer is a few suffix rules, enough for plurals and -ing/-ed,
and a word it does not know is kept whole (a word in another language still counts as
itself)."""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import utils

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)|(?<=\w)['’]")
# camelCase and PascalCase boundaries: "fooBar" -> "foo Bar", "HTTPServer" -> "HTTP Server", "utf8Decode" -> "utf8 Decode"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# Whether _CAMEL would split a text: a capital after a small letter or a digit ("fooBar"), or
# between a capital and a small letter ("HTTPServer"). Asked capital first: 6x sooner than
# _CAMEL's lookbehinds at every position, and most texts have no camelCase.
_CAMEL_HINT = re.compile(r"[A-Z](?:(?<=[a-z0-9][A-Z])|(?=[a-z])(?<=[A-Z][A-Z]))")

STOPWORDS = frozenset(
    """a an the to of in on at for and or but so as by from with into onto about than then also just
    i me my mine we us our ours you your yours he him his she her it its they them their this that these those
    there here what which who whom when where how why
    is are was were be been being am do does did doing have has had having get gets got
    can could would should will shall may might must let lets
    please pls very really some any all every each whenever time times way one thing things
    hi hello hey thanks thank""".split()
)


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """A crude English stem, enough for plurals and -ing/-ed forms to compare equal. Cached: a
    workspace's words are few beside how often they occur."""
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


def split_identifiers(text: str) -> str:
    """`text` with camelCase boundaries spaced ("fooBar" -> "foo Bar"); `_ - . /` become spaces
    in `plain_words`, which every caller goes through."""
    return _CAMEL.sub(" ", text) if has_camel_case(text) else text


def has_camel_case(text: str) -> bool:
    """True when `split_identifiers` would split `text` (a camelCase or PascalCase boundary)."""
    return _CAMEL_HINT.search(text) is not None


def plain_words(text: str) -> list[str]:
    """Every word, lower case, identifiers split, URLs, @mentions, punctuation and emoji gone."""
    # Each pattern only where its first character is: most texts have no URL, @ or apostrophe,
    # and the three scans were a third of profiling 10,000 reviews.
    if "http" in text or "www" in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "'" in text or "’" in text:
        text = _APOSTROPHE.sub("", text)
    return utils.default_process(split_identifiers(text)).split()


def kept_words(text: str, *, limit: int | None = None) -> list[str]:
    """The words that carry meaning, as written (lower case), in text order: no stopwords, no
    bare numbers, no one-letter words. `limit`: stop after that many."""
    words = []
    for word in plain_words(text):
        if len(word) < 2 or word.isdigit() or word in STOPWORDS:
            continue
        words.append(word)
        if limit is not None and len(words) >= limit:
            break
    return words


def meaningful_words(text: str, *, limit: int | None = None) -> list[str]:
    """kept_words, stemmed."""
    return [stem(word) for word in kept_words(text, limit=limit)]
