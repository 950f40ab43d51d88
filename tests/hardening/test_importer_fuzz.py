"""Importer fuzzing, bounded: no input crashes an importer, and every row it does not import says why.

Three kinds of input, for the feedback importer (CSV, JSON array, JSON Lines; each preset, the
generic --map) and the areas importer (CSV, JSON, CODEOWNERS):
- files built by hypothesis from a known header (or random ones) and hostile cells: bad dates,
  ratings, booleans, numbers, nested JSON values, markup, escapes, empty and huge values;
- raw bytes, under each format's name;
- the real exports in tests/data, damaged by a seeded generator: cut short, bytes flipped, lines
  repeated or dropped, the header changed.

The rule each run is held to: either the whole file is refused with one line (InvalidInput)
and nothing is stored, or the result accounts for every data row (imported + already present +
skipped + ignored = rows), every skipped or ignored row has a row number and a reason, and the
workspace holds exactly the items reported imported.
"""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodops_tui.core.errors import ProdopsError
from prodops_tui.core.importers import PRESETS, import_areas, import_feedback
from prodops_tui.core.model import FeedbackItem, ProductArea
from prodops_tui.core.storage.store import Store

from ..conftest import TEST_DATA, fixed_clock

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
SEEDED_DAMAGES = 40  # per real export

NASTY_CELLS = [
    "", " ", "0", "-1", "6", "3.5", "1e309", "NaN", "inf", "True", "false", "yes", "None", "null",
    "2026-13-45", "2026-02-30 25:61:00", "Wed Oct 11 06:55:44 +0000 2017", "Feb 31 2017", "yesterday", "3d", "9999-12-31",
    "0000-00-00", "1970-01-01T00:00:00Z", "-2026-01-01", "12/13/2026", "[bold]x[/]", "[@click=app.quit]y[/]", "\x1b]0;t\x07",
    "\u202eevil", "=1+1", "@SUM(A1)", "a,b;c", '"quoted"', "line\nbreak", "\x00", "x" * 5000, "\udcff", "🙂",
]
cell = st.one_of(st.sampled_from(NASTY_CELLS), st.text(max_size=30))
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), cell)
json_value = st.recursive(json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(cell, inner, max_size=3)),
                          max_leaves=6)

HEADERS = {name: list(preset.required) + list(getattr(preset, "optional", ())) for name, preset in PRESETS.items()}
GENERIC_MAP = {"text": "body", "customer": "who", "received": "when", "id": "key", "rating": "stars", "tags": "labels"}
HEADERS["generic"] = list(GENERIC_MAP.values())
AREA_HEADERS = ["path", "owner", "maintainers", "influencers", "team", "channel", "description", "code_paths"]


def header_strategy(known: list[str]) -> st.SearchStrategy[list[str]]:
    """The known header, perhaps with columns dropped, added, repeated or renamed."""
    return st.lists(st.one_of(st.sampled_from(known), cell), min_size=1, max_size=len(known) + 2).map(
        lambda extra: known[: max(1, len(known) - len(extra) % 3)] + extra)


@st.composite
def feedback_file(draw) -> tuple[str, bytes, dict]:
    preset = draw(st.sampled_from(sorted(HEADERS)))
    header = draw(st.one_of(st.just(HEADERS[preset]), header_strategy(HEADERS[preset])))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(header) + 2), max_size=8))
    fmt = draw(st.sampled_from(["csv", "json", "jsonl"]))
    kwargs = {"mapping": GENERIC_MAP} if preset == "generic" else draw(st.sampled_from([{}, {"preset": preset}]))
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return f"fuzz.{fmt}", out.getvalue().encode("utf-8", "surrogatepass"), kwargs
    objects = [dict(zip(header, row, strict=False)) for row in rows]  # rows are as long as the fuzz makes them
    for obj in objects:  # values of any JSON type where a string is expected
        if obj and draw(st.booleans()):
            obj[draw(st.sampled_from(sorted(obj)))] = draw(json_value)
    if fmt == "json":
        data = json.dumps(draw(st.one_of(st.just(objects), json_value)), ensure_ascii=False)
    else:
        data = "\n".join(json.dumps(o, ensure_ascii=False) if draw(st.integers(0, 9)) else draw(cell) for o in objects)
    return f"fuzz.{fmt}", data.encode("utf-8", "surrogatepass"), kwargs


def held_to_the_rule(store: Store, path: Path, **kwargs) -> None:
    """One feedback import, checked against the module's rule."""
    before = store.count(FeedbackItem)
    try:
        result = import_feedback(store, path, **kwargs)
    except ProdopsError as refused:
        message = str(refused)
        assert message.strip() and "\n" not in message and "Traceback" not in message
        assert store.count(FeedbackItem) == before, "a refused file stored something"
        return
    accounted = result.imported + result.duplicates + len(result.skipped) + len(result.ignored)
    assert accounted == result.rows, f"{result.rows} rows, {accounted} accounted for: {result}"
    for row in (*result.skipped, *result.ignored):
        assert row.row >= 1 and row.reason.strip(), row
    stored = 0 if result.dry_run else result.imported
    assert store.count(FeedbackItem) == before + stored and len(result.ids) == stored


@pytest.fixture
def store(tmp_path):
    opened = Store.open(tmp_path / "ws", clock=fixed_clock)
    yield opened
    opened.close()


def test_no_generated_feedback_file_crashes_the_importer_and_every_skip_has_a_reason(store, tmp_path):
    @FUZZ
    @given(file=feedback_file(), dry_run=st.booleans())
    def check(file, dry_run):
        name, data, kwargs = file
        path = tmp_path / name
        path.write_bytes(data)
        held_to_the_rule(store, path, dry_run=dry_run, **kwargs)

    check()


def test_no_bytes_crash_the_importers(store, tmp_path):
    @FUZZ
    @given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))),
           suffix=st.sampled_from(["csv", "json", "jsonl", "txt"]), bom=st.booleans())
    def check(data, suffix, bom):
        path = tmp_path / f"bytes.{suffix}"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        held_to_the_rule(store, path)
        areas_held_to_the_rule(store, path)
        if suffix == "txt":
            areas_held_to_the_rule(store, path, format="codeowners")

    check()


@pytest.mark.parametrize("export", ["app_store_reviews.csv", "support_tweets.csv"])
def test_damaged_real_exports_never_crash_the_importer(store, tmp_path, export):
    original = (TEST_DATA / export).read_bytes()
    generator = random.Random(f"damage {export}")  # seeded: the same damage every run
    for n in range(SEEDED_DAMAGES):
        path = tmp_path / f"damaged-{n}.csv"
        path.write_bytes(damage(original, generator))
        held_to_the_rule(store, path)


def damage(data: bytes, generator: random.Random) -> bytes:
    lines = data.split(b"\n")
    kind = generator.choice(["cut", "flip", "repeat", "drop", "header", "quote"])
    if kind == "cut":
        return data[: generator.randrange(len(data))]
    if kind == "flip":
        damaged = bytearray(data)
        for _ in range(generator.randint(1, 50)):
            damaged[generator.randrange(len(damaged))] = generator.randrange(256)
        return bytes(damaged)
    if kind == "repeat":
        at = generator.randrange(1, len(lines))
        return b"\n".join(lines[:at] + [lines[at]] * generator.randint(2, 5) + lines[at:])
    if kind == "drop":
        return b"\n".join(line for line in lines if generator.random() > 0.3)
    if kind == "header":
        columns = lines[0].split(b",")
        columns[generator.randrange(len(columns))] = generator.choice([b"", b"text", b"review_uid", b"\xff", b'"'])
        return b"\n".join([b",".join(columns), *lines[1:]])
    at = generator.randrange(1, len(lines))  # an unbalanced quote swallows the rest of the file
    return b"\n".join(lines[:at] + [b'"' + lines[at]] + lines[at + 1:])


def areas_held_to_the_rule(store: Store, path: Path, **kwargs) -> None:
    before = store.count(ProductArea)
    try:
        result = import_areas(store, path, **kwargs)
    except ProdopsError as refused:
        assert str(refused).strip() and "\n" not in str(refused)
        assert store.count(ProductArea) == before
        return
    for row in result.skipped:
        assert row.row >= 1 and row.reason.strip(), row
    assert store.count(ProductArea) == before + (0 if result.dry_run else len(result.created))


@st.composite
def areas_file(draw) -> tuple[str, bytes]:
    fmt = draw(st.sampled_from(["csv", "json", "codeowners"]))
    if fmt == "codeowners":
        pieces = st.sampled_from(["*", "/app/", "docs/**", "[Section]", "^[Optional][2]", "# Billing", "!/x", "@org/team", "@user",
                                  "a@b.example", "\\#literal", "[", "]", "**/*.py", "/", "\\", " ", "\t", "@", "@@"])
        lines = draw(st.lists(st.lists(st.one_of(pieces, cell), max_size=5).map(" ".join), min_size=1, max_size=10))
        return "CODEOWNERS", "\n".join(lines).encode("utf-8", "surrogatepass")
    header = draw(st.one_of(st.just(AREA_HEADERS), header_strategy(AREA_HEADERS)))
    rows = draw(st.lists(st.lists(st.one_of(cell, st.sampled_from(["Billing", "Billing/Invoices", "/", "//", "a/../b", "@ann"])),
                                  max_size=len(header) + 1), max_size=6))
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows([header, *rows])
        return "areas.csv", out.getvalue().encode("utf-8", "surrogatepass")
    objects = [dict(zip(header, row, strict=False)) for row in rows]  # rows are as long as the fuzz makes them
    return "areas.json", json.dumps(draw(st.one_of(st.just(objects), json_value)), ensure_ascii=False).encode("utf-8", "surrogatepass")


def test_no_generated_areas_file_or_codeowners_crashes_the_areas_importer(store, tmp_path):
    @FUZZ
    @given(file=areas_file(), dry_run=st.booleans())
    def check(file, dry_run):
        name, data = file
        path = tmp_path / name
        path.write_bytes(data)
        areas_held_to_the_rule(store, path, dry_run=dry_run)

    check()


def test_a_codeowners_line_with_bytes_that_are_not_utf8_is_left_out_and_named_and_the_rest_imports(store, tmp_path):
    """Found by the byte fuzzing: the line's lone surrogate reached the store, which could not
    encode it, and the whole import ended as an internal error."""
    path = tmp_path / "CODEOWNERS"
    path.write_bytes(b"/billing/ @org/billing\n/caf\xe9/ @org/cafe\n/docs/ @org/docs\n")
    result = import_areas(store, path)
    assert result.problems == ["line 2: not valid UTF-8 text (byte 0xE9); left out"]
    assert result.rules == 2 and store.count(ProductArea) == len(result.created) > 0


def test_text_that_is_not_unicode_is_refused_in_one_line_and_nothing_is_stored(store):
    """The store's own guard, for any path that lets a lone surrogate through: one line naming
    the record, not an internal error printing it."""
    with pytest.raises(ProdopsError, match=r"^F-1 holds text that is not valid Unicode \(U\+DCFF, from bytes that are not UTF-8\)"):
        with store.change("captured feedback") as tx:
            tx.add(FeedbackItem(text="caf\udcff", received_at="2026-11-24T15:00:00Z"))
    assert store.count(FeedbackItem) == 0 and not store.journal_path.exists()


@pytest.mark.parametrize("stars", ["NaN", "1e309", "-inf", "4.5", "6"])
def test_a_rating_that_is_not_a_whole_number_of_stars_skips_its_row_with_the_reason(store, tmp_path, stars):
    """Found by the generated files: NaN and 1e309 (infinity) ended the import with an internal
    error (int() of them raised) instead of skipping the row."""
    path = tmp_path / "reviews.csv"
    path.write_text("review_uid,rating,review_text,review_date\nu1,5,Great,2026-01-02 10:00:00\n"
                    f"u2,{stars},Bad,2026-01-02 10:00:00\n", encoding="utf-8")
    result = import_feedback(store, path)
    assert result.imported == 1
    assert [str(row) for row in result.skipped] == [f"row 3, column 'rating': rating '{stars}' is not a number of stars from 1 to 5"]
