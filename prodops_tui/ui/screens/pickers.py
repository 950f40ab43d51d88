"""Small modal pickers for triage: one keystroke opens them, enter applies, esc cancels."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...core.dates import DateParseError, describe, parse_when, rule_of
from .modal_keys import ModalKeys, key_footer, modal_keys
from .type_ahead import TypeAhead, field_keys


class PickerScreen(ModalKeys, TypeAhead, ModalScreen):
    """The frame every picker shares: a titled box in the middle, esc cancels, its keys in a
    footer of its own (each picker's compose yields it); `?` and `u` where nothing is typed."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel"), *modal_keys("picker", what="picker"), *field_keys("picker")]
    KEYS_TITLE = "Picker"

    def __init__(self, title: str) -> None:
        super().__init__()
        self.picker_title = title

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceScreen(PickerScreen):
    """Pick one of a few values; the number keys pick directly."""

    BINDINGS = [
        Binding(str(n), f"choose({n - 1})", f"Choice {n}", show=False, id=f"picker.choice_{n}", tooltip=f"Pick choice {n}")
        for n in range(1, 10)
    ]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], current: str | None = None) -> None:
        super().__init__(title)
        self.choices = list(choices)  # (value, label)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker"):
            yield Static(Content.styled(self.picker_title, "bold"), classes="picker-title")
            yield OptionList(
                *(Option(f"{n}  {label}", id=value) for n, (value, label) in enumerate(self.choices, start=1)),
                id="choices",
            )
            yield Static(Content("1-9 or enter picks, esc cancels"), classes="picker-hint")
        yield key_footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [value for value, _ in self.choices]
        options.highlighted = values.index(self.current) if self.current in values else 0

    def action_choose(self, index: int) -> None:
        if 0 <= index < len(self.choices):
            self.dismiss(self.choices[index][0])
        else:
            self.app.bell()

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class DateScreen(PickerScreen):
    """Type a date as people say it; the parsed date is shown before it is applied."""

    def __init__(self, title: str, now: datetime) -> None:
        super().__init__(title)
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker"):
            yield Static(Content.styled(self.picker_title, "bold"), classes="picker-title")
            yield Input(placeholder="3d, 2w, tomorrow, next monday, 2026-12-01", id="when")
            yield Static(Content("Type a date; enter applies, esc cancels"), id="preview", classes="picker-hint")
        yield key_footer()

    @on(Input.Changed)
    def preview(self, event: Input.Changed) -> None:
        preview = self.query_one("#preview", Static)
        if not event.value.strip():
            preview.update(Content("Type a date; enter applies, esc cancels"))
            return
        try:
            when = parse_when(event.value, now=self.now)
        except DateParseError as exc:
            preview.update(Content.styled(str(exc), "$error"))
        else:
            rule = rule_of(event.value)
            preview.update(Content.assemble(("→ ", "bold $success"), describe(when, now=self.now), (f"  ({rule})" if rule else "", "$text-muted")))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        try:
            parse_when(event.value, now=self.now)
        except DateParseError:
            self.app.bell()
            return
        self.dismiss(event.value)


class TextScreen(PickerScreen):
    """One line of text, with completion hints computed by the caller."""

    def __init__(self, title: str, *, placeholder: str = "", hint: Callable[[str], Content] | None = None, value: str = "") -> None:
        super().__init__(title)
        self.placeholder = placeholder
        self.hint = hint
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker"):
            yield Static(Content.styled(self.picker_title, "bold"), classes="picker-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="text")
            yield Static(self.hint(self.value) if self.hint else Content(""), id="hint", classes="picker-hint")
        yield key_footer()

    @on(Input.Changed)
    def update_hint(self, event: Input.Changed) -> None:
        if self.hint:
            self.query_one("#hint", Static).update(self.hint(event.value))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


class SearchPickerScreen(PickerScreen):
    """Filter-as-you-type over options the caller computes; enter picks the highlighted one."""

    BINDINGS = [
        Binding("down", "move(1)", "Next", show=False, id="picker.next"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker.previous"),
    ]

    def __init__(self, title: str, search: Callable[[str], list[tuple[str, Content]]], *, placeholder: str = "type to filter") -> None:
        super().__init__(title)
        self.search = search  # query -> [(value, label)]
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker picker-wide"):
            yield Static(Content.styled(self.picker_title, "bold"), classes="picker-title")
            yield Input(placeholder=self.placeholder, id="query")
            yield OptionList(id="options")
            yield Static(Content("↑↓ choose, enter picks, esc cancels"), classes="picker-hint")
        yield key_footer()

    def on_mount(self) -> None:
        self.fill("")

    def fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(label, id=value) for value, label in self.search(query)])
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed)
    def filter(self, event: Input.Changed) -> None:
        self.fill(event.value)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = ((options.highlighted or 0) + step) % options.option_count

    @on(Input.Submitted)
    def submitted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
