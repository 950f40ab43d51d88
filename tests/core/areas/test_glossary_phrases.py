"""A glossary phrase of several words counts by each of its words: "credit note" is two
glossary words for its area, not one. Counted as one word (the phrase as one key, its first word
only, or its weight shared out among its words) it survived every other test, as the demo's
and the labelled sets' suggestions are carried by names and filed items."""

from __future__ import annotations

from dataclasses import replace

import pytest

from prodops_tui.core.areas.lookup import suggest_areas
from prodops_tui.core.areas.ownership import add_area


@pytest.fixture
def invoicing(store):
    """Three areas, each with a glossary; Invoicing's is one two-word phrase."""
    areas = {}
    for name, glossary in (("Invoicing", ["credit note"]), ("Refunds", ["refund"]), ("Login", ["password"])):
        area = add_area(store, name, origin="test")
        with store.change(f"glossary of {name}", origin="test") as tx:
            tx.put(replace(store.get(area.id), glossary=glossary))
        areas[name] = area.id
    return areas["Invoicing"]


def own_words_score(store, area_id: str, text: str) -> float:
    """The area's score from its own words alone (nothing is filed yet), 0 if not suggested."""
    return next((s.score for s in suggest_areas(store, text, learned=False) if s.area.id == area_id), 0.0)


def test_a_two_word_glossary_phrase_counts_as_two_glossary_words(store, invoicing):
    whole = own_words_score(store, invoicing, "Please send a credit note")
    credit = own_words_score(store, invoicing, "Please send a credit")
    note = own_words_score(store, invoicing, "Please send a note")
    name = own_words_score(store, invoicing, "Please send an invoice")
    assert whole > credit and whole > note  # the whole phrase says more than one of its words
    # Each word of the phrase weighs as a glossary term does, more than a word of the area's name.
    assert credit > name and note > name
    (suggested,) = suggest_areas(store, "Please send a credit note", learned=False)
    assert suggested.area.id == invoicing and "credit note" in suggested.matched
