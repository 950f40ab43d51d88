"""Private parts of pinned libraries that prodops still relies on, checked so that an upgrade
that moves or changes one fails here, naming what to look at, instead of breaking quietly.

Where a public path exists the code uses it (TreeNode from textual.widgets.tree). What is left
has none in the pinned versions:
- textual 8.2.8: `textual.widgets._footer.FooterKey` (ui/widgets/footer.py updates mounted keys
  in place, and copies Footer.bindings_changed to batch its rebuilds);
- textual-serve 1.1.3: `AppService._build_environment` (serve.py overrides it to tell each tab
  which browser it serves and to drop the server's own user) and `Server.handle_websocket` /
  `handle_index`, which serve.py copies to add its refusals and the browser cookie;
- python-dateutil: rrule's `_dtstart`, `_until`, `_count`, `_bymonth`, `_bymonthday`,
  `_bynmonthday` (core/rituals/checklists.py reads them to refuse a rule that never fires).
When a check here fails after an upgrade: read the library's new code, carry the change over to
the file named in the message, then update the check."""

from __future__ import annotations

import ast
import asyncio
import hashlib
import inspect
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dateutil.rrule import rrulestr
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey
from textual_serve import app_service as serve_app_service
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager
from textual_serve.server import Server

PACKAGE = Path(__file__).resolve().parents[1] / "prodops_tui"

# The only imports of a private module of another package, and why each stays.
PRIVATE_IMPORTS_ALLOWED = {
    ("ui/widgets/footer.py", "textual.widgets._footer"),  # FooterKey: no public path in textual 8.2.8
}


def _shape(function: Any) -> str:
    """A fingerprint of a function's code that formatting and comments do not change."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()[:16]


def _private_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] not in ("prodops_tui", "__future__") and any(p.startswith("_") for p in parts):
                found.add(name)
    return found


def test_no_private_module_of_another_package_is_imported_beyond_the_list():
    found = {(path.relative_to(PACKAGE).as_posix(), name)
             for path in sorted(PACKAGE.rglob("*.py")) for name in _private_imports(path)}
    assert found <= PRIVATE_IMPORTS_ALLOWED, (
        f"private modules imported: {sorted(found - PRIVATE_IMPORTS_ALLOWED)}; use the library's public "
        "path, or add the import here with its reason and a check below")
    assert PRIVATE_IMPORTS_ALLOWED <= found, f"no longer imported, take off the list: {sorted(PRIVATE_IMPORTS_ALLOWED - found)}"


def test_the_private_module_scan_finds_a_private_import(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text("from textual.widgets._tree import TreeNode\nimport rich._loop\nfrom textual.widgets.tree import TreeNode\n")
    assert _private_imports(module) == {"textual.widgets._tree", "rich._loop"}


# --- textual: FooterKey (ui/widgets/footer.py) ----------------------------------------------------

def test_footer_key_takes_and_keeps_what_key_footer_updates_in_place():
    where = "textual.widgets._footer.FooterKey changed: see _show_as and KeyFooter.compose in prodops_tui/ui/widgets/footer.py"
    assert issubclass(FooterKey, Widget), where
    assert list(inspect.signature(FooterKey.__init__).parameters) == [
        "self", "key", "key_display", "description", "action", "disabled", "tooltip", "classes"], where
    key = FooterKey("x", "X", "Export", "app.export", disabled=True, tooltip="Export the view")
    assert (key.key, key.key_display, key.description, key.action, key._disabled) == ("x", "X", "Export", "app.export", True), where
    assert key.has_class("-disabled"), where
    assert isinstance(FooterKey.__dict__.get("compact"), reactive), where


def test_footer_bindings_changed_is_the_one_key_footer_copied():
    # KeyFooter.bindings_changed repeats its first lines and then batches the rebuild.
    assert list(inspect.signature(Footer.bindings_changed).parameters) == ["self", "screen"]
    assert isinstance(Footer.__dict__.get("_bindings_ready"), reactive)
    assert _shape(Footer.bindings_changed) == "d91e26a9ebbc9f74", (
        "textual's Footer.bindings_changed changed: carry the change over to KeyFooter.bindings_changed "
        "(prodops_tui/ui/widgets/footer.py), then update this fingerprint")


async def test_footer_shows_each_binding_as_a_plain_footer_key():
    class OneKey(App[None]):
        BINDINGS = [Binding("x", "export", "Export", tooltip="Export the view")]

        def compose(self) -> ComposeResult:
            yield Footer()

    async with OneKey().run_test() as pilot:
        await pilot.pause()
        keys = list(pilot.app.query_one(Footer).children)
        assert keys and all(type(key) is FooterKey for key in keys), (
            "Footer no longer composes plain FooterKey widgets: KeyFooter._rebuild updates them in place")
        export = next(key for key in keys if isinstance(key, FooterKey) and key.key == "x")
        assert (export.description, export.action, export.tooltip) == ("Export", "export", "Export the view")


# --- textual-serve: what serve.py overrides and copies ------------------------------------------

async def _nothing(*_: Any) -> None:
    return None


def test_app_service_builds_the_tab_environment_through_the_method_serve_overrides(monkeypatch):
    where = "textual-serve's AppService._build_environment changed: see TabService in prodops_tui/serve.py"
    assert list(inspect.signature(AppService._build_environment).parameters) == ["self", "width", "height"], where
    assert list(inspect.signature(AppService.__init__).parameters) == [
        "self", "command", "write_bytes", "write_str", "close", "download_manager", "debug"], where

    class Marked(AppService):
        def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
            environment = super()._build_environment(width=width, height=height)
            environment["MARK"] = f"{width}x{height}"
            return environment

    given: dict[str, Any] = {}

    async def spawn(command: str, **kwargs: Any) -> Any:
        given.update(kwargs, command=command)
        raise RuntimeError("not started: the test only looks at what would be passed")

    monkeypatch.setattr(serve_app_service.asyncio, "create_subprocess_shell", spawn)
    service = Marked("run-the-app", write_bytes=_nothing, write_str=_nothing, close=_nothing,
                     download_manager=DownloadManager())
    with pytest.raises(RuntimeError, match="not started"):
        asyncio.run(service._open_app_process(width=90, height=30))
    assert given["command"] == "run-the-app", where
    environment = given["env"]
    assert environment.get("MARK") == "90x30", where + " (the app process no longer gets the overridden environment)"
    assert environment["COLUMNS"] == "90" and environment["ROWS"] == "30", where


def test_server_handlers_are_the_ones_serve_copied():
    """ProdopsServer.handle_websocket and handle_index are the library's with refusals and the
    browser's cookie added; a library change to either must be carried over by hand."""
    where = "carry the change over to ProdopsServer in prodops_tui/serve.py, then update this fingerprint"
    assert _shape(Server.handle_websocket) == "5eb163b8b137ba74", f"textual-serve's Server.handle_websocket changed: {where}"
    assert _shape(Server.handle_index) == "e8055e66baaaa4aa", f"textual-serve's Server.handle_index changed: {where}"
    assert list(inspect.signature(Server._process_messages).parameters) == ["self", "websocket", "app_service"], where
    server = Server("run-the-app", host="127.0.0.1", port=0, title="prodops")
    assert (server.command, server.debug, server.title) == ("run-the-app", False, "prodops"), where
    assert isinstance(server.download_manager, DownloadManager), where
    template = Path(inspect.getfile(Server)).parent / "templates" / "app_index.html"
    text = template.read_text(encoding="utf-8")
    for name in ("font_size", "app_websocket_url", "config.static.url", "application.name"):
        assert name in text, f"textual-serve's app_index.html no longer reads {name}: see ProdopsServer.handle_index"


# --- python-dateutil: rrule's parsed parts (core/rituals/checklists.py) ---------------------------

RRULE_PARTS = ("_dtstart", "_until", "_count", "_bymonth", "_bymonthday", "_bynmonthday")


def _parts(rule_text: str) -> dict[str, Any]:
    rule = rrulestr(rule_text)
    return {name: getattr(rule, name, "gone") for name in RRULE_PARTS}


def test_rrule_keeps_the_parsed_parts_checklists_reads():
    where = "dateutil's rrule changed what it keeps of a parsed rule: see parse_recurrence and _impossible_dates in core/rituals/checklists.py"
    monthly = _parts("DTSTART:20260105T090000Z\nRRULE:FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30;COUNT=3")
    assert monthly == {"_dtstart": datetime(2026, 1, 5, 9, tzinfo=UTC), "_until": None, "_count": 3,
                       "_bymonth": (2,), "_bymonthday": (30,), "_bynmonthday": ()}, where
    last_day = _parts("DTSTART:20260105T090000Z\nRRULE:FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=20270101T000000Z")
    assert last_day == {"_dtstart": datetime(2026, 1, 5, 9, tzinfo=UTC), "_until": datetime(2027, 1, 1, tzinfo=UTC),
                        "_count": None, "_bymonth": None, "_bymonthday": (), "_bynmonthday": (-1,)}, where
