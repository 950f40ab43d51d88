"""Every key of the app in one catalogue, and the user's keymap over it.

The bindings are declared once, in BINDINGS with an id, on the app, the panes, the screens
and the lists. This module lists them (for `prodops keys`, the palette, the help screen and
the README's key table) and reads the keymap from the settings file: a JSON object of binding
id to keys, e.g. `"keymap": {"inbox.archive": "E", "list.down": "j,down,ctrl+n"}`. A bad entry
is one warning line naming it; the rest still applies."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, Keys, _character_to_key, format_key, key_to_character

from .panes.areas import AreasPane
from .panes.checklists import ChecklistsPane
from .panes.inbox import InboxPane
from .panes.metrics import MetricsPane
from .panes.retro import RetroPane
from .screens.area_form import AreaForm
from .screens.feedback_form import FeedbackForm
from .screens.help import HelpScreen
from .screens.opportunities import OpportunitiesScreen
from .screens.opportunity_loop import LoopScreen
from .screens.opportunity_push import PushScreen
from .screens.pickers import ChoiceScreen, DateScreen, SearchPickerScreen, TextScreen
from .screens.retro_forms import ActionForm, CardForm, NewRetroForm, NotesForm
from .screens.search import SearchScreen
from .widgets.area_tree import AreaTree
from .widgets.feedback_list import FeedbackList
from .widgets.key_list import KeyList

# Where each set of keys works, in the order they are listed. The app's own keys are
# "anywhere" and come first (the app class is passed in: this module is below it).
SCOPES: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("lists", (FeedbackList, KeyList, AreaTree)),
    ("Inbox", (InboxPane,)),
    ("Areas", (AreasPane,)),
    ("Retro", (RetroPane,)),
    ("Checklists & nudges", (ChecklistsPane,)),
    ("Metrics", (MetricsPane,)),
    ("search", (SearchScreen,)),
    ("opportunities", (OpportunitiesScreen,)),
    ("close the loop", (LoopScreen,)),
    ("push", (PushScreen,)),
    ("pickers", (ChoiceScreen, DateScreen, TextScreen, SearchPickerScreen)),
    ("forms", (FeedbackForm, AreaForm, NewRetroForm, CardForm, ActionForm, NotesForm)),
    ("help", (HelpScreen,)),
)
_MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}
_KEY_NAMES = {k.value for k in Keys} | set(KEY_NAME_REPLACEMENTS) | set(KEY_NAME_REPLACEMENTS.values())


@dataclass(frozen=True)
class KeyEntry:
    id: str
    key: str  # Textual's key names, comma-separated ("j,down")
    where: str
    description: str
    tooltip: str
    show: bool  # shown in the footer
    action: str

    @property
    def display(self) -> str:
        """How the keys read on screen: "/" rather than "slash"."""
        return " ".join(format_key(key) for key in self.key.split(","))

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "display": self.display, "where": self.where,
                "description": self.description, "tooltip": self.tooltip}


def own_bindings(cls: type) -> list[Binding]:
    """The bindings a class of ours declares, with its mixins', not Textual's inherited ones."""
    found: list[Binding] = []
    for klass in cls.__mro__:
        if not klass.__module__.startswith("prodops_tui."):
            continue
        found.extend(b for b in klass.__dict__.get("BINDINGS", []) if isinstance(b, Binding))
    return found


def catalogue(app_type: type, keymap: Mapping[str, str] | None = None) -> list[KeyEntry]:
    """Every binding with an id, once each, in scope order, with `keymap` applied."""
    keymap = keymap or {}
    entries: dict[str, KeyEntry] = {}
    for where, classes in (("anywhere", (app_type,)), *SCOPES):
        for cls in classes:
            for binding in own_bindings(cls):
                if not binding.id or binding.id in entries:
                    continue
                entries[binding.id] = KeyEntry(
                    id=binding.id, key=keymap.get(binding.id, binding.key), where=where,
                    description=binding.description, tooltip=binding.tooltip or "", show=binding.show,
                    action=binding.action,
                )
    return list(entries.values())


def with_keymap(bindings: Iterable[Binding], keymap: Mapping[str, str]) -> list[Binding]:
    """The bindings as the keymap makes them (for screens that list keys, like help)."""
    return [replace(b, key=keymap[b.id], key_display=None) if b.id is not None and b.id in keymap else b for b in bindings]


def _is_key(key: str) -> bool:
    parts = key.split("+")
    *modifiers, name = parts
    if any(m not in _MODIFIERS for m in modifiers) or not name:
        return False
    if len(name) == 1:
        return name.isprintable()
    if name in _KEY_NAMES:
        return True
    try:  # "question_mark", "left_square_bracket": the long names of characters
        character = unicodedata.lookup(name.replace("_", " ").upper())
    except KeyError:
        return False
    return _character_to_key(character) == name


def read_keymap(raw: Any, known_ids: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """The keymap from the settings file's "keymap" value, and one warning per bad entry."""
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, ['keymap: expected an object of binding id to keys, like {"inbox.archive": "E"}']
    known = set(known_ids)
    keymap: dict[str, str] = {}
    warnings: list[str] = []
    for binding_id, keys in raw.items():
        if binding_id not in known:
            warnings.append(f"keymap: no key has the id {binding_id!r} (prodops keys lists them)")
            continue
        if not isinstance(keys, str) or not keys.strip():
            warnings.append(f'keymap: {binding_id} needs its keys as text, like "ctrl+e" or "e,E"')
            continue
        names = [k.strip() for k in keys.split(",")]
        bad = [k for k in names if not _is_key(k)]
        if bad:
            warnings.append(f"keymap: {binding_id} = {keys!r}: {bad[0]!r} is not a key name (examples: e, E, ctrl+e, f5, pagedown)")
            continue
        keymap[binding_id] = ",".join(names)
    return keymap, warnings


def _readable(key: str) -> str:
    """A key as the README spells it: "?" for question_mark, "/" for slash, "enter" stays "enter"."""
    for shown in (key_to_character(key) if key != "space" else None, format_key(key)):
        if shown and len(shown) == 1 and shown.isascii() and shown.isprintable() and shown not in "` ":
            return shown
    return key


def markdown_table(entries: Iterable[KeyEntry]) -> str:
    """The README's key table: one row per key, where it works, and what it does."""
    lines = ["| key | where | does | id |", "|---|---|---|---|"]
    for entry in entries:
        keys = " ".join(f"`{_readable(k)}`" for k in entry.key.split(","))
        tip = entry.tooltip
        if not tip or tip == entry.description:
            does = entry.description
        elif tip.startswith(entry.description):
            does = tip
        else:
            does = f"{entry.description}: {tip}"
        lines.append(f"| {keys} | {entry.where} | {does.replace('|', '/')} | `{entry.id}` |")
    return "\n".join(lines) + "\n"
