"""The forms a facilitator types into: a new retro, cards, action items and topic notes.

Each form hands what was typed to a `submit` callback from the pane, which makes the change
through the core and returns None, or the one-line reason it was refused; a refused form
stays open with the reason shown, so nothing typed is lost."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Select, Static, TextArea

from ...core.dates import DateParseError, describe, parse_when, rule_of
from ...core.retro.board import split_names
from ...core.retro.templates import RetroTemplate
from .type_ahead import TypeAhead, field_keys

Submit = Callable[[object], "str | None"]


@dataclass(frozen=True)
class RetroDraft:
    template: str
    team: str
    title: str
    participants: list[str]
    votes_per_person: int
    area: str


@dataclass(frozen=True)
class CardDraft:
    text: str
    author: str


@dataclass(frozen=True)
class ActionDraft:
    text: str
    owners: list[str]
    due: str


class RetroForm(TypeAhead, ModalScreen[None]):
    """The frame the retro forms share: title, fields, a hint line that shows refusals."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="retro_form.save"),
        Binding("escape", "cancel", "Close", id="retro_form.cancel"),
        *field_keys("form"),
    ]
    HINT = "tab moves, ctrl+s saves, esc closes"

    def __init__(self, title: str, submit: Callable) -> None:
        super().__init__()
        self.form_title = title
        self.submit = submit

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(Content.styled(self.form_title, "bold"), id="form-title")
            yield from self.fields()
            yield Static(Content(self.HINT), id="form-hint")

    def fields(self) -> ComposeResult:
        raise NotImplementedError

    def draft(self) -> object | str:
        """What was typed, or a one-line reason it cannot be stored."""
        raise NotImplementedError

    def show_hint(self, text: str, style: str = "") -> None:
        self.query_one("#form-hint", Static).update(Content.styled(text, style) if style else Content(text))

    def action_save(self) -> None:
        draft = self.draft()
        refused = draft if isinstance(draft, str) else self.submit(draft)
        if refused:
            self.show_hint(refused, "$error")
            self.app.bell()
            return
        self.saved()

    def saved(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value


class NewRetroForm(RetroForm):
    def __init__(self, submit: Callable[[RetroDraft], str | None], templates: Sequence[RetroTemplate], *,
                 teams: Sequence[str], areas: Sequence[str], people: Sequence[str]) -> None:
        super().__init__("New retro", submit)
        self.templates = list(templates)
        self.teams = list(teams)
        self.areas = list(areas)
        self.people = list(people)

    def fields(self) -> ComposeResult:
        with Grid(id="form-fields"):
            yield Label("Template")
            yield Select(
                [(f"{t.name} — {t.description}" if t.description else t.name, t.name) for t in self.templates],
                value=self.templates[0].name, allow_blank=False, id="retro-template",
            )
            yield Label("Team")
            yield Input(placeholder="whose retro: its open actions come back next time", id="retro-team",
                        suggester=SuggestFromList(self.teams, case_sensitive=False))
            yield Label("Title")
            yield Input(placeholder="optional: sprint 48 retro", id="retro-title")
            yield Label("People")
            yield Input(placeholder="participants, separated with commas (more can join later)", id="retro-people")
            yield Label("Votes")
            yield Input("3", placeholder="votes per person", id="retro-votes", type="integer")
            yield Label("Area")
            yield Input(placeholder="for a launch post-mortem: the product area", id="retro-area",
                        suggester=SuggestFromList(self.areas, case_sensitive=False))

    def on_mount(self) -> None:
        self.query_one("#retro-team", Input).focus()

    @on(Select.Changed, "#retro-template")
    def template_changed(self, event: Select.Changed) -> None:
        chosen = next((t for t in self.templates if t.name == event.value), None)
        if chosen:
            columns = " · ".join(chosen.column_titles)
            needs = "; needs an area" if chosen.for_area else ""
            self.show_hint(f"columns: {columns}{needs}")

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def draft(self) -> RetroDraft | str:
        votes = self.value("retro-votes").strip() or "3"
        if not votes.lstrip("-").isdigit():
            return "votes per person must be a whole number"
        return RetroDraft(
            template=str(self.query_one("#retro-template", Select).value),
            team=self.value("retro-team"),
            title=self.value("retro-title"),
            participants=split_names(self.value("retro-people")),
            votes_per_person=int(votes),
            area=self.value("retro-area"),
        )


class CardForm(RetroForm):
    """Stays open after each card, so a facilitator types the room's cards one after another."""

    HINT = "enter adds the card and clears it for the next; an empty author is anonymous (hidden from you too); esc closes"

    def __init__(self, column: str, submit: Callable[[CardDraft], str | None], *, people: Sequence[str], author: str = "") -> None:
        super().__init__(f"New cards in {column}", submit)
        self.people = list(people)
        self.author = author  # your own name in your own copy; "" when typing for the room
        self.added = 0

    def fields(self) -> ComposeResult:
        with Grid(id="form-fields"):
            yield Label("Card")
            yield Input(placeholder="what the card says", id="card-text", max_length=2_000)
            yield Label("Author")
            yield Input(self.author, placeholder="anonymous", id="card-author", suggester=SuggestFromList(self.people, case_sensitive=False))

    def on_mount(self) -> None:
        self.query_one("#card-text", Input).focus()

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def draft(self) -> CardDraft | str:
        text = self.value("card-text")
        if not text.strip():
            return "the card is empty"
        return CardDraft(text=text, author=self.value("card-author"))

    def saved(self) -> None:
        self.added += 1
        text = self.query_one("#card-text", Input)
        text.value = ""
        text.focus()
        self.show_hint(f"{self.added} added — type the next, or esc to close", "$success")


class ActionForm(RetroForm):
    def __init__(self, topic: str, submit: Callable[[ActionDraft], str | None], *, now: datetime, people: Sequence[str]) -> None:
        super().__init__(f"New action — from “{topic}”" if topic else "New action", submit)
        self.now = now
        self.people = list(people)

    def fields(self) -> ComposeResult:
        with Grid(id="form-fields"):
            yield Label("Action")
            yield Input(placeholder="what will be done", id="action-text")
            yield Label("Owners")
            yield Input(placeholder="names, separated with commas (someone new is added)", id="action-owners",
                        suggester=SuggestFromList(self.people, case_sensitive=False))
            yield Label("Due")
            yield Input(placeholder="next friday, 2w, 2026-12-01 (empty: no due date)", id="action-due")

    def on_mount(self) -> None:
        self.query_one("#action-text", Input).focus()

    @on(Input.Changed, "#action-due")
    def preview_due(self, event: Input.Changed) -> None:
        if not event.value.strip():
            self.show_hint(self.HINT)
            return
        try:
            due = parse_when(event.value, now=self.now)
        except DateParseError as exc:
            self.show_hint(str(exc), "$error")
            return
        late = " — in the past" if due < self.now else ""
        rule = rule_of(event.value)
        self.show_hint(f"due → {describe(due, now=self.now)}{late}{f'  ({rule})' if rule else ''}", "$warning" if late else "$success")

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def draft(self) -> ActionDraft | str:
        text = self.value("action-text")
        if not text.strip():
            return "the action is empty"
        due = self.value("action-due")
        if due.strip():
            try:
                parse_when(due, now=self.now)
            except DateParseError as exc:
                return str(exc)
        return ActionDraft(text=text, owners=split_names(self.value("action-owners")), due=due)


class NotesForm(RetroForm):
    HINT = "ctrl+s saves, esc closes without saving"

    def __init__(self, topic: str, notes: str, submit: Callable[[NotesDraft], str | None]) -> None:
        super().__init__(f"Notes — {topic}", submit)
        self.notes = notes

    def fields(self) -> ComposeResult:
        yield TextArea(self.notes, soft_wrap=True, show_line_numbers=False, id="form-text")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def draft(self) -> NotesDraft:
        return NotesDraft(self.query_one(TextArea).text)


@dataclass(frozen=True)
class NotesDraft:
    text: str
