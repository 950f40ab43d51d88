"""Keys typed faster than a form opens reach its fields, in the order typed (issue 31, item 5).

Pilot's press waits for the app after every key, so it never types ahead; these tests post every
key to the app at once, as a terminal delivers a burst (a paste, `tmux send-keys`, a fast typist)."""

from __future__ import annotations

from textual import events

from prodops_tui.core.model import Retro
from prodops_tui.core.workspace import Settings
from prodops_tui.ui.app import ProdopsApp
from prodops_tui.ui.screens.feedback_form import FeedbackForm
from prodops_tui.ui.screens.retro_forms import CardForm
from prodops_tui.ui.screens.type_ahead import KeysFollowScreens

from .conftest import DEMO_NOW, settle

SIZE = (120, 40)
CHARACTERS = {" ": "space", ",": "comma", ".": "full_stop"}


def type_at_once(app, *steps: str) -> None:
    """Post every key to the app before it handles any: words are typed letter by letter, and a
    step such as "tab" or "enter" is one key."""
    for step in steps:
        keys = [step] if step in ("tab", "enter", "escape", "ctrl+s") else [CHARACTERS.get(c, c) for c in step]
        for key in keys:
            character = {"space": " ", "comma": ",", "full_stop": ".", "tab": "\t", "enter": "\r", "escape": "\x1b"}.get(key, key if len(key) == 1 else None)
            app.post_message(events.Key(key, character))


def fields(app) -> dict[str, str]:
    return {field.id: field.value for field in app.screen.query("Input")}


def app_of(cls, store, tmp_path):
    return cls(store, workspace_label="demo workspace", settings=Settings(tmp_path / "config"), poll_external=False,
               nudges_at_start=False)


async def reflect_then_type_a_card(app, store) -> list[tuple[str, str]]:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "enter")  # the demo's R-2, in Reflect
        await settle(pilot)
        type_at_once(app, "n", "Keep triage habit", "tab", "Pat Newuser", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CardForm)  # it stays open for the next card
    retro = store.get("R-2")
    assert isinstance(retro, Retro)
    return [(card.text, card.author) for card in retro.cards]


async def test_the_app_itself_keeps_the_keys_typed_after_n(demo_store, tmp_path):
    assert issubclass(ProdopsApp, KeysFollowScreens)
    cards = await reflect_then_type_a_card(app_of(ProdopsApp, demo_store, tmp_path), demo_store)
    assert cards[-1] == ("Keep triage habit", "Pat Newuser")


async def test_keys_typed_while_a_form_is_being_pushed_wait_for_its_fields(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(FeedbackForm(DEMO_NOW))
        type_at_once(app, "Refunds take a week", "tab", "Slow refunds", "tab", "Acme Freight")
        await settle(pilot)
        assert isinstance(app.screen, FeedbackForm)
        assert app.screen.query_one("#form-text").text == "Refunds take a week"
        assert fields(app)["form-summary"] == "Slow refunds" and fields(app)["form-customer"] == "Acme Freight"


async def test_tab_typed_between_words_in_an_open_form_moves_between_them(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "enter", "n")
        await settle(pilot)
        assert isinstance(app.screen, CardForm)
        type_at_once(app, "Keep triage habit", "tab", "Pat Newuser")
        await settle(pilot)
        assert fields(app) == {"card-text": "Keep triage habit", "card-author": "Pat Newuser"}
