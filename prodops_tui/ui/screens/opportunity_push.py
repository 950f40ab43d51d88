"""Push an opportunity to GitHub from the opportunities screen (P): the repository asked first
(OWNER/REPO, offered from the opportunity's GitHub link or a GitHub sync of the workspace), then
what would be sent shown in full (core/sync/push.py's dry run: title, labels, body, or the
evidence section an update replaces), sent only on `y`. The request runs in a worker thread,
never on the event loop; its one line (the new issue's URL, or why it was refused) comes back as
a toast, and the new link reaches the screen through the store like any change.

The token is read from $GITHUB_TOKEN of the app's process, as `prodops push` reads it; it is
never shown. The API address is the one a GitHub sync of that repository reads, else GitHub
Enterprise's for a link on another host, else https://api.github.com."""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import urlsplit

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.errors import ProdopsError
from ...core.model import Opportunity, SyncState
from ...core.sync import push
from ...core.sync.github import API_URL, TOKEN_ENV, check_repo
from ...core.text import clean_line, clean_text
from .modal_keys import ModalKeys, key_footer, match_main_footer, modal_keys


def github_targets(store, opportunity: Opportunity) -> dict[str, str]:
    """OWNER/REPO -> the API address to push there, the opportunity's own GitHub links first, then
    the repositories the workspace syncs from GitHub."""
    synced = {}
    for state in store.all(SyncState):
        tracker, _, project = state.source.partition(" ")
        if tracker.casefold() == "github" and project:
            synced[project.casefold()] = (project, state.api_url or API_URL)
    found: dict[str, str] = {}
    for link in opportunity.links:
        repo = link.key.rpartition("#")[0] if link.tracker == "github" else ""
        if not repo or repo.casefold() in (r.casefold() for r in found):
            continue
        host = (urlsplit(link.url).hostname or "").lower()
        enterprise = f"https://{host}/api/v3" if host and host not in ("github.com", "www.github.com") else API_URL
        found[repo] = synced.get(repo.casefold(), (repo, enterprise))[1]
    for project, api_url in synced.values():
        if project.casefold() not in (r.casefold() for r in found):
            found[project] = api_url
    return found


def api_url_for(targets: dict[str, str], repo: str) -> str:
    return next((url for known, url in targets.items() if known.casefold() == repo.casefold()), API_URL)


def start_push(app: App, store, opportunity_id: str, repo: str, api_url: str) -> None:
    """Send it in a worker thread; the outcome is one toast (markup off: it holds a URL)."""

    def said(text: str, *, error: bool = False) -> None:
        app.call_from_thread(app.notify, clean_line(text), title="Push to GitHub", severity="error" if error else "information",
                             markup=False, timeout=12)

    def run() -> None:
        try:
            result = push.push_github(store, opportunity_id, repo, api_url=api_url,
                                      token=os.environ.get(TOKEN_ENV, "").strip() or None, origin="app",
                                      on_wait=lambda seconds: said(f"GitHub's rate limit: waiting {seconds:.0f} s"))
        except ProdopsError as exc:
            said(str(exc), error=True)
            return
        except OSError as exc:  # a network failure the client did not word: still one line
            said(f"{opportunity_id}: could not reach GitHub ({exc.strerror or exc})", error=True)
            return
        said(result.line() + (f" ({result.note})" if result.note else ""))

    app.run_worker(run, thread=True, group="push", name=f"push {opportunity_id}", exit_on_error=False)


class PushScreen(ModalKeys, ModalScreen[bool]):
    """What a push would send, in full; `y` sends it, esc sends nothing. Dismisses True to send."""

    BINDINGS = [
        Binding("y", "send", "Send", id="push.send", tooltip="Send it to GitHub (in the background; the new issue's URL is shown)"),
        Binding("escape,n", "cancel", "Cancel", id="push.cancel", tooltip="Send nothing"),
        # No u here: an undo would change the evidence under the draft shown, before y sends it.
        *modal_keys("push", undo=False, what="view", fields=False),
    ]
    KEYS_TITLE = "Push"

    def __init__(self, made: push.Draft, repo: str, api_url: str) -> None:
        super().__init__()
        self.made = made
        self.repo = repo
        self.api_url = api_url

    def compose(self) -> ComposeResult:
        token = bool(os.environ.get(TOKEN_ENV, "").strip())
        verb = "update the evidence of" if self.made.target is not None else "create an issue in"
        with Vertical(id="push-box"):
            yield Static(Content.assemble(("Push ", "bold $primary"), (self.made.opportunity, "bold"),
                                          (f" to GitHub: {verb} {self.repo}", "bold $primary")), id="push-title")
            yield Static(Content.styled(f"{self.api_url} · nothing is sent until y", "$text-muted"), id="push-where")
            with VerticalScroll(id="push-body"):
                yield Static(Content(clean_text(push.shown_draft(self.made, self.repo))), id="push-draft")
            yield Static(Content.styled("y sends it, esc sends nothing" if token else
                                        f"${TOKEN_ENV} is not set in this app's environment: GitHub will refuse the push. "
                                        "Esc, then start prodops with a token that may write issues.",
                                        "$text-muted" if token else "$warning"), id="push-hint")
        yield key_footer()

    def on_mount(self) -> None:
        match_main_footer(self)
        self.query_one("#push-body").focus()

    def action_send(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


def check_push(store, opportunity_id: str, typed: str, targets: dict[str, str],
               then: Callable[[push.Draft, str, str], None]) -> str | None:
    """The repository typed, read and drafted for: None and `then(draft, repo, api_url)`, or a
    one-line refusal (not a repository, an opportunity without a title)."""
    try:
        repo = check_repo(typed)
        made = push.draft(store, opportunity_id, repo)
    except ProdopsError as exc:
        return str(exc)
    then(made, repo, api_url_for(targets, repo))
    return None
