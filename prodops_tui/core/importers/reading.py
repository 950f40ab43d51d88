"""Files in, rows out: CSV, a JSON array of objects, or JSON Lines.

Every reader returns a `Table`: the columns as the file names them, and each data row as
(row number a user can find, row) or (row number, ImportRowError) when that row cannot be
read. One bad row never fails the file; only a file that has no usable header (or is not the
format at all) is an InvalidInput.

A row is {column: text} (`flat`, what the area import reads: a JSON record's nested values
JSON-encoded, a repeated CSV column's last value) or, with `records=True` (the feedback
import), the record itself: a JSON object as parsed, nested objects and lists kept for presets
and --map paths, and a CSV row whose header repeats a column (Jira's several `Labels` and
`Comment`) holding the list of that column's non-empty values. Plain CSV rows are the same
dicts in both modes, so CSV imports pay nothing for it.

A JSON file may be an array of objects, one object a line, or an object wrapping the array
under a name trackers and helpdesks use (`{"issues": [...]}` from Jira's search,
`{"tickets": [...], "users": [...]}` from Zendesk); the rest of that object is the Table's
`envelope` (Zendesk's side-loaded users).

Bytes are decoded as UTF-8 with `surrogateescape`, so a stray Latin-1 byte turns into a
lone surrogate in its row only: that row is refused with the byte named, the rest imports.
A UTF-8 BOM is dropped; a UTF-16 file (with its BOM, as Excel writes "Unicode text") is
decoded whole.

The feedback import opens its file with `opened_table`: a CSV file's rows are then read as they
are taken (issue 29: a million-row export decoded whole took 4 bytes a character once a single
emoji was in it, and its rows as dicts a gigabyte more), so the import holds a batch, not the
file. A JSON array is parsed whole, as JSON must be; JSON Lines too (its columns are every key
of every line).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..errors import InvalidInput
from ..text import clean_line
from .result import ImportRowError

FORMATS = ("csv", "json", "jsonl")
CSV_DELIMITERS = (",", ";", "\t")
# csv refuses fields over 128 KiB by default; feedback text may be up to inbox.MAX_TEXT_CHARS
# (checked per row later, with a reason), so the reader must not stop at the limit first.
CSV_FIELD_LIMIT = 64 * 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")
_FIRST_LINE = re.compile(r"[^\r\n]*")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

Row = dict[str, Any]
TableRow = tuple[int, "Row | ImportRowError"]
# Rows read before the import starts: what detection and --map paths look at (Table.sample).
SAMPLE_ROWS = 50
# Enough of a file to tell its format by its first character, without reading it all.
PREFIX_BYTES = 64 * 1024
# The names under which an export wraps its records in one JSON object, in the order tried.
ENVELOPES = ("issues", "tickets", "conversations", "items", "values", "records", "results", "data")


@dataclass
class Table:
    format: str
    columns: list[str]  # as the header names them (a repeated CSV column more than once)
    rows: list[TableRow] = field(default_factory=list)  # every row; a streamed table: the first ones
    delimiter: str | None = None  # CSV only
    repeated: frozenset[str] = frozenset()  # CSV columns the header names more than once
    envelope: dict[str, Any] = field(default_factory=dict)  # JSON: the wrapping object's other keys
    more: Iterator[TableRow] | None = None  # a streamed table: the rows after `rows`, read as taken

    def sample(self, limit: int = SAMPLE_ROWS) -> list[Row]:
        """The first rows that could be read: what detection and --map paths look at."""
        out: list[Row] = []
        for _, row in self.rows:
            if isinstance(row, dict):
                out.append(row)
                if len(out) >= limit:
                    break
        return out

    def every_row(self) -> Iterator[TableRow]:
        """Every row in file order; a streamed table's rest is read from its file as it is taken
        (once: a second walk finds only the rows read ahead)."""
        yield from self.rows
        if self.more is not None:
            more, self.more = self.more, None
            yield from more


def read_bytes(path: Path) -> bytes:
    with _reading(path):
        return path.read_bytes()


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """A file's read errors as the one line a user can act on."""
    try:
        yield
    except FileNotFoundError:
        raise InvalidInput(f"no file {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None


@contextmanager
def opened_table(path: Path, explicit_format: str | None, *, records: bool = False) -> Iterator[Table]:
    """The file as a Table, open for the block: a CSV file streamed (its first rows read, the
    rest in `more`, taken from the file as the caller walks every_row()), any other read whole
    as read_table reads it. The same rows, row numbers and refusals either way."""
    with _reading(path):
        fh = open(path, "rb")  # closed below, after the caller's block
    try:
        with _reading(path):
            start = fh.read(PREFIX_BYTES)
        table = _streamed_csv(path, fh, start, explicit_format, records=records)
        if table is None:
            with _reading(path):
                text = decode(start + fh.read(), path.name)
            table = read_table(path, text, detect_format(path, text, explicit_format), records=records)
            del text
        yield table
    finally:
        fh.close()


def _streamed_csv(path: Path, fh: Any, start: bytes, explicit_format: str | None, *, records: bool) -> Table | None:
    """The CSV table read from `fh` as it is taken, or None when the file is not one this can
    tell from its start (a .json name, UTF-16, a blank start) or a pipe: read whole, as before."""
    if (start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (explicit_format is None and path.suffix.casefold() == ".json")
            or not fh.seekable()):  # a pipe (/dev/stdin, <(...)): its start is read already
        return None
    prefix = start.decode("utf-8", errors="surrogateescape")
    if not prefix.strip() or detect_format(path, prefix.removeprefix("\ufeff"), explicit_format) != "csv":
        return None
    fh.seek(0)
    with _reading(path):
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
        return _csv_table(text, path.name, delimiter="\t" if path.suffix.casefold() == ".tsv" else None,
                          records=records, read_ahead=SAMPLE_ROWS)


def count_csv_rows(path: Path, delimiter: str) -> int:
    """The rows a streamed CSV table will give (blank ones left out, as _csv_table leaves them),
    for a progress bar's total: one quick pass that builds no row."""
    rows = 0
    with _reading(path), open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            next(reader)  # the header
            for values in reader:
                if any(v.strip() for v in values):
                    rows += 1
        except StopIteration:
            pass
        except csv.Error:
            rows += 1  # _csv_table gives the row it stopped at, with why
    return rows


def decode(data: bytes, name: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InvalidInput(f"{name} starts like UTF-16 text but is not; save it as UTF-8") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    return data.decode("utf-8", errors="surrogateescape")


def detect_format(path: Path, text: str, explicit: str | None) -> str:
    """--format if given; else the extension; else the first character ('[' JSON, '{' JSONL)."""
    if explicit:
        fmt = explicit.strip().casefold()
        if fmt not in FORMATS:
            raise InvalidInput(f"format {explicit!r} is not one of {', '.join(FORMATS)}")
        return fmt
    suffix = path.suffix.casefold()
    head = text.lstrip()[:1]
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "jsonl" if head == "{" and _is_json_lines(text) else "json"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return {"[": "json", "{": "jsonl"}.get(head, "csv")


def _is_json_lines(text: str) -> bool:
    """A .json file starting with '{': one object per line, or one (wrong) object?"""
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return True
    return False


def read_table(path: Path, text: str, fmt: str, *, records: bool = False) -> Table:
    if not text.strip():
        raise InvalidInput(f"{path.name} is empty: there is no header row or data")
    if fmt == "csv":
        return read_csv(text, path.name, delimiter="\t" if path.suffix.casefold() == ".tsv" else None, records=records)
    if fmt == "json":
        return read_json(text, path.name, records=records)
    return read_jsonl(text, records=records)


# --- CSV --------------------------------------------------------------------------------


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most columns (',' on a tie)."""
    best, best_count = ",", 1
    for delimiter in CSV_DELIMITERS:
        try:
            count = len(next(csv.reader([header_line], delimiter=delimiter), []))
        except csv.Error:
            continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


def read_csv(text: str, name: str, *, delimiter: str | None = None, records: bool = False) -> Table:
    return _csv_table(io.StringIO(text, newline=""), name, delimiter=delimiter, records=records, read_ahead=None)


class _WatchedLines:
    """A file's lines on their way to csv.reader, noting what used to take a scan of the whole
    text: the quotes seen (an unclosed one swallows the rest of the file) and whether the row
    being read holds a lone surrogate (csv.reader reads no line past its row's last)."""

    __slots__ = ("lines", "quotes", "surrogate")

    def __init__(self, lines: Iterable[str]):
        self.lines = lines
        self.quotes = 0
        self.surrogate = False

    def __iter__(self) -> Iterator[str]:
        search = _SURROGATE.search
        for line in self.lines:
            self.quotes += line.count('"')
            if search(line) is not None:
                self.surrogate = True
            yield line


def _csv_table(source: TextIO, name: str, *, delimiter: str | None, records: bool, read_ahead: int | None) -> Table:
    """The CSV table read from `source`: every row when read_ahead is None, else the rows up to
    the read_ahead-th readable one, the rest left in `more` to read as it is taken."""
    first = source.readline()
    found = _FIRST_LINE.match(first)  # always matches, perhaps the empty string
    first_line = found.group(0) if found else ""
    if not first_line.strip():
        raise InvalidInput(f"{name}: the first line is empty; it must be the header (the column names)")
    delimiter = delimiter or sniff_delimiter(first_line)
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    lines = _WatchedLines(itertools.chain((first,), source))
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        columns = [c.strip() for c in next(reader)]
    except csv.Error as exc:
        raise InvalidInput(f"{name}: cannot read the header row ({exc})") from None
    _check_header(columns, name)
    repeats: dict[str, list[int]] = {}
    if records:
        for index, column in enumerate(columns):
            repeats.setdefault(column, []).append(index)
        repeats = {column: at for column, at in repeats.items() if len(at) > 1}
    table = Table("csv", columns, delimiter=delimiter, repeated=frozenset(repeats))
    rows = _csv_rows(reader, lines, columns, repeats)
    if read_ahead is None:
        table.rows = list(rows)
        return table
    readable = 0
    for entry in rows:
        table.rows.append(entry)
        readable += isinstance(entry[1], dict)
        if readable >= read_ahead:
            table.more = rows
            break
    return table


def _csv_rows(reader: Any, lines: _WatchedLines, columns: list[str], repeats: dict[str, list[int]]) -> Iterator[TableRow]:
    """Each data row as (its row number, the row or why it cannot be read). The last is held
    back until the file ends: a quote never closed turns it into a refusal."""
    width = len(columns)
    delimiter = reader.dialect.delimiter
    held: TableRow | None = None
    row_no = 1
    while True:
        row_no += 1
        lines.surrogate = False
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if held is not None:
                yield held
            held = (row_no, ImportRowError(None, f"cannot read the file from here on: {exc}"))
            break
        if not any(v.strip() for v in values):
            continue  # a blank line or a row of empty cells: nothing to import, nothing to report
        entry: TableRow
        if len(values) > width and any(v.strip() for v in values[width:]):
            what = _DELIMITER_NAMES[delimiter]
            entry = (row_no, ImportRowError(
                None, f"has {len(values)} values but the header has {width} columns (a {what} outside quotes?)"))
        else:
            row: Row = dict(zip(columns, values, strict=False))  # a short row is filled below; a long one's extra cells are empty
            if len(values) < width:
                for column in columns[len(values):]:
                    row.setdefault(column, "")
            for column, at in repeats.items():
                row[column] = [values[i] for i in at if i < len(values) and values[i].strip()]
            entry = (row_no, _checked(row) if lines.surrogate else row)
        if held is not None:
            yield held
        held = entry
    if held is not None:
        yield _unclosed_quote(held, lines.quotes)


def _unclosed_quote(last: TableRow, quotes: int) -> TableRow:
    """csv reads a quote that is never closed as a field running to the end of the file,
    swallowing every row after it. An odd number of quotes plus a last row holding a
    line break is that: refuse the row rather than import a chunk of file as one item."""
    row_no, row = last
    if quotes % 2 and isinstance(row, dict) and any("\n" in v or "\r" in v for v in map(as_text, row.values())):
        return (row_no, ImportRowError(None, "a quote (\") opened in this row is never closed, so it runs to the end of the file"))
    return last


def _check_header(columns: list[str], name: str) -> None:
    if not any(columns):
        raise InvalidInput(f"{name}: the header row has no column names")
    for column in columns:
        if _SURROGATE.search(column):
            raise InvalidInput(f"{name}: the header is not valid UTF-8 text; save the file as UTF-8")


def _checked(row: Row) -> Row | ImportRowError:
    """Refuse a row holding text that is not valid UTF-8 (a lone surrogate after decoding);
    a JSON record's nested keys and values are looked at too."""
    for column, value in row.items():
        bad = _SURROGATE.search(value if value.__class__ is str else _all_text(value)) or _SURROGATE.search(column)
        if bad:
            code = ord(bad.group(0))
            what = (f"is not valid UTF-8 text (byte 0x{code - 0xDC00:02X}); save the file as UTF-8"
                    if 0xDC80 <= code <= 0xDCFF else f"holds an invalid character (U+{code:04X})")
            return ImportRowError(column if not _SURROGATE.search(column) else None, what)
    return row


# --- JSON and JSON Lines ----------------------------------------------------------------


def as_text(value: Any) -> str:
    """A JSON value as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def _all_text(value: Any) -> str:
    """Every string in a JSON value (keys too), for the one check above."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_all_text(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}\n{_all_text(v)}" for k, v in value.items())
    return ""


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


def _object_row(item: dict[str, Any], columns: dict[str, None]) -> Row | ImportRowError:
    row = {}
    for key, value in item.items():
        key = str(key).strip()
        columns.setdefault(key, None)
        row[key] = as_text(value)
    return _checked(row)


class _Records:
    """Rows of JSON records kept as parsed: the columns are the top-level keys seen."""

    def __init__(self, check_text: bool):
        self.columns: dict[str, None] = {}
        self.check_text = check_text

    def row(self, item: dict[str, Any]) -> Row | ImportRowError:
        columns = self.columns
        for key in item:
            if key not in columns:
                if key != key.strip():  # rare: a key with spaces around it reads as the column it names
                    item = {k.strip(): v for k, v in item.items()}
                    columns.update(dict.fromkeys(item))
                    break
                columns[key] = None
        return _checked(item) if self.check_text else item


def _records_of(data: Any, name: str) -> tuple[list[Any], dict[str, Any]]:
    """The list of records a parsed JSON file holds, and the object around it (if any)."""
    if isinstance(data, list):
        return data, {}
    if isinstance(data, dict):
        for key in ENVELOPES:
            found = data.get(key)
            if isinstance(found, list):
                return found, {k: v for k, v in data.items() if k != key}
        keys = ", ".join(clean_line(str(k)) for k in list(data)[:12])
        raise InvalidInput(f"{name}: expected a JSON array of objects, found an object (keys: {keys or 'none'}; "
                           f"an export's records may also come wrapped as {{\"{ENVELOPES[0]}\": [...]}} or {{\"{ENVELOPES[1]}\": [...]}})")
    raise InvalidInput(f"{name}: expected a JSON array of objects, found {_kind(data)}")


def read_json(text: str, name: str, *, records: bool = False) -> Table:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise InvalidInput(f"{name} is nested too deeply to be a list of feedback") from None
    items, envelope = _records_of(data, name)
    columns: dict[str, None] = {}
    kept = _Records(_SURROGATE.search(text) is not None) if records else None
    rows: list[tuple[int, Row | ImportRowError]] = []
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            rows.append((number, kept.row(item) if kept else _object_row(item, columns)))
        else:
            rows.append((number, ImportRowError(None, f"is {_kind(item)}, not an object")))
    return Table("json", list(kept.columns if kept else columns), rows, envelope=envelope)


def read_jsonl(text: str, *, records: bool = False) -> Table:
    # split on "\n" only: str.splitlines would also split on U+2028 and friends,
    # which JSON allows unescaped inside strings.
    columns: dict[str, None] = {}
    kept = _Records(_SURROGATE.search(text) is not None) if records else None
    rows: list[tuple[int, Row | ImportRowError]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((number, ImportRowError(None, f"is not valid JSON ({exc.msg} at column {exc.colno})")))
            continue
        except RecursionError:
            rows.append((number, ImportRowError(None, "is nested too deeply")))
            continue
        if isinstance(item, dict):
            rows.append((number, kept.row(item) if kept else _object_row(item, columns)))
        else:
            rows.append((number, ImportRowError(None, f"is {_kind(item)}, not an object")))
    return Table("jsonl", list(kept.columns if kept else columns), rows)
