"""One retro changed by several processes at once (a live retro): every card and vote kept,
the vote limit per person whichever copy votes, and the facilitator's timer in the record."""

from __future__ import annotations

import pytest

from prodops_tui.core.errors import InvalidInput
from prodops_tui.core.retro import board as retros
from prodops_tui.core.retro.templates import SHIPPED_TEMPLATES
from prodops_tui.core.storage.store import Store

from ...conftest import fixed_clock


@pytest.fixture
def two_copies(workspace):
    first = Store.open(workspace, clock=fixed_clock)
    template = next(t for t in SHIPPED_TEMPLATES if t.name == "Start/Stop/Continue")
    retro = retros.start_retro(first, template, team="Billing squad", participants=["Priya", "Tomás"], votes_per_person=2)
    retros.move_phase(first, retro.id, 1)
    second = Store.open(workspace, clock=fixed_clock)
    yield first, second, retro.id
    first.close()
    second.close()


def test_cards_written_at_once_in_two_copies_are_all_kept(two_copies):
    first, second, retro_id = two_copies
    retros.add_card(first, retro_id, "Start", "Pair on invoices", author="Priya")
    # The second copy has not looked at the workspace since: its change still keeps Priya's card.
    retros.add_card(second, retro_id, "Stop", "Friday merges", author="Tomás")
    first.refresh()
    cards = first.get(retro_id).cards
    assert [(c.number, c.text, c.author, c.hidden) for c in cards] == [
        (1, "Pair on invoices", "Priya", True), (2, "Friday merges", "Tomás", True)]


def test_the_vote_limit_is_per_person_whichever_copy_votes(two_copies):
    first, second, retro_id = two_copies
    retros.add_card(first, retro_id, "Start", "Pair on invoices")
    retros.move_phase(first, retro_id, 1)
    retros.move_phase(first, retro_id, 1)
    retros.vote(first, retro_id, "Priya", "card:1", 1)
    retros.vote(second, retro_id, "priya", "card:1", 1)
    with pytest.raises(InvalidInput, match="Priya has used all 2 votes"):
        retros.vote(first, retro_id, "Priya", "card:1", 1)
    retros.vote(first, retro_id, "Tomás", "card:1", 1)  # someone else's votes are their own
    second.refresh()
    assert retros.used_votes(second.get(retro_id)) == {"Priya": 2, "Tomás": 1}


def test_the_timer_is_kept_in_the_retro_and_a_new_phase_starts_it_afresh(workspace):
    now = ["2026-11-24T15:00:00Z"]
    store = Store.open(workspace, clock=lambda: now[0])
    template = next(t for t in SHIPPED_TEMPLATES if t.name == "Start/Stop/Continue")
    retro = retros.start_retro(store, template, team="Billing squad")
    retros.move_phase(store, retro.id, 1)
    assert retros.timer_state(store.get(retro.id), now[0]) == retros.TimerState(420.0, 420.0, False)
    retros.set_timer(store, retro.id, left=420, running=True)
    now[0] = "2026-11-24T15:01:30Z"
    assert retros.timer_state(store.get(retro.id), now[0]) == retros.TimerState(420.0, 330.0, True)
    retros.set_timer(store, retro.id, left=330 + 60, running=False)
    assert store.undoable().label == f"{retro.id}: timer paused"
    now[0] = "2026-11-24T15:30:00Z"  # paused: no time passes
    assert retros.timer_state(store.get(retro.id), now[0]) == retros.TimerState(420.0, 390.0, False)
    retros.move_phase(store, retro.id, 1)
    assert retros.timer_state(store.get(retro.id), now[0]) == retros.TimerState(300.0, 300.0, False)
    store.close()


def test_a_change_read_in_its_transaction_is_named_by_the_retros_own_id(two_copies):
    """Read inside the transaction, a change said the id as typed ("r-1: card in Start", "r-1 is
    closed") where it said R-1 before; undo and the message use the retro's own id again."""
    first, _, retro_id = two_copies
    lowered = retro_id.lower()
    retros.add_card(first, lowered, "Start", "Pair on invoices", author="Priya")
    assert first.undoable().label == f"{retro_id}: card in Start"
    for _ in range(5):  # Reflect on to Closed
        retros.move_phase(first, lowered, 1)
    assert first.get(retro_id).phase == "closed"
    with pytest.raises(InvalidInput, match=rf"^{retro_id} is closed: read-only \(u undoes the close\)$"):
        retros.move_phase(first, lowered, 1)
    with pytest.raises(InvalidInput, match=rf"^{retro_id} is closed: read-only \(its actions stay live\)$"):
        retros.add_card(first, lowered, "Start", "Too late")
