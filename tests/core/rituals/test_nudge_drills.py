"""enter on a nudge opens exactly the items it counts (issue 31, item 1): on the demo
organisation, every kind of nudge, the inbox's items (an `id:` filter, or the ids themselves
when no filter can say them) are as many as the nudge says and are the ones it means."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from prodops_tui.core.areas.ownership import gaps
from prodops_tui.core.dates import to_iso
from prodops_tui.core.demo import fill_demo
from prodops_tui.core.feedback.filters import apply_filter, parse_filter
from prodops_tui.core.feedback.opportunities import linked_feedback
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.rituals import nudges
from prodops_tui.core.storage.store import Store

from ...conftest import FIXED_NOW, fixed_clock

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)
# Thresholds that make every rule speak on the demo (the defaults leave three quiet).
EVERY_RULE = "[opportunities]\nmin_feedback = 1\n[customer_conversation]\ndays = 0\n[actions]\ndue_within_days = 60\n"
KINDS = {"stale-feedback", "snoozed-due", "unowned-areas", "actions-overdue", "actions-due-soon", "checklist-runs",
         "no-customer-conversation", "opportunity-no-decision"}


@pytest.fixture
def demo(workspace):
    store = Store.open(workspace, clock=fixed_clock)
    fill_demo(store, now=NOW)
    (workspace / nudges.SETTINGS_NAME).write_text(EVERY_RULE, encoding="utf-8")
    yield store
    store.close()


def opened(store: Store, target: nudges.NudgeTarget) -> list[str]:
    """The feedback the inbox lists for an inbox target (view All): the ids themselves when no
    filter says them, else what the filter lets through."""
    if target.shows_ids:
        return list(target.ids)
    chosen = apply_filter(store, store.all(FeedbackItem), parse_filter(target.filter, now_iso=FIXED_NOW))
    return [item.id for item in chosen]


def test_every_kind_of_nudge_opens_as_many_items_as_it_counts(demo):
    found, problems = nudges.all_nudges(demo, NOW)
    assert not problems and {n.rule for n in found} == KINDS
    for nudge in found:
        target = nudge.target
        if target.pane == "inbox":
            shown = opened(demo, target)
            assert len(shown) == nudge.count and sorted(shown) == sorted(target.ids), nudge.title
            if target.filter_exact:  # the filter shown says exactly which
                assert sorted(opened(demo, target)) == sorted(target.ids)
            assert target.label == nudge.title
        elif target.pane == "opportunities":
            opportunity, = target.ids  # go_to shows that one opportunity, with its feedback
            assert len(linked_feedback(demo, opportunity)) == nudge.count
        elif target.pane == "checklists":
            assert target.ids[0].startswith("C-") and len(target.ids) - 1 <= nudge.count  # the checklist, then its runs
        else:  # areas (the gaps), retro actions
            assert len(target.ids) == nudge.count, nudge.title


def test_the_stale_nudge_opens_the_new_items_older_than_a_day_not_every_new_item(demo):
    """The demo's 118 stale items are too many for an id: filter: the inbox gets them as ids, and
    status:new (142 in the demo, items an hour old among them) is only shown beside them."""
    stale = {n.rule: n for n in nudges.all_nudges(demo, NOW)[0]}["stale-feedback"]
    assert stale.target.shows_ids and stale.target.filter == "status:new"
    shown = {i.id: i for i in demo.all(FeedbackItem) if i.id in set(opened(demo, stale.target))}
    cutoff = to_iso(NOW - timedelta(days=1))
    expected = {i.id for i in demo.all(FeedbackItem)
                if i.status == "new" and not i.snoozed_until and i.received_at < cutoff}
    assert set(shown) == expected and len(expected) == stale.count == 118
    every_new = opened(demo, nudges.NudgeTarget("inbox", "status:new"))
    assert len(every_new) > stale.count  # what enter opened before: items received within the day too


def test_a_few_items_are_named_by_an_id_filter_the_inbox_can_show_and_save(demo):
    snoozed = {n.rule: n for n in nudges.all_nudges(demo, NOW)[0]}["snoozed-due"]
    assert snoozed.target.filter_exact and snoozed.target.filter.startswith("id:")
    assert sorted(opened(demo, snoozed.target)) == sorted(snoozed.target.ids) and len(snoozed.target.ids) == snoozed.count


def test_areas_nudge_names_the_gaps_it_counts(demo):
    unowned = {n.rule: n for n in nudges.all_nudges(demo, NOW)[0]}["unowned-areas"]
    found = gaps(demo)
    assert set(unowned.target.ids) == {a.id for a in found.no_owner + found.owner_left}
