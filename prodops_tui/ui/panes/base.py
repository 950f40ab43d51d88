"""What every pane shares: it renders from the core and re-renders when the workspace changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual.containers import Vertical
from textual.content import Content

from ...core.dates import from_iso
from ...core.errors import ProdopsError
from ...core.storage.store import Store

T = TypeVar("T")


class Pane(Vertical):
    """A pane. It renders from the core: once when mounted (or when first shown), then when the
    app hands it a change (`workspace_changed`, from the app's one door) that touched a kind of
    record it shows. A pane changes the store only through core verbs, and the store itself
    announces the change (no message to remember): a pane never re-renders itself after one."""

    TITLE: ClassVar[str] = ""
    # The kinds of record (their id prefixes: F, A, CR…) whose changes can alter what the pane
    # shows; None: every kind. A change to no kind here leaves the pane as it is.
    SHOWS_KINDS: ClassVar[frozenset[str] | None] = None

    def __init__(self, store: Store, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.store = store
        self.render_at_mount = True  # the app says which panes wait until they are first shown
        # What it shows is older than the store: a change it shows came while it was hidden, or
        # it never rendered. It renders when next shown (catch_up).
        self.behind = True

    @property
    def now(self):
        return from_iso(self.store.clock())

    def on_mount(self) -> None:
        if self.render_at_mount:
            # Others render when first shown: the Areas tree of 5,000 areas took 0.8 s of a 100k
            # workspace's start-up, for a pane nobody was looking at.
            self.catch_up()

    def shows_changes_to(self, kinds: frozenset[str] | None) -> bool:
        """Whether a change that touched these kinds of record (None: any) alters this pane."""
        return kinds is None or self.SHOWS_KINDS is None or not kinds.isdisjoint(self.SHOWS_KINDS)

    def workspace_changed(self, kinds: frozenset[str] | None, *, shown: bool) -> None:
        """The app's one door hands every change to every pane: the shown one re-renders now,
        a hidden one when it is next shown; a change to nothing it shows costs nothing."""
        if not self.shows_changes_to(kinds):
            return
        self.behind = True
        if shown:
            self.catch_up()

    def catch_up(self) -> None:
        """Re-render if what it shows is older than the store (the app calls it on showing it)."""
        if self.behind:
            self.behind = False
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


def lines(*parts: Content | str) -> Content:
    """Join lines of Content; plain str parts are data (never markup)."""
    return Content("\n").join(part if isinstance(part, Content) else Content(part) for part in parts)


# The base of a pane's key mixin (RetroPane's card, setup and topic keys, the checklist pane's
# nudge keys): a Pane to the type checker, since its methods run on one, and a plain class at run
# time, so the pane's method order and Textual's view of its bases do not change.
if TYPE_CHECKING:
    PaneKeys = Pane
else:
    PaneKeys = object
