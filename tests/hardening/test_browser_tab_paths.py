"""A browser tab of `prodops serve` reaches no file of the server by a path (issue 24, defect 1).

The attack: in a tab, E on a retro and w on an opportunity asked for a path on the server and
replaced whatever was there (a file outside the workspace got the retro's Markdown, and card
text lands verbatim, so ~/.bashrc could be written); I took any path, with completion, so a
tab could list folders and read files. Now, in a tab, exports are downloads in the browser and
the import screen says in one line why it cannot import; nothing outside the workspace is
written or listed. In a terminal, an export still goes to a path, but never replaces a file
without a confirmation naming it.

The app is driven here with a tab's environment (what `prodops serve` sets), then the real
`prodops serve` over its websocket, as a browser would."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import Input

from prodops_tui.core.demo import fill_demo
from prodops_tui.core.identity import BROWSER_ENV
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store
from prodops_tui.core.team.people import Team
from prodops_tui.serve import SESSION_COOKIE

from ..cli.test_serve import fetch, free_loopback_port
from ..conftest import REPO, fixed_clock
from ..ui import conftest as ui_conftest
from ..ui.conftest import DEMO_NOW, Typed, messages, press, settle

# The UI tests' fixtures, used here by name: pytest finds fixtures among a module's attributes.
# (Assigned, not imported by name: each test's parameter of the same name would shadow an import.)
make_app = ui_conftest.make_app
steady_cursor = ui_conftest.steady_cursor
utc_local_time = ui_conftest.utc_local_time

VICTIM_TEXT = "export PATH=$HOME/bin:$PATH  # the user's own file\n"
SECRET_CSV = "text,customer\nThe merger closes on Friday: tell nobody,Board\n"


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of the server's own files, outside the workspace: the app's working folder
    (where a terminal's export would go by default) and its home (Textual's downloads folder)."""
    folder = tmp_path / "server-files"
    folder.mkdir()
    (folder / "victim.md").write_text(VICTIM_TEXT, encoding="utf-8")
    (folder / "secret-plans.csv").write_text(SECRET_CSV, encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.chdir(folder)
    return folder


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def outside_the_workspace(tmp_path: Path) -> dict[str, bytes]:
    """Every file the test's server could reach but the workspace and the config folder."""
    return {name: data for name, data in files_under(tmp_path).items() if not name.startswith(("ws/", "config/"))}


class Delivered:
    """What reached the browser: Textual's web driver, seen from a headless test run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: list[tuple[str, str]] = []
        monkeypatch.setattr(HeadlessDriver, "is_web", property(lambda driver: True))
        monkeypatch.setattr(HeadlessDriver, "deliver_binary", self._deliver)

    def _deliver(self, binary, *, delivery_key, save_path, open_method="download", encoding=None, mime_type=None, name=None):
        data = binary.read()
        binary.close()
        self.files.append((Path(save_path).name, data if isinstance(data, str) else data.decode(encoding or "utf-8")))


@pytest.fixture(params=["web driver", "tab environment only"])
def browser_tab(request, monkeypatch: pytest.MonkeyPatch) -> Delivered | None:
    """A browser tab as `prodops serve` starts it: PRODOPS_BROWSER set, and its screen on
    Textual's web driver. With the variable alone (no browser to take a download), an export
    is refused rather than saved on the server."""
    monkeypatch.setenv(BROWSER_ENV, "t" * 32)
    return Delivered(monkeypatch) if request.param == "web driver" else None


def picker_title(app) -> str:
    return " ".join(str(title.render()) for title in app.screen.query(".picker-title"))


async def type_path_where_asked(pilot, path: Path) -> bool:
    """The attacker's step: if the screen asks for a path, give it one outside the workspace."""
    fields = list(pilot.app.screen.query(Input))
    if not fields:
        return False
    fields[0].value = str(path)
    await pilot.press("enter")
    await settle(pilot)
    if "replace it?" in picker_title(pilot.app):  # and says yes to replacing it
        await pilot.press("1")
        await settle(pilot)
    return True


def nothing_written_but_a_download(outside: Path, tmp_path: Path, before, asked_a_path: bool, browser_tab, said: list[str]):
    """What a tab's export may leave: no file outside the workspace touched, no path asked, and
    the one download a browser took (or, with no browser to take it, the refusal said)."""
    assert (outside / "victim.md").read_text(encoding="utf-8") == VICTIM_TEXT
    assert outside_the_workspace(tmp_path) == before, "a file outside the workspace was written"
    assert not asked_a_path, "a browser tab was asked for a path on the server"
    if browser_tab is None:
        assert any("cannot take a download" in m for m in said), said
        return [(None, None)]
    return browser_tab.files


async def test_in_a_browser_tab_the_retro_export_is_a_download_and_writes_no_server_path(
        demo_store, make_app, outside, tmp_path, browser_tab):
    before = outside_the_workspace(tmp_path)
    app = make_app(demo_store, actor="Tab User")  # named, so the tab does not ask who is there
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("3", "E")  # R-2, highlighted first
        await settle(pilot)
        asked_a_path = await type_path_where_asked(pilot, outside / "victim.md")
        if not asked_a_path and pilot.app.screen.query("#choices"):
            await pilot.press("1")  # Markdown
            await settle(pilot)
        said = messages(app)
    [(name, text)] = nothing_written_but_a_download(outside, tmp_path, before, asked_a_path, browser_tab, said)
    if browser_tab is not None:
        assert name == "R-2-payments-squad.md" and text.startswith("# R-2 · Payments squad")
        assert any("R-2-payments-squad.md" in m and "browser" in m for m in said)


async def test_in_a_browser_tab_the_retro_export_can_be_json(demo_store, make_app, outside, monkeypatch):
    monkeypatch.setenv(BROWSER_ENV, "t" * 32)
    delivered = Delivered(monkeypatch)
    app = make_app(demo_store, actor="Tab User")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "E")
        await settle(pilot)
        await pilot.press("2")  # JSON
        await settle(pilot)
    [(name, text)] = delivered.files
    assert name == "R-2-payments-squad.json" and json.loads(text)["id"] == "R-2"


async def test_in_a_browser_tab_the_opportunity_export_is_a_download_and_writes_no_server_path(
        demo_store, make_app, outside, tmp_path, browser_tab):
    before = outside_the_workspace(tmp_path)
    app = make_app(demo_store, actor="Tab User")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("O")
        await settle(pilot)
        shown = app.screen.current_id
        await pilot.press("w")
        await settle(pilot)
        asked_a_path = await type_path_where_asked(pilot, outside / "victim.md")
        said = messages(app)
    [(name, text)] = nothing_written_but_a_download(outside, tmp_path, before, asked_a_path, browser_tab, said)
    if browser_tab is not None:
        assert name == f"{shown}-customers.csv" and text.startswith("customer,feedback,opportunity,title,status,people,contact,")


async def test_in_a_browser_tab_the_import_screen_lists_and_reads_no_server_file(
        demo_store, make_app, outside, monkeypatch, browser_tab):
    listed: list[str] = []
    for name in ("listdir", "scandir"):
        real = getattr(os, name)

        def spy(path=".", _real=real):
            listed.append(os.path.abspath(os.fspath(path)))
            return _real(path)

        monkeypatch.setattr(os, name, spy)
    items = demo_store.count(FeedbackItem)
    app = make_app(demo_store, actor="Tab User")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("I")
        await settle(pilot)
        fields = list(app.screen.query(Input))
        for field in fields:  # the attacker types a folder of the server, then a file in it
            field.value = str(outside / "sec")
            await settle(pilot)
            field.value = str(outside / "secret-plans.csv")
            await pilot.press("enter")
            await settle(pilot)
        shown = " ".join(str(static.render()) for static in app.screen.query("Static"))
    assert not fields, "a browser tab was asked for a path on the server"
    assert not [path for path in listed if path.startswith(str(outside))], "a server folder was listed"
    assert "would import" not in shown
    assert "import in a browser tab is not possible" in shown.lower() and "prodops import feedback FILE" in shown
    assert demo_store.count(FeedbackItem) == items


# --- in a terminal: a path, and never a silent replace --------------------------------------------


async def test_in_a_terminal_an_export_asks_before_replacing_a_file_and_names_it(demo_store, make_app, outside):
    victim = outside / "victim.md"
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        for keep in ("escape", "2"):  # esc, or the second choice, keeps it
            await pilot.press("3", "E")
            await settle(pilot)
            app.screen.query_one("#text", Input).value = str(victim)
            await pilot.press("enter")
            await settle(pilot)
            assert victim.read_text(encoding="utf-8") == VICTIM_TEXT, "replaced without asking"
            assert picker_title(app) == f"{victim} exists: replace it?"
            await pilot.press(keep)
            await settle(pilot)
            assert victim.read_text(encoding="utf-8") == VICTIM_TEXT
            assert f"{victim} kept: nothing written" in messages(app)
        await pilot.press("E")
        await settle(pilot)
        app.screen.query_one("#text", Input).value = str(victim)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("1")  # replace it
        await settle(pilot)
        assert f"R-2 written to {victim}" in messages(app)
    assert victim.read_text(encoding="utf-8").startswith("# R-2 · Payments squad")
    assert oct(victim.stat().st_mode & 0o777) == oct(0o600)


async def test_in_a_terminal_a_link_in_the_way_is_asked_about_too(demo_store, make_app, outside):
    link = outside / "R-2-payments-squad.md"
    link.symlink_to(outside / "gone.md")  # dangling: the export would take its place
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "E")
        await settle(pilot)
        await pilot.press("enter")  # the suggested path, in the working folder
        await settle(pilot)
        assert picker_title(app) == f"{link} exists: replace it?"
        await pilot.press("escape")
        await settle(pilot)
    assert link.is_symlink() and not (outside / "gone.md").exists()


async def write_who_asked_to(pilot, path: Path) -> None:
    """In a terminal: the opportunities screen (O), its export (w), `path` typed, enter."""
    await pilot.press("O")
    await settle(pilot)
    await pilot.press("w")
    await settle(pilot)
    pilot.app.screen.query_one("#text", Input).value = str(path)
    await pilot.press("enter")
    await settle(pilot)


async def test_in_a_terminal_the_opportunity_export_asks_before_replacing_a_file(demo_store, make_app, outside):
    victim = outside / "victim.md"
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await write_who_asked_to(pilot, victim)
        assert victim.read_text(encoding="utf-8") == VICTIM_TEXT, "replaced without asking"
        assert picker_title(app) == f"{victim} exists: replace it?"
        await pilot.press("enter")  # replace it: the first choice, highlighted
        await settle(pilot)
    assert victim.read_text(encoding="utf-8").startswith("customer,feedback,opportunity")


async def test_in_a_terminal_a_new_file_is_written_without_a_question(demo_store, make_app, outside):
    target = outside / "fresh.csv"
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await write_who_asked_to(pilot, target)
        assert len(app.screen_stack) == 2  # back on the opportunities, nothing asked
    assert target.read_text(encoding="utf-8").startswith("customer,feedback,opportunity")


async def test_in_a_terminal_a_file_made_after_the_path_was_checked_is_asked_about_not_replaced(
        demo_store, make_app, outside, monkeypatch):
    """The path was free when typed; another program writes the file before the export does.
    The write refuses to take the name (one atomic step), and the question comes then."""
    from prodops_tui.ui import exports

    target = outside / "raced.csv"
    real_lexists = exports.os.path.lexists

    def free_then_taken(path):
        free = real_lexists(path)
        if Path(path) == target and not free:
            target.write_text(VICTIM_TEXT, encoding="utf-8")  # between the check and the write
        return free

    monkeypatch.setattr(exports.os.path, "lexists", free_then_taken)
    app = make_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await write_who_asked_to(pilot, target)
        assert target.read_text(encoding="utf-8") == VICTIM_TEXT, "replaced without asking"
        assert picker_title(app) == f"{target} exists: replace it?"
        await pilot.press("escape")  # keep it
        await settle(pilot)
    assert target.read_text(encoding="utf-8") == VICTIM_TEXT
    assert [p.name for p in outside.iterdir() if p.name.startswith(".raced")] == []  # no temp file left


# --- the real `prodops serve`, driven over its websocket as a browser drives it ---------------------

ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_].*?\x1b\\|\x1b[@-Z\\-_]", re.S)
WAIT = 60.0  # seconds for any one thing the tab should show; a broken server fails, never hangs


class Tab:
    """One browser tab on the websocket: what it has drawn (as plain text) and which downloads
    it was told of. Every wait is bounded by WAIT: a broken server fails the test, never hangs it."""

    def __init__(self, websocket) -> None:
        self.websocket = websocket
        self.screen = ""
        self.deliveries: list[str] = []
        self._taken = 0  # deliveries handed out by wait_for_delivery
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._carry = b""

    async def keys(self, text: str) -> None:
        await self.websocket.send_str(json.dumps(["stdin", text]))

    def mark(self) -> None:
        """Forget what was drawn so far: the next wait looks at what is drawn after now."""
        self.screen = ""

    async def wait_for(self, *texts: str) -> str:
        """Read until one of `texts` is drawn; return it."""
        await self.read_until(lambda: any(text in self.screen for text in texts), f"none of {texts!r} was drawn")
        return next(text for text in texts if text in self.screen)

    async def wait_for_delivery(self) -> str:
        """The key of the next download the tab announces to the browser."""
        await self.read_until(lambda: len(self.deliveries) > self._taken, "no download was announced")
        self._taken += 1
        return self.deliveries[self._taken - 1]

    async def read_until(self, done, failure: str) -> None:
        deadline = time.monotonic() + WAIT
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{failure} in {WAIT:.0f} s; the tab shows …{self.screen[-600:]!r}")
            try:
                # receive(timeout=) starts again at each ping the server sends: bound it from outside.
                async with asyncio.timeout(left):
                    await self._read()
            except TimeoutError:
                continue

    async def _read(self) -> None:
        """One message: terminal output (the screen), or a note for the page (a download)."""
        import aiohttp

        message = await self.websocket.receive()
        if message.type == aiohttp.WSMsgType.BINARY:
            raw = self._carry + message.data
            cut = raw.rfind(b"\x1b")  # an escape sequence cut in two waits for its end
            self._carry, raw = (raw[cut:], raw[:cut]) if cut >= 0 and cut > len(raw) - 64 else (b"", raw)
            self.screen += self._decoder.decode(ESCAPES.sub(b"", raw))
        elif message.type == aiohttp.WSMsgType.TEXT:
            envelope = json.loads(message.data)
            if envelope and envelope[0] == "deliver_file_start":
                self.deliveries.append(envelope[1])
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            raise AssertionError(f"the tab closed; it showed …{self.screen[-600:]!r}")


def test_a_tab_of_the_real_server_gets_downloads_cannot_import_and_writes_no_server_file(tmp_path, outside, cli_env):
    aiohttp = pytest.importorskip("aiohttp")
    store = Store.open(tmp_path / "ws", clock=fixed_clock)
    fill_demo(store, now=DEMO_NOW)
    store.close()
    # A person invited and signed in (the server's sign-in is tests/cli/test_serve_team.py's):
    # the tab starts with the inbox, not a question.
    _, invite = Team(tmp_path / "ws").invite("Tab User")
    signed = Team(tmp_path / "ws").sign_in(invite)
    assert signed is not None
    cookie = f"{SESSION_COOKIE}={signed[1]}"
    before = outside_the_workspace(tmp_path)
    port = free_loopback_port()
    env = dict(os.environ, PYTHONPATH=str(REPO), **cli_env)
    env.pop(BROWSER_ENV, None)
    server = subprocess.Popen([sys.executable, "-m", "prodops_tui", "serve", "--port", str(port)], cwd=outside,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        status, _, _ = fetch(f"http://127.0.0.1:{port}/", deadline=time.monotonic() + 30)
        assert status == 401  # listening, and nobody gets in without signing in
        origin = f"http://127.0.0.1:{port}"

        async def as_a_browser() -> dict[str, str]:
            seen: dict[str, str] = {}
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=4 * WAIT)) as session:
                async with session.ws_connect(f"ws://127.0.0.1:{port}/ws?width=120&height=40",
                                              headers={"Cookie": cookie, "Origin": origin}) as websocket:
                    tab = Tab(websocket)
                    await tab.wait_for("Likely duplicates")  # the inbox is drawn: the app takes keys
                    # Retro export: a download, not a path on the server.
                    tab.mark()
                    await tab.keys("3")
                    await tab.wait_for("E exports it")
                    tab.mark()
                    await tab.keys("E")
                    seen["export"] = await tab.wait_for("Download R-2 as", "Export R-2 to")
                    if seen["export"] == "Export R-2 to":  # the attack: the suggested path is selected, typing replaces it
                        await tab.keys(str(outside / "victim.md") + "\r")
                        with contextlib.suppress(AssertionError):  # said below, with the file's content
                            await tab.read_until(lambda: (outside / "victim.md").read_text(encoding="utf-8") != VICTIM_TEXT,
                                                 "the victim was not written")
                        return seen
                    await tab.keys("1")  # Markdown
                    key = await tab.wait_for_delivery()
                    async with session.get(f"{origin}/download/{key}", headers={"Host": f"evil.example:{port}", "Cookie": cookie}) as rebound:
                        seen["rebound"] = str(rebound.status)  # a site's name pointed at 127.0.0.1: refused
                    async with session.get(f"{origin}/download/{key}", headers={"Cookie": cookie}) as response:
                        assert response.status == 200
                        seen["disposition"] = response.headers["Content-Disposition"]
                        seen["download"] = await response.text()
                    async with session.get(f"{origin}/download/{key}", headers={"Cookie": cookie}) as again:
                        seen["again"] = str(again.status)  # served once
                    tab.mark()
                    await tab.keys("1")
                    await tab.wait_for("Likely duplicates")  # the inbox again
                    # Import: a refusal in one line, no path field to browse the server with.
                    tab.mark()
                    await tab.keys("I")
                    seen["import"] = await tab.wait_for("not possible", "tab completes")
                    if seen["import"] == "tab completes":  # a path field: browse the server's folder
                        await tab.keys(str(outside / "sec"))
                        await tab.wait_for("ret-plans.csv")
                        seen["listed"] = "ret-plans.csv"
                        return seen
                    seen["refusal"] = tab.screen
            return seen

        seen = asyncio.run(asyncio.wait_for(as_a_browser(), 4 * WAIT))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            _, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate(timeout=30)
    assert (outside / "victim.md").read_text(encoding="utf-8") == VICTIM_TEXT, "the tab overwrote a server file"
    assert outside_the_workspace(tmp_path) == before, "a file outside the workspace was written"
    assert "listed" not in seen, "the tab listed a server folder"
    assert "import in a browser tab is not possible" in seen.get("refusal", "").lower()
    assert seen["export"] == "Download R-2 as", "the tab was asked for a path on the server"
    assert seen["disposition"] == "attachment; filename=R-2-payments-squad.md"
    assert seen["download"].startswith("# R-2 · Payments squad")
    assert seen["again"] == "404" and seen["rebound"] == "403"
    assert "Traceback" not in err


# --- how the question and the refusal look ---------------------------------------------------------


def settled_after(*steps):
    async def run_before(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await press(pilot, *steps)
        await pilot.app.workers.wait_for_complete()
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def test_snapshot_the_question_before_an_export_replaces_a_file(snap_compare, demo_store, make_app, outside):
    (outside / "R-2.md").write_text(VICTIM_TEXT, encoding="utf-8")
    # Typed relative to the working folder, so the question names the same file on every machine.
    steps = settled_after("3", "E", Typed("R-2.md"), "enter")  # the suggested path is selected: typing replaces it
    assert snap_compare(make_app(demo_store), run_before=steps, terminal_size=(120, 40))


def test_snapshot_the_import_screen_in_a_browser_tab(snap_compare, demo_store, make_app, monkeypatch):
    monkeypatch.setenv(BROWSER_ENV, "t" * 32)
    assert snap_compare(make_app(demo_store, actor="Tab User"), run_before=settled_after("I"), terminal_size=(120, 40))
