"""The safety rules of grouping (issue 25, items 1 and 2): nothing that says something is offered
for one-step archiving as noise, and a shared template or signature never makes two different
reports duplicates of each other.

Real data: the app-store reviews (with their ratings) and the rails/rails issues and pull
requests in tests/data (SOURCES.md), imported as a user would."""

from __future__ import annotations

import itertools

import pytest

from prodops_tui.core.feedback.duplicates import (
    LOW_INFORMATION_LABEL,
    DuplicateIndex,
    is_low_information,
    likely_duplicate_clusters,
)
from prodops_tui.core.importers import import_feedback
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store
from prodops_tui.core.text import first_line

from ...conftest import TEST_DATA

RAILS_MAPPING = {"text": "body", "title": "title", "id": "number", "received": "created_at", "url": "html_url"}


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


# --- 2. boilerplate learned from the workspace -----------------------------------------------


@pytest.fixture
def rails(store):
    """The 248 rails/rails issues and pull requests with a body (two have none), by number."""
    result = import_feedback(store, TEST_DATA / "rails_issues.jsonl", mapping=RAILS_MAPPING)
    assert result.imported == 248
    return {int(item.url.rsplit("/", 1)[1]): item for item in store.all(FeedbackItem)}


def grouped_together(store: Store, a: FeedbackItem, b: FeedbackItem) -> bool:
    return any(a.id in cluster and b.id in cluster for cluster in likely_duplicate_clusters(store))


def similar_ids(index: DuplicateIndex, item: FeedbackItem) -> set[str]:
    return {hit.id for hit in index.similar_to(item.id, limit=500)}


def test_reports_whose_body_is_only_the_template_are_not_duplicates_of_each_other(store, rails):
    """A bug report titled "g" and one titled "its not working even in Rails 6", both the bare
    bug-report form, scored 99.4; pull requests that left the template's "[REPLACE ME]" prompts
    were one "similar, score 100" group of 36 with pull requests about everything else."""
    empty_bug_reports = [rails[48981], rails[48735]]
    empty_pull_requests = [rails[n] for n in (48776, 48749, 48828, 48896)]  # the template, nothing filled in
    assert "[REPLACE ME]" in empty_pull_requests[0].text and "### Checklist" in empty_pull_requests[0].text
    index = DuplicateIndex.build(store)

    for group in (empty_bug_reports, empty_pull_requests):
        for a, b in itertools.combinations(group, 2):
            assert not grouped_together(store, a, b), (a.title, b.title)
            assert b.id not in similar_ids(index, a), (a.title, b.title)
    biggest = max(len(cluster) for cluster in likely_duplicate_clusters(store))
    assert biggest <= 3  # was 36: one "similar, score 100" group of pull requests that shared the template


def test_reports_sharing_a_template_are_compared_on_what_they_say(store, rails):
    """Two different bug reports share the reproduction script's fixed lines and scored 100; a
    pull request opened twice with the same description under the checklist stays a duplicate."""
    arel_alias, count_mismatch = rails[48775], rails[48848]  # different bugs, the same script around them
    assert arel_alias.title.startswith("Arel table alias breaks") and count_mismatch.title.startswith("ActiveRecord: relation.count")
    reopened = rails[48905], rails[48927]
    index = DuplicateIndex.build(store)

    assert not grouped_together(store, arel_alias, count_mismatch)
    assert count_mismatch.id not in similar_ids(index, arel_alias)
    assert grouped_together(store, *reopened)
    assert reopened[0].id in similar_ids(index, reopened[1])

