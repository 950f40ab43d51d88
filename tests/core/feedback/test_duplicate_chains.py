"""Likely-duplicate groups never chain: when A is like B and B is like C but A is not like C,
no group holds both A and C (complete linkage, duplicates._cliques). The demo has no such three,
so the every-two-alike test in test_duplicates.py held whether groups chained or not; these
three are made to be one."""

from __future__ import annotations

import pytest

from prodops_tui.core.feedback.duplicates import DUPLICATE_THRESHOLD, DuplicateIndex, likely_duplicate_clusters
from prodops_tui.core.feedback.inbox import capture
from prodops_tui.core.feedback.stored_lookalikes import likely_duplicate_groups

UNRELATED = (  # so that a word's rarity means something
    "The login page forgets my password every morning",
    "Push notifications arrive twice on Android phones",
    "Dark theme makes the sidebar text unreadable",
    "Calendar sync with Outlook drops recurring meetings",
    "Search results ignore archived projects entirely",
    "Uploading a large photo freezes the editor",
    "Team invitations expire before anyone opens them",
    "The weekly digest email has broken links",
)


@pytest.fixture
def chain(store):
    """A ~ B and B ~ C over the threshold, A and C nothing alike: B speaks of both."""
    for text in UNRELATED:
        capture(store, text)
    a = capture(store, "Exporting invoices to CSV times out for large billing accounts").id
    b = capture(store, "Exporting invoices to CSV times out and the dashboard charts load slowly").id
    c = capture(store, "The dashboard charts load slowly on mobile widgets").id
    index = DuplicateIndex.build(store)
    assert index.score(a, b) >= DUPLICATE_THRESHOLD and index.score(b, c) >= DUPLICATE_THRESHOLD
    assert index.score(a, c) < DUPLICATE_THRESHOLD
    return a, b, c


@pytest.mark.parametrize("groups_of", [likely_duplicate_clusters, likely_duplicate_groups], ids=["in memory", "stored"])
def test_a_to_b_to_c_is_no_group_of_a_and_c(store, chain, groups_of):
    a, b, c = chain
    groups = [set(group) for group in groups_of(store)]
    assert not [group for group in groups if {a, c} <= group]
    # B goes with what it is most like (C, 52 against A's 48), and A is left alone.
    assert {b, c} in groups and not [group for group in groups if a in group]
