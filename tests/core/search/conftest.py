"""What the search tests share: the demo plus the real exports (more than a thousand items)."""

from __future__ import annotations

import pytest

from prodops_tui.core.dates import from_iso
from prodops_tui.core.demo import fill_demo
from prodops_tui.core.importers import import_feedback
from prodops_tui.core.storage.store import Store

from ...conftest import TEST_DATA, fixed_clock


@pytest.fixture(scope="module")
def workspace_with_real_feedback(tmp_path_factory):
    directory = tmp_path_factory.mktemp("stored") / "ws"
    store = Store.open(directory, clock=fixed_clock)
    fill_demo(store, now=from_iso(fixed_clock()))
    import_feedback(store, TEST_DATA / "app_store_reviews.csv")
    import_feedback(store, TEST_DATA / "support_tweets.csv")
    store.close()
    return directory
