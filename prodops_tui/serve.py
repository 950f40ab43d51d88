"""`prodops serve`: the app for browsers, with textual-serve (the optional extra `serve`).

textual-serve starts one app process per browser tab (a shell command, run as a child) and
relays its screen over a websocket. Every tab runs `python -m prodops_tui --workspace DIR`
on the same workspace, so the store's journal and lock keep the tabs in step as they keep
two terminals. What this module adds to the library:
- who is at each browser: a random token in a cookie, handed to the tab's process in the
  environment (PRODOPS_BROWSER, core/identity.py), so the name a person gives is asked once
  per browser; the server's own PRODOPS_USER is not passed on (it would sign for everyone);
- the page and websocket are reached under the name the browser used (localhost through an
  SSH tunnel, a proxy's host name), not the address the server bound;
- a websocket opened by another site's page is refused (browsers let any page open one to
  127.0.0.1), and on loopback a Host that is not loopback too (DNS rebinding), for the page,
  the websocket and the downloads alike.
A tab reaches no file of the server by a path: its exports come to the browser as downloads
(served once at /download/<key>, the key known only to that tab's page) and its import screen
says it cannot import (ui/exports.py holds the rule). textual-serve carries no upload.
textual-serve is imported only when serving: the rest of prodops does not need it."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
import shlex
import sys
from pathlib import Path
from typing import Any

from .core.errors import ProdopsError
from .core.identity import ACTOR_ENV, BROWSER_ENV, BROWSER_TOKEN

BROWSER_COOKIE = "prodops_browser"
BROWSER_COOKIE_DAYS = 400  # the longest browsers keep a cookie
INSTALL_HINT = 'pip install "prodops[serve]"'

log = logging.getLogger("textual-serve")


class ServeUnavailable(ProdopsError):
    """textual-serve is not installed."""


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: only this machine can connect."""
    name = host.strip().strip("[]").rstrip(".").casefold()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def app_command(workspace: Path, theme: str | None) -> str:
    """The shell command textual-serve runs for each tab: this interpreter, this workspace."""
    args = [sys.executable, "-m", "prodops_tui", "--workspace", str(workspace)]
    if theme:
        args += ["--theme", theme]
    return shlex.join(args)


def browser_token(cookies: Any) -> str | None:
    token = cookies.get(BROWSER_COOKIE, "")
    return token if BROWSER_TOKEN.fullmatch(token) else None


def serve(workspace: Path, *, host: str, port: int, theme: str | None = None, exposed: bool = False) -> None:
    """Serve until Ctrl+C or SIGTERM (textual-serve stops its tabs' processes on the way out)."""
    try:
        server_type = _server_type()
    except ImportError as exc:
        raise ServeUnavailable(f"`prodops serve` needs textual-serve: {INSTALL_HINT}") from exc
    server = server_type(app_command(workspace, theme), host=host, port=port, title="prodops")
    server.workspace = workspace
    server.exposed = exposed
    server.serve()


def _server_type():
    import aiohttp_jinja2
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, to_int

    class BrowserAppService(AppService):
        """One tab's app process, told which browser it serves."""

        def __init__(self, *args: Any, browser: str | None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.browser = browser

        def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
            environment = super()._build_environment(width=width, height=height)
            environment.pop(ACTOR_ENV, None)  # the server's user: it would sign every tab's changes
            # Present means "a browser tab": the app asks who is there; "" when the browser keeps no cookie.
            environment[BROWSER_ENV] = self.browser or ""
            return environment

    class ProdopsServer(Server):
        workspace: Path
        exposed = False
        _app_service_type = BrowserAppService

        def _refusal(self, request: web.Request, *, websocket: bool) -> str | None:
            if not self.exposed and not is_loopback(request.url.host or ""):
                return "this server answers only to a loopback name (localhost, 127.0.0.1); see `prodops serve --help`"
            origin = request.headers.get("Origin")
            if websocket and origin is not None and origin != f"{_scheme(request)}://{request.host}":
                return "a page from another site may not open prodops"
            return None

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            refusal = self._refusal(request, websocket=False)
            if refusal:
                raise web.HTTPForbidden(text=refusal)
            token = browser_token(request.cookies) or secrets.token_urlsafe(24)
            scheme = "wss" if _scheme(request) == "https" else "ws"
            context = {
                "font_size": to_int(request.query.get("fontsize", "16"), 16),
                "app_websocket_url": f"{scheme}://{request.host}/ws",
                "config": {"static": {"url": "/static/"}},
                "application": {"name": self.title},
            }
            response = aiohttp_jinja2.render_template("app_index.html", request, context)
            response.set_cookie(BROWSER_COOKIE, token, max_age=BROWSER_COOKIE_DAYS * 86_400, path="/",
                                httponly=True, samesite="Strict", secure=_scheme(request) == "https")
            return response

        async def handle_download(self, request: web.Request) -> web.StreamResponse:
            refusal = self._refusal(request, websocket=False)
            if refusal:
                raise web.HTTPForbidden(text=refusal)
            return await super().handle_download(request)

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            # The library's handler, with the checks above and the browser's token passed on.
            refusal = self._refusal(request, websocket=True)
            if refusal:
                raise web.HTTPForbidden(text=refusal)
            websocket = web.WebSocketResponse(heartbeat=15)
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            app_service: AppService | None = None
            try:
                await websocket.prepare(request)
                app_service = self._app_service_type(
                    self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str, close=websocket.close,
                    download_manager=self.download_manager, debug=self.debug, browser=browser_token(request.cookies),
                )
                await app_service.start(width, height)
                try:
                    await self._process_messages(websocket, app_service)
                finally:
                    await app_service.stop()
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:  # one tab's failure is logged, the server goes on
                log.exception(error)
            finally:
                if app_service is not None:
                    await app_service.stop()
            return websocket

        async def on_startup(self, app: web.Application) -> None:
            where = f"http://{'[' + self.host + ']' if ':' in self.host else self.host}:{self.port}"
            self.console.print(f"prodops: serving {self.workspace} on {where} — one app per browser tab; Ctrl+C stops",
                               markup=False, highlight=False, soft_wrap=True)
            if self.exposed:
                self.console.print("prodops: warning: not loopback — anyone who reaches this address can read and change "
                                   "the workspace; put an authenticating proxy in front", markup=False, highlight=False, soft_wrap=True)

    return ProdopsServer


def _scheme(request: Any) -> str:
    # Behind a TLS-terminating proxy the page was https: its websocket must be wss.
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().casefold()
    return "https" if forwarded == "https" or request.secure else "http"
