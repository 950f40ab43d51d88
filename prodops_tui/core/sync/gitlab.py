"""Reading a project's issues from GitLab's REST API, a page at a time.

`GET {api}/projects/GROUP%2FPROJECT/issues?scope=all&state=all&per_page=100&order_by=updated_at
&sort=asc[&updated_after=T]` (https://docs.gitlab.com/api/issues/#list-project-issues), then
each `Link: rel="next"` (or, without a Link header, `X-Next-Page`) the answer names
(https://docs.gitlab.com/api/rest/#pagination). Oldest update first, as for GitHub: the next run
asks `updated_after=` (on or after) the newest `updated_at` stored. Merge requests are not in this
endpoint; a record that is one all the same is skipped by the importer. The key of each issue is
the importer's (`gitlab:GROUP/PROJECT#IID`, importers/gitlab.item_from_issue), so an import of
the project's CSV export or REST records and a sync meet on the same items.

The token (a personal, project or group access token) goes in the `PRIVATE-TOKEN` header and
nowhere else. `--api-url` serves a self-managed instance: `https://HOST/api/v4`.

Rate limits (https://docs.gitlab.com/user/gitlab_com/#rate-limits-on-gitlabcom): a 429 with
`Retry-After`, or `RateLimit-Reset` (epoch seconds), waits or stops as client.py says. GitLab
answers no 304 on this endpoint, so no ETag is kept.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit, parse_qsl

from ..errors import InvalidInput
from ..importers.gitlab import item_from_issue
from ..model import FeedbackItem, TrackerLink
from ..text import clean_line
from .client import MAX_WAIT_S, Fetch, Page, Send, TrackerClient, check_api_url, links, page_number, plain_web_url
from .http import Response

API_URL = "https://gitlab.com/api/v4"
TOKEN_ENV = "GITLAB_TOKEN"
PER_PAGE = 100
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_STATUS_FIRST = re.compile(r"^\d{3}\s+")


def check_project(project: str) -> str:
    """'GROUP/PROJECT' (or GROUP/SUBGROUP/PROJECT) as typed, or InvalidInput in one line."""
    project = project.strip().strip("/")
    if project.endswith(".git"):
        project = project[:-4]
    segments = project.split("/")
    if len(segments) < 2 or not all(_SEGMENT.match(s) and not s.endswith(".") for s in segments):
        raise InvalidInput(f"{clean_line(project)!r} is not a project: say GROUP/PROJECT, e.g. gitlab-org/gitlab")
    return project


class GitLabIssues(TrackerClient):
    """The issues endpoint of one project."""

    tracker = "GitLab"
    kind = "gitlab"
    project_word = "project"
    ignored_word = ""

    def __init__(self, project: str, *, api_url: str = API_URL, token: str | None = None,
                 token_env: str = TOKEN_ENV, fetcher: Fetch | None = None,
                 sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.time,
                 max_wait: float = MAX_WAIT_S, on_wait: Callable[[float], None] | None = None,
                 sender: Send | None = None):
        project = check_project(project)
        super().__init__(project, api_url=check_api_url(api_url, token=token or None,
                                                        example="https://gitlab.com/api/v4 or https://HOST/api/v4"),
                         token=token, token_env=token_env, fetcher=fetcher, sleep=sleep, now=now,
                         max_wait=max_wait, on_wait=on_wait, sender=sender)

    @property
    def key_prefix(self) -> str:
        return f"gitlab:{self.project}#"

    def first_url(self, since: str = "") -> str:
        query = {"scope": "all", "state": "all", "per_page": str(PER_PAGE), "order_by": "updated_at", "sort": "asc"}
        if since:
            query["updated_after"] = since
        return f"{self.api_url}/projects/{quote(self.project, safe='')}/issues?{urlencode(query)}"

    def headers(self, etag: str = "") -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "prodops-sync"}
        if self.token:
            headers["PRIVATE-TOKEN"] = self.token
        return headers

    def read_page(self, answer: Response, data: Any, url: str, number: int) -> Page:
        if not isinstance(data, list):
            raise self._error(f"page {number} from {self.host} is not a list of issues but a JSON {type(data).__name__}")
        found = links(answer.header("Link"))
        next_url = found.get("next", "")
        following = answer.header("X-Next-Page")
        if not next_url and following.isdigit() and data:
            next_url = _with_page(url, int(following))
        pages = answer.header("X-Total-Pages")
        last = int(pages) if pages.isdigit() else page_number(found.get("last", ""))
        return Page(url, data, next_url, last, "")

    def convert(self, record: dict[str, Any]) -> FeedbackItem:
        return item_from_issue(record)

    def record_id(self, record: Any) -> object | None:
        iid = record.get("iid") if isinstance(record, dict) else None
        return iid if isinstance(iid, int) else None

    def updated(self, record: Any) -> str:
        stamp = record.get("updated_at") if isinstance(record, dict) else None
        return stamp if isinstance(stamp, str) else ""

    def reset_wait(self, answer: Response) -> float | None:
        reset = answer.header("RateLimit-Reset")
        if reset.isdigit():
            return max(0.0, float(reset) - self._now()) + 1  # the reset's own second
        return None

    # --- one issue (push.py, delivery.py) ----------------------------------------------------
    # https://docs.gitlab.com/api/issues/#new-issue, #single-project-issue, #edit-an-issue:
    # POST /projects/:id/issues {title, description, labels: "a,b"} answers 201; GET and
    # PUT /projects/:id/issues/:iid {description}. State "opened" or "closed" (with closed_at);
    # GitLab keeps no close reason, so closed is read as done.

    refreshes_links = True
    body_field = "description"
    update_method = "PUT"

    def issue_url(self, number: int) -> str:
        return f"{self.api_url}/projects/{quote(self.project, safe='')}/issues/{number}"

    def new_issue_url(self) -> str:
        return f"{self.api_url}/projects/{quote(self.project, safe='')}/issues"

    def new_issue(self, title: str, body: str, labels: tuple[str, ...]) -> dict[str, Any]:
        payload: dict[str, Any] = {"title": title, "description": body}
        names = [name.replace(",", " ").strip() for name in labels]  # GitLab splits its labels at commas
        if any(names):
            payload["labels"] = ",".join(name for name in names if name)
        return payload

    def web_url(self, record: dict[str, Any]) -> str:
        return plain_web_url(record.get("web_url"))

    def link_state(self, record: dict[str, Any]) -> str:
        """GitLab's own words: "opened" or "closed"."""
        return "closed" if str(record.get("state") or "").casefold() == "closed" else "opened"

    def issue_link(self, record: dict[str, Any]) -> TrackerLink | None:
        url = self.web_url(record)
        iid = record.get("iid")
        if not url or not isinstance(iid, int) or self.redact(url) != url:
            return None
        path = urlsplit(url).path.strip("/")
        project = path.split("/-/issues/")[0] if "/-/issues/" in path else self.project
        return TrackerLink(url=url, tracker="gitlab", key=f"{project}#{iid}", upstream_state=self.link_state(record),
                           pushed=True)

    def message(self, answer: Response) -> str:
        """GitLab writes the status into its messages ("404 Project Not Found"): said once."""
        return _STATUS_FIRST.sub("", super().message(answer))


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("page", str(page))])))
