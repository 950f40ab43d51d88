"""What keeps the command line fast on a big workspace: a change never waits for a fold, and
a command reads only the records it needs (issue 13; bench/run.py measures the times)."""

from __future__ import annotations

import json

import pytest

from prodops_tui import cli
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage import store as store_module
from prodops_tui.core.storage.store import Store

from ..conftest import fixed_clock


@pytest.fixture
def opened(monkeypatch) -> list[Store]:
    """Every store the commands open, to see what each one read."""
    stores: list[Store] = []
    real_open = Store.open

    def remember(*args, **kwargs):
        stores.append(real_open(*args, **kwargs))
        return stores[-1]

    monkeypatch.setattr(Store, "open", remember)
    return stores


def test_a_change_that_makes_a_fold_due_leaves_it_to_a_background_process(prodops, workspace, monkeypatch):
    prodops("capture", "first")
    started = []
    monkeypatch.setattr(cli, "fold_in_background", lambda directory, clock: started.append(directory))
    monkeypatch.setattr(store_module.Store, "fold_due", lambda self: True)
    snapshot_inode = (workspace / "prodops.json").stat().st_ino
    result = prodops("capture", "second")
    assert result.returncode == 0, result.stderr
    assert started == [workspace]
    assert (workspace / "prodops.json").stat().st_ino == snapshot_inode  # not folded in the command
    assert "second" in (workspace / "journal.jsonl").read_text()


def test_compact_folds_the_journal_into_the_tinydb_file(prodops, workspace):
    prodops("capture", "kept")
    assert (workspace / "journal.jsonl").exists()
    result = prodops("compact")
    assert result.returncode == 0 and "folded" in result.stdout
    assert not (workspace / "journal.jsonl").exists()
    assert prodops("compact").stdout.strip() == "nothing to fold"
    from tinydb import TinyDB

    with TinyDB(workspace / "prodops.json") as plain:
        assert [doc["text"] for doc in plain.table("feedback").all()] == ["kept"]


def test_update_reads_the_item_it_changes_not_every_feedback_item(prodops, workspace, opened):
    with Store.open(workspace, clock=fixed_clock).change("bulk") as tx:
        for n in range(200):
            tx.add(FeedbackItem(text=f"item {n}"))
    assert prodops("update", "F-7", "--status", "processed").returncode == 0
    assert opened[-1].loads[FeedbackItem.KIND] == 0
    assert prodops("list", "feedback", "--status", "processed").stdout.count("F-7") == 1


def test_search_still_answers_when_its_stored_words_cannot_be_written(prodops, workspace, monkeypatch):
    import sqlite3

    from prodops_tui.core.search import stored

    prodops("capture", "Quokka invoices are late")

    def unwritable(path, **_kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(stored, "open_derived", unwritable)
    result = prodops("search", "quokka")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("F-1 ")


def test_list_with_a_limit_shows_the_newest_and_reads_only_what_it_shows(prodops, workspace, opened):
    assert prodops("demo").returncode == 0
    for args in ((), ("--status", "all"), ("--filter", "tag:export"), ("--status", "all", "--filter", "importance:high since:30d")):
        whole = prodops("list", "feedback", *args, "--json")
        limited = prodops("list", "feedback", *args, "--limit", "3", "--json")
        assert limited.returncode == 0, limited.stderr
        expected = [item["id"] for item in json.loads(whole.stdout)][:3]
        assert expected, args  # the demo has something in each of these views
        assert [item["id"] for item in json.loads(limited.stdout)] == expected, args
    assert prodops("list", "feedback", "--limit", "2").returncode == 0
    assert opened[-1].loads[FeedbackItem.KIND] == 0
    assert prodops("list", "feedback", "--limit", "0").returncode == 2


def test_nudges_read_the_fields_they_need_not_every_feedback_item(prodops, workspace, opened):
    from prodops_tui.core.rituals.nudges import due_nudges

    assert prodops("demo").returncode == 0
    everything = Store.open(workspace, clock=fixed_clock)
    everything.load_all()  # the same nudges computed from every record in memory
    in_memory = [n.title for n in due_nudges(everything).shown]
    result = prodops("nudges", "--json")
    shown = [n["title"] for n in json.loads(result.stdout)]
    assert shown == in_memory and any("feedback" in title for title in shown)
    assert opened[-1].loads[FeedbackItem.KIND] == 0
