"""u (undo) and ? (help) under our modal screens, where Textual stops the app's keys: they work
wherever nothing is typed (a picker's list, search's results), and in a text field they are the
characters typed, left out of the footer meanwhile."""

from __future__ import annotations

from textual.widgets import Input

from prodops_tui.core.model import FeedbackItem
from prodops_tui.ui.screens.help import HelpScreen
from prodops_tui.ui.screens.pickers import ChoiceScreen
from prodops_tui.ui.screens.search import SearchScreen

from .conftest import press, settle

SIZE = (120, 40)


def archived(store) -> int:
    return sum(1 for item in store.all(FeedbackItem) if item.status == "archived")


def shown_keys(app) -> set[str]:
    """The actions the current screen's footer shows (what check_action leaves in)."""
    return {active.binding.action for active in app.screen.active_bindings.values() if active.binding.show and active.enabled}


async def test_u_under_a_picker_undoes_and_question_mark_lists_the_pickers_keys(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        before = archived(demo_store)
        await press(pilot, "e")  # archive the highlighted item
        await settle(pilot)
        assert archived(demo_store) == before + 1
        await press(pilot, "i")
        assert isinstance(app.screen, ChoiceScreen)
        assert {"app_undo", "screen_keys"} <= shown_keys(app)
        await press(pilot, "u")
        await settle(pilot)
        assert archived(demo_store) == before  # the archive was undone, from under the picker
        assert isinstance(app.screen, ChoiceScreen)
        assert any(n.title == "Undo" for n in app._notifications)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        titles = [title for title, _ in app.screen.sections]
        assert titles[0] == "Picker"
        described = {b.description for b in app.screen.sections[0][1]}
        assert {"Undo", "Help", "Cancel"} <= described
        await press(pilot, "escape")
        assert isinstance(app.screen, ChoiceScreen)


async def test_in_the_search_box_u_and_question_mark_are_typed_and_from_the_results_they_work(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        revision = demo_store.revision
        await press(pilot, "slash")
        assert isinstance(app.screen, SearchScreen)
        assert not {"app_undo", "screen_keys"} & shown_keys(app)  # not offered while typing
        await press(pilot, "i", "n", "v", "u", "question_mark")
        assert app.screen.query_one(Input).value == "invu?"
        assert isinstance(app.screen, SearchScreen) and demo_store.revision == revision
        await press(pilot, "tab")  # to the results
        assert not isinstance(app.focused, Input)
        assert {"app_undo", "screen_keys"} <= shown_keys(app)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen) and app.screen.sections[0][0] == "Search"
