"""Keys typed while a form opens reach its fields, in order: the TypeAhead mixin for our screens.

In Textual 8.2.8 the app hands a key to the focused widget of the top screen, or to the screen
itself when nothing there has the focus yet (App.on_event). A screen just pushed has no widgets
until it has composed, so keys typed meanwhile went to the screen and were lost: `n` then
"Keep triage habit", tab, "Pat Newuser" sent at once left an empty card form. And tab is an
ordinary binding: the key goes to the focused Input first and reaches the screen's binding only
by bubbling up through the widgets' message queues, while the app has already handed the next
keys to the same Input, so "Keep triage habitPat Newuser" landed in one field.

A screen that mixes in TypeAhead (before ModalScreen):
- keeps every key the app hands it before it is ready (post_message, called by the app at once,
  so in the order typed), and gives no widget the focus meanwhile (set_focus is remembered, so
  no later key can overtake the kept ones on its way to a field);
- once mounted, in one callback on the app's own queue (after the focus calls its on_mount made,
  before any key that arrived later), gives the focus where the screen asked and hands the kept
  keys to the app again, one by one, exactly as if they arrived then;
- binds tab and shift+tab as priority bindings (`field_keys(scope)` in its BINDINGS), which the
  app runs before it hands the next key on, so a field change falls between the keys around it.

The keys typed right after the one that opens a form take a longer way: the app hands each key
to the focused widget at once, while a pane's binding runs only when its key has bubbled back up
to the app, so `n` opened the card form after "Keep…" had already gone to the pane's list, and
when those keys came back up unhandled the app dropped them (nothing on the form binds "K").
KeysFollowScreens, mixed into the App, notes the screen each key was typed on; a key that comes
back up unhandled after a TypeAhead screen opened over that screen goes to the new screen.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding
from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen
    from textual.widget import Widget

    _Base = Screen
    _AppBase = App
else:
    _Base = object
    _AppBase = object


def field_keys(scope: str) -> list[Binding]:
    """tab and shift+tab for a TypeAhead screen, under its scope's ids (form.next_field, …), as
    priority bindings: the app moves the focus before it hands on the next key."""
    return [
        Binding("tab", "move_field(1)", "Next field", show=False, priority=True, id=f"{scope}.next_field",
                tooltip="Move to the next field; keys typed while it opens are kept for it, tab included"),
        Binding("shift+tab", "move_field(-1)", "Previous field", show=False, priority=True, id=f"{scope}.previous_field",
                tooltip="Move to the previous field"),
    ]


class TypeAhead(_Base):
    """Mixed into a modal screen with fields: keys typed while it opens go, in order, to the
    field that has the focus once it is open (tab moving the focus as it would then)."""

    # None once the screen is ready: then keys take Textual's own way.
    _early_keys: list[events.Key] | None
    _focus_wanted: Widget | None

    def __init__(self, *args, **kwargs) -> None:
        self._early_keys = []
        self._focus_wanted = None
        super().__init__(*args, **kwargs)

    def post_message(self, message: Message) -> bool:
        keys = getattr(self, "_early_keys", None)  # Textual posts messages from its own __init__
        if keys is not None and isinstance(message, events.Key):
            keys.append(message)
            return True
        return super().post_message(message)

    def set_focus(self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False) -> None:
        if self._early_keys is not None:
            self._focus_wanted = widget  # given once the kept keys can go first
            if widget is not None:
                widget.has_focus = False  # Screen's auto focus sets it before it calls set_focus
            return
        super().set_focus(widget, scroll_visible=scroll_visible, from_app_focus=from_app_focus)

    def on_mount(self) -> None:  # Textual calls each class's own on_mount: the screen's runs first
        # Widget.focus() defers through app.call_later; this comes after those on the app's queue.
        self.app.call_later(self._ready_for_keys)

    def action_move_field(self, step: int) -> None:
        """tab or shift+tab: the next or previous field; while the screen opens, kept in its turn
        with the keys around it (the app runs a priority binding even before a screen is ready)."""
        if self._early_keys is not None:
            self._early_keys.append(events.Key("tab", "\t") if step > 0 else events.Key("shift+tab", None))
        elif step > 0:
            self.focus_next()
        else:
            self.focus_previous()

    async def take_key(self, key: events.Key) -> None:
        """A key typed before this screen opened, come back up to the app unhandled: kept with
        the others while the screen opens, else handed on as if typed now."""
        if self._early_keys is not None:
            self._early_keys.append(key)
        else:
            await self.app.on_event(events.Key(key.key, key.character))

    async def _ready_for_keys(self) -> None:
        keys, self._early_keys = self._early_keys or [], None
        if not self.is_attached:
            return  # closed before it was ready: what was typed for it goes nowhere else
        wanted = self._focus_wanted
        if wanted is not None and wanted.is_attached and self.focused is None:
            self.set_focus(wanted)
        elif self.focused is None:
            self.focus_next()
        # The app runs this callback from its own message loop, so no newer key is handed on
        # before these: each goes its ordinary way (priority bindings, then the focused field).
        for key in keys:
            await self.app.on_event(events.Key(key.key, key.character))


class KeysFollowScreens(_AppBase):
    """Mixed into the App (before App): a key typed on one screen that comes back up unhandled
    once a TypeAhead screen has opened over it goes to that screen, in the order typed."""

    def __init__(self, *args, **kwargs) -> None:
        # Each key the app handed on, and the screen on top then. Weak: a key a widget took
        # (an Input typing it) never comes back, and is forgotten with the event.
        self._typed_on: weakref.WeakKeyDictionary[events.Key, Screen] = weakref.WeakKeyDictionary()
        super().__init__(*args, **kwargs)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            if not event.is_forwarded:
                self._typed_on[event] = self.screen
            else:
                typed_on = self._typed_on.pop(event, None)
                screen = self.screen
                if (isinstance(screen, TypeAhead) and typed_on is not None and typed_on is not screen
                        and typed_on in self.screen_stack):
                    await screen.take_key(event)
                    return
        await super().on_event(event)
