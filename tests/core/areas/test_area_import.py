"""Importing and exporting the area map: tables, CODEOWNERS (the real GitLab file), round trips."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace

import pytest

from prodops_tui.core.areas.export import export_areas
from prodops_tui.core.areas.lookup import area_path
from prodops_tui.core.areas.ownership import area_record
from prodops_tui.core.errors import InvalidInput
from prodops_tui.core.importers import import_areas
from prodops_tui.core.model import CodeOwnersFile, Person, ProductArea

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


def test_the_real_gitlab_codeowners_becomes_one_area_per_section_its_handles_owners(store):
    text = GITLAB.read_text()
    sections = {m.group(1) for m in re.finditer(r"^\^?\[([^\]]+)\]", text, re.MULTILINE)}
    result = import_areas(store, GITLAB)
    assert result.format == "codeowners" and result.grouping == "section" and result.role == "owners"
    areas = by_path(store)
    # The rules above the first [Section] header: named so a reader can find them in the file.
    assert set(areas) == sections | {"CODEOWNERS (no section)"}
    assert areas["CODEOWNERS (no section)"].code_paths[:3] == ["*", ".gitlab/CODEOWNERS", "GITALY_SERVER_VERSION"]
    backend = areas["Backend"]
    assert backend.code_paths == ["*.rb", "*.rake"]
    assert [store.get(p).handle for p in backend.owners] == ["@gitlab-org/maintainers/rails-backend"]
    assert backend.maintainers == []
    # The five rules under "Files that are excluded from required approval" name no owner.
    assert [u.split(":")[0] for u in result.unowned] == ["line 13", "line 14", "line 15", "line 16", "line 17"]
    assert not result.skipped and not result.problems
    rules = store.all(CodeOwnersFile)[0]
    assert (rules.name, rules.flavor, len(rules.rules), len(rules.sections)) == ("gitlab_CODEOWNERS", "gitlab", 66, 22)
    frontend = next(s for s in rules.sections if s.name == "Frontend")
    assert (frontend.optional, frontend.approvals, frontend.owners, frontend.line) == (True, 1, ["@gitlab-org/maintainers/frontend"], 30)
    assert {rule.area for rule in rules.rules if rule.section == "Backend"} == {backend.id}
    again = import_areas(store, GITLAB)
    assert (again.created, again.updated, again.people_created, again.rules_added) == ([], [], [], [])


def test_a_newer_file_updates_the_rules_says_what_changed_and_keeps_what_pms_added(store, tmp_path):
    owners = tmp_path / "CODEOWNERS"
    owners.write_text("* @org/everyone\n/app/ @org/backend\n/docs/ @org/docs\n")
    import_areas(store, owners)
    app = by_path(store)["app"]
    with store.change("PM notes") as tx:
        maria = tx.add(Person(name="Maria Lopez"))
        tx.put(replace(app, description="The Rails app", glossary=["backend"], influencers=[maria.id],
                       owners=[*app.owners, maria.id]))
    owners.write_text("* @org/everyone\n/app/ @org/backend @org/platform\n/api/ @org/api\n")
    result = import_areas(store, owners)
    assert result.rules_added == ["line 3: /api/ @org/api"]
    assert result.rules_removed == ["line 3: /docs/ @org/docs"]
    assert result.rules_changed == ["line 2: /app/ @org/backend @org/platform (was @org/backend)"]
    app = by_path(store)["app"]
    assert (app.description, app.glossary, app.influencers) == ("The Rails app", ["backend"], [maria.id])
    assert [store.get(p).name for p in app.owners] == ["org/backend", "org/platform", "Maria Lopez"]


def test_a_plain_github_codeowners_groups_rules_by_top_directory(store, tmp_path):
    owners = tmp_path / "CODEOWNERS"
    owners.write_text("# team owners\n* @org/everyone\n/app/models/ @org/backend\n/app/views/ @org/frontend\n"
                      "/docs/ docs@example.com\n*.js @org/frontend\n/legacy/\n/deps @org/deps\nSecurity\\ Fix.md @sec\n")
    result = import_areas(store, owners)
    areas = by_path(store)
    assert result.grouping == "folder"  # one comment is no set of headings
    assert set(areas) == {"CODEOWNERS (top level)", "app", "docs", "legacy", "deps"}
    assert areas["app"].code_paths == ["/app/models/", "/app/views/"]
    assert areas["CODEOWNERS (top level)"].code_paths == ["*", "*.js", "Security\\ Fix.md"]  # the escape kept
    assert [store.get(p).email for p in areas["docs"].owners] == ["docs@example.com"]
    assert areas["legacy"].owners == []  # un-owned by its rule: a gap the map shows
    assert result.unowned == ["line 7: /legacy/"]


def test_comment_headings_group_a_github_file_when_most_rules_sit_under_one(store, tmp_path):
    owners = tmp_path / "CODEOWNERS"
    owners.write_text("# Backend code\n/app/ @org/backend\n/lib/ @org/backend\n\n# CI/CD\n/.github/ @org/infra\n"
                      "# Note: keep this list sorted, and ask #infra before adding a team here, thanks\n/ci/ @org/infra\n")
    result = import_areas(store, owners)
    assert result.grouping == "comment"
    areas = by_path(store)
    assert set(areas) == {"Backend code", "CI-CD"}
    assert areas["CI-CD"].code_paths == ["/.github/", "/ci/"]  # a long note is not a heading
    folders = import_areas(store, owners, group_by="folder", dry_run=True)
    assert folders.created == ["app", "lib", ".github", "ci"]
    # Rules above the first heading are filed under a name that says so, not under a made-up one.
    owners.write_text("* @org/everyone\n" + owners.read_text())
    assert import_areas(store, owners, dry_run=True).created == ["CODEOWNERS (no heading)"]


def test_a_codeowners_file_is_recognised_by_its_content_and_other_files_are_not(store, tmp_path):
    named_oddly = tmp_path / "owners.txt"
    named_oddly.write_text("# owners\n/app/ @org/backend\n*.md docs@example.com\n")
    assert import_areas(store, named_oddly).format == "codeowners"
    prose = tmp_path / "notes.txt"
    prose.write_text("Billing is owned by Priya\n")
    with pytest.raises(InvalidInput, match="cannot tell the format"):
        import_areas(store, prose)


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


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_re_imports_with_handles_roles_rules_and_sections(store, tmp_path, fmt):
    from prodops_tui.core.areas.rules import owners_of_path, path_record
    from prodops_tui.core.storage.store import Store

    import_areas(store, GITLAB)
    with store.change("a PM adds an influencer") as tx:
        ana = tx.add(Person(name="Ana Souza", handle="@ana"))
        backend = by_path(store)["Backend"]
        tx.put(replace(backend, influencers=[ana.id], description="Rails"))
    exported = tmp_path / f"areas.{fmt}"
    exported.write_text(export_areas(store, fmt))
    other = Store.open(tmp_path / "other", clock=lambda: "2026-12-02T10:00:00Z")
    result = import_areas(other, exported)
    assert not result.skipped and result.rules == 66
    paths = ["lib/gitlab/database/x.rb", "app/assets/javascripts/notes/a.js", "doc/api/x.md", "Dangerfile"]
    for path in paths:
        mine, theirs = path_record(store, owners_of_path(store, path)), path_record(other, owners_of_path(other, path))
        assert [dict(a, id=None) for a in mine.pop("areas")] == [dict(a, id=None) for a in theirs.pop("areas")]
        assert mine == theirs
    copy = by_path(other)["Backend"]
    assert [other.get(p).handle for p in copy.owners] == ["@gitlab-org/maintainers/rails-backend"]
    assert [(other.get(p).name, other.get(p).handle) for p in copy.influencers] == [("Ana Souza", "@ana")]
    mine, theirs = store.all(CodeOwnersFile)[0], other.all(CodeOwnersFile)[0]
    assert [(s.name, s.optional, s.approvals, s.owners, s.line) for s in mine.sections] == \
           [(s.name, s.optional, s.approvals, s.owners, s.line) for s in theirs.sections]
    assert [(r.pattern, r.owners, r.line, r.section, r.exclusion) for r in mine.rules] == \
           [(r.pattern, r.owners, r.line, r.section, r.exclusion) for r in theirs.rules]
    again = import_areas(other, exported)
    assert (again.created, again.updated, again.rules_added, again.rules_changed) == ([], [], [], [])
