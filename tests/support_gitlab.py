"""A GitLab-compatible issues API on 127.0.0.1, for the sync tests: never the internet.

Serves `GET {prefix}/projects/GROUP%2FPROJECT/issues` as GitLab's REST API does, in the shapes
its documentation gives (https://docs.gitlab.com/api/issues/#list-project-issues and
https://docs.gitlab.com/api/rest/#pagination, #offset-based-pagination):
- `scope`, `state=all`, `order_by=updated_at`, `sort=asc|desc`, `updated_after=` (on or after),
  `per_page` (at most 100, and at most `page_size`), `page`;
- `Link` (`rel="next"`, `rel="first"`, `rel="last"`) and `X-Page`, `X-Per-Page`, `X-Total`,
  `X-Total-Pages`, `X-Next-Page`, `X-Prev-Page` (`link=False` sends no Link header, as some
  proxies strip it: X-Next-Page alone then says where the next page is);
- `RateLimit-Limit/Remaining/Reset` on every answer;
- 404 `{"message": "404 Project Not Found"}` for an unknown project (and a private one asked
  without a token), 401 `{"message": "401 Unauthorized"}` for a wrong `PRIVATE-TOKEN`.

THE RECORDS ARE NOT A RECORDED ANSWER: no real GitLab REST issues page is in tests/data. They are
built in the documented record shape (the example answer of "List project issues": id, iid,
project_id, title, description, state opened/closed, created_at, updated_at, closed_at,
closed_by, labels as names, milestone, assignees, assignee, author{id, username, name, state,
avatar_url, web_url}, type, user_notes_count, merge_requests_count, upvotes, downvotes,
due_date, confidential, discussion_locked, issue_type, web_url, time_stats,
task_completion_status, references{short, relative, full}, severity, _links). Their content is
the four issues of GitLab's own CSV-export fixture (tests/data/intake/gitlab_issues_export.csv,
project jashkenas/underscore on a development instance: the same iids, titles, descriptions,
authors, labels, milestone and times) and eight more made here so that there are pages to
follow (iids 40-47, two closed, some upvoted).

One issue, for `prodops push` and the delivery a sync reads back
(https://docs.gitlab.com/api/issues/#new-issue, #single-project-issue, #edit-an-issue):
- `POST {prefix}/projects/:id/issues` {title, description, labels "a,b"}: 201 with the new issue
  (iid the project's next), 400 `{"message": {"title": ["can't be blank"]}}` without a title;
- `GET {prefix}/projects/:id/issues/:iid`: 200 with it, 404 `{"message": "404 Not found"}` for
  one deleted or never made (GitLab has no 410 for issues);
- `PUT {prefix}/projects/:id/issues/:iid` {title, description, labels, state_event close|reopen}:
  200 with it. A write without `PRIVATE-TOKEN` answers 401.
`close` and `reopen` change an issue upstream as a person would on GitLab (state, closed_at,
closed_by, a newer updated_at); `delete` removes it.

Faults are set per request number (1-based): `fail_at[3] = Fault(...)` (tests/support_github.py).
"""

from __future__ import annotations

import copy
import csv
import re
import threading
from pathlib import Path
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

from tests.support_http import LoopbackServer
from urllib.parse import unquote, urlencode

from .support_github import Asked, Fault, _json

CSV_SAMPLE = Path(__file__).resolve().parent / "data" / "intake" / "gitlab_issues_export.csv"
SAMPLE_PROJECT = "jashkenas/underscore"
WEB = "http://localhost:3000"
_ONE_ISSUE = re.compile(r"^/projects/([^/]+)/issues/(\d+)$")  # the id URL-encoded, as GitLab wants it


def _user(user_id: int, username: str, name: str) -> dict[str, Any]:
    return {"id": user_id, "username": username, "name": name, "state": "active", "locked": False,
            "avatar_url": None, "web_url": f"{WEB}/{username}"}


def _record(iid: int, *, title: str, description: str | None, author: dict[str, Any], created: str, updated: str,
            labels: list[str], milestone: str, assignee: dict[str, Any] | None, state: str = "opened",
            closed_at: str | None = None, upvotes: int = 0, project: str = SAMPLE_PROJECT) -> dict[str, Any]:
    """One issue in the documented shape of `GET /projects/:id/issues`."""
    return {
        "id": 1000 + iid, "iid": iid, "project_id": 4,
        "title": title, "description": description, "state": state,
        "created_at": created, "updated_at": updated, "closed_at": closed_at,
        "closed_by": author if state == "closed" else None,
        "labels": labels,
        "milestone": {"id": 11, "iid": 3, "project_id": 4, "title": milestone, "description": None, "state": "active",
                      "created_at": "2020-01-17T10:36:26.000Z", "updated_at": "2020-01-17T10:36:26.000Z",
                      "due_date": None, "start_date": None, "web_url": f"{WEB}/{project}/-/milestones/3"} if milestone else None,
        "assignees": [assignee] if assignee else [], "assignee": assignee, "author": author,
        "type": "ISSUE", "user_notes_count": 0, "merge_requests_count": 0, "upvotes": upvotes, "downvotes": 0,
        "due_date": None, "confidential": False, "discussion_locked": None, "issue_type": "issue",
        "web_url": f"{WEB}/{project}/-/issues/{iid}",
        "time_stats": {"time_estimate": 0, "total_time_spent": 0, "human_time_estimate": None,
                       "human_total_time_spent": None},
        "task_completion_status": {"count": 0, "completed_count": 0}, "has_tasks": False,
        "_links": {"self": f"{WEB}/api/v4/projects/4/issues/{iid}", "notes": f"{WEB}/api/v4/projects/4/issues/{iid}/notes",
                   "award_emoji": f"{WEB}/api/v4/projects/4/issues/{iid}/award_emoji",
                   "project": f"{WEB}/api/v4/projects/4", "closed_as_duplicate_of": None},
        "references": {"short": f"#{iid}", "relative": f"#{iid}", "full": f"{project}#{iid}"},
        "severity": "UNKNOWN", "moved_to_id": None, "service_desk_reply_to": None,
    }


def _iso(csv_time: str) -> str:
    return csv_time.replace(" ", "T") + ".000Z" if csv_time else ""


def sample_records() -> list[dict[str, Any]]:
    """12 issues: the CSV fixture's four, then eight more (see the module docstring)."""
    records = []
    with CSV_SAMPLE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            assignee = _user(20 + len(records), row["Assignee Username"], row["Assignee"]) if row["Assignee Username"] else None
            records.append(_record(
                int(row["Issue ID"]), title=row["Title"], description=row["Description"] or None,
                author=_user(10 + len(records), row["Author Username"], row["Author"]),
                created=_iso(row["Created At (UTC)"]), updated=_iso(row["Updated At (UTC)"]),
                labels=[label for label in row["Labels"].split(",") if label], milestone=row["Milestone"],
                assignee=assignee))
    reporter = _user(31, "amara.okafor", "Amara Okafor")
    for n in range(8):
        iid = 40 + n
        closed = n in (2, 5)
        records.append(_record(
            iid, title=f"Export to CSV drops the {('first', 'last', 'header', 'quoted', 'empty', 'unicode', 'long', 'nested')[n]} column",
            description="Steps: export the list, open it in a spreadsheet; the column is missing.",
            author=reporter, created=f"2020-03-0{1 + n}T09:00:00.000Z", updated=f"2020-03-{10 + n}T09:00:00.000Z",
            labels=["export", "bug"] if n % 2 else ["export"], milestone="v1.0" if n < 4 else "",
            assignee=None, state="closed" if closed else "opened",
            closed_at=f"2020-03-{10 + n}T09:00:00.000Z" if closed else None, upvotes=n))
    return records


class FakeGitLab(LoopbackServer):
    def __init__(self, projects: dict[str, list[dict[str, Any]]] | None = None, *, page_size: int = 5,
                 prefix: str = "/api/v4", token: str | None = None, private: bool = False, link: bool = True):
        self.projects = {name: {r["iid"]: copy.deepcopy(r) for r in records}
                         for name, records in (projects if projects is not None else {SAMPLE_PROJECT: sample_records()}).items()}
        self.page_size = page_size
        self.prefix = prefix
        self.token = token
        self.private = private
        self.link = link
        self.fail_at: dict[int, Fault] = {}
        self.before: dict[int, Callable[[], None]] = {}
        self.asked: list[Asked] = []
        self.deleted: set[tuple[str, int]] = set()
        self.raw_paths: list[str] = []  # as sent, before percent-decoding
        self._tick = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None




    def edit(self, iid: int, project: str = SAMPLE_PROJECT, **changes: Any) -> dict[str, Any]:
        """Change an issue upstream: its fields, and updated_at moved past every other."""
        with self._lock:
            record = self.projects[project][iid]
            record.update(changes)
            self._tick += 1
            record["updated_at"] = f"2026-11-24T14:{self._tick // 60:02d}:{self._tick % 60:02d}.000Z"
            return record

    def close(self, iid: int, project: str = SAMPLE_PROJECT, *, at: str = "2026-11-20T10:30:00.000Z") -> dict[str, Any]:
        """Close an issue upstream as a person would (GitLab keeps no reason)."""
        return self.edit(iid, project, state="closed", closed_at=at, closed_by=_user(9, "maintainer", "Maintainer"))

    def reopen(self, iid: int, project: str = SAMPLE_PROJECT) -> dict[str, Any]:
        return self.edit(iid, project, state="opened", closed_at=None, closed_by=None)

    def delete(self, iid: int, project: str = SAMPLE_PROJECT) -> None:
        with self._lock:
            del self.projects[project][iid]
            self.deleted.add((project, iid))

    def asked_as(self, method: str) -> list[Asked]:
        return [a for a in self.asked if a.method == method]

    def issues_of(self, project: str = SAMPLE_PROJECT) -> list[dict[str, Any]]:
        return list(self.projects[project].values())

    def ordered(self, project: str = SAMPLE_PROJECT) -> list[dict[str, Any]]:
        return sorted(self.projects[project].values(), key=lambda r: (r["updated_at"], r["id"]))

    def answer(self, raw_path: str, query: dict[str, str], headers: dict[str, str], method: str = "GET",
               sent: Any = None):
        hook = self.before.get(len(self.asked) + 1)
        if hook is not None:
            hook()
        with self._lock:
            path = unquote(raw_path)
            asked = Asked(path, query, headers, method=method, body=sent)
            self.asked.append(asked)
            self.raw_paths.append(raw_path)
            one = _ONE_ISSUE.match(raw_path.removeprefix(self.prefix))
            if method != "GET" or one:
                status, out, body = self._one(len(self.asked), raw_path, headers, method, sent, one)
                asked.status = status
                return status, out, body, None
            status, out, body, fault = self._answer(len(self.asked), raw_path, query, headers)
            asked.status = status
            return status, out, body, fault

    def _answer(self, number: int, raw_path: str, query: dict[str, str], headers: dict[str, str]):
        rate = {"RateLimit-Limit": "2000", "RateLimit-Observed": str(number), "RateLimit-Remaining": str(2000 - number),
                "RateLimit-Reset": "2000000000"}
        fault = self.fail_at.get(number)
        if fault is not None and not fault.garbage and not fault.drop:
            return fault.status, {**rate, **fault.headers, "Content-Type": "application/json"}, fault.body, None
        sent = headers.get("private-token", "")
        if self.token is not None and sent and sent != self.token:
            return 401, rate, _json({"message": "401 Unauthorized"}), None
        start, end = self.prefix + "/projects/", "/issues"
        encoded = raw_path[len(start):-len(end)] if raw_path.startswith(start) and raw_path.endswith(end) else ""
        wanted = unquote(encoded).casefold() if "/" not in encoded else ""  # the id must come URL-encoded
        project = next((name for name in self.projects if name.casefold() == wanted), None)
        if project is None or (self.private and not sent):
            return 404, rate, _json({"message": "404 Project Not Found"}), None
        records = sorted(self.projects[project].values(), key=lambda r: (r["updated_at"], r["id"]),
                         reverse=query.get("sort", "desc") == "desc")
        if query.get("updated_after"):
            records = [r for r in records if r["updated_at"] >= query["updated_after"]]
        size = min(int(query.get("per_page", "20")), 100, self.page_size)
        page = int(query.get("page", "1"))
        chunk = records[(page - 1) * size: page * size]
        body = _json(chunk)
        last = max(1, -(-len(records) // size))
        out = {**rate, "Content-Type": "application/json", "X-Page": str(page), "X-Per-Page": str(size),
               "X-Total": str(len(records)), "X-Total-Pages": str(last),
               "X-Next-Page": str(page + 1) if page < last else "", "X-Prev-Page": str(page - 1) if page > 1 else ""}
        if self.link:
            found = []
            if page < last:
                found.append(f'<{self._url(raw_path, query, page + 1)}>; rel="next"')
            found.append(f'<{self._url(raw_path, query, 1)}>; rel="first"')
            found.append(f'<{self._url(raw_path, query, last)}>; rel="last"')
            out["Link"] = ", ".join(found)
        if fault is not None:
            return 200, out, (b"<html><body>502 Bad Gateway</body>" if fault.garbage else body), fault
        return 200, out, body, None

    def _project(self, encoded: str) -> str | None:
        wanted = unquote(encoded).casefold() if "/" not in encoded else ""  # the id must come URL-encoded
        return next((name for name in self.projects if name.casefold() == wanted), None)

    def _one(self, number: int, raw_path: str, headers: dict[str, str], method: str, sent: Any,
             one: re.Match[str] | None) -> tuple[int, dict[str, str], bytes]:
        """One issue: POST creates, GET reads, PUT changes (the module's docstring)."""
        rate = {"RateLimit-Limit": "2000", "RateLimit-Observed": str(number), "RateLimit-Remaining": str(2000 - number),
                "RateLimit-Reset": "2000000000", "Content-Type": "application/json"}
        fault = self.fail_at.get(number)
        if fault is not None:
            return fault.status, {**rate, **fault.headers}, fault.body
        token = headers.get("private-token", "")
        if (self.token is not None and token and token != self.token) or (method != "GET" and not token):
            return 401, rate, _json({"message": "401 Unauthorized"})
        if one is None:  # POST /projects/:id/issues
            start, end = self.prefix + "/projects/", "/issues"
            encoded = raw_path[len(start):-len(end)] if raw_path.startswith(start) and raw_path.endswith(end) else "/"
            project = self._project(encoded)
            if method != "POST" or project is None:
                return 404, rate, _json({"message": "404 Project Not Found"})
            if not isinstance(sent, dict) or not isinstance(sent.get("title"), str) or not sent["title"].strip():
                return 400, rate, _json({"message": {"title": ["can't be blank"]}})
            iid = max([*self.projects[project], *(i for p, i in self.deleted if p == project), 0]) + 1
            self._tick += 1
            stamp = f"2026-11-24T14:{self._tick // 60:02d}:{self._tick % 60:02d}.000Z"
            labels = [name for name in str(sent.get("labels") or "").split(",") if name]
            record = _record(iid, title=sent["title"], description=sent.get("description"),
                             author=_user(99, "prodops-bot", "prodops bot"), created=stamp, updated=stamp,
                             labels=labels, milestone="", assignee=None, project=project)
            self.projects[project][iid] = record
            return 201, rate, _json(record)
        project, iid = self._project(one.group(1)), int(one.group(2))
        if project is None or iid not in self.projects[project]:
            return 404, rate, _json({"message": "404 Not found"})
        record = self.projects[project][iid]
        if method == "PUT":
            if not isinstance(sent, dict):
                return 400, rate, _json({"error": "the body is not JSON"})
            for name in ("title", "description"):
                if name in sent:
                    record[name] = sent[name]
            if "labels" in sent:
                record["labels"] = [name for name in str(sent["labels"]).split(",") if name]
            if sent.get("state_event") == "close":
                record.update(state="closed", closed_at=f"2026-11-24T14:59:{self._tick % 60:02d}.000Z")
            elif sent.get("state_event") == "reopen":
                record.update(state="opened", closed_at=None)
            self._tick += 1
            record["updated_at"] = f"2026-11-24T14:{self._tick // 60:02d}:{self._tick % 60:02d}.000Z"
        elif method != "GET":
            return 404, rate, _json({"message": "404 Not found"})
        return 200, rate, _json(record)

    def _url(self, raw_path: str, query: dict[str, str], page: int) -> str:
        return f"{self.api_url.removesuffix(self.prefix)}{raw_path}?{urlencode({**query, 'page': str(page)})}"
