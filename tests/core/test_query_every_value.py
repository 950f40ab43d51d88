"""Every value of a keyword is read, not only the last: `since:blorp since:2w` is an error
naming blorp, in the inbox filter and `prodops list --filter` (refused) and in search (a hint,
that value left out), as core/query.py says of a value that cannot be read. The last `since:`
alone used to be read, so blorp passed unseen."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from prodops_tui.core import query
from prodops_tui.core.errors import InvalidInput
from prodops_tui.core.feedback import inbox
from prodops_tui.core.feedback.filters import parse_filter

from ..conftest import FIXED_NOW

NOW = datetime.fromisoformat(FIXED_NOW.replace("Z", "+00:00")).astimezone(timezone.utc)
BLORP = "since: cannot read 'blorp' as a date"


@pytest.mark.parametrize("typed", ["since:blorp since:2w", "since:2w since:blorp", "since:3d since:blorp since:2w"])
def test_an_unreadable_since_is_an_error_wherever_it_stands(typed):
    read = query.parse(typed, now=NOW)
    assert len(read.errors) == 1 and read.errors[0].startswith(BLORP)
    with pytest.raises(InvalidInput) as refused:
        parse_filter(typed, now_iso=FIXED_NOW)
    assert str(refused.value).startswith(BLORP)


def test_several_readable_sinces_are_or_ed_as_every_keywords_values_are():
    two_weeks = query.parse("since:2w", now=NOW).since
    assert query.parse("since:3d since:2w", now=NOW).since == two_weeks
    assert query.parse("since:2w since:3d", now=NOW).since == two_weeks


def test_list_refuses_the_filter_in_one_line_naming_the_bad_value(store, prodops):
    inbox.capture(store, "Dunning emails go out twice")
    listed = prodops("list", "feedback", "--filter", "since:blorp since:2w")
    assert listed.returncode != 0 and listed.stdout == ""
    (line,) = listed.stderr.splitlines()
    assert line.startswith(f"prodops: error: {BLORP}")


def test_search_says_the_bad_value_and_searches_with_the_rest(store, prodops):
    item = inbox.capture(store, "Dunning emails go out twice")
    searched = prodops("search", "since:blorp since:2w dunning")
    assert searched.returncode == 0 and item.id in searched.stdout
    assert [line for line in searched.stderr.splitlines() if "blorp" in line] == [f"prodops: hint: {BLORP} (try 3d, 2w, tomorrow, next monday, 2026-12-01)"]
