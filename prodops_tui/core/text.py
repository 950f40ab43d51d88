"""User text is data: clean it once, on the way in and on the way out."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# C0 and C1 control characters except tab and newline: escape sequences (ESC [2J,
# OSC set-title) would otherwise reach the terminal through any render path.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
# Lone surrogates: what invalid UTF-8 bytes in a shell argument become in Python. UTF-8 cannot
# encode them, so a capture of one failed as an internal error; shown as U+FFFD, as stdin does.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# The one set of bidirectional controls dropped from what people read: embeddings, overrides and
# isolates. They reverse or move whole runs of the text around them on screen, in a spreadsheet
# and in a rendered wiki page ("Trojan Source", CVE-2021-42574). Kept in the stored text (it is
# the customer's). The marks (LRM, RLM, ALM) are kept everywhere: zero-width letters that place
# the punctuation of Hebrew or Arabic text, put there on purpose, and they reverse nothing
# (tests/hardening/test_hostile_text.py holds both sets).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# What Markdown (CommonMark and GitHub's: ~ is strikethrough) or the HTML inside it reads as syntax.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]<>#|~])")


def clean_text(text: str) -> str:
    """Normalise newlines, drop control characters, trim the ends (bidi controls are kept:
    display and exports drop them, see shown_text)."""
    return without_controls(text).strip()


def without_controls(text: str) -> str:
    """The rule every stored and shown text keeps, and nothing more: line breaks as newlines, no
    other control character but tab, a lone surrogate as U+FFFD. Nothing trimmed or folded, so
    text kept as written (a CODEOWNERS pattern, an imported record) is otherwise unchanged."""
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def first_control(text: str) -> str | None:
    """The first control character (not tab or newline) in the text, or None: for a reason that names it."""
    found = _CONTROL.search(text)
    return found.group(0) if found else None


def shown_text(text: str) -> str:
    """Text as shown or exported for people: clean, and no bidi control to reorder it."""
    return without_bidi(clean_text(text))


def without_bidi(text: str) -> str:
    """The text without bidirectional controls (the one set, _BIDI above)."""
    return _BIDI.sub("", text)


def clean_line(text: str) -> str:
    """One line of display text: control and bidi characters gone, runs of whitespace folded."""
    if text.isprintable():
        # Nearly every line: no control, bidi (format) or surrogate character, and no whitespace
        # but the ASCII space (Python counts every other separator unprintable), so only runs of
        # spaces are left to fold. One C pass instead of four regexes: a fifth of an import's
        # conversion of each row (bench/store.py).
        return " ".join(text.split()) if "  " in text else text.strip()
    return _SPACES.sub(" ", _BIDI.sub("", _CONTROL.sub("", _SURROGATE.sub("\ufffd", text)))).strip()


def fold(text: str) -> str:
    """For matching, not for showing: lower case, accents off ("Tomás" -> "tomas")."""
    if text.isascii():  # most text: the same answer, 75x sooner (indexing 100k items folds every word)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Each distinct character checked once, not every character (a review is 400 of about 40).
    marks = {ord(ch): None for ch in set(decomposed) if unicodedata.combining(ch)}
    return decomposed.translate(marks) if marks else decomposed


def truncate(text: str, width: int) -> str:
    """Cut to `width` characters, the last one an ellipsis when anything was cut."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def first_line(text: str, width: int = 80) -> str:
    """A title from a body: its first non-empty line, cut at `width` with an ellipsis."""
    for line in text.splitlines():
        line = clean_line(line)
        if line:
            return truncate(line, width)
    return ""


# A spreadsheet runs a cell starting with these as a formula (CSV injection): a
# customer's "=HYPERLINK(...)" must arrive as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs, in the order it was written, and
    with no control character a terminal would act on (`cat export.csv`)."""
    value = without_bidi(without_controls(value))
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def unique_names(names: Iterable[str]) -> list[str]:
    """Names as typed, cleaned, each once (case-insensitively; the first spelling wins)."""
    seen: dict[str, str] = {}
    for name in names:
        name = clean_line(name)
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return list(seen.values())


def markdown_literal(text: str) -> str:
    """User text kept literal in Markdown (a wiki page, a chat): every character Markdown or HTML
    would read as syntax is escaped (a customer's `|` never breaks a table, `<script>` shows as
    typed) and no bidi control is left to reorder it. Line breaks are kept: see markdown_line."""
    return _MARKDOWN_SYNTAX.sub(r"\\\1", without_bidi(text))


def markdown_line(text: str) -> str:
    """User text as one line of Markdown (a table cell, a list item, a heading): clean_line, then
    markdown_literal."""
    return markdown_literal(clean_line(text))


def plural(count: int, word: str, many: str | None = None) -> str:
    """The count and the word, in the plural unless the count is one: plural(1, "item") is
    "1 item", plural(3, "item") "3 items", plural(2, "person", "people") "2 people"; thousands
    are grouped for reading, plural(12000, "match", "matches") "12,000 matches"."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"
