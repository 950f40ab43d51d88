"""The footer of key bindings, rebuilt once per screen refresh however many times they changed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
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
        self._rebuild_pending = False
        self.rebuilds += 1
        await self.recompose()
