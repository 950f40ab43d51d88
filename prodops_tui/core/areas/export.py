"""The area map out of prodops: CSV that re-imports, JSON for scripts, a Markdown owner directory."""

from __future__ import annotations

import csv
import io
import json

from ..errors import InvalidInput
from ..feedback.exporters import EXPORT_FORMATS, markdown_literal
from ..model import ProductArea
from ..storage.store import Store
from ..text import neutralise_cell
from .lookup import PATH_SEPARATOR, area_path, has_active_owner
from .ownership import ROLES, area_record

# The columns the area import reads: `/` separates levels, `;` several names or terms.
AREA_COLUMNS = ("path", *ROLES, "team", "channel", "description", "glossary", "code_paths", "docs")


def _sorted_areas(store: Store) -> list[ProductArea]:
    return sorted(store.all(ProductArea), key=lambda area: area_path(store, area).casefold())


def export_areas(store: Store, fmt: str) -> str:
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}")
    areas = _sorted_areas(store)
    if fmt == "json":
        return json.dumps([area_record(store, area) for area in areas], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(store, areas)
    return _markdown(store, areas)


def _csv(store: Store, areas: list[ProductArea]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AREA_COLUMNS)
    for area in areas:
        record = area_record(store, area)
        row = [record["path"].replace(PATH_SEPARATOR, "/")]
        row += ["; ".join(record[role]) for role in ROLES]
        row += [record["team"], record["channel"], record["description"]]
        row += ["; ".join(record[key]) for key in ("glossary", "code_paths", "docs")]
        writer.writerow([neutralise_cell(cell) for cell in row])
    return out.getvalue()


def _markdown(store: Store, areas: list[ProductArea]) -> str:
    """An owner directory a team can paste into its wiki; areas without an active owner stand out."""
    owned = sum(1 for area in areas if has_active_owner(store, area))
    lines = ["# Product areas and their owners", "", f"Owner coverage: {owned}/{len(areas)}.", ""]
    for area in areas:
        record = area_record(store, area)
        depth = record["path"].count(PATH_SEPARATOR)
        heading = "#" * min(2 + depth, 6)
        lines += [f"{heading} {markdown_literal(record['path'])}", ""]
        if not has_active_owner(store, area):
            lines += ["**no active owner**", ""]
        for role in ROLES:
            if record[role]:
                lines.append(f"- {role}: {markdown_literal(', '.join(record[role]))}")
        for key in ("team", "channel"):
            if record[key]:
                lines.append(f"- {key}: {markdown_literal(record[key])}")
        if record["glossary"]:
            lines.append(f"- also called: {markdown_literal(', '.join(record['glossary']))}")
        if record["description"]:
            lines += ["", markdown_literal(record["description"])]
        lines.append("")
    return "\n".join(lines)
