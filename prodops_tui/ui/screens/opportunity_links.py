"""An opportunity's tracker links on the opportunities screen: how each is shown (its key, the
state its tracker last reported, when), the box a URL or key is typed into (a refusal is one line
under it and the text stays to be corrected), and the choice of which link to remove.

Links are user text (a pasted URL): shown as data, control characters dropped."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Static

from ...core.dates import display_date
from ...core.feedback.links import link_name
from ...core.model import Opportunity, TrackerLink
from ...core.text import clean_line, truncate
from .modal_keys import key_footer
from .pickers import PickerScreen

TRACKER_NAMES = {"github": "GitHub", "gitlab": "GitLab", "jira": "Jira"}


def upstream_text(link: TrackerLink) -> str:
    """What the tracker last said of the issue: 'closed: completed (read 2026-11-24)', 'not read
    yet' (linked, no sync or push since), 'never read' for a site prodops does not read."""
    if not link.tracker:
        return "not a tracker prodops reads"
    if not link.upstream_state:
        return "not read yet (prodops sync)"
    read = f" (read {display_date(link.checked_at)})" if link.checked_at else ""
    return f"{clean_line(link.upstream_state)}{read}"


def link_rows(opportunity: Opportunity) -> list[Content]:
    """The opportunity's links for the detail: key and tracker, its state upstream, its URL."""
    rows: list[Content] = []
    for link in opportunity.links:
        tracker = TRACKER_NAMES.get(link.tracker, "link")
        rows.append(Content.assemble(("  ", ""), (clean_line(link_name(link)), "bold"), (f"  {tracker}", "$text-muted"),
                                     ("  pushed" if link.pushed else "", "$text-muted")))
        rows.append(Content.assemble(("    ", ""), (upstream_text(link), "$accent")))
        if link.key:
            rows.append(Content.styled(f"    {clean_line(link.url)}", "$text-muted"))
    return rows


def link_marker(opportunity: Opportunity) -> str:
    """The list's compact column: how many links, and the state of the first ('↗ open', '↗2 …')."""
    if not opportunity.links:
        return ""
    count = "" if len(opportunity.links) == 1 else str(len(opportunity.links))
    state = clean_line(opportunity.links[0].upstream_state) or "linked"
    return truncate(f"↗{count} {state}", 10)  # the list is 66 columns at 120: wider wraps the row


def unlink_choices(opportunity: Opportunity) -> list[tuple[str, str]]:
    """(url, label) for the picker of the link to remove."""
    return [(link.url, truncate(f"{clean_line(link_name(link))}  ·  {upstream_text(link)}", 56)) for link in opportunity.links]


class CheckedTextScreen(PickerScreen):
    """One line of text handed to `submit`, which does the work and returns None when done or a
    one-line refusal: the refusal is shown under the field, the text stays, and enter tries again."""

    def __init__(self, title: str, submit: Callable[[str], str | None], *, placeholder: str = "", hint: str = "",
                 value: str = "") -> None:
        super().__init__(title)
        self.submit = submit
        self.placeholder = placeholder
        self.hint = hint
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker picker-wide"):
            yield Static(Content.styled(self.picker_title, "bold"), classes="picker-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="text")
            yield Static(Content(self.hint), id="hint", classes="picker-hint")
        yield key_footer()

    @on(Input.Changed)
    def _typed(self) -> None:
        self.query_one("#hint", Static).update(Content(self.hint))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.dismiss(None)
            return
        refused = self.submit(event.value)
        if refused is None:
            self.dismiss(event.value)
            return
        self.query_one("#hint", Static).update(Content.styled(clean_line(refused), "$error"))
