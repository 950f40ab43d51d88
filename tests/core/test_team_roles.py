"""What a role lets a browser tab change (core/team/roles.py), through the retro verbs
themselves: a renamed change label fails here rather than letting members run a retro."""

from __future__ import annotations

import pytest

from prodops_tui.core.errors import ChangeRefused
from prodops_tui.core.retro import board
from prodops_tui.core.retro.topics import get_retro
from prodops_tui.core.retro.templates import SHIPPED_TEMPLATES
from prodops_tui.core.team.roles import apply_role


@pytest.fixture
def retro_id(store) -> str:
    return board.start_retro(store, SHIPPED_TEMPLATES[0], team="Core", participants=["Ana", "Bo"]).id


def test_a_viewer_changes_nothing(store, retro_id):
    apply_role(store, "viewer")
    revision = store.revision
    with pytest.raises(ChangeRefused, match="you are signed in as a viewer"):
        board.add_card(store, retro_id, "Start", "Pair on triage")
    with pytest.raises(ChangeRefused):
        board.move_phase(store, retro_id, +1)
    assert store.revision == revision


def test_a_member_writes_cards_but_does_not_run_the_retro(store, retro_id):
    board.move_phase(store, retro_id, +1)  # to Reflect, before the member's tab opens
    apply_role(store, "member")
    board.add_card(store, retro_id, "Start", "Pair on triage", author="Bo")
    for refused, what in [
        (lambda: board.move_phase(store, retro_id, +1), "only a facilitator can move a retro's phase"),
        (lambda: board.reveal(store, retro_id), "only a facilitator can reveal or hide the cards"),
        (lambda: board.reveal(store, retro_id, shown=False), "only a facilitator can reveal or hide the cards"),
        (lambda: board.start_retro(store, SHIPPED_TEMPLATES[0], team="Core"), "only a facilitator can start a retro"),
    ]:
        with pytest.raises(ChangeRefused) as refusal:
            refused()
        assert str(refusal.value) == f"{what} (you are signed in as a member)"
    assert get_retro(store, retro_id).phase == "reflect"


def test_a_member_cannot_undo_a_phase_move_but_can_undo_their_own_card(store, retro_id):
    board.move_phase(store, retro_id, +1)
    apply_role(store, "member")
    with pytest.raises(ChangeRefused, match="only a facilitator can move a retro's phase"):
        store.undo()
    assert get_retro(store, retro_id).phase == "reflect"
    board.add_card(store, retro_id, "Start", "Pair on triage", author="Bo")
    store.undo()
    assert get_retro(store, retro_id).cards == []


def test_a_facilitator_runs_the_retro(store, retro_id):
    apply_role(store, "facilitator")
    board.move_phase(store, retro_id, +1)
    board.reveal(store, retro_id)
    store.undo()
    assert get_retro(store, retro_id).phase == "reflect"


def test_an_unknown_role_is_a_viewers(store, retro_id):
    apply_role(store, "admin")
    with pytest.raises(ChangeRefused, match="viewer"):
        board.add_card(store, retro_id, "Start", "Pair on triage")
