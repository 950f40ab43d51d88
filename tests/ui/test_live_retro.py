"""A live retro: two people, each in their own copy of the app on one workspace (two
terminals, or two browser tabs of `prodops serve`). Each writes their own cards, hidden from
the other until the facilitator reveals them; each votes as themselves within the limit; the
phase and the timer follow the facilitator. Every copy finds the others' changes by its poll."""

from __future__ import annotations

from prodops_tui.core.retro import board as retros
from prodops_tui.core.storage.store import Store
from prodops_tui.ui.widgets.key_list import KeyList
from prodops_tui.ui.widgets.phase_timer import PhaseTimer

from ..conftest import fixed_clock
from .conftest import enter_text, messages, option_texts, settle, wait_until
from .retro_setup import retro_at

PRIYA, TOMAS = "Priya Raman", "Tomás Herrera"


def column(app, n: int) -> str:
    return " ".join(option_texts(app.query_one(f"#column-{n}", KeyList)))


def column_title(app, n: int) -> str:
    return str(app.query_one(f"#column-title-{n}").render())


async def test_two_copies_run_one_retro_hidden_cards_votes_phase_and_timer(demo_store, make_app):
    retro_id = retro_at(demo_store, "reflect")  # Priya facilitates; three participants, 3 votes each
    other_store = Store.open(demo_store.directory, clock=fixed_clock)
    priya = make_app(demo_store, actor=PRIYA, poll_external=True)
    tomas = make_app(other_store, actor=TOMAS, poll_external=True)
    try:
        async with priya.run_test(size=(120, 40), notifications=True) as at_priya, \
                tomas.run_test(size=(120, 40), notifications=True) as at_tomas:
            for pilot in (at_priya, at_tomas):
                await pilot.press("3", "enter")
                await settle(pilot)
            # Priya's own card from before is shown to her while hidden; to Tomás it is a hidden card.
            assert "Pairing with support on invoice tickets" in column(priya, 0)
            assert "Pairing with support" not in column(tomas, 0) and "(2 hidden)" in column_title(tomas, 0)

            # Tomás writes a card, signed with his name, in his own copy.
            await at_tomas.press("n")
            await enter_text(at_tomas, "Invoices need a second pair of eyes")
            await at_tomas.press("tab")
            await enter_text(at_tomas, TOMAS)
            await at_tomas.press("enter", "escape")
            await settle(at_tomas)
            assert "Invoices need a second pair of eyes" in column(tomas, 0)  # his own, shown to him
            # Priya's copy finds it by its poll: a hidden card, its text nowhere on her screen.
            assert await wait_until(at_priya, lambda: "(3 hidden)" in column_title(priya, 0))
            assert "second pair of eyes" not in column(priya, 0)
            assert column(priya, 0).count("hidden until r reveals") == 2  # the anonymous one and Tomás's

            # The facilitator reveals: every copy shows every card.
            await at_priya.press("r")
            await settle(at_priya)
            assert await wait_until(at_tomas, lambda: "Pairing with support on invoice tickets" in column(tomas, 0))
            assert await wait_until(at_priya, lambda: "Invoices need a second pair of eyes" in column(priya, 0))

            # The facilitator moves on to Vote and starts the timer; Tomás's copy follows both.
            await at_priya.press("right_square_bracket", "right_square_bracket")
            await settle(at_priya)
            assert demo_store.get(retro_id).phase == "vote"
            assert await wait_until(at_tomas, lambda: "Vote" in str(tomas.query_one("#retro-steps").render())
                                    and tomas.query_one("#topic-list").has_focus)
            await at_priya.press("t")
            assert await wait_until(at_tomas, lambda: tomas.query_one(PhaseTimer).running)

            # Each votes as themselves, within 3 votes a person.
            await at_priya.press("plus", "plus", "plus", "plus")
            await settle(at_priya)
            assert "Priya Raman has used all 3 votes; - takes one back" in messages(priya)
            await at_tomas.press("plus")
            await settle(at_tomas)
            assert await wait_until(at_priya, lambda: retros.used_votes(demo_store.get(retro_id))[TOMAS] == 1)
            assert retros.used_votes(demo_store.get(retro_id))[PRIYA] == 3
            # The limit is the person's, not the copy's: voting as Priya from Tomás's copy is refused too.
            tomas.query_one("RetroPane").voter = PRIYA
            await at_tomas.press("plus")
            await settle(at_tomas)
            assert "Priya Raman has used all 3 votes; - takes one back" in messages(tomas)
            assert retros.used_votes(other_store.get(retro_id)) == {PRIYA: 3, TOMAS: 1, "Aisha Rahman": 0}
    finally:
        other_store.close()


async def test_one_person_typing_for_the_room_still_hides_every_card_typed(demo_store, make_app):
    """The single-terminal flow: cards typed for others, or anonymous, stay hidden on the
    shared screen, and a hidden card is not opened for editing there."""
    retro_at(demo_store, "reflect")
    app = make_app(demo_store, actor="Sam Tester")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("3", "enter")
        await settle(pilot)
        await pilot.press("n")
        await enter_text(pilot, "Standups run long")
        await pilot.press("enter", "escape")
        await settle(pilot)
        assert "Standups run long" not in column(app, 0) and "(3 hidden)" in column_title(app, 0)
        await pilot.press("e")  # the first card: Priya's, hidden
        await settle(pilot)
        assert len(app.screen_stack) == 1
        assert "Card 1 is hidden until r reveals it; only its author sees it now" in messages(app)


async def test_a_browser_tab_asks_who_is_there_once_and_signs_their_cards(demo_store, make_app, monkeypatch):
    from textual.widgets import Input

    from prodops_tui.core.identity import BROWSER_ENV

    retro_id = retro_at(demo_store, "reflect")
    monkeypatch.setenv(BROWSER_ENV, "t" * 32)  # what `prodops serve` sets for a browser's tab
    first_tab = make_app(demo_store)
    async with first_tab.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert len(first_tab.screen_stack) == 2  # asked, and not from the server's $PRODOPS_USER
        await enter_text(pilot, "Aisha Rahman")
        await pilot.press("enter")
        await settle(pilot)
        assert demo_store.actor == "Aisha Rahman"
        await pilot.press("3", "enter", "n")
        await settle(pilot)
        assert first_tab.screen.query_one("#card-author", Input).value == "Aisha Rahman"  # her own copy: her cards
        await enter_text(pilot, "Release notes come too late")
        await pilot.press("enter", "escape")
        await settle(pilot)
        assert demo_store.get(retro_id).cards[-1].author == "Aisha Rahman"
        assert "Release notes come too late" in column(first_tab, 0)
    next_tab = make_app(demo_store)  # the same browser, another day
    async with next_tab.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert len(next_tab.screen_stack) == 1 and demo_store.actor == "Aisha Rahman"
