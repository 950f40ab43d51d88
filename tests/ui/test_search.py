"""/ searches everything as you type; enter goes to the item in its pane, esc back."""

from __future__ import annotations

import pytest
from textual.command import CommandList

from prodops_tui.core.feedback.inbox import capture
from prodops_tui.core.search.index import SearchIndex
from prodops_tui.ui.panes.areas import AreasPane
from prodops_tui.ui.panes.checklists import ChecklistsPane
from prodops_tui.ui.panes.inbox import InboxPane
from prodops_tui.ui.panes.retro import RetroPane
from prodops_tui.ui.screens.search import SearchScreen
from prodops_tui.ui.widgets.key_list import KeyList

from .conftest import settle, wait_until


def result_ids(app) -> list[str]:
    results = app.screen.query_one("#search-results")
    return [results.get_option_at_index(i).id for i in range(results.option_count) if not results.get_option_at_index(i).disabled]


async def search_for(pilot, text: str) -> None:
    await pilot.press("slash")
    await settle(pilot)
    await pilot.press(*text)
    await settle(pilot)


async def test_typing_shows_results_grouped_by_kind_and_esc_returns(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = app.focused
        await search_for(pilot, "invocies")
        assert isinstance(app.screen, SearchScreen)
        ids = result_ids(app)
        assert ids[0].startswith("A-")  # the area named Invoices before the feedback mentioning them
        assert any(i.startswith("F-") for i in ids) and any(i.startswith("O-") for i in ids)
        headers = [str(o.prompt) for o in app.screen.query_one("#search-results")._options if o.disabled]
        assert headers[0] == "Areas" and "Feedback" in headers
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, SearchScreen) and app.focused is before


@pytest.mark.parametrize(
    ("query", "record_id", "pane_type"),
    [
        ("quickbooks duplicate customers", "F-44", InboxPane),
        ("tomas herrera", "P-8", AreasPane),
        ("audit log", "A-22", AreasPane),
        ("hygiene weekly", "C-4", ChecklistsPane),
        ("quarantine flaky", "T-1", ChecklistsPane),
        ("dunning celebrating", "R-1#12", RetroPane),
    ],
)
async def test_enter_follows_a_result_into_its_pane(demo_store, make_app, query, record_id, pane_type):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await search_for(pilot, query)
        assert record_id in result_ids(app)
        results = app.screen.query_one("#search-results")
        index = next(i for i in range(results.option_count) if results.get_option_at_index(i).id == record_id)
        results.highlighted = index
        await pilot.press("enter")
        await settle(pilot)
        pane = app.active_pane
        assert isinstance(pane, pane_type)
        if pane_type is InboxPane:
            assert pane.feedback_list.current.id == record_id
        elif pane_type is AreasPane and record_id.startswith("P-"):
            assert pane.mode == "people" and pane.selected_id == record_id
        elif pane_type is AreasPane:
            assert pane.selected_id == record_id
        elif pane_type is ChecklistsPane:
            list_id = "checklist-list" if record_id.startswith("C-") else "action-items"
            assert app.query_one(f"#{list_id}", KeyList).highlighted_id == record_id
        else:
            assert pane.retro_id == "R-1"


async def test_an_opportunity_opens_the_opportunities_screen_on_it(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await search_for(pilot, "xero two-way")
        assert result_ids(app)[0] == "O-5"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.current_id == "O-5"


async def test_the_index_follows_changes_without_a_rebuild(demo_store, make_app, monkeypatch):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.search_index.ready
        builds = []
        real_build = SearchIndex.build

        def counted_build(index, store):
            builds.append(store.revision)
            real_build(index, store)

        monkeypatch.setattr(SearchIndex, "build", counted_build)
        capture(demo_store, "The zanzibar currency is missing from invoices", customer="Acme")  # the store announces it
        await settle(pilot)
        assert app.search_index.revision == demo_store.revision
        await search_for(pilot, "zanzibar")
        assert result_ids(app) == ["F-401"]
        assert builds == []  # the one changed item was re-indexed, not the whole workspace


async def test_bad_queries_are_hints_not_errors(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await search_for(pilot, "colour:red [b]pdf[/b] .*(")
        status = str(app.screen.query_one("#search-status").render())
        assert "unknown filter colour:" in status
        assert any(i.startswith("F-") for i in result_ids(app))  # "pdf" still searched
        query = app.screen.query_one("#search-query")
        query.value = "x" * 10_000
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)


async def test_the_palette_jumps_to_an_item_by_name(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"audit log")  # typed: the palette searches as each key lands
        commands = app.screen.query_one(CommandList)
        assert await wait_until(pilot, lambda: commands.highlighted is not None
                                and "Audit log" in str(commands.get_option_at_index(commands.highlighted).prompt))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.active_pane, AreasPane) and app.active_pane.selected_id == "A-22"


async def test_a_big_workspace_searches_the_words_on_disk_as_you_type(demo_store, make_app, monkeypatch):
    # Above IN_MEMORY_UP_TO items the app does not index every item; searching still finds them,
    # typed keystroke by keystroke, and a change is found once it lands.
    from prodops_tui.core.search import on_disk

    monkeypatch.setattr(on_disk, "IN_MEMORY_UP_TO", 10)
    monkeypatch.setattr(on_disk, "WARM_HELD", 30)
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.search_index, on_disk.DiskBackedIndex) and app.search_index.ready
        assert app.search_index._index.feedback_held == 30  # not the demo's 400
        whole = SearchIndex()
        whole.build(demo_store)
        await search_for(pilot, "quickbooks duplicate customers")
        assert result_ids(app) == [h.id for h in whole.search("quickbooks duplicate customers", demo_store, limit=64, per_kind=8).hits]
        assert "F-44" in result_ids(app)
        assert "match" in str(app.screen.query_one("#search-status").render())
        await pilot.press("escape")
        capture(demo_store, "The zanzibar currency is missing from invoices", customer="Acme")
        await settle(pilot)
        await search_for(pilot, "zanzibar")
        assert result_ids(app) == ["F-401"]
        await pilot.press("enter")
        await settle(pilot)
        assert app.query_one(InboxPane).feedback_list.current.id == "F-401"
