"""What the fake trackers (tests/support_github.py, support_gitlab.py, support_jira.py) share:
an HTTP server on 127.0.0.1 that hands every request to the fake's `answer`, and drops a
connection halfway where a fault says so. Never the internet."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class LoopbackServer:
    """A fake tracker's server: `with Fake(...) as fake:` serves it on a free port of 127.0.0.1.
    The fake sets `prefix` (its API's path, "" or "/api/v3") and defines
    `answer(path, query, headers, method="GET", sent=None) -> (status, headers, body, fault)`."""

    prefix: str = ""
    _server: ThreadingHTTPServer | None = None

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str], method: str = "GET",
               sent: Any = None) -> tuple[int, dict[str, str], bytes, Any]:
        raise NotImplementedError

    @property
    def api_url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.prefix}"

    def __enter__(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


def _handler(fake: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            status, out, body, fault = fake.answer(parts.path, query, self._headers())
            dropped = fault is not None and fault.drop  # headers and half the body, then the connection closes
            self._send(status, out, body[: len(body) // 2] if dropped else body, length=len(body), close=dropped)

        def do_POST(self) -> None:
            self._write("POST")

        def do_PATCH(self) -> None:
            self._write("PATCH")

        def do_PUT(self) -> None:
            self._write("PUT")

        def _headers(self) -> dict[str, str]:
            return {k.lower(): v for k, v in self.headers.items()}

        def _write(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                sent = json.loads(raw) if raw else None
            except ValueError:
                sent = None
            status, out, body, _ = fake.answer(urlsplit(self.path).path, {}, self._headers(), method, sent)
            self._send(status, out, body, length=len(body), close=False)

        def _send(self, status: int, out: dict[str, str], body: bytes, *, length: int, close: bool) -> None:
            self.send_response(status)
            for name, value in out.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(length))
            if close:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            if close:
                self.wfile.flush()
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the tests read what the fake was asked, not stderr

    return Handler


def no_sleep(seconds: float) -> None:
    """A sync's sleep where no rate limit is due: a wait would be a bug, so it fails the test."""
    raise AssertionError(f"slept {seconds} s where no wait was due")


def stored_once_by_key(store) -> dict[str, Any]:
    """The workspace's feedback by source key, checking no issue was stored twice."""
    from collections import Counter

    from prodops_tui.core.model import FeedbackItem

    items = store.all(FeedbackItem)
    counts = Counter(i.source_key for i in items)
    assert max(counts.values(), default=1) == 1, f"issues stored twice: {[k for k, n in counts.items() if n > 1]}"
    return {i.source_key: i for i in items}


def killed_at_request(number: int):
    """A sync's fetcher that asks the fake server as the real one would, until request `number`,
    which is interrupted as Ctrl+C (or a kill) would: nothing of it arrives."""
    from prodops_tui.core.sync.http import fetch

    asked: list[str] = []

    def fetcher(url, headers):
        asked.append(url)
        if len(asked) == number:
            raise KeyboardInterrupt
        return fetch(url, headers)

    return fetcher
