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
(epoch seconds), waits when the wait is at most MAX_WAIT_S, else stops with RateLimited, which
says when to try again on the reader's clock.

The token goes into the Authorization header and nowhere else: no URL holds it, and every
message is passed through `redact` before it leaves this module, in case a server echoes it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..dates import display_datetime
from ..errors import InvalidInput, ProdopsError
from ..text import clean_line
from .http import FetchFailed, Response, fetch

API_URL = "https://api.github.com"
TOKEN_ENV = "GITHUB_TOKEN"
ACCEPT = "application/vnd.github+json"
API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_WAIT_S = 60.0  # a rate limit that lifts within this is waited for; a longer one stops the run
WAITS_PER_PAGE = 3  # then the run stops rather than wait again and again
SECONDARY_WAIT_S = 60.0  # GitHub: without Retry-After, wait at least a minute after a secondary limit
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^",;]+)"?')
_PAGE = re.compile(r"[?&]page=(\d+)")
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")

Fetch = Callable[[str, dict[str, str]], Response]


class SyncError(ProdopsError):
    """A sync stopped: one line saying why (run.py adds what was stored before it)."""


class RateLimited(SyncError):
    """GitHub's rate limit lifts later than we wait for; `retry_at` is epoch seconds."""

    def __init__(self, message: str, retry_at: float):
        self.retry_at = retry_at
        super().__init__(message)


@dataclass
class Page:
    url: str  # as asked (never holds the token)
    records: list[Any]  # the issues and pull requests, as GitHub sent them
    next_url: str  # "" on the last page
    last_page: int  # the page count `rel="last"` names (0 when not said)
    etag: str
    not_modified: bool = False


def check_repo(repo: str) -> str:
    """'OWNER/REPO' as typed, or InvalidInput in one line."""
    repo = repo.strip().strip("/")
    if repo.endswith(".git"):
        repo = repo[:-4]
    if not _REPO.match(repo) or repo.split("/")[1] in (".", ".."):
        raise InvalidInput(f"{clean_line(repo)!r} is not a repository: say OWNER/REPO, e.g. rails/rails")
    return repo


def check_api_url(url: str, *, token: str | None) -> str:
    """The API's base URL without a trailing slash; InvalidInput for one that is not http(s), and
    for plain http beyond this machine when there is a token to send."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise InvalidInput(f"--api-url {clean_line(url)!r} is not an API address like https://api.github.com "
                           "or https://HOST/api/v3")
    if parts.username or parts.password:
        raise InvalidInput("--api-url must not hold a user or password: the token is read from the environment")
    if parts.scheme == "http" and token and parts.hostname not in _LOOPBACK:
        raise InvalidInput(f"refusing to send the token over plain http to {parts.hostname}: use https")
    return url


class GitHubIssues:
    """The issues endpoint of one repository; counts every request it makes."""

    def __init__(self, repo: str, *, api_url: str = API_URL, token: str | None = None,
                 token_env: str = TOKEN_ENV, fetcher: Fetch | None = None,
                 sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.time,
                 max_wait: float = MAX_WAIT_S, on_wait: Callable[[float], None] | None = None):
        self.repo = check_repo(repo)
        self.token = token or None
        self.token_env = token_env
        self.api_url = check_api_url(api_url, token=self.token)
        self._fetch: Fetch = fetcher or fetch
        self._sleep = sleep
        self._now = now
        self.max_wait = max_wait
        self.on_wait = on_wait
        self.requests = 0
        self.not_modified = 0
        self.waited_s = 0.0

    @property
    def host(self) -> str:
        return urlsplit(self.api_url).netloc

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

    def page(self, url: str, *, number: int, etag: str = "") -> Page:
        """Page `number` (1-based, for messages) at `url`: its records and the next page's URL.
        Waits out a short rate limit; raises SyncError (one line) for anything else."""
        for _ in range(WAITS_PER_PAGE + 1):
            self.requests += 1
            try:
                answer = self._fetch(url, self.headers(etag))
            except FetchFailed as exc:
                raise self._error(f"cannot read page {number} from {self.host}: {exc.reason}") from None
            wait = self._rate_limit_wait(answer)
            if wait is None:
                return self._read(answer, url, number)
            if wait > self.max_wait:
                retry_at = self._now() + wait
                raise RateLimited(self.redact(
                    f"github {self.repo}: GitHub's rate limit is used up until {_local(retry_at)}; "
                    f"try again then{self._token_hint()}"), retry_at)
            if self.on_wait is not None:
                self.on_wait(wait)
            self._sleep(wait)
            self.waited_s += wait
        raise self._error(f"GitHub's rate limit held page {number} back {WAITS_PER_PAGE} times; try again in a few minutes")

    def _rate_limit_wait(self, answer: Response) -> float | None:
        """Seconds to wait before asking again, or None when the answer is not a rate limit."""
        if answer.status not in (403, 429):
            return None
        retry_after = answer.header("Retry-After")
        if retry_after.isdigit():
            return float(retry_after)
        if answer.header("X-RateLimit-Remaining") == "0" and answer.header("X-RateLimit-Reset").isdigit():
            return max(0.0, float(answer.header("X-RateLimit-Reset")) - self._now()) + 1  # the reset's own second
        if answer.status == 429 or "rate limit" in _message(answer).lower():
            return SECONDARY_WAIT_S
        return None

    def _read(self, answer: Response, url: str, number: int) -> Page:
        status = answer.status
        if status == 304:
            self.not_modified += 1
            return Page(url, [], "", 0, answer.header("ETag"), not_modified=True)
        if status == 200:
            try:
                records = json.loads(answer.body)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise self._error(f"page {number} from {self.host} is not JSON ({_first_line(exc)})") from None
            if not isinstance(records, list):
                raise self._error(f"page {number} from {self.host} is not a list of issues but a JSON {type(records).__name__}")
            links = _links(answer.header("Link"))
            next_url = links.get("next", "")
            if next_url and urlsplit(next_url).netloc != urlsplit(url).netloc:
                raise self._error(f"page {number} names its next page on another host ({urlsplit(next_url).netloc}); stopped there")
            last = _PAGE.search(links.get("last", ""))
            return Page(url, records, next_url, int(last.group(1)) if last else 0, answer.header("ETag"))
        said = _message(answer)
        detail = f"{status} {said}" if said else str(status)
        if status == 401:
            if self.token:
                raise self._error(f"GitHub refused the token in ${self.token_env} ({detail}): it may have expired "
                                  "or been revoked; make a new one and set it again")
            raise self._error(f"GitHub wants a token ({detail}): set ${self.token_env}")
        if status == 404:
            hint = "" if self.token else f"; a private repository needs a token in ${self.token_env}"
            raise self._error(f"no repository {self.repo} at {self.api_url} ({detail}){hint}")
        if status == 403:
            raise self._error(f"GitHub refused to list the issues of {self.repo} ({detail}){self._token_hint()}")
        if status == 410:
            raise self._error(f"{self.repo} has its issues turned off ({detail})")
        if 300 <= status < 400:
            raise self._error(f"{self.host} answered page {number} with a redirect to {answer.header('Location') or 'nowhere'} "
                              f"({status}); give --api-url as that host's API")
        if status >= 500:
            raise self._error(f"{self.host} failed on page {number} ({detail})")
        raise self._error(f"{self.host} answered page {number} with {detail}")

    def _token_hint(self) -> str:
        return "" if self.token else f" (a token in ${self.token_env} raises the limit)"

    def _error(self, message: str) -> SyncError:
        if not message.startswith("github "):
            message = f"github {self.repo}: {message}"
        return SyncError(self.redact(message))

    def redact(self, text: str) -> str:
        """`text` without the token, should anything have echoed it back."""
        return text.replace(self.token, "***") if self.token else text


def _links(header: str) -> dict[str, str]:
    """rel -> URL from a Link header: `<https://…&page=2>; rel="next", <https://…&page=9>; rel="last"`."""
    found: dict[str, str] = {}
    for url, rels in _LINK.findall(header):
        for rel in rels.split():
            found.setdefault(rel, url)
    return found


def _message(answer: Response) -> str:
    """The `message` of a GitHub error body, one line, short ('' when there is none)."""
    try:
        data = json.loads(answer.body)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError):
        return ""
    said = data.get("message") if isinstance(data, dict) else None
    if not isinstance(said, str):
        return ""
    said = clean_line(said)
    return said if len(said) <= 120 else said[:119] + "…"


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120]


def _local(epoch: float) -> str:
    """An instant on the reader's clock: 'Tue 24 Nov 2026 16:05'."""
    return display_datetime(datetime.fromtimestamp(epoch, tz=timezone.utc))
