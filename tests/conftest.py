"""Shared fixtures: every test gets its own workspace, settings and a fixed clock."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from prodops_tui.core.store import Store

FIXED_NOW = "2026-11-24T15:00:00Z"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def fixed_clock() -> str:
    return FIXED_NOW


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's real workspace or settings, and
    nothing in the environment changes how the app draws (PITFALLS.md)."""
    monkeypatch.setenv("PRODOPS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("PRODOPS_WORKSPACE", raising=False)
    monkeypatch.delenv("PRODOPS_NOW", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)


@pytest.fixture
def utc_local_zone(monkeypatch: pytest.MonkeyPatch):
    """Pin local time to UTC for tests of dates typed as people say them (09:00 local)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def store(workspace: Path):
    opened = Store.open(workspace, clock=fixed_clock)
    yield opened
    opened.close()


def write_file(folder: Path, filename: str, text: str | bytes) -> Path:
    """A file a user wrote by hand (a template, a settings file), bytes kept as they are."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
