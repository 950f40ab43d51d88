"""`prodops area|person|opportunity|retro|checklist`: what the app builds, from the shell. Each
command stores what it says, prints JSON that parses, refuses bad input in one line (exit 1,
nothing stored), and leaves the app's undo record: the app's `u` (Store.undo, as
ProdopsApp.action_undo calls it) takes a change made here back, under the label the app's own
key gives it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodops_tui.core.areas import ownership, people
from prodops_tui.core.model import (
    Change,
    ChecklistRun,
    ChecklistStep,
    FeedbackItem,
    Opportunity,
    Retro,
)
from prodops_tui.core.retro import board
from prodops_tui.core.retro.templates import SHIPPED_TEMPLATES
from prodops_tui.core.rituals import checklists
from prodops_tui.core.storage.store import Store

from ..conftest import FIXED_NOW, TEST_USER, fixed_clock
from .test_cli import assert_one_line_error


def opened(workspace: Path) -> Store:
    return Store.open(workspace, clock=fixed_clock)


def app_undo(workspace: Path) -> Change:
    """What `u` in the app does: the store's undo, from the app."""
    store = opened(workspace)
    try:
        return store.undo(origin="app")
    finally:
        store.close()


def stored(workspace: Path, record_id: str):
    store = opened(workspace)
    try:
        return store.get(record_id)
    finally:
        store.close()


def changes(workspace: Path) -> int:
    store = opened(workspace)
    try:
        return store.count(Change)
    finally:
        store.close()


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- areas ---------------------------------------------------------------------------------


def test_areas_are_added_renamed_moved_and_removed_and_each_json_is_the_area(prodops, workspace):
    billing = json.loads(ok(prodops("area", "add", "Billing", "--json")))
    assert (billing["id"], billing["path"], billing["parent"]) == ("A-1", "Billing", None)
    assert ok(prodops("area", "add", "Billing/Invoices")).strip() == "A-2 added: Billing / Invoices"
    payments = json.loads(ok(prodops("area", "add", "Payments", "--json")))
    assert ok(prodops("area", "add", "Refunds", "--under", "payments")).strip() == "A-4 added: Payments / Refunds"

    renamed = json.loads(ok(prodops("area", "rename", "Billing/Invoices", "Invoicing", "--json")))
    assert (renamed["id"], renamed["path"]) == ("A-2", "Billing / Invoicing")
    moved = json.loads(ok(prodops("area", "move", "A-2", "--under", "Payments", "--json")))
    assert (moved["path"], moved["parent"]) == ("Payments / Invoicing", payments["id"])
    assert ok(prodops("area", "move", "Invoicing", "--top")).strip() == "A-2 moved: Invoicing"

    removed = prodops("area", "remove", "Payments")
    assert ok(removed).startswith("A-3 removed: Payments; 1 sub-area moved to the top level")
    assert stored(workspace, "A-3") is None
    assert stored(workspace, "A-4").parent is None  # Refunds went up, not away


def test_removing_an_area_moves_its_feedback_to_its_parent_and_json_says_so(prodops, workspace):
    ok(prodops("area", "add", "Billing"))
    ok(prodops("area", "add", "Invoices", "--under", "Billing"))
    ok(prodops("capture", "Invoice PDF is blank", "--area", "Billing/Invoices"))
    result = json.loads(ok(prodops("area", "remove", "A-2", "--json")))
    assert (result["removed"]["path"], result["feedback_moved"], result["areas_moved"], result["moved_to"]) == (
        "Billing / Invoices", 1, 0, "A-1")
    assert stored(workspace, "F-1").area == "A-1"


@pytest.mark.parametrize(("args", "says"), [
    (("area", "rename", "Nowhere", "X"), "no product area 'Nowhere'"),
    (("area", "add", "Billing"), "Billing exists already"),
    (("area", "add", "billing"), "Billing exists already"),
    (("area", "add", "invoices", "--under", "Billing"), "Billing / Invoices exists already"),
    (("area", "move", "Billing", "--under", "Billing/Invoices"), "cannot go under itself or an area below it"),
    (("area", "move", "Billing", "--under", "Billing"), "cannot go under itself"),
    (("area", "add", "Tax", "--under", "Nowhere"), "no product area 'Nowhere'"),
    (("area", "remove", "A-99"), "no product area 'A-99'"),
    (("area", "add", "  "), "an area needs a name"),
])
def test_a_bad_area_change_is_one_line_and_stores_nothing(prodops, workspace, args, says):
    ok(prodops("area", "add", "Billing"))
    ok(prodops("area", "add", "Invoices", "--under", "Billing"))
    before = changes(workspace)
    assert says in assert_one_line_error(prodops(*args))
    assert changes(workspace) == before


@pytest.mark.parametrize("args", [
    ("area", "move", "Billing"),  # neither --under nor --top
    ("area", "move", "Billing", "--top", "--under", "X"),
    ("area", "add", "Billing/Tax", "--under", "Billing"),  # a path and a parent
    ("area",),
    ("area", "paint", "Billing"),
])
def test_a_wrong_area_command_line_is_usage(prodops, args):
    ok(prodops("area", "add", "Billing"))
    result = prodops(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr


# --- people --------------------------------------------------------------------------------


def test_a_person_is_added_and_leaves_and_their_areas_show_the_gap(prodops, workspace):
    person = json.loads(ok(prodops("person", "add", "Priya Raman", "--handle", "priya", "--team", "Billing",
                                   "--role", "Product Manager", "--json")))
    assert {k: person[k] for k in ("id", "name", "handle", "team", "role", "active", "left_at")} == {
        "id": "P-1", "name": "Priya Raman", "handle": "@priya", "team": "Billing", "role": "Product Manager",
        "active": True, "left_at": None}
    ok(prodops("area", "add", "Billing"))
    store = opened(workspace)
    ownership.set_role(store, "A-1", "owners", ["P-1"])
    store.close()

    assert ok(prodops("person", "leave", "@priya")).strip() == "P-1 Priya Raman has left; 1 area now without an active owner"
    gone = stored(workspace, "P-1")
    assert (gone.active, gone.left_at) == (False, FIXED_NOW)
    assert stored(workspace, "A-1").owners == ["P-1"]  # kept, flagged: the gap shows

    before = changes(workspace)
    again = prodops("person", "leave", "Priya Raman", "--json")
    assert json.loads(ok(again))["active"] is False and "left on 2026-11-24 already" in again.stderr
    assert changes(workspace) == before


@pytest.mark.parametrize(("args", "says"), [
    (("person", "leave", "Zebedee"), "no person 'Zebedee'"),
    (("person", "add", "Ana Souza"), "Ana Souza is P-1 already"),
    (("person", "add", "Ann", "--handle", "@ana"), "@ana is someone else's handle already"),
    (("person", "add", ""), "a person needs a name"),
])
def test_a_bad_person_change_is_one_line_and_stores_nothing(prodops, workspace, args, says):
    ok(prodops("person", "add", "Ana Souza", "--handle", "ana"))
    before = changes(workspace)
    assert says in assert_one_line_error(prodops(*args))
    assert changes(workspace) == before


def test_two_people_of_one_name_are_told_apart_by_a_handle(prodops, workspace):
    ok(prodops("person", "add", "Alex Kim"))
    assert ok(prodops("person", "add", "Alex Kim", "--handle", "alexk")).strip() == "P-2 Alex Kim @alexk"


# --- opportunities -------------------------------------------------------------------------


def test_an_opportunity_is_added_with_its_area_and_moves_through_statuses(prodops, workspace):
    ok(prodops("area", "add", "Billing"))
    made = json.loads(ok(prodops("opportunity", "add", "Search invoices by PO reference", "--area", "billing",
                                 "--description", "Finance teams search by their own PO numbers.", "--json")))
    assert {k: made[k] for k in ("id", "title", "status", "area", "description", "decided_at")} == {
        "id": "O-1", "title": "Search invoices by PO reference", "status": "exploring", "area": "Billing",
        "description": "Finance teams search by their own PO numbers.", "decided_at": None}

    planned = json.loads(ok(prodops("opportunity", "status", "o-1", "in progress", "--json")))
    assert (planned["status"], planned["decided_at"]) == ("in_progress", FIXED_NOW)
    assert ok(prodops("opportunity", "status", "O-1", "shipped")).strip() == \
        "O-1 is shipped (shipped 2026-11-24): Search invoices by PO reference"
    assert stored(workspace, "O-1").shipped_at == FIXED_NOW


def test_an_opportunity_made_from_feedback_links_it_in_one_change_as_the_inbox_does(prodops, workspace):
    ok(prodops("capture", "Offline mode please"))
    ok(prodops("capture", "Let me work on the train"))
    assert ok(prodops("opportunity", "add", "Offline mode", "--feedback", "F-1", "--feedback", "f-2")).strip() == \
        "O-1 Offline mode (linked F-1, F-2)"
    assert [stored(workspace, f"F-{n}").opportunity for n in (1, 2)] == ["O-1", "O-1"]
    undone = app_undo(workspace)  # the link and the opportunity go together
    assert undone.label == "linked to a new opportunity “Offline mode” (2 items)"
    assert stored(workspace, "O-1") is None and stored(workspace, "F-1").opportunity is None


@pytest.mark.parametrize(("args", "says"), [
    (("opportunity", "status", "O-1", "someday"), "status 'someday' is not one of exploring, planned"),
    (("opportunity", "status", "O-9", "planned"), "no opportunity O-9"),
    (("opportunity", "add", "Later", "--area", "Nowhere"), "no product area 'Nowhere'"),
    (("opportunity", "add", " "), "the opportunity needs a title"),
    (("opportunity", "add", "Offline", "--feedback", "F-7"), "no feedback item F-7"),
])
def test_a_bad_opportunity_change_is_one_line_and_stores_nothing(prodops, workspace, args, says):
    ok(prodops("opportunity", "add", "Offline mode"))
    before = changes(workspace)
    assert says in assert_one_line_error(prodops(*args))
    assert changes(workspace) == before


def test_setting_the_status_an_opportunity_has_changes_nothing_and_says_so(prodops, workspace):
    ok(prodops("opportunity", "add", "Offline mode"))
    before = changes(workspace)
    result = prodops("opportunity", "status", "O-1", "exploring")
    assert ok(result).startswith("O-1 is exploring") and "O-1 is exploring already" in result.stderr
    assert changes(workspace) == before


def test_feedback_with_an_area_or_description_is_usage(prodops):
    ok(prodops("capture", "Offline mode please"))
    assert prodops("opportunity", "add", "Offline", "--feedback", "F-1", "--description", "x").returncode == 2


# --- retros --------------------------------------------------------------------------------


def test_a_retro_is_started_written_and_closed_from_the_shell(prodops, workspace):
    retro = json.loads(ok(prodops("retro", "new", "--team", "Payments", "--template", "sail",
                                  "--participant", "Ana, Bo", "--participant", "Cy", "--json")))
    assert {k: retro[k] for k in ("id", "team", "template", "phase", "participants", "columns")} == {
        "id": "R-1", "team": "Payments", "template": "Sailboat", "phase": "checkin",
        "participants": ["Ana", "Bo", "Cy"], "columns": ["Wind", "Anchors", "Rocks", "Island"]}

    early = prodops("retro", "card", "R-1", "Wind", "Pairing")
    assert "`prodops retro phase R-1 next` moves it on" in assert_one_line_error(early)
    assert ok(prodops("retro", "phase", "R-1", "next")).strip() == "R-1 is at Reflect"

    assert ok(prodops("--as", "Ana", "retro", "card", "R-1", "wind", "Pairing on reviews")).strip() == "R-1#1"
    card = json.loads(ok(prodops("retro", "card", "r-1", "2", "-", "--anonymous", "--json", stdin="Flaky CI\n")))
    assert card == {"id": "R-1#2", "retro": "R-1", "number": 2, "column": "Anchors", "text": "Flaky CI",
                    "author": None, "hidden": True, "created_at": FIXED_NOW}
    ok(prodops("retro", "card", "R-1", "Rocks", "Release on a Friday"))
    cards = stored(workspace, "R-1").cards
    assert [(c.column, c.author) for c in cards] == [("Wind", "Ana"), ("Anchors", ""), ("Rocks", TEST_USER)]

    assert ok(prodops("retro", "close", "R-1")).strip() == "R-1 closed: 3 cards, 0 groups, 0 actions (0 open)"
    closed = stored(workspace, "R-1")
    assert (closed.phase, closed.closed_at, all(not c.hidden for c in closed.cards)) == ("closed", FIXED_NOW, True)


@pytest.mark.parametrize(("args", "says"), [
    (("retro", "new", "--team", "Payments", "--template", "Retrospective-o-matic"), "no retro template 'Retrospective-o-matic'"),
    (("retro", "new", "--team", " "), "a retro needs a team"),
    (("retro", "new", "--team", "Payments", "--votes", "0"), "votes per person must be 1-20"),
    (("retro", "new", "--team", "Payments", "--template", "Launch"), "is about one product area"),
    (("retro", "card", "R-1", "Continue", "x"), "R-1 has no column 'Continue'; its columns: Wind, Anchors, Rocks, Island"),
    (("retro", "card", "R-1", "5", "x"), "R-1 has no column '5'"),
    (("retro", "card", "R-1", "Wind", "   "), "a card needs some text"),
    (("retro", "card", "R-9", "Wind", "x"), "no retro R-9"),
    (("retro", "close", "R-2"), "R-2 is closed already"),
    (("retro", "phase", "R-2", "next"), "R-2 is closed"),
])
def test_a_bad_retro_change_is_one_line_and_stores_nothing(prodops, workspace, args, says):
    ok(prodops("retro", "new", "--team", "Payments", "--template", "Sailboat"))
    ok(prodops("retro", "phase", "R-1", "next"))
    ok(prodops("retro", "new", "--team", "Growth"))
    ok(prodops("retro", "close", "R-2"))
    before = changes(workspace)
    assert says in assert_one_line_error(prodops(*args))
    assert changes(workspace) == before


def test_retro_close_makes_the_change_the_apps_last_phase_key_makes(tmp_path, prodops, workspace):
    """`]` from Actions in the app (board.move_phase) and `retro close` store the same retro."""
    ok(prodops("retro", "new", "--team", "Payments"))
    for _ in range(5):
        ok(prodops("retro", "phase", "R-1", "next"))
    assert stored(workspace, "R-1").phase == "actions"
    ok(prodops("retro", "close", "R-1"))
    by_cli = stored(workspace, "R-1")

    app_store = Store.open(tmp_path / "app", clock=fixed_clock)
    start = board.start_retro(app_store, SHIPPED_TEMPLATES[0], team="Payments", origin="app")
    for _ in range(6):
        board.move_phase(app_store, start.id, 1, origin="app")
    by_app = app_store.get(start.id)
    assert isinstance(by_app, Retro)
    assert by_cli.to_dict() == by_app.to_dict()
    assert app_store.undoable().label == "R-1: Closed" == app_undo(workspace).label
    app_store.close()


# --- checklists ----------------------------------------------------------------------------


def adopt(workspace: Path, name: str, *, recurrence: str = "") -> str:
    store = opened(workspace)
    try:
        made = checklists.add_checklist(store, checklists.ChecklistFile(
            name, (ChecklistStep(text="Inbox triaged to zero"), ChecklistStep(text="Stale feedback reviewed"),
                   ChecklistStep(text="Quotes shared in #product")), recurrence=recurrence))
        return made.id
    finally:
        store.close()


def test_a_run_is_started_and_ticked_by_who_acts_until_it_is_complete(prodops, workspace):
    adopt(workspace, "Launch checklist")
    started = prodops("checklist", "run", "launch")
    assert ok(started).splitlines()[:2] == ["CR-1 started: Launch checklist — 2026-11-24", "  [ ] 1. Inbox triaged to zero"]

    run = json.loads(ok(prodops("--as", "Ana", "checklist", "tick", "C-1", "1", "stale", "--json")))
    assert [(i["done"], i["done_by"], i["done_at"]) for i in run["items"]] == [
        (True, "Ana", FIXED_NOW), (True, "Ana", FIXED_NOW), (False, None, None)]
    assert run["completed_at"] is None

    done = ok(prodops("checklist", "tick", "CR-1", "3"))
    assert done.splitlines()[0] == "CR-1 complete: Launch checklist — 2026-11-24"
    assert f"[x] 3. Quotes shared in #product  ({TEST_USER})" in done
    assert stored(workspace, "CR-1").completed_at == FIXED_NOW

    reopened = json.loads(ok(prodops("checklist", "tick", "CR-1", "1", "--untick", "--json")))
    assert (reopened["completed_at"], reopened["items"][0]["done"]) == (None, False)


def test_ticking_a_ticked_item_again_keeps_who_ticked_it_and_stores_nothing(prodops, workspace):
    adopt(workspace, "Launch checklist")
    ok(prodops("checklist", "run", "C-1"))
    ok(prodops("--as", "Ana", "checklist", "tick", "CR-1", "1"))
    before = changes(workspace)
    again = prodops("--as", "Bo", "checklist", "tick", "CR-1", "1")
    assert "CR-1 item 1 is ticked already" in again.stderr and again.returncode == 0
    assert changes(workspace) == before
    assert stored(workspace, "CR-1").steps[0].done_by == "Ana"


def test_a_scheduled_checklist_runs_for_its_next_occurrence_once_then_only_on_purpose(prodops, workspace):
    adopt(workspace, "PM weekly hygiene", recurrence="weekly on monday")
    first = json.loads(ok(prodops("checklist", "run", "PM weekly hygiene", "--json")))
    assert first["due_at"].startswith("2026-11-30")  # the next Monday: none was due since it was adopted
    again = prodops("checklist", "run", "C-1")
    assert "has a run for every occurrence due and the next one (CR-1 going); --now starts one" in assert_one_line_error(again)
    extra = json.loads(ok(prodops("checklist", "run", "C-1", "--now", "--json")))
    assert (extra["id"], extra["due_at"]) == ("CR-2", None)
    assert "C-1 has 2 runs going (CR-1, CR-2): name the run" in assert_one_line_error(prodops("checklist", "tick", "C-1", "1"))


@pytest.mark.parametrize(("args", "says"), [
    (("checklist", "run", "Nope"), "no checklist 'Nope'; the checklists: C-1 Launch checklist"),
    (("checklist", "tick", "CR-1", "4"), "CR-1 has no item 4 (it has 3)"),
    (("checklist", "tick", "CR-1", "1", "rollback"), "no item of CR-1 says 'rollback'"),
    (("checklist", "tick", "CR-1", "e"), "'e' is in items 1, 2, 3 of CR-1: give the number"),
    (("checklist", "tick", "CR-9", "1"), "no checklist run CR-9"),
    (("checklist", "tick", "Nope", "1"), "no checklist 'Nope'"),
    (("checklist", "run", "C-1", "--due", "2026-12-25"), "has no occurrence on 2026-12-25 to start"),
    (("checklist", "run", "C-1", "--due", "whenever"), "whenever"),
])
def test_a_bad_checklist_change_is_one_line_and_stores_nothing(prodops, workspace, args, says):
    adopt(workspace, "Launch checklist")
    ok(prodops("checklist", "run", "C-1"))
    before = changes(workspace)
    assert says in assert_one_line_error(prodops(*args))
    assert changes(workspace) == before
    assert not any(step.done for step in stored(workspace, "CR-1").steps)


# --- the app's undo takes back what the shell did ------------------------------------------


def _area_and_person(workspace: Path) -> None:
    store = opened(workspace)
    ownership.add_area(store, "Billing", origin="app")
    people.add_person(store, "Priya Raman", origin="app")
    store.close()


@pytest.mark.parametrize(("args", "label", "record", "before"), [
    (("area", "add", "Invoices", "--under", "Billing"), "added area Invoices under Billing", "A-3", None),
    (("area", "rename", "Billing", "Invoicing"), "renamed area Billing to Invoicing", "A-1", {"name": "Billing"}),
    (("area", "move", "Tax", "--top"), "moved Billing / Tax to the top level", "A-2", {"parent": "A-1"}),
    (("area", "remove", "Billing"), "deleted area Billing", "A-1", {"name": "Billing"}),
    (("person", "add", "Ana Souza"), "added person Ana Souza", "P-2", None),
    (("person", "leave", "P-1"), "Priya Raman has left", "P-1", {"active": True, "left_at": None}),
    (("opportunity", "add", "Offline mode"), "created opportunity “Offline mode”", "O-1", None),
])
def test_the_apps_undo_takes_back_a_change_made_from_the_shell(prodops, workspace, args, label, record, before):
    store = opened(workspace)
    ownership.add_area(store, "Billing", origin="app")
    ownership.add_area(store, "Tax", parent="A-1", origin="app")
    people.add_person(store, "Priya Raman", origin="app")
    store.close()
    ok(prodops(*args))
    assert stored(workspace, record) is not None if before is None else True
    undone = app_undo(workspace)
    assert (undone.label, undone.origin) == (label, "cli")
    restored = stored(workspace, record)
    if before is None:
        assert restored is None
    else:
        assert {name: getattr(restored, name) for name in before} == before


def test_the_apps_undo_takes_back_a_retro_card_a_status_and_a_tick(prodops, workspace):
    ok(prodops("retro", "new", "--team", "Payments"))
    ok(prodops("retro", "phase", "R-1", "next"))
    ok(prodops("retro", "card", "R-1", "Start", "Pair on reviews"))
    assert app_undo(workspace).label == "R-1: card in Start"
    assert stored(workspace, "R-1").cards == []

    ok(prodops("opportunity", "add", "Offline mode"))
    ok(prodops("opportunity", "status", "O-1", "planned"))
    assert app_undo(workspace).label == "O-1 planned"
    opportunity = stored(workspace, "O-1")
    assert isinstance(opportunity, Opportunity) and (opportunity.status, opportunity.decided_at) == ("exploring", None)

    adopt(workspace, "Launch checklist")
    ok(prodops("checklist", "run", "C-1"))
    ok(prodops("checklist", "tick", "CR-1", "2"))
    assert app_undo(workspace).label == "CR-1: ticked item 2"
    run = stored(workspace, "CR-1")
    assert isinstance(run, ChecklistRun) and not run.steps[1].done
    assert app_undo(workspace).label == "started Launch checklist — 2026-11-24"
    assert stored(workspace, "CR-1") is None


def test_every_change_from_the_shell_is_one_undo_step(prodops, workspace):
    ok(prodops("area", "add", "Billing"))
    ok(prodops("capture", "Invoices are slow", "--area", "Billing"))
    before = changes(workspace)
    ok(prodops("area", "remove", "Billing"))  # the area and its feedback's area: one change
    assert changes(workspace) == before + 1
    app_undo(workspace)
    item = stored(workspace, "F-1")
    assert isinstance(item, FeedbackItem) and item.area == "A-1"


def test_every_building_command_prints_one_json_value_with_json(prodops, workspace):
    adopt(workspace, "Launch checklist")
    ok(prodops("capture", "Offline mode please"))
    lines = [
        ("area", "add", "Billing"), ("area", "add", "Tax"), ("area", "rename", "Tax", "Taxes"),
        ("area", "move", "Taxes", "--under", "Billing"), ("area", "remove", "Taxes"),
        ("person", "add", "Ana Souza"), ("person", "leave", "Ana Souza"),
        ("opportunity", "add", "Offline mode", "--feedback", "F-1"), ("opportunity", "status", "O-1", "planned"),
        ("retro", "new", "--team", "Payments"), ("retro", "phase", "R-1", "next"),
        ("retro", "card", "R-1", "1", "Pair on reviews"), ("retro", "phase", "R-1", "back"), ("retro", "close", "R-1"),
        ("checklist", "run", "C-1"), ("checklist", "tick", "CR-1", "1", "2"),
    ]
    for args in lines:
        value = json.loads(ok(prodops(*args, "--json")))
        assert isinstance(value, dict) and value, args
