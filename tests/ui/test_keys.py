"""Keys users can change: one catalogue of bindings feeds the footer, help, the palette,
`prodops keys` and the key table of docs/REFERENCE.md; a keymap in the settings file remaps any
key by its id."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from pathlib import Path

import pytest

from textual.binding import Binding

import prodops_tui.ui
from prodops_tui.core.feedback import inbox
from prodops_tui.ui.app import ProdopsApp
from prodops_tui.ui.keys import SCOPES, catalogue, markdown_table, own_bindings, read_keymap
from prodops_tui.ui.screens.help import HelpScreen
from prodops_tui.ui.screens.import_feedback import ImportScreen

from ..conftest import REPO
from .conftest import messages, settle

SIZE = (140, 40)


def write_keymap(tmp_path: Path, keymap) -> None:
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "settings.json").write_text(json.dumps({"keymap": keymap}))


def test_the_reference_key_table_is_the_one_the_bindings_make():
    reference = (REPO / "docs" / "REFERENCE.md").read_text(encoding="utf-8")
    start = reference.index("<!-- keys: generated")
    shown = reference[reference.index("\n", start) + 1:reference.index("<!-- keys: end -->")]
    assert shown == markdown_table(catalogue(ProdopsApp)), \
        "docs/REFERENCE.md drifted: paste `prodops keys --markdown` between the keys markers"
    # One table: a second copy elsewhere (the README held one) would drift unchecked.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "| key | where | does | id |" not in readme and "docs/REFERENCE.md#keys" in readme


def test_every_binding_has_an_id_and_every_class_with_keys_is_in_the_catalogue():
    for module in pkgutil.walk_packages(prodops_tui.ui.__path__, "prodops_tui.ui."):
        importlib.import_module(module.name)
    covered = {klass for _, classes in SCOPES for cls in classes for klass in cls.__mro__} | set(ProdopsApp.__mro__)
    with_keys = {
        cls for module in list(__import__("sys").modules.values()) if getattr(module, "__name__", "").startswith("prodops_tui.ui")
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__.startswith("prodops_tui.ui") and any(isinstance(b, Binding) for b in cls.__dict__.get("BINDINGS", []))
    }
    assert {cls.__qualname__ for cls in with_keys - covered} == set()
    assert [f"{cls.__qualname__}: {b.key}" for cls in with_keys for b in own_bindings(cls) if not b.id] == []


async def test_a_remapped_key_acts_and_the_old_one_does_not_and_footer_and_help_show_it(demo_store, make_app, tmp_path):
    write_keymap(tmp_path, {"inbox.archive": "E"})
    first, second = [item.id for item in inbox.list_feedback(demo_store, status="new")[:2]]
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert demo_store.get(first).status == "new"
        await pilot.press("E")
        await pilot.pause()
        assert demo_store.get(first).status == "archived" and demo_store.get(second).status == "new"
        footer_keys = {key for key, active in app.screen.active_bindings.items() if active.binding.id == "inbox.archive"}
        assert footer_keys == {"E"}
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = "\n".join(str(column.content) for column in app.screen.query(".help-column"))
        assert "E Archive" in " ".join(shown.split())


async def test_bad_keymap_entries_are_named_in_one_warning_and_the_rest_applies(demo_store, make_app, tmp_path):
    write_keymap(tmp_path, {"inbox.archive": "E", "inbox.nope": "x", "app.undo": "ctrl+zz", "app.help": 5})
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        (warning,) = [m for m in messages(app) if "keymap" in m]
        assert "'inbox.nope'" in warning and "'ctrl+zz'" in warning and "app.help" in warning
        assert app.keymap == {"inbox.archive": "E"}


async def test_the_palette_offers_every_app_action_and_each_panes_actions_from_their_bindings(demo_store, make_app):
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")  # from the Areas pane
        titles = {command.title: command for command in app.get_system_commands(app.screen)}
        assert {"Search", "Undo", "Help", "Inbox", "Retro"} <= titles.keys()
        assert {"Inbox: Archive", "Inbox: Import", "Areas: Who owns?", "Retro: New retro"} <= titles.keys()
        titles["Inbox: Import"].callback()
        await settle(pilot)
        assert isinstance(app.screen, ImportScreen)
        assert app.query_one("#panes").current == "inbox"


def test_prodops_keys_prints_the_bindings_after_the_keymap(prodops, tmp_path):
    write_keymap(tmp_path, {"inbox.archive": "E", "nope": "x"})
    result = prodops("keys", "--json")
    assert result.returncode == 0
    entries = {e["id"]: e for e in json.loads(result.stdout)}
    assert entries["inbox.archive"]["key"] == "E" and entries["inbox.archive"]["where"] == "Inbox"
    assert entries["app.search"] == {**entries["app.search"], "key": "slash", "display": "/", "where": "anywhere"}
    assert result.stderr.strip() == "prodops: warning: keymap: no key has the id 'nope' (prodops keys lists them)"
    text = prodops("keys").stdout.splitlines()
    assert any(line.startswith("E ") and "Archive" in line and "(inbox.archive)" in line for line in text)


# --- a keymap that gives a key to a second binding -------------------------------------------


def test_a_keymap_key_another_binding_has_is_a_warning_naming_both_and_the_first_keeps_it(prodops, tmp_path):
    write_keymap(tmp_path, {"inbox.archive": "a"})
    result = prodops("keys", "--json")
    assert result.returncode == 0
    (warning,) = result.stderr.splitlines()
    assert warning.startswith("prodops: warning: keymap: inbox.archive = 'a'")
    assert "Area (inbox.area, Inbox)" in warning and "Archive (inbox.archive) is on e" in warning
    entries = {e["id"]: e for e in json.loads(result.stdout)}
    assert entries["inbox.area"]["key"] == "a" and entries["inbox.archive"]["key"] == "e"
    assert not entries["inbox.area"]["remapped"] and not entries["inbox.archive"]["remapped"]


def test_keys_the_keymap_gives_are_marked_as_the_users_in_every_listing(prodops, tmp_path):
    # Area and Archive swap keys: each key is free once the other binding has moved away.
    write_keymap(tmp_path, {"inbox.area": "e", "inbox.archive": "a,E", "list.down": "j,down"})
    result = prodops("keys", "--json")
    assert result.stderr == ""
    entries = {e["id"]: e for e in json.loads(result.stdout)}
    assert (entries["inbox.area"]["key"], entries["inbox.archive"]["key"]) == ("e", "a,E")
    assert {binding_id for binding_id, e in entries.items() if e["remapped"]} == {"inbox.area", "inbox.archive"}  # j,down is list.down's own
    text = prodops("keys").stdout.splitlines()
    assert [line.split("  ")[0] for line in text if "(inbox.archive)" in line or "(inbox.area)" in line] == ["e (your keymap)", "a E (your keymap)"]
    assert [line for line in text if "(your keymap)" in line and "inbox.a" not in line] == []
    table = prodops("keys", "--markdown").stdout.splitlines()
    assert [line.split(" | ")[0] for line in table if "inbox.ar" in line] == ["| `e` (your keymap)", "| `a` `E` (your keymap)"]


@pytest.mark.parametrize(
    ("keymap", "clash"),
    [
        ({"retro.export": "a"}, None),  # a is an Inbox key: the Retro never has it
        ({"inbox.archive": "t"}, "Tags (inbox.tags, Inbox)"),
        ({"inbox.archive": "question_mark"}, "Help (app.help, anywhere)"),  # the app's keys work in the inbox too
        ({"inbox.archive": "k"}, "Up (list.up, lists)"),  # and so do the inbox list's
        ({"app.search": "d"}, "Delete (areas.delete, Areas)"),
        ({"list.mark": "w"}, "Who owns? (areas.who, Areas)"),
        ({"opportunities.link": "t"}, None),  # a screen's keys shadow the panes' beneath it
    ],
    ids=["other-pane", "same-pane", "app-wide", "list", "app-key-on-a-pane-key", "list-key-on-a-pane-key", "screen"],
)
def test_a_clash_is_where_both_keys_work(prodops, tmp_path, keymap, clash):
    write_keymap(tmp_path, keymap)
    result = prodops("keys", "--json")
    (binding_id, key), = keymap.items()
    entries = {e["id"]: e for e in json.loads(result.stdout)}
    if clash is None:
        assert result.stderr == "" and entries[binding_id]["key"] == key
    else:
        assert clash in result.stderr and entries[binding_id]["key"] != key


def test_one_left_without_a_key_keeps_its_own_and_a_later_keymap_entry_gives_way_to_it():
    # Area asks for Archive's e and gives up a; Tags asks for a. Area cannot have e, so it keeps a,
    # and then Tags cannot have a: no binding is left with no key, and both are named.
    entries = catalogue(ProdopsApp)
    keymap, warnings = read_keymap({"inbox.area": "e", "inbox.tags": "a"}, entries)
    assert keymap == {}
    assert [w.split(" clashes")[0] for w in warnings] == ["keymap: inbox.area = 'e'", "keymap: inbox.tags = 'a'"]
    keys = {e.id: e.key for e in catalogue(ProdopsApp, keymap)}
    assert (keys["inbox.area"], keys["inbox.tags"], keys["inbox.archive"]) == ("a", "t", "e")


async def test_in_the_app_a_clashing_key_keeps_its_binding_and_the_warning_shows_once(demo_store, make_app, tmp_path):
    write_keymap(tmp_path, {"inbox.archive": "a"})
    first = inbox.list_feedback(demo_store, status="new")[0].id
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        (warning,) = [m for m in messages(app) if "keymap" in m]
        assert "inbox.archive" in warning and "inbox.area" in warning
        await pilot.press("a")
        await settle(pilot)
        assert demo_store.get(first).status == "new" and app.screen is not app.screen_stack[0]  # the area picker
        await pilot.press("escape")
        await pilot.press("e")
        await pilot.pause()
        assert demo_store.get(first).status == "archived"
