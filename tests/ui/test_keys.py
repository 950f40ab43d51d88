"""Keys users can change: one catalogue of bindings feeds the footer, help, the palette,
`prodops keys` and the key table of docs/REFERENCE.md; a keymap in the settings file remaps any
key by its id."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from pathlib import Path

from textual.binding import Binding

import prodops_tui.ui
from prodops_tui.core.feedback import inbox
from prodops_tui.ui.app import ProdopsApp
from prodops_tui.ui.keys import SCOPES, catalogue, markdown_table, own_bindings
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
