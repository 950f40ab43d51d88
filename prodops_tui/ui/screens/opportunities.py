"""Opportunities (O from the inbox): how much feedback each has, its status, and who asked."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...core.areas.lookup import area_path
from ...core.errors import ProdopsError
from ...core.feedback import opportunities
from ...core.model import OPPORTUNITY_STATUSES
from ...core.text import clean_line, clean_text, truncate
from ..exports import export, send_made_text


class OpportunitiesScreen(ModalScreen[bool]):
    """Dismisses True when a status changed, so the panes refresh."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="opportunities.close"),
        *(
            Binding(str(n), f"set_status('{status}')", opportunities.STATUS_LABELS[status].capitalize(), id=f"opportunities.status.{status}")
            for n, status in enumerate(OPPORTUNITY_STATUSES, start=1)
        ),
        Binding("w", "write_customers", "Export who asked", id="opportunities.export", tooltip="Write the close-the-loop list as CSV"),
    ]

    def __init__(self, store, *, keep: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.changed = False
        self.keep = keep  # the opportunity to highlight first (from search)

    def compose(self) -> ComposeResult:
        with Vertical(id="opportunities-box"):
            yield Static(Content.styled("Opportunities, by importance-weighted score", "bold"), id="opportunities-title")
            with Horizontal():
                yield OptionList(id="opportunity-list")
                with VerticalScroll(id="opportunity-detail"):
                    yield Static(id="opportunity-text")
            yield Static(Content("1-5 set the status (exploring, planned, in progress, shipped, won't do) · w writes who asked as CSV · esc closes"), id="opportunities-hint")

    def on_mount(self) -> None:
        self._fill(self.keep)

    def _fill(self, keep: str | None = None) -> None:
        listing = self.query_one(OptionList)
        listing.clear_options()
        for stat in opportunities.stats(self.store):
            o = stat.opportunity
            status = opportunities.STATUS_LABELS.get(o.status, o.status)
            listing.add_option(Option(
                Content.assemble((f"{stat.score:>4} ", "bold $accent"), (f"{o.id:<6}", "$text-muted"), f"{truncate(clean_line(o.title), 34):<35}", (status, "$secondary")),
                id=o.id,
            ))
        if listing.option_count:
            index = next((n for n in range(listing.option_count) if listing.get_option_at_index(n).id == keep), 0)
            listing.highlighted = index
        else:
            self.query_one("#opportunity-text", Static).update(Content("No opportunities yet: press o on feedback in the inbox to create one."))
        listing.focus()

    @property
    def current_id(self) -> str | None:
        listing = self.query_one(OptionList)
        return listing.get_option_at_index(listing.highlighted).id if listing.highlighted is not None and listing.option_count else None

    @on(OptionList.OptionHighlighted)
    def show_detail(self) -> None:
        opportunity_id = self.current_id
        if opportunity_id is None:
            return
        stat = next(s for s in opportunities.stats(self.store) if s.opportunity.id == opportunity_id)
        o = stat.opportunity
        asks = opportunities.customers_to_close_the_loop(self.store, o.id)
        heading = "Close the loop with" if o.status == "shipped" else "Asked by"
        parts = [
            Content.styled(clean_line(o.title), "bold"),
            Content.assemble((o.id, "$text-muted"), "  ", (opportunities.STATUS_LABELS.get(o.status, o.status), "$accent")),
            Content(""),
            Content(f"score {stat.score} · {stat.feedback} feedback · {stat.customers} customers · {stat.new_feedback} still new"),
            Content(f"area: {area_path(self.store, o.area) or '—'}"),
            Content(""),
            Content(clean_text(o.description)) if o.description else Content.styled("no description", "$text-muted"),
            Content(""),
            Content.styled(f"{heading} ({len(asks)})", "bold $primary"),
            *(Content.assemble(f"  {clean_line(name)}", (f"  {', '.join(ids)}", "$text-muted")) for name, ids in asks),
        ]
        self.query_one("#opportunity-text", Static).update(Content("\n").join(parts))

    def action_set_status(self, status: str) -> None:
        opportunity_id = self.current_id
        if opportunity_id is None:
            return
        try:
            opportunities.set_status(self.store, opportunity_id, status, origin="app")
        except ProdopsError as exc:
            self.notify(str(exc), title="Not changed", severity="error")
            return
        self.changed = True
        self.notify(f"{opportunity_id} is {opportunities.STATUS_LABELS[status]} — u undoes", title="Opportunity")
        self._fill(keep=opportunity_id)

    def action_write_customers(self) -> None:
        opportunity_id = self.current_id
        if opportunity_id is None:
            return
        filename = f"{opportunity_id}-customers.csv"
        export(self, download=lambda: send_made_text(self, filename, lambda: opportunities.close_the_loop_csv(self.store, opportunity_id)),
               title="Write who asked to (CSV)", suggested=Path(filename),
               write=lambda path, replace: opportunities.write_close_the_loop(self.store, opportunity_id, path, replace=replace),
               written=lambda path: f"Wrote who asked about {opportunity_id} to {path}")

    def action_close(self) -> None:
        self.dismiss(self.changed)
