"""Import feedback from inside the app: a path with completion, a dry run first, then the import.

The dry run names the export it recognised (the preset, as `prodops import feedback` chooses
it: from the file's header or records, no flags), the file's format and rows, then what would
be imported, already present or skipped; the second enter imports. The work runs in a thread worker with a progress bar; the summary is the same
text `prodops import feedback` prints. In a browser tab of `prodops serve` the path would be
the server's (its folders listed by the completion, its files read): there the screen says
in one line that it cannot import, and asks for no path (ui/exports.py: the one rule)."""

from __future__ import annotations

import os
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.suggester import Suggester
from textual.widgets import Input, ProgressBar, Static

from ...core.errors import ProdopsError
from ...core.importers import PRESETS, ImportResult, import_feedback
from ...core.storage.store import Store
from ...core.text import clean_line, plural, truncate
from ..exports import in_browser_tab
from .modal_keys import key_footer
from .pickers import PickerScreen

SKIPPED_SHOWN = 8
# textual-serve 1.1.3 carries no file from the browser to the app: nothing to import from.
REFUSED_IN_A_TAB = "Import in a browser tab is not possible: run `prodops import feedback FILE` on the server"


class PathSuggester(Suggester):
    """Completes the last part of a path from what is on disk (tab or → accepts)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        expanded = os.path.expanduser(value)
        folder, _, start = expanded.rpartition(os.sep)
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            return None
        for name in names:
            if name.startswith(start) and name != start and not name.startswith("."):
                full = os.path.join(folder, name) if folder else name
                suffix = os.sep if os.path.isdir(full) else ""
                return value + name[len(start):] + suffix
        return None


class ImportScreen(PickerScreen):
    """Dismisses True when something was imported, so the inbox refreshes."""

    def __init__(self, store: Store) -> None:
        super().__init__("Import feedback")
        self.store = store
        self.checked: Path | None = None  # the path the dry run approved
        self.imported = False
        self.refused = False  # a browser tab: no path of the server may be typed here

    def compose(self) -> ComposeResult:
        self.refused = in_browser_tab(self.app)
        with Vertical(classes="picker picker-wide"):
            yield Static(Content.styled(self.picker_title, "bold"), classes="picker-title")
            if self.refused:
                yield Static(Content.styled(REFUSED_IN_A_TAB, "$warning"), id="import-summary")
                yield Static(Content("esc closes"), classes="picker-hint")
            else:
                yield Input(placeholder="path to a CSV, JSON or JSONL export (tab completes)", suggester=PathSuggester(), id="import-path")
                yield ProgressBar(total=100, show_eta=False, id="import-progress")
                yield Static(Content("enter checks the file first (nothing is stored); enter again imports"), id="import-summary",
                             classes="picker-hint")
        yield key_footer()

    def on_mount(self) -> None:
        if not self.refused:
            self.query_one(ProgressBar).display = False

    @on(Input.Changed)
    def path_changed(self) -> None:
        self.checked = None

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if self.refused or not event.value.strip():
            return
        path = Path(os.path.expanduser(event.value.strip()))
        dry_run = self.checked != path
        self.query_one(ProgressBar).display = True
        self.query_one(ProgressBar).update(total=100, progress=0)
        self._say(Content("checking…" if dry_run else "importing…"))
        self.run_import(path, dry_run)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def run_import(self, path: Path, dry_run: bool) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self.query_one(ProgressBar).update, total=max(total, 1), progress=done)

        try:
            result = import_feedback(self.store, path, dry_run=dry_run, progress=progress, origin="app")
        except (ProdopsError, OSError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._finished, path, result)

    def _failed(self, message: str) -> None:
        self.query_one(ProgressBar).display = False
        self._say(Content.styled(message, "$error"))

    def _finished(self, path: Path, result: ImportResult) -> None:
        lines = [*self._recognised(result), Content.styled(result.summary(), "bold")]
        for skipped in result.skipped[:SKIPPED_SHOWN]:
            lines.append(Content.styled(f"skipped {clean_line(str(skipped))}", "$warning"))
        if len(result.skipped) > SKIPPED_SHOWN:
            lines.append(Content(f"… and {len(result.skipped) - SKIPPED_SHOWN} more skipped rows (prodops import feedback --dry-run lists them all)"))
        if result.dry_run:
            self.checked = path
            lines.append(Content.styled("enter imports it; esc leaves it", "$accent"))
        else:
            self.checked = None
            self.imported = self.imported or result.imported > 0
            lines.append(Content.styled("done — u undoes it; tab back to the path for another file; esc closes", "$success"))
        self._say(Content("\n").join(lines))
        if not result.dry_run:
            self.set_focus(None)  # out of the path field, so u undoes the import and ? shows the keys

    @staticmethod
    def _recognised(result: ImportResult) -> list[Content]:
        """Which export the file is: 'recognised: github-issues (JSONL, 3,019 rows)' and what the
        preset reads (its description; the generic preset of --map has none worth showing)."""
        found = [Content.assemble(("recognised: ", "bold"), (clean_line(result.preset), "bold $accent"),
                                  f" ({result.format.upper()}, {plural(result.rows, 'row')})")]
        preset = PRESETS.get(result.preset)
        if preset is not None and preset.description:
            found.append(Content.styled(truncate(clean_line(preset.description), 100), "$text-muted"))
        return found

    def _say(self, content: Content) -> None:
        self.query_one("#import-summary", Static).update(content)

    def action_cancel(self) -> None:
        self.dismiss(self.imported)
