"""Ids: the strict reader for typed ids, and the number used to put ids in order. Records as
the stored dicts."""

from __future__ import annotations

import copy
import json

import pytest

from prodops_tui.core.model import RECORD_TYPES, record_number, split_id


@pytest.mark.parametrize(("record_id", "number"), [
    ("F-12", 12), ("OP-3", 3), ("R-2#3", 2),  # a retro card's search document sorts with its retro
    ("F-", 0), ("nothing", 0), ("", 0), ("F-x", 0),
])
def test_record_number_reads_the_number_of_an_id_and_zero_for_anything_else(record_id, number):
    assert record_number(record_id) == number


def test_ids_sort_by_number_not_as_text():
    assert sorted(["F-10", "F-9", "F-100"], key=record_number) == ["F-9", "F-10", "F-100"]


def test_split_id_refuses_what_is_not_an_id():
    assert split_id(" f-12 ") == ("F", 12)
    with pytest.raises(ValueError):
        split_id("F-12#3")


def _mutate(value):
    """Change every list and dict inside `value` in place."""
    if isinstance(value, list):
        for item in value:
            _mutate(item)
        value.append("mutated")
    elif isinstance(value, dict):
        for item in value.values():
            _mutate(item)
        value["mutated"] = True


def test_a_record_as_a_dict_holds_every_field_and_shares_no_list_or_dict_with_it(demo_store):
    """Every kind the demo holds, nested records (retro cards, checklist steps, links) included:
    the dict gives the record back, and changing the dict leaves the record as it was."""
    kinds = 0
    for record_type in RECORD_TYPES:
        records = demo_store.all(record_type)
        kinds += bool(records)
        for record in records:
            before = copy.deepcopy(record)
            doc = record.to_dict()
            assert record_type.from_dict(json.loads(json.dumps(doc))) == record
            _mutate(doc)
            assert record == before, record.id
    assert kinds >= 9
