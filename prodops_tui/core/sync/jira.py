"""Reading a Jira project's issues from the REST search API, a page at a time.

`GET {site}/rest/api/2/search?jql=project = KEY AND (Q) [AND updated >= "yyyy/MM/dd HH:mm"]
ORDER BY updated ASC&startAt=N&maxResults=100&fields=summary,description,...`
(https://developer.atlassian.com/cloud/jira/platform/rest/v2/api-group-issue-search/), paging
by `startAt` until `total` (Jira may answer fewer than maxResults: the next page starts after
the records it sent). v2 writes descriptions as text; the importer's converter
(importers/jira.item_from_issue) also reads v3's rich text, so the same records serve either.

Jira's `updated` filter has minute resolution and is read in the Jira user's time zone, the zone
Jira writes its times in (`2011-06-02T22:03:39.000+0000`): the next run asks from the minute of
the newest `updated` stored, written in that stamp's own offset. The issues of that minute are
read again each run and found unchanged (their source keys, `jira:KEY-N`, are held).

The cursor belongs to the query: another --jql (or site) starts afresh (state_url).

Token: with a user (`$JIRA_USER`, Jira Cloud's account e-mail) the token (`$JIRA_TOKEN`, an API
token) is sent as `Authorization: Basic base64(user:token)`; without one as `Authorization:
Bearer token` (a Data Center / Server personal access token). Neither is stored or printed, nor
the Basic value.

Jira Cloud removed `GET /rest/api/2/search` in 2025 (Atlassian CHANGE-2046: 410 Gone) for
`/rest/api/3/search/jql`, paged by `nextPageToken` without `total`: not read yet; a 410 says so in
one line. Data Center and Server serve the endpoint read here.

One issue, for `prodops push` and the delivery a sync reads back (v2,
https://developer.atlassian.com/cloud/jira/platform/rest/v2/api-group-issues/): `POST
{site}/rest/api/2/issue` {fields: project key, summary, description (wiki markup), issuetype by
name ("Story" unless said), labels} answers 201 {id, key, self}; `GET
{site}/rest/api/2/issue/KEY?fields=...` reads it; `PUT` {fields: {description}} answers 204.
A link's state: statusCategory "done" with a resolution of Done, Fixed, Resolved, Complete(d) or
none is "closed: completed" (it ships, resolutiondate its date); done with any other resolution
(Won't Do, Won't Fix, Duplicate, Cannot Reproduce...) is "closed: won't do" and the like, said,
not shipped; any other category is "open". A status without statusCategory (older Jira; Apache's
answers) is done when the issue has a resolution. Links are this project's keys on this site
(`{site}/browse/KEY-N`). Jira labels hold no spaces: the area's name is sent with `_` for them.

Rate limits: a 429 (or a 503 with `Retry-After`), with `Retry-After` seconds or an
`X-RateLimit-Reset` time, waits or stops as client.py says.
"""

from __future__ import annotations

import base64
import json
import math
import re
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import InvalidInput
from ..importers.jira import item_from_issue
from ..model import FeedbackItem, TrackerLink
from ..storage.store import Store
from ..text import clean_line
from .client import MAX_WAIT_S, Fetch, Page, Send, TrackerClient, check_api_url, plain_web_url, short
from .http import Response

TOKEN_ENV = "JIRA_TOKEN"
USER_ENV = "JIRA_USER"
PER_PAGE = 100
FIELDS = ("summary", "description", "reporter", "labels", "votes", "status", "resolution", "created", "updated",
          "issuetype", "priority", "components", "resolutiondate")
ISSUE_FIELDS = ("summary", "description", "status", "resolution", "resolutiondate", "updated")
ISSUE_TYPE = "Story"
DONE_RESOLUTIONS = ("done", "fixed", "resolved", "complete", "completed")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)
_ISSUE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-\d+$")
_API_TAIL = re.compile(r"/rest/api/\d+(/search)?/*$")


def check_key(project: str) -> str:
    """The project key as Jira writes it (upper case), or InvalidInput in one line."""
    key = project.strip()
    if not _KEY.match(key):
        raise InvalidInput(f"{clean_line(key)!r} is not a Jira project key: say the key its issues start with, e.g. LUCENE")
    return key.upper()


def check_jql(jql: str) -> str:
    jql = clean_line(jql).strip()
    if not jql:
        raise InvalidInput("--jql is empty: say which issues, e.g. --jql 'type = Bug'")
    if _ORDER_BY.search(jql):
        raise InvalidInput("--jql must not say ORDER BY: the sync reads oldest update first")
    return jql


def _stamp_time(stamp: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


class JiraIssues(TrackerClient):
    """The issues of one Jira project that a JQL query selects."""

    tracker = "Jira"
    kind = "jira"
    project_word = "project"
    ignored_word = ""
    rate_statuses = (429, 503)

    def __init__(self, project: str, *, store: Store | None = None, jql: str = "", api_url: str,
                 token: str | None = None, token_env: str = TOKEN_ENV, user: str | None = None,
                 user_env: str = USER_ENV, fetcher: Fetch | None = None,
                 sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.time,
                 max_wait: float = MAX_WAIT_S, on_wait: Callable[[float], None] | None = None,
                 sender: Send | None = None, issue_type: str = ISSUE_TYPE):
        """`jql` says which issues a sync reads; a push reads none and needs none."""
        key = check_key(project)
        self.jql = check_jql(jql) if jql else ""
        self.issue_type = clean_line(issue_type).strip() or ISSUE_TYPE
        site = _API_TAIL.sub("", api_url.strip().rstrip("/"))
        super().__init__(key, api_url=check_api_url(site, token=token or None,
                                                    example="https://acme.atlassian.net or https://jira.example.com"),
                         token=token, token_env=token_env, fetcher=fetcher, sleep=sleep, now=now,
                         max_wait=max_wait, on_wait=on_wait, sender=sender)
        self.user = (user or "").strip() or None
        self.user_env = user_env

    @property
    def key_prefix(self) -> str:
        return f"jira:{self.project}-"

    @property
    def base_jql(self) -> str:
        return f"project = {self.project} AND ({self.jql})" if self.jql else f"project = {self.project}"

    @property
    def state_url(self) -> str:
        return f"{self.api_url}/rest/api/2/search?{urlencode({'jql': self.base_jql})}"

    def first_url(self, since: str = "") -> str:
        jql = self.base_jql
        when = _stamp_time(since) if since else None
        if when is not None:
            jql += f' AND updated >= "{when.strftime("%Y/%m/%d %H:%M")}"'  # the stamp's own offset: Jira's zone
        query = {"jql": f"{jql} ORDER BY updated ASC", "startAt": "0", "maxResults": str(PER_PAGE),
                 "fields": ",".join(FIELDS)}
        return f"{self.api_url}/rest/api/2/search?{urlencode(query)}"

    def headers(self, etag: str = "") -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "prodops-sync"}
        if self.token and self.user:
            headers["Authorization"] = f"Basic {self._basic()}"
        elif self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _basic(self) -> str:
        return base64.b64encode(f"{self.user}:{self.token}".encode()).decode("ascii")

    def secrets(self) -> list[str]:
        return [self.token, self._basic()] if self.token and self.user else super().secrets()

    def read_page(self, answer: Response, data: Any, url: str, number: int) -> Page:
        issues = data.get("issues") if isinstance(data, dict) else None
        if not isinstance(issues, list):
            raise self._error(f"page {number} from {self.host} is not a Jira search answer (no issues list)")
        start, total = data.get("startAt"), data.get("total")
        start = start if isinstance(start, int) else _start_of(url)
        next_url = ""
        last = 0
        if isinstance(total, int) and issues:
            after = start + len(issues)
            if after < total:
                next_url = _with_start(url, after)
            last = number + math.ceil(max(0, total - after) / len(issues))
        return Page(url, issues, next_url, last, "")

    def convert(self, record: dict[str, Any]) -> FeedbackItem:
        return item_from_issue(record)

    def record_id(self, record: Any) -> object | None:
        key = record.get("key") if isinstance(record, dict) else None
        return key if isinstance(key, str) and key else None

    def updated(self, record: Any) -> str:
        fields = record.get("fields") if isinstance(record, dict) else None
        stamp = fields.get("updated") if isinstance(fields, dict) else None
        return stamp if isinstance(stamp, str) and _stamp_time(stamp) is not None else ""

    def order(self, stamp: str) -> str:
        when = _stamp_time(stamp)
        return when.astimezone(timezone.utc).isoformat() if when is not None else stamp

    def reset_wait(self, answer: Response) -> float | None:
        reset = answer.header("X-RateLimit-Reset")
        when = _stamp_time(reset.replace("Z", "+00:00")) if reset else None
        return None if when is None else max(0.0, when.timestamp() - self._now()) + 1

    def message(self, answer: Response) -> str:
        """Jira's errors: {"errorMessages": ["..."], "errors": {"field": "..."}}."""
        try:
            data = json.loads(answer.body)
        except (UnicodeDecodeError, json.JSONDecodeError, ValueError):
            return ""
        if not isinstance(data, dict):
            return ""
        said = [m for m in data.get("errorMessages") or [] if isinstance(m, str)]
        errors = data.get("errors")
        if isinstance(errors, dict):
            said += [m for m in errors.values() if isinstance(m, str)]
        return short(" ".join(said)) if said else super().message(answer)

    # --- one issue (push.py, delivery.py; the module's docstring) --------------------------

    refreshes_links = True
    update_method = "PUT"
    updated_statuses = (200, 204)

    def issue_address(self, key: str) -> str:
        return f"{self.api_url}/rest/api/2/issue/{key}?{urlencode({'fields': ','.join(ISSUE_FIELDS)})}"

    def new_issue_url(self) -> str:
        return f"{self.api_url}/rest/api/2/issue"

    def new_issue(self, title: str, body: str, labels: tuple[str, ...]) -> dict[str, Any]:
        fields: dict[str, Any] = {"project": {"key": self.project}, "summary": title, "description": body,
                                  "issuetype": {"name": self.issue_type}}
        names = ["_".join(name.split()) for name in labels if name.strip()]  # a Jira label holds no space
        if names:
            fields["labels"] = names
        return {"fields": fields}

    def issue_body(self, record: dict[str, Any]) -> str:
        fields = record.get("fields")
        body = fields.get("description") if isinstance(fields, dict) else None
        return body if isinstance(body, str) else ""

    def body_update(self, body: str) -> dict[str, Any]:
        return {"fields": {"description": body}}

    def web_url(self, record: dict[str, Any]) -> str:
        key = record.get("key")
        if not isinstance(key, str) or not _ISSUE_KEY.match(key):
            return ""
        return plain_web_url(f"{self.api_url}/browse/{key.upper()}")

    def link_state(self, record: dict[str, Any]) -> str:
        fields = _dict(record.get("fields"))
        status = _dict(fields.get("status"))
        resolution = _dict(fields.get("resolution"))
        if "statusCategory" in status:
            done = str(_dict(status["statusCategory"]).get("key") or "").casefold() == "done"
        else:  # an older Jira (Apache's answers carry none): resolved is done
            done = bool(resolution)
        if not done:
            return "open"
        name = clean_line(str(resolution.get("name") or "")).casefold()
        return "closed: completed" if not name or name in DONE_RESOLUTIONS else f"closed: {name}"

    def closed_at(self, record: dict[str, Any]) -> str:
        fields = record.get("fields")
        stamp = fields.get("resolutiondate") if isinstance(fields, dict) else None
        if not isinstance(stamp, str) or _stamp_time(stamp) is None:
            return ""
        return stamp

    def issue_link(self, record: dict[str, Any]) -> TrackerLink | None:
        url = self.web_url(record)
        key = record.get("key")
        if not url or not isinstance(key, str) or self.redact(url) != url:
            return None
        return TrackerLink(url=url, tracker="jira", key=key.upper(), upstream_state="open", pushed=True)

    def linked_issue(self, link: TrackerLink) -> str:
        key = link.key.upper()
        if link.tracker != "jira" or not key.startswith(self.project + "-") or not _ISSUE_KEY.match(key):
            return ""
        site = plain_web_url(self.api_url)
        if not site or not plain_web_url(link.url).casefold().startswith(f"{site}/browse/".casefold()):
            return ""  # the same key on another site
        return self.issue_address(key)

    def refusal(self, status: int, detail: str) -> str:
        if status == 400:
            return f"Jira refused the query {self.base_jql!r} ({detail})"
        if status == 401 and not self.user and self.token:
            return (f"Jira refused the token in ${self.token_env} ({detail}): a Jira Cloud API token needs the "
                    f"account's e-mail in ${self.user_env}; a Data Center token may have expired")
        if status == 404:
            return f"no Jira search at {self.api_url} ({detail}): give --api-url as the site, e.g. https://acme.atlassian.net"
        if status == 410:  # Jira Cloud removed GET /rest/api/2/search in 2025 (CHANGE-2046) for /search/jql
            return (f"{self.host} no longer serves /rest/api/2/search ({detail}): Jira Cloud replaced it with "
                    "/rest/api/3/search/jql, which this version of prodops does not read yet; Jira Data Center and "
                    "Server still serve it")
        return ""


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _start_of(url: str) -> int:
    start = dict(parse_qsl(urlsplit(url).query)).get("startAt", "0")
    return int(start) if start.isdigit() else 0


def _with_start(url: str, start: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "startAt"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("startAt", str(start))])))
