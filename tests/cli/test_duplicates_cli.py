"""`prodops duplicates` on real exports: what it offers to clear holds nothing worth reading, and
a shared template never makes two reports one group (issue 25, items 1 and 2)."""

from __future__ import annotations

import json

from prodops_tui.core.feedback import duplicates
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store

from ..conftest import TEST_DATA, fixed_clock


def test_no_one_or_two_star_review_is_offered_as_low_information_and_the_header_says_why(prodops, workspace):
    assert prodops("import", "feedback", str(TEST_DATA / "app_store_reviews.csv")).returncode == 0
    rating = {item.id: item.rating for item in Store.open(workspace, clock=fixed_clock).all(FeedbackItem)}

    groups = json.loads(prodops("duplicates", "--json").stdout)
    text = prodops("duplicates").stdout

    low = [item_id for group in groups if group["low_information"] for item_id in group["ids"]]
    assert len(low) >= 200  # "good" x38, "nice", "wow" ...: still there to clear in one step
    assert [item_id for item_id in low if rating[item_id] in (1, 2)] == []
    (short,) = [n for n, group in enumerate(groups, start=1) if group["kind"] == "short"]
    header = next(line for line in text.splitlines() if line.startswith(f"group {short}:"))
    assert header.endswith("items, short, no request, problem or question")
    assert "a 1-2 star rating, a problem or request word, a question or three meaningful words keep an item out" in text


def test_pull_requests_that_left_the_template_empty_are_not_one_group(prodops):
    imported = prodops("import", "feedback", str(TEST_DATA / "rails_issues.jsonl"), "--map", "text=body", "--map", "title=title",
                       "--map", "id=number", "--map", "received=created_at", "--map", "url=html_url")
    assert imported.returncode == 0, imported.stderr

    groups = json.loads(prodops("duplicates", "--json").stdout)

    # Was one "similar" group of 36 at score 100: pull requests about everything, sharing the template.
    assert max(len(group["ids"]) for group in groups) <= 3


def test_running_out_of_memory_is_one_line_that_says_so_and_loses_nothing(prodops, workspace, monkeypatch):
    """At a million items the first look-alike build needs more than 16 GB: a MemoryError there was
    an "internal error" to report; it is the machine, and the workspace is as it was."""
    from prodops_tui.core.feedback import stored_lookalikes

    assert prodops("capture", "Export to Excel drops the VAT column").returncode == 0

    def too_big(*_args, **_kwargs):
        raise MemoryError()

    monkeypatch.setattr(stored_lookalikes.StoredLookalikes, "groups", too_big)
    done = prodops("duplicates")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        ("prodops: error: out of memory during `duplicates`; nothing in the workspace was lost "
         "(a derived index is left as it was)")]
    assert "internal error" not in done.stderr
    listed = prodops("list", "feedback", "--json")
    assert [item["text"] for item in json.loads(listed.stdout)] == ["Export to Excel drops the VAT column"]


def test_an_index_that_would_not_fit_in_memory_is_refused_in_one_line_and_nothing_is_lost(prodops, workspace, monkeypatch):
    """At a million items the first index took more than 16 GB: the kernel would kill the process
    (the app with it) long before Python's MemoryError. It is refused up front, with what it takes."""
    assert prodops("import", "feedback", str(TEST_DATA / "app_store_reviews.csv")).returncode == 0
    monkeypatch.setattr(duplicates, "available_memory", lambda: 1_000_000)  # 1 MB free

    refused = prodops("duplicates")
    assert refused.returncode == 1
    assert refused.stderr == ("prodops: error: look-alikes are off: indexing 800 items needs about 3.2 MB of memory and 1.0 MB "
                              "is free (nothing is lost; with more memory free, `prodops duplicates` builds it)\n")
    assert prodops("similar", "F-1").returncode == 1

    monkeypatch.undo()  # memory freed: the same command builds it
    assert len(json.loads(prodops("duplicates", "--json").stdout)) > 10
