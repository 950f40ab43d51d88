"""`prodops serve`: the app for browsers, with textual-serve (the optional extra `serve`).

textual-serve starts one app process per browser tab and relays its screen over a websocket.
Every tab runs `python -m prodops_tui --workspace DIR` on the same workspace, so the store's
journal and lock keep the tabs in step as they keep two terminals. What this module adds:

- **sign-in** (once anyone was invited, `prodops serve invite NAME`; core/team/people.py): an
  invite link is traded once for a session cookie the server issued (HttpOnly, SameSite=Strict,
  Secure under TLS); every page, websocket, download and static file asks for it, a cookie the
  server did not issue is refused, and bad tokens from one address are slowed (a lockout that
  doubles) and logged. The tab's process is told who signed in and their role in its
  environment (PRODOPS_PERSON, PRODOPS_ROLE): that person signs every change, nobody is asked.
  Revoking a person (`prodops serve revoke`) closes their open tabs within seconds.
  Without anyone invited, on loopback only, a browser names itself once (a cookie the server
  signed names the browser; core/identity.py).
- **per-person settings**: each person's (or, without sign-in, each browser's) settings file is
  their own, in the workspace's .serve/settings/; a theme picked in a tab is never the server's.
- **exposure only when safe**: beyond loopback only with sign-in and TLS (--certfile/--keyfile)
  or --behind-proxy (X-Forwarded-* trusted only from a loopback peer); on loopback, a Host that
  is not loopback is refused (DNS rebinding), and a websocket opened by another site's page.
- **capacity**: a cap on tabs per person and in all (a page says so when full), idle tabs
  closed, a closed tab's process ended within seconds (asked to quit, then terminated), and a
  status file (.serve/status.json) that `prodops serve --status` reads.

A tab reaches no file of the server by a path: its exports come to the browser as downloads
(served once at /download/<key>, the key known only to that tab's page) and its import screen
says it cannot import (ui/exports.py holds the rule). textual-serve carries no upload.
textual-serve is imported only when serving: the rest of prodops does not need it."""

from __future__ import annotations

import asyncio
import contextlib
import html
import ipaddress
import json
import logging
import os
import shlex
import signal
import socket
import ssl
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core.dates import from_iso, to_iso, utc_now
from .core.errors import ProdopsError
from .core.identity import ACTOR_ENV, BROWSER_ENV, PERSON_ENV, ROLE_ENV
from .core.storage.files import atomic_write_bytes, ensure_private_dir
from .core.team import IDLE_MINUTES, MAX_TABS, MAX_TABS_PER_PERSON
from .core.team.people import SESSION_DAYS, Session, Team, is_ours, server_secret, signed_browser_token, team_folder, token_hash
from .core.workspace import CONFIG_ENV, Settings

BROWSER_COOKIE = "prodops_browser"
SESSION_COOKIE = "prodops_session"
BROWSER_COOKIE_DAYS = 400  # the longest browsers keep a cookie
INSTALL_HINT = 'pip install "prodops-tui[serve]"'
WATCH_EVERY_S = 1.0  # revoked sessions and idle tabs are looked for this often
STATUS_EVERY_S = 2.0
STATUS_STALE_S = 30.0  # a status file not rewritten for this long is a server that died
QUIT_WAIT_S = 3.0  # a closed tab's app is asked to quit, then terminated, then killed
FREE_FAILURES = 5  # bad tokens from one address before it is slowed
LOCKOUT_S = 30.0  # after that, each bad token locks the address out twice as long as the last
LOCKOUT_MAX_S = 3600.0
MAX_ADDRESSES_KEPT = 10_000
HEARTBEAT_S = 5.0  # a browser that vanished is noticed within two of these

log = logging.getLogger("textual-serve")


class ServeUnavailable(ProdopsError):
    """textual-serve is not installed."""


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    theme: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    behind_proxy: bool = False
    max_tabs: int = MAX_TABS
    max_tabs_per_person: int = MAX_TABS_PER_PERSON
    idle_minutes: float = IDLE_MINUTES

    @property
    def tls(self) -> bool:
        return bool(self.certfile)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: only this machine can connect."""
    name = host.strip().strip("[]").rstrip(".").casefold()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def exposure_problem(host: str, *, signed_in: bool, tls: bool, behind_proxy: bool) -> str | None:
    """Why listening on `host` is refused, in one line; None when it is safe enough."""
    if behind_proxy and not signed_in:
        return ("--behind-proxy: a proxy lets others reach the server, and beyond this machine everyone signs in; "
                "invite people first (prodops serve invite NAME)")
    if is_loopback(host):
        return None
    if not signed_in:
        return (f"--host {host} is not loopback: beyond this machine everyone signs in; invite people first "
                "(prodops serve invite NAME), or reach it over an SSH tunnel")
    if not (tls or behind_proxy):
        return (f"--host {host} is not loopback: plain HTTP would carry sign-in links and sessions in the clear; "
                "give --certfile and --keyfile, or --behind-proxy with a TLS proxy on this machine")
    return None


def tls_context(certfile: str, keyfile: str | None) -> ssl.SSLContext:
    """The server's TLS context, or one line saying why the files do not make one."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile, keyfile)
    except FileNotFoundError as exc:
        raise ProdopsError(f"--certfile/--keyfile: {exc.filename or certfile} does not exist") from exc
    except (ssl.SSLError, OSError) as exc:
        raise ProdopsError(f"--certfile {certfile} and --keyfile {keyfile or '(none)'} do not make a TLS certificate and key ({exc})") from exc
    return context


def app_command(workspace: Path, theme: str | None) -> str:
    """The command textual-serve runs for each tab: this interpreter, this workspace."""
    args = [sys.executable, "-m", "prodops_tui", "--workspace", str(workspace)]
    if theme:
        args += ["--theme", theme]
    return shlex.join(args)


def settings_folder(workspace: Path, owner: str) -> Path:
    """Where a person's (or a browser's) own settings file is: theme and keymap picked in
    a tab belong there, never in the server's settings."""
    return team_folder(workspace) / "settings" / owner


def status_path(workspace: Path) -> Path:
    return team_folder(workspace) / "status.json"


def serve(workspace: Path, options: ServeOptions) -> None:
    """Serve until Ctrl+C or SIGTERM (every tab's process is stopped on the way out)."""
    try:
        server_type = _server_type()
    except ImportError as exc:
        raise ServeUnavailable(f"`prodops serve` needs textual-serve: {INSTALL_HINT}") from exc
    context = tls_context(options.certfile, options.keyfile) if options.certfile else None
    server = server_type(app_command(workspace, None), host=options.host, port=options.port, title="prodops")
    server.setup(workspace, options)
    server.serve_with(context)


# --- what a status file says -----------------------------------------------------------------


def read_status(workspace: Path) -> dict[str, Any] | None:
    """The running server's last status, or None when no server runs on this workspace."""
    try:
        status = json.loads(status_path(workspace).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(status, dict) or not isinstance(status.get("pid"), int):
        return None
    try:
        os.kill(status["pid"], 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, someone else's
    try:
        age = (utc_now() - from_iso(str(status.get("updated_at")))).total_seconds()
    except ValueError:
        return None
    return status if age <= STATUS_STALE_S else None


def describe_status(status: dict[str, Any] | None, workspace: Path) -> list[str]:
    if status is None:
        return [f"prodops serve is not running on {workspace}"]
    tabs = [t for t in status.get("tabs", []) if isinstance(t, dict)]
    by_person: dict[str, int] = {}
    for tab in tabs:
        by_person[str(tab.get("person") or "someone")] = by_person.get(str(tab.get("person") or "someone"), 0) + 1
    online = ", ".join(f"{name} ({count} tab{'s' if count != 1 else ''})" for name, count in sorted(by_person.items()))
    in_tabs = sum(int(t.get("rss_bytes") or 0) for t in tabs)
    server_rss = int(status.get("server_rss_bytes") or 0)
    memory = f"memory: {_mb(in_tabs + server_rss)} ({_mb(server_rss)} server"
    memory += f", {_mb(in_tabs)} in {len(tabs)} tab{'s' if len(tabs) != 1 else ''}, {_mb(in_tabs // len(tabs))} each)" if tabs else ")"
    if not server_rss:
        memory = "memory: not measurable on this platform"
    return [
        f"prodops serve on {status.get('url')} (pid {status.get('pid')}), since {status.get('started_at')}",
        f"sign-in: {'on' if status.get('sign_in') else 'off (nobody invited; loopback only)'}",
        f"people online: {online or 'nobody'}",
        (f"tabs: {len(tabs)} of {status.get('max_tabs')} (at most {status.get('max_tabs_per_person')} a person; "
         f"idle tabs closed after {float(status.get('idle_minutes') or 0):g} min)"),
        memory,
    ]


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.0f} MB"


def rss_bytes(pid: int) -> int:
    """Memory of a process on Linux: its proportional set size (shared pages split among the
    processes that share them, so the tabs' figures add up), else its resident size; 0 where
    neither can be read."""
    for path, name in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path, encoding="ascii", errors="replace") as lines:
                for line in lines:
                    if line.startswith(name):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return 0


# --- the server ---------------------------------------------------------------------------------


@dataclass
class Tab:
    """One open browser tab: its websocket, its app process, who is at it."""

    websocket: Any
    person: str  # the signed-in name, or "" without sign-in
    role: str
    session: str | None  # the session's id (its hash) with sign-in
    owner: str  # whose settings folder: a person's key, or a browser's
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    opened: float = field(default_factory=time.monotonic)
    last_input: float = field(default_factory=time.monotonic)
    opened_at: str = field(default_factory=lambda: to_iso(utc_now()))
    service: Any = None
    closing: str = ""


def _page(title: str, text: str, *, status: int, extra: str = "") -> Any:
    from aiohttp import web

    body = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>prodops — {html.escape(title)}</title>"
            "<meta name=viewport content='width=device-width'><style>body{font:16px/1.5 system-ui,sans-serif;"
            "max-width:34em;margin:4em auto;padding:0 1em}</style></head>"
            f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{extra}</body></html>")
    return web.Response(status=status, text=body, content_type="text/html")


def _server_type():
    import aiohttp_jinja2
    from aiohttp import WSMsgType, web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, to_int

    class TabService(AppService):
        """One tab's app process: told who is there, started in its own process group so it
        can be ended with everything it started, and stopped within seconds."""

        def __init__(self, *args: Any, environment: dict[str, str], **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.environment = environment

        def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
            environment = super()._build_environment(width=width, height=height)
            for name in (ACTOR_ENV, PERSON_ENV, ROLE_ENV):  # the server's own: they would sign every tab's changes
                environment.pop(name, None)
            environment.update(self.environment)
            return environment

        async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
            self._process = process = await asyncio.create_subprocess_exec(
                *shlex.split(self.command), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=self._build_environment(width=width, height=height),
                start_new_session=True)
            assert process.stdin is not None
            self._stdin = process.stdin
            return process

        @property
        def pid(self) -> int | None:
            return self._process.pid if self._process is not None else None

        async def send_meta(self, data: dict[str, str | int | bool | None]) -> bool:
            try:
                return await super().send_meta(data)
            except (OSError, RuntimeError):
                return False

        async def stop(self) -> None:
            """Ask the app to quit; terminate it (and its group) if it has not within
            QUIT_WAIT_S, kill it if that did not do. The library waited as long as the app took."""
            task, self._task = self._task, None
            if task is None:
                return
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
            process = self._process
            if process is not None:
                for sig in (None, signal.SIGTERM, signal.SIGKILL):
                    if sig is not None:
                        _signal_group(process.pid, sig)
                    try:
                        await asyncio.wait_for(process.wait(), QUIT_WAIT_S)
                        break
                    except TimeoutError:
                        continue
            try:
                await asyncio.wait_for(task, QUIT_WAIT_S)
            except TimeoutError:
                task.cancel()

    class ProdopsServer(Server):
        workspace: Path
        options: ServeOptions
        team: Team
        secret: bytes
        _app_service_type = TabService

        def setup(self, workspace: Path, options: ServeOptions) -> None:
            self.workspace = workspace
            self.options = options
            self.team = Team(workspace)
            self.secret = b""
            self.tabs: dict[str, Tab] = {}
            self.failures: dict[str, tuple[int, float]] = {}  # address: bad tokens in a row, locked until
            self._watcher: asyncio.Task[None] | None = None
            self._team_signature: tuple[int, int] | None = None
            self.started_at = to_iso(utc_now())

        @property
        def exposed(self) -> bool:
            return not is_loopback(self.host)

        @property
        def sign_in(self) -> bool:
            return self.team.anyone()

        # --- serving --------------------------------------------------------------------

        def serve_with(self, context: ssl.SSLContext | None) -> None:
            """Server.serve with TLS: the library's own has no ssl_context."""
            self.initialize_logging()
            self.secret = server_secret(self.workspace)
            try:
                loop = asyncio.get_event_loop()
            except RuntimeError:
                loop = asyncio.new_event_loop()
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signal.SIGINT, self.request_exit)
                loop.add_signal_handler(signal.SIGTERM, self.request_exit)
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False, loop=loop,
                        ssl_context=context, print=lambda *args: None, access_log=None)

        async def _make_app(self) -> web.Application:
            app = web.Application()
            aiohttp_jinja2.setup(app, loader=__import__("jinja2").FileSystemLoader(self.templates_path))
            app.add_routes([
                web.get("/", self.handle_index, name="index"),
                web.get("/signin", self.handle_signin_page, name="signin"),
                web.post("/signin", self.handle_signin, name="signin-post"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                # The library's static route lists folders and answers any Host: ours does neither.
                web.get("/static/{path:.+}", self.handle_static, name="static"),
            ])
            app.on_startup.append(self.on_startup)
            app.on_shutdown.append(self.on_shutdown)
            return app

        def _say(self, text: str) -> None:
            self.console.print(f"prodops: {text}", markup=False, highlight=False, soft_wrap=True)

        # --- who is asking, from where ----------------------------------------------------

        def _trusted_proxy(self, request: web.Request) -> bool:
            return self.options.behind_proxy and is_loopback(request.remote or "")

        def _forwarded(self, request: web.Request, header: str) -> str:
            """A forwarded header's value as the proxy on this machine set it, else ""."""
            if not self._trusted_proxy(request):
                return ""
            return request.headers.get(header, "").split(",")[-1].strip()

        def _scheme(self, request: web.Request) -> str:
            forwarded = self._forwarded(request, "X-Forwarded-Proto").casefold()
            return "https" if request.secure or forwarded == "https" else "http"

        def _host(self, request: web.Request) -> str:
            return self._forwarded(request, "X-Forwarded-Host") or request.host

        def _address(self, request: web.Request) -> str:
            return self._forwarded(request, "X-Forwarded-For") or request.remote or "?"

        def _refusal(self, request: web.Request, *, websocket: bool = False, posted: bool = False) -> str | None:
            host = self._host(request)
            if not self.exposed and not self.options.behind_proxy and not is_loopback(_hostname(host)):
                return "this server answers only to a loopback name (localhost, 127.0.0.1); see `prodops serve --help`"
            origin = request.headers.get("Origin")
            if (websocket or posted) and origin is not None and origin != f"{self._scheme(request)}://{host}":
                return "a page from another site may not open prodops"
            return None

        def _locked_out(self, request: web.Request) -> float:
            _, until = self.failures.get(self._address(request), (0, 0.0))
            return max(0.0, until - time.monotonic())

        def _bad_token(self, request: web.Request, what: str) -> None:
            address = self._address(request)
            count, _ = self.failures.get(address, (0, 0.0))
            count += 1
            wait = 0.0 if count < FREE_FAILURES else min(LOCKOUT_S * 2 ** (count - FREE_FAILURES), LOCKOUT_MAX_S)
            if len(self.failures) >= MAX_ADDRESSES_KEPT:  # many addresses: the oldest lockouts are forgotten first
                for forgotten in sorted(self.failures, key=lambda a: self.failures[a][1])[: MAX_ADDRESSES_KEPT // 10]:
                    del self.failures[forgotten]
            self.failures[address] = (count, time.monotonic() + wait)
            self._say(f"refused {what} from {address} ({count} in a row" + (f"; locked out {wait:.0f} s)" if wait else ")"))

        def _good_token(self, request: web.Request) -> None:
            self.failures.pop(self._address(request), None)

        def _session(self, request: web.Request) -> tuple[Session | None, bool]:
            """The signed-in session, and whether a cookie was sent that is not one (forged,
            revoked or expired)."""
            token = request.cookies.get(SESSION_COOKIE, "")
            if not token:
                return None, False
            found = self.team.session(token)
            return found, found is None

        def _gate(self, request: web.Request, *, websocket: bool = False) -> tuple[Session | None, web.StreamResponse | None]:
            """Refuse what must be refused; with sign-in, who is signed in."""
            refusal = self._refusal(request, websocket=websocket)
            if refusal:
                return None, web.Response(status=403, text=refusal)
            if not self.sign_in:
                return None, None
            wait = self._locked_out(request)
            if wait:
                return None, self._too_many(wait)
            session, forged = self._session(request)
            if session is not None:
                return session, None  # a good cookie does not wipe the address's bad tries: a sign-in does
            if forged:
                self._bad_token(request, "a session cookie this server did not issue, or one revoked")
            response = _page("Sign in", "This prodops server needs you to sign in: open the invite link you were given "
                             "(whoever runs the server makes one with `prodops serve invite NAME`).", status=401)
            if forged:
                response.del_cookie(SESSION_COOKIE, path="/")
            return None, response

        def _too_many(self, wait: float) -> web.Response:
            response = _page("Too many tries", f"Too many bad sign-in links or cookies from your address: try again in "
                             f"{wait:.0f} s.", status=429)
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response

        def _full(self, person: str) -> str | None:
            """Why one more tab is refused, or None."""
            if len(self.tabs) >= self.options.max_tabs:
                return (f"prodops is full: {len(self.tabs)} tabs are open, the most this server allows (--max-tabs "
                        f"{self.options.max_tabs}). Try again when someone closes one.")
            if person:
                mine = sum(1 for tab in self.tabs.values() if tab.person == person)
                if mine >= self.options.max_tabs_per_person:
                    return (f"You have {mine} prodops tabs open, the most one person may (--max-tabs-per-person "
                            f"{self.options.max_tabs_per_person}): close one and reload this page.")
            return None

        # --- pages ----------------------------------------------------------------------

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            session, refused = self._gate(request)
            if refused is not None:
                if refused.status == 401 and SESSION_COOKIE not in request.cookies and "again" not in request.query:
                    # A SameSite=Strict cookie is not sent when a link on another site opened this
                    # page: asking again from here (the same site) sends it, if the browser has one.
                    refused = _page("Sign in", "Signing you in…", status=401,
                                    extra="<script>location.replace('/?again=1')</script>")
                return refused
            full = self._full(session.person.name if session else "")
            if full:
                return _page("prodops is full", full, status=503)
            scheme = "wss" if self._scheme(request) == "https" else "ws"
            context = {
                "font_size": to_int(request.query.get("fontsize", "16"), 16),
                "app_websocket_url": f"{scheme}://{self._host(request)}/ws",
                "config": {"static": {"url": "/static/"}},
                "application": {"name": self.title},
            }
            response = aiohttp_jinja2.render_template("app_index.html", request, context)
            if not self.sign_in:
                token = request.cookies.get(BROWSER_COOKIE, "")
                if not is_ours(self.secret, token):
                    token = signed_browser_token(self.secret)
                response.set_cookie(BROWSER_COOKIE, token, max_age=BROWSER_COOKIE_DAYS * 86_400, path="/", httponly=True,
                                    samesite="Strict", secure=self._scheme(request) == "https")
            return response

        async def handle_signin_page(self, request: web.Request) -> web.StreamResponse:
            """The invite link opens a page that asks before it signs in: a link preview that
            fetches the URL does not spend the invite."""
            refusal = self._refusal(request)
            if refusal:
                return web.Response(status=403, text=refusal)
            wait = self._locked_out(request)
            if wait:
                return self._too_many(wait)
            token = request.query.get("token", "")
            form = (f"<form method=post action=/signin><input type=hidden name=token value='{html.escape(token, quote=True)}'>"
                    "<button type=submit autofocus>Sign in</button></form>")
            return _page("Sign in to prodops", "This link signs this browser in, once.", status=200, extra=form)

        async def handle_signin(self, request: web.Request) -> web.StreamResponse:
            refusal = self._refusal(request, posted=True)
            if refusal:
                return web.Response(status=403, text=refusal)
            wait = self._locked_out(request)
            if wait:
                return self._too_many(wait)
            form = await request.post()
            token = str(form.get("token", ""))
            signed = self.team.sign_in(token)
            if signed is None:
                self._bad_token(request, "an invite link that is not open (used, expired or never issued)")
                return _page("This link does not sign you in", "The link was used already, has expired, or is not one "
                             "this server made: ask for a new one (`prodops serve invite NAME`).", status=403)
            self._good_token(request)
            session, session_token = signed
            self._say(f"{session.person.name} signed in ({session.person.role}) from {self._address(request)}")
            response = web.Response(status=303, headers={"Location": "/"})
            response.set_cookie(SESSION_COOKIE, session_token, max_age=SESSION_DAYS * 86_400, path="/", httponly=True,
                                samesite="Strict", secure=self._scheme(request) == "https")
            return response

        async def handle_static(self, request: web.Request) -> web.StreamResponse:
            _, refused = self._gate(request)
            if refused is not None:
                return refused
            root = Path(self.statics_path).resolve()
            wanted = (root / request.match_info["path"]).resolve()
            if not wanted.is_relative_to(root) or not wanted.is_file():
                raise web.HTTPNotFound()
            return web.FileResponse(wanted)

        async def handle_download(self, request: web.Request) -> web.StreamResponse:
            _, refused = self._gate(request)
            if refused is not None:
                return refused
            return await super().handle_download(request)

        # --- tabs -----------------------------------------------------------------------

        def _tab_for(self, request: web.Request, websocket: web.WebSocketResponse, session: Session | None) -> tuple[Tab, dict[str, str]]:
            if session is not None:
                person = session.person
                tab = Tab(websocket, person.name, person.role, session.id, person.key)
                environment = {BROWSER_ENV: "", PERSON_ENV: person.name, ROLE_ENV: person.role}
            else:
                token = request.cookies.get(BROWSER_COOKIE, "")
                token = token if is_ours(self.secret, token) else ""
                owner = "browser-" + token_hash(token)[:20] if token else "no-cookie"
                tab = Tab(websocket, "", "", None, owner)
                environment = {BROWSER_ENV: token}
            folder = settings_folder(self.workspace, tab.owner)
            ensure_private_dir(folder)
            environment[CONFIG_ENV] = str(folder)
            return tab, environment

        def _command_for(self, tab: Tab) -> str:
            """The server's --theme is where a person starts; the theme they pick is theirs."""
            own = Settings(settings_folder(self.workspace, tab.owner)).get("theme")
            return app_command(self.workspace, None if own else self.options.theme)

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]  # a refusal is a plain response
            session, refused = self._gate(request, websocket=True)
            if refused is not None:
                return refused
            full = self._full(session.person.name if session else "")
            if full:
                return web.Response(status=503, text=full)
            websocket = web.WebSocketResponse(heartbeat=HEARTBEAT_S)
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            tab, environment = self._tab_for(request, websocket, session)
            self.tabs[tab.id] = tab
            service: TabService | None = None
            try:
                await websocket.prepare(request)
                service = TabService(self._command_for(tab), write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                     close=websocket.close, download_manager=self.download_manager, debug=self.debug,
                                     environment=environment)
                tab.service = service
                await service.start(width, height)
                await self._relay(websocket, service, tab)
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:
                log.exception(error)
            finally:
                self.tabs.pop(tab.id, None)
                if service is not None:
                    await service.stop()
            return websocket

        async def _relay(self, websocket: web.WebSocketResponse, service: TabService, tab: Tab) -> None:
            """The browser's keys and size to the tab's app (the library's loop, keeping when
            the person last did something: an idle tab is closed)."""
            async for message in websocket:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    envelope = json.loads(message.data)
                except ValueError:
                    continue
                if not isinstance(envelope, list) or not envelope:
                    continue
                kind = envelope[0]
                data = envelope[1] if len(envelope) > 1 else None
                if kind == "stdin" and isinstance(data, str):
                    tab.last_input = time.monotonic()
                    await service.send_bytes(data.encode("utf-8"))
                elif kind == "resize" and isinstance(data, dict):
                    tab.last_input = time.monotonic()
                    await service.set_terminal_size(to_int(str(data.get("width")), 80), to_int(str(data.get("height")), 24))
                elif kind == "ping":
                    await websocket.send_json(["pong", data])
                elif kind == "blur":
                    await service.blur()
                elif kind == "focus":
                    await service.focus()

        async def _close(self, tab: Tab, why: str) -> None:
            if tab.closing:
                return
            tab.closing = why
            self._say(f"closed a tab of {tab.person or 'a browser'}: {why}")
            with contextlib.suppress(Exception):
                await tab.websocket.close(code=4000, message=why.encode()[:120])

        async def _watch(self) -> None:
            """Every second: close the tabs of revoked sessions and idle tabs; now and then,
            write the status file."""
            last_status = 0.0
            while True:
                try:
                    await self._watch_once()
                    if time.monotonic() - last_status >= STATUS_EVERY_S:
                        last_status = time.monotonic()
                        # Gathered here, on the loop that changes the tabs; written by a thread.
                        await asyncio.to_thread(self._write_status, self._status())
                except Exception as error:
                    log.exception(error)
                await asyncio.sleep(WATCH_EVERY_S)

        async def _watch_once(self) -> None:
            signature = self.team.signature()
            if signature != self._team_signature or int(time.monotonic()) % 30 == 0:
                self._team_signature = signature
                live = self.team.live_sessions()
                for tab in list(self.tabs.values()):
                    if tab.session is not None and tab.session not in live:
                        await self._close(tab, "signed out: this session was revoked or has expired")
            idle = self.options.idle_minutes * 60
            for tab in list(self.tabs.values()):
                if time.monotonic() - tab.last_input > idle:
                    await self._close(tab, f"closed after {self.options.idle_minutes:g} min without use: reload to go on")

        def _status(self) -> dict[str, Any]:
            scheme = "https" if self.options.tls else "http"
            host = self.host
            if host in ("0.0.0.0", "::", ""):
                host = socket.gethostname()
            where = f"{scheme}://{'[' + host + ']' if ':' in host else host}:{self.port}"
            tabs = []
            for tab in list(self.tabs.values()):
                pid = tab.service.pid if tab.service is not None else None
                tabs.append({"person": tab.person or None, "role": tab.role or None, "pid": pid, "opened_at": tab.opened_at,
                             "idle_s": round(time.monotonic() - tab.last_input), "rss_bytes": rss_bytes(pid) if pid else 0})
            return {"pid": os.getpid(), "url": where, "started_at": self.started_at, "updated_at": to_iso(utc_now()),
                    "sign_in": self.sign_in, "behind_proxy": self.options.behind_proxy, "tabs": tabs,
                    "server_rss_bytes": rss_bytes(os.getpid()), "max_tabs": self.options.max_tabs,
                    "max_tabs_per_person": self.options.max_tabs_per_person, "idle_minutes": self.options.idle_minutes}

        def _write_status(self, status: dict[str, Any]) -> None:
            path = status_path(self.workspace)
            ensure_private_dir(path.parent)
            atomic_write_bytes(path, json.dumps(status, indent=2).encode())

        async def on_startup(self, app: web.Application) -> None:
            scheme = "https" if self.options.tls else "http"
            where = f"{scheme}://{'[' + self.host + ']' if ':' in self.host else self.host}:{self.port}"
            self._say(f"serving {self.workspace} on {where} — one app per browser tab; Ctrl+C stops")
            if self.sign_in:
                people = self.team.people()
                self._say(f"sign-in: on ({len(people)} invited; `prodops serve people` lists them)")
            else:
                self._say("sign-in: off — nobody is invited, so each browser names itself (loopback only); "
                          "`prodops serve invite NAME` turns it on")
            if self.options.behind_proxy:
                self._say("behind a proxy: X-Forwarded-Proto/-Host/-For are read only from a proxy on this machine")
            self._write_status(self._status())
            self._watcher = asyncio.create_task(self._watch())

        async def on_shutdown(self, app: web.Application) -> None:
            if self._watcher is not None:
                self._watcher.cancel()
            for tab in list(self.tabs.values()):
                await self._close(tab, "the server is stopping")
            with contextlib.suppress(OSError):
                status_path(self.workspace).unlink()

    return ProdopsServer


def _hostname(host: str) -> str:
    """The name in a Host header: "[::1]:8000" is ::1, "localhost:8000" localhost."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _signal_group(pid: int, sig: int) -> None:
    """Signal a tab's app and whatever it started (it leads its own session)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    except OSError:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)
