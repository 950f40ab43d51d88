"""The footer of key bindings, rebuilt once per screen refresh however many times they changed."""

from __future__ import annotations

from typing import TypeGuard

from textual.app import ComposeResult
from textual.compose import compose
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

# Private: Textual 8.2.8 exports no public FooterKey. tests/test_private_apis.py fails, naming what
# moved, when an upgrade changes what this file relies on.
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    """Textual's Footer rebuilds all its keys (a widget each, styled anew) on every change of the
    active bindings, each scheduled apart: at start the focus moved seven times before the first
    frame, and the footer was rebuilt seven times (0.38 s of the 1.5 s to the first rows at
    100k items, profiled). Here changes that land before the next refresh share one rebuild."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._rebuild_pending = False
        self.rebuilds = 0  # for tests

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    def compose(self) -> ComposeResult:
        # A key starts compact and is bound to the footer's style once mounted: each of the 40
        # keys was restyled on mount (5 ms each, profiled). Given the style up front, none is.
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    async def _rebuild(self) -> None:
        """The keys of what has focus now. A pane switch changed every key: mounting 30 new key
        widgets and removing the old was half of the switch (100-150 ms of 200-300). The keys
        shown are updated in place instead, and only the difference in number is mounted or
        removed; a footer with grouped keys is composed anew."""
        self._rebuild_pending = False
        self.rebuilds += 1
        if not self.is_attached:
            return
        wanted = compose(self)
        shown = list(self.children)
        if not (_only_keys(wanted) and _only_keys(shown)):
            await self.recompose()
            return
        async with self.batch():
            for old, new in zip(shown, wanted, strict=False):  # the difference is mounted or removed below
                _show_as(old, new)
            if len(shown) > len(wanted):
                await self.remove_children(shown[len(wanted):])
            elif len(wanted) > len(shown):
                await self.mount_all(wanted[len(shown):])


def _only_keys(widgets: list[Widget]) -> TypeGuard[list[FooterKey]]:
    """Plain keys only (no group or subclass), which _show_as can update in place."""
    return all(type(widget) is FooterKey for widget in widgets)


def _show_as(key: FooterKey, wanted: FooterKey) -> None:
    """Make a mounted key show what `wanted` (made, not mounted) would."""
    key.key, key.key_display, key.description, key.action = wanted.key, wanted.key_display, wanted.description, wanted.action
    key._disabled = wanted._disabled
    key.set_class(wanted._disabled, "-disabled")
    key.set_class(wanted.has_class("-command-palette"), "-command-palette")
    key.tooltip = wanted.tooltip
    key.refresh(layout=True)
