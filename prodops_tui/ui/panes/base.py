"""What every pane shares: it renders from the core and re-renders when the workspace changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from ...core.dates import from_iso
from ...core.errors import ProdopsError
from ...core.storage.store import Store

T = TypeVar("T")


class Pane(Vertical):
    """A pane. The app sets `revision` (attributes down) when the store holds a new one and
    the pane is shown; a pane changes the store only through core verbs, and the store
    itself announces the change (no message to remember)."""

    TITLE: ClassVar[str] = ""

    revision: reactive[int] = reactive(0, init=False)

    def __init__(self, store: Store, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.store = store
        self.render_at_mount = True  # the app says which panes wait until they are first shown

    @property
    def now(self):
        return from_iso(self.store.clock())

    def on_mount(self) -> None:
        if not self.render_at_mount:
            # Rendered when first shown (the app sets revision then): the Areas tree of 5,000
            # areas took 0.8 s of a 100k workspace's start-up, for a pane nobody was looking at.
            self.set_reactive(Pane.revision, -1)
            return
        self.refresh_view()
        self.set_reactive(Pane.revision, self.store.revision)  # what it shows; a later one re-renders it

    def watch_revision(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        raise NotImplementedError

    def focus_default(self) -> None:
        """Where the keyboard goes when the pane is shown, so no hidden pane keeps it."""
        self.focus()

    def store_change(self, change: Callable[[], T], done: str | Callable[[T], str], *, title: str, failed: str = "Not changed") -> T | None:
        """Make one change through the core; say what it did (and that u undoes it) or, in
        one line, why it was refused. None when refused. The store announces the change."""
        try:
            result = change()
        except (ProdopsError, ValueError) as exc:
            self.notify(str(exc), title=failed, severity="error")
            return None
        self.notify(f"{done(result) if callable(done) else done} — u undoes", title=title)
        return result


class SummaryPane(Pane):
    """A pane that shows a summary of its data and says what it becomes next."""

    COMING: ClassVar[str] = ""  # said plainly until the pane's own work lands

    def compose(self):
        with VerticalScroll():
            yield Static(Content.from_markup("[b]$title[/b]", title=self.TITLE), classes="pane-title")
            yield Static(id="summary", classes="summary")
            if self.COMING:
                yield Static(Content("Coming next: " + self.COMING), classes="coming")

    def refresh_view(self) -> None:
        self.query_one("#summary", Static).update(self.render_summary())

    def focus_default(self) -> None:
        self.query_one(VerticalScroll).focus()  # so the arrow and page keys scroll it

    def render_summary(self) -> Content:
        raise NotImplementedError


def lines(*parts: Content | str) -> Content:
    """Join lines of Content; plain str parts are data (never markup)."""
    return Content("\n").join(part if isinstance(part, Content) else Content(part) for part in parts)


def figure(label: str, value: object, style: str = "$accent") -> Content:
    return Content.assemble((f"{value}", f"bold {style}"), f" {label}")

