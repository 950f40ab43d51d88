"""Who acts: --as, then $PRODOPS_USER, the settings, git's user.name, the login (docs/REFERENCE.md)."""

from __future__ import annotations

import pytest

from prodops_tui.core import identity


@pytest.fixture
def git_says(monkeypatch):
    def set_name(name: str) -> None:
        monkeypatch.setattr(identity, "git_user_name", lambda timeout=0.5: name)

    monkeypatch.setattr(identity, "login_name", lambda: "root")
    return set_name


def test_the_first_name_given_wins_in_the_contracts_order(git_says):
    git_says("Git Name")
    env = {"PRODOPS_USER": "Env Name"}
    assert identity.resolve_actor("Flag Name", env=env, settings_name="Set Name") == identity.Actor("Flag Name", "--as")
    assert identity.resolve_actor(None, env=env, settings_name="Set Name") == identity.Actor("Env Name", "PRODOPS_USER")
    assert identity.resolve_actor(None, env={}, settings_name="Set Name") == identity.Actor("Set Name", "settings")
    assert identity.resolve_actor(None, env={}, settings_name=None) == identity.Actor("Git Name", "git")
    git_says("")
    assert identity.resolve_actor(None, env={}, settings_name="  ") == identity.Actor("root", "login")


def test_a_name_is_one_clean_line_and_only_a_given_one_counts_as_chosen(git_says):
    git_says("Git Name")
    actor = identity.resolve_actor("Ana\x1b[31m Souza\n", env={})
    assert actor.name == "Ana[31m Souza" and actor.chosen
    assert not identity.resolve_actor(None, env={}).chosen


def test_who_acts_is_found_only_when_a_change_is_signed(store):
    """Reading asks nobody (a `git config` costs a process); every change is signed, so the
    history says who made it, and the name is asked once per process."""
    from prodops_tui.core.feedback import inbox
    from prodops_tui.core.history import history

    asked: list[int] = []
    store.actor_from(lambda: asked.append(1) or "Ana Souza")
    inbox.list_feedback(store, status="all")
    assert asked == []  # reading signs nothing
    item = inbox.capture(store, "Export drops the VAT column", origin="cli")
    inbox.update(store, [item.id], inbox.Triage(status="processed"), origin="cli")
    assert asked == [1] and store.get(item.id).triaged_by == "Ana Souza"
    assert [entry.changed_by for entry in history(store)] == ["Ana Souza", "Ana Souza"]
