"""Reading a repository's issues from GitHub's REST API, a page at a time.

`GET {api}/repos/OWNER/REPO/issues?state=all&per_page=100&sort=updated&direction=asc[&since=T]`,
then each `Link: rel="next"` the answer names (https://docs.github.com/en/rest/issues/issues,
https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api). Oldest
update first, so a run stopped after page k has stored every issue updated up to that page's
last `updated_at`, and the next run asks `since=` that (see run.py). The same code serves GitHub
Enterprise Server: its API is `https://HOST/api/v3`.

Conditional requests: the first page is asked with `If-None-Match: <its ETag last time>` when
the URL is the one that ETag answered; a 304 means nothing changed, and GitHub does not count it
against the rate limit.

Rate limits (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api):
a 403 or 429 with `Retry-After`, or with `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset`
(epoch seconds), waits when the wait is at most MAX_WAIT_S, else stops with RateLimited
(client.py). The token goes into the Authorization header and nowhere else.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..errors import InvalidInput
from ..importers import tracker
from ..importers.github import item_from_issue
from ..model import FeedbackItem, TrackerLink
from ..text import clean_line
from .client import MAX_WAIT_S, Fetch, Page, RateLimited, Send, SyncError, TrackerClient, check_api_url, links, page_number, plain_web_url
from .http import Response

__all__ = ["API_URL", "TOKEN_ENV", "Fetch", "GitHubIssues", "Page", "RateLimited", "SyncError", "check_repo"]

API_URL = "https://api.github.com"
TOKEN_ENV = "GITHUB_TOKEN"
ACCEPT = "application/vnd.github+json"
API_VERSION = "2022-11-28"
PER_PAGE = 100
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def check_repo(repo: str) -> str:
    """'OWNER/REPO' as typed, or InvalidInput in one line."""
    repo = repo.strip().strip("/")
    if repo.endswith(".git"):
        repo = repo[:-4]
    if not _REPO.match(repo) or repo.split("/")[1] in (".", ".."):
        raise InvalidInput(f"{clean_line(repo)!r} is not a repository: say OWNER/REPO, e.g. rails/rails")
    return repo


class GitHubIssues(TrackerClient):
    """The issues endpoint of one repository."""

    tracker = "GitHub"
    kind = "github"
    project_word = "repository"
    ignored_word = "pull request"
    conditional = True
    rate_statuses = (403, 429)

    def __init__(self, repo: str, *, api_url: str = API_URL, token: str | None = None,
                 token_env: str = TOKEN_ENV, fetcher: Fetch | None = None,
                 sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.time,
                 max_wait: float = MAX_WAIT_S, on_wait: Callable[[float], None] | None = None,
                 sender: Send | None = None):
        repo = check_repo(repo)
        super().__init__(repo, api_url=check_api_url(api_url, token=token or None,
                                                     example="https://api.github.com or https://HOST/api/v3"),
                         token=token, token_env=token_env, fetcher=fetcher, sleep=sleep, now=now,
                         max_wait=max_wait, on_wait=on_wait, sender=sender)

    @property
    def repo(self) -> str:
        return self.project

    @property
    def key_prefix(self) -> str:
        return f"github:{self.repo}#"

    def issue_url(self, number: int) -> str:
        """One issue's API address (GET reads it, PATCH changes it)."""
        return f"{self.api_url}/repos/{self.repo}/issues/{number}"

    def first_url(self, since: str = "") -> str:
        query = {"state": "all", "per_page": str(PER_PAGE), "sort": "updated", "direction": "asc"}
        if since:
            query["since"] = since
        return f"{self.api_url}/repos/{self.repo}/issues?{urlencode(query)}"

    def headers(self, etag: str = "") -> dict[str, str]:
        headers = {"Accept": ACCEPT, "X-GitHub-Api-Version": API_VERSION, "User-Agent": "prodops-sync"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if etag:
            headers["If-None-Match"] = etag
        return headers

    def read_page(self, answer: Response, data: Any, url: str, number: int) -> Page:
        if not isinstance(data, list):
            raise self._error(f"page {number} from {self.host} is not a list of issues but a JSON {type(data).__name__}")
        found = links(answer.header("Link"))
        return Page(url, data, found.get("next", ""), page_number(found.get("last", "")), answer.header("ETag"))

    def convert(self, record: dict[str, Any]) -> FeedbackItem:
        return item_from_issue(record, repo=self.repo)

    def record_id(self, record: Any) -> object | None:
        number = record.get("number") if isinstance(record, dict) else None
        return number if isinstance(number, int) else None

    def updated(self, record: Any) -> str:
        stamp = record.get("updated_at") if isinstance(record, dict) else None
        return stamp if isinstance(stamp, str) else ""

    def reset_wait(self, answer: Response) -> float | None:
        if answer.header("X-RateLimit-Remaining") == "0" and answer.header("X-RateLimit-Reset").isdigit():
            return max(0.0, float(answer.header("X-RateLimit-Reset")) - self._now()) + 1  # the reset's own second
        return None

    def refusal(self, status: int, detail: str) -> str:
        if status == 410:
            return f"{self.repo} has its issues turned off ({detail})"
        return ""

    # --- one issue (push.py, delivery.py) ----------------------------------------------------

    refreshes_links = True

    def new_issue_url(self) -> str:
        return f"{self.api_url}/repos/{self.repo}/issues"

    def new_issue(self, title: str, body: str, labels: tuple[str, ...]) -> dict[str, Any]:
        payload: dict[str, Any] = {"title": title, "body": body}
        if labels:
            payload["labels"] = list(labels)
        return payload

    def web_url(self, record: dict[str, Any]) -> str:
        return plain_web_url(record.get("html_url"))

    def link_state(self, record: dict[str, Any]) -> str:
        """"open", "closed: completed", "closed: not_planned" (state_reason), "closed"."""
        closed = str(record.get("state") or "").casefold() == "closed"
        reason = record.get("state_reason")
        return tracker.state(closed, reason if isinstance(reason, str) else "")[1]

    def issue_link(self, record: dict[str, Any]) -> TrackerLink | None:
        url = self.web_url(record)
        number = record.get("number")
        if not url or not isinstance(number, int) or self.redact(url) != url:
            return None
        path = urlsplit(url).path.strip("/").split("/")
        repo = "/".join(path[:2]) if len(path) >= 4 and path[2] == "issues" else self.repo
        return TrackerLink(url=url, tracker="github", key=f"{repo}#{number}", upstream_state=self.link_state(record),
                           pushed=True)
