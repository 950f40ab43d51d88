"""One `prodops sync TRACKER PROJECT`: page after page into the workspace, then the summary.

One loop (`sync`) for every tracker: the tracker's client (github.py, gitlab.py, jira.py, all
client.TrackerClient) says where the pages are and how its records read; the loop stores them.

The order of a run:
1. start_run marks it started (the cursor kept: `since` and the last single-page ETag).
2. The first page is asked `since=` the cursor (GitHub `since`, GitLab `updated_after`, Jira
   `updated >=` to the minute), with If-None-Match when the tracker answers 304 and that very
   URL answered the stored ETag; a 304 ends the run at once ("nothing changed", one request).
3. Each page's issues (but those `prodops push` made: an opportunity's own, push.is_pushed_issue)
   are stored in one change together with the cursor moved to the page's
   newest `updated_at` (apply.store_page). A run killed at any point has stored whole pages
   only, and the cursor names the last of them: the next run asks `since=` it and goes on, so
   every issue arrives once (the issues at the cursor's very second are asked again, found
   unchanged, and cost nothing but their bytes).
4. The next page is the one the answer names (`Link: rel="next"`; Jira: startAt), until there is none.
5. The tracker issues opportunities link to are refreshed (delivery.py): from the pages when
   they held them, else one request each; an issue closed as completed ships its opportunity.

Paging by offset has one hole: an issue edited upstream during a run moves from a page already
read to the end, and every later issue moves back one place, so the first issue of the next page
is never seen. The moved issue is seen twice in the run, which is how the run notices; the
cursor it leaves is then the moved issue's first `updated_at`, so the next run reads again from
there and the skipped issue with it.

The ETag is kept only for a run whose first page was its only page: a 304 then says that no
issue changed since the cursor. For a longer answer a 304 on page 1 could not vouch for the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..model import SyncState
from ..storage.store import Store
from ..text import plural
from .apply import KnownKeys, PageOutcome, store_page
from . import gitlab, jira
from .client import Fetch, SyncError, TrackerClient
from .delivery import Delivery, LinkRefresh
from .push import is_pushed_issue
from .github import API_URL, TOKEN_ENV, GitHubIssues
from .state import put_state, start_run

# progress(pages read, pages in all or 0 when not known, issues and pull requests read so far)
Progress = Callable[[int, int, int], None]


@dataclass
class SyncResult:
    source: str  # "github rails/rails"
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    pull_requests: int = 0  # skipped: not feedback
    skipped: list[str] = field(default_factory=list)  # records that could not be read, "#12: why"
    requests: int = 0
    not_modified: int = 0
    pages: int = 0
    since: str = ""  # what the first request asked since ("" = from the start)
    ids: list[str] = field(default_factory=list)  # every id added, in the order they arrived
    waited_s: float = 0.0  # seconds spent waiting out rate limits
    links_refreshed: int = 0  # opportunities' links to this project's issues read this run (delivery.py)
    shipped: list[str] = field(default_factory=list)  # opportunities shipped by their issue closing as completed
    reopened: list[str] = field(default_factory=list)  # ... back in progress, their issue reopened
    link_notes: list[str] = field(default_factory=list)  # one line each: "O-3: its issue acme/app#12 was closed as not planned"
    pushed_issues: int = 0  # issues carrying a prodops evidence section (push.py): an opportunity's own, not feedback

    ignored_word: str = field(default="pull request", repr=False)  # what the tracker's records skip ("" nothing)

    def summary(self) -> str:
        """'github rails/rails: 120 new, 8 updated, 30 pull requests skipped, 3 requests (1 not modified)'
        (no "skipped" for a tracker whose endpoint holds issues only)."""
        parts = [f"{self.new:,} new", f"{self.updated:,} updated"]
        if self.ignored_word or self.pull_requests:
            parts.append(f"{plural(self.pull_requests, self.ignored_word or 'record')} skipped")
        if self.skipped:
            parts.append(f"{plural(len(self.skipped), 'issue')} unreadable")
        if self.pushed_issues:
            parts.append(f"{plural(self.pushed_issues, 'pushed issue')} left out")
        requests = plural(self.requests, "request")
        if self.not_modified:
            requests += f" ({self.not_modified:,} not modified)"
        delivered = Delivery(self.links_refreshed, self.shipped, self.reopened, self.link_notes).words()
        return f"{self.source}: {', '.join(parts)}, {requests}{delivered}"

    def to_dict(self) -> dict[str, Any]:
        """The shape `--json` prints."""
        data = asdict(self)
        del data["ignored_word"]
        return data


def sync_github(store: Store, repo: str, *, api_url: str = API_URL, token: str | None = None,
                token_env: str = TOKEN_ENV, progress: Progress | None = None, fetcher: Fetch | None = None,
                sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.time,
                on_wait: Callable[[float], None] | None = None) -> SyncResult:
    """Bring OWNER/REPO's issues in, or what changed since the last run; see the module docstring.

    Raises SyncError (one line, saying what was stored before it and that a rerun resumes) when
    the tracker cannot be read to the end, InvalidInput for a repository or URL that cannot be."""
    client = GitHubIssues(repo, api_url=api_url, token=token, token_env=token_env, fetcher=fetcher,
                          sleep=sleep, now=now, on_wait=on_wait)
    return sync(store, client, progress=progress)


def sync_gitlab(store: Store, project: str, *, api_url: str = gitlab.API_URL, token: str | None = None,
                token_env: str = gitlab.TOKEN_ENV, progress: Progress | None = None, fetcher: Fetch | None = None,
                sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.time,
                on_wait: Callable[[float], None] | None = None) -> SyncResult:
    """Bring GROUP/PROJECT's issues in from GitLab, or what changed since the last run (the same
    guarantees as sync_github)."""
    client = gitlab.GitLabIssues(project, api_url=api_url, token=token, token_env=token_env, fetcher=fetcher,
                                 sleep=sleep, now=now, on_wait=on_wait)
    return sync(store, client, progress=progress)


def sync_jira(store: Store, project: str, *, jql: str, api_url: str, token: str | None = None,
              token_env: str = jira.TOKEN_ENV, user: str | None = None, user_env: str = jira.USER_ENV,
              progress: Progress | None = None, fetcher: Fetch | None = None,
              sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.time,
              on_wait: Callable[[float], None] | None = None) -> SyncResult:
    """Bring the issues of a Jira project that `jql` selects in, or what changed since the last run."""
    client = jira.JiraIssues(project, store=store, jql=jira.check_jql(jql), api_url=api_url, token=token, token_env=token_env,
                             user=user, user_env=user_env, fetcher=fetcher, sleep=sleep, now=now, on_wait=on_wait)
    return sync(store, client, progress=progress)


def sync(store: Store, client: TrackerClient, *, progress: Progress | None = None) -> SyncResult:
    """Bring the client's project in, or what changed since the last run; see the module docstring.

    Raises SyncError (one line, saying what was stored before it and that a rerun resumes) when
    the tracker cannot be read to the end."""
    source = client.source
    state = start_run(store, source, client.state_url)
    result = SyncResult(source=source, since=state.since, ignored_word=client.ignored_word)
    known = KnownKeys(store, client.key_prefix)
    linked = LinkRefresh(store, client)
    first_seen: dict[object, str] = {}  # record id -> its updated stamp when first read in this run
    moved_from = ""  # the earliest first stamp of a record read twice (see the docstring)
    order = client.order
    url = client.first_url(state.since)
    etag = state.etag if client.conditional and state.etag and state.etag_url == url else ""
    number = 0
    total = 0

    def label(outcome: PageOutcome) -> str:
        return f"synced {source}: {outcome_words(outcome)} (page {number})"

    def name_of(record: Any) -> str:
        found = client.record_id(record)
        return "" if found is None else f"#{found}" if isinstance(found, int) else str(found)

    while url:
        number += 1
        try:
            page = client.page(url, number=number, etag=etag if number == 1 else "")
        except SyncError as exc:
            raise _stopped(store, state, result, client, exc) from None
        if page.not_modified:
            break
        total = max(total, page.last_page, number)
        newest = ""
        for record in page.records:
            stamp = client.updated(record)
            if not stamp:
                continue
            if not newest or order(stamp) > order(newest):
                newest = stamp
            record_id = client.record_id(record)
            if record_id is not None:
                seen = first_seen.setdefault(record_id, stamp)
                if seen != stamp and (not moved_from or order(seen) < order(moved_from)):
                    moved_from = seen
        since = newest if newest and (not state.since or order(newest) > order(state.since)) else state.since
        last = not page.next_url
        if last and moved_from and order(moved_from) < order(since):
            since = moved_from
        single = number == 1 and last and client.conditional
        page_state = replace(state, since=since, finished=last, etag=page.etag if single else "",
                             etag_url=url if single and page.etag else "", requests=client.requests,
                             not_modified=client.not_modified)

        def state_after(outcome: PageOutcome, now: str, page_state: SyncState = page_state) -> SyncState:
            _add(result, outcome)
            return replace(_counted(page_state, result), synced_at=now)

        feedback = [record for record in page.records if not is_pushed_issue(record)]
        result.pushed_issues += len(page.records) - len(feedback)
        _, state = store_page(store, feedback, client.convert, known, state_after, label, name_of)
        linked.see(page.records)
        result.pages = number
        if progress is not None:
            progress(number, total, len(first_seen))
        url = page.next_url
    delivered = linked.refresh()
    result.links_refreshed, result.shipped, result.reopened, result.link_notes = (
        delivered.refreshed, delivered.shipped, delivered.reopened, delivered.notes)
    result.requests, result.not_modified, result.waited_s = client.requests, client.not_modified, client.waited_s
    if not state.finished or state.requests != result.requests:  # a 304, or waits after the last page
        with store.change(f"sync {source} ended", origin="sync", history=False) as tx:
            put_state(tx, replace(_counted(state, result), synced_at=tx.now, finished=True, stopped="",
                                  requests=result.requests, not_modified=result.not_modified))
    return result


def outcome_words(outcome: PageOutcome) -> str:
    return f"{len(outcome.new_ids):,} new, {outcome.updated:,} updated"


def _counted(state: SyncState, result: SyncResult) -> SyncState:
    return replace(state, arrived=result.new, updated=result.updated, pull_requests=result.pull_requests)


def _add(result: SyncResult, outcome: PageOutcome) -> None:
    result.new += len(outcome.new_ids)
    result.ids += outcome.new_ids
    result.updated += outcome.updated
    result.unchanged += outcome.unchanged
    result.pull_requests += outcome.pull_requests
    result.skipped += outcome.skipped


def _stopped(store: Store, state: SyncState, result: SyncResult, client: TrackerClient, exc: SyncError) -> SyncError:
    """The error to raise, after keeping in the state why the run stopped; what was stored stays."""
    result.requests, result.not_modified = client.requests, client.not_modified
    reason = str(exc)
    with store.change(f"{result.source}: sync stopped", origin="sync", history=False) as tx:
        put_state(tx, replace(_counted(state, result), synced_at=tx.now, finished=False, stopped=reason,
                              requests=client.requests, not_modified=client.not_modified))
    if result.new or result.updated:
        reason += f"; {result.new:,} new and {result.updated:,} updated issues were stored before it, run the command again to go on"
    elif result.pages:
        reason += "; run the command again to go on"
    exc.args = (reason,)
    return exc
