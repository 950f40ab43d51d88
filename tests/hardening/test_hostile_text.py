"""Hostile text, property-based: whatever a customer writes is stored, found and exported as text.

Arbitrary Unicode mixed with what attacks a terminal or a spreadsheet: Rich/Textual markup
(`[bold]`, `[@click=app.quit]`, `[link=…]`), ANSI CSI and OSC escapes (C0 and C1 forms), NUL, bidi
controls, lone surrogates (what invalid UTF-8 bytes in a shell argument become), formula starts,
every kind of line break. What is normalised, precisely:

- Stored text (capture): `\\r\\n` and `\\r` become `\\n`; C0 and C1 control characters other than tab
  and newline are dropped (so no escape sequence is ever stored); a lone surrogate becomes U+FFFD;
  the ends are trimmed. Bidi controls are kept. Nothing else changes (markup stays as typed).
- JSON export: the stored text exactly; imported back, unchanged.
- CSV export: bidi controls dropped (a spreadsheet would reorder the cell), and a cell that starts
  with = + - @ tab or CR gets a leading ' (CSV injection); imported back, that is all that differs.
- Markdown export: bidi controls dropped, markdown characters escaped with a backslash.
- On screen (the app, the CLI): bidi controls dropped too; a line of a list has its whitespace
  folded. Markup is shown as typed, never applied; nothing reaches the terminal but the app's own
  style and cursor sequences.

Example counts are bounded (see SETTINGS) so each property takes seconds; derandomized, so a
failure here is a failure on every run until fixed.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodops_tui.core.errors import InvalidInput
from prodops_tui.core.feedback.exporters import export_feedback
from prodops_tui.core.text import markdown_literal
from prodops_tui.core.feedback.inbox import capture
from prodops_tui.core.importers.run import import_feedback
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.search.index import SearchIndex
from prodops_tui.core.search.stored import StoredSearch
from prodops_tui.core.storage.store import Store
from prodops_tui.core.workspace import Settings

from ..conftest import fixed_clock

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
HOSTILE_PIECES = [
    "[bold]", "[/]", "[/bold]", "[@click=app.quit]Click to win[/]", "[link=https://evil.example]x[/link]", "[red on black]",
    "\x1b[2J", "\x1b[31m", "\x1b]0;owned\x07", "\x1b]8;;https://evil.example\x1b\\", "\x9b2J", "\x9d0;owned\x9c", "\x1bP+q\x1b\\",
    "\x00", "\x07", "\x08", "\x7f", *BIDI, "\u200e", "\u200f", "\u061c",
    "\r\n", "\r", "\n", "\t", "\u2028", "\u0085", "\x0b", "\x0c",
    "=HYPERLINK(\"https://evil.example\",\"click\")", "+1+1", "-1+1", "@SUM(A1)", "'", '"', ",", ";",
    "\udcff", "\ud800", "\U0001f600", "e\u0301", "\ufeff", "ﷺ", "𒐫", "مرحبا", "שלום",
    "*", "_", "`", "#", "|", "<script>", "&amp;", "\\",
]
hostile = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(HOSTILE_PIECES)), min_size=1, max_size=16).map("".join)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BIDI = re.compile(f"[{BIDI}]")
# What the app itself sends a terminal: SGR styles, cursor moves and modes (CSI ... letter).
_APP_SEQUENCES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def stored_form(text: str) -> str:
    """What capture stores for `text` (the module docstring says it in words)."""
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def csv_cell(text: str) -> str:
    text = _BIDI.sub("", text)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def test_hostile_text_is_stored_found_exported_and_imported_back_as_text(tmp_path):
    store = Store.open(tmp_path / "ws", clock=fixed_clock)
    imported_into = Store.open(tmp_path / "imports", clock=fixed_clock)
    counter = iter(range(1_000_000))

    @SETTINGS
    @given(text=hostile, customer=hostile)
    def check(text: str, customer: str) -> None:
        marker = f"zqxmarker{next(counter)}"
        body = f"{text} {marker}"
        item = capture(store, body, customer=customer)
        # Stored: only what the docstring says is normalised.
        assert item.text == stored_form(body)
        again = Store.open(store.directory, clock=fixed_clock, use_cache=False)
        try:
            assert again.get(item.id).text == item.text
        finally:
            again.close()
        # Found by a word of it, the way `prodops search` and the app search; the hostile text
        # itself as a query finds without failing.
        stored_search = StoredSearch(store)
        try:
            stored_search.refresh()
            assert item.id in [hit.id for hit in stored_search.search(marker, limit=5).hits]
            stored_search.search(text, limit=5)
        finally:
            stored_search.close()
        index = SearchIndex()
        index.build(store)
        assert item.id in [hit.id for hit in index.search(marker, store, limit=5).hits]

        # Exported and imported back.
        as_json = export_feedback(store, [item], "json")
        assert json.loads(as_json)[0]["text"] == item.text
        as_csv = export_feedback(store, [item], "csv")
        row = next(csv.DictReader(io.StringIO(as_csv)))
        assert row["text"] == csv_cell(item.text) and row["customer"] == csv_cell(item.customer)
        as_md = export_feedback(store, [item], "md")
        assert not _CONTROL.search(as_md)
        assert not _BIDI.search(as_md)
        for line in item.text.splitlines():
            assert (f"> {markdown_literal(line)}" if line else ">") in as_md.splitlines()

        (tmp_path / "export.json").write_text(as_json, encoding="utf-8")
        back = import_feedback(imported_into, tmp_path / "export.json", mapping=IMPORT_MAP)
        assert back.imported == 1 and not back.skipped, back.skipped
        assert imported_into.get(back.ids[0]).text == item.text

    try:
        check()
    finally:
        store.close()
        imported_into.close()


IMPORT_MAP = {"text": "text", "customer": "customer", "id": "id", "received": "received_at"}


def test_a_capture_with_invalid_utf8_in_its_argument_is_stored_with_a_replacement_character(prodops):
    """Python turns invalid UTF-8 bytes in argv into lone surrogates, which UTF-8 cannot encode:
    the capture failed with an internal error that printed the whole record."""
    result = prodops("capture", "bad \udcff byte", "--customer", "Acme \udcfe")
    assert result.returncode == 0, result.stderr
    listed = json.loads(prodops("list", "feedback", "--json").stdout)
    assert (listed[0]["text"], listed[0]["customer"]) == ("bad \ufffd byte", "Acme \ufffd")


def test_a_csv_round_trip_differs_only_by_the_formula_quote_and_the_bidi_controls(tmp_path):
    store = Store.open(tmp_path / "ws", clock=fixed_clock)
    target = Store.open(tmp_path / "imports", clock=fixed_clock)
    try:

        @SETTINGS
        @given(text=hostile)
        def check(text: str) -> None:
            try:
                item = capture(store, text)
            except InvalidInput:
                assert not stored_form(text)  # only text that is empty once cleaned is refused
                return
            path = tmp_path / f"{item.id}.csv"
            path.write_text(export_feedback(store, [item], "csv"), encoding="utf-8")
            back = import_feedback(target, path, mapping=IMPORT_MAP)
            if not stored_form(csv_cell(item.text)):
                assert back.skipped  # only bidi controls: nothing left to import, and said why
                return
            assert back.imported == 1, back.skipped
            assert target.get(back.ids[0]).text == stored_form(csv_cell(item.text))

        check()
    finally:
        store.close()
        target.close()


def test_hostile_text_reaches_the_screen_as_text_and_the_terminal_gets_no_escape_of_its_own(tmp_path):
    from prodops_tui.ui.app import ProdopsApp
    from prodops_tui.ui.widgets.feedback_list import FeedbackList

    @settings(max_examples=4, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(texts=st.lists(hostile, min_size=12, max_size=12))
    def check(texts: list[str]) -> None:
        with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
            store = Store.open(Path(folder) / "ws", clock=fixed_clock)
            items = []
            for text in texts:
                try:
                    items.append(capture(store, text, customer=text[:30]))
                except InvalidInput:
                    continue
            app = ProdopsApp(store, workspace_label="hostile", settings=Settings(Path(folder) / "config"),
                             poll_external=False, nudges_at_start=False)
            asyncio.run(_look_at_each(app, items, FeedbackList))
            store.close()

    check()


async def _look_at_each(app, items: list[FeedbackItem], list_type) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        listed = app.query_one(list_type)
        for index in range(len(items)):
            listed.cursor = index
            await pilot.pause()
            shown = listed.items[index]
            detail = str(app.query_one("#detail").content)
            # The body as stored, bidi controls aside: markup not applied, nothing dropped.
            assert _BIDI.sub("", shown.text) in detail
            terminal = app.screen._compositor.render_full_update().render_segments(app.console)
            left = _APP_SEQUENCES.sub("", terminal)
            assert not _CONTROL.search(left.replace("\r", "")), "a control character reached the terminal"
            assert not _BIDI.search(terminal)
            assert "\x1b]" not in terminal  # no OSC: no title set, no hyperlink
        assert app.return_code is None  # no [@click=app.quit] ran


def test_a_megabyte_of_hostile_text_is_stored_found_and_round_trips_through_json(tmp_path):
    pieces = "".join(piece for piece in HOSTILE_PIECES if not _SURROGATE.search(piece))
    text = "zqxbig " + (pieces * (1_000_000 // len(pieces) + 1))[: 990_000]
    store = Store.open(tmp_path / "ws", clock=fixed_clock)
    target = Store.open(tmp_path / "imports", clock=fixed_clock)
    try:
        item = capture(store, text)
        assert item.text == stored_form(text) and len(item.text) > 900_000
        stored_search = StoredSearch(store)
        try:
            stored_search.refresh()
            assert [hit.id for hit in stored_search.search("zqxbig", limit=5).hits] == [item.id]
        finally:
            stored_search.close()
        path = tmp_path / "big.json"
        path.write_text(export_feedback(store, [item], "json"), encoding="utf-8")
        back = import_feedback(target, path, mapping=IMPORT_MAP)
        assert back.imported == 1 and target.get(back.ids[0]).text == item.text
    finally:
        store.close()
        target.close()
