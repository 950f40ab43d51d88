"""App fixtures and the helpers every UI test shares: the demo organisation on a fixed
clock in a throwaway workspace, waiting for the app to settle, entering text, reading toasts."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import Input, TextArea
from textual.worker import WorkerCancelled

from prodops_tui.core.storage.store import Store
from prodops_tui.core.workspace import Settings
from prodops_tui.ui.app import ProdopsApp
from prodops_tui.ui.panes.inbox import InboxPane

from ..conftest import DEMO_NOW, fixed_clock  # noqa: F401 - DEMO_NOW: the UI tests import it from here


@pytest.fixture(autouse=True)
def utc_local_time(utc_local_zone):
    """Local time is shown to users; tests fix it so screens do not move between machines."""
    yield


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch: pytest.MonkeyPatch):
    """A blinking cursor is on or off depending on how long a step took, so a snapshot taken
    under load differed from one taken on a quiet machine (docs/PITFALLS.md: snapshots that flake)."""
    for widget in (Input, TextArea):
        monkeypatch.setattr(widget.cursor_blink, "_default", False)


@pytest.fixture
def make_app(tmp_path: Path):
    def build(store: Store, **kwargs) -> ProdopsApp:
        kwargs.setdefault("workspace_label", "demo workspace")
        kwargs.setdefault("settings", Settings(tmp_path / "config"))
        kwargs.setdefault("poll_external", False)
        kwargs.setdefault("nudges_at_start", False)  # the start-up toast is tested on its own
        return ProdopsApp(store, **kwargs)

    return build


# --- helpers ---------------------------------------------------------------------------------


async def settle(pilot) -> None:
    """Wait until background work (index builds, scans) has landed and the screen is still.

    A worker cancelled by a newer one of its group is not a failure: under load a look-alike
    scan outlasts the 1.5 s the inbox waits after a change, and the rescan replaces it (an
    exclusive worker). The newer one is waited for instead; a worker that failed still fails.

    The inbox's first look-alike scan starts after the next frame, so for a while no worker
    runs it (under load, long enough for settle to return before it began): settle lets the
    app draw until it has started, then waits for it like any worker."""
    app = pilot.app
    while True:
        while scan_pending(app):
            await pilot.pause()  # the next frame starts it as a worker
        running = [worker for worker in app.workers if not worker.is_finished]
        if not running:
            break
        for worker in running:
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
    await pilot.pause()
    await pilot.pause()


def scan_pending(app) -> bool:
    """Whether an inbox has a look-alike scan waiting for a frame to start (InboxPane.scan_pending);
    a modal screen may be over the inbox, so every screen of the stack is asked."""
    return any(pane.scan_pending for screen in app.screen_stack for pane in screen.query(InboxPane))


async def enter_text(pilot, text: str) -> None:
    """Put `text` into the focused Input as if typed, in one step.

    Pilot waits for the app to go idle after every key, so typing a sentence pays the
    app's whole per-key work once per character (docs/PITFALLS.md). Tests about keystrokes
    themselves (search as you type, live previews) press the keys instead."""
    field = pilot.app.focused
    if isinstance(field, Input):  # as typed: a selection is replaced
        selection = field.selection
        if selection.is_empty:
            field.insert_text_at_cursor(text)
        else:
            field.replace(text, *selection)
    elif isinstance(field, TextArea):
        field.replace(text, *field.selection)
    else:
        raise AssertionError(f"text goes into an Input or a TextArea, and {field!r} has the focus")
    await pilot.pause()


@dataclass(frozen=True)
class Typed:
    """Text for `press` to put into the focused field in one step (see `enter_text`)."""

    text: str


async def press(pilot, *steps: str | Typed) -> None:
    """Press keys and enter `Typed` text in order: `press(pilot, "2", "w", Typed("invoic"), "enter")`."""
    keys: list[str] = []
    for step in steps:
        if isinstance(step, Typed):
            if keys:
                await pilot.press(*keys)
                keys = []
            await enter_text(pilot, step.text)
        else:
            keys.append(step)
    if keys:
        await pilot.press(*keys)


async def wait_until(pilot, condition: Callable[[], bool], *, seconds: float = 10.0) -> bool:
    """Let the app run (its timers fire, its workers land) until `condition` holds; False
    if it never did. Bounded, so a broken app fails the test instead of hanging it; loose,
    so a loaded machine that runs timers late does not fail it."""
    waited = 0.0
    while not condition():
        if waited >= seconds:
            return False
        await pilot.pause(0.05)
        waited += 0.05
    return True


def messages(app) -> list[str]:
    """The texts of the notifications shown so far (run the app with notifications=True)."""
    return [str(n.message) for n in app._notifications]


def option_ids(listing) -> list[str]:
    return [listing.get_option_at_index(i).id for i in range(listing.option_count)]


def option_texts(listing) -> list[str]:
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


def footer_actions(app) -> set[str]:
    """The actions the footer offers on the current screen, without their arguments."""
    return {active.binding.action.split("(")[0] for active in app.screen.active_bindings.values()}


def find_on_screen(app, text: str) -> list[tuple[int, int]]:
    """Every cell (x, y) where `text` starts on the screen as it is drawn now."""
    found = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        line, start = strip.text, 0
        while (index := line.find(text, start)) >= 0:
            found.append((cell_len(line[:index]), y))
            start = index + 1
    assert found, f"{text!r} is not on the screen"
    return found


def click_actions_in(app, selector) -> list[str]:
    """The actions a mouse click would run anywhere on the widget (markup's @click)."""
    region = app.query_one(selector).region
    actions = []
    for y in range(region.y, region.bottom):
        for x in range(region.x, region.right):
            meta = app.screen.get_style_at(x, y).meta
            if "@click" in meta:
                actions.append(str(meta["@click"]))
    return actions
