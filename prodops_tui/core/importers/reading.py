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
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
# The names under which an export wraps its records in one JSON object, in the order tried.
ENVELOPES = ("issues", "tickets", "conversations", "items", "values", "records", "results", "data")


@dataclass
class Table:
    format: str
    columns: list[str]  # as the header names them (a repeated CSV column more than once)
    rows: list[tuple[int, Row | ImportRowError]] = field(default_factory=list)
    delimiter: str | None = None  # CSV only
    repeated: frozenset[str] = frozenset()  # CSV columns the header names more than once
    envelope: dict[str, Any] = field(default_factory=dict)  # JSON: the wrapping object's other keys

    def sample(self, limit: int = 50) -> list[Row]:
        """The first rows that could be read: what detection and --map paths look at."""
        out: list[Row] = []
        for _, row in self.rows:
            if isinstance(row, dict):
                out.append(row)
                if len(out) >= limit:
                    break
        return out


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"no file {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None


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
    found = _FIRST_LINE.match(text)  # always matches, perhaps the empty string
    first_line = found.group(0) if found else ""
    if not first_line.strip():
        raise InvalidInput(f"{name}: the first line is empty; it must be the header (the column names)")
    delimiter = delimiter or sniff_delimiter(first_line)
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        columns = [c.strip() for c in next(reader)]
    except csv.Error as exc:
        raise InvalidInput(f"{name}: cannot read the header row ({exc})") from None
    _check_header(columns, name)
    width = len(columns)
    repeats: dict[str, list[int]] = {}
    if records:
        for index, column in enumerate(columns):
            repeats.setdefault(column, []).append(index)
        repeats = {column: at for column, at in repeats.items() if len(at) > 1}
    table = Table("csv", columns, delimiter=delimiter, repeated=frozenset(repeats))
    check_text = _SURROGATE.search(text) is not None  # one scan of the file, not one per cell
    row_no = 1
    while True:
        row_no += 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            table.rows.append((row_no, ImportRowError(None, f"cannot read the file from here on: {exc}")))
            break
        if not any(v.strip() for v in values):
            continue  # a blank line or a row of empty cells: nothing to import, nothing to report
        if len(values) > width and any(v.strip() for v in values[width:]):
            what = _DELIMITER_NAMES[delimiter]
            table.rows.append((row_no, ImportRowError(
                None, f"has {len(values)} values but the header has {width} columns (a {what} outside quotes?)")))
            continue
        row: Row = dict(zip(columns, values, strict=False))  # a short row is filled below; a long one's extra cells are empty
        if len(values) < width:
            for column in columns[len(values):]:
                row.setdefault(column, "")
        for column, at in repeats.items():
            row[column] = [values[i] for i in at if i < len(values) and values[i].strip()]
        table.rows.append((row_no, _checked(row) if check_text else row))
    _flag_unclosed_quote(table, text)
    return table


def _flag_unclosed_quote(table: Table, text: str) -> None:
    """csv reads a quote that is never closed as a field running to the end of the file,
    swallowing every row after it. An odd number of quotes plus a last row holding a
    line break is that: refuse the row rather than import a chunk of file as one item."""
    if not table.rows or text.count('"') % 2 == 0:
        return
    row_no, row = table.rows[-1]
    if isinstance(row, dict) and any("\n" in v or "\r" in v for v in map(as_text, row.values())):
        table.rows[-1] = (row_no, ImportRowError(
            None, "a quote (\") opened in this row is never closed, so it runs to the end of the file"))


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
