"""`prodops history [ID] [--json] [--limit N]`: who changed what, when, newest first, from the
undo records the store keeps; with an ID, only the changes that touched that record. Text shows
the reader's local time, JSON ISO-8601 UTC."""

from __future__ import annotations

import json
import time

import pytest

from prodops_tui.core.storage.store import Store

from ..conftest import FIXED_NOW, TEST_USER, fixed_clock
from .test_cli import assert_one_line_error

def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def built(prodops):
    """Three changes from the shell: an area, an opportunity, a rename of the area."""
    ok(prodops("area", "add", "Billing"))
    ok(prodops("opportunity", "add", "Offline mode"))
    ok(prodops("area", "rename", "A-1", "Invoicing"))
    return prodops


def test_history_lists_every_change_newest_first_with_when_and_what(built):
    entries = json.loads(ok(built("history", "--json")))
    assert [(e["label"], e["records"], e["origin"]) for e in entries] == [
        ("renamed area Billing to Invoicing", ["A-1"], "cli"),
        ("created opportunity “Offline mode”", ["O-1"], "cli"),
        ("added area Billing", ["A-1"], "cli"),
    ]
    assert {e["changed_at"] for e in entries} == {FIXED_NOW}
    assert [e["id"] for e in entries] == ["H-3", "H-2", "H-1"]
    assert set(entries[0]) >= {"id", "changed_at", "changed_by", "label", "origin", "records", "record_count",
                               "undone_by", "undoes"}


def test_history_of_one_record_lists_only_the_changes_that_touched_it(built):
    entries = json.loads(ok(built("history", "a-1", "--json")))
    assert [e["label"] for e in entries] == ["renamed area Billing to Invoicing", "added area Billing"]
    assert [e["label"] for e in json.loads(ok(built("history", "O-1", "--json")))] == ["created opportunity “Offline mode”"]
    assert len(json.loads(ok(built("history", "--limit", "2", "--json")))) == 2


def test_a_cards_history_is_its_retros(prodops):
    ok(prodops("retro", "new", "--team", "Payments"))
    ok(prodops("retro", "phase", "R-1", "next"))
    ok(prodops("retro", "card", "R-1", "Start", "Pair on reviews"))
    labels = [e["label"] for e in json.loads(ok(prodops("history", "R-1#1", "--json")))]
    assert labels[:2] == ["R-1: card in Start", "R-1: Reflect"]


def test_an_undo_shows_in_the_history_and_marks_what_it_took_back(built, workspace):
    store = Store.open(workspace, clock=fixed_clock)
    store.undo(origin="app")  # `u` in the app
    store.close()
    entries = json.loads(ok(built("history", "A-1", "--json")))
    assert [(e["label"], e["origin"], e["undoes"], e["undone_by"]) for e in entries] == [
        ("undo: renamed area Billing to Invoicing", "app", "H-3", None),
        ("renamed area Billing to Invoicing", "cli", None, "H-4"),
        ("added area Billing", "cli", None, None),
    ]
    assert "(undone by H-4)" in ok(built("history", "A-1")).splitlines()[1]


def test_history_names_who_acted_as_given_by_as(prodops):
    ok(prodops("--as", "Ana Souza", "area", "add", "Billing"))
    ok(prodops("person", "add", "Priya Raman"))
    entries = json.loads(ok(prodops("history", "--json")))
    assert [(e["label"], e["changed_by"]) for e in entries] == [
        ("added person Priya Raman", TEST_USER), ("added area Billing", "Ana Souza")]
    assert "Ana Souza" in ok(prodops("history", "A-1"))


@pytest.fixture
def new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_text_shows_the_readers_local_time_and_json_utc(built, new_york):
    lines = ok(built("history")).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Tue 24 Nov 2026 10:00  ")  # 15:00 UTC is 10:00 in New York in November
    assert lines[0].endswith("renamed area Billing to Invoicing  (A-1)  [cli, H-3]")
    assert json.loads(ok(built("history", "--json")))[0]["changed_at"] == "2026-11-24T15:00:00Z"


def test_a_record_nobody_changed_since_is_an_empty_history_not_an_error(prodops, workspace):
    store = Store.open(workspace, clock=fixed_clock)
    with store.change("imported", history=False) as tx:  # what an import's bookkeeping looks like
        from prodops_tui.core.model import ProductArea

        tx.add(ProductArea(name="Billing"))
    store.close()
    assert json.loads(ok(prodops("history", "A-1", "--json"))) == []
    assert ok(prodops("history", "A-1")).strip() == "no change to A-1 in the history"


@pytest.mark.parametrize(("args", "says"), [
    (("history", "A-99"), "no item A-99, and no change to one in the history"),
    (("history", "billing"), "'billing' is not an id like F-12"),
])
def test_an_id_that_names_nothing_is_one_line(built, args, says):
    assert says in assert_one_line_error(built(*args))


def test_a_limit_below_one_is_usage(built):
    assert built("history", "--limit", "0").returncode == 2
