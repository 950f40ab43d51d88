"""`--map FIELD=PATH` reaches into JSON records (`user.login`, `labels[].name`), a path that finds
nothing is refused in one line naming it, and a CSV column the header repeats keeps every value."""

from __future__ import annotations

import json
import re

import pytest

from prodops_tui.core.errors import InvalidInput
from prodops_tui.core.importers import import_feedback
from prodops_tui.core.importers.reading import read_csv
from prodops_tui.core.model import FeedbackItem

from ...conftest import TEST_DATA

REST = TEST_DATA / "intake" / "github_issues_rest.json"


def rest_records() -> list[dict]:
    assert REST.is_file(), f"the real export {REST} is missing (see tests/data/SOURCES.md)"
    return json.loads(REST.read_text(encoding="utf-8"))


def test_nested_paths_reach_the_login_and_the_label_names(store):
    mapping = {"text": "title", "customer": "user.login", "tags": "labels[].name", "id": "number", "url": "html_url",
               "received": "created_at"}
    result = import_feedback(store, REST, mapping=mapping)
    assert (result.preset, result.imported, len(result.skipped)) == ("generic", 80, 0)  # --map is a generic import: PRs too
    by_url = {item.url: item for item in store.all(FeedbackItem)}
    for record in rest_records():
        item = by_url[record["html_url"]]
        assert item.customer == record["user"]["login"]
        assert item.tags == [label["name"].casefold() for label in record["labels"]]
        assert not any("node_id" in tag or "{" in tag for tag in item.tags)
    # labels.name without [] reads every element too; an index picks one.
    again = import_feedback(store, REST, mapping={**mapping, "tags": "labels.name"}, dry_run=True)
    assert (again.imported, again.duplicates) == (0, 80)  # the same ids: the same keys


def test_an_index_picks_one_element(store):
    result = import_feedback(store, REST, mapping={"text": "title", "tags": "labels[0].name", "id": "number", "url": "html_url"})
    assert result.imported == 80
    first_labels = {r["html_url"]: [r["labels"][0]["name"].casefold()] if r["labels"] else [] for r in rest_records()}
    assert sum(1 for labels in first_labels.values() if labels) == 70
    for item in store.all(FeedbackItem):
        assert item.tags == first_labels[item.url]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("user.logn", "--map customer=user.logn: no value at user.logn in the first 50 rows (user holds "),
        ("user", "--map customer=user: holds objects ("),
        ("labels[]", "--map customer=labels[]: holds objects ("),
        ("usr.login", "--map customer=usr.login: the file has no column 'usr'"),
        ("user..login", "--map ...=user..login: not a path"),
    ],
)
def test_a_path_that_leads_nowhere_or_to_a_record_is_one_line(store, path, message):
    with pytest.raises(InvalidInput, match=re.escape(message)) as caught:
        import_feedback(store, REST, mapping={"text": "title", "customer": path})
    assert "\n" not in str(caught.value)
    assert store.all(FeedbackItem) == []


def test_a_path_the_first_rows_lack_is_refused_even_if_a_later_row_has_it(store, tmp_path):
    rows = [{"text": f"row {n}", "meta": {}} for n in range(60)] + [{"text": "late", "meta": {"who": "kim"}}]
    path = tmp_path / "late.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    with pytest.raises(InvalidInput, match=re.escape("--map customer=meta.who: no value at meta.who in the first 50 rows")):
        import_feedback(store, path, mapping={"text": "text", "customer": "meta.who"})


def test_a_column_whose_name_has_a_dot_is_that_column(store, tmp_path):
    path = tmp_path / "dots.csv"
    path.write_text("msg.body,user.name\nhello,Dana\n", encoding="utf-8")
    result = import_feedback(store, path, mapping={"text": "msg.body", "customer": "user.name"})
    assert result.imported == 1
    (item,) = store.all(FeedbackItem)
    assert (item.text, item.customer) == ("hello", "Dana")


def test_a_repeated_csv_column_keeps_every_value(store, tmp_path):
    # Hand-written, in the shape of Jira's CSV export (a column per label), to pin the rule.
    path = tmp_path / "repeated.csv"
    path.write_text("Summary,Labels,Labels,Labels,Comment,Comment\n"
                    "Export fails,export,\"billing, eu\",,first,second\n"
                    "Slow search,,,search,,\n", encoding="utf-8")
    table = read_csv(path.read_text(encoding="utf-8"), path.name, records=True)
    assert table.rows[0][1] == {"Summary": "Export fails", "Labels": ["export", "billing, eu"], "Comment": ["first", "second"]}
    assert table.rows[1][1] == {"Summary": "Slow search", "Labels": ["search"], "Comment": []}
    result = import_feedback(store, path, mapping={"text": "Summary", "tags": "Labels"})
    assert result.imported == 2
    tags = {item.text: item.tags for item in store.all(FeedbackItem)}
    assert tags == {"Export fails": ["export", "billing, eu"], "Slow search": ["search"]}
    comments = {item.text: item.extra.get("Comment") for item in store.all(FeedbackItem)}
    assert comments == {"Export fails": "first, second", "Slow search": None}


def test_a_key_of_a_list_reads_every_element_as_brackets_do():
    from prodops_tui.core.importers.paths import parse

    record = rest_records()[0]
    columns = list(record)
    assert parse("labels.name", columns).get(record) == parse("labels[].name", columns).get(record) == ["Bug", "worksforme"]
    assert parse("labels[1].name", columns).get(record) == "worksforme"
    assert parse("labels[9].name", columns).get(record) is None
    assert parse("User.Login", columns).get(record) is None  # keys below the top are as written
    assert parse("USER.login", columns).get(record) == "vincent3569"  # the column, as the header spells it
