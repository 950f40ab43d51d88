"""Close the loop (c on an opportunity): every account that asked for it, by core/feedback/loop.py's
rule, with its people, the contact its feedback came with, the strongest quote and its feedback
ids, and whether, when and by whom it was told. `t` records the highlighted account as told (one
undo step: `u`), `w` writes the list as CSV or Markdown.

Every name, contact and quote is customer text: shown as data, never markup. The screen follows
the store (Store.on_revision), so a change made here, an undo, or a `prodops told` from another
terminal is drawn as it lands."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...core.dates import display_date
from ...core.errors import ProdopsError
from ...core.feedback import loop
from ...core.feedback.opportunities import STATUS_LABELS
from ...core.storage.files import atomic_write_bytes
from ...core.text import clean_line, plural, truncate
from ..exports import export, send_made_text
from ..widgets.key_list import KeyList
from .modal_keys import ModalKeys, key_footer, match_main_footer, modal_keys
from .pickers import ChoiceScreen

LOOP_FORMATS = (("csv", "CSV, for a mail merge"), ("md", "Markdown, to read or paste"))


def told_text(account: loop.LoopAccount) -> str:
    """'told 2026-11-24 by Sam Tester', or 'not told yet'."""
    if not account.told:
        return "not told yet"
    return f"told {display_date(account.told_at)} by {clean_line(account.told_by) or 'someone'}"


class LoopScreen(ModalKeys, ModalScreen[None]):
    """One opportunity's close-the-loop list."""

    KEYS_TITLE = "Close the loop"

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="loop.close", tooltip="Back to the opportunities"),
        Binding("t", "mark_told", "Told", id="loop.told",
                tooltip="Record that the highlighted account was told it shipped: who and when (u undoes)"),
        Binding("w", "export", "Export", id="loop.export", tooltip="Write the list as CSV or Markdown, with contacts and told"),
        *modal_keys("loop", what="view", fields=False),
    ]

    class StoreChanged(Message):
        """The store holds a new revision (posted from whichever thread made it)."""

    def __init__(self, store, opportunity_id: str) -> None:
        super().__init__()
        self.store = store
        self.opportunity_id = opportunity_id
        self.found: loop.Loop | None = None
        self._stop_listening = lambda: None

    def compose(self) -> ComposeResult:
        with Vertical(id="loop-box"):
            yield Static(id="loop-title")
            yield Static(id="loop-summary")
            with Horizontal():
                yield KeyList(id="loop-accounts")
                with VerticalScroll(id="loop-detail"):
                    yield Static(id="loop-account")
            yield Static(Content(loop.RULE), id="loop-rule")
        yield key_footer()

    def on_mount(self) -> None:
        match_main_footer(self)
        self._stop_listening = self.store.on_revision(lambda revision, changed: self.post_message(self.StoreChanged()))
        self._fill()
        self.query_one(KeyList).focus()

    def on_unmount(self) -> None:
        self._stop_listening()

    def on_loop_screen_store_changed(self) -> None:
        self._fill()

    def _fill(self) -> None:
        try:
            found = loop.loop_for(self.store, self.opportunity_id)
        except ProdopsError as exc:  # deleted meanwhile (an undo of its creation)
            self.notify(str(exc), title="Close the loop", severity="error", markup=False)
            self.dismiss(None)
            return
        self.found = found
        o = found.opportunity
        status = STATUS_LABELS.get(o.status, o.status)
        shipped = f" {display_date(o.shipped_at)}" if o.status == "shipped" and o.shipped_at else ""
        self.query_one("#loop-title", Static).update(Content.assemble(
            ("Close the loop  ", "bold $primary"), (o.id, "$text-muted"), ("  ", ""), (clean_line(o.title), "bold"),
            ("  ", ""), (f"{status}{shipped}", "$accent")))
        told = sum(1 for a in found.accounts if a.told)
        summary = f"{plural(len(found.accounts), 'account')} asked: {told} told, {len(found.accounts) - told} to tell"
        if o.status != "shipped":
            summary += " · not shipped yet: accounts are told once it ships (4 on the opportunities sets shipped)"
        if found.without_customer:
            summary += f" · {plural(len(found.without_customer), 'item')} without a customer: nobody to tell"
        self.query_one("#loop-summary", Static).update(Content.styled(summary, "$text-muted"))
        listing = self.query_one(KeyList)
        listing.show([Option(Content.assemble(("✓ " if a.told else "· ", "bold $success" if a.told else "$text-muted"),
                                              (f"{truncate(clean_line(a.account), 24):<25}", "bold" if not a.told else ""),
                                              (display_date(a.told_at) if a.told else "to tell", "$text-muted")),
                             id=f"account:{n}") for n, a in enumerate(found.accounts)])
        if not found.accounts:
            self._show_account(None)

    @property
    def current(self) -> loop.LoopAccount | None:
        listing = self.query_one(KeyList)
        chosen = listing.highlighted_id
        if self.found is None or chosen is None:
            return None
        index = int(chosen.split(":", 1)[1])
        return self.found.accounts[index] if index < len(self.found.accounts) else None

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_account(self.current)

    def _show_account(self, account: loop.LoopAccount | None) -> None:
        shown = self.query_one("#loop-account", Static)
        if account is None:
            without = self.found.without_customer if self.found else ()
            text = "Nobody with a customer name asked for this opportunity."
            if without:
                text += f" Linked without a customer: {' '.join(without)}."
            shown.update(Content.styled(text, "$text-muted"))
            return

        def field(label: str, value: str) -> Content:
            return Content.assemble((f"{label:<10}", "$text-muted"), clean_line(value) if value else "—")

        parts = [
            Content.styled(clean_line(account.account), "bold"),
            Content.assemble((told_text(account), "bold $success" if account.told else "$warning")),
            Content(""),
            field("people", ", ".join(account.people)),
            field("contact", "; ".join(account.contacts)),
            field("channel", ", ".join(account.channels)),
            field("feedback", " ".join(account.feedback)),
            *(field("link", url) for url in account.links[:3]),
            Content(""),
            Content.assemble(("What they said", "bold $primary"), (f"  {account.quote_feedback}", "$text-muted")),
            Content(clean_line(account.quote)),
        ]
        shown.update(Content("\n").join(parts))

    # --- keys -------------------------------------------------------------------------------------

    def action_mark_told(self) -> None:
        account = self.current
        if account is None:
            self.app.bell()
            return
        if account.told:
            self.notify(f"{account.account} was {told_text(account)} (u undoes the newest change)", title="Close the loop", markup=False)
            return
        try:
            result = loop.told(self.store, self.opportunity_id, [account.account], origin="app")
        except ProdopsError as exc:
            self.notify(str(exc), title="Not recorded", severity="error", markup=False)
            return
        for entry in result.recorded:
            self.notify(f"{entry.account}: told about {self.opportunity_id} — u undoes", title="Close the loop", markup=False)

    def action_export(self) -> None:
        opportunity_id = self.opportunity_id

        def chosen(fmt: str | None) -> None:
            if fmt is None:
                return
            filename = f"{opportunity_id}-loop.{fmt}"
            export(self, download=lambda: send_made_text(self, filename, lambda: loop.export_loop(self.store, opportunity_id, fmt)),
                   title=f"Write the close-the-loop list to ({fmt.upper() if fmt == 'csv' else 'Markdown'})", suggested=Path(filename),
                   write=lambda path, replace: atomic_write_bytes(path, loop.export_loop(self.store, opportunity_id, fmt).encode("utf-8"), replace=replace),
                   written=lambda path: f"Wrote who to tell about {opportunity_id} to {path}")

        self.app.push_screen(ChoiceScreen("Export the close-the-loop list as", LOOP_FORMATS, current="csv"), chosen)

    def action_close(self) -> None:
        self.dismiss(None)
