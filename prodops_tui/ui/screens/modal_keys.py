"""A full-window modal screen's own keys in the footer and under `?`, and the app's undo there.

Textual stops a modal screen's key chain at the screen (Screen._modal_binding_chain): under the
opportunities or the close-the-loop view the app's `u` and `?` did nothing, and the app's footer
went on naming the inbox's keys, none of which worked there. A screen that uses this module
holds its own footer (docked at the bottom, over the app's), binds `?` to a help of its own keys,
and binds `u` to the app's one undo."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from ..widgets.footer import KeyFooter
from .help import HelpScreen


def key_footer() -> KeyFooter:
    """The footer a modal screen composes (ctrl+p is among the app's keys, in its place)."""
    return KeyFooter(show_command_palette=False)


def match_main_footer(screen: Screen) -> None:
    """Compact like the app's own footer (the app sets it by the window's width)."""
    main = screen.app.screen_stack[0].query(Footer)
    mine = screen.query(Footer)
    if main and mine:
        mine.first().compact = main.first().compact


def show_keys(screen: Screen, title: str) -> None:
    """`?` on the screen: its own keys and its list's, each as bound now (the keymap applied).
    Textual's own (tab, ctrl+c) have no id and are left out, as everywhere else in help."""
    own: list[Binding] = []
    listed: list[Binding] = []
    for active in screen.active_bindings.values():
        if not active.binding.id:
            continue
        (own if active.node is screen else listed).append(active.binding)
    sections = [(title, own)]
    if listed:
        sections.append((f"{title} list", listed))
    screen.app.push_screen(HelpScreen(sections))


async def app_undo(screen: Screen) -> None:
    """The app's undo (`u` everywhere else), from a modal screen: the same action, the same toast."""
    await screen.app.run_action("undo")
