"""What a signed-in person's role lets their browser tab change.

- viewer: nothing (the store refuses every change, `Store.changes_refused`);
- member: triage, cards, votes, notes, actions: everything but running a retro;
- facilitator: a member who also starts retros, moves their phases (closing included) and
  reveals or hides the cards, and may undo those.

The tab's store is told once, where the tab opens it (cli/app.py run_app). The facilitator's
changes are known by the label the retro verbs give them (core/retro/board.py: "phase",
"revealed the cards", "hid the cards", "started retro …", and as undone "undo: R-2: Vote"):
tests/core/test_team_roles.py runs those verbs, so a renamed label fails there, not silently."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from ..errors import ChangeRefused
from ..retro.board import PHASE_LABELS
from ..storage.store import Store
from ..storage.transaction import Transaction
from .people import ROLES

VIEWER_REFUSAL = "you are signed in as a viewer: you can look at everything but change nothing"
FACILITATOR_ONLY = "only a facilitator can {what} (you are signed in as a member)"

_PHASES = "|".join(re.escape(label) for label in PHASE_LABELS.values())
# The label a change has when store.change is entered (move_phase is "phase", reveal "revealed
# the cards"), and what undo calls them: "undo: " + the final label ("R-2: Vote").
_FACILITATING = re.compile(
    rf"^(?:phase|revealed the cards|hid the cards|started retro .*"
    rf"|undo: (?:R-\d+: (?:{_PHASES}|revealed the cards|hid the cards)|started retro .*))$", re.DOTALL)


def facilitating(label: str) -> str | None:
    """What a change with this label does, if only a facilitator may do it."""
    if not _FACILITATING.match(label):
        return None
    if "started retro" in label:
        return "start a retro"
    if "the cards" in label:
        return "reveal or hide the cards"
    return "move a retro's phase"


def apply_role(store: Store, role: str) -> None:
    """Hold this store to what `role` may change. An unknown role is a viewer's."""
    if role not in ROLES or role == "viewer":
        store.changes_refused = VIEWER_REFUSAL
        return
    if role == "facilitator":
        return
    change: Callable[..., AbstractContextManager[Transaction]] = store.change

    def member_change(label: str, *args: Any, **kwargs: Any) -> AbstractContextManager[Transaction]:
        what = facilitating(label)
        if what:
            raise ChangeRefused(FACILITATOR_ONLY.format(what=what))
        return change(label, *args, **kwargs)

    store.change = member_change  # type: ignore[method-assign, assignment]  # this store only: a member's tab
