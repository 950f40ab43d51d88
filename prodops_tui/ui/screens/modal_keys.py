"""A modal screen's own keys in the footer and under `?`, and the app's undo there.

Textual stops a modal screen's key chain at the screen (Screen._modal_binding_chain): under the
search box, the pickers, the import screen, the forms, the opportunities or the close-the-loop
view the app's `u` and `?` did nothing, and the app's footer went on naming the inbox's keys,
none of which worked there. A screen that uses this module holds its own footer (docked at the
bottom, over the app's) and mixes in ModalKeys: `?` shows a help of its own keys and `u` is the
app's one undo, each bound under the screen's own ids (`modal_keys("picker")`: picker.help,
picker.undo) so `prodops keys` says where they work and a keymap can move them.

Neither is taken from a text field: with an Input or a TextArea focused, `?` and `u` are typed
(the field takes the key before the screen's bindings see it), and the footer leaves them out
(Textual asks the focused widget, Widget.check_consume_key) until the focus moves to a list (tab)."""

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


UNDO, HELP = "app_undo", "screen_keys"


def modal_keys(scope: str, *, undo: bool = True, what: str = "screen", fields: bool = True) -> list[Binding]:
    """`u` (the app's undo, unless `undo` is False) and `?` (this screen's keys) for a ModalKeys
    screen, with ids of its scope: "opportunities" gives opportunities.undo and opportunities.help.
    `fields`: the screen has text fields, where both keys are typed (the tooltips say so)."""
    typed = " (in a text field {} is typed)" if fields else ""
    keys = [Binding("question_mark", HELP, "Help", key_display="?", id=f"{scope}.help",
                    tooltip=f"Every key of this {what}{typed.format('?')}")]
    if undo:
        keys.insert(0, Binding("u", UNDO, "Undo", id=f"{scope}.undo",
                               tooltip=f"Undo the last change (several levels), as everywhere{typed.format('u')}"))
    return keys


class ModalKeys:
    """Mixed into our modal screens (before ModalScreen): the actions `modal_keys` binds and the
    footer matched to the app's. KEYS_TITLE names the screen in its help."""

    KEYS_TITLE = "This screen"

    def on_mount(self) -> None:  # Textual calls each class's own on_mount: the screen's runs too
        match_main_footer(self)  # type: ignore[arg-type]

    async def action_app_undo(self) -> None:
        await app_undo(self)  # type: ignore[arg-type]

    def action_screen_keys(self) -> None:
        show_keys(self, self.KEYS_TITLE)  # type: ignore[arg-type]
