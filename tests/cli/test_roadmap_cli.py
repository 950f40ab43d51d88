"""`prodops link`, `unlink`, `told` and `export loop` from a shell, on the demo workspace: an
opportunity linked to its tracker issue, shipped, and every asking account told."""

from __future__ import annotations

import csv
import io
import json
import stat

import pytest

from prodops_tui.core.model import Opportunity
from prodops_tui.core.storage.store import Store

from ..conftest import fixed_clock
from .test_cli import assert_one_line_error

ISSUE = "https://github.com/northwind/ledger/issues/412"


@pytest.fixture
def demo(prodops):
    assert prodops("demo").returncode == 0
    return prodops


def stored(workspace, opportunity_id: str) -> Opportunity:
    store = Store.open(workspace, clock=fixed_clock)
    try:
        found = store.get(opportunity_id)
        assert isinstance(found, Opportunity)
        return found
    finally:
        store.close()


def test_link_then_link_again_then_unlink(demo, workspace):
    linked = demo("--as", "Ana Souza", "link", "O-1", ISSUE + "#issuecomment-1")
    assert (linked.returncode, linked.stdout) == (0, f"O-1 linked to northwind/ledger#412 ({ISSUE})\n"), linked.stderr
    (link,) = stored(workspace, "O-1").links
    assert (link.tracker, link.key, link.url, link.linked_by) == ("github", "northwind/ledger#412", ISSUE, "Ana Souza")

    again = demo("link", "o-1", ISSUE)
    assert (again.returncode, again.stdout) == (0, "O-1 is already linked to northwind/ledger#412\n")
    assert len(stored(workspace, "O-1").links) == 1

    as_json = demo("link", "O-1", "https://gitlab.com/northwind/ledger/-/issues/7", "--json")
    assert [entry["key"] for entry in json.loads(as_json.stdout)] == ["northwind/ledger#412", "northwind/ledger#7"]

    unlinked = demo("unlink", "O-1", "northwind/ledger#412")
    assert (unlinked.returncode, unlinked.stdout) == (0, f"O-1 unlinked from northwind/ledger#412 ({ISSUE})\n")
    assert [entry.key for entry in stored(workspace, "O-1").links] == ["northwind/ledger#7"]

    store = Store.open(workspace, clock=fixed_clock)
    store.undo()  # the same undo record as the app's
    assert [entry.key for entry in store.get("O-1").links] == ["northwind/ledger#412", "northwind/ledger#7"]
    store.close()


def test_another_site_is_linked_with_a_note(demo):
    result = demo("link", "O-2", "https://www.notion.so/northwind/Instalments-123")
    assert result.returncode == 0
    assert result.stderr == "prodops: note: kept as a link; prodops reads the state of GitHub, GitLab and Jira issues only\n"


@pytest.mark.parametrize(("args", "message"), [
    (("link", "O-99", ISSUE), "no opportunity O-99"),
    (("link", "O-1", "PROJ-7"), "PROJ-7 is a Jira key but no Jira sync in this workspace says which site it is on"),
    (("link", "O-1", "ftp://files.example/1"), "is not an http(s) URL"),
    (("link", "O-1", "https://github.com/a/b/issues/1\x1b[2J"), "control character"),
    (("unlink", "O-1", "northwind/ledger#1"), "O-1 has no link to 'northwind/ledger#1' (its links: none)"),
])
def test_a_bad_link_is_one_line_and_changes_nothing(demo, workspace, args, message):
    result = demo(*args)
    line = assert_one_line_error(result)
    assert message in line and "\x1b" not in line
    assert stored(workspace, "O-1").links == []


def test_told_records_each_account_once_and_says_who_is_left(demo, workspace):
    # O-4 shipped in the demo: Driftwood Media, Emberline Fitness, Juniper Health Partners (Tom Rossi), ...
    told = demo("--as", "Ana Souza", "told", "O-4", "driftwood media", "Tom Rossi")
    assert told.returncode == 0, told.stderr
    assert told.stdout == "O-4: told Driftwood Media (F-311), Juniper Health Partners (F-94)\nO-4: 3 accounts still to tell\n"
    assert [(t.account, t.told_by, t.told_at) for t in stored(workspace, "O-4").told] == [
        ("Driftwood Media", "Ana Souza", "2026-11-24T15:00:00Z"), ("Juniper Health Partners", "Ana Souza", "2026-11-24T15:00:00Z")]

    again = demo("told", "O-4", "Driftwood Media")
    assert again.returncode == 0
    assert again.stderr == "prodops: note: Driftwood Media was already told about O-4 on 2026-11-24 by Ana Souza\n"
    assert len(stored(workspace, "O-4").told) == 2

    unknown = demo("told", "O-4", "Kestrel", "Northgate Wholesale")
    line = assert_one_line_error(unknown)
    assert "no account of O-4 matches 'Kestrel'; it could be: Kestrel Aviation Services" in line
    assert len(stored(workspace, "O-4").told) == 2  # Northgate was not recorded either

    as_json = json.loads(demo("told", "O-4", "Kestrel Aviation Services", "Emberline Fitness", "Northgate Wholesale", "--json").stdout)
    assert [t["account"] for t in as_json["told"]] == ["Kestrel Aviation Services", "Emberline Fitness", "Northgate Wholesale"]
    assert demo("told", "O-4", "Driftwood Media").stdout.endswith("O-4: every account that asked was told\n")


def test_told_before_shipping_and_without_a_customer_are_refused(demo):
    assert "O-1 has not shipped (in progress)" in assert_one_line_error(demo("told", "O-1", "Acme Freight"))
    assert demo("told", "O-4").returncode == 2  # CUSTOMER is required


def test_export_loop_as_csv_to_a_private_file_and_as_markdown(demo, tmp_path, utc_local_zone):
    demo("told", "O-4", "Driftwood Media")
    target = tmp_path / "loop.csv"

    written = demo("export", "loop", "-o", str(target))

    assert (written.returncode, written.stdout) == (0, "")
    assert stat.S_IMODE(target.stat().st_mode) & 0o077 == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(row["opportunity"], row["customer"], row["told_by"]) for row in rows][:2] == [
        ("O-4", "Driftwood Media", "Sam Tester"), ("O-4", "Emberline Fitness", "")]
    assert {row["contact"] for row in rows} <= {"support", "intercom", "NPS survey", "email", "customer call", "sales call",
                                                "twitter", "app review"}  # the demo's feedback came through channels

    markdown = demo("export", "loop", "O-4", "--format", "md")
    assert markdown.stdout.startswith("# Close the loop: O-4 Smarter dunning schedules\n")
    assert "| Driftwood Media | Freya Doyle | support | F-311 | 2026-11-24 by Sam Tester |" in markdown.stdout
    assert "5 accounts asked: 1 told, 4 to tell." in markdown.stdout


def test_export_loop_refuses_what_it_cannot_write(demo):
    wrong = demo("export", "loop", "--format", "json")  # wrong usage: the usage, then one line
    assert wrong.returncode == 2
    assert wrong.stderr.splitlines()[-1] == "prodops: error: the close-the-loop list exports as csv or md, not 'json'"
    assert "no opportunity O-99" in assert_one_line_error(demo("export", "loop", "O-99"))


def test_the_report_shows_the_roadmap_figures_after_a_link_a_ship_and_a_tell(demo):
    before = json.loads(demo("report", "--format", "json").stdout)["figures"]
    assert demo("link", "O-1", ISSUE).returncode == 0
    after = json.loads(demo("report", "--format", "json").stdout)["figures"]
    assert after["feedback_reached_roadmap"]["value"] > before["feedback_reached_roadmap"]["value"]
    assert after["feedback_reached_roadmap"]["section"] == "roadmap"
