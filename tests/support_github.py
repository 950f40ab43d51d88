"""A GitHub-compatible issues API on 127.0.0.1, for the sync tests: never the internet.

Serves `GET {prefix}/repos/OWNER/REPO/issues` as GitHub's REST API does (the shapes the sync
reads, as documented at https://docs.github.com/en/rest/issues/issues#list-repository-issues and
https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api):
- `state=all`, `sort=updated`, `direction=asc|desc`, `since=` (updated at or after), `per_page`
  (at most 100, and at most `page_size`, so 80 real records make several pages), `page`;
- a `Link` header with `rel="next"` and `rel="last"` (absolute URLs carrying the same query);
- a weak `ETag` over the body, and `304 Not Modified` (no body) for a matching `If-None-Match`;
- `X-RateLimit-Limit/Remaining/Reset` on every answer;
- 404 `{"message": "Not Found"}` for an unknown repository (and a private one asked without a
  token), 401 `{"message": "Bad credentials"}` for a wrong token.

And one issue at a time, as `prodops push` and the sync's link refresh use them
(https://docs.github.com/en/rest/issues/issues#create-an-issue, #get-an-issue, #update-an-issue):
- `POST /repos/OWNER/REPO/issues` {title, body, labels}: 201 with the new issue (the next number,
  state open, html_url on github.com as GitHub's own records have it); a write needs a token (401);
- `GET /repos/OWNER/REPO/issues/N`: 200 with the issue, 404 for none, 410 for one `deleted`;
- `PATCH /repos/OWNER/REPO/issues/N` {title, body, labels, state, state_reason}: 200 with it.
`close` and `reopen` change an issue upstream as a person would on GitHub (state, state_reason,
closed_at, a newer updated_at).

Faults are set per request number (1-based, every request counts): `fail_at[3] = Fault(...)`:
any status with headers and a body, `drop` (headers and half the body, then the connection
closes), `garbage` (a 200 whose body is not JSON).

The records are real: tests/data/intake/github_issues_rest.json (80 records of one page of
matomo-org/matomo's issues endpoint, SOURCES.md), served as they are; `edit` changes one as an
upstream edit would, with a newer updated_at.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from collections.abc import Callable
from typing import Any

from tests.support_http import LoopbackServer
from urllib.parse import urlencode

SAMPLE = Path(__file__).resolve().parent / "data" / "intake" / "github_issues_rest.json"
SAMPLE_REPO = "matomo-org/matomo"
_ONE_ISSUE = re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)$")


def sample_records() -> list[dict[str, Any]]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


@dataclass
class Fault:
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"message": "Server Error"}'
    drop: bool = False  # send the headers and half the body, then close the connection
    garbage: bool = False  # a 200 whose body is not JSON


@dataclass
class Asked:
    """One request as the server saw it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    status: int = 0
    method: str = "GET"
    body: Any = None  # the JSON a POST or PATCH sent


class FakeGitHub(LoopbackServer):
    def __init__(self, repos: dict[str, list[dict[str, Any]]] | None = None, *, page_size: int = 25,
                 prefix: str = "", token: str | None = None, private: bool = False):
        self.repos = {name: {r["number"]: copy.deepcopy(r) for r in records}
                      for name, records in (repos if repos is not None else {SAMPLE_REPO: sample_records()}).items()}
        self.page_size = page_size
        self.prefix = prefix
        self.token = token  # when set, an Authorization other than `Bearer <token>` is refused (401)
        self.private = private  # when set, a request without Authorization finds no repository (404)
        self.fail_at: dict[int, Fault] = {}
        self.before: dict[int, Callable[[], None]] = {}  # run before answering request N (an upstream edit mid-run)
        self.asked: list[Asked] = []
        self.rate_remaining = 5000
        self.rate_reset = 2_000_000_000
        self.deleted: set[tuple[str, int]] = set()  # (repo, number) answered 410 Gone
        self._tick = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- the test's side --------------------------------------------------------------------




    def edit(self, number: int, repo: str = SAMPLE_REPO, **changes: Any) -> dict[str, Any]:
        """Change an issue upstream: its fields, and updated_at moved past every other."""
        with self._lock:
            record = self.repos[repo][number]
            record.update(changes)
            self._tick += 1
            record["updated_at"] = f"2026-11-24T14:{self._tick // 60:02d}:{self._tick % 60:02d}Z"
            return record

    def issues_of(self, repo: str = SAMPLE_REPO) -> list[dict[str, Any]]:
        return [r for r in self.repos[repo].values() if "pull_request" not in r]

    def close(self, number: int, repo: str = SAMPLE_REPO, *, reason: str = "completed",
              at: str = "2026-11-20T10:30:00Z") -> dict[str, Any]:
        """Close an issue upstream as a person would: state_reason completed or not_planned."""
        return self.edit(number, repo, state="closed", state_reason=reason, closed_at=at)

    def reopen(self, number: int, repo: str = SAMPLE_REPO) -> dict[str, Any]:
        return self.edit(number, repo, state="open", state_reason="reopened", closed_at=None)

    def delete(self, number: int, repo: str = SAMPLE_REPO) -> None:
        with self._lock:
            self.deleted.add((repo, number))
            self.repos[repo].pop(number, None)

    def asked_as(self, method: str) -> list[Asked]:
        return [a for a in self.asked if a.method == method]

    # --- the server's side ------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str], method: str = "GET",
               sent: Any = None) -> tuple[int, dict[str, str], bytes, Fault | None]:
        hook = self.before.get(len(self.asked) + 1)
        if hook is not None:
            hook()
        with self._lock:
            number = len(self.asked) + 1
            asked = Asked(path, query, headers, method=method, body=sent)
            self.asked.append(asked)
            one = _ONE_ISSUE.match(path.removeprefix(self.prefix))
            if method != "GET" or one:
                status, out, body = self._one(number, path, headers, method, sent, one)
                asked.status = status
                return status, out, body, None
            status, out, body, fault = self._answer(number, path, query, headers)
            asked.status = status
            return status, out, body, fault

    def _one(self, number: int, path: str, headers: dict[str, str], method: str, sent: Any,
             one: re.Match[str] | None) -> tuple[int, dict[str, str], bytes]:
        """One issue: POST creates, GET reads, PATCH changes (the docstring)."""
        self.rate_remaining = max(0, self.rate_remaining - 1)
        rate = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(self.rate_remaining),
                "X-RateLimit-Reset": str(self.rate_reset), "Content-Type": "application/json; charset=utf-8"}
        fault = self.fail_at.get(number)
        if fault is not None:
            return fault.status, {**rate, **fault.headers}, fault.body
        auth = headers.get("authorization", "")
        if (self.token is not None and auth and auth != f"Bearer {self.token}") or (method != "GET" and not auth):
            return 401, rate, _json({"message": "Requires authentication" if not auth else "Bad credentials"})
        not_found = 404, rate, _json({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
        if one is None:  # POST .../issues
            repo = path.removeprefix(self.prefix).removeprefix("/repos/").removesuffix("/issues")
            if method != "POST" or repo not in self.repos:
                return not_found
            if not isinstance(sent, dict) or not isinstance(sent.get("title"), str) or not sent["title"].strip():
                return 422, rate, _json({"message": "Validation Failed", "errors": [{"field": "title", "code": "missing_field"}]})
            issue_number = max([*self.repos[repo], *(n for r, n in self.deleted if r == repo), 0]) + 1
            self._tick += 1
            stamp = f"2026-11-24T14:{self._tick // 60:02d}:{self._tick % 60:02d}Z"
            record = {
                "number": issue_number, "title": sent["title"], "body": sent.get("body"),
                "labels": [{"name": name} for name in sent.get("labels") or []],
                "state": "open", "state_reason": None, "closed_at": None, "created_at": stamp, "updated_at": stamp,
                "html_url": f"https://github.com/{repo}/issues/{issue_number}",
                "url": f"https://api.github.com/repos/{repo}/issues/{issue_number}",
                "repository_url": f"https://api.github.com/repos/{repo}",
                "user": {"login": "prodops-bot"}, "comments": 0, "reactions": {"+1": 0},
            }
            self.repos[repo][issue_number] = record
            return 201, {**rate, "Location": record["url"]}, _json(record)
        repo, issue_number = one.group(1), int(one.group(2))
        if (repo, issue_number) in self.deleted:
            return 410, rate, _json({"message": "This issue was deleted", "documentation_url": "https://docs.github.com/rest"})
        if repo not in self.repos or issue_number not in self.repos[repo]:
            return not_found
        record = self.repos[repo][issue_number]
        if method == "PATCH":
            if not isinstance(sent, dict):
                return 400, rate, _json({"message": "Problems parsing JSON"})
            for name in ("title", "body", "state", "state_reason"):
                if name in sent:
                    record[name] = sent[name]
            if "labels" in sent:
                record["labels"] = [{"name": name} for name in sent["labels"]]
            self._tick += 1
            record["updated_at"] = f"2026-11-24T14:{self._tick // 60:02d}:{self._tick % 60:02d}Z"
        elif method != "GET":
            return not_found
        return 200, rate, _json(record)

    def _answer(self, number: int, path: str, query: dict[str, str], headers: dict[str, str]):
        self.rate_remaining = max(0, self.rate_remaining - 1)
        rate = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(self.rate_remaining),
                "X-RateLimit-Reset": str(self.rate_reset)}
        fault = self.fail_at.get(number)
        if fault is not None and not fault.garbage and not fault.drop:
            return fault.status, {**rate, **fault.headers, "Content-Type": "application/json"}, fault.body, None
        auth = headers.get("authorization", "")
        if self.token is not None and auth and auth != f"Bearer {self.token}":
            return 401, rate, _json({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}), None
        repo = path.removeprefix(self.prefix).removeprefix("/repos/").removesuffix("/issues")
        if not path.startswith(self.prefix + "/repos/") or not path.endswith("/issues") or repo not in self.repos \
                or (self.private and not auth):
            return 404, rate, _json({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}), None
        records = sorted(self.repos[repo].values(), key=lambda r: (r["updated_at"], r["number"]),
                         reverse=query.get("direction", "desc") == "desc")
        if query.get("since"):
            records = [r for r in records if r["updated_at"] >= query["since"]]
        size = min(int(query.get("per_page", "30")), 100, self.page_size)
        page = int(query.get("page", "1"))
        chunk = records[(page - 1) * size: page * size]
        body = _json(chunk)
        out = {**rate, "Content-Type": "application/json; charset=utf-8"}
        etag = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        out["ETag"] = etag
        last = max(1, -(-len(records) // size))
        links = []
        if page < last:
            links.append(f'<{self._url(path, query, page + 1)}>; rel="next"')
            links.append(f'<{self._url(path, query, last)}>; rel="last"')
        if page > 1:
            links.append(f'<{self._url(path, query, 1)}>; rel="first"')
        if links:
            out["Link"] = ", ".join(links)
        if fault is not None:
            return 200, out, (b"<html><body>upstream connect error</body>" if fault.garbage else body), fault
        if headers.get("if-none-match") == etag:
            return 304, {k: v for k, v in out.items() if k != "Link"}, b"", None
        return 200, out, body, None

    def _url(self, path: str, query: dict[str, str], page: int) -> str:
        return f"{self.api_url.removesuffix(self.prefix)}{path}?{urlencode({**query, 'page': str(page)})}"


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")
