"""A retro of the demo's Billing squad brought to any phase through the core, for Pilot and
snapshot tests of one phase at a time."""

from __future__ import annotations

from prodops_tui.core.model import RETRO_PHASES
from prodops_tui.core.retro import actions as retro_actions
from prodops_tui.core.retro import board as retros
from prodops_tui.core.retro.templates import SHIPPED_TEMPLATES
from prodops_tui.core.storage.store import Store

CARDS = (
    ("Start", "Pairing with support on invoice tickets", "Priya Raman"),
    ("Start", "Flaky tests block the pipeline every Friday", ""),
    ("Stop", "Merging on Friday afternoons", "Tomás Herrera"),
    ("Stop", "Flakey test blocks the pipline again", "Aisha Rahman"),
    ("Continue", "Customer quotes in [sprint review]", ""),
)


def retro_at(store: Store, phase: str) -> str:
    """R-3, Billing squad, Start/Stop/Continue, at `phase`, with what the phases before it made."""
    template = next(t for t in SHIPPED_TEMPLATES if t.name == "Start/Stop/Continue")
    retro = retros.start_retro(store, template, team="Billing squad", title="Sprint 48 retro",
                               participants=["Priya Raman", "Tomás Herrera", "Aisha Rahman"], votes_per_person=3)
    target = RETRO_PHASES.index(phase)
    if target >= 1:
        retro_actions.set_action_status(store, retro.checkin[0], "done")
        retros.move_phase(store, retro.id, 1)
        for column, text, author in CARDS:
            retros.add_card(store, retro.id, column, text, author=author)
    if target >= 2:
        retros.move_phase(store, retro.id, 1)
        retros.group_cards(store, retro.id, [2, 4], title="Flaky pipeline")
    if target >= 3:
        retros.move_phase(store, retro.id, 1)
        for voter, topic in (("Priya Raman", "group:1"), ("Priya Raman", "group:1"), ("Tomás Herrera", "group:1"),
                             ("Aisha Rahman", "card:3"), ("Tomás Herrera", "card:3"), ("Aisha Rahman", "card:1")):
            retros.vote(store, retro.id, voter, topic, 1)
    if target >= 4:
        retros.move_phase(store, retro.id, 1)
        retros.set_notes(store, retro.id, "group:1", "Quarantine the two flaky tests; fix them this sprint.")
    if target >= 5:
        retros.move_phase(store, retro.id, 1)
        retro_actions.add_action(store, retro.id, "Quarantine the flaky tests", owners=["Tomás Herrera"], due="next friday", topic="group:1")
    if target >= 6:
        retros.move_phase(store, retro.id, 1)
    return retro.id
