"""`prodops list feedback --json` and `prodops export feedback` write their items as they read
them (issue 29: at a million items `list --json` held every item and the whole JSON text at
once, 2.5 GB), and the text is what one dump of the whole list gave: scripts read it as before."""

from __future__ import annotations

import csv
import io
import json

from prodops_tui.core.feedback import inbox
from prodops_tui.core.feedback.exporters import feedback_record
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store
from prodops_tui.core.text import neutralise_cell

from ..conftest import TEST_DATA, fixed_clock

APP_REVIEWS = TEST_DATA / "app_store_reviews.csv"
SUPPORT_TWEETS = TEST_DATA / "support_tweets.csv"


def _records(workspace, status: str, keep=lambda item: True) -> list[dict]:
    store = Store.open(workspace, clock=fixed_clock)
    records = [feedback_record(store, item) for item in inbox.list_feedback(store, status=status) if keep(item)]
    store.close()
    return records


def _one_dump(workspace, status: str, keep=lambda item: True) -> str:
    return json.dumps(_records(workspace, status, keep), ensure_ascii=False, indent=2) + "\n"


def _one_csv(records: list[dict]) -> str:
    """The export's CSV as it was made before it streamed: every row written at once."""
    columns = ("id", "title", "text", "customer", "source", "area", "tags", "importance", "status", "received_at",
               "created_at", "triaged_at", "snoozed_until", "opportunity", "duplicate_of", "url", "votes", "source_key",
               "upstream_state")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([neutralise_cell("; ".join(map(str, value)) if isinstance(value, list) else "" if value is None else str(value))
                         for value in (record[column] for column in columns)])
    return out.getvalue()


def test_the_listed_json_is_one_dump_of_the_list_byte_for_byte(prodops, workspace):
    for path in (APP_REVIEWS, SUPPORT_TWEETS):
        assert prodops("import", "feedback", str(path)).returncode == 0
    assert prodops("update", "F-3", "F-9", "--status", "processed", "--tag", "[bold]export[/]").returncode == 0
    listed = prodops("list", "feedback", "--status", "all", "--json")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == _one_dump(workspace, "all")
    assert len(json.loads(listed.stdout)) == 849
    one_star = prodops("list", "feedback", "--json", "--filter", "rating:1")
    assert one_star.stdout == _one_dump(workspace, "new", lambda item: item.rating == 1)
    assert 0 < len(json.loads(one_star.stdout)) < 800


def test_the_exported_csv_and_json_are_the_whole_list_s_byte_for_byte(prodops, workspace, tmp_path):
    for path in (APP_REVIEWS, SUPPORT_TWEETS):
        assert prodops("import", "feedback", str(path)).returncode == 0
    assert prodops("update", "F-3", "--tag", "=cmd|' /C calc'!A0", "--tag", "billing").returncode == 0
    records = _records(workspace, "new")
    assert len(records) == 849
    exported = tmp_path / "out.csv"
    assert prodops("export", "feedback", "--format", "csv", "-o", str(exported)).returncode == 0
    assert exported.read_text(encoding="utf-8") == _one_csv(records)
    assert "'=cmd|" in exported.read_text(encoding="utf-8")  # a formula is still neutralised
    as_json = prodops("export", "feedback", "--format", "json")
    assert as_json.stdout == json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def test_an_empty_list_is_an_empty_array(prodops):
    listed = prodops("list", "feedback", "--json")
    assert (listed.returncode, listed.stdout) == (0, "[]\n")


def test_listing_as_json_reads_the_items_a_page_at_a_time(prodops, monkeypatch):
    """The items come from the cache in the view's order, never the whole kind in memory."""
    assert prodops("import", "feedback", str(APP_REVIEWS)).returncode == 0
    whole: list[str] = []
    real_all = Store.all
    monkeypatch.setattr(Store, "all", lambda self, record_type: (whole.append(record_type.KIND), real_all(self, record_type))[1])
    listed = prodops("list", "feedback", "--json")
    assert len(json.loads(listed.stdout)) == 800
    exported = prodops("export", "feedback", "--format", "csv")
    assert len(list(csv.reader(io.StringIO(exported.stdout)))) == 801
    assert FeedbackItem.KIND not in whole


def test_a_bad_area_is_refused_before_anything_is_written(prodops, tmp_path):
    prodops("capture", "one")
    kept = tmp_path / "kept.csv"
    kept.write_text("what was there\n")
    for command in (("list", "feedback", "--json"), ("export", "feedback", "--format", "csv"),
                    ("export", "feedback", "--format", "csv", "-o", str(kept))):
        refused = prodops(*command, "--area", "Nowhere")
        assert refused.returncode == 1 and refused.stdout == ""
        assert refused.stderr.startswith("prodops: error: ") and refused.stderr.count("\n") == 1
    assert kept.read_text() == "what was there\n"
