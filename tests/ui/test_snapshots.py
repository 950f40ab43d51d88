"""Every screen of the shell on the demo workspace, fixed clock and size.
Update with `pytest --snapshot-update` only after looking at the SVGs."""

from __future__ import annotations

import pytest

SIZE = (120, 40)


@pytest.mark.parametrize("key", ["1", "2", "3", "4", "5"], ids=["inbox", "areas", "retro", "checklists", "metrics"])
def test_pane(snap_compare, demo_store, make_app, key):
    assert snap_compare(make_app(demo_store), press=[key, "_"], terminal_size=SIZE)


def test_help_screen(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store), press=["question_mark", "_"], terminal_size=SIZE)


def test_light_theme(snap_compare, demo_store, make_app):
    assert snap_compare(make_app(demo_store, theme="prodops-light"), press=["_"], terminal_size=SIZE)
