"""`prodops serve`: the real command serves the app's page on loopback and stops cleanly;
an address others can reach is refused unless people sign in and the connection is TLS (or a
proxy on this machine carries it); each browser tab's app is told its browser, never the
server's own name. Sign-in itself: tests/cli/test_serve_team.py.

Only one test runs a real server, in a child process on loopback with a bound on every wait
(and killed if Ctrl+C does not stop it); every other test calls the decision itself, with
nothing in this process able to listen (see `no_server_in_this_process`). Before, a refusal
that regressed would have made an in-process test serve on 0.0.0.0 until CI killed the run
(90 minutes)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
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
from prodops_tui.core.identity import ACTOR_ENV, BROWSER_ENV, PERSON_ENV, ROLE_ENV
from prodops_tui.core.workspace import CONFIG_ENV

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
        # The page's own scripts, but no folder listing, and nothing to another Host.
        assert fetch(f"http://127.0.0.1:{port}/static/js/textual.js", deadline=time.monotonic() + 5)[0] == 200
        for folder in ("/static/", "/static/js/", "/static/js"):
            assert fetch(f"http://127.0.0.1:{port}{folder}", deadline=time.monotonic() + 5)[0] == 404
        assert fetch(f"http://127.0.0.1:{port}/static/../server.py", deadline=time.monotonic() + 5)[0] == 404
        refused, _, why = fetch(f"http://127.0.0.1:{port}/static/js/textual.js", host=f"evil.example:{port}",
                                deadline=time.monotonic() + 5)
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
    monkeypatch.setattr(serve, "serve", lambda workspace, options: asked.append(dataclasses.asdict(options)))
    return asked


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.com"])
def test_a_host_others_can_reach_is_refused_while_nobody_signs_in(prodops, served, host):
    result = prodops("serve", "--host", host, "--behind-proxy")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith("prodops: error: --behind-proxy: a proxy lets others reach the server")
    result = prodops("serve", "--host", host, "--certfile", "cert.pem")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"prodops: error: --host {host} is not loopback: beyond this machine everyone signs in; invite people first "
        "(prodops serve invite NAME), or reach it over an SSH tunnel")
    assert "Traceback" not in result.stderr
    assert served == []  # refused before anything listens


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20"])
def test_plain_http_beyond_loopback_is_refused_even_with_sign_in(prodops, served, host):
    assert prodops("serve", "invite", "Ana").returncode == 0
    result = prodops("serve", "--host", host)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"prodops: error: --host {host} is not loopback: plain HTTP would carry sign-in links and sessions in the clear; "
        "give --certfile and --keyfile, or --behind-proxy with a TLS proxy on this machine")
    assert served == []


def test_the_old_exposure_flag_is_gone(prodops, served):
    result = prodops("serve", "--host", "0.0.0.0", "--i-know-this-is-exposed")
    assert result.returncode == 2 and "unrecognized arguments: --i-know-this-is-exposed" in result.stderr
    assert served == []


def test_with_sign_in_a_proxy_on_this_machine_may_carry_it_beyond(prodops, served):
    assert prodops("serve", "invite", "Ana").returncode == 0
    assert prodops("serve", "--host", "0.0.0.0", "--behind-proxy", "--port", "8123").returncode == 0
    assert served == [{"host": "0.0.0.0", "port": 8123, "theme": None, "certfile": None, "keyfile": None, "behind_proxy": True,
                       "max_tabs": 20, "max_tabs_per_person": 4, "idle_minutes": 60.0}]


def test_a_certificate_that_does_not_load_is_one_line(prodops, served, tmp_path):
    assert prodops("serve", "invite", "Ana").returncode == 0
    (tmp_path / "cert.pem").write_text("not a certificate")
    result = prodops("serve", "--host", "0.0.0.0", "--certfile", str(tmp_path / "cert.pem"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"prodops: error: --certfile {tmp_path / 'cert.pem'} and --keyfile (none) do not make")
    assert len(result.stderr.splitlines()) == 1 and served == []
    missing = prodops("serve", "--certfile", str(tmp_path / "nothing.pem"))
    assert missing.stderr == f"prodops: error: --certfile/--keyfile: {tmp_path / 'nothing.pem'} does not exist\n"


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_a_loopback_host_needs_no_flag(prodops, served, host):
    assert prodops("serve", "--host", host, "--port", "8123").returncode == 0
    assert [asked["host"] for asked in served] == [host]


def started_server_says(host: str, workspace: Path, **options) -> str:
    """What the server prints once it listens on `host`, without listening."""
    import io

    from rich.console import Console

    server = serve._server_type()(serve.app_command(workspace, None), host=host, port=8123, title="prodops")
    server.setup(workspace, serve.ServeOptions(host=host, port=8123, **options))
    server.console = Console(file=io.StringIO(), width=300)
    server._write_status = lambda status: None
    server._watch = lambda: asyncio.sleep(0)
    asyncio.run(server.on_startup(None))
    return server.console.file.getvalue()


def test_a_started_server_says_where_it_serves_and_whether_people_sign_in(workspace):
    from prodops_tui.core.team.people import Team

    said = started_server_says("127.0.0.1", workspace)
    assert f"serving {workspace} on http://127.0.0.1:8123" in said
    assert "sign-in: off — nobody is invited" in said
    Team(workspace).invite("Ana")
    said = started_server_says("0.0.0.0", workspace, certfile="cert.pem", behind_proxy=True)
    assert f"serving {workspace} on https://0.0.0.0:8123" in said and "sign-in: on (1 invited" in said
    assert "X-Forwarded-Proto/-Host/-For are read only from a proxy on this machine" in said


@pytest.mark.parametrize(("bound", "host", "refused"), [
    ("127.0.0.1", "127.0.0.1:8123", False), ("127.0.0.1", "localhost:8123", False), ("127.0.0.1", "[::1]:8123", False),
    ("127.0.0.1", "evil.example:8123", True),  # DNS rebinding: a site's name pointed at 127.0.0.1
    ("0.0.0.0", "prodops.example.com:8123", False),  # exposed (signed in, TLS): the server's public name is fine
])
def test_a_loopback_server_answers_only_to_a_loopback_name(workspace, bound, host, refused):
    from aiohttp.test_utils import make_mocked_request

    server = serve._server_type()("true", host=bound, port=8123)
    server.setup(workspace, serve.ServeOptions(host=bound))
    request = make_mocked_request("GET", "/", headers={"Host": host})
    assert (server._refusal(request) is not None) == refused


def test_forwarded_headers_count_only_from_a_proxy_on_this_machine(workspace):
    from aiohttp.test_utils import make_mocked_request

    server = serve._server_type()("true", host="127.0.0.1", port=8123)
    server.setup(workspace, serve.ServeOptions(behind_proxy=True))
    headers = {"Host": "127.0.0.1:8123", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "prodops.example.com",
               "X-Forwarded-For": "203.0.113.9"}

    class Transport:
        def __init__(self, peer: str) -> None:
            self.peer = peer

        def get_extra_info(self, name, default=None):
            return (self.peer, 50000) if name == "peername" else default

    from_proxy = make_mocked_request("GET", "/", headers=headers, transport=Transport("127.0.0.1"))
    assert (server._scheme(from_proxy), server._host(from_proxy), server._address(from_proxy)) == (
        "https", "prodops.example.com", "203.0.113.9")
    from_elsewhere = make_mocked_request("GET", "/", headers=headers, transport=Transport("198.51.100.7"))
    assert (server._scheme(from_elsewhere), server._host(from_elsewhere), server._address(from_elsewhere)) == (
        "http", "127.0.0.1:8123", "198.51.100.7")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_names(host):
    assert serve.is_loopback(host)


def test_without_textual_serve_one_line_says_how_to_install_it(prodops, monkeypatch):
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    result = prodops("serve", "--port", str(free_loopback_port()))
    assert result.returncode == 1
    assert result.stderr == 'prodops: error: `prodops serve` needs textual-serve: pip install "prodops-tui[serve]"\n'


def test_each_tab_runs_the_app_on_the_workspace_told_its_person_not_the_servers_name(workspace, monkeypatch):
    from textual_serve.download_manager import DownloadManager

    monkeypatch.setenv(ACTOR_ENV, "Server Owner")
    monkeypatch.setenv(PERSON_ENV, "Someone The Server Had")
    command = serve.app_command(workspace, "prodops-light")
    assert command.split()[1:] == ["-m", "prodops_tui", "--workspace", str(workspace), "--theme", "prodops-light"]

    async def nothing(*args) -> None:
        return None

    service_type = serve._server_type()._app_service_type  # the class each tab's process is started with
    tab = service_type(command, write_bytes=nothing, write_str=nothing, close=nothing, download_manager=DownloadManager(),
                       environment={BROWSER_ENV: "", PERSON_ENV: "Ana", ROLE_ENV: "viewer", CONFIG_ENV: "/ws/.serve/settings/x"})
    environment = tab._build_environment(100, 30)
    assert ACTOR_ENV not in environment
    assert (environment[BROWSER_ENV], environment[PERSON_ENV], environment[ROLE_ENV]) == ("", "Ana", "viewer")
    assert environment[CONFIG_ENV] == "/ws/.serve/settings/x"  # the person's own settings, not the server's
    unnamed = service_type(command, write_bytes=nothing, write_str=nothing, close=nothing,
                           download_manager=DownloadManager(), environment={BROWSER_ENV: ""})
    assert PERSON_ENV not in unnamed._build_environment()  # the server's own variable is not passed on


def test_invite_people_and_revoke_from_the_command_line(prodops):
    invited = prodops("serve", "invite", "  Ana   Souza ", "--role", "facilitator")
    assert invited.returncode == 0
    assert invited.stdout.startswith("http://127.0.0.1:8000/signin?token=") and len(invited.stdout.splitlines()) == 1
    assert "Ana Souza is invited as facilitator" in invited.stderr and "sign-in is on" in invited.stderr
    assert prodops("serve", "invite", "Bo", "--role", "viewer", "--url", "https://prodops.example.com/").stdout.startswith(
        "https://prodops.example.com/signin?token=")
    listed = prodops("serve", "people").stdout.splitlines()
    assert listed == ["Ana Souza  facilitator  0 sessions, 1 open invite  never signed in",
                      "Bo         viewer       0 sessions, 1 open invite  never signed in"]
    assert [p["name"] for p in json.loads(prodops("serve", "people", "--json").stdout)] == ["Ana Souza", "Bo"]
    revoked = prodops("serve", "revoke", "ana souza")
    assert revoked.stdout.startswith("Ana Souza: 0 sessions ended, open invites cancelled")
    assert "0 sessions" in prodops("serve", "people").stdout.splitlines()[0]


@pytest.mark.parametrize(("args", "code", "says"), [
    (("serve", "revoke", "Cy"), 1, "prodops: error: nobody called 'Cy' was invited (invited: Ana)"),
    (("serve", "invite", "x" * 60), 1, "prodops: error: a name is at most 40 characters (this one has 60)"),
    (("serve", "invite", "Ana\nBo"), 1, "prodops: error: a name is one line"),
    (("serve", "invite", "Bo", "--role", "admin"), 2, "prodops serve invite: error: argument --role: invalid choice: 'admin'"),
])
def test_a_bad_team_command_is_one_line(prodops, args, code, says):
    assert prodops("serve", "invite", "Ana").returncode == 0
    result = prodops(*args)
    assert result.returncode == code
    assert result.stderr.splitlines()[-1].startswith(says) and "Traceback" not in result.stderr


def test_tabs_are_capped_per_person_and_in_all(workspace):
    server = serve._server_type()("true", host="127.0.0.1", port=8123)
    server.setup(workspace, serve.ServeOptions(max_tabs=3, max_tabs_per_person=2))

    def opened(person: str) -> None:
        tab = serve.Tab(None, person, "member", None, person)
        server.tabs[tab.id] = tab

    opened("Ana")
    opened("Ana")
    assert "You have 2 prodops tabs open" in (server._full("Ana") or "")
    assert server._full("Bo") is None
    opened("Bo")
    assert "prodops is full: 3 tabs are open" in (server._full("Bo") or "")
    assert "prodops is full" in (server._full("") or "")  # a browser without sign-in counts too
