"""The area map out of prodops: CSV that re-imports, JSON for scripts, a Markdown owner directory.

People are written with their handle or email ("Priya Raman (@priya)", "@org/team"), and
each area's CODEOWNERS rules as the lines of the file they came from ("CODEOWNERS:12: /app/
@org/backend", section headers too), so a re-import rebuilds the same people and rules."""

from __future__ import annotations

import csv
import io
import json

from ..errors import InvalidInput
from ..feedback.exporters import EXPORT_FORMATS
from ..text import markdown_literal
from ..model import CodeOwnersFile, CodeOwnersSection, Person, ProductArea, rule_owners, written_pattern
from ..storage.store import Store
from ..text import neutralise_cell, without_controls
from .lookup import PATH_SEPARATOR, area_paths, has_active_owner
from .ownership import ROLES, area_record
from ..importers.codeowners import headers_of
from .rules import rule_coverage

# The columns the area import reads: `/` separates levels, `;` several names or terms.
AREA_COLUMNS = ("path", *ROLES, "team", "channel", "description", "glossary", "code_paths", "docs", "rules")


def person_label(person: Person) -> str:
    """How a person is written so that an import finds or rebuilds them: name and handle or email."""
    if person.handle:
        return person.handle if person.name == person.handle.lstrip("@") else f"{person.name} ({person.handle})"
    if person.email:
        return person.email if person.name == person.email else f"{person.name} <{person.email}>"
    return person.name


def section_line(section: CodeOwnersSection) -> str:
    approvals = f"[{section.approvals}]" if section.approvals != 1 else ""
    return " ".join([f"{'^' if section.optional else ''}[{section.name}]{approvals}", *section.owners])


def rule_entries(store: Store) -> dict[str, list[dict]]:
    """Area id -> its rules, each with its section's header, as the files have them."""
    out: dict[str, list[dict]] = {}
    for file in sorted(store.all(CodeOwnersFile), key=lambda f: f.number):
        headers = headers_of(file.sections, file.rules)  # a name may head several sections: each rule's own header
        for rule, section in zip(file.rules, headers, strict=True):
            out.setdefault(rule.area or "", []).append({
                "file": file.name, "line": rule.line, "pattern": rule.pattern, "owners": list(rule.owners),
                "exclusion": rule.exclusion, "section": section.name if section else None,
                "effective_owners": [] if rule.exclusion else rule_owners(rule, section),
                "section_line": section.line if section else None,
                "section_header": section_line(section) if section else None,
            })
    return out


def rule_cell(entries: list[dict]) -> str:
    """The CSV cell: one line of the file each, its section header first ("CODEOWNERS:26: ^[Backend] @team")."""
    lines: list[str] = []
    headers_done: set[tuple[str, int]] = set()
    for entry in entries:
        if entry["section_header"] and (entry["file"], entry["section_line"]) not in headers_done:
            headers_done.add((entry["file"], entry["section_line"]))
            lines.append(f"{entry['file']}:{entry['section_line']}: {entry['section_header']}")
        pattern = written_pattern(entry["pattern"], entry["exclusion"])
        lines.append(f"{entry['file']}:{entry['line']}: {' '.join([pattern, *entry['owners']])}")
    return "\n".join(lines)


def _sorted_areas(store: Store) -> list[ProductArea]:
    paths = area_paths(store)
    return sorted(store.all(ProductArea), key=lambda area: paths[area.id].casefold())


def export_areas(store: Store, fmt: str) -> str:
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}")
    areas = _sorted_areas(store)
    rules = rule_entries(store)
    if fmt == "json":
        return json.dumps([_json_record(store, area, rules.get(area.id, [])) for area in areas], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(store, areas, rules)
    return _markdown(store, areas, rules)


def _labels(store: Store, ids: list[str]) -> list[str]:
    return [person_label(p) for p in (store.get(i) for i in ids) if isinstance(p, Person)]


def _json_record(store: Store, area: ProductArea, rules: list[dict]) -> dict:
    record = area_record(store, area)
    record["handles"] = {role: _labels(store, getattr(area, role)) for role in ROLES}
    record["rules"] = [dict(entry) for entry in rules]
    return record


def _csv(store: Store, areas: list[ProductArea], rules: dict[str, list[dict]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AREA_COLUMNS)
    for area in areas:
        record = area_record(store, area)
        row = [record["path"].replace(PATH_SEPARATOR, "/")]
        row += ["; ".join(_labels(store, getattr(area, role))) for role in ROLES]
        row += [record["team"], record["channel"], record["description"]]
        row += ["; ".join(record[key]) for key in ("glossary", "code_paths", "docs")]
        row.append(rule_cell(rules.get(area.id, [])))
        writer.writerow([neutralise_cell(cell) for cell in row])
    return out.getvalue()


def _markdown(store: Store, areas: list[ProductArea], rules: dict[str, list[dict]]) -> str:
    """An owner directory a team can paste into its wiki; areas without an active owner stand out."""
    owned = sum(1 for area in areas if has_active_owner(store, area))
    lines = ["# Product areas and their owners", "", f"Owner coverage: {owned}/{len(areas)}.", ""]
    ruled, rule_total = rule_coverage(store)
    if rule_total:
        lines[-1:] = [f"CODEOWNERS rules that give their paths an owner: {ruled}/{rule_total}.", ""]
    for area in areas:
        record = area_record(store, area)
        depth = record["path"].count(PATH_SEPARATOR)
        heading = "#" * min(2 + depth, 6)
        lines += [f"{heading} {markdown_literal(record['path'])}", ""]
        if not has_active_owner(store, area):
            lines += ["**no active owner**", ""]
        for role in ROLES:
            labels = _labels(store, getattr(area, role))
            if labels:
                lines.append(f"- {role}: {markdown_literal(', '.join(labels))}")
        for key in ("team", "channel"):
            if record[key]:
                lines.append(f"- {key}: {markdown_literal(record[key])}")
        if record["glossary"]:
            lines.append(f"- also called: {markdown_literal(', '.join(record['glossary']))}")
        if record["description"]:
            lines += ["", markdown_literal(record["description"])]
        if rules.get(area.id):
            lines += ["", "| rule | owners | where |", "|---|---|---|"]
            for entry in rules[area.id]:
                pattern = written_pattern(entry["pattern"], entry["exclusion"])
                owners = "excluded" if entry["exclusion"] else ", ".join(entry["effective_owners"]) or "no owner"
                where = f"{entry['file']}:{entry['line']}" + (f" [{entry['section']}]" if entry["section"] else "")
                lines.append(f"| `{pattern.replace('`', '')}` | {markdown_literal(owners)} | {markdown_literal(where)} |")
        lines.append("")
    # Written for people (a wiki, a terminal): no control character from any record stored
    # before imports were cleaned, wherever in the page it sits. CSV cells: neutralise_cell.
    return without_controls("\n".join(lines))
