"""The Retro pane's keys around a retro rather than in it: start one, who takes part, export."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ...core.areas.lookup import area_path, resolve_area
from ...core.errors import ProdopsError
from ...core.model import ActionItem, Person, ProductArea, Retro
from ...core.retro import board as retros
from ...core.retro.export import export_retro, write_retro
from ...core.retro.templates import find_template, load_templates
from ...core.text import plural
from ..exports import export, send_made_text
from ..screens.pickers import ChoiceScreen, TextScreen
from ...core.retro.board import split_names
from ..screens.retro_forms import NewRetroForm, RetroDraft

from .base import PaneKeys

if TYPE_CHECKING:
    from ...core.retro.templates import RetroTemplate
    from ..widgets.key_list import KeyList


class RetroSetupKeys(PaneKeys):
    """Mixed into RetroPane."""

    if TYPE_CHECKING:  # what this needs from RetroPane
        @property
        def retro(self) -> Retro | None: ...
        def _list(self, list_id: str) -> KeyList: ...
        def open_retro(self, retro_id: str | None) -> None: ...

    # --- starting a retro --------------------------------------------------------------------

    def _templates(self) -> list[RetroTemplate]:
        templates, problems = load_templates(self.store.directory)
        if problems:
            self.notify("\n".join(problems), title="Some retro templates did not load", severity="warning", timeout=10)
        return templates

    def action_new_retro(self) -> None:
        templates = self._templates()
        teams = sorted({r.team for r in self.store.all(Retro)} | {a.team for a in self.store.all(ActionItem) if a.team})
        areas = sorted(area_path(self.store, a.id) for a in self.store.all(ProductArea))
        people = sorted(p.name for p in self.store.all(Person))

        def submit(draft: RetroDraft) -> str | None:
            template = find_template(templates, draft.template)
            if template is None:
                return f"no template {draft.template!r}"
            try:
                area = resolve_area(self.store, draft.area).id if draft.area.strip() else None
                started = retros.start_retro(
                    self.store, template, team=draft.team, title=draft.title, participants=draft.participants,
                    votes_per_person=draft.votes_per_person, area=area,
                )
            except (ProdopsError, ValueError) as exc:
                return str(exc)
            self.notify(f"{started.id} started — {plural(len(started.checkin), 'open action')} to review at check-in — u undoes", title="Retro")
            self.open_retro(started.id)
            return None

        self.app.push_screen(NewRetroForm(submit, templates, teams=teams, areas=areas, people=people))

    # --- details and export --------------------------------------------------------------------

    def action_participants(self) -> None:
        retro = self.retro
        if retro is None:
            return

        def changed(value: str | None) -> None:
            if value is not None:
                self.store_change(lambda: retros.set_details(self.store, retro.id, participants=split_names(value)),
                                  lambda r: f"{plural(len(r.participants), 'participant')}", title="Retro")

        self.app.push_screen(TextScreen("Participants (comma-separated)", value=", ".join(retro.participants)), changed)

    def action_votes_each(self) -> None:
        retro = self.retro
        if retro is None:
            return

        def changed(value: str | None) -> None:
            if value is None:
                return
            if not value.strip().isdigit():
                self.notify("votes per person must be a whole number", title="Not changed", severity="error")
                return
            self.store_change(lambda: retros.set_details(self.store, retro.id, votes_per_person=int(value)),
                              f"{plural(int(value), 'vote')} each", title="Retro")

        self.app.push_screen(TextScreen("Votes per person", value=str(retro.votes_per_person)), changed)

    def action_export(self) -> None:
        retro = self.retro
        if retro is None:
            found = self.store.get(self._list("retro-list").highlighted_id or "")
            retro = found if isinstance(found, Retro) else None
        if retro is None:
            self.notify("No retro to export", title="Export", severity="warning")
            return
        slug = re.sub(r"[^a-z0-9]+", "-", retro.team.casefold()).strip("-") or "retro"
        name = f"{retro.id}-{slug}"
        def picked(fmt: str | None) -> None:
            if fmt:
                send_made_text(self, f"{name}.{fmt}", lambda: export_retro(self.store, retro.id, fmt))

        export(self, download=lambda: self.app.push_screen(  # in a browser tab: in the format picked
                   ChoiceScreen(f"Download {retro.id} as", [("md", "Markdown (.md)"), ("json", "JSON (.json)")]), picked),
               title=f"Export {retro.id} to (a .json file gets JSON)", suggested=Path.cwd() / f"{name}.md",
               write=lambda path, replace: write_retro(self.store, retro.id, path, replace=replace),
               written=lambda path: f"{retro.id} written to {path}")
