"""The labelled issue pairs (tests/data/issue_pairs_labelled.csv) and the real tracker exports
they name are intact: every pair names two issues that exist, each label is yes or no, no pair
is listed twice, and there are enough of each label to measure duplicate detection on.

Data only; how duplicate detection does on these pairs is tested elsewhere."""

from __future__ import annotations

import csv
import json

import pytest

from ...conftest import TEST_DATA

PAIRS = TEST_DATA / "issue_pairs_labelled.csv"
HEADER = ["pair", "file_a", "id_a", "file_b", "id_b", "same_feedback", "why"]


def read_pairs() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == HEADER
        return list(reader)


def read_issues(filename: str) -> dict[int, dict]:
    path = TEST_DATA / filename
    assert path.is_file(), f"{filename} is named in {PAIRS.name} but missing (see tests/data/SOURCES.md)"
    issues: dict[int, dict] = {}
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            issue = json.loads(line)
            assert isinstance(issue["number"], int), f"{filename}:{line_number}"
            assert isinstance(issue["title"], str) and issue["title"].strip(), f"{filename}:{line_number}"
            assert isinstance(issue["body"], str), f"{filename}:{line_number}"
            assert issue["number"] not in issues, f"{filename}: {issue['number']} is there twice"
            issues[issue["number"]] = issue
    return issues


@pytest.fixture(scope="module")
def pairs() -> list[dict[str, str]]:
    return read_pairs()


def test_every_issue_a_pair_names_exists_in_its_export(pairs):
    exports = {name: read_issues(name) for row in pairs for name in (row["file_a"], row["file_b"])}
    missing = [
        (row["pair"], row[f"file_{side}"], row[f"id_{side}"])
        for row in pairs
        for side in ("a", "b")
        if int(row[f"id_{side}"]) not in exports[row[f"file_{side}"]]
    ]
    assert missing == []


def test_labels_are_yes_or_no_and_each_says_why(pairs):
    assert {row["same_feedback"] for row in pairs} <= {"yes", "no"}
    assert all(row["why"].strip() for row in pairs)


def test_enough_pairs_of_each_label(pairs):
    labels = [row["same_feedback"] for row in pairs]
    assert len(pairs) >= 150
    assert labels.count("yes") >= 50
    assert labels.count("no") >= 50


def test_no_pair_is_listed_twice_nor_pairs_an_issue_with_itself(pairs):
    keys = [frozenset({(row["file_a"], row["id_a"]), (row["file_b"], row["id_b"])}) for row in pairs]
    assert all(len(key) == 2 for key in keys)
    assert len(set(keys)) == len(keys)
    assert [row["pair"] for row in pairs] == [str(n) for n in range(1, len(pairs) + 1)]
