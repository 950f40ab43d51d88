"""What every tracker's reader shares: asking a page, waiting out a short rate limit, reading the
answer's status into one line, and keeping the token out of every message.

A tracker (github.py, gitlab.py, jira.py) is a TrackerClient subclass that says where its issues
are (first_url), how to ask (headers), how a 200 answer holds its records and names the next page
(read_page), how its records become feedback (convert) and when each was last updated upstream
(updated, order). run.py drives any of them with one loop.

Rate limits: a 429 (or the tracker's own statuses) with `Retry-After` (seconds), or with the
tracker's reset header, waits when the wait is at most MAX_WAIT_S, else stops with RateLimited,
which says when to try again on the reader's clock.

The token goes into a request header and nowhere else: no URL holds it, and every message is
passed through `redact` before it leaves this module, in case a server echoes it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..dates import display_datetime
from ..errors import InvalidInput, ProdopsError
from ..model import FeedbackItem, TrackerLink
from ..text import clean_line
from .http import FetchFailed, Response, fetch, send

MAX_WAIT_S = 60.0  # a rate limit that lifts within this is waited for; a longer one stops the run
WAITS_PER_PAGE = 3  # then the run stops rather than wait again and again
DEFAULT_WAIT_S = 60.0  # a rate limit that does not say for how long
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^",;]+)"?')
_PAGE = re.compile(r"[?&]page=(\d+)")
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")

Fetch = Callable[[str, dict[str, str]], Response]
Send = Callable[[str, str, dict[str, str], bytes], Response]  # (method, url, headers, JSON body)


class SyncError(ProdopsError):
    """A sync stopped: one line saying why (run.py adds what was stored before it)."""


class RateLimited(SyncError):
    """The tracker's rate limit lifts later than we wait for; `retry_at` is epoch seconds."""

    def __init__(self, message: str, retry_at: float):
        self.retry_at = retry_at
        super().__init__(message)


@dataclass
class Page:
    url: str  # as asked (never holds the token)
    records: list[Any]  # the records as the tracker sent them
    next_url: str  # "" on the last page
    last_page: int  # how many pages the answer says there are (0 when not said)
    etag: str
    not_modified: bool = False


def check_api_url(url: str, *, token: str | None, example: str) -> str:
    """The API's base URL without a trailing slash; InvalidInput for one that is not http(s), and
    for plain http beyond this machine when there is a token to send."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise InvalidInput(f"--api-url {clean_line(url)!r} is not an API address like {example}")
    if parts.username or parts.password:
        raise InvalidInput("--api-url must not hold a user or password: the token is read from the environment")
    if parts.scheme == "http" and token and parts.hostname not in _LOOPBACK:
        raise InvalidInput(f"refusing to send the token over plain http to {parts.hostname}: use https")
    return url


class TrackerClient:
    """One tracker project's issues, a page at a time; counts every request it makes."""

    tracker = "the tracker"  # as messages name it: "GitHub"
    kind = ""  # the first word of the source: "github"
    project_word = "project"  # "repository"
    ignored_word = ""  # what convert skips with RowIgnored, singular ("pull request"); "" when nothing
    conditional = False  # sends If-None-Match with the stored ETag (the tracker answers 304)
    rate_statuses: tuple[int, ...] = (429,)  # statuses that may be a rate limit

    def __init__(self, project: str, *, api_url: str, token: str | None, token_env: str,
                 fetcher: Fetch | None = None, sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], float] = time.time, max_wait: float = MAX_WAIT_S,
                 on_wait: Callable[[float], None] | None = None, sender: Send | None = None):
        self.project = project
        self.token = token or None
        self.token_env = token_env
        self.api_url = api_url
        self._fetch: Fetch = fetcher or fetch
        self._send: Send = sender or send
        self._sleep = sleep
        self._now = now
        self.max_wait = max_wait
        self.on_wait = on_wait
        self.requests = 0
        self.not_modified = 0
        self.waited_s = 0.0

    # --- what a tracker says ----------------------------------------------------------------

    @property
    def source(self) -> str:
        """The state's and the summary's name: 'github rails/rails'."""
        return f"{self.kind} {self.project}"

    @property
    def state_url(self) -> str:
        """What the stored cursor belongs to: another value starts afresh."""
        return self.api_url

    @property
    def key_prefix(self) -> str:
        """The source keys of this project's items start so (compared case-insensitively)."""
        raise NotImplementedError

    def first_url(self, since: str = "") -> str:
        raise NotImplementedError

    def headers(self, etag: str = "") -> dict[str, str]:
        raise NotImplementedError

    def issue_url(self, number: int) -> str:
        """One issue's API address, for the trackers whose links a sync refreshes (delivery.py)."""
        raise NotImplementedError

    def read_page(self, answer: Response, data: Any, url: str, number: int) -> Page:
        """A 200 answer's JSON as a Page (raise self._error for a shape that is not one)."""
        raise NotImplementedError

    def convert(self, record: dict[str, Any]) -> FeedbackItem:
        raise NotImplementedError

    def record_id(self, record: Any) -> object | None:
        """The record's identity within the project (the issue number), None when it has none."""
        raise NotImplementedError

    def updated(self, record: Any) -> str:
        """When the record was last updated upstream, as the tracker writes it ("" when not said)."""
        raise NotImplementedError

    def order(self, stamp: str) -> str:
        """A key that sorts `updated` stamps in time (stamps in one zone sort as they are)."""
        return stamp

    def reset_wait(self, answer: Response) -> float | None:
        """Seconds until the tracker's own rate-limit reset header says it lifts, None when it does not say."""
        return None

    def refusal(self, status: int, detail: str) -> str:
        """The one line for a 4xx that is not a rate limit ("" for the generic one)."""
        return ""

    # --- one issue: what `prodops push` writes and a sync's delivery reads (push.py, delivery.py) ---

    refreshes_links = False  # a sync reads the states of the opportunities' links to this project
    body_field = "body"  # the issue's text field ("description" on GitLab)
    update_method = "PATCH"  # how one issue's text is changed ("PUT" on GitLab)
    created_status = 201

    def new_issue_url(self) -> str:
        """Where a new issue is POSTed."""
        raise NotImplementedError

    def new_issue(self, title: str, body: str, labels: tuple[str, ...]) -> dict[str, Any]:
        """The JSON a new issue is created with."""
        raise NotImplementedError

    def issue_body(self, record: dict[str, Any]) -> str:
        """One issue's text as the tracker holds it ('' when it has none)."""
        body = record.get(self.body_field)
        return body if isinstance(body, str) else ""

    def body_update(self, body: str) -> dict[str, Any]:
        """The JSON that replaces one issue's text and nothing else."""
        return {self.body_field: body}

    def web_url(self, record: dict[str, Any]) -> str:
        """The issue's web address in the plain form links keep ('' when it has none)."""
        raise NotImplementedError

    def link_state(self, record: dict[str, Any]) -> str:
        """The issue's state as links keep it ("open", "closed: completed", GitLab's "opened"...)."""
        raise NotImplementedError

    def issue_link(self, record: dict[str, Any]) -> TrackerLink | None:
        """The link to a new issue from the tracker's answer, None when the answer names none."""
        raise NotImplementedError

    updated_statuses: tuple[int, ...] = (200,)  # what a changed issue answers (Jira: 204, no body)

    def linked_issue(self, link: TrackerLink) -> str:
        """The API address of the issue a link names when it is one of this project's ('' when not):
        keys "OWNER/REPO#N" (GitHub), "GROUP/PROJECT#N" (GitLab)."""
        project, _, number = link.key.rpartition("#")
        if link.tracker != self.kind or project.casefold() != self.project.casefold() or not number.isdigit():
            return ""
        return self.issue_url(int(number))

    def closed_at(self, record: dict[str, Any]) -> str:
        """When the issue was closed, as the tracker writes it ('' when it does not say)."""
        stamp = record.get("closed_at")
        return stamp if isinstance(stamp, str) else ""

    def message(self, answer: Response) -> str:
        """The error body's message, one line, short ('' when there is none)."""
        try:
            data = json.loads(answer.body)
        except (UnicodeDecodeError, json.JSONDecodeError, ValueError):
            return ""
        said = data.get("message") if isinstance(data, dict) else None
        if isinstance(data, dict) and not isinstance(said, str):
            said = data.get("error")
        return short(said) if isinstance(said, str) else ""

    # --- asking ----------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return urlsplit(self.api_url).netloc

    def page(self, url: str, *, number: int, etag: str = "") -> Page:
        """Page `number` (1-based, for messages) at `url`: its records and the next page's URL.
        Waits out a short rate limit; raises SyncError (one line) for anything else."""
        answer = self._ask(lambda: self._fetch(url, self.headers(etag)), f"cannot read page {number} from {self.host}",
                           f"page {number}")
        return self._read(answer, url, number)

    def ask(self, method: str, url: str, body: Any = None, *, doing: str) -> Response:
        """One request for one issue (GET, or POST/PATCH with `body` as JSON), after any short rate
        limit: the answer whatever its status, for the caller to read. `doing` names it in the one
        line a failure raises ("create the issue")."""
        if method == "GET":
            def call() -> Response:
                return self._fetch(url, self.headers())
        else:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")

            def call() -> Response:
                return self._send(method, url, self.headers(), data)
        return self._ask(call, f"cannot reach {self.host} to {doing}", doing)

    def _ask(self, call: Callable[[], Response], unreachable: str, what: str) -> Response:
        """`call()`'s answer once it is not a rate limit; waits out a short one (RateLimited for a
        longer one), SyncError when no answer comes."""
        for _ in range(WAITS_PER_PAGE + 1):
            self.requests += 1
            try:
                answer = call()
            except FetchFailed as exc:
                raise self._error(f"{unreachable}: {exc.reason}") from None
            wait = self._rate_limit_wait(answer)
            if wait is None:
                return answer
            if wait > self.max_wait:
                retry_at = self._now() + wait
                raise RateLimited(self.redact(
                    f"{self.source}: {self.tracker}'s rate limit is used up until {_local(retry_at)}; "
                    f"try again then{self._token_hint()}"), retry_at)
            if self.on_wait is not None:
                self.on_wait(wait)
            self._sleep(wait)
            self.waited_s += wait
        raise self._error(f"{self.tracker}'s rate limit held {what} back {WAITS_PER_PAGE} times; "
                          "try again in a few minutes")

    def _rate_limit_wait(self, answer: Response) -> float | None:
        """Seconds to wait before asking again, or None when the answer is not a rate limit."""
        if answer.status not in self.rate_statuses:
            return None
        retry_after = answer.header("Retry-After")
        if retry_after.isdigit():
            return float(retry_after)
        if retry_after:  # an HTTP date
            try:
                return max(0.0, parsedate_to_datetime(retry_after).timestamp() - self._now()) + 1
            except (TypeError, ValueError, IndexError):
                pass
        reset = self.reset_wait(answer)
        if reset is not None:
            return reset
        if answer.status == 429 or "rate limit" in self.message(answer).lower():
            return DEFAULT_WAIT_S
        return None

    def _read(self, answer: Response, url: str, number: int) -> Page:
        status = answer.status
        if status == 304:
            self.not_modified += 1
            return Page(url, [], "", 0, answer.header("ETag"), not_modified=True)
        if status == 200:
            try:
                data = json.loads(answer.body)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise self._error(f"page {number} from {self.host} is not JSON ({_first_line(exc)})") from None
            page = self.read_page(answer, data, url, number)
            if page.next_url and urlsplit(page.next_url).netloc != urlsplit(url).netloc:
                raise self._error(f"page {number} names its next page on another host "
                                  f"({urlsplit(page.next_url).netloc}); stopped there")
            return page
        said = self.message(answer)
        detail = f"{status} {said}" if said else str(status)
        if 400 <= status < 500:
            told = self.refusal(status, detail)
            if told:
                raise self._error(told)
        if status == 401:
            if self.token:
                raise self._error(f"{self.tracker} refused the token in ${self.token_env} ({detail}): it may have "
                                  "expired or been revoked; make a new one and set it again")
            raise self._error(f"{self.tracker} wants a token ({detail}): set ${self.token_env}")
        if status == 404:
            hint = "" if self.token else f"; a private {self.project_word} needs a token in ${self.token_env}"
            raise self._error(f"no {self.project_word} {self.project} at {self.api_url} ({detail}){hint}")
        if status == 403:
            raise self._error(f"{self.tracker} refused to list the issues of {self.project} ({detail}){self._token_hint()}")
        if 300 <= status < 400:
            raise self._error(f"{self.host} answered page {number} with a redirect to {answer.header('Location') or 'nowhere'} "
                              f"({status}); give --api-url as that host's API")
        if status >= 500:
            raise self._error(f"{self.host} failed on page {number} ({detail})")
        raise self._error(f"{self.host} answered page {number} with {detail}")

    def _token_hint(self) -> str:
        return "" if self.token else f" (a token in ${self.token_env} raises the limit)"

    def _error(self, message: str) -> SyncError:
        if not message.startswith(self.source + ":"):
            message = f"{self.source}: {message}"
        return SyncError(self.redact(message))

    def secrets(self) -> list[str]:
        """Every form of the token a server could echo back."""
        return [self.token] if self.token else []

    def redact(self, text: str) -> str:
        """`text` without the token, should anything have echoed it back."""
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text


def plain_web_url(url: object) -> str:
    """A web address in the plain form links keep (no query or fragment, host lower case); ''
    when it is not an http(s) address or holds a user or password."""
    if not isinstance(url, str) or clean_line(url) != url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return ""
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def links(header: str) -> dict[str, str]:
    """rel -> URL from a Link header: `<https://…&page=2>; rel="next", <https://…&page=9>; rel="last"`."""
    found: dict[str, str] = {}
    for url, rels in _LINK.findall(header):
        for rel in rels.split():
            found.setdefault(rel, url)
    return found


def page_number(url: str) -> int:
    """The `page=` of a URL, 0 when it has none."""
    found = _PAGE.search(url)
    return int(found.group(1)) if found else 0


def short(said: str) -> str:
    said = clean_line(said)
    return said if len(said) <= 120 else said[:119] + "…"


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120]


def _local(epoch: float) -> str:
    """An instant on the reader's clock: 'Tue 24 Nov 2026 16:05'."""
    return display_datetime(datetime.fromtimestamp(epoch, tz=timezone.utc))
