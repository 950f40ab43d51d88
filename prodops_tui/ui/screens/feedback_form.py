"""The form for a new feedback item, or for correcting one (n and enter in the inbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from ...core.dates import DateParseError, describe, parse_since
from ...core.model import FeedbackItem
from .type_ahead import TypeAhead, field_keys


@dataclass(frozen=True)
class FeedbackDraft:
    text: str
    title: str
    customer: str
    source: str
    received: str  # as typed; "" = now (new) or unchanged (edit)


class FeedbackForm(TypeAhead, ModalScreen[FeedbackDraft | None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save", tooltip="Store the item"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        *field_keys("form"),
    ]

    def __init__(self, now: datetime, item: FeedbackItem | None = None) -> None:
        super().__init__()
        self.now = now
        self.item = item

    def compose(self) -> ComposeResult:
        item = self.item
        heading = f"Edit {item.id}" if item else "New feedback"
        with Vertical(id="form"):
            yield Static(Content.styled(heading, "bold"), id="form-title")
            yield TextArea(item.text if item else "", soft_wrap=True, show_line_numbers=False, id="form-text")
            with Grid(id="form-fields"):
                yield Label("Title")
                yield Input(item.title if item else "", placeholder="first line of the text", id="form-summary")
                yield Label("Customer")
                yield Input(item.customer if item else "", placeholder="who said it", id="form-customer")
                yield Label("Source")
                yield Input(item.source if item else "app", placeholder="call, support, review…", id="form-source")
                yield Label("Received")
                yield Input("", placeholder="unchanged" if item else "now (or yesterday, 3d, 2026-11-20)", id="form-received")
            yield Static(Content("tab moves, ctrl+s saves, esc cancels"), id="form-hint")

    @on(Input.Changed, "#form-received")
    def preview_date(self, event: Input.Changed) -> None:
        hint = self.query_one("#form-hint", Static)
        if not event.value.strip():
            hint.update(Content("tab moves, ctrl+s saves, esc cancels"))
            return
        try:
            hint.update(Content.assemble(("received → ", "$success"), describe(parse_since(event.value, now=self.now), now=self.now)))
        except DateParseError as exc:
            hint.update(Content.styled(str(exc), "$error"))

    def action_save(self) -> None:
        text = self.query_one("#form-text", TextArea).text
        if not text.strip():
            self.query_one("#form-hint", Static).update(Content.styled("the feedback text is empty", "$error"))
            self.query_one("#form-text").focus()
            return
        received = self.query_one("#form-received", Input).value
        if received.strip():
            try:
                parse_since(received, now=self.now)
            except DateParseError as exc:
                self.query_one("#form-hint", Static).update(Content.styled(str(exc), "$error"))
                return
        self.dismiss(
            FeedbackDraft(
                text=text,
                title=self.query_one("#form-summary", Input).value,
                customer=self.query_one("#form-customer", Input).value,
                source=self.query_one("#form-source", Input).value,
                received=received,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
