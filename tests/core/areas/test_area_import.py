"""Importing and exporting the area map: tables, CODEOWNERS (the real GitLab file), round trips."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from prodops_tui.core.areas.export import export_areas
from prodops_tui.core.areas.lookup import area_path
from prodops_tui.core.areas.ownership import area_record
from prodops_tui.core.errors import InvalidInput
from prodops_tui.core.importers import import_areas
from prodops_tui.core.model import Person, ProductArea

from ...conftest import TEST_DATA

GITLAB = TEST_DATA / "gitlab_CODEOWNERS"


def by_path(store) -> dict[str, ProductArea]:
    return {area_path(store, area): area for area in store.all(ProductArea)}


def test_a_csv_builds_the_tree_creates_people_and_re_imports_in_place(store, tmp_path):
    table = tmp_path / "areas.csv"
    table.write_bytes(
        "\ufeffpath;owners;maintainers;glossary;team\n"
        'Billing/Invoices/Tax;Priya Raman;Tomás Herrera;"VAT; GST";Billing squad\n'
        "Billing/Invoices;Priya Raman;;invoice;Billing squad\n"
        ";Nobody;;;\n"
        "Billing/Invoices;Someone Else;;;\n".encode("utf-8")
    )
    result = import_areas(store, table)
    assert result.created == ["Billing", "Billing / Invoices", "Billing / Invoices / Tax"]
    assert result.updated == ["Billing / Invoices"]  # created as a parent, then given its own row
    assert sorted(result.people_created) == ["Priya Raman", "Tomás Herrera"]
    assert [(s.row, s.column) for s in result.skipped] == [(4, "path"), (5, "path")]
    assert "appears already in row 3" in result.skipped[1].reason
    tax = by_path(store)["Billing / Invoices / Tax"]
    assert area_record(store, tax)["owners"] == ["Priya Raman"] and tax.glossary == ["VAT", "GST"]
    again = import_areas(store, table)
    assert (again.created, again.updated, again.unchanged, again.people_created) == ([], [], 2, [])
    assert store.count(ProductArea) == 3 and store.count(Person) == 2


def test_a_dry_run_stores_nothing_and_json_imports_the_same(store, tmp_path):
    data = tmp_path / "areas.json"
    data.write_text(json.dumps([{"path": "Payments/Cards", "owners": ["Ana"], "channel": "#payments"}]))
    dry = import_areas(store, data, dry_run=True)
    assert dry.created == ["Payments", "Payments / Cards"] and store.count(ProductArea) == 0
    assert "nothing was stored" in dry.summary()
    real = import_areas(store, data)
    assert real.created == dry.created and by_path(store)["Payments / Cards"].channel == "#payments"
    assert store.undo().label == "imported areas from areas.json"
    assert store.count(ProductArea) == 0


def test_the_real_gitlab_codeowners_becomes_one_area_per_section(store):
    text = GITLAB.read_text()
    sections = {m.group(1) for m in re.finditer(r"^\^?\[([^\]]+)\]", text, re.MULTILINE)}
    result = import_areas(store, GITLAB, format="codeowners")
    areas = by_path(store)
    assert set(areas) == sections | {"Repository"}
    backend = areas["Backend"]
    assert "*.rb" in backend.code_paths
    assert "@gitlab-org/maintainers/rails-backend" in [store.get(p).handle for p in backend.maintainers]
    assert result.unmapped and all("doc" in u or "templates" in u or "deprecations" in u for u in result.unmapped)
    assert not result.skipped
    again = import_areas(store, GITLAB, format="codeowners")
    assert (again.created, again.updated, again.people_created) == ([], [], [])


def test_a_plain_github_codeowners_groups_rules_by_top_directory(store, tmp_path):
    owners = tmp_path / "CODEOWNERS"
    owners.write_text("# team owners\n* @org/everyone\n/app/models/ @org/backend\n/app/views/ @org/frontend\n/docs/ docs@example.com\n*.js @org/frontend\n/legacy/\n")
    result = import_areas(store, owners)
    areas = by_path(store)
    assert set(areas) == {"Repository", "app", "docs"}
    assert areas["app"].code_paths == ["/app/models/", "/app/views/"]
    assert [store.get(p).email for p in areas["docs"].maintainers] == ["docs@example.com"]
    assert result.unmapped == ["line 7: /legacy/"]


def test_a_file_without_a_path_column_is_refused_in_one_line(store, tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("name,owner\nBilling,Ana\n")
    with pytest.raises(InvalidInput, match="no 'path' column"):
        import_areas(store, odd)


def test_the_csv_export_re_imports_to_the_same_map_and_neutralises_formulas(store, tmp_path):
    table = tmp_path / "in.csv"
    table.write_text("path,owners,description\nBilling/Invoices,=Ana,Send invoices\nSearch,,\n")
    import_areas(store, table)
    exported = export_areas(store, "csv")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [r["path"] for r in rows] == ["Billing", "Billing/Invoices", "Search"]
    assert rows[1]["owners"] == "'=Ana"
    md = export_areas(store, "md")
    assert "## Search" in md and "**no active owner**" in md
    assert json.loads(export_areas(store, "json"))[1]["path"] == "Billing / Invoices"
