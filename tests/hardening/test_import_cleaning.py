"""Every text an importer stores is cleaned as captured text is, and what prodops prints or
exports of it never carries a terminal escape (issue 24, defect 5).

The attack: a CODEOWNERS rule line holding an OSC 52 escape (a clipboard write) was stored as
written; `prodops who evil` printed the raw escape; the areas export carried it (2 CSV lines,
1 Markdown line); a handle `@@@` became a person with an empty name.

What holds now:
- A CODEOWNERS line holding a control character is left out, named by its line number, like a
  line that is not UTF-8: no path or handle holds one, and a pattern is matched exactly as written.
- An owner that names no one (`@@@`, `@`) is left out of a CODEOWNERS file with the reason; in an
  areas table it skips its row with the reason. No person is made without a name.
- Whatever any importer stores holds no C0 or C1 control character but newline and tab.
- `prodops who` and the areas export show no control character, even from records stored
  before imports were cleaned.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodops_tui.core.areas.export import export_areas
from prodops_tui.core.errors import ProdopsError
from prodops_tui.core.importers import import_areas, import_feedback
from prodops_tui.core.model import (
    RECORD_TYPES,
    CodeOwnersFile,
    CodeOwnersRule,
    CodeOwnersSection,
    Person,
    ProductArea,
)
from prodops_tui.core.storage.store import Store

from ..conftest import TEST_DATA, fixed_clock

OSC52 = "\x1b]52;c;ZXZpbA==\x07"  # writes "evil" to the clipboard of the terminal that prints it
# Any C0 or C1 control character but tab and newline: what no stored or shown text may hold.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

EVIL_CODEOWNERS = (
    "# Everything else\n"
    "/src/ @org/dev\n"
    f"/evil{OSC52}/ @org/evil\n"
    f"/app/ @org/app{OSC52}\n"
    "/docs/ @org/docs @@@ @\n"
)


def texts(value: Any) -> list[str]:
    """Every string in a record's stored form, keys of nested objects included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (*texts(key), *texts(item))]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in texts(item)]
    return []


def controls_stored(store: Store) -> list[str]:
    """The stored texts holding a control character, across every kind of record."""
    return [text for kind in RECORD_TYPES for record in store.all(kind) for text in texts(record.to_dict())
            if CONTROL.search(text)]


# --- CODEOWNERS ------------------------------------------------------------------------------


def test_a_codeowners_line_holding_an_osc52_escape_is_left_out_by_its_line_number_and_the_rest_imports(store, tmp_path):
    path = tmp_path / "CODEOWNERS"
    path.write_text(EVIL_CODEOWNERS, encoding="utf-8")
    result = import_areas(store, path)
    assert result.rules == 2  # /src/ and /docs/: the two escaped lines are left out
    assert [p.split(":")[0] for p in result.problems if "control character" in p] == ["line 3", "line 4"]
    assert all("U+001B" in p for p in result.problems if "control character" in p)
    assert not any(CONTROL.search(p) for p in result.problems)  # the reasons name the escape, never carry it
    rules = store.all(CodeOwnersFile)[0].rules
    assert [(r.line, r.pattern, r.owners) for r in rules] == [(2, "/src/", ["@org/dev"]), (5, "/docs/", ["@org/docs"])]
    assert controls_stored(store) == []


def test_a_control_character_that_python_reads_as_a_line_break_neither_splits_a_rule_nor_moves_the_lines_after_it(store, tmp_path):
    """str.splitlines breaks at \\x85 and \\x1c too, where git and the hosts see one line: the rule
    was cut in two (`/b` owned by no one, `c/` by @org/y) and every later line number was off by one."""
    path = tmp_path / "CODEOWNERS"
    path.write_text("/a/ @org/x\n/b\x85c/ @org/y\n/d/ @org/z\x1c\n/e/ @org/e\n", encoding="utf-8")
    result = import_areas(store, path)
    assert [(r.line, r.pattern, r.owners) for r in store.all(CodeOwnersFile)[0].rules] == [(1, "/a/", ["@org/x"]), (4, "/e/", ["@org/e"])]
    assert [p.split(":")[0] for p in result.problems] == ["line 2", "line 3"]


def test_a_handle_that_names_no_one_makes_no_person(store, tmp_path):
    path = tmp_path / "CODEOWNERS"
    path.write_text("/docs/ @org/docs @@@ @ @@\n/api/ @@@\n", encoding="utf-8")
    result = import_areas(store, path)
    assert [p for p in result.problems if "@@@" in p] == [
        "line 1: '@@@' is not a @handle or an email; left out", "line 2: '@@@' is not a @handle or an email; left out"]
    assert sorted(p.handle for p in store.all(Person)) == ["@org/docs"]
    assert all(p.name.strip() for p in store.all(Person))
    # The rule keeps its place, as with any owner left out: it names no owner now.
    assert [(r.pattern, r.owners) for r in store.all(CodeOwnersFile)[0].rules] == [("/docs/", ["@org/docs"]), ("/api/", [])]


def test_an_areas_table_owner_that_names_no_one_skips_its_row_with_the_reason(store, tmp_path):
    table = tmp_path / "areas.csv"
    table.write_text("path,owners\nBilling,@@@\nSearch,@priya\nDocs,@\n", encoding="utf-8")
    result = import_areas(store, table)
    assert [(s.row, s.column) for s in result.skipped] == [(2, "owners"), (4, "owners")]
    assert all("names no one" in s.reason for s in result.skipped)
    assert [p.name for p in store.all(Person)] == ["priya"]
    assert [a.name for a in store.all(ProductArea)] == ["Search"]


def test_a_rules_cell_line_holding_an_escape_is_left_out_on_re_import_and_named(store, tmp_path):
    """An export's `rules` cell is rebuilt into its CODEOWNERS file: the same line rule applies."""
    table = tmp_path / "areas.csv"
    rows = [["path", "owners", "rules"],
            ["app", "@org/app", f"CODEOWNERS:1: /app/ @org/app\nCODEOWNERS:2: /evil{OSC52}/ @org/app"]]
    with table.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    result = import_areas(store, table)
    assert [(r.line, r.pattern) for r in store.all(CodeOwnersFile)[0].rules] == [(1, "/app/")]
    assert [p for p in result.problems if "control character" in p] == [
        "CODEOWNERS: line 2: holds a control character (U+001B), which no path or owner has; left out"]
    assert result.to_dict()["problems"] == result.problems
    assert controls_stored(store) == []


def test_prodops_who_and_the_areas_export_print_no_escape_from_a_hostile_codeowners(prodops, tmp_path):
    path = tmp_path / "CODEOWNERS"
    path.write_text(EVIL_CODEOWNERS, encoding="utf-8")
    runs = [prodops("import", "areas", str(path))]
    runs += [prodops("who", "evil"), prodops("who", "app"), prodops("who", "src/main.py"), prodops("who", "--person", "@org/dev")]
    runs += [prodops("export", "areas", "--format", fmt) for fmt in ("csv", "md", "json")]
    assert runs[0].returncode == 0 and "line 3:" in runs[0].stderr
    for run in runs:
        assert not CONTROL.search(run.stdout + run.stderr), (run.stdout, run.stderr)


# --- what was stored before imports were cleaned ----------------------------------------------


def _stored_as_the_old_import_did(store: Store) -> None:
    """An area, a person and rules holding the escape, as an import before this fix stored them."""
    with store.change("imported areas from CODEOWNERS") as tx:
        person = tx.add(Person(name=f"evil{OSC52}", handle=f"@evil{OSC52}"))
        area = tx.add(ProductArea(name=f"evil{OSC52}", owners=[person.id], code_paths=[f"/evil{OSC52}/", "/src/"],
                                  glossary=[f"clip{OSC52}board"], team=f"t{OSC52}", description=f"About{OSC52} it"))
        tx.add(CodeOwnersFile(
            name=f"CODE{OSC52}OWNERS", flavor="gitlab",
            sections=[CodeOwnersSection(name=f"Sec{OSC52}", owners=[f"@evil{OSC52}"], line=1)],
            rules=[CodeOwnersRule(pattern=f"/evil{OSC52}/", owners=[f"@evil{OSC52}"], line=2, section=f"Sec{OSC52}", area=area.id),
                   CodeOwnersRule(pattern="/src/", owners=[], line=3, section=f"Sec{OSC52}", area=area.id)]))


def test_records_stored_before_the_fix_are_printed_by_who_and_exported_without_their_escapes(store, prodops):
    _stored_as_the_old_import_did(store)
    for args in (("who", "evil"), ("who", "clip"), ("who", "src/main.py"), ("who", "--person", "P-1")):
        run = prodops(*args)
        assert run.returncode == 0, run.stderr
        assert "evil" in run.stdout and not CONTROL.search(run.stdout + run.stderr), (args, run.stdout)
    as_json = json.loads(prodops("who", "evil", "--json").stdout)
    assert not [t for t in texts(as_json) if CONTROL.search(t)]
    for fmt in ("csv", "md"):
        run = prodops("export", "areas", "--format", fmt)
        assert run.returncode == 0 and "evil" in run.stdout
        assert not CONTROL.search(run.stdout.replace("\n", "")), (fmt, run.stdout)


def test_the_areas_export_drops_the_escape_in_every_csv_cell_and_markdown_line(store):
    _stored_as_the_old_import_did(store)
    as_csv = export_areas(store, "csv")
    assert [cell for row in csv.reader(io.StringIO(as_csv)) for cell in row if CONTROL.search(cell.replace("\n", ""))] == []
    assert [line for line in export_areas(store, "md").splitlines() if CONTROL.search(line)] == []


# --- every importer -------------------------------------------------------------------------

PIECES = ["\x1b]52;c;ZXZpbA==\x07", "\x1b[2J", "\x9b31m", "\x9d0;t\x9c", "\x00", "\x07", "\x7f", "\x85", "\x1f", "\r", "\t",
          "\n", "\u202e", "@", "@@@", "/", "[", "]", "#", "!", "*", "a b", "é", ";", ",", '"']
hostile = st.lists(st.one_of(st.sampled_from(PIECES), st.text(alphabet=st.characters(max_codepoint=0x2100), max_size=6)),
                   min_size=1, max_size=6).map("".join)
CLEANING = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def importer_files(a: str, b: str, c: str) -> list[tuple[str, str, dict[str, Any], str]]:
    """(file name, text, options, which importer) for every importer, each cell or line holding hostile text."""
    return [
        ("reviews.csv", _csv([["review_uid", "user_name", "rating", "review_text", "review_date", "thumbs_up", "app_version"],
                               [f"u1{a}", b, "3", f"text {c}", "2026-01-29 14:02:17", a, b]]), {}, "feedback"),
        ("tweets.csv", _csv([["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id"],
                              [f"7{a}", b, "True", "Wed Oct 11 06:55:44 +0000 2017", f"hi {c}", a]]), {}, "feedback"),
        ("notes.csv", _csv([["title", "text", "customer", "company", "source", "tags"], [a, f"note {b}", c, a, b, f"{c},x"]]), {},
         "feedback"),
        ("generic.json", json.dumps([{"body": f"said {a}", "who": b, "key": f"k{c}", "link": c, "labels": [a, "y"],
                                       "other": {c: [a, b]}, a or "k2": b}]), {"mapping": {"text": "body", "customer": "who",
                                                                                         "id": "key", "url": "link", "tags": "labels"}}, "feedback"),
        ("generic.jsonl", json.dumps({"body": f"said {b}", "title": a}) + "\n", {"mapping": {"text": "body", "title": "title"}},
         "feedback"),
        ("areas.csv", _csv([["path", "owners", "maintainers", "team", "channel", "description", "glossary", "code_paths", "rules"],
                            [f"Top/{a}", f"@o{b}", c, a, b, c, f"{a};{b}", c, f"CODEOWNERS:1: /x{a}/ @o{b}\nCODEOWNERS:2: [S{c}] @s"]]),
         {}, "areas"),
        ("areas.json", json.dumps([{"path": f"J/{b}", "owners": [a, f"Name{c} (@h{a})"], "description": c,
                                    "rules": [{"file": f"C{a}", "line": 1, "pattern": f"/{b}", "owners": [f"@{c}"]}]}]), {},
         "areas"),
        ("CODEOWNERS", f"# {a} heading\n[{b}] @sec\n/{a}/ @x{b} {c}\n*.{c} @y\n!/{b} \n/z/ @{a}\n", {}, "areas"),
    ]


def test_every_importer_stores_no_control_character_but_newline_and_tab():
    """Every importer, every text it keeps: feedback presets and --map, areas tables and CODEOWNERS."""

    @CLEANING
    @given(a=hostile, b=hostile, c=hostile)
    def check(a: str, b: str, c: str) -> None:
        with tempfile.TemporaryDirectory() as folder:
            store = Store.open(Path(folder) / "ws", clock=fixed_clock)
            try:
                for name, text, options, which in importer_files(a, b, c):
                    path = Path(folder) / name
                    path.write_text(text, encoding="utf-8", newline="")
                    try:
                        (import_feedback if which == "feedback" else import_areas)(store, path, **options)
                    except ProdopsError:  # a file refused as a whole (one line) stores nothing: fine here
                        pass
                assert controls_stored(store) == []
                assert all(p.name.strip() for p in store.all(Person))
            finally:
                store.close()

    check()


def test_a_preset_that_forgets_to_clean_a_field_still_stores_no_escape(store, tmp_path, monkeypatch):
    """The importers' store door cleans what a preset (or a new one) leaves as the file wrote it."""
    from prodops_tui.core.importers import presets
    from prodops_tui.core.importers.base import Preset, cell
    from prodops_tui.core.model import FeedbackItem

    def careless(row, ctx):
        return FeedbackItem(text=cell(row, ctx, "text"), title=cell(row, ctx, "text"), customer=cell(row, ctx, "who"),
                            source_key=f"careless:{cell(row, ctx, 'who')}", extra={cell(row, ctx, "who"): [cell(row, ctx, "text")]},
                            received_at="2026-11-24T15:00:00Z")

    monkeypatch.setitem(presets.PRESETS, "careless", Preset("careless", "raw cells", ("text", "who"), (), careless))
    path = tmp_path / "raw.csv"
    path.write_text(_csv([["text", "who"], [f"hello{OSC52}\r\nthere", f"dana{OSC52}"]]), encoding="utf-8", newline="")
    result = import_feedback(store, path, preset="careless")
    assert result.imported == 1 and controls_stored(store) == []
    item = store.get(result.ids[0])
    assert (item.text, item.customer, item.extra) == ("hello]52;c;ZXZpbA==\nthere", "dana]52;c;ZXZpbA==", {"dana]52;c;ZXZpbA==": ["hello]52;c;ZXZpbA==\nthere"]})


# --- the real files import exactly as before --------------------------------------------------


def test_the_real_codeowners_files_import_as_before_same_rules_areas_and_people(store, tmp_path):
    """A guard, not a reproduction: cleaning must not change a real file's rules, areas or people."""
    gitlab = import_areas(store, TEST_DATA / "gitlab_CODEOWNERS")
    assert (gitlab.rules, len(gitlab.created), len(gitlab.people_created), gitlab.problems, len(gitlab.unowned)) == (66, 23, 42, [], 5)
    record = store.all(CodeOwnersFile)[0]
    assert (len(record.rules), len(record.sections)) == (66, 22)
    other = Store.open(tmp_path / "ha", clock=fixed_clock)
    try:
        home = import_areas(other, TEST_DATA / "homeassistant_CODEOWNERS")
        assert (home.rules, len(home.created), len(home.people_created), home.problems) == (1180, 5, 404, [])
        assert other.count(Person) == 404 and all(p.name for p in other.all(Person))
    finally:
        other.close()
