"""The shared text helpers: one plural, one Markdown escaper, one set of bidi controls."""

from __future__ import annotations

import pytest

from prodops_tui.core.text import clean_line, markdown_line, markdown_literal, neutralise_cell, plural, shown_text, without_bidi

# Embeddings, overrides and isolates: what reverses or moves a run of text.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.mark.parametrize(("count", "word", "many", "shown"), [
    (1, "item", None, "1 item"),
    (0, "item", None, "0 items"),
    (3, "item", None, "3 items"),
    (1, "person", "people", "1 person"),
    (2, "person", "people", "2 people"),
    (-1, "day", None, "-1 days"),
    (12000, "match", "matches", "12,000 matches"),  # the search screen's count, grouped as it was
])
def test_plural_says_the_count_and_the_word_in_the_plural_unless_one(count, word, many, shown):
    assert plural(count, word, many) == shown


def test_every_bidi_control_is_dropped_from_text_shown_to_people():
    # "Trojan Source": an override inside a title would reorder what a reader sees.
    text = "".join(f"{ch}x" for ch in BIDI_CONTROLS)
    assert without_bidi(text) == "x" * len(BIDI_CONTROLS)
    assert clean_line(text) == shown_text(text) == neutralise_cell(text) == "x" * len(BIDI_CONTROLS)
    assert markdown_literal(text) == markdown_line(text) == "x" * len(BIDI_CONTROLS)


def test_right_to_left_letters_and_the_marks_that_place_their_punctuation_are_kept():
    text = "שלום!\u200f مرحبا\u061c \u200e"
    assert without_bidi(text) == markdown_literal(text) == text


@pytest.mark.parametrize("syntax", list("\\`*_[]<>#|~"))
def test_markdown_syntax_in_user_text_is_escaped(syntax):
    assert markdown_literal(f"a{syntax}b") == f"a\\{syntax}b"


def test_a_title_with_markdown_and_html_shows_as_typed():
    assert markdown_literal("**Export** | <script>alert(1)</script> [x](javascript:y) ~~gone~~ \\") == (
        "\\*\\*Export\\*\\* \\| \\<script\\>alert(1)\\</script\\> \\[x\\](javascript:y) \\~\\~gone\\~\\~ \\\\")


def test_markdown_literal_keeps_line_breaks_and_markdown_line_folds_them():
    assert markdown_literal("one\ntwo") == "one\ntwo"
    assert markdown_line("  one\n two\x1b[2J  |") == "one two\\[2J \\|"


def test_clean_line_gives_every_character_the_one_rule_on_its_fast_path_too():
    """clean_line skips its regexes for printable text (a fifth of an import's conversion): for
    every code point, alone and between spaces, the answer is the rule's own (controls, bidi
    controls and surrogates out, whitespace runs folded, ends trimmed)."""
    import re

    from prodops_tui.core import text

    def rule(value: str) -> str:
        value = text._CONTROL.sub("", text._SURROGATE.sub("\ufffd", value))
        return re.sub(r"\s+", " ", text._BIDI.sub("", value)).strip()

    for code in range(0x110000):
        char = chr(code)
        for value in (char, f" a{char}  b "):
            assert clean_line(value) == rule(value), hex(code)
