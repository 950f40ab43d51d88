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
# Where a list's keys work too: the panes and screens that hold one of the lists above. The
# app's keys ("anywhere") work in every scope; the other scopes are apart from each other.
LIST_HOLDERS = frozenset({"Inbox", "Areas", "Retro", "Checklists & nudges", "Metrics", "opportunities", "close the loop"})
YOUR_KEYMAP = "(your keymap)"


@dataclass(frozen=True)
class KeyEntry:
    id: str
    key: str  # Textual's key names, comma-separated ("j,down")
    where: str
    description: str
    tooltip: str
    show: bool  # shown in the footer
    action: str
    remapped: bool = False  # the keys are the user's keymap's, not the built-in ones

    @property
    def keys_display(self) -> str:
        """How the keys read on screen: "/" rather than "slash"."""
        return " ".join(format_key(key) for key in self.key.split(","))

    @property
    def display(self) -> str:
        """The keys as `prodops keys` and the palette list them, marked when they are the user's."""
        return f"{self.keys_display} {YOUR_KEYMAP}" if self.remapped else self.keys_display

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "display": self.keys_display, "where": self.where,
                "description": self.description, "tooltip": self.tooltip, "remapped": self.remapped}


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
                    id=binding.id, key=binding.key, where=where,
                    description=binding.description, tooltip=binding.tooltip or "", show=binding.show,
                    action=binding.action,
                )
    _BUILT_IN.update(entries)
    return [
        replace(entry, key=keymap[entry.id], remapped=_keys(keymap[entry.id]) != _keys(entry.key)) if entry.id in keymap else entry
        for entry in entries.values()
    ]


# The built-in bindings the last catalogue() listed, by id: read_keymap() looks a keymap's clashes
# up here when it is given ids only (its callers build the catalogue just before).
_BUILT_IN: dict[str, KeyEntry] = {}


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


def _key_name(key: str) -> str:
    """One key as Textual matches it: "?" and "question_mark" are one key."""
    *modifiers, name = key.split("+")
    if len(name) == 1:
        name = _character_to_key(name)
    return "+".join([*modifiers, name])


def _keys(keys: str) -> list[str]:
    return [_key_name(k) for k in keys.split(",")]


def scopes_overlap(a: str, b: str) -> bool:
    """Whether keys of the two scopes can be in force at once (where a clash would hide one)."""
    if a == b or "anywhere" in (a, b):
        return True
    return {a, b} & {"lists"} != set() and ({a, b} - {"lists"}) <= LIST_HOLDERS


def keymap_clashes(keymap: Mapping[str, str], built_in: Iterable[KeyEntry]) -> tuple[dict[str, str], list[str]]:
    """The keymap without the keys that another binding already has where both work, and one
    warning per binding that lost one. A binding that keeps its own keys comes first; the keymap's
    bindings then take their keys in the keymap's order. One left with no key keeps its built-in
    keys, which take precedence in turn, so nothing is left without a key."""
    entries = {entry.id: entry for entry in built_in}
    wanted = {binding_id: keys for binding_id, keys in keymap.items() if binding_id in entries}
    reverted: dict[str, str] = {}  # binding id: the warning that says so
    while True:
        taken: dict[str, list[KeyEntry]] = {}
        for entry in entries.values():
            if entry.id not in wanted or entry.id in reverted:
                for key in _keys(entry.key):
                    taken.setdefault(key, []).append(entry)
        kept: dict[str, str] = {}
        warnings: dict[str, str] = {}
        for binding_id, keys in wanted.items():
            if binding_id in reverted:
                warnings[binding_id] = reverted[binding_id]
                continue
            entry = entries[binding_id]
            own: list[str] = []
            lost: list[tuple[str, KeyEntry]] = []
            for key in keys.split(","):
                holder = next((other for other in taken.get(_key_name(key), [])
                               if other.id != binding_id and scopes_overlap(entry.where, other.where)), None)
                if holder is None:
                    own.append(key)
                else:
                    lost.append((key, holder))
            for key in own:
                taken.setdefault(_key_name(key), []).append(replace(entry, key=key))
            if own:
                kept[binding_id] = ",".join(own)
            if lost:
                warnings[binding_id] = _clash_warning(entry, keys, lost, ",".join(own) or entry.key)
        newly_reverted = {binding_id: warnings[binding_id] for binding_id in wanted if binding_id not in kept and binding_id not in reverted}
        if not newly_reverted:
            return kept, list(warnings.values())
        reverted |= newly_reverted


def _clash_warning(entry: KeyEntry, keys: str, lost: list[tuple[str, KeyEntry]], now: str) -> str:
    held = "; ".join(f"{format_key(key)} is {holder.description} ({holder.id}, {holder.where})" for key, holder in lost)
    on = " ".join(format_key(key) for key in now.split(","))
    return f"keymap: {entry.id} = {keys!r} clashes: {held}, which keeps it; {entry.description} ({entry.id}) is on {on}"


def read_keymap(raw: Any, known_ids: Iterable[str | KeyEntry]) -> tuple[dict[str, str], list[str]]:
    """The keymap from the settings file's "keymap" value, and one warning per bad entry or clash.
    Clashes are found among the bindings given as entries, or for ids, the ones catalogue() listed."""
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, ['keymap: expected an object of binding id to keys, like {"inbox.archive": "E"}']
    given = [(item, None) if isinstance(item, str) else (item.id, item) for item in known_ids]
    known = {binding_id for binding_id, _ in given}
    built_in = [entry or _BUILT_IN[binding_id] for binding_id, entry in given if entry or binding_id in _BUILT_IN]
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
    keymap, clashes = keymap_clashes(keymap, built_in)
    return keymap, warnings + clashes


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
        keys = " ".join(f"`{_readable(k)}`" for k in entry.key.split(",")) + (f" {YOUR_KEYMAP}" if entry.remapped else "")
        tip = entry.tooltip
        if not tip or tip == entry.description:
            does = entry.description
        elif tip.startswith(entry.description):
            does = tip
        else:
            does = f"{entry.description}: {tip}"
        lines.append(f"| {keys} | {entry.where} | {does.replace('|', '/')} | `{entry.id}` |")
    return "\n".join(lines) + "\n"
