"""The real `prodops serve` for tests: a child process on 127.0.0.1 (never beyond), with a bound
on every wait and killed if Ctrl+C does not stop it; a browser made of aiohttp's client (a
cookie jar, the page, the websocket a tab opens) with a timeout on every step."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from .conftest import REPO

WAIT_S = 30  # a bound on each wait: a server's start and stop, a tab's first screen, a change seen


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    port: int
    process: subprocess.Popen
    output: Path
    workspace: Path
    env: dict[str, str]
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def said(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace").replace("\n", " ")

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """`prodops ARGS` as another process on the same workspace (invite, revoke while it runs)."""
        return subprocess.run([sys.executable, "-m", "prodops_tui", *args], capture_output=True, text=True, env=self.env,
                              timeout=WAIT_S, check=False)

    def invite(self, name: str, role: str = "member") -> str:
        done = self.cli("serve", "invite", name, "--role", role)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().rsplit("token=", 1)[1]


@contextlib.contextmanager
def running_server(cli_env: dict[str, str], tmp_path: Path, *args: str, scheme: str = "http") -> Iterator[Served]:
    port = free_loopback_port()
    env = dict(os.environ, PYTHONPATH=str(REPO), **cli_env)
    output = tmp_path / f"serve-{port}.out"
    with open(output, "w", encoding="utf-8") as sink:
        process = subprocess.Popen([sys.executable, "-m", "prodops_tui", "serve", "--port", str(port), *args],
                                   stdout=sink, stderr=subprocess.STDOUT, text=True, env=env)
    served = Served(port, process, output, Path(cli_env["PRODOPS_WORKSPACE"]), env, scheme)
    try:
        wait_until(lambda: _listening(port) or process.poll() is not None, "the server to listen")
        assert process.poll() is None, served.said()
        yield served
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl+C
        try:
            process.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            process.kill()  # never left listening behind the test run
            process.wait()
            raise
    assert process.returncode == 0, served.said()
    assert "Traceback" not in served.said(), served.said()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_until(condition: Any, what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.1)


async def wait_for(condition: Any, what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        await asyncio.sleep(0.1)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) is gone for our purpose.
    with contextlib.suppress(OSError):
        if "State:\tZ" in Path(f"/proc/{pid}/status").read_text():
            return False
    return True


def status(served: Served) -> dict[str, Any]:
    try:
        return json.loads((served.workspace / ".serve" / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]")


class Browser:
    """One browser: its cookies, and the tabs it opens (websockets to the server)."""

    def __init__(self, served: Served, *, cafile: str | None = None) -> None:
        self.served = served
        context = ssl.create_default_context(cafile=cafile) if cafile else None
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                             connector=aiohttp.TCPConnector(ssl=context) if context else None,
                                             timeout=aiohttp.ClientTimeout(total=WAIT_S))

    async def close(self) -> None:
        await self.session.close()

    async def get(self, path: str, **kwargs: Any) -> tuple[int, dict[str, str], str]:
        async with self.session.get(self.served.url + path, allow_redirects=False, **kwargs) as response:
            return response.status, dict(response.headers), await response.text()

    async def sign_in(self, token: str) -> tuple[int, dict[str, str]]:
        async with self.session.post(self.served.url + "/signin", data={"token": token}, allow_redirects=False) as response:
            return response.status, dict(response.headers)

    async def open_tab(self) -> Tab:
        scheme = "wss" if self.served.scheme == "https" else "ws"
        websocket = await asyncio.wait_for(self.session.ws_connect(f"{scheme}://127.0.0.1:{self.served.port}/ws?width=120&height=40"), WAIT_S)
        tab = Tab(websocket)
        tab.reader = asyncio.create_task(tab.read())
        await wait_for(lambda: "Inbox" in tab.text() or tab.closed, "the tab's first screen")
        return tab


@dataclass
class Tab:
    websocket: Any
    received: list[str] = field(default_factory=list)
    closed: bool = False
    reader: Any = None

    async def read(self) -> None:
        async for message in self.websocket:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.received.append(message.data.decode("utf-8", "replace"))
            elif message.type == aiohttp.WSMsgType.TEXT:
                self.received.append(message.data)
        self.closed = True

    def text(self, since: int = 0) -> str:
        """What the tab drew (from the `since`th frame: see mark), escape sequences out (words
        may still be split by styling)."""
        return _ESCAPES.sub("", "".join(self.received[since:]))

    def mark(self) -> int:
        return len(self.received)

    async def press(self, keys: str) -> None:
        await self.websocket.send_str(json.dumps(["stdin", keys]))

    async def close(self) -> None:
        await self.websocket.close()
        if self.reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self.reader, WAIT_S)
