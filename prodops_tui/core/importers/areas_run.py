"""`prodops import areas`: a table (CSV/JSON, one row per area) or a CODEOWNERS file into the map.

Areas are matched by path, so a re-import updates in place and never duplicates;
missing parents are created; unknown people are created and reported. The whole
import is one stored change (one undo step); a dry run stores nothing.

A CODEOWNERS file is kept rule by rule (a CodeOwnersFile record, so `who PATH` can
answer by the rules) and its rules are filed under areas whose owners they name.
Re-importing a newer version replaces the rules, says which were added, removed and
changed, and leaves what PMs added to the areas alone."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from ..errors import InvalidInput, ProdopsError
from ..model import CodeOwnersFile, CodeOwnersRule, Person, ProductArea, Record, written_pattern
from ..storage.store import Store, Transaction
from ..text import clean_line, clean_text
from .cleaning import cleaned
from .codeowners import GROUPINGS, ParsedCodeOwners, area_name_for, default_grouping, is_owner, parse_codeowners
from .fields import shown
from .reading import decode, read_bytes, read_table
from .result import ImportRowError, SkippedRow

ROLE_COLUMNS = ("owners", "maintainers", "designers", "influencers")
LIST_COLUMNS = ("glossary", "code_paths", "docs")
TEXT_COLUMNS = ("team", "channel", "description")
CODEOWNERS_ROLES = ("owners", "maintainers")
# A line of a CODEOWNERS file: blank, a comment, a section header, a pattern with owners, or an anchored pattern alone.
_CODEOWNERS_LINE = re.compile(
    r"^\s*(?:#.*)?$|^\s*\^?\[[^\]]+\](?:\[\d+\])?(?:\s.*)?$|^\s*!?\S+(?:\s+(?:@\S+|[^@\s]+@\S+))+\s*(?:#.*)?$|^\s*!?\S*/\S*\s*$"
)


@dataclass
class AreaImportResult:
    format: str
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    people_created: list[str] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    # CODEOWNERS only
    file: str = ""
    grouping: str = ""
    role: str = ""
    rules: int = 0
    rules_added: list[str] = field(default_factory=list)  # "line 12: /app/ @org/backend"
    rules_removed: list[str] = field(default_factory=list)
    rules_changed: list[str] = field(default_factory=list)
    unowned: list[str] = field(default_factory=list)  # rules that leave their paths without owners, on purpose
    exclusions: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verb = "would create" if self.dry_run else "created"
        text = f"{verb} {len(self.created)} areas, updated {len(self.updated)}, unchanged {self.unchanged}, {len(self.people_created)} new people"
        if self.skipped:
            text += f"; skipped {len(self.skipped)}"
        if self.format == "codeowners":
            text += (f"\n{self.file}: {self.rules} rules, filed by {self.grouping}, their owners stored as {self.role}"
                     f"; rules added {len(self.rules_added)}, removed {len(self.rules_removed)}, changed {len(self.rules_changed)}")
            if self.exclusions:
                text += f"; {self.exclusions} exclusions"
            if self.unowned:
                text += f"; {len(self.unowned)} rules leave their paths without owners"
        return text + ("\ndry run: nothing was stored" if self.dry_run else "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": self.format, "dry_run": self.dry_run, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "people_created": self.people_created,
            "skipped": [{"row": s.row, "column": s.column, "reason": s.reason} for s in self.skipped],
            "problems": self.problems,  # a table's too: the lines of its `rules` cells left out
        }
        if self.format == "codeowners":
            out.update(file=self.file, grouping=self.grouping, role=self.role, rules=self.rules,
                       rules_added=self.rules_added, rules_removed=self.rules_removed, rules_changed=self.rules_changed,
                       unowned=self.unowned, exclusions=self.exclusions)
        return out


R = TypeVar("R", bound=Record)


class _DryRun(Exception):
    """Raised at the end of a dry run so the change block stores nothing."""


def is_codeowners_name(path: Path) -> bool:
    """`CODEOWNERS`, `.github/CODEOWNERS`, `docs/CODEOWNERS`, `team.CODEOWNERS`, `gitlab_CODEOWNERS`."""
    return path.name.casefold().endswith("codeowners")


def _looks_like_codeowners(text: str) -> bool:
    lines = [line for line in text.splitlines()[:300] if line.strip()]
    rules = [line for line in lines if not line.lstrip().startswith(("#", "[", "^["))]
    return bool(rules) and all(_CODEOWNERS_LINE.match(line) for line in lines) and any(
        is_owner(token) for line in rules for token in line.split()[1:])


def _format_of(path: Path, explicit: str | None, text: str) -> str:
    if explicit:
        return explicit
    if is_codeowners_name(path):
        return "codeowners"
    if path.suffix.casefold() in (".csv", ".tsv", ".json"):
        return path.suffix.casefold().lstrip(".").replace("tsv", "csv")
    if _looks_like_codeowners(text):
        return "codeowners"
    raise InvalidInput(f"{path.name}: cannot tell the format; add --format csv|json|codeowners")


def _unneutralised(text: str) -> str:
    """Our CSV export writes '@org/team as text so a spreadsheet does not run it; read it back as @org/team."""
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@") else text


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        items = [str(v) for v in value]
    else:
        items = _unneutralised(str(value or "")).split(";")
    return [item for item in (clean_line(i) for i in items) if item]


def _json_value(value: Any) -> Any:
    """The JSON reader hands nested lists and objects over as their text: read them back."""
    if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_LABEL = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<handle>@[^)\s]+)\)|<(?P<email>[^>\s]+@[^>\s]+)>)$")
_RULE_ENTRY = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<text>.+)$")


def _rule_entries(value: Any) -> list[tuple[str, int, str]]:
    """(file, line, the line's text) from a `rules` cell: lines "CODEOWNERS:12: /app/ @org/backend",
    or the JSON export's objects."""
    if value in (None, "", []):
        return []
    out: list[tuple[str, int, str]] = []
    value = _json_value(value)
    items = value if isinstance(value, list) else _unneutralised(str(value)).splitlines()
    for item in items:
        if isinstance(item, dict):
            try:
                if item.get("section_header") and item.get("section_line"):
                    out.append((clean_line(str(item["file"])), int(item["section_line"]), str(item["section_header"])))
                pattern = written_pattern(str(item["pattern"]), bool(item.get("exclusion")))
                out.append((clean_line(str(item["file"])), int(item["line"]), " ".join([pattern, *map(str, item.get("owners") or [])])))
            except (KeyError, TypeError, ValueError):
                raise ImportRowError("rules", f"a rule needs file, line and pattern: {item!r}"[:200]) from None
            continue
        match = _RULE_ENTRY.match(str(item).strip())
        if not match:
            if str(item).strip():
                raise ImportRowError("rules", f"{str(item).strip()[:80]!r} is not FILE:LINE: RULE")
            continue
        out.append((clean_line(match.group("file")), int(match.group("line")), match.group("text")))
    for _, line, text in out:
        if "\n" in text or "\r" in text:  # the file is rebuilt line for line: a break would move every rule after it
            raise ImportRowError("rules", f"line {line}: {shown(text, 80)!r} is more than one line of a file")
    return out


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


def file_label(path: Path) -> str:
    """How the file is named in answers: `.github/CODEOWNERS` keeps the folder that says where it applies."""
    parent = path.parent.name
    return clean_line(f"{parent}/{path.name}" if parent in (".github", ".gitlab", "docs") else path.name)


def import_areas(
    store: Store, path: Path | str, *, format: str | None = None, dry_run: bool = False, origin: str = "import",
    role: str = "owners", group_by: str | None = None,
) -> AreaImportResult:
    path = Path(path)
    text = decode(read_bytes(path), path.name)
    fmt = _format_of(path, format, text)
    result = AreaImportResult(format=fmt, dry_run=dry_run)
    parsed: ParsedCodeOwners | None = None
    if fmt == "codeowners":
        if role not in CODEOWNERS_ROLES:
            raise InvalidInput(f"--as {role}: CODEOWNERS entries become owners or maintainers")
        if group_by is not None and group_by not in GROUPINGS:
            raise InvalidInput(f"--group-by {group_by}: not one of {', '.join(GROUPINGS)}")
        parsed = parse_codeowners(text)  # a line that is not UTF-8 or holds a control character is left out, named
        if not parsed.rules:
            raise InvalidInput(f"{path.name}: no CODEOWNERS rules in it")
        result.file, result.role, result.problems = file_label(path), role, parsed.problems
        result.grouping = group_by or default_grouping(parsed)
    rows = [] if parsed is not None else _rows_from_table(path, text, fmt, result)
    store.refresh()
    try:
        with store.change(f"imported areas from {clean_line(path.name)}", origin=origin) as tx:
            applier = _Applier(store, tx, result)
            if parsed is not None:
                applier.codeowners(parsed)
            else:
                applier.apply(rows)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


def _rule_label(rule: CodeOwnersRule, owners: list[str]) -> str:
    where = f" [{rule.section}]" if rule.section else ""
    # Printed by `prodops import`: a rule stored before imports were cleaned may hold an escape.
    return clean_line(f"line {rule.line}{where}: {rule.written} {' '.join(owners)}")


def _rule_keys(rules: list[CodeOwnersRule]) -> dict[tuple[str, bool, str, int], CodeOwnersRule]:
    """Rules by (section, exclusion, pattern, nth time): lines move when a file is edited, patterns do not."""
    keys: dict[tuple[str, bool, str, int], CodeOwnersRule] = {}
    for rule in rules:
        nth = 0
        while (rule.section.casefold(), rule.exclusion, rule.pattern, nth) in keys:
            nth += 1
        keys[(rule.section.casefold(), rule.exclusion, rule.pattern, nth)] = rule
    return keys


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
        self.rule_lines: dict[str, dict[int, tuple[str, str]]] = {}  # file -> line -> (text, area id)

    def _add(self, record: R) -> R:
        return self.tx.add(cleaned(record))  # every record this import stores passes here or in _put

    def _put(self, record: R) -> R:
        return self.tx.put(cleaned(record))

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        for row_no, row in rows:
            try:
                self._row(row_no, row)
            except ImportRowError as exc:
                self.result.skipped.append(SkippedRow(row_no, exc.column, exc.reason))
            except ProdopsError as exc:
                self.result.skipped.append(SkippedRow(row_no, None, str(exc)))
        self._rebuild_rule_files()

    def codeowners(self, parsed: ParsedCodeOwners) -> None:
        result = self.result
        role = result.role
        by_area: dict[str, list[CodeOwnersRule]] = {}
        for rule in parsed.rules:
            by_area.setdefault(area_name_for(parsed, rule, result.grouping), []).append(rule)
        handles_anywhere = {o.casefold() for rule in parsed.rules for o in parsed.effective_owners(rule)}
        handles_anywhere |= {o.casefold() for s in parsed.sections for o in s.owners}
        for name, rules in by_area.items():
            area = self._area_at([name])
            before = area.to_dict() if area.id else None
            owners: list[str] = []
            for rule in rules:
                for handle in parsed.effective_owners(rule):
                    if handle not in owners:
                        owners.append(handle)
            ids = [self._person(handle, role).id for handle in owners]
            # People a PM put in this role by hand (not named anywhere in the file) stay.
            kept = [pid for pid in getattr(area, role) if pid not in ids and not self._named_in_file(pid, handles_anywhere)]
            changes: dict[str, Any] = {role: ids + kept, "code_paths": [r.written for r in rules]}  # role names the field
            area = replace(area, **changes)
            if before is None:
                stored = self._add(area)
                result.created.append(name)
            elif _without_stamp(area.to_dict()) != _without_stamp(before):
                stored = self._put(area)
                result.updated.append(name)
            else:
                stored = area
                result.unchanged += 1
            self.areas[(stored.parent, stored.name.casefold())] = stored
            for rule in rules:
                rule.area = stored.id
        result.rules = len(parsed.rules)
        result.exclusions = sum(1 for rule in parsed.rules if rule.exclusion)
        result.unowned = [_rule_label(r, []) for r in parsed.rules if not r.exclusion and not parsed.effective_owners(r)]
        self._store_rules(parsed, result.file)

    def _named_in_file(self, person_id: str, handles: set[str]) -> bool:
        person = self.store.get(person_id)
        return isinstance(person, Person) and any(k and k.casefold() in handles for k in (person.handle, person.email))

    def _store_rules(self, parsed: ParsedCodeOwners, name: str) -> None:
        result = self.result
        known = next((f for f in self.store.all(CodeOwnersFile) if f.name.casefold() == name.casefold()), None)
        old = _rule_keys(known.rules) if known else {}
        new = _rule_keys(parsed.rules)
        old_parsed = ParsedCodeOwners(sections=known.sections) if known else ParsedCodeOwners()
        for key, rule in new.items():
            owners = parsed.effective_owners(rule)
            if key not in old:
                result.rules_added.append(_rule_label(rule, owners))
            elif old_parsed.effective_owners(old[key]) != owners:
                result.rules_changed.append(f"{_rule_label(rule, owners)} (was {' '.join(old_parsed.effective_owners(old[key])) or 'no owner'})")
        result.rules_removed = [_rule_label(rule, old_parsed.effective_owners(rule)) for key, rule in old.items() if key not in new]
        record = CodeOwnersFile(name=name, flavor=parsed.flavor, sections=parsed.sections, rules=parsed.rules)
        if known is None:
            self._add(record)
        else:
            candidate = replace(known, flavor=record.flavor, sections=record.sections, rules=record.rules)
            if _without_stamp(candidate.to_dict()) != _without_stamp(known.to_dict()):
                self._put(candidate)

    def _row(self, row_no: int, row: dict[str, Any]) -> None:
        parts = [clean_line(p) for p in str(row.get("path") or "").replace(" / ", "/").split("/")]
        parts = [p for p in parts if p]
        if not parts:
            raise ImportRowError("path", "the path is empty")
        key = "/".join(p.casefold() for p in parts)
        if key in self.seen_paths:
            raise ImportRowError("path", f"{'/'.join(parts)} appears already in row {self.seen_paths[key]}")
        self.seen_paths[key] = row_no
        rule_entries = _rule_entries(row.get("rules"))  # a bad rule refuses the row before anything is stored
        handles = _json_value(row.get("handles"))  # the JSON export's people with their handles
        people: dict[str, list[str]] = {}
        for role in ROLE_COLUMNS:
            value = handles.get(role) if isinstance(handles, dict) and handles.get(role) is not None else row.get(role)
            if value not in (None, "", []):
                people[role] = _split(_json_value(value))
                for text in people[role]:
                    _person_fields(text, role)  # an owner who names no one (`@@@`) refuses it too
        area = self._area_at(parts)
        before = area.to_dict() if area.id else None
        changes: dict[str, Any] = {role: [self._person(text, role).id for text in names] for role, names in people.items()}
        for column in LIST_COLUMNS:
            if row.get(column) not in (None, "", []):
                changes[column] = _split(row[column])
        for column in TEXT_COLUMNS:
            if row.get(column) not in (None, ""):
                changes[column] = clean_text(str(row[column])) if column == "description" else clean_line(str(row[column]))
        area = replace(area, **changes)
        label = " / ".join(parts)
        if before is None:
            stored = self._add(area)
            self.result.created.append(label)
        elif _without_stamp(area.to_dict()) != _without_stamp(before):
            stored = self._put(area)
            self.result.updated.append(label)
        else:
            stored = area
            self.result.unchanged += 1
        self.areas[(stored.parent, stored.name.casefold())] = stored
        for file, line, text in rule_entries:
            self.rule_lines.setdefault(file, {})[line] = (text, stored.id)

    def _rebuild_rule_files(self) -> None:
        """The CODEOWNERS files an export carried in its `rules` cells, rebuilt line for line."""
        for file, lines in self.rule_lines.items():
            text = "\n".join(lines[n][0] if n in lines else "" for n in range(1, max(lines) + 1))
            parsed = parse_codeowners(text)
            for rule in parsed.rules:
                rule.area = lines[rule.line][1]
            self.result.rules += len(parsed.rules)
            self.result.problems += [f"{file}: {problem}" for problem in parsed.problems]
            self._store_rules(parsed, file)

    def _area_at(self, parts: list[str]) -> ProductArea:
        """The area at a path, creating missing parents (reported as created)."""
        parent: str | None = None
        for depth, name in enumerate(parts):
            found = self.areas.get((parent, name.casefold()))
            if found is None:
                if depth == len(parts) - 1:
                    return ProductArea(name=name, parent=parent)
                found = self._add(ProductArea(name=name, parent=parent))
                self.areas[(parent, name.casefold())] = found
                self.result.created.append(" / ".join(parts[: depth + 1]))
            if depth == len(parts) - 1:
                return found
            parent = found.id
        raise AssertionError("unreachable")

    def _person(self, text: str, column: str) -> Person:
        """By "Name (@handle)", "Name <email>", a handle, an email or a name; created when unknown."""
        name, handle, email = _person_fields(text, column)
        for key in (handle, email, text, name):
            found = self.people.get(key.casefold()) if key else None
            if found is not None:
                return found
        if not handle and not email:
            found = self.people.get(("@" + text).casefold())
            if found is not None:
                return found
        person = self._add(Person(name=name, handle=handle, email=email))
        for key in (text, name, handle, email):
            if key:
                self.people.setdefault(key.casefold(), person)
        self.result.people_created.append(person.name)
        return person


def _person_fields(text: str, column: str) -> tuple[str, str, str]:
    """(name, handle, email) a person is made of; a text that leaves no name (`@@@`, `@`) names no one."""
    label = _LABEL.match(text)
    if label and label.group("name"):
        name, handle, email = label.group("name"), label.group("handle") or "", label.group("email") or ""
    else:
        handle = text if text.startswith("@") else ""
        email = text if "@" in text and not handle else ""
        name = text.lstrip("@")
    name = clean_line(name)
    if not name:
        raise ImportRowError(column, f"{shown(text)!r} names no one: a person needs a name or a handle after the @")
    return name, handle, email


def _without_stamp(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in doc.items() if key != "updated_at"}
