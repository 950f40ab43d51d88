"""Opportunities (O from the inbox): how much feedback each has, its status, who asked, and the
tracker issues that deliver it.

From here an opportunity goes from its linked feedback to the tracker and back: `l` links it to
an issue or epic (a URL, or a Jira key; a refusal is one line under the field and the text
stays), `L` removes a link, the detail shows each link's state as its tracker last reported it
and the day it shipped, and `c` opens the close-the-loop view (screens/opportunity_loop.py).
The screen follows the store (Store.on_revision): a change made here, an undo (`u`) or a sync
from another terminal is drawn as it lands."""

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

from ...core.areas.lookup import area_path
from ...core.dates import display_date
from ...core.errors import ProdopsError
from ...core.feedback import links, opportunities
from ...core.feedback.loop import loop_for
from ...core.model import OPPORTUNITY_STATUSES, Opportunity
from ...core.sync.push import Draft
from ...core.text import clean_line, clean_text, plural, truncate
from ..exports import export, send_made_text
from ..sync_runner import start_sync_again
from ..widgets.key_list import KeyList
from .modal_keys import ModalKeys, key_footer, match_main_footer, modal_keys
from .opportunity_links import CheckedTextScreen, link_marker, link_rows, unlink_choices
from .opportunity_loop import LoopScreen
from .opportunity_push import PushScreen, check_push, github_targets, start_push
from .pickers import ChoiceScreen


class OpportunitiesScreen(ModalKeys, ModalScreen[bool]):
    """Dismisses True when something changed here (a status, a link)."""

    KEYS_TITLE = "Opportunities"

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="opportunities.close"),
        *(
            Binding(str(n), f"set_status('{status}')", opportunities.STATUS_LABELS[status].capitalize(), id=f"opportunities.status.{status}")
            for n, status in enumerate(OPPORTUNITY_STATUSES, start=1)
        ),
        Binding("l", "link", "Link", id="opportunities.link",
                tooltip="Link to a tracker issue or epic: its URL (GitHub, GitLab, Jira, any site) or a Jira key (u undoes)"),
        Binding("L", "unlink", "Unlink", id="opportunities.unlink", tooltip="Pick which link to remove (u undoes)"),
        Binding("P", "push", "Push to GitHub", id="opportunities.push",
                tooltip="Create the issue carrying the evidence (or update it): OWNER/REPO, then what would be sent, then y"),
        Binding("R", "sync_again", "Sync", id="opportunities.sync",
                tooltip="Sync again every tracker this workspace synced, and the GitHub issues opportunities link to: a closed issue ships its opportunity"),
        Binding("c", "close_the_loop", "Close the loop", id="opportunities.loop",
                tooltip="Every account that asked: contact, quote, feedback; t records one as told"),
        Binding("w", "write_customers", "Export who asked", id="opportunities.export", tooltip="Write the close-the-loop list as CSV"),
        *modal_keys("opportunities", fields=False),
    ]

    class StoreChanged(Message):
        """The store holds a new revision (posted from whichever thread made it)."""

    def __init__(self, store, *, keep: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.changed = False
        self.keep = keep  # the opportunity to highlight first (from search)
        self._stop_listening = lambda: None

    def compose(self) -> ComposeResult:
        with Vertical(id="opportunities-box"):
            yield Static(Content.styled("Opportunities, by importance-weighted score", "bold"), id="opportunities-title")
            with Horizontal():
                yield KeyList(id="opportunity-list")
                with VerticalScroll(id="opportunity-detail"):
                    yield Static(id="opportunity-text")
            yield Static(Content("1-5 set the status · l links a tracker issue, L unlinks, P pushes to GitHub, R syncs · c closes the loop · ? every key"),
                         id="opportunities-hint")
        yield key_footer()

    def on_mount(self) -> None:
        match_main_footer(self)
        self._stop_listening = self.store.on_revision(lambda revision, changed: self.post_message(self.StoreChanged()))
        self._fill(self.keep)
        self.query_one(KeyList).focus()

    def on_unmount(self) -> None:
        self._stop_listening()

    def on_opportunities_screen_store_changed(self) -> None:
        self._fill(self.current_id)

    def _fill(self, keep: str | None = None) -> None:
        listing = self.query_one(KeyList)
        options = []
        for stat in opportunities.stats(self.store):
            o = stat.opportunity
            status = opportunities.STATUS_LABELS.get(o.status, o.status)
            options.append(Option(
                Content.assemble((f"{stat.score:>4} ", "bold $accent"), (f"{o.id:<6}", "$text-muted"), f"{truncate(clean_line(o.title), 26):<27}",
                                 (f"{status:<12}", "$secondary"), (link_marker(o), "$text-muted")),
                id=o.id,
            ))
        listing.show(options, keep=keep)
        if listing.option_count:
            self.show_detail()
        else:
            self.query_one("#opportunity-text", Static).update(Content("No opportunities yet: press o on feedback in the inbox to create one."))

    @property
    def current_id(self) -> str | None:
        return self.query_one(KeyList).highlighted_id

    def _current(self) -> Opportunity | None:
        found = self.store.get(self.current_id) if self.current_id else None
        return found if isinstance(found, Opportunity) else None

    @on(OptionList.OptionHighlighted)
    def show_detail(self) -> None:
        opportunity_id = self.current_id
        if opportunity_id is None:
            return
        stat = next((s for s in opportunities.stats(self.store) if s.opportunity.id == opportunity_id), None)
        if stat is None:
            return
        o = stat.opportunity
        accounts = loop_for(self.store, o.id).accounts
        shipped = o.status == "shipped"
        status = opportunities.STATUS_LABELS.get(o.status, o.status)
        if shipped and o.shipped_at:
            status += f" {display_date(o.shipped_at)}"
        told = sum(1 for a in accounts if a.told)
        heading = f"Close the loop with ({told} of {len(accounts)} told · c)" if shipped else f"Asked by ({plural(len(accounts), 'account')})"
        parts = [
            Content.styled(clean_line(o.title), "bold"),
            Content.assemble((o.id, "$text-muted"), "  ", (status, "$accent")),
            Content(""),
            Content(f"score {stat.score} · {stat.feedback} feedback · {plural(stat.customers, 'customer')} · {stat.new_feedback} still new"),
            Content(f"area: {area_path(self.store, o.area) or '—'}"),
            Content(""),
            Content(clean_text(o.description)) if o.description else Content.styled("no description", "$text-muted"),
            Content(""),
            Content.styled(f"Tracker ({len(o.links)})", "bold $primary"),
            *(link_rows(o) or [Content.styled("  not linked: l links an issue or epic", "$text-muted")]),
            Content(""),
            Content.styled(heading, "bold $primary"),
            *(Content.assemble(("  ✓ " if a.told else "  ", "$success"), clean_line(a.account), (f"  {', '.join(a.feedback)}", "$text-muted"))
              for a in accounts),
        ]
        self.query_one("#opportunity-text", Static).update(Content("\n").join(parts))

    def _note(self, text: str, *, error: bool = False) -> None:
        self.notify(text, title="Not changed" if error else "Opportunity", severity="error" if error else "information", markup=False)

    def action_set_status(self, status: str) -> None:
        opportunity_id = self.current_id
        if opportunity_id is None:
            return
        try:
            opportunities.set_status(self.store, opportunity_id, status, origin="app")
        except ProdopsError as exc:
            self._note(str(exc), error=True)
            return
        self.changed = True
        self._note(f"{opportunity_id} is {opportunities.STATUS_LABELS[status]} — u undoes")

    def action_link(self) -> None:
        opportunity_id = self.current_id
        if opportunity_id is None:
            self.app.bell()
            return

        def submit(text: str) -> str | None:
            try:
                result = links.link(self.store, opportunity_id, text, origin="app")
            except ProdopsError as exc:
                return str(exc)
            self.changed = self.changed or result.changed
            said = f"{opportunity_id} linked to {links.link_name(result.link)} — u undoes" if result.changed else result.note
            if result.changed and result.note:
                said += f" ({result.note})"
            self._note(said)
            return None

        self.app.push_screen(CheckedTextScreen(
            f"Link {opportunity_id} to a tracker issue or epic", submit,
            placeholder="https://github.com/OWNER/REPO/issues/12 · https://SITE/browse/PROJ-7 · PROJ-7",
            hint="The issue's URL (GitHub, GitLab, Jira, or any site), or a Jira key; enter links, esc cancels"))

    def action_unlink(self) -> None:
        opportunity = self._current()
        if opportunity is None:
            self.app.bell()
            return
        if not opportunity.links:
            self._note(f"{opportunity.id} has no link to remove (l links one)")
            return

        def chosen(url: str | None) -> None:
            if not url:
                return
            try:
                result = links.unlink(self.store, opportunity.id, url, origin="app")
            except ProdopsError as exc:
                self._note(str(exc), error=True)
                return
            self.changed = True
            self._note(f"{opportunity.id} unlinked from {links.link_name(result.link)} — u undoes")

        self.app.push_screen(ChoiceScreen(f"Remove which link of {opportunity.id}?", unlink_choices(opportunity)), chosen)

    def action_push(self) -> None:
        opportunity = self._current()
        if opportunity is None:
            self.app.bell()
            return
        targets = github_targets(self.store, opportunity)
        drafted: list[tuple[Draft, str, str]] = []  # what the repository typed drafts, for the next screen

        def answered(send: bool | None) -> None:
            if send:
                made, repo, api_url = drafted[-1]
                self.changed = True
                self._note(f"Pushing {made.opportunity} to {repo}…")
                start_push(self.app, self.store, made.opportunity, repo, api_url)

        def typed(value: str | None) -> None:
            if value is not None and drafted:
                self.app.push_screen(PushScreen(*drafted[-1]), answered)

        self.app.push_screen(CheckedTextScreen(
            f"Push {opportunity.id} to GitHub: which repository?",
            lambda text: check_push(self.store, opportunity.id, text, targets, lambda *shown: drafted.append(shown)),
            placeholder="OWNER/REPO", value=next(iter(targets), ""),
            hint="OWNER/REPO; enter shows what would be sent, nothing is sent yet"), typed)

    def action_sync_again(self) -> None:
        start_sync_again(self.app, self.store)

    def action_close_the_loop(self) -> None:
        opportunity_id = self.current_id
        if opportunity_id is None:
            self.app.bell()
            return
        self.app.push_screen(LoopScreen(self.store, opportunity_id))

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
