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
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

SAMPLE = Path(__file__).resolve().parent / "data" / "intake" / "github_issues_rest.json"
SAMPLE_REPO = "matomo-org/matomo"


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


class FakeGitHub:
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
        self._tick = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- the test's side --------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.prefix}"

    def __enter__(self) -> FakeGitHub:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

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

    # --- the server's side ------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, str], bytes, Fault | None]:
        hook = self.before.get(len(self.asked) + 1)
        if hook is not None:
            hook()
        with self._lock:
            number = len(self.asked) + 1
            asked = Asked(path, query, headers)
            self.asked.append(asked)
            status, out, body, fault = self._answer(number, path, query, headers)
            asked.status = status
            return status, out, body, fault

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


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out, body, fault = fake.answer(parts.path, query, headers)
            self.send_response(status)
            for name, value in out.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            if fault is not None and fault.drop:
                self.send_header("Connection", "close")
            self.end_headers()
            if fault is not None and fault.drop:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the tests read `asked`, not stderr

    return Handler
