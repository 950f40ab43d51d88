"""`prodops serve`: the real command serves the app's page on loopback and stops cleanly;
an address others can reach is refused unless the user says they know; each browser tab's
app is told its browser, never the server's own name.

Only one test runs a real server, in a child process on loopback with a bound on every wait
(and killed if Ctrl+C does not stop it); every other test calls the decision itself, with
nothing in this process able to listen (see `no_server_in_this_process`). Before, a refusal
that regressed would have made an in-process test serve on 0.0.0.0 until CI killed the run
(90 minutes)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from prodops_tui import serve
from prodops_tui.core.identity import ACTOR_ENV, BROWSER_ENV

from ..conftest import REPO


SERVER_WAIT_S = 30  # a bound on each wait for the real server: a start, a stop


@pytest.fixture(autouse=True)
def no_server_in_this_process(monkeypatch):
    """Listening is refused in this process: a test whose guard regressed fails at once,
    naming the address, instead of serving (on 0.0.0.0, for the refusal tests) until killed."""
    web = pytest.importorskip("aiohttp.web")

    def refuse(*args, host=None, port=None, **kwargs):
        raise AssertionError(f"a test started a real server in the test process, on {host}:{port}")

    monkeypatch.setattr(web, "run_app", refuse)


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, *, host: str | None = None, deadline: float) -> tuple[int, dict[str, str], str]:
    """GET `url`, retrying while the server is still starting (connection refused) until `deadline`."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, dict(response.headers), response.read().decode("utf-8")
        except urllib.error.HTTPError as refused:
            return refused.code, dict(refused.headers), refused.read().decode("utf-8")
        except (ConnectionError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_serve_answers_with_the_prodops_page_on_loopback_and_stops_cleanly(cli_env, tmp_path):
    port = free_loopback_port()
    env = dict(os.environ, PYTHONPATH=str(REPO), **cli_env)
    server = subprocess.Popen([sys.executable, "-m", "prodops_tui", "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        status, headers, page = fetch(f"http://127.0.0.1:{port}/", deadline=time.monotonic() + SERVER_WAIT_S)
        assert status == 200
        assert "textual.js" in page and "<div>prodops</div>" in page  # textual-serve's page, titled prodops
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
        assert "prodops_browser=" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]
        # Reached under another name (DNS rebinding: a site's name pointed at 127.0.0.1): refused.
        refused, _, why = fetch(f"http://127.0.0.1:{port}/", host=f"evil.example:{port}", deadline=time.monotonic() + 5)
        assert refused == 403 and "loopback" in why
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl+C
        try:
            out, err = server.communicate(timeout=SERVER_WAIT_S)
        except subprocess.TimeoutExpired:
            server.kill()  # never left listening behind the test run
            server.communicate()
            raise
    assert server.returncode == 0, err
    assert f"serving {cli_env['PRODOPS_WORKSPACE']} on http://127.0.0.1:{port}" in out.replace("\n", " ")
    assert "Traceback" not in err


@pytest.fixture
def served(monkeypatch) -> list[dict]:
    """What `prodops serve` asked to serve, recorded instead of served."""
    asked: list[dict] = []
    monkeypatch.setattr(serve, "serve", lambda workspace, **kwargs: asked.append(kwargs))
    return asked


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.com"])
def test_a_host_others_can_reach_is_refused_without_the_flag(prodops, served, host):
    result = prodops("serve", "--host", host)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(f"prodops: error: --host {host} is not loopback")
    assert "Traceback" not in result.stderr
    assert served == []  # refused before anything listens


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_a_loopback_host_needs_no_flag(prodops, served, host):
    assert prodops("serve", "--host", host, "--port", "8123").returncode == 0
    assert served == [{"host": host, "port": 8123, "theme": None, "exposed": False}]


def started_server_says(host: str, *, exposed: bool) -> str:
    """What the server prints once it listens on `host`, without listening."""
    import io

    from rich.console import Console

    server = serve._server_type()(serve.app_command(Path("/ws"), None), host=host, port=8123, title="prodops")
    server.workspace, server.exposed = Path("/ws"), exposed
    server.console = Console(file=io.StringIO(), width=300)
    asyncio.run(server.on_startup(None))
    return server.console.file.getvalue()


def test_a_server_others_can_reach_warns_that_anyone_who_reaches_it_can_change_the_workspace():
    said = started_server_says("0.0.0.0", exposed=True)
    assert "serving /ws on http://0.0.0.0:8123" in said
    assert "prodops: warning: not loopback — anyone who reaches this address can read and change the workspace" in said
    assert "warning" not in started_server_says("127.0.0.1", exposed=False)


@pytest.mark.parametrize(("exposed", "host", "refused"), [
    (False, "127.0.0.1:8123", False), (False, "localhost:8123", False),
    (False, "evil.example:8123", True),  # DNS rebinding: a site's name pointed at 127.0.0.1
    (True, "prodops.example.com:8123", False),  # exposed on purpose: the proxy's name is fine
])
def test_a_loopback_server_answers_only_to_a_loopback_name(exposed, host, refused):
    from aiohttp.test_utils import make_mocked_request

    server = serve._server_type()("true", host="127.0.0.1", port=8123)
    server.exposed = exposed
    request = make_mocked_request("GET", "/", headers={"Host": host})
    assert (server._refusal(request, websocket=False) is not None) == refused


def test_with_the_flag_a_non_loopback_host_gets_past_the_check(prodops, served):
    assert prodops("serve", "--host", "0.0.0.0", "--i-know-this-is-exposed", "--port", "8123").returncode == 0
    assert served == [{"host": "0.0.0.0", "port": 8123, "theme": None, "exposed": True}]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_names(host):
    assert serve.is_loopback(host)


def test_without_textual_serve_one_line_says_how_to_install_it(prodops, monkeypatch):
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    result = prodops("serve", "--port", str(free_loopback_port()))
    assert result.returncode == 1
    assert result.stderr == 'prodops: error: `prodops serve` needs textual-serve: pip install "prodops[serve]"\n'


def test_each_tab_runs_the_app_on_the_workspace_told_its_browser_not_the_servers_name(workspace, monkeypatch):
    from textual_serve.download_manager import DownloadManager

    monkeypatch.setenv(ACTOR_ENV, "Server Owner")
    command = serve.app_command(workspace, "prodops-light")
    assert command.split()[1:] == ["-m", "prodops_tui", "--workspace", str(workspace), "--theme", "prodops-light"]

    async def nothing(*args) -> None:
        return None

    service_type = serve._server_type()._app_service_type  # the class each tab's process is started with
    tab = service_type(command, write_bytes=nothing, write_str=nothing, close=nothing,
                       download_manager=DownloadManager(), browser="b" * 32)
    environment = tab._build_environment(100, 30)
    assert environment[BROWSER_ENV] == "b" * 32 and ACTOR_ENV not in environment
    no_cookie = service_type(command, write_bytes=nothing, write_str=nothing, close=nothing,
                             download_manager=DownloadManager(), browser=None)
    assert no_cookie._build_environment()[BROWSER_ENV] == ""  # still a browser tab: it asks who is there
