"""The `?` screen: every key that works here, from the same BINDINGS the footer shows, and the
query language's keywords, from the table in core/query.py."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.query import FREE_WORDS, KEYWORDS


def binding_rows(title: str, bindings: list[Binding]) -> list[Content]:
    rows = [Content.styled(title, "bold $primary")]
    seen: set[str] = set()
    for binding in bindings:
        if not binding.description or binding.description in seen:
            continue
        seen.add(binding.description)
        keys = binding.key_display or binding.key.replace(",", " ")
        rows.append(Content.assemble((f"  {keys:<16}", "bold $accent"), binding.description))
    return rows


def query_rows() -> list[Content]:
    """The keywords the inbox filter, saved views and search take, a line each."""
    rows = [Content.styled("Filter (f) and search (/) words", "bold $primary")]
    for keyword in (*KEYWORDS, FREE_WORDS):
        rows.append(Content.assemble((f"  {keyword.label:<14}", "bold $accent"), keyword.description))
    return rows


class HelpScreen(ModalScreen[None]):
    """Lists the global keys and the keys of the pane that was active."""


    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close help", id="help.close"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False, id="help.down"),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False, id="help.up"),
        Binding("pagedown,space", "scroll(10)", "Page down", show=False, id="help.page_down"),
        Binding("pageup", "scroll(-10)", "Page up", show=False, id="help.page_up"),
    ]
    NARROW = 100  # columns: below this the two columns stack

    def __init__(self, sections: list[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        # Global keys on the left, the pane's own on the right: fits a 40-row terminal.
        columns: list[list[Content]] = [[], []]
        for n, (title, bindings) in enumerate(self.sections):
            column = columns[min(n, 1)]
            if column:
                column.append(Content(""))
            column.extend(binding_rows(title, bindings))
        columns[0].extend([Content(""), *query_rows()])
        columns[0].extend([Content(""), Content.styled("esc, ? or q closes this screen", "$text-muted")])
        with VerticalScroll(id="help-box"):
            with Horizontal():
                for column in columns:
                    yield Static(Content("\n").join(column), classes="help-column")

    def on_mount(self) -> None:
        self._fit(self.app.size.width)

    def on_resize(self) -> None:
        self._fit(self.app.size.width)

    def _fit(self, width: int) -> None:
        self.query_one("#help-box").set_class(width < self.NARROW, "-narrow")

    def action_scroll(self, lines: int) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        box.scroll_to(y=box.scroll_y + lines, animate=False)

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(result)
