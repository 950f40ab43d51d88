"""A Jira-compatible search API on 127.0.0.1, for the sync tests: never the internet.

Serves `GET {prefix}/rest/api/2/search` as Jira (Server/Data Center, and Cloud's v2 search)
does (https://developer.atlassian.com/cloud/jira/platform/rest/v2/api-group-issue-search/):
- `jql` of the shape the sync sends, `project = KEY AND (Q) [AND updated >= "yyyy/MM/dd HH:mm"]
  ORDER BY updated ASC` (the minute read in UTC, the zone the records are written in; Q is kept
  in `asked`, not evaluated), anything else a 400 as Jira says it;
- `startAt`, `maxResults` (at most `page_size`, so 10 records make several pages), and the answer
  `{"expand", "startAt", "maxResults", "total", "issues"}`;
- `fields=a,b,c`: each issue's `fields` cut to those, as Jira does;
- an unknown project (or a private one asked without credentials, which Jira answers the same
  way): 400 `{"errorMessages": ["The value 'X' does not exist for the field 'project'."]}`;
  wrong credentials: 401.

The records are real: the 10 issues (LUCENE-1..10) of tests/data/intake/jira_search_v2.json, one
answer of Apache's Jira (SOURCES.md), served as they are; `edit` changes one as an upstream edit
would, with a newer `fields.updated`.

One issue, for `prodops push` and the delivery a sync reads back (v2,
https://developer.atlassian.com/cloud/jira/platform/rest/v2/api-group-issues/):
- `POST {prefix}/rest/api/2/issue` {fields: project {key}, summary, description, issuetype
  {name}, labels}: 201 {id, key, self}; 400 {"errors": {"summary": "You must specify a summary of
  the issue."}} without a summary, {"errors": {"issuetype": ...}} for a type other than
  `issue_types`, a label with a space refused as Jira does;
- `GET {prefix}/rest/api/2/issue/KEY[?fields=a,b]`: 200 with it; 404 {"errorMessages": ["Issue
  does not exist or you do not have permission to see it."]} for one deleted or never made;
- `PUT {prefix}/rest/api/2/issue/KEY` {fields: {description, summary, labels}}: 204, no body.
A write without Authorization answers 401. `resolve` and `reopen` change an issue upstream as a
workflow would: status (with statusCategory done / indeterminate), resolution, resolutiondate.

Faults are set per request number (1-based): `fail_at[3] = Fault(...)` (tests/support_github.py).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support_http import LoopbackServer

from .support_github import Asked, Fault, _json

SAMPLE = Path(__file__).resolve().parent / "data" / "intake" / "jira_search_v2.json"
SAMPLE_PROJECT = "LUCENE"
_JQL = re.compile(r'^project = (\S+) AND \((.*)\)(?: AND updated >= "(\d{4}/\d\d/\d\d \d\d:\d\d)")? ORDER BY updated ASC$')


def sample_issues() -> list[dict[str, Any]]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))["issues"]


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).astimezone(timezone.utc)


class FakeJira(LoopbackServer):
    def __init__(self, issues: list[dict[str, Any]] | None = None, *, page_size: int = 3, prefix: str = "/jira",
                 token: str | None = None, user: str | None = None, private: bool = False):
        self.issues = {i["key"]: copy.deepcopy(i) for i in (issues if issues is not None else sample_issues())}
        self.page_size = page_size
        self.prefix = prefix
        self.token = token  # when set, Authorization must be Bearer token (no user) or Basic user:token
        self.user = user
        self.private = private
        self.fail_at: dict[int, Fault] = {}
        self.issue_types = ("Story", "Bug", "Task")
        self.gone: set[str] = set()
        self.before: dict[int, Callable[[], None]] = {}
        self.asked: list[Asked] = []
        self._tick = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None




    def edit(self, key: str, *, updated: str = "", **changes: Any) -> dict[str, Any]:
        """Change an issue's fields upstream; `fields.updated` moved past every other (or to `updated`)."""
        with self._lock:
            issue = self.issues[key]
            issue["fields"].update(changes)
            self._tick += 1
            issue["fields"]["updated"] = updated or f"2026-11-24T14:{self._tick // 60:02d}:{self._tick % 60:02d}.000+0000"
            return issue

    def resolve(self, key: str, *, resolution: str = "Done", at: str = "2026-11-20T10:30:00.000+0000") -> dict[str, Any]:
        """Move an issue to Done with `resolution` ("Done", "Won't Do"...), as a workflow would."""
        return self.edit(key, status=_status("Done", "done"), resolution={"id": "10000", "name": resolution},
                         resolutiondate=at)

    def reopen(self, key: str) -> dict[str, Any]:
        return self.edit(key, status=_status("Reopened", "indeterminate"), resolution=None, resolutiondate=None)

    def delete(self, key: str) -> None:
        with self._lock:
            del self.issues[key]
            self.gone.add(key)

    def asked_as(self, method: str) -> list[Asked]:
        return [a for a in self.asked if a.method == method]

    def ordered(self) -> list[dict[str, Any]]:
        return sorted(self.issues.values(), key=lambda i: (_when(i["fields"]["updated"]), int(i["id"])))

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str], method: str = "GET", sent: Any = None):
        hook = self.before.get(len(self.asked) + 1)
        if hook is not None:
            hook()
        with self._lock:
            asked = Asked(path, query, headers, method=method, body=sent)
            self.asked.append(asked)
            if method != "GET" or path.startswith(f"{self.prefix}/rest/api/2/issue/"):
                status, out, body = self._one(len(self.asked), path, query, headers, method, sent)
                asked.status = status
                return status, out, body, None
            status, out, body, fault = self._answer(len(self.asked), path, query, headers)
            asked.status = status
            return status, out, body, fault

    def _authorized(self, auth: str) -> bool:
        if self.token is None or not auth:
            return True
        wanted = (f"Basic {base64.b64encode(f'{self.user}:{self.token}'.encode()).decode()}" if self.user
                  else f"Bearer {self.token}")
        return auth == wanted

    def _one(self, number: int, path: str, query: dict[str, str], headers: dict[str, str], method: str,
             sent: Any) -> tuple[int, dict[str, str], bytes]:
        """One issue: POST creates, GET reads, PUT changes (the module's docstring)."""
        out = {"Content-Type": "application/json;charset=UTF-8"}
        fault = self.fail_at.get(number)
        if fault is not None:
            return fault.status, {**out, **fault.headers}, fault.body
        auth = headers.get("authorization", "")
        if not self._authorized(auth) or (method != "GET" and not auth):
            return 401, out, _json({"errorMessages": ["You are not authenticated. Authentication required to perform this operation."],
                                    "errors": {}})
        base = f"{self.prefix}/rest/api/2/issue"
        if path == base and method == "POST":
            fields = sent.get("fields") if isinstance(sent, dict) else None
            if not isinstance(fields, dict) or not str(fields.get("summary") or "").strip():
                return 400, out, _json({"errorMessages": [], "errors": {"summary": "You must specify a summary of the issue."}})
            project = (fields.get("project") or {}).get("key")
            if project != SAMPLE_PROJECT:
                return 400, out, _json({"errorMessages": [], "errors": {"project": "valid project is required"}})
            if (fields.get("issuetype") or {}).get("name") not in self.issue_types:
                return 400, out, _json({"errorMessages": [], "errors": {"issuetype": "valid issue type is required"}})
            if any(" " in str(label) for label in fields.get("labels") or []):
                return 400, out, _json({"errorMessages": [], "errors": {"labels": "The label can't contain spaces."}})
            numbers = [int(key.rsplit("-", 1)[1]) for key in [*self.issues, *self.gone]]
            key = f"{project}-{max([*numbers, 0]) + 1}"
            issue_id = str(20000000 + len(self.issues) + len(self.gone))
            self._tick += 1
            stamp = f"2026-11-24T14:{self._tick // 60:02d}:{self._tick % 60:02d}.000+0000"
            site = self.api_url
            self.issues[key] = {
                "expand": "renderedFields,names,schema", "id": issue_id, "key": key,
                "self": f"{site}/rest/api/2/issue/{issue_id}",
                "fields": {"summary": fields["summary"], "description": fields.get("description"),
                           "issuetype": {"name": fields["issuetype"]["name"]}, "labels": list(fields.get("labels") or []),
                           "status": _status("Open", "new"), "resolution": None, "resolutiondate": None,
                           "created": stamp, "updated": stamp, "reporter": {"name": "prodops-bot", "displayName": "prodops bot"},
                           "votes": {"votes": 0, "hasVoted": False}, "priority": {"name": "Major"}, "components": []},
            }
            return 201, out, _json({"id": issue_id, "key": key, "self": f"{site}/rest/api/2/issue/{issue_id}"})
        key = path.removeprefix(base + "/") if path.startswith(base + "/") else ""
        issue = self.issues.get(key.upper())
        if issue is None:
            return 404, out, _json({"errorMessages": ["Issue does not exist or you do not have permission to see it."],
                                    "errors": {}})
        if method == "PUT":
            fields = sent.get("fields") if isinstance(sent, dict) else None
            if not isinstance(fields, dict):
                return 400, out, _json({"errorMessages": ["Can not deserialize the request."], "errors": {}})
            for name in ("summary", "description", "labels"):
                if name in fields:
                    issue["fields"][name] = fields[name]
            self._tick += 1
            issue["fields"]["updated"] = f"2026-11-24T14:{self._tick // 60:02d}:{self._tick % 60:02d}.000+0000"
            return 204, {}, b""
        if method != "GET":
            return 405, out, b""
        issue = copy.deepcopy(issue)
        wanted_fields = [f for f in query.get("fields", "").split(",") if f]
        if wanted_fields:
            issue["fields"] = {k: v for k, v in issue["fields"].items() if k in wanted_fields}
        return 200, out, _json(issue)

    def _answer(self, number: int, path: str, query: dict[str, str], headers: dict[str, str]):
        out = {"Content-Type": "application/json;charset=UTF-8"}
        fault = self.fail_at.get(number)
        if fault is not None and not fault.garbage and not fault.drop:
            return fault.status, {**out, **fault.headers}, fault.body, None
        auth = headers.get("authorization", "")
        if self.token is not None and auth:
            wanted = (f"Basic {base64.b64encode(f'{self.user}:{self.token}'.encode()).decode()}" if self.user
                      else f"Bearer {self.token}")
            if auth != wanted:
                return 401, out, _json({"errorMessages": ["You are not authenticated. Authentication required to perform this operation."],
                                        "errors": {}}), None
        if path != f"{self.prefix}/rest/api/2/search":
            return 404, {"Content-Type": "text/html"}, b"<html><body>Not Found</body></html>", None
        found = _JQL.match(query.get("jql", ""))
        if not found:
            return 400, out, _json({"errorMessages": [f"Error in the JQL Query: {query.get('jql', '')!r}"], "errors": {}}), None
        project, _, since = found.groups()
        if project != SAMPLE_PROJECT or (self.private and not auth):
            return 400, out, _json({"errorMessages": [f"The value '{project}' does not exist for the field 'project'."],
                                    "errors": {}}), None
        issues = self.ordered()
        if since:
            floor = datetime.strptime(since, "%Y/%m/%d %H:%M").replace(tzinfo=timezone.utc)
            issues = [i for i in issues if _when(i["fields"]["updated"]) >= floor]
        size = min(int(query.get("maxResults", "50")), self.page_size)
        start = int(query.get("startAt", "0"))
        wanted_fields = [f for f in query.get("fields", "").split(",") if f]
        chunk = []
        for issue in issues[start: start + size]:
            issue = copy.deepcopy(issue)
            if wanted_fields:
                issue["fields"] = {k: v for k, v in issue["fields"].items() if k in wanted_fields}
            chunk.append(issue)
        body = _json({"expand": "schema,names", "startAt": start, "maxResults": size, "total": len(issues), "issues": chunk})
        if fault is not None:
            return 200, out, (b"<html><body>Service Unavailable</body>" if fault.garbage else body), fault
        return 200, out, body, None


def _status(name: str, category: str) -> dict[str, Any]:
    return {"name": name, "id": {"done": "10001", "new": "1"}.get(category, "3"),
            "statusCategory": {"key": category, "name": {"done": "Done", "new": "To Do"}.get(category, "In Progress")}}
