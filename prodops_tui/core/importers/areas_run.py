"""`prodops import areas`: a table (CSV/JSON, one row per area) or a CODEOWNERS file into the map.

Areas are matched by path, so a re-import updates in place and never duplicates;
missing parents are created; unknown people are created and reported. The whole
import is one stored change (one undo step); a dry run stores nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, ProdopsError
from ..model import Person, ProductArea
from ..storage.store import Store, Transaction
from ..text import clean_line, clean_text
from .codeowners import parse_codeowners
from .reading import decode, read_bytes, read_table
from .result import ImportRowError, SkippedRow

ROLE_COLUMNS = ("owners", "maintainers", "designers", "influencers")
LIST_COLUMNS = ("glossary", "code_paths", "docs")
TEXT_COLUMNS = ("team", "channel", "description")


@dataclass
class AreaImportResult:
    format: str
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    people_created: list[str] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verb = "would create" if self.dry_run else "created"
        text = f"{verb} {len(self.created)} areas, updated {len(self.updated)}, unchanged {self.unchanged}, {len(self.people_created)} new people"
        if self.skipped:
            text += f"; skipped {len(self.skipped)}"
        if self.unmapped:
            text += f"; {len(self.unmapped)} unmapped paths (no owner)"
        return text + ("\ndry run: nothing was stored" if self.dry_run else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format, "dry_run": self.dry_run, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "people_created": self.people_created,
            "skipped": [{"row": s.row, "column": s.column, "reason": s.reason} for s in self.skipped],
            "unmapped": self.unmapped,
        }


class _DryRun(Exception):
    """Raised at the end of a dry run so the change block stores nothing."""


def _format_of(path: Path, explicit: str | None) -> str:
    if explicit:
        return explicit
    if path.name.casefold() in ("codeowners",) or path.suffix.casefold() == ".codeowners":
        return "codeowners"
    if path.suffix.casefold() in (".csv", ".tsv", ".json"):
        return path.suffix.casefold().lstrip(".").replace("tsv", "csv")
    raise InvalidInput(f"{path.name}: cannot tell the format; add --format csv|json|codeowners")


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        items = [str(v) for v in value]
    else:
        items = str(value or "").split(";")
    return [item for item in (clean_line(i) for i in items) if item]


def _rows_from_table(path: Path, text: str, fmt: str, result: AreaImportResult) -> list[tuple[int, dict[str, Any]]]:
    table = read_table(path, text, fmt)
    columns = {c.casefold(): c for c in table.columns}
    if "path" not in columns:
        raise InvalidInput(f"{path.name}: no 'path' column (found: {', '.join(table.columns) or 'none'})")
    rows = []
    for row_no, row in table.rows:
        if isinstance(row, ImportRowError):
            result.skipped.append(SkippedRow(row_no, row.column, row.reason))
            continue
        rows.append((row_no, {key: row.get(original) for key, original in columns.items()}))
    return rows


def _rows_from_codeowners(text: str, result: AreaImportResult) -> list[tuple[int, dict[str, Any]]]:
    parsed = parse_codeowners(text)
    result.unmapped = parsed.unmapped
    return [(a.first_line, {"path": a.name, "maintainers": a.maintainers, "code_paths": a.code_paths}) for a in parsed.areas.values()]


def import_areas(store: Store, path: Path | str, *, format: str | None = None, dry_run: bool = False, origin: str = "import") -> AreaImportResult:
    path = Path(path)
    fmt = _format_of(path, format)
    text = decode(read_bytes(path), path.name)
    result = AreaImportResult(format=fmt, dry_run=dry_run)
    rows = _rows_from_codeowners(text, result) if fmt == "codeowners" else _rows_from_table(path, text, fmt, result)
    store.refresh()
    try:
        with store.change(f"imported areas from {clean_line(path.name)}", origin=origin) as tx:
            _Applier(store, tx, result).apply(rows)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


class _Applier:
    """Turns rows into areas and people inside one transaction."""

    def __init__(self, store: Store, tx: Transaction, result: AreaImportResult):
        self.store, self.tx, self.result = store, tx, result
        self.areas: dict[tuple[str | None, str], ProductArea] = {(a.parent, a.name.casefold()): a for a in store.all(ProductArea)}
        self.people: dict[str, Person] = {}
        for person in store.all(Person):
            for key in (person.name, person.handle, person.email):
                if key:
                    self.people.setdefault(key.casefold(), person)
        self.seen_paths: dict[str, int] = {}

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        for row_no, row in rows:
            try:
                self._row(row_no, row)
            except ImportRowError as exc:
                self.result.skipped.append(SkippedRow(row_no, exc.column, exc.reason))
            except ProdopsError as exc:
                self.result.skipped.append(SkippedRow(row_no, None, str(exc)))

    def _row(self, row_no: int, row: dict[str, Any]) -> None:
        parts = [clean_line(p) for p in str(row.get("path") or "").replace(" / ", "/").split("/")]
        parts = [p for p in parts if p]
        if not parts:
            raise ImportRowError("path", "the path is empty")
        key = "/".join(p.casefold() for p in parts)
        if key in self.seen_paths:
            raise ImportRowError("path", f"{'/'.join(parts)} appears already in row {self.seen_paths[key]}")
        self.seen_paths[key] = row_no
        area = self._area_at(parts)
        before = area.to_dict() if area.id else None
        changes: dict[str, Any] = {}
        for role in ROLE_COLUMNS:
            if row.get(role) not in (None, "", []):
                changes[role] = [self._person(name).id for name in _split(row[role])]
        for column in LIST_COLUMNS:
            if row.get(column) not in (None, "", []):
                changes[column] = _split(row[column])
        for column in TEXT_COLUMNS:
            if row.get(column) not in (None, ""):
                changes[column] = clean_text(str(row[column])) if column == "description" else clean_line(str(row[column]))
        area = replace(area, **changes)
        label = " / ".join(parts)
        if before is None:
            stored = self.tx.add(area)
            self.result.created.append(label)
        elif _without_stamp(area.to_dict()) != _without_stamp(before):
            stored = self.tx.put(area)
            self.result.updated.append(label)
        else:
            stored = area
            self.result.unchanged += 1
        self.areas[(stored.parent, stored.name.casefold())] = stored

    def _area_at(self, parts: list[str]) -> ProductArea:
        """The area at a path, creating missing parents (reported as created)."""
        parent: str | None = None
        for depth, name in enumerate(parts):
            found = self.areas.get((parent, name.casefold()))
            if found is None:
                if depth == len(parts) - 1:
                    return ProductArea(name=name, parent=parent)
                found = self.tx.add(ProductArea(name=name, parent=parent))
                self.areas[(parent, name.casefold())] = found
                self.result.created.append(" / ".join(parts[: depth + 1]))
            if depth == len(parts) - 1:
                return found
            parent = found.id
        raise AssertionError("unreachable")

    def _person(self, text: str) -> Person:
        found = self.people.get(text.casefold()) or self.people.get(("@" + text.lstrip("@")).casefold())
        if found is not None:
            return found
        handle = text if text.startswith("@") else ""
        email = text if "@" in text and not handle else ""
        person = self.tx.add(Person(name=text.lstrip("@"), handle=handle, email=email))
        self.people[text.casefold()] = person
        self.result.people_created.append(person.name)
        return person


def _without_stamp(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in doc.items() if key != "updated_at"}
