"""`R` in the inbox and on the opportunities screen: sync again every source the workspace follows
(core/sync/again.py lists them: each source synced before, and the GitHub issues opportunities
link to in repositories no sync reads), one after the other in a worker thread, never on the
event loop.

What the PM sees is toasts: one when it starts naming the sources, then one line per source,
its summary as `prodops sync` prints it ('github rails/rails: 3 new, 1 updated, …, O-3 shipped'),
or why it stopped as an error (no network, a token refused, a rate limit: what was stored before
it stays, and the next `R` goes on from there). The panes and screens redraw as the store
announces each change (Store.on_revision), as for any other change.

Tokens are read from this process's environment as `prodops sync` reads them ($GITHUB_TOKEN,
$GITLAB_TOKEN, $JIRA_TOKEN and $JIRA_USER), never shown."""

from __future__ import annotations

import os
from collections.abc import Mapping

from textual.app import App

from ..core.errors import ProdopsError
from ..core.storage.store import Store
from ..core.sync import again
from ..core.sync.github import API_URL
from ..core.text import clean_line

GROUP = "sync-again"
TITLE = "Sync"
# Where the issues of a repository on github.com that opportunities link to are read when no sync
# of it names an API address (tests point it at their server on 127.0.0.1).
GITHUB_API_URL = API_URL
NOTHING_TO_SYNC = ("Nothing to sync yet: `prodops sync github OWNER/REPO` in a shell adds a source "
                   "(then R syncs it again), and l links an opportunity to an issue")


def running(app: App) -> bool:
    return any(worker.group == GROUP and not worker.is_finished for worker in app.workers)


def start_sync_again(app: App, store: Store, *, environ: Mapping[str, str] | None = None) -> bool:
    """Start syncing every source again; False (said in a toast) when a sync is running already
    or there is nothing to sync."""
    if running(app):
        app.notify("A sync is running already: each source says when it is done", title=TITLE, severity="warning")
        return False
    sources = again.plan(store, github_api_url=GITHUB_API_URL)
    if not sources:
        app.notify(NOTHING_TO_SYNC, title=TITLE, severity="warning", markup=False, timeout=10)
        return False
    names = ", ".join(clean_line(source.label) for source in sources)
    app.notify(f"Syncing {names}…", title=TITLE, markup=False)
    taken = dict(os.environ if environ is None else environ)

    def say(text: str, *, error: bool = False, warning: bool = False) -> None:
        severity = "error" if error else "warning" if warning else "information"
        app.call_from_thread(app.notify, clean_line(text), title=TITLE, severity=severity, markup=False, timeout=12)

    def run_all() -> None:
        for source in sources:
            def waiting(seconds: float, label: str = source.label) -> None:
                say(f"{label}: the tracker's rate limit, waiting {seconds:.0f} s", warning=True)

            try:
                result = again.run(store, source, environ=taken, on_wait=waiting)
            except ProdopsError as exc:
                said = clean_line(str(exc))
                say(said if said.startswith(source.name) else f"{source.label}: {said}", error=True)
                continue
            except OSError as exc:  # a failure the client did not word: still one line
                say(f"{source.label}: could not reach the tracker ({exc.strerror or exc})", error=True)
                continue
            except Exception as exc:  # noqa: BLE001 - said in one line; the next source still runs
                say(f"{source.label}: the sync stopped ({type(exc).__name__}: {exc})", error=True)
                continue
            say(again.summary(source, result), warning=bool(result.link_notes or result.skipped))

    app.run_worker(run_all, thread=True, group=GROUP, name="sync again", exit_on_error=False)
    return True
