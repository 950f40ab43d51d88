"""Ids: the strict reader for typed ids, and the number used to put ids in order."""

from __future__ import annotations

import pytest

from prodops_tui.core.model import record_number, split_id


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
