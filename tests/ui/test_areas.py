"""The Areas pane with the keyboard alone: who owns what, what someone owns, the gaps, and edits."""

from __future__ import annotations

from prodops_tui.core.areas.lookup import area_path
from prodops_tui.core.demo import SEEDED_GAPS
from prodops_tui.core.model import FeedbackItem, Person, ProductArea
from prodops_tui.ui.panes.areas import AreasPane
from prodops_tui.ui.screens.pickers import ChoiceScreen, SearchPickerScreen, TextScreen
from prodops_tui.ui.widgets.area_tree import AreaTree

from .conftest import Typed, click_actions_in, find_on_screen, press, wait_until

SIZE = (140, 40)


def pane(app) -> AreasPane:
    return app.query_one(AreasPane)


def results(app) -> list[str]:
    options = app.query_one("#area-results")
    return [options.get_option_at_index(n).id for n in range(options.option_count)]


def detail(app) -> str:
    return str(app.query_one("#area-text").content)


def area_named(store, path: str) -> ProductArea:
    return next(a for a in store.all(ProductArea) if area_path(store, a) == path)


async def test_who_owns_invoicing_in_two_keystrokes_then_the_query(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "2", "w", Typed("invoic"))
        await pilot.pause()
        invoices = area_named(demo_store, "Billing / Invoices")
        assert results(app)[0] == invoices.id
        assert "Priya Raman" in detail(app)


async def test_what_does_priya_own_in_two_keystrokes_then_the_name(demo_store, make_app):
    app = make_app(demo_store)
    priya = next(p for p in demo_store.all(Person) if p.name.startswith("Priya"))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "2", "p", "w", Typed("priya"))
        await pilot.pause()
        assert results(app)[0] == priya.id
        assert "Owns" in detail(app) and "Billing / Invoices" in detail(app)


async def test_the_gaps_view_lists_exactly_the_seeded_gaps(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert pane(app).mode == "gaps"
        listed = [area_path(demo_store, demo_store.get(i)) for i in results(app) if i]
        expected = SEEDED_GAPS["no_owner"] + SEEDED_GAPS["owner_left"] + SEEDED_GAPS["no_maintainer"]
        assert sorted(listed) == sorted(expected)
        assert "owner coverage 23/27" in str(app.query_one("#areas-header").content)


async def test_the_tree_flags_unowned_areas_and_shows_markup_in_names_literally(demo_store, make_app, monkeypatch):
    from prodops_tui.core.areas import ownership

    ownership.add_area(demo_store, "[b]Beta [@click=app.quit]x", origin="cli")
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        assert await wait_until(pilot, lambda: detail(app) != "")
        labels = [str(node.label) for node in AreaTree._walk(app.query_one(AreaTree).root) if node.data]
        assert "! Search" in labels  # a seeded gap
        # The detail panel shows the name as typed too, and nothing in it runs an action
        # when clicked. (The tree's own rows carry only its node data, never a label's.)
        assert "[b]Beta [@click=app.quit]x" in detail(app)
        assert click_actions_in(app, "#area-text") == []
        quits = []
        monkeypatch.setattr(app, "action_quit", lambda: quits.append("quit"))
        for x, y in find_on_screen(app, "quit]x"):
            await pilot.click(offset=(x + len("quit]"), y))
        await pilot.pause()
        assert quits == [] and app.return_code is None


async def test_n_adds_a_child_area_and_u_takes_it_back(demo_store, make_app):
    app = make_app(demo_store)
    before = demo_store.count(ProductArea)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "2", "w", Typed("Billing / Invoices"), "enter")
        await pilot.pause()
        await pilot.press("n")
        assert isinstance(app.screen, TextScreen)
        await press(pilot, Typed("E-invoicing"), "enter")
        await pilot.pause()
        added = next(a for a in demo_store.all(ProductArea) if a.name == "E-invoicing")
        assert area_path(demo_store, added).startswith("Billing / Invoices")
        await pilot.press("u")
        await pilot.pause()
        assert demo_store.count(ProductArea) == before


async def test_o_adds_an_owner_from_the_people_picker_or_creates_one(demo_store, make_app):
    app = make_app(demo_store)
    search = area_named(demo_store, "Search")
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "2", "w", Typed("Search"), "enter")
        await pilot.pause()
        await pilot.press("o")
        assert isinstance(app.screen, SearchPickerScreen)
        await press(pilot, Typed("Noor Haddad"), "enter")
        await pilot.pause()
        owners = [demo_store.get(pid).name for pid in demo_store.get(search.id).owners]
        assert owners == ["Noor Haddad"]
        assert "owner coverage 24/27" in str(app.query_one("#areas-header").content)


async def test_d_deletes_after_asking_and_moves_the_feedback_up(demo_store, make_app):
    app = make_app(demo_store)
    tax = area_named(demo_store, "Billing / Invoices / Tax")
    invoices = area_named(demo_store, "Billing / Invoices")
    tax_feedback = [i.id for i in demo_store.all(FeedbackItem) if i.area == tax.id]
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "2", "w", Typed("Invoices / Tax"), "enter", "d")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("1")
        await pilot.pause()
        assert demo_store.get(tax.id) is None
        assert all(demo_store.get(i).area == invoices.id for i in tax_feedback)


async def test_l_marks_a_person_as_left_and_their_areas_become_gaps(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "2", "p", "w", Typed("priya"), "enter", "l")
        await pilot.pause()
        priya = next(p for p in demo_store.all(Person) if p.name.startswith("Priya"))
        assert not priya.active
        await pilot.press("right_square_bracket")  # Gaps
        await pilot.pause()
        listed = [area_path(demo_store, demo_store.get(i)) for i in results(app) if i]
        assert "Billing / Invoices" in listed


async def test_enter_on_an_area_opens_its_feedback_in_the_inbox(demo_store, make_app):
    app = make_app(demo_store)
    invoices = area_named(demo_store, "Billing / Invoices")
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "2", "w", Typed("Billing / Invoices"), "enter", "enter")
        await pilot.pause()
        assert app.query_one("#panes").current == "inbox"
        listed = app.query_one("FeedbackList").items
        assert listed and all(area_path(demo_store, item.area).startswith("Billing / Invoices") for item in listed)
        assert any(item.area == invoices.id for item in listed)


async def test_the_tree_shows_the_area_under_the_cursor_from_the_start(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")  # the pane renders as it is first shown; the detail follows its cursor
        assert await wait_until(pilot, lambda: "Admin & permissions" in detail(app))
        assert "owners" in detail(app)
        await pilot.press("j")
        await pilot.pause()
        assert "Admin & permissions / Audit log" in detail(app) and "no active owner" in detail(app)


async def test_e_edits_the_details_and_the_new_glossary_term_finds_the_area(demo_store, make_app):
    from prodops_tui.core.areas import ownership
    from prodops_tui.ui.screens.area_form import AreaForm

    app = make_app(demo_store)
    search = area_named(demo_store, "Search")
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "2", "w", Typed("Search"), "enter", "e")
        assert isinstance(app.screen, AreaForm)
        app.screen.query_one("#area-glossary").value = "find; lookup; PO number"
        app.screen.query_one("#area-channel").value = "#team-search"
        await pilot.press("ctrl+s")
        await pilot.pause()
    updated = demo_store.get(search.id)
    assert (updated.glossary, updated.channel) == (["find", "lookup", "PO number"], "#team-search")
    assert ownership.who_owns(demo_store, "PO number")[0].path == "Search"


async def test_w_again_starts_a_new_question_instead_of_adding_to_the_last(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "2", "w", Typed("invoicing"), "enter", "p", "w", Typed("priya"))
        await pilot.pause()
        assert app.query_one("#areas-filter").value == "priya"
        assert demo_store.get(results(app)[0]).name == "Priya Raman"


async def test_a_typed_path_is_answered_by_the_codeowners_rules(store, make_app):
    from prodops_tui.core.importers import import_areas

    from ..conftest import TEST_DATA

    import_areas(store, TEST_DATA / "gitlab_CODEOWNERS")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "2")
        await pilot.pause()
        header = str(app.query_one("#areas-header").content)
        assert "rules with owners 61/66" in header  # five rules leave doc files unowned on purpose
        await press(pilot, "w", Typed("lib/gitlab/database/load_balancing.rb"))
        await pilot.pause()
        options = app.query_one("#area-results")
        answer = str(options.get_option_at_index(0).prompt)
        assert "@gitlab-org/maintainers/database" in answer and "gitlab_CODEOWNERS:47" in answer and "[Database]" in answer
        listed = [area_path(store, store.get(i)) for i in results(app) if i]
        assert listed == ["CODEOWNERS (no section)", "Backend", "Database"]
        assert "rules (11)  gitlab_CODEOWNERS" in detail(app)  # the highlighted area, CODEOWNERS (no section), with the rules filed under it
        await press(pilot, "escape", "w", Typed("doc/api/index.md"))
        await pilot.pause()
        assert "NO OWNER" in str(app.query_one("#area-results").get_option_at_index(0).prompt)


async def test_j_and_k_move_in_the_people_and_gaps_lists(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "p")
        await pilot.pause()
        listing = app.query_one("#area-results")
        first = listing.highlighted
        await pilot.press("j", "j")
        assert listing.highlighted == first + 2
        await pilot.press("k")
        assert listing.highlighted == first + 1
        await pilot.press("right_square_bracket")  # Gaps: headings are skipped
        await pilot.pause()
        start = listing.highlighted
        await pilot.press("j")
        assert listing.highlighted > start and listing.get_option_at_index(listing.highlighted).id
