"""The safety rules of grouping (issue 25, item 1): nothing that says something is offered for
one-step archiving as noise.

Real data: the app-store reviews in tests/data (SOURCES.md), with their ratings, imported as a
user would."""

from __future__ import annotations

import pytest

from prodops_tui.core.feedback.duplicates import (
    LOW_INFORMATION_LABEL,
    is_low_information,
    likely_duplicate_clusters,
)
from prodops_tui.core.importers import import_feedback
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store
from prodops_tui.core.text import first_line

from ...conftest import TEST_DATA


def add(store: Store, text: str, *, rating: int | None = None, title: str = "") -> FeedbackItem:
    """An item as an import makes it: a rating comes with a review, a title with a tracker's report."""
    with store.change("added", origin="test") as tx:
        return tx.add(FeedbackItem(text=text, title=title or first_line(text), rating=rating, source="test"))


def low_information_ids(store: Store) -> set[str]:
    return {item_id for cluster in likely_duplicate_clusters(store) if cluster.low_information for item_id in cluster}


def short_praise(store: Store) -> list[FeedbackItem]:
    """What the low-information group is for: it must still form around what we add."""
    return [add(store, text, rating=5) for text in ("wow", "cool app", "👍👍", "nice")]


# --- 1. nothing real is noise ----------------------------------------------------------------


def test_a_one_star_not_working_is_never_in_the_low_information_group(store):
    praise = short_praise(store)
    complaint = add(store, "not working", rating=1)
    again = add(store, "Not working!!", rating=1)

    clusters = likely_duplicate_clusters(store)

    assert {i.id for i in praise} <= low_information_ids(store)
    assert not {complaint.id, again.id} & low_information_ids(store)
    same = next(c for c in clusters if complaint.id in c)  # still grouped, as a pair worth reading
    assert (same.kind, same.low_information, set(same)) == ("identical", False, {complaint.id, again.id})


def test_a_one_or_two_star_rating_keeps_even_a_word_of_praise_out(store):
    praise = short_praise(store)
    goods = [add(store, "good", rating=5) for _ in range(3)]
    angry_good = add(store, "good", rating=1)  # sarcasm or a slip: a PM reads it
    two_stars = add(store, "fair", rating=2)

    clusters = likely_duplicate_clusters(store)

    assert not {angry_good.id, two_stars.id} & low_information_ids(store)
    good = next(c for c in clusters if goods[0].id in c)
    assert (good.kind, good.low_information, list(good)) == ("identical", True, [i.id for i in goods])
    assert {i.id for i in praise} <= low_information_ids(store)


@pytest.mark.parametrize("text", ["cancel subscription", "refund", "app crashes", "so slow", "why limits", "broken again",
                                  "it hangs", "error 500", "can't login", "doesn't sync"])
def test_a_problem_or_request_word_keeps_a_short_text_out(store, text):
    short_praise(store)
    item = add(store, text)  # no rating: a support chat, an email
    assert item.id not in low_information_ids(store)
    assert not is_low_information(item)


@pytest.mark.parametrize("title", ["Stored XSS in dataset viewer", "Export invoices as PDF"])
def test_a_title_of_three_meaningful_words_keeps_an_item_out_whatever_its_text(store, title):
    short_praise(store)
    report = add(store, "see attached", title=title)  # a tracker's one-line body under a real title
    assert report.id not in low_information_ids(store)


@pytest.mark.parametrize("text", ["dark mode?", "Is there a dark mode", "how to export"])
def test_a_question_keeps_a_short_text_out(store, text):
    short_praise(store)
    question = add(store, text)
    assert question.id not in low_information_ids(store)


def test_the_group_says_what_qualifies(store):
    short_praise(store)
    (group,) = [c for c in likely_duplicate_clusters(store) if c.kind == "short"]
    assert group.describe() == LOW_INFORMATION_LABEL == "short, no request, problem or question"


def test_on_the_real_reviews_no_one_or_two_star_review_is_in_the_low_information_group(store):
    """The word-count rule put 17 of them there ("not working", "cancel subscription", "why do I
    have to pay. suck"); the short praise ("good" x38, "wow", "nice") is still grouped to clear."""
    import_feedback(store, TEST_DATA / "app_store_reviews.csv")
    items = {item.id: item for item in store.all(FeedbackItem)}

    low = low_information_ids(store)

    assert [items[i].text for i in low if items[i].rating in (1, 2)] == []
    assert sum(1 for i in low if items[i].rating in (1, 2, 3, 4, 5)) >= 200
    for text in ("not working", "cancel subscription", "why limits", "doomed"):
        (item,) = [i for i in items.values() if i.text == text]
        assert item.id not in low, text
