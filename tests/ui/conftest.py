"""App fixtures: the demo organisation on a fixed clock, in a throwaway workspace."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from prodops_tui.core.demo import fill_demo
from prodops_tui.core.store import Store
from prodops_tui.core.workspace import Settings
from prodops_tui.ui.app import ProdopsApp

from ..conftest import fixed_clock

DEMO_NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def utc_local_time(utc_local_zone):
    """Local time is shown to users; tests fix it so screens do not move between machines."""
    yield


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch: pytest.MonkeyPatch):
    """A blinking cursor is on or off depending on how long a step took, so a snapshot
    taken under load differed from one taken on a quiet machine (PITFALLS.md: blink off)."""
    from textual.widgets import Input, TextArea

    for widget in (Input, TextArea):
        monkeypatch.setattr(widget.cursor_blink, "_default", False)


@pytest.fixture
def demo_store(workspace: Path):
    store = Store.open(workspace, clock=fixed_clock)
    fill_demo(store, now=DEMO_NOW)
    yield store
    store.close()


@pytest.fixture
def make_app(tmp_path: Path):
    def build(store: Store, **kwargs) -> ProdopsApp:
        kwargs.setdefault("workspace_label", "demo workspace")
        kwargs.setdefault("settings", Settings(tmp_path / "config"))
        kwargs.setdefault("poll_external", False)
        kwargs.setdefault("nudges_at_start", False)  # the start-up toast is tested on its own
        return ProdopsApp(store, **kwargs)

    return build
