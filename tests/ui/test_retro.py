"""The Retro pane, driven by the keyboard as a facilitator would, on the demo workspace."""

from __future__ import annotations

from prodops_tui.core.model import ActionItem, Person, Retro
from prodops_tui.core.retro import actions as retro_actions
from prodops_tui.core.retro import board as retros
from prodops_tui.ui.panes.retro import RetroPane
from prodops_tui.ui.widgets.key_list import KeyList
from prodops_tui.ui.widgets.phase_timer import TICK_SECONDS, PhaseTimer

from .conftest import enter_text, footer_actions, messages, option_texts, settle, wait_until
from .retro_setup import retro_at


async def test_a_whole_retro_by_keyboard_and_its_open_actions_come_back_next_time(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3", "n")
        await settle(pilot)
        await enter_text(pilot, "Billing squad")
        await pilot.press("tab", "tab")
        await enter_text(pilot, "Priya Raman, Aisha Rahman")
        await pilot.press("ctrl+s")
        await settle(pilot)
        retro = demo_store.get("R-3")
        assert isinstance(retro, Retro) and retro.phase == "checkin" and retro.team == "Billing squad"
        # Check-in: the team's open actions from R-1, marked right there.
        checkin = app.query_one("#checkin-list", KeyList)
        assert [checkin.get_option_at_index(i).id for i in range(checkin.option_count)] == ["T-1", "T-2", "T-3", "T-6"]
        await pilot.press("d", "j", "D")
        await settle(pilot)
        assert (demo_store.get("T-1").status, demo_store.get("T-2").status) == ("done", "dropped")

        # Reflect: cards typed one after another, hidden until revealed.
        await pilot.press("right_square_bracket", "n")
        await enter_text(pilot, "Flaky tests block the pipeline")
        await pilot.press("enter")
        await enter_text(pilot, "[b]Release notes[/b] written late [@click=app.quit]")
        await pilot.press("enter", "escape", "l", "n")
        await enter_text(pilot, "Fix the flakey test that blocks the pipline")
        await pilot.press("tab")
        await enter_text(pilot, "Aisha Rahman")
        await pilot.press("enter", "escape")
        await settle(pilot)
        retro = demo_store.get("R-3")
        assert [(c.column, c.hidden) for c in retro.cards] == [("Start", True), ("Start", True), ("Stop", True)]
        assert retro.cards[1].text == "[b]Release notes[/b] written late [@click=app.quit]"
        assert "Flaky tests" not in " ".join(option_texts(app.query_one("#column-0", KeyList)))
        await pilot.press("r")
        await settle(pilot)
        assert "Flaky tests block the pipeline" in " ".join(option_texts(app.query_one("#column-0", KeyList)))

        # Group: the two cards about the flaky pipeline are suggested together.
        await pilot.press("right_square_bracket", "s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        retro = demo_store.get("R-3")
        assert len(retro.groups) == 1 and {c.number for c in retro.cards if c.group == 1} == {1, 3}

        # Vote: three votes each; the fourth is refused with a message.
        await pilot.press("right_square_bracket", "plus")  # no voter yet: asks who
        await settle(pilot)
        await enter_text(pilot, "Priya")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("plus", "plus", "plus", "plus")
        await settle(pilot)
        assert retros.used_votes(demo_store.get("R-3"))["Priya Raman"] == 3
        assert any("Priya Raman has used all 3 votes" in m for m in messages(app))

        # Discuss: the most voted topic first, with notes.
        await pilot.press("right_square_bracket")
        await settle(pilot)
        topics = app.query_one("#topic-list", KeyList)
        assert topics.highlighted_id == "group:1"
        await pilot.press("e")
        await enter_text(pilot, "Quarantine them this week")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert retros.find_topic(demo_store.get("R-3"), "group:1").notes == "Quarantine them this week"

        # Actions: an owner who is not a person yet is created; the due date is parsed.
        await pilot.press("right_square_bracket", "n")
        await enter_text(pilot, "Quarantine the flaky tests")
        await pilot.press("tab")
        await enter_text(pilot, "Priya Raman, Zoe Newcomer")
        await pilot.press("tab")
        await enter_text(pilot, "next friday")
        await pilot.press("enter")
        await settle(pilot)
        action = demo_store.get("T-7")
        assert isinstance(action, ActionItem) and action.retro == "R-3" and action.due == "2026-12-04T09:00:00Z"  # next friday: the Friday of next week
        assert action.topic == retros.find_topic(demo_store.get("R-3"), "group:1").title
        zoe = [p for p in demo_store.all(Person) if p.name == "Zoe Newcomer"]
        assert len(zoe) == 1 and action.owners[1] == zoe[0].id

        # Close: read-only; the next Billing squad retro reviews what is still open.
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert demo_store.get("R-3").phase == "closed"
        assert "new_card" not in footer_actions(app) and "next_phase" not in footer_actions(app)
        await pilot.press("escape", "n")
        await enter_text(pilot, "billing squad")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_store.get("R-4").checkin == ["T-3", "T-7", "T-6"]  # T-1 done, T-2 dropped


async def test_each_phase_shows_its_own_keys_and_guide(demo_store, make_app):
    retro_at(demo_store, "reflect")
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        assert "new_retro" in footer_actions(app) and "new_card" not in footer_actions(app)
        await pilot.press("enter")
        await settle(pilot)
        pane = app.query_one(RetroPane)
        assert pane.retro_id == "R-3"
        assert {"new_card", "reveal", "next_phase"} <= footer_actions(app)
        assert "vote" not in footer_actions(app) and "new_retro" not in footer_actions(app)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert demo_store.get("R-3").phase == "vote"
        assert {"vote", "pick_voter"} <= footer_actions(app) and "new_card" not in footer_actions(app)
        await pilot.press("n")  # no card in the Vote phase, and no error either
        await settle(pilot)
        assert len(demo_store.get("R-3").cards) == 5


async def test_a_closed_retro_is_read_only_and_undo_reopens_it(demo_store, make_app):
    retro_at(demo_store, "closed")
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "enter")
        await settle(pilot)
        assert "Closed" in str(app.query_one("#retro-steps").render())
        await pilot.press("left_square_bracket", "n", "e")
        await settle(pilot)
        assert demo_store.get("R-3").phase == "closed"
        assert len(app.screen_stack) == 1  # no form opened
        await pilot.press("u")
        await settle(pilot)
        assert demo_store.get("R-3").phase == "actions"
        assert "new_action" in footer_actions(app)


async def test_votes_need_the_vote_phase_and_respect_the_limit(demo_store, make_app):
    retro_at(demo_store, "vote")
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "enter", "v")
        await settle(pilot)
        await enter_text(pilot, "Aisha")
        await pilot.press("enter")
        await settle(pilot)
        # Aisha cast 2 of 3 in the setup: one more, then refused.
        await pilot.press("plus", "plus")
        await settle(pilot)
        assert retros.used_votes(demo_store.get("R-3"))["Aisha Rahman"] == 3
        assert "Aisha Rahman has used all 3 votes; - takes one back" in messages(app)
        await pilot.press("minus")
        await settle(pilot)
        assert retros.used_votes(demo_store.get("R-3"))["Aisha Rahman"] == 2
        assert "Aisha Rahman 1/3" in str(app.query_one("#retro-guide").render())


async def test_someone_new_can_vote(demo_store, make_app):
    retro_at(demo_store, "vote")
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "enter", "v")
        await settle(pilot)
        await enter_text(pilot, "Grace Guest")
        await pilot.press("down", "enter")  # the "+ add" row under no match
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        retro = demo_store.get("R-3")
        assert "Grace Guest" in retro.participants and retros.used_votes(retro)["Grace Guest"] == 1


class FakeClock:
    """Seconds that pass when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_timer_counts_down_pauses_adds_a_minute_and_flashes_at_zero(demo_store, make_app):
    retro_at(demo_store, "reflect")
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "enter")
        await settle(pilot)
        timer = app.query_one(PhaseTimer)
        timer.clock = clock = FakeClock()
        assert timer.remaining == 7 * 60 and not timer.running  # Reflect: 7 minutes, not started
        await pilot.press("t")
        assert timer.running
        clock.now += 30  # thirty seconds pass; the ticker reads the clock four times a second
        assert await wait_until(pilot, lambda: timer.remaining == 390)
        assert "06:30" in str(timer.render())
        await pilot.press("t")
        assert not timer.running
        clock.now += 100  # paused: no time is lost, however many ticks go by
        await pilot.pause(2 * TICK_SECONDS)
        assert timer.remaining == 390
        await pilot.press("T")
        assert timer.remaining == 450
        await pilot.press("t")
        clock.now += 451  # the time runs out
        assert await wait_until(pilot, lambda: not timer.running)
        assert timer.remaining == 0 and timer.has_class("-done")
        assert "TIME IS UP" in str(timer.render())
        # The next phase starts its own clock.
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert timer.remaining == 5 * 60 and not timer.has_class("-done")


async def test_export_from_the_app_writes_markdown_in_any_phase(demo_store, make_app, tmp_path):
    app = make_app(demo_store)
    target = tmp_path / "out" / "payments.md"
    target.parent.mkdir()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "E")  # R-2, still reflecting, highlighted first
        await settle(pilot)
        field = app.screen.query_one("#text")
        field.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# R-2 · Payments squad")
    assert "Third on-call page this sprint for the payout job" in text
    assert "Nobody owns" not in text  # still hidden from the room
    assert "1 card not revealed yet" in text


async def test_demo_retro_in_reflect_keeps_hidden_cards_hidden(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "enter")
        await settle(pilot)
        shown = " ".join(" ".join(option_texts(app.query_one(f"#column-{n}", KeyList))) for n in range(3))
        assert "Third on-call page" in shown and "3DS failure rate" in shown
        assert "Instalments slipped" not in shown and "payout-report" not in shown
        assert shown.count("hidden until r reveals") == 3


async def test_a_bad_due_date_keeps_the_form_open_with_the_reason(demo_store, make_app):
    retro_at(demo_store, "actions")
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "enter", "n")
        await enter_text(pilot, "Something")
        await pilot.press("tab", "tab")
        await enter_text(pilot, "someday maybe")
        await pilot.press("enter")
        await settle(pilot)
        assert "cannot read 'someday maybe' as a date" in str(app.screen.query_one("#form-hint").render())
        assert len(retro_actions.retro_actions(demo_store, "R-3")) == 1  # only the setup's


async def test_a_past_due_date_is_kept_with_a_warning(demo_store, make_app):
    retro_at(demo_store, "actions")
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "enter", "n")
        await enter_text(pilot, "Backdated")
        await pilot.press("tab")
        await enter_text(pilot, "Priya Raman")
        await pilot.press("tab")
        await enter_text(pilot, "2026-11-01")
        await pilot.press("enter")
        await settle(pilot)
        made = retro_actions.retro_actions(demo_store, "R-3")[-1]
        assert made.text == "Backdated" and made.due.startswith("2026-11-01")
        assert any("is in the past" in m for m in messages(app))


async def test_five_hundred_cards_fill_the_board(demo_store, make_app):
    retro_id = retro_at(demo_store, "reflect")
    retro = demo_store.get(retro_id)
    retro.cards.extend(
        type(retro.cards[0])(number=10 + n, column=retro.columns[n % 3], text=f"card {n} about deploys", hidden=False)
        for n in range(500)
    )
    with demo_store.change("500 cards") as tx:
        tx.put(retro)
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "enter")
        await settle(pilot)
        sizes = [app.query_one(f"#column-{n}", KeyList).option_count for n in range(3)]
        assert sum(sizes) == 505
        await pilot.press("G")
        await settle(pilot)
        assert app.query_one("#column-0", KeyList).highlighted == sizes[0] - 1


async def test_back_from_a_retro_the_list_highlights_it_so_e_exports_that_one(demo_store, make_app):
    from prodops_tui.ui.panes.retro import RetroPane
    from prodops_tui.ui.widgets.key_list import KeyList

    app = make_app(demo_store)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        listing = app.query_one("#retro-list", KeyList)
        ids = [listing.get_option_at_index(i).id for i in range(listing.option_count)]
        other = next(i for i in ids if i != listing.highlighted_id)
        app.query_one(RetroPane).open_retro(other)  # as search or a nudge would open it
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert listing.highlighted_id == other
