"""The Checklists & nudges pane's nudge list: computed in a worker, acted on by key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, cast

from textual import work
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.widgets.option_list import Option

from ...core.errors import ProdopsError
from ...core.rituals import nudges
from ...core.text import clean_line, truncate
from ..screens.pickers import DateScreen

from .base import PaneKeys

if TYPE_CHECKING:
    from ..app import ProdopsApp
    from ..widgets.key_list import KeyList


class NudgeKeys(PaneKeys):
    """Mixed into ChecklistsPane: the nudges it shows and the keys that act on them."""

    if TYPE_CHECKING:  # what this needs from ChecklistsPane (its __init__ sets the state)
        _nudges: nudges.NudgeList | None  # None until the first computation lands
        _show_all: bool
        _by_key: dict[str, nudges.Nudge]
        FirstNudges: Callable[[nudges.NudgeList], Message]
        ShowTarget: Callable[[nudges.NudgeTarget], Message]
        @property
        def now_dt(self) -> datetime: ...
        def _list(self, list_id: str) -> KeyList: ...
        def _show_run(self) -> None: ...

    # --- nudges ---------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="nudges", exit_on_error=False)
    def _compute_nudges(self, revision: int) -> None:
        try:
            found = nudges.due_nudges(self.store)
        except ProdopsError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Nudges", severity="error")
            return
        self.app.call_from_thread(self._nudges_ready, revision, found)

    def _nudges_ready(self, revision: int, found: nudges.NudgeList) -> None:
        if revision != self.store.revision:
            return  # a newer change has its own computation on the way
        first = self._nudges is None
        self._nudges = found
        self._show_nudges()
        if first:
            if found.problems:
                self.notify("\n".join(found.problems), title="nudges.toml", severity="warning", timeout=10)
            self.post_message(self.FirstNudges(found))

    def _show_nudges(self) -> None:
        found = self._nudges
        title = self.query_one("#nudges-title", Static)
        listing = self._list("nudge-list")
        if found is None:
            title.update(Content.styled("Nudges", "bold"))
            listing.show([Option(Content.styled("working out what needs attention…", "$text-muted"), id="none", disabled=True)])
            return
        shown = found.shown + (found.more if self._show_all else [])
        quiet = found.quiet if self._show_all else []
        self._by_key = {n.key: n for n in shown + quiet}
        aside = [f"+{len(found.more)} more"] if found.more else []
        aside += [f"{len(found.quiet)} quiet"] if found.quiet else []
        if self._show_all and aside:
            held = f" · and {', '.join(aside).lstrip('+')} (a hides them)"
        else:
            held = f" · {', '.join(aside)} (a shows them)" if aside else ""
        title.update(Content.assemble(("Nudges", "bold"), (f"  {len(found.shown)} now{held}", "$text-muted")))
        options = [Option(self._nudge_row(n), id=n.key) for n in shown]
        options += [Option(self._nudge_row(n, quiet=True), id=n.key) for n in quiet]
        if not options:
            options = [Option(Content.styled("Nothing needs a nudge right now.", "$success"), id="none", disabled=True)]
        listing.show(options)

    @staticmethod
    def _nudge_row(nudge: nudges.Nudge, *, quiet: bool = False) -> Content:
        urgent = nudge.overdue_days >= 1 and not quiet
        return Content.assemble(
            ("~ " if quiet else "! " if urgent else "• ", "$text-muted" if quiet else "bold $status-overdue" if urgent else "$status-due"),
            (clean_line(nudge.title), "$text-muted" if quiet else "bold"),
            ("  quiet: r brings it back" if quiet else "", "italic $text-muted"),
            "\n  ",
            (truncate(clean_line(nudge.detail), 110), "$text-muted"),
        )

    def _current_nudge(self) -> nudges.Nudge | None:
        key = self._list("nudge-list").highlighted_id
        return self._by_key.get(key or "")

    def act_on_nudge(self) -> None:
        """enter on a nudge: its items, here or in their pane."""
        nudge = self._current_nudge()
        if nudge is None:
            return
        target = nudge.target
        if target.pane == "checklists":
            ids = [i for i in target.ids if i.startswith("C-")]
            if ids:
                self._list("checklist-list").show(self._list_options("checklist-list"), keep=ids[0])
                self._show_run()
            self._list("run-items").focus()
        elif target.pane == "retro" and target.ids:
            self._list("action-items").show(self._list_options("action-items"), keep=target.ids[0])
            self._list("action-items").focus()
        elif target.pane == "opportunities" and target.ids:
            cast("ProdopsApp", self.app).go_to(target.ids[0])  # the opportunity itself, not the first of the list
        else:
            # The inbox: exactly the nudge's items (an id: filter, or the ids under the nudge's title).
            self.post_message(self.ShowTarget(target))

    def _list_options(self, list_id: str) -> list[Option]:
        listing = self._list(list_id)
        return [listing.get_option_at_index(i) for i in range(listing.option_count)]

    # --- nudges -------------------------------------------------------------------------------------

    def action_dismiss(self) -> None:
        nudge = self._current_nudge()
        if nudge is not None:
            self.store_change(lambda: nudges.dismiss(self.store, nudge), "Dismissed: back when its facts change", title="Nudges")

    def action_snooze(self) -> None:
        nudge = self._current_nudge()
        if nudge is None:
            return

        def chosen(text: str | None) -> None:
            if text:
                self.store_change(lambda: nudges.snooze(self.store, nudge, text), "Snoozed", title="Nudges")

        self.app.push_screen(DateScreen("Snooze this nudge until", self.now_dt), chosen)

    def action_restore_nudge(self) -> None:
        nudge = self._current_nudge()
        found = self._nudges
        if nudge is None or found is None or nudge not in found.quiet:
            self.notify("Only a dismissed or snoozed nudge comes back; a shows them", title="Nudges", severity="warning")
            return
        self.store_change(lambda: nudges.restore(self.store, nudge.key), "Back in the list", title="Nudges")

    def action_show_all(self) -> None:
        self._show_all = not self._show_all
        self._show_nudges()
