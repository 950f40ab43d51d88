"""Sync again, in one go, what the workspace already follows (the app's `R`): every source
`prodops sync` has synced into it, and the GitHub issues opportunities link to in repositories
no sync reads.

What `plan` lists:
- one source per SyncState record (the tracker and project its `source` names, the API address
  the state was read from, so the cursor is kept: state.start_run starts afresh on another
  address); a Jira source's site and query are read back from the search URL its state keeps;
- one "linked issues only" source per GitHub repository an opportunity links to and no SyncState
  names. Only those issues are read (one GET each, delivery.LinkRefresh, the same reading a sync
  does after its pages), never the repository's issues as feedback: pushing an opportunity into
  an engineering repository must not fill the inbox with its thousands of issues. Its API
  address: https://api.github.com for a link on github.com (`github_api_url`), else
  https://HOST/api/v3 (GitHub Enterprise), as the push screen reads it.

Tokens come from the environment only, as `prodops sync` reads its defaults: $GITHUB_TOKEN,
$GITLAB_TOKEN, $JIRA_TOKEN (with $JIRA_USER, Jira Cloud's account e-mail). A state keeps no
token, nor the --token-env of the run that made it: a source synced with another --token-env is
read here with the default name (set it, or run `prodops sync` in a shell)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from ..errors import InvalidInput
from ..model import Opportunity, SyncState
from ..storage.store import Store
from ..text import plural
from . import gitlab, jira
from .client import Fetch
from .delivery import Delivery, LinkRefresh
from .github import API_URL, TOKEN_ENV, GitHubIssues
from .run import Progress, SyncResult, sync_github, sync_gitlab, sync_jira

TRACKERS = ("github", "gitlab", "jira")


@dataclass(frozen=True)
class Source:
    """One thing to sync again: 'github rails/rails' (its state's API address), or a repository
    read for its linked issues only."""

    tracker: str  # "github", "gitlab", "jira"
    project: str  # "rails/rails", "group/project", "PROJ"
    api_url: str
    jql: str = ""  # Jira: the query the state was made with
    links_only: bool = False  # no SyncState: only the issues opportunities link to are read
    problem: str = ""  # a state that cannot be read again: run() raises this line

    @property
    def name(self) -> str:
        return f"{self.tracker} {self.project}"

    @property
    def label(self) -> str:
        return f"{self.name} (linked issues)" if self.links_only else self.name


def plan(store: Store, *, github_api_url: str = API_URL) -> list[Source]:
    """Every source to sync again, in the order they are run: the synced ones by name, then the
    linked GitHub repositories no state names (see the module's docstring)."""
    sources: list[Source] = []
    synced_github: set[str] = set()
    for state in sorted(store.all(SyncState), key=lambda s: (s.source, s.number)):
        source = _from_state(state)
        sources.append(source)
        if source.tracker == "github":
            synced_github.add(source.project.casefold())
    linked: dict[str, Source] = {}
    for opportunity in sorted(store.all(Opportunity), key=lambda o: o.number):
        for link in opportunity.links:
            repo = link.key.rpartition("#")[0] if link.tracker == "github" else ""
            if not repo or repo.casefold() in synced_github or repo.casefold() in linked:
                continue
            host = (urlsplit(link.url).hostname or "").lower()
            api_url = github_api_url if host in ("", "github.com", "www.github.com") else f"https://{host}/api/v3"
            linked[repo.casefold()] = Source("github", repo, api_url, links_only=True)
    return sources + sorted(linked.values(), key=lambda s: s.project.casefold())


def _from_state(state: SyncState) -> Source:
    tracker, _, project = state.source.partition(" ")
    if tracker not in TRACKERS or not project:
        return Source(tracker or "?", project or state.source, state.api_url,
                      problem=f"{state.source!r}: not a source prodops syncs (github, gitlab or jira)")
    if tracker != "jira":
        return Source(tracker, project, state.api_url or (API_URL if tracker == "github" else gitlab.API_URL))
    # jira.JiraIssues.state_url: {site}/rest/api/2/search?jql=project = KEY AND (Q)
    site, _, query = state.api_url.partition("/rest/api/2/search?")
    base = parse_qs(query).get("jql", [""])[0]
    head = f"project = {project} AND ("
    if not site or not base.startswith(head) or not base.endswith(")"):
        return Source(tracker, project, site, problem=f"jira {project}: its query cannot be read back from the "
                                                       f"workspace; run prodops sync jira {project} --jql … in a shell")
    return Source(tracker, project, site, jql=base[len(head):-1])


def run(store: Store, source: Source, *, environ: Mapping[str, str], progress: Progress | None = None,
        on_wait: Callable[[float], None] | None = None, fetcher: Fetch | None = None,
        sleep: Callable[[float], None] = time.sleep) -> SyncResult:
    """Sync one source again, the token from `environ` (the module's docstring). Raises what
    `prodops sync` raises (ProdopsError, one line; what was stored before it stays)."""
    if source.problem:
        raise InvalidInput(source.problem)

    def token(name: str) -> str | None:
        return environ.get(name, "").strip() or None

    if source.links_only:
        return refresh_links(store, source.project, api_url=source.api_url, token=token(TOKEN_ENV), fetcher=fetcher,
                             sleep=sleep, on_wait=on_wait)
    if source.tracker == "github":
        return sync_github(store, source.project, api_url=source.api_url, token=token(TOKEN_ENV), progress=progress,
                           fetcher=fetcher, sleep=sleep, on_wait=on_wait)
    if source.tracker == "gitlab":
        return sync_gitlab(store, source.project, api_url=source.api_url, token=token(gitlab.TOKEN_ENV),
                           progress=progress, fetcher=fetcher, sleep=sleep, on_wait=on_wait)
    return sync_jira(store, source.project, jql=source.jql, api_url=source.api_url, token=token(jira.TOKEN_ENV),
                     user=token(jira.USER_ENV), progress=progress, fetcher=fetcher, sleep=sleep, on_wait=on_wait)


def refresh_links(store: Store, repo: str, *, api_url: str = API_URL, token: str | None = None,
                  fetcher: Fetch | None = None, sleep: Callable[[float], None] = time.sleep,
                  on_wait: Callable[[float], None] | None = None) -> SyncResult:
    """Read only the issues of OWNER/REPO that opportunities link to, and ship or reopen as a
    sync would (delivery.py); the repository's other issues are not read. Raises InvalidInput for
    a repository or API address that cannot be; what the tracker answers is said in the notes."""
    client = GitHubIssues(repo, api_url=api_url, token=token, token_env=TOKEN_ENV, fetcher=fetcher, sleep=sleep,
                          on_wait=on_wait)
    delivered = LinkRefresh(store, client).refresh()
    result = SyncResult(source=client.source, ignored_word="")
    result.links_refreshed, result.shipped, result.reopened, result.link_notes = (
        delivered.refreshed, delivered.shipped, delivered.reopened, delivered.notes)
    result.requests, result.not_modified, result.waited_s = client.requests, client.not_modified, client.waited_s
    return result


def summary(source: Source, result: SyncResult) -> str:
    """The one line the app shows: the sync's own summary, or for linked issues only
    'github acme/app (linked issues): 2 read, O-3 shipped, 2 requests'."""
    if not source.links_only:
        return result.summary()
    delivered = Delivery(result.links_refreshed, result.shipped, result.reopened, result.link_notes)
    words = delivered.words().removeprefix(", ") or "no linked issue read"
    return f"{source.label}: {words}, {plural(result.requests, 'request')}"
