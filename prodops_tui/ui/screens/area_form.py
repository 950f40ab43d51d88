"""Edit an area's details (e in Areas): description, team, channel, glossary, code paths, docs."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from ...core.model import ProductArea
from .type_ahead import TypeAhead, field_keys


@dataclass(frozen=True)
class AreaDetails:
    description: str
    team: str
    channel: str
    glossary: list[str]
    code_paths: list[str]
    docs: list[str]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


class AreaForm(TypeAhead, ModalScreen[AreaDetails | None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="area_form.save"),
        Binding("escape", "cancel", "Cancel", id="area_form.cancel"),
        *field_keys("form"),
    ]

    def __init__(self, area: ProductArea, path: str) -> None:
        super().__init__()
        self.area = area
        self.path = path

    def compose(self) -> ComposeResult:
        area = self.area
        with Vertical(id="form"):
            yield Static(Content.styled(f"Edit {self.path}", "bold"), id="form-title")
            yield TextArea(area.description, soft_wrap=True, show_line_numbers=False, id="form-text")
            with Grid(id="form-fields"):
                for label, field_id, value, hint in (
                    ("Team", "area-team", area.team, "who builds it"),
                    ("Channel", "area-channel", area.channel, "#team-billing"),
                    ("Glossary", "area-glossary", "; ".join(area.glossary), "what customers call it; separate with ;"),
                    ("Code", "area-code", "; ".join(area.code_paths), "services/billing/**; web/billing/**"),
                    ("Docs", "area-docs", "; ".join(area.docs), "links, separated with ;"),
                ):
                    yield Label(label)
                    yield Input(value, placeholder=hint, id=field_id)
            yield Static(Content("the description first; tab moves, ctrl+s saves, esc cancels"), id="form-hint")

    def action_save(self) -> None:
        def value(field_id: str) -> str:
            return self.query_one(f"#{field_id}", Input).value

        self.dismiss(
            AreaDetails(
                description=self.query_one("#form-text", TextArea).text,
                team=value("area-team"),
                channel=value("area-channel"),
                glossary=_split(value("area-glossary")),
                code_paths=_split(value("area-code")),
                docs=_split(value("area-docs")),
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
