"""Where a file the app writes for its user goes, and the one rule for "this is a browser tab".

A browser tab of `prodops serve` runs on the server: a path typed there is a path on the
server (PITFALLS.md), and the person at the browser is not the server's owner. So a tab is
never asked for a path. Its exports are handed to the browser as downloads (App.deliver_text:
the web driver streams them to textual-serve, which serves them once at /download/<key>), and
the import screen says it cannot import (textual-serve 1.1.3 carries keys, mouse and resizes
from the browser to the app, no file: there is no upload to read).

In a terminal the user owns the machine: an export goes to the path they type, written whole
or not at all by the core, and a file already there is replaced only after a question that
names it."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.widget import Widget

from ..core.errors import ProdopsError
from ..core.identity import BROWSER_ENV
from .screens.pickers import ChoiceScreen, TextScreen

MIME_TYPES = {".md": "text/markdown", ".json": "application/json", ".csv": "text/csv"}


def in_browser_tab(app: App) -> bool:
    """The one rule, asked everywhere a path could be typed: the screen is drawn by a browser
    (Textual's web driver, which textual-serve and textual-web start), or `prodops serve`
    started this process for a tab (PRODOPS_BROWSER in its environment, core/identity.py).
    Either alone is enough."""
    return app.is_web or BROWSER_ENV in os.environ


def send_to_browser(host: Widget, filename: str, text: str) -> None:
    """A download in the tab's browser: nothing is written on the server. A tab whose screen
    is not drawn by a browser has nowhere to send it, and says so (Textual would save it in
    the server's downloads folder instead)."""
    app = host.app
    if not app.is_web:
        host.notify(f"{filename} not sent: this tab cannot take a download (its screen is not drawn by a browser)",
                    title="Export", severity="error", markup=False)
        return
    mime_type = MIME_TYPES.get(Path(filename).suffix, "text/plain")
    app.deliver_text(io.StringIO(text), save_filename=filename, mime_type=mime_type, name="export")
    host.notify(f"{filename} sent to your browser as a download", title="Export", markup=False)


def send_made_text(host: Widget, filename: str, make_text: Callable[[], str]) -> None:
    """A download of the text `make_text` makes, or the core's one-line refusal."""
    try:
        text = make_text()
    except ProdopsError as exc:
        host.notify(str(exc), title="Export", severity="error", markup=False)
        return
    send_to_browser(host, filename, text)


def export(host: Widget, *, download: Callable[[], object], title: str, suggested: Path,
           write: Callable[[Path, bool], object], written: Callable[[Path], str]) -> None:
    """Every export of the app goes through here, so none can forget where it is: in a browser
    tab `download()` (never a path on the server); in a terminal export_to_path."""
    if in_browser_tab(host.app):
        download()
        return
    export_to_path(host, title=title, suggested=suggested, write=write, written=written)


def replace_question(path: Path) -> ChoiceScreen:
    """Asked before an export replaces a file: it names the file. Dismisses "replace", "keep",
    or None (esc, which keeps it too)."""
    return ChoiceScreen(f"{path} exists: replace it?",
                        [("replace", "Replace it with this export"), ("keep", "Keep it: write nothing")], current="replace")


def export_to_path(host: Widget, *, title: str, suggested: Path, write: Callable[[Path, bool], object],
                   written: Callable[[Path], str]) -> None:
    """In a terminal: ask for a path (starting at `suggested`); ask again before replacing a
    file there (a dangling link too: the export would take its place); then `write(path,
    replace)` it (the core writes whole or not at all, and with replace off never over a file
    that appeared meanwhile) and say `written(path)`."""

    def save(path: Path, replace: bool) -> None:
        try:
            write(path, replace)
        except FileExistsError:  # made by someone else since the path was checked: ask now
            host.app.push_screen(replace_question(path), lambda answer: answered(path, answer))
            return
        except OSError as exc:
            host.notify(f"Could not write {path}: {exc.strerror or exc}", title="Export", severity="error", markup=False)
            return
        except ProdopsError as exc:
            host.notify(f"Could not write {path}: {exc}", title="Export", severity="error", markup=False)
            return
        host.notify(written(path), title="Export", markup=False)

    def answered(path: Path, answer: str | None) -> None:
        if answer == "replace":
            save(path, True)
        else:
            host.notify(f"{path} kept: nothing written", title="Export", markup=False)

    def chosen(value: str | None) -> None:
        if not value or not value.strip():
            return
        path = Path(value.strip()).expanduser()
        if not os.path.lexists(path):
            save(path, False)
            return
        host.app.push_screen(replace_question(path), lambda answer: answered(path, answer))

    host.app.push_screen(TextScreen(title, value=str(suggested)), chosen)
