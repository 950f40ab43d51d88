"""One request with the standard library (urllib), answered as a Response whatever its status:
GET for reading (fetch), POST and PATCH with a JSON body for `prodops push` (send).

urllib raises for every status from 300 up (a 304 Not Modified, a 404, a 503): here each comes back
as a Response, so the caller reads statuses in one place. What is not an answer (no connection, a
connection dropped mid-body, a timeout) raises FetchFailed with the reason, one line.

Redirects are followed only to the same scheme and host: urllib would resend the Authorization
header to whatever host a redirect names, and the token must reach only the API it was made for.
A write (send) follows none: urllib turns a redirected POST into a GET without its body, so a
redirect comes back as the answer and is read as an error.
"""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

TIMEOUT_S = 30.0


class FetchFailed(Exception):
    """No answer was read: the server could not be reached, or the connection broke."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass
class Response:
    status: int
    headers: Message = field(repr=False)  # case-insensitive look-ups: headers.get("ETag")
    body: bytes = field(repr=False)
    url: str = ""

    def header(self, name: str) -> str:
        return (self.headers.get(name) or "").strip() if self.headers is not None else ""


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if (old.scheme, old.netloc) != (new.scheme, new.netloc):
            return None  # the answer itself (a 30x) is returned instead, and read as an error
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        return None


_OPENER = urllib.request.build_opener(_SameHostRedirects)
_WRITER = urllib.request.build_opener(_NoRedirects)


def fetch(url: str, headers: Mapping[str, str], *, timeout: float = TIMEOUT_S) -> Response:
    """GET `url` with `headers`; the answer whatever its status, or FetchFailed."""
    return _open(_OPENER, urllib.request.Request(url, headers=dict(headers), method="GET"), url, timeout)


def send(method: str, url: str, headers: Mapping[str, str], body: bytes, *, timeout: float = TIMEOUT_S) -> Response:
    """POST or PATCH `body` (JSON) to `url`; the answer whatever its status, or FetchFailed. No
    redirect is followed."""
    request = urllib.request.Request(url, data=body, headers={**headers, "Content-Type": "application/json"},
                                     method=method)
    return _open(_WRITER, request, url, timeout)


def _open(opener: urllib.request.OpenerDirector, request: urllib.request.Request, url: str, timeout: float) -> Response:
    try:
        with opener.open(request, timeout=timeout) as answer:
            return Response(answer.status, answer.headers, answer.read(), answer.url)
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read()
        except (OSError, http.client.HTTPException):
            body = b""
        return Response(exc.code, exc.headers, body, url)
    except urllib.error.URLError as exc:
        raise FetchFailed(_reason(exc.reason)) from None
    except (http.client.HTTPException, OSError) as exc:  # dropped mid-answer, reset, timed out while reading
        raise FetchFailed(_reason(exc)) from None


def _reason(reason: object) -> str:
    if isinstance(reason, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(reason, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(reason, http.client.IncompleteRead):
        return "the connection broke in the middle of the answer"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    text = str(reason) or type(reason).__name__
    return text.splitlines()[0] if text else type(reason).__name__
