"""User stories for prodops_tui.core.retro.board: a team runs a retro from check-in to close.

The store's clock is frozen at Tuesday 2026-11-24 15:00 UTC (tests/conftest.py), and day-granular
due dates resolve in UTC (the TZ fixture below), so every date is reproducible.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from prodops_tui.core.areas.people import add_person
from prodops_tui.core.demo import fill_demo
from prodops_tui.core.errors import InvalidInput, NotFound
from prodops_tui.core.model import RETRO_PHASES, ActionItem, Change, Person, ProductArea, Retro, RetroCard
from prodops_tui.core.retro import actions as retro_actions
from prodops_tui.core.retro import board as retros
from prodops_tui.core.retro import groups as retro_groups
from prodops_tui.core.retro.templates import SHIPPED_TEMPLATES, RetroTemplate
from prodops_tui.core.storage.store import Store

from ...conftest import FIXED_NOW, fixed_clock

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)
BILLING_OPEN_ACTIONS = ["T-1", "T-2", "T-3", "T-6"]  # the demo's open Billing squad actions, soonest due first


pytestmark = pytest.mark.usefixtures("utc_local_zone")  # "next friday" means 09:00 local


@pytest.fixture
def demo(tmp_path):
    store = Store.open(tmp_path / "demo", clock=fixed_clock)
    fill_demo(store, now=NOW)
    yield store
    store.close()


def template(name: str) -> RetroTemplate:
    return next(t for t in SHIPPED_TEMPLATES if t.name == name)


SSC = "Start/Stop/Continue"


def start(store: Store, *, team: str = "Web squad", name: str = SSC, **kwargs) -> Retro:
    return retros.start_retro(store, template(name), team=team, **kwargs)


def advance(store: Store, retro_id: str, phase: str) -> Retro:
    retro = retros.get_retro(store, retro_id)
    while retro.phase != phase:
        retro = retros.move_phase(store, retro_id, +1)
    return retro


def board(store: Store, cards: list[tuple[str, str]], *, participants=("Ann", "Bob"), votes: int = 3, **kwargs) -> Retro:
    """A retro in Reflect holding `cards` (column, text)."""
    retro = start(store, participants=participants, votes_per_person=votes, **kwargs)
    advance(store, retro.id, "reflect")
    for column, text in cards:
        retros.add_card(store, retro.id, column, text)
    return retros.get_retro(store, retro.id)


def card_text(store: Store, retro_id: str, number: int) -> str:
    return next(c.text for c in retros.get_retro(store, retro_id).cards if c.number == number)


# --- starting a retro ---------------------------------------------------------------------------


@pytest.mark.parametrize("shipped", SHIPPED_TEMPLATES, ids=lambda t: t.name)
def test_a_retro_starts_at_checkin_with_the_templates_columns(store, shipped):
    area = None
    if shipped.for_area:
        with store.change("area") as tx:
            area = tx.add(ProductArea(name="Billing")).id
    retro = retros.start_retro(store, shipped, team="Web squad", area=area)
    assert retro.id == "R-1" and retros.get_retro(store, "r-1") == retro
    assert retro.columns == [c.title for c in shipped.columns] and len(retro.columns) >= 2
    assert retro.template == shipped.name
    assert (retro.phase, retro.team, retro.held_on, retro.closed_at) == ("checkin", "Web squad", FIXED_NOW, None)
    assert retro.title == f"Web squad — {shipped.name} 2026-11-24"
    assert retro.cards == [] and retro.groups == [] and retro.area == area


def test_the_retro_copies_the_columns_so_the_template_cannot_change_it(store):
    shipped = template("4Ls")
    retro = start(store, name="4Ls")
    retro.columns.append("Extra")
    assert shipped.column_titles == ["Liked", "Learned", "Lacked", "Longed for"]
    assert retros.get_retro(store, retro.id).columns == ["Liked", "Learned", "Lacked", "Longed for"]


@pytest.mark.parametrize("team", ["", "   ", "\x1b\x07"])
def test_a_retro_needs_a_team(store, team):
    with pytest.raises(InvalidInput, match="needs a team"):
        start(store, team=team)
    assert store.count(Retro) == 0


def test_a_launch_post_mortem_needs_an_area(store):
    with pytest.raises(InvalidInput, match="product area"):
        start(store, name="Launch post-mortem")
    assert store.count(Retro) == 0
    with store.change("area") as tx:
        area = tx.add(ProductArea(name="Invoices"))
    retro = start(store, name="Launch post-mortem", area=area.id)
    assert retro.area == area.id


@pytest.mark.parametrize("votes", [0, -1, 21])
def test_votes_per_person_must_be_between_1_and_20(store, votes):
    with pytest.raises(InvalidInput, match="1-20"):
        start(store, votes_per_person=votes)


def test_title_facilitator_and_participants_are_cleaned_and_deduplicated(store):
    retro = start(store, title="  Sprint  12 \x1b[2J ", facilitator="Amara", participants=["Ann", " ann ", "", "Bob"])
    assert retro.title == "Sprint 12 [2J"
    assert retro.participants == ["Ann", "Bob", "Amara"]
    assert retro.facilitator == "Amara"
    again = start(store, facilitator="bob", participants=["Ann", "Bob"])
    assert again.participants == ["Ann", "Bob"]


def test_starting_is_one_undo_step(store):
    retro = start(store)
    assert store.undo().label == f"started retro {retro.title}"
    assert store.get(retro.id) is None


# --- check-in: the team's open actions from earlier retros ---------------------------------------


def test_checkin_holds_the_teams_open_actions_from_earlier_retros_soonest_due_first(demo):
    open_billing = [a for a in demo.all(ActionItem) if a.team == "Billing squad" and a.status == "open"]
    assert sorted(a.id for a in open_billing) == sorted(BILLING_OPEN_ACTIONS)  # the demo data, checked
    retro = start(demo, team="Billing squad")
    assert retro.checkin == BILLING_OPEN_ACTIONS
    assert [a.id for a in retro_actions.checkin_actions(demo, retro)] == BILLING_OPEN_ACTIONS
    assert all(a.status == "open" for a in retro_actions.checkin_actions(demo, retro))
    # The team name matches however it is typed.
    assert start(demo, team="  billing   SQUAD ").checkin == BILLING_OPEN_ACTIONS


def test_checkin_leaves_out_other_teams_actions(demo):
    retro = start(demo, team="Payments squad")
    assert retro.checkin == [] and retro_actions.checkin_actions(demo, retro) == []
    # An action from the Payments retro in progress comes back at Payments' next retro only.
    payments = next(r for r in demo.all(Retro) if r.team == "Payments squad" and r.phase == "reflect")
    new = retro_actions.add_action(demo, payments.id, "Give the payout cron job an owner", owners=["Mei Chen"]).action
    assert start(demo, team="Payments squad").checkin == [new.id]
    assert new.id not in start(demo, team="Billing squad").checkin


def test_actions_of_a_new_retro_come_back_at_the_teams_next_one(store):
    first = start(store, team="Web squad")
    action = retro_actions.add_action(store, first.id, "Fix the flaky build", owners=["Ann"], due="2w").action
    advance(store, first.id, "closed")
    second = start(store, team="Web squad")
    assert second.checkin == [action.id]
    assert start(store, team="Mobile squad").checkin == []


def test_marking_a_checkin_action_done_keeps_it_in_view_and_undo_restores_it(demo):
    retro = start(demo, team="Billing squad")
    done = retro_actions.set_action_status(demo, "t-1", "done")
    assert (done.id, done.status, done.done_at) == ("T-1", "done", FIXED_NOW)
    shown = retro_actions.checkin_actions(demo, retros.get_retro(demo, retro.id))
    assert [a.id for a in shown] == BILLING_OPEN_ACTIONS
    assert {a.id: a.status for a in shown}["T-1"] == "done"
    assert retros.summarise(demo, retros.get_retro(demo, retro.id)).reviewed == {"done": 1, "open": 3}

    assert demo.undo().label == "T-1 done"
    restored = demo.get("T-1")
    assert (restored.status, restored.done_at) == ("open", None)
    assert [a.status for a in retro_actions.checkin_actions(demo, retro)] == ["open"] * 4


def test_action_status_can_be_dropped_reopened_and_is_checked(demo):
    assert retro_actions.set_action_status(demo, "T-2", "dropped").done_at == FIXED_NOW
    reopened = retro_actions.set_action_status(demo, "T-2", "open")
    assert (reopened.status, reopened.done_at) == ("open", None)
    with pytest.raises(InvalidInput, match="open, done, dropped"):
        retro_actions.set_action_status(demo, "T-2", "finished")
    with pytest.raises(NotFound, match="T-99"):
        retro_actions.set_action_status(demo, "T-99", "done")
    with pytest.raises(NotFound):
        retro_actions.set_action_status(demo, "R-1", "done")  # a retro is not an action item


def test_setting_the_status_an_action_already_has_changes_nothing(demo):
    before = len(demo.all(Change))
    assert retro_actions.set_action_status(demo, "T-4", "done") == demo.get("T-4")
    assert len(demo.all(Change)) == before


# --- phases ----------------------------------------------------------------------------------------


def test_move_phase_walks_forward_through_all_seven_phases(store):
    retro = start(store)
    seen = [retro.phase]
    for _ in range(len(RETRO_PHASES) - 1):
        retro = retros.move_phase(store, retro.id, +1)
        seen.append(retro.phase)
        assert retro.closed_at == (FIXED_NOW if retro.phase == "closed" else None)
        assert store.undoable().label == f"{retro.id}: {retros.PHASE_LABELS[retro.phase]}"
    assert tuple(seen) == RETRO_PHASES == ("checkin", "reflect", "group", "vote", "discuss", "actions", "closed")
    assert retros.get_retro(store, retro.id).phase == "closed"
    assert [retros.phase_number(p) for p in seen] == [1, 2, 3, 4, 5, 6, 7]


def test_move_phase_goes_back_and_refuses_past_either_end(store):
    retro = start(store)
    with pytest.raises(InvalidInput, match="already at Check-in"):
        retros.move_phase(store, retro.id, -1)
    advance(store, retro.id, "vote")
    assert retros.move_phase(store, retro.id, -1).phase == "group"
    assert retros.move_phase(store, retro.id, -1).phase == "reflect"
    advance(store, retro.id, "closed")
    for step in (+1, -1):
        with pytest.raises(InvalidInput, match="closed"):
            retros.move_phase(store, retro.id, step)
    assert retros.get_retro(store, retro.id).phase == "closed"


def test_move_phase_of_an_unknown_retro_is_not_found(store):
    with pytest.raises(NotFound, match="no retro R-9"):
        retros.move_phase(store, "R-9", +1)
    with pytest.raises(NotFound):
        retros.get_retro(store, "nonsense")


def test_a_closed_retro_is_read_only_but_its_actions_stay_live(store):
    retro = board(store, [("Start", "Pairing"), ("Stop", "Friday deploys")])
    advance(store, retro.id, "actions")
    action = retro_actions.add_action(store, retro.id, "Write the deploy policy", owners=["Ann"]).action
    closed = advance(store, retro.id, "closed")
    assert closed.closed_at == FIXED_NOW
    attempts = [
        lambda: retros.add_card(store, retro.id, "Start", "late card"),
        lambda: retros.vote(store, retro.id, "Ann", "card:1", +1),
        lambda: retros.group_cards(store, retro.id, [1, 2], title="Ways of working"),
        lambda: retro_actions.add_action(store, retro.id, "One more thing"),
        lambda: retros.reveal(store, retro.id, shown=False),
        lambda: retros.set_notes(store, retro.id, "card:1", "late note"),
        lambda: retros.edit_card(store, retro.id, 1, "changed"),
        lambda: retros.delete_card(store, retro.id, 1),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidInput, match="closed"):
            attempt()
    assert retros.get_retro(store, retro.id) == closed
    assert retro_actions.retro_actions(store, retro.id) == [action]
    assert retro_actions.set_action_status(store, action.id, "done").status == "done"


def test_undoing_the_close_reopens_the_retro(store):
    retro = start(store)
    advance(store, retro.id, "closed")
    assert store.undo().label == f"{retro.id}: Closed"
    reopened = retros.get_retro(store, retro.id)
    assert (reopened.phase, reopened.closed_at) == ("actions", None)
    assert retro_actions.add_action(store, retro.id, "Now we can add this").action.retro == retro.id


def test_moving_on_to_group_reveals_the_hidden_cards(store):
    retro = board(store, [("Start", "one"), ("Stop", "two"), ("Continue", "three")])
    assert all(c.hidden for c in retro.cards) and not retro.revealed
    grouped = retros.move_phase(store, retro.id, +1)
    assert grouped.phase == "group" and grouped.revealed
    assert not any(c.hidden for c in grouped.cards)
    # Cards written during Group are shown at once.
    _, card = retros.add_card(store, retro.id, "Start", "four")
    assert card.hidden is False
    # Going back to Reflect keeps what the room has seen.
    assert not any(c.hidden for c in retros.move_phase(store, retro.id, -1).cards)


def test_moving_on_to_discuss_makes_the_most_voted_topic_current(store):
    retro = board(store, [("Start", "one"), ("Stop", "two")])
    advance(store, retro.id, "vote")
    retros.vote(store, retro.id, "Ann", "card:2", +1)
    assert retros.move_phase(store, retro.id, +1).current_topic == "card:2"


# --- cards ---------------------------------------------------------------------------------------


def test_cards_are_written_in_reflect_and_group_only(store):
    retro = start(store)
    with pytest.raises(InvalidInput, match=r"Reflect.*Check-in"):
        retros.add_card(store, retro.id, "Start", "too early")
    advance(store, retro.id, "reflect")
    assert retros.add_card(store, retro.id, "Start", "in reflect")[1].number == 1
    advance(store, retro.id, "group")
    assert retros.add_card(store, retro.id, "Stop", "in group")[1].number == 2
    for phase in ("vote", "discuss", "actions"):
        advance(store, retro.id, phase)
        with pytest.raises(InvalidInput, match="Reflect"):
            retros.add_card(store, retro.id, "Start", "too late")
    assert len(retros.get_retro(store, retro.id).cards) == 2


def test_a_card_needs_a_known_column_and_some_text(store):
    retro = board(store, [])
    with pytest.raises(InvalidInput, match="no column 'Mad'"):
        retros.add_card(store, retro.id, "Mad", "wrong template")
    for empty in ("", "   \n\t ", "\x1b\x07\x00"):
        with pytest.raises(InvalidInput, match="needs some text"):
            retros.add_card(store, retro.id, "Start", empty)
    assert retros.get_retro(store, retro.id).cards == []


def test_a_card_holds_at_most_2000_characters(store):
    retro = board(store, [])
    _, card = retros.add_card(store, retro.id, "Start", "x" * 2000)
    assert len(card.text) == 2000
    with pytest.raises(InvalidInput, match="at most 2000 characters; this has 2001"):
        retros.add_card(store, retro.id, "Start", "y" * 2001)
    # Surrounding whitespace does not count.
    assert len(retros.add_card(store, retro.id, "Stop", "  " + "z" * 2000 + "\n ")[1].text) == 2000
    assert len(retros.get_retro(store, retro.id).cards) == 2


def test_control_characters_and_escape_codes_are_stripped_and_markup_kept_literally(store):
    retro = board(store, [])
    _, card = retros.add_card(store, retro.id, "Start", "Deploys \x1b[2Jbroke\x07 \x1b]0;pwned\x07prod\x00 twice\r\nagain\x9b",
                              author="An\x1bn")
    assert card.text == "Deploys [2Jbroke ]0;pwnedprod twice\nagain"
    assert card.author == "Ann"
    _, markup = retros.add_card(store, retro.id, "Stop", "[b]x[/b] and [@click=app.quit]quit[/]")
    assert markup.text == "[b]x[/b] and [@click=app.quit]quit[/]"
    stored = retros.get_retro(store, retro.id)
    assert [c.text for c in stored.cards] == [card.text, markup.text]
    assert not any(ord(ch) < 32 and ch != "\n" for c in stored.cards for ch in c.text)


def test_cards_stay_hidden_until_revealed_and_new_ones_then_show(store):
    retro = board(store, [("Start", "one")])
    assert retro.cards[0].hidden and not retro.revealed
    shown = retros.reveal(store, retro.id)
    assert shown.revealed and not shown.cards[0].hidden
    _, card = retros.add_card(store, retro.id, "Stop", "after the reveal")
    assert card.hidden is False
    hidden = retros.reveal(store, retro.id, shown=False)
    assert not hidden.revealed and all(c.hidden for c in hidden.cards)
    assert retros.add_card(store, retro.id, "Start", "hidden again")[1].hidden is True
    assert store.undoable().label == f"{retro.id}: card in Start"


def test_a_cards_author_joins_the_participants_once(store):
    retro = board(store, [], participants=("Ann",))
    retros.add_card(store, retro.id, "Start", "one", author="Zoe")
    retros.add_card(store, retro.id, "Start", "two", author="zoe")
    retros.add_card(store, retro.id, "Start", "three", author="ANN")
    retros.add_card(store, retro.id, "Start", "anonymous")
    stored = retros.get_retro(store, retro.id)
    assert stored.participants == ["Ann", "Zoe"]
    assert [c.author for c in stored.cards] == ["Zoe", "zoe", "ANN", ""]


def test_each_card_is_one_undo_step(store):
    retro = board(store, [("Start", "one"), ("Stop", "two")])
    store.undo()
    assert [c.text for c in retros.get_retro(store, retro.id).cards] == ["one"]


def test_edit_and_delete_card(store):
    retro = board(store, [("Start", "one"), ("Stop", "two")])
    assert retros.edit_card(store, retro.id, 2, " two, better \x1b").cards[1].text == "two, better"
    with pytest.raises(InvalidInput):
        retros.edit_card(store, retro.id, 2, "  ")
    with pytest.raises(NotFound, match="no card 9"):
        retros.edit_card(store, retro.id, 9, "x")
    retros.group_cards(store, retro.id, [1], title="Solo")
    after = retros.delete_card(store, retro.id, 1)
    assert [c.number for c in after.cards] == [2] and after.groups == []
    # A new card never reuses the number of a card still on the board.
    assert retros.add_card(store, retro.id, "Start", "three")[1].number == 3


def test_a_board_of_500_cards_works(store):
    retro = board(store, [])
    columns = retro.columns
    cards = [RetroCard(number=n, column=columns[n % 3], text=f"Card {n} about subject {n % 25}", created_at=FIXED_NOW)
             for n in range(1, 500)]
    with store.change("bulk cards") as tx:
        tx.put(replace(retro, cards=cards))
    updated, card = retros.add_card(store, retro.id, "Continue", "The five hundredth card", author="Ann")
    assert card.number == 500 and len(updated.cards) == 500
    assert retros.summarise(store, updated).cards == 500
    grouped = retros.move_phase(store, retro.id, +1)
    assert not any(c.hidden for c in grouped.cards)
    assert len(retros.topics(grouped)) == 500
    retro_groups.suggest_groups(grouped)  # finishes on a full board
    retros.group_cards(store, retro.id, list(range(1, 101)), title="First hundred")
    assert len(retros.topics(retros.get_retro(store, retro.id))) == 401


# --- groups --------------------------------------------------------------------------------------


def test_group_cards_into_a_new_group_an_existing_one_and_out_again(store):
    retro = board(store, [("Start", "a"), ("Start", "b"), ("Stop", "c"), ("Continue", "d")])
    advance(store, retro.id, "group")
    updated, first = retros.group_cards(store, retro.id, [1, 2], title="  Release  hygiene ")
    assert first == 1 and [(g.number, g.title) for g in updated.groups] == [(1, "Release hygiene")]
    assert store.undoable().label == f"{retro.id}: 2 card(s) to Release hygiene"
    updated, same = retros.group_cards(store, retro.id, [3], group=first)
    assert same == first and [c.group for c in updated.cards] == [1, 1, 1, None]
    updated, second = retros.group_cards(store, retro.id, [4], title="Other")
    assert second == 2 and len(updated.groups) == 2
    # Out of any group: the group left empty goes.
    updated, none = retros.group_cards(store, retro.id, [4])
    assert none is None and updated.cards[3].group is None
    assert [g.title for g in updated.groups] == ["Release hygiene"]
    # Moving every card of a group elsewhere drops that group too.
    updated, third = retros.group_cards(store, retro.id, [1, 2, 3], title="Everything")
    assert [g.title for g in updated.groups] == ["Everything"]
    assert all(c.group == third for c in updated.cards[:3])


def test_group_cards_refuses_nothing_unknown_cards_and_unknown_groups(store):
    retro = board(store, [("Start", "a"), ("Stop", "b")])
    advance(store, retro.id, "group")
    with pytest.raises(InvalidInput, match="no card"):
        retros.group_cards(store, retro.id, [], title="Empty")
    with pytest.raises(NotFound, match="no card 7"):
        retros.group_cards(store, retro.id, [1, 7], title="Half")
    with pytest.raises(NotFound, match="no group 3"):
        retros.group_cards(store, retro.id, [1], group=3)
    assert retros.get_retro(store, retro.id).groups == []


def test_rename_group(store):
    retro = board(store, [("Start", "a"), ("Stop", "b")])
    advance(store, retro.id, "group")
    _, number = retros.group_cards(store, retro.id, [1, 2], title="Draft")
    assert retros.rename_group(store, retro.id, number, " CI \x1b pipeline ").groups[0].title == "CI pipeline"
    with pytest.raises(InvalidInput, match="needs a title"):
        retros.rename_group(store, retro.id, number, "  ")
    with pytest.raises(NotFound):
        retros.rename_group(store, retro.id, 5, "Nope")
    assert store.undo().label == f"{retro.id}: renamed group {number}"
    assert retros.get_retro(store, retro.id).groups[0].title == "Draft"


FLAKY_A = "Flakey tests block the pipline"
FLAKY_B = "Fix the flaky test that blocks the pipeline"


def test_suggest_groups_pairs_cards_that_say_the_same_thing_despite_typos(store):
    retro = board(store, [
        ("Start", FLAKY_A),
        ("Stop", "Long standups that run over time"),
        ("Continue", "Celebrating launches together"),
        ("Stop", FLAKY_B),
        ("Start", "Writing release notes early"),
    ])
    suggestions = retro_groups.suggest_groups(retros.move_phase(store, retro.id, +1))
    assert len(suggestions) == 1
    only = suggestions[0]
    assert only.cards == (1, 4) and only.group is None
    assert only.score >= retro_groups.GROUP_SUGGESTION_SCORE
    assert only.title  # a starting title from the shared words
    assert "flak" in only.title.lower()


def test_suggest_groups_ignores_unrelated_cards_and_cards_already_together(store):
    retro = board(store, [
        ("Start", "Pair programming on hard tickets"),
        ("Stop", "Deploying on Friday afternoons"),
        ("Continue", "Customer quotes in sprint review"),
    ])
    assert retro_groups.suggest_groups(retros.get_retro(store, retro.id)) == []
    both = board(store, [("Start", FLAKY_A), ("Stop", FLAKY_B)])
    advance(store, both.id, "group")
    retros.group_cards(store, both.id, [1, 2], title="CI")
    assert retro_groups.suggest_groups(retros.get_retro(store, both.id)) == []


def test_a_loose_card_like_a_grouped_one_is_suggested_for_that_group(store):
    retro = board(store, [("Start", FLAKY_A), ("Stop", "Long standups that run over time"), ("Stop", FLAKY_B)])
    advance(store, retro.id, "group")
    _, number = retros.group_cards(store, retro.id, [1, 2], title="CI pain")
    [suggestion] = retro_groups.suggest_groups(retros.get_retro(store, retro.id))
    assert (suggestion.cards, suggestion.group, suggestion.title) == ((3,), number, "CI pain")


def test_suggest_groups_never_proposes_merging_two_groups_the_team_made(store):
    retro = board(store, [
        ("Start", "Flaky tests block the pipeline"),
        ("Stop", "Flaky tests block the pipeline every day"),
        ("Continue", "The flaky tests blocking our pipeline"),
        ("Start", "Planning poker takes too long"),
    ])
    advance(store, retro.id, "group")
    retros.group_cards(store, retro.id, [1], title="Tests")
    retros.group_cards(store, retro.id, [2], title="Pipeline")
    suggestions = retro_groups.suggest_groups(retros.get_retro(store, retro.id))
    assert len(suggestions) == 1
    assert suggestions[0].cards == (3,) and suggestions[0].group in (1, 2)
    assert retro_groups.suggest_groups(retros.get_retro(store, retro.id), threshold=100.0)[0].cards == (3,)
    # Once the loose card is in a group, nothing is left to suggest: never "merge Tests and Pipeline".
    retros.group_cards(store, retro.id, [3], group=1)
    assert retro_groups.suggest_groups(retros.get_retro(store, retro.id)) == []


# --- votes and topics ------------------------------------------------------------------------------


def voting_board(store: Store, *, votes: int = 2) -> Retro:
    """Ann and Bob; cards 1 and 2 grouped as 'Pipeline', 3 and 4 loose; at Vote."""
    retro = board(store, [("Start", "CI is slow"), ("Stop", "CI is flaky"), ("Continue", "Demos"), ("Stop", "Long standups")],
                  votes=votes)
    advance(store, retro.id, "group")
    retros.group_cards(store, retro.id, [1, 2], title="Pipeline")
    return advance(store, retro.id, "vote")


def test_topics_are_groups_and_loose_cards(store):
    retro = voting_board(store)
    found = retros.topics(retro)
    assert [(t.key, t.title, [c.number for c in t.cards]) for t in found] == [
        ("group:1", "Pipeline", [1, 2]), ("card:3", "Demos", [3]), ("card:4", "Long standups", [4])]


def test_votes_are_cast_in_the_vote_phase_only(store):
    retro = board(store, [("Start", "a")])
    for phase in ("reflect", "group"):
        advance(store, retro.id, phase)
        with pytest.raises(InvalidInput, match="Vote phase"):
            retros.vote(store, retro.id, "Ann", "card:1", +1)
    advance(store, retro.id, "discuss")
    with pytest.raises(InvalidInput, match="Vote phase; R-1 is at Discuss"):
        retros.vote(store, retro.id, "Ann", "card:1", +1)


def test_each_person_has_a_vote_limit_and_minus_takes_one_back(store):
    retro = voting_board(store, votes=2)
    assert retros.votes_left(retro) == {"Ann": 2, "Bob": 2}
    retros.vote(store, retro.id, "Ann", "card:4", +1)
    retro = retros.vote(store, retro.id, "ann", "group:1", +1)
    assert retros.used_votes(retro) == {"Ann": 2, "Bob": 0}
    assert retros.votes_left(retro) == {"Ann": 0, "Bob": 2}
    with pytest.raises(InvalidInput) as refused:
        retros.vote(store, retro.id, "Ann", "card:3", +1)
    assert "Ann has used all 2 votes" in str(refused.value)
    retro = retros.vote(store, retro.id, "Ann", "card:4", -1)
    assert retros.votes_left(retro) == {"Ann": 1, "Bob": 2}
    with pytest.raises(InvalidInput, match="no vote on this topic"):
        retros.vote(store, retro.id, "Ann", "card:4", -1)
    retro = retros.vote(store, retro.id, "Ann", "card:3", +1)
    assert {t.key: t.total for t in retros.topics(retro)} == {"group:1": 1, "card:3": 1, "card:4": 0}


def test_votes_from_outside_the_room_and_on_unknown_topics_are_refused(store):
    retro = voting_board(store)
    with pytest.raises(InvalidInput, match="Zoe is not a participant of R-1"):
        retros.vote(store, retro.id, "Zoe", "card:3", +1)
    with pytest.raises(InvalidInput, match="nobody is not a participant"):
        retros.vote(store, retro.id, "  ", "card:3", +1)
    with pytest.raises(NotFound, match="no topic card:9"):
        retros.vote(store, retro.id, "Ann", "card:9", +1)
    with pytest.raises(NotFound, match="no topic card:1"):  # card 1 is in a group: vote on the group
        retros.vote(store, retro.id, "Ann", "card:1", +1)
    assert sum(retros.used_votes(retros.get_retro(store, retro.id)).values()) == 0
    retros.add_participant(store, retro.id, "Zoe")
    assert retros.used_votes(retros.vote(store, retro.id, "zoe", "card:3", +1))["Zoe"] == 1


def test_a_groups_votes_include_the_votes_its_cards_carried_in(store):
    retro = voting_board(store, votes=3)
    retros.vote(store, retro.id, "Ann", "card:3", +1)  # a vote on a loose card ...
    retros.group_cards(store, retro.id, [3], group=1)  # ... that then joins the group
    retro = retros.vote(store, retro.id, "Bob", "group:1", +1)
    pipeline = retros.find_topic(retro, "group:1")
    assert pipeline.votes == {"Ann": 1, "Bob": 1} and pipeline.total == 2
    assert retros.used_votes(retro) == {"Ann": 1, "Bob": 1}
    # Ann can take back the vote her card carried in, from the group.
    retro = retros.vote(store, retro.id, "Ann", "group:1", -1)
    assert retros.find_topic(retro, "group:1").votes == {"Bob": 1}
    assert retros.votes_left(retro) == {"Ann": 3, "Bob": 2}
    assert all(c.votes == {} for c in retro.cards)


def test_topics_are_sorted_by_votes_ties_in_board_order(store):
    retro = voting_board(store, votes=3)
    retros.vote(store, retro.id, "Ann", "card:4", +1)
    retros.vote(store, retro.id, "Bob", "card:4", +1)
    retro = retros.vote(store, retro.id, "Bob", "card:3", +1)
    assert [(t.key, t.total) for t in retros.topics(retro)] == [("card:4", 2), ("card:3", 1), ("group:1", 0)]
    retro = retros.vote(store, retro.id, "Ann", "group:1", +1)
    # A tie keeps board order: groups first, then loose cards as they were written.
    assert [(t.key, t.total) for t in retros.topics(retro)] == [("card:4", 2), ("group:1", 1), ("card:3", 1)]


def test_each_vote_is_one_undo_step(store):
    retro = voting_board(store)
    retros.vote(store, retro.id, "Ann", "card:3", +1)
    assert store.undoable().label == "R-1: Ann voted for Demos"
    store.undo()
    assert retros.used_votes(retros.get_retro(store, retro.id)) == {"Ann": 0, "Bob": 0}


def test_lowering_the_vote_limit_below_votes_cast_is_refused(store):
    retro = voting_board(store, votes=3)
    retros.vote(store, retro.id, "Ann", "card:3", +1)
    retros.vote(store, retro.id, "Ann", "card:4", +1)
    with pytest.raises(InvalidInput, match="cast 2 votes already"):
        retros.set_details(store, retro.id, votes_per_person=1)
    assert retros.set_details(store, retro.id, votes_per_person=2).votes_per_person == 2


# --- discussion ------------------------------------------------------------------------------------


def test_set_current_topic_and_notes(store):
    retro = voting_board(store)
    advance(store, retro.id, "discuss")
    assert retros.set_current_topic(store, retro.id, "card:4").current_topic == "card:4"
    with pytest.raises(NotFound, match="no topic card:1"):
        retros.set_current_topic(store, retro.id, "card:1")
    with pytest.raises(NotFound):
        retros.set_current_topic(store, retro.id, "group:7")
    assert retros.get_retro(store, retro.id).current_topic == "card:4"

    retros.set_notes(store, retro.id, "group:1", "  Split the CI job.\r\nOwner: Ann \x1b ")
    retro = retros.set_notes(store, retro.id, "card:4", "Time-box to 15 minutes")
    notes = {t.key: t.notes for t in retros.topics(retro)}
    assert notes == {"group:1": "Split the CI job.\nOwner: Ann", "card:3": "", "card:4": "Time-box to 15 minutes"}
    for bad in ("topic:1", "group:x", "card:", "group:9"):
        with pytest.raises(NotFound):
            retros.set_notes(store, retro.id, bad, "lost")


def test_choosing_the_current_topic_does_not_block_undo(store):
    """Picking a topic is its own undo step, so u first takes it back, then the change before."""
    retro = voting_board(store)
    advance(store, retro.id, "discuss")
    retros.set_notes(store, retro.id, "card:3", "We talked about demos")
    before = retros.get_retro(store, retro.id).current_topic
    retros.set_current_topic(store, retro.id, "card:4")
    assert store.undo().label.startswith(f"{retro.id}: discussing")
    assert retros.get_retro(store, retro.id).current_topic == before
    undone = store.undo()
    assert undone.label == f"{retro.id}: notes"
    assert retros.find_topic(retros.get_retro(store, retro.id), "card:3").notes == ""


# --- actions ---------------------------------------------------------------------------------------


def test_add_action_resolves_owners_by_name_and_handle(demo):
    retro = start(demo, team="Billing squad")
    advance(demo, retro.id, "actions")
    new = retro_actions.add_action(demo, retro.id, "  Ship the  tax fix ", owners=["Priya", "@tomas", "priya raman"], due="2026-12-01")
    action = new.action
    assert (new.created_people, new.warnings) == ((), ())
    assert action.text == "Ship the tax fix"
    assert retro_actions.owner_names(demo, action) == ["Priya Raman", "Tomás Herrera"]
    assert (action.due, action.status, action.team, action.retro, action.area) == (
        "2026-12-01T09:00:00Z", "open", "Billing squad", retro.id, None)
    assert retro_actions.retro_actions(demo, retro.id) == [action]


def test_an_unknown_owner_becomes_a_person_and_one_undo_takes_both_back(demo):
    retro = start(demo, team="Billing squad")
    people = demo.count(Person)
    new = retro_actions.add_action(demo, retro.id, "Run the billing dry-run", owners=["Lena Park", "Priya"])
    assert new.created_people == ("Lena Park",)
    lena = [p for p in demo.all(Person) if p.name == "Lena Park"]
    assert len(lena) == 1 and demo.count(Person) == people + 1
    assert new.action.owners == [lena[0].id, "P-1"]
    assert demo.undoable().label == f"{retro.id}: action Run the billing dry-run"
    demo.undo()
    assert demo.get(new.action.id) is None and demo.get(lena[0].id) is None
    assert demo.count(Person) == people


def test_a_name_nobody_has_becomes_a_person_rather_than_someone_else(demo):
    """'Sam Jones' is new on the demo (which has Jonas Becker): the action must not go to Jonas."""
    retro = start(demo, team="Billing squad")
    new = retro_actions.add_action(demo, retro.id, "Own the dunning emails", owners=["Sam Jones"])
    assert new.created_people == ("Sam Jones",)
    assert retro_actions.owner_names(demo, new.action) == ["Sam Jones"]


def test_an_ambiguous_near_miss_owner_asks_did_you_mean_and_changes_nothing(demo):
    retro = start(demo, team="Billing squad")
    people = demo.count(Person)
    with pytest.raises(NotFound, match="did you mean") as refused:
        retro_actions.add_action(demo, retro.id, "Guide for support", owners=["Aisha Raman"])
    assert "Aisha Rahman" in str(refused.value)
    assert demo.count(Person) == people and retro_actions.retro_actions(demo, retro.id) == []


@pytest.mark.parametrize(("due", "stored"), [
    ("next friday", "2026-12-04T09:00:00Z"),  # the Friday of next week (today is Tuesday 24 Nov)
    ("2w", "2026-12-08T09:00:00Z"),
    ("2026-12-01", "2026-12-01T09:00:00Z"),
    ("", None),
])
def test_due_dates_are_parsed(store, due, stored):
    retro = start(store)
    new = retro_actions.add_action(store, retro.id, "Do the thing", owners=["Ann"], due=due)
    assert new.action.due == stored
    assert new.warnings == ()


def test_a_past_due_date_is_kept_with_a_warning(store):
    retro = start(store)
    new = retro_actions.add_action(store, retro.id, "Should have happened", owners=["Ann"], due="2026-11-01")
    assert new.action.due == "2026-11-01T09:00:00Z"
    assert new.warnings == ("due 2026-11-01 is in the past",)


def test_an_action_without_owner_is_kept_with_a_warning(store):
    retro = start(store)
    new = retro_actions.add_action(store, retro.id, "Somebody should do this")
    assert new.action.owners == [] and new.created_people == ()
    assert len(new.warnings) == 1 and "no owner" in new.warnings[0]


def test_an_unreadable_due_date_or_empty_text_adds_nothing(store):
    retro = start(store)
    with pytest.raises(ValueError, match="blorp"):
        retro_actions.add_action(store, retro.id, "Do it", owners=["Ann"], due="blorp")
    with pytest.raises(InvalidInput, match="needs some text"):
        retro_actions.add_action(store, retro.id, " \x1b ", owners=["Ann"])
    assert store.count(ActionItem) == 0 and store.count(Person) == 0


def test_an_action_remembers_the_topic_it_came_from(store):
    retro = voting_board(store)
    advance(store, retro.id, "actions")
    from_group = retro_actions.add_action(store, retro.id, "Split the CI job", owners=["Ann"], topic="group:1").action
    from_card = retro_actions.add_action(store, retro.id, "Shorter standups", owners=["Bob"], topic="card:4").action
    no_topic = retro_actions.add_action(store, retro.id, "Something else", owners=["Bob"]).action
    assert (from_group.topic, from_card.topic, no_topic.topic) == ("Pipeline", "Long standups", "")


def test_the_same_owner_twice_is_one_owner(store):
    add_person(store, "Ann Lee", handle="ann")
    retro = start(store)
    action = retro_actions.add_action(store, retro.id, "x", owners=["Ann Lee", "@ann", "ann lee"]).action
    assert len(action.owners) == 1


# --- the summary ---------------------------------------------------------------------------------


def test_summarise_counts_what_happened(store):
    retro = voting_board(store, votes=3)  # 4 cards: Start 1, Stop 2, Continue 1; one group
    retros.vote(store, retro.id, "Ann", "group:1", +1)
    retros.vote(store, retro.id, "Ann", "card:3", +1)
    retros.vote(store, retro.id, "Bob", "group:1", +1)
    advance(store, retro.id, "discuss")
    retros.set_notes(store, retro.id, "group:1", "Split it")
    advance(store, retro.id, "actions")
    retro_actions.add_action(store, retro.id, "Split the CI job", owners=["Ann"], due="2w", topic="group:1")
    retro_actions.add_action(store, retro.id, "No owner yet", due="2w")
    done = retro_actions.add_action(store, retro.id, "Already done", owners=["Bob"]).action
    retro_actions.set_action_status(store, done.id, "done")
    summary = retros.summarise(store, retros.get_retro(store, retro.id))
    assert summary == retros.RetroSummary(
        cards=4,
        cards_by_column={"Start": 1, "Stop": 2, "Continue": 1},
        groups=1,
        votes_cast=3,
        votes_possible=6,
        topics_discussed=1,
        actions=3,
        actions_open=2,
        actions_with_owner_and_due=1,
        reviewed={},
    )


def test_summarise_an_empty_retro(store):
    summary = retros.summarise(store, start(store, name="Went well/To improve", participants=["Ann"]))
    assert (summary.cards, summary.cards_by_column, summary.groups, summary.votes_cast, summary.votes_possible,
            summary.actions, summary.reviewed) == (0, {"Went well": 0, "To improve": 0}, 0, 0, 3, 0, {})


def test_the_demo_retros_summaries(demo):
    closed = retros.get_retro(demo, "R-1")
    summary = retros.summarise(demo, closed)
    assert (summary.cards, summary.groups, summary.votes_cast, summary.votes_possible) == (12, 3, 15, 15)
    assert summary.cards_by_column == {"Start": 4, "Stop": 4, "Continue": 4}
    assert (summary.actions, summary.actions_open, summary.topics_discussed) == (6, 4, 3)
    assert retros.retros_newest_first(demo)[0].id == "R-2"
