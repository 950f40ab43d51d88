"""Nudges: careful reminders from the data, each rule with a team threshold, at most a few at once.

"Now" is Tuesday 2026-11-24 15:00 UTC; the store's clock is frozen there.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from prodops_tui.core.dates import DateParseError, to_iso
from prodops_tui.core.demo import fill_demo
from prodops_tui.core.errors import InvalidInput, NotFound
from prodops_tui.core.feedback import inbox
from prodops_tui.core.model import (
    ActionItem,
    ChecklistRun,
    ChecklistRunStep,
    ChecklistTemplate,
    FeedbackItem,
    NudgeState,
    Opportunity,
    Person,
    ProductArea,
)
from prodops_tui.core.retro.actions import set_action_status
from prodops_tui.core.rituals import nudges
from prodops_tui.core.storage.store import Store

from ...conftest import FIXED_NOW

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)


def ago(**delta) -> str:
    return to_iso(NOW - timedelta(**delta))


def ahead(**delta) -> str:
    return to_iso(NOW + timedelta(**delta))


def add(store: Store, *records):
    with store.change("test setup", origin="test", history=False) as tx:
        return [tx.add(record) for record in records]


def feedback(received: str, *, status: str = "new", source: str = "support", **fields) -> FeedbackItem:
    return FeedbackItem(text="Export is slow", title="Export is slow", received_at=received, status=status,
                        source=source, **fields)


def settings(store: Store, text: str) -> None:
    (store.directory / nudges.SETTINGS_NAME).write_text(text, encoding="utf-8")


def by_rule(store: Store, now: datetime = NOW) -> dict[str, nudges.Nudge]:
    found, _ = nudges.all_nudges(store, now)
    return {nudge.rule: nudge for nudge in found}


def keys(found: list[nudges.Nudge]) -> list[str]:
    return [nudge.key for nudge in found]


def a_recent_call(store: Store) -> None:
    """So the customer-conversation rule stays quiet in tests about other rules."""
    add(store, feedback(ago(days=2), source="customer call", status="processed"))


# --- the rules, each with and without its condition ------------------------------------------


def test_new_feedback_older_than_a_day_is_stale_and_enter_jumps_to_those_items(store):
    a_recent_call(store)
    old, _fresh, _done, _snoozed = add(
        store,
        feedback(ago(days=3)),
        feedback(ago(hours=12)),
        feedback(ago(days=9), status="processed"),
        feedback(ago(days=9), snoozed_until=ahead(days=2)),
    )
    nudge = by_rule(store)["stale-feedback"]
    assert nudge.key == "stale-feedback" and nudge.count == 1
    assert nudge.title == "1 new feedback item waiting more than 1 day"
    assert nudge.overdue_days == pytest.approx(2.0)
    # Exactly that item (issue 31, item 1): status:new would also hold the one 12 hours old.
    assert nudge.target == nudges.NudgeTarget("inbox", f"id:{old.id}", (old.id,), True, nudge.title)


def test_no_stale_nudge_when_new_feedback_is_younger_than_the_teams_threshold(store):
    a_recent_call(store)
    add(store, feedback(ago(days=2)))
    settings(store, "[stale_feedback]\ndays = 3\n")
    assert "stale-feedback" not in by_rule(store)
    settings(store, "[stale_feedback]\ndays = 1.5\n")
    assert by_rule(store)["stale-feedback"].count == 1


def test_snoozed_feedback_whose_date_came_is_due_again_and_not_also_stale(store):
    a_recent_call(store)
    woke, _later = add(store, feedback(ago(days=20), snoozed_until=ago(days=1)),
                       feedback(ago(days=20), snoozed_until=ahead(days=1)))
    found = by_rule(store)
    assert "stale-feedback" not in found
    nudge = found["snoozed-due"]
    assert (nudge.count, nudge.target.ids, nudge.target.pane) == (1, (woke.id,), "inbox")
    assert nudge.overdue_days == pytest.approx(1.0)
    assert nudge.title == "1 snoozed feedback item due again"


def test_nothing_snoozed_is_due_while_every_snooze_is_in_the_future(store):
    a_recent_call(store)
    add(store, feedback(ago(days=20), snoozed_until=ahead(hours=1)))
    assert "snoozed-due" not in by_rule(store)


def test_areas_without_an_active_owner_nudge_with_their_ids(store):
    a_recent_call(store)
    here, gone = add(store, Person(name="Priya"), Person(name="Hannah", active=False, left_at=ago(days=30)))
    _owned, nobody, left = add(
        store,
        ProductArea(name="Billing", owners=[here.id]),
        ProductArea(name="Search"),
        ProductArea(name="Onboarding", owners=[gone.id]),
    )
    nudge = by_rule(store)["unowned-areas"]
    assert nudge.count == 2 and set(nudge.target.ids) == {nobody.id, left.id} and nudge.target.pane == "areas"
    assert nudge.title == "2 product areas with no active owner"
    assert "Search" in nudge.detail and "owners left: Onboarding" in nudge.detail
    assert nudge.overdue_days == pytest.approx(30.0)  # since the last owner left


def test_every_area_owned_means_no_ownership_nudge_and_min_areas_is_a_threshold(store):
    a_recent_call(store)
    person, = add(store, Person(name="Priya"))
    add(store, ProductArea(name="Billing", owners=[person.id]))
    assert "unowned-areas" not in by_rule(store)
    add(store, ProductArea(name="Search"))
    assert by_rule(store)["unowned-areas"].count == 1
    settings(store, "[unowned_areas]\nmin_areas = 2\n")
    assert "unowned-areas" not in by_rule(store)


def test_open_actions_past_due_are_overdue_and_those_due_this_week_are_due_soon(store):
    a_recent_call(store)
    tomas, = add(store, Person(name="Tomás Herrera"))
    late, _done, soon, _later, _undated = add(
        store,
        ActionItem(text="Quarantine the flaky test", owners=[tomas.id], due=ago(days=4)),
        ActionItem(text="Already done", due=ago(days=9), status="done"),
        ActionItem(text="Invite support to planning", due=ahead(days=2)),
        ActionItem(text="Next month", due=ahead(days=20)),
        ActionItem(text="Some day"),
    )
    found = by_rule(store)
    overdue, due_soon = found["actions-overdue"], found["actions-due-soon"]
    assert overdue.title == "1 action item overdue (oldest 4 days)"
    assert overdue.target == nudges.NudgeTarget("retro", "", (late.id,))
    assert "Tomás Herrera" in overdue.detail and "due 20 Nov" in overdue.detail
    assert due_soon.title == "1 action item due within 7 days" and due_soon.target.ids == (soon.id,)
    assert overdue.score > due_soon.score


def test_the_due_soon_window_and_an_overdue_grace_come_from_the_settings(store):
    a_recent_call(store)
    add(store, ActionItem(text="late", due=ago(days=1)), ActionItem(text="later", due=ahead(days=20)))
    settings(store, "[actions]\ndue_within_days = 30\noverdue_days = 2\n")
    found = by_rule(store)
    assert "actions-overdue" not in found
    assert found["actions-due-soon"].count == 1


def test_no_feedback_from_a_conversation_this_week_nudges_the_weekly_touchpoint(store):
    last, = add(store, feedback(ago(days=10), source="Customer Call", customer="Acme"))
    add(store, feedback(ago(days=1), source="intercom"))
    nudge = by_rule(store)["no-customer-conversation"]
    assert nudge.title == "No customer conversation logged in 10 days"
    assert nudge.detail.startswith(f"last: {last.id} Customer Call, Acme")
    assert nudge.overdue_days == pytest.approx(3.0)
    # enter shows that last conversation, the one item the nudge counts and names.
    assert (nudge.target.pane, nudge.target.ids, nudge.target.filter) == ("inbox", (last.id,), f"id:{last.id}")


@pytest.mark.parametrize("source", ["customer call", "Sales Call", "call", "User interview", "Site visit"])
def test_a_recent_conversation_from_any_conversation_source_keeps_it_quiet(store, source):
    add(store, feedback(ago(days=3), source=source, status="archived"))
    assert "no-customer-conversation" not in by_rule(store)


def test_the_conversation_sources_and_window_are_the_teams(store):
    add(store, feedback(ago(days=3), source="zoom"))
    assert "no-customer-conversation" in by_rule(store)
    settings(store, '[customer_conversation]\nsources = ["Zoom"]\n')
    assert "no-customer-conversation" not in by_rule(store)
    settings(store, '[customer_conversation]\nsources = ["zoom"]\ndays = 2\n')
    assert "no-customer-conversation" in by_rule(store)


def test_an_empty_workspace_has_no_nudges(store):
    assert nudges.all_nudges(store, NOW) == ([], [])
    add(store, feedback(ago(hours=1)))
    assert by_rule(store)["no-customer-conversation"].title == "No customer conversation logged yet"


def test_an_opportunity_with_much_feedback_and_no_decision_nudges(store):
    a_recent_call(store)
    waiting, _decided, _small = add(
        store, Opportunity(title="Bulk export"), Opportunity(title="Dark mode", status="planned", decided_at=ago(days=3)),
        Opportunity(title="Xero"),
    )
    items = [feedback(ago(days=30 - n), status="processed", opportunity=waiting.id, customer=f"C{n}") for n in range(10)]
    items += [feedback(ago(days=5), status="processed", opportunity=_decided.id) for _ in range(12)]
    items += [feedback(ago(days=5), status="processed", opportunity=_small.id) for _ in range(9)]
    add(store, *items)
    found, _ = nudges.all_nudges(store, NOW)
    about = [n for n in found if n.rule == "opportunity-no-decision"]
    assert keys(about) == [f"opportunity-no-decision:{waiting.id}"]
    nudge = about[0]
    assert nudge.count == 10 and nudge.target == nudges.NudgeTarget("opportunities", "", (waiting.id,))
    assert "10 feedback items, no decision" in nudge.title and "10 customers" in nudge.detail
    assert nudge.overdue_days == pytest.approx(21.0)  # since the tenth item came in
    settings(store, "[opportunities]\nmin_feedback = 9\n")
    assert len([n for n in nudges.all_nudges(store, NOW)[0] if n.rule == "opportunity-no-decision"]) == 2


WEEKLY_MONDAY = "DTSTART:20261005T090000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO"


def checklist(**fields) -> ChecklistTemplate:
    return ChecklistTemplate(name="PM weekly hygiene", rrule=WEEKLY_MONDAY, team="Product",
                             created_at="2026-10-01T09:00:00Z", **fields)


def test_a_weekly_checklist_without_a_run_this_week_is_due_and_earlier_weeks_are_missed(store):
    a_recent_call(store)
    template, = add(store, checklist())
    add(store, ChecklistRun(checklist=template.id, due_at="2026-11-09T09:00:00Z", completed_at="2026-11-09T10:00:00Z"))
    nudge = by_rule(store)["checklist-runs"]
    assert nudge.key == f"checklist-runs:{template.id}" and nudge.target.pane == "checklists"
    assert nudge.target.ids[0] == template.id
    assert nudge.title == "PM weekly hygiene: 1 run missed, due, not started"
    assert nudge.overdue_days == pytest.approx(8.25)  # since Mon 16 Nov 09:00


def test_a_completed_run_for_this_week_leaves_no_checklist_nudge(store):
    a_recent_call(store)
    template, = add(store, checklist())
    add(store, ChecklistRun(checklist=template.id, due_at="2026-11-23T09:00:00Z", completed_at="2026-11-23T12:00:00Z"))
    assert "checklist-runs" not in by_rule(store)
    add(store, ChecklistTemplate(name="Definition of done"))  # on demand: never due
    assert "checklist-runs" not in by_rule(store)


def test_a_started_run_shows_its_progress_and_the_grace_days_setting_holds_it_back(store, monkeypatch):
    a_recent_call(store)
    template = checklist(id="C-9")
    run = ChecklistRun(id="CR-4", checklist="C-9", due_at="2026-11-23T09:00:00Z",
                       steps=[ChecklistRunStep(done=True), ChecklistRunStep(), ChecklistRunStep()])
    due = SimpleNamespace(checklist=template, due_at="2026-11-23T09:00:00Z", run=run, missed=False)
    monkeypatch.setattr("prodops_tui.core.rituals.checklists.runs_due", lambda store, now: [due])
    nudge = by_rule(store)["checklist-runs"]
    assert nudge.title == "PM weekly hygiene: due, 1 of 3 steps done"
    assert nudge.target.ids == ("C-9", "CR-4") and nudge.detail == "since Mon 23 Nov (Product)"
    settings(store, "[checklists]\ngrace_days = 2\n")
    assert "checklist-runs" not in by_rule(store)


def test_a_rule_can_be_turned_off_and_its_weight_changed(store):
    a_recent_call(store)
    add(store, feedback(ago(days=3)))
    before = by_rule(store)["stale-feedback"].score
    settings(store, "[stale_feedback]\nweight = 8\n")
    assert by_rule(store)["stale-feedback"].score == pytest.approx(2 * before, abs=0.02)
    settings(store, "[stale_feedback]\nenabled = false\n")
    assert "stale-feedback" not in by_rule(store)


def test_due_soon_actions_have_their_own_weight(store):
    a_recent_call(store)
    add(store, ActionItem(text="late", due=ago(days=1)), ActionItem(text="soon", due=ahead(days=1)))
    assert (by_rule(store)["actions-overdue"].weight, by_rule(store)["actions-due-soon"].weight) == (5, 2)
    settings(store, "[actions]\ndue_soon_weight = 6\n")
    assert (by_rule(store)["actions-overdue"].weight, by_rule(store)["actions-due-soon"].weight) == (5, 6)


# --- bad settings ------------------------------------------------------------------------------


def test_thresholds_that_are_not_numbers_are_one_line_each_and_the_rest_still_applies(store):
    a_recent_call(store)
    add(store, feedback(ago(days=2)), ActionItem(text="x", due=ahead(days=20)))
    settings(store, 'max_shown = "five"\n[stale_feedback]\ndays = "a week"\n[actions]\ndue_within_days = 30\n'
                    'overdue_days = -2\n[opportunities]\nmin_feedback = 2.5\n[unowned_areas]\nenabled = "no"\n')
    listed = nudges.due_nudges(store, NOW)
    path = store.directory / "nudges.toml"
    assert listed.problems == [
        f"{path}: max_shown = 'five' is not a whole number of 0 or more; using the default 5",
        f"{path}: stale_feedback.days = 'a week' is not a number of 0 or more; using the default 1",
        f"{path}: actions.overdue_days = -2 is not a number of 0 or more; using the default 0",
        f"{path}: opportunities.min_feedback = 2.5 is not a whole number of 0 or more; using the default 10",
        f"{path}: unowned_areas.enabled = 'no' is not true or false; using true",
    ]
    found = {n.rule for n in listed.shown}
    assert "stale-feedback" in found  # the default day
    assert "actions-due-soon" in found  # the good key in the same section still applies


def test_unknown_keys_and_bad_source_lists_are_reported_and_ignored(store):
    settings(store, '[stale_feedback]\ndayz = 3\n[customer_conversation]\nsources = "call"\n[mystery]\nx = 1\n')
    _, problems = nudges.load_settings(store.directory)
    assert len(problems) == 3
    assert "stale_feedback.dayz is not a setting" in problems[0]
    assert "customer_conversation.sources = 'call' is not a list of names" in problems[1]
    assert "mystery is not a setting" in problems[2]


def test_a_malformed_settings_file_is_one_line_with_file_and_line_and_defaults_are_used(store):
    a_recent_call(store)
    add(store, feedback(ago(days=2)))
    settings(store, "max_shown = 2\n[stale_feedback]\ndays = = 5\n")
    listed = nudges.due_nudges(store, NOW)
    assert len(listed.problems) == 1
    assert listed.problems[0].startswith(f"{store.directory / 'nudges.toml'}:3: not valid TOML (")
    assert listed.problems[0].endswith("every nudge uses its default thresholds")
    assert [n.rule for n in listed.shown] == ["stale-feedback"]


def test_no_settings_file_means_every_default(store):
    settings_, problems = nudges.load_settings(store.directory)
    assert problems == [] and settings_.max_shown == 5
    assert settings_.get("stale_feedback", "days") == 1 and settings_.get("actions", "due_within_days") == 7
    assert settings_.get("customer_conversation", "days") == 7 and settings_.get("opportunities", "min_feedback") == 10


# --- balance: ranking and max_shown ---------------------------------------------------------------


def test_the_score_grows_with_lateness_weight_and_count_but_lateness_has_diminishing_returns():
    assert nudges.score(5, 0, 1) == 5
    assert nudges.score(5, 1, 1) == 10
    assert nudges.score(5, 7, 1) == 20
    assert nudges.score(5, 0, 10) == 10
    assert nudges.score(4, 60, 1) < nudges.score(4, 0, 1) * 7  # two months late is not 60 times a day


def many_nudges(store: Store) -> None:
    person, = add(store, Person(name="Priya"))
    add(
        store,
        feedback(ago(days=40)),  # stale, long
        feedback(ago(days=20), snoozed_until=ago(days=1)),  # snoozed due
        ProductArea(name="Search"),  # unowned
        ActionItem(text="late", owners=[person.id], due=ago(days=3)),  # overdue
        ActionItem(text="soon", due=ahead(days=3)),  # due soon
        feedback(ago(days=12), source="customer call", status="processed"),  # last conversation 12 days ago
    )


def test_nudges_are_ranked_by_score_and_at_most_max_shown_show(store):
    many_nudges(store)
    listed = nudges.due_nudges(store, NOW)
    everything = listed.shown + listed.more
    assert len(listed.shown) == 5 and listed.held_back == 1
    assert [n.score for n in everything] == sorted((n.score for n in everything), reverse=True)
    assert listed.shown[0].rule == "stale-feedback" and listed.more[0].rule == "actions-due-soon"
    settings(store, "max_shown = 2\n")
    listed = nudges.due_nudges(store, NOW)
    assert (len(listed.shown), listed.held_back) == (2, 4)
    assert len(nudges.due_nudges(store, NOW, limit=10).shown) == 6


# --- acting on a nudge --------------------------------------------------------------------------------


def test_a_dismissed_nudge_stays_quiet_until_a_new_stale_item_joins_it(store):
    a_recent_call(store)
    first, _second = add(store, feedback(ago(days=3)), feedback(ago(days=4)))
    nudge = by_rule(store)["stale-feedback"]
    nudges.dismiss(store, nudge)
    listed = nudges.due_nudges(store, NOW)
    assert "stale-feedback" not in keys(listed.shown) and keys(listed.quiet) == ["stale-feedback"]
    # Triaging one of them is progress, not news: it stays quiet.
    inbox.update(store, [first.id], inbox.Triage(status="processed"))
    assert "stale-feedback" not in keys(nudges.due_nudges(store, NOW).shown)
    # A new stale item is news.
    add(store, feedback(ago(days=2)))
    back = nudges.due_nudges(store, NOW).shown
    assert "stale-feedback" in keys(back) and next(n for n in back if n.key == "stale-feedback").count == 2
    # Time passing makes an item stale that was not before: news too.
    nudges.dismiss(store, by_rule(store)["stale-feedback"])
    add(store, feedback(ago(hours=20)))
    assert "stale-feedback" not in keys(nudges.due_nudges(store, NOW).shown)
    assert "stale-feedback" in keys(nudges.due_nudges(store, NOW + timedelta(hours=5)).shown)


def test_dismissing_is_one_undo_step_and_reuses_one_record_per_nudge(store):
    a_recent_call(store)
    add(store, feedback(ago(days=3)))
    nudge = by_rule(store)["stale-feedback"]
    state = nudges.dismiss(store, nudge)
    assert store.undoable().label.startswith("dismissed nudge: 1 new feedback item")
    again = nudges.dismiss(store, nudge)
    assert again.id == state.id and store.count(NudgeState) == 1
    store.undo()
    store.undo()
    assert store.count(NudgeState) == 0
    assert "stale-feedback" in keys(nudges.due_nudges(store, NOW).shown)


def test_a_snoozed_nudge_is_hidden_until_its_date_and_undo_brings_it_back(store):
    a_recent_call(store)
    add(store, ActionItem(text="late", due=ago(days=2)))
    nudge = by_rule(store)["actions-overdue"]
    state = nudges.snooze(store, nudge, "3d")
    assert state.state == "snoozed" and ahead(days=2) < state.until < ahead(days=4)  # 09:00 local in 3 days
    assert "actions-overdue" not in keys(nudges.due_nudges(store, NOW).shown)
    assert "actions-overdue" not in keys(nudges.due_nudges(store, NOW + timedelta(days=2)).shown)
    assert "actions-overdue" in keys(nudges.due_nudges(store, NOW + timedelta(days=4)).shown)
    assert store.undoable().label.startswith("snoozed nudge until ")
    store.undo()
    assert "actions-overdue" in keys(nudges.due_nudges(store, NOW).shown)


def test_a_snooze_date_that_does_not_parse_or_is_past_is_one_line_and_changes_nothing(store):
    a_recent_call(store)
    add(store, ActionItem(text="late", due=ago(days=2)))
    nudge = by_rule(store)["actions-overdue"]
    with pytest.raises(DateParseError, match="cannot read 'blorp' as a date"):
        nudges.snooze(store, nudge, "blorp")
    with pytest.raises(InvalidInput, match="in the future"):
        nudges.snooze(store, nudge, "yesterday")
    assert store.count(NudgeState) == 0 and store.undoable() is None


def test_restore_shows_a_dismissed_nudge_again(store):
    a_recent_call(store)
    add(store, ActionItem(text="late", due=ago(days=2)))
    nudges.dismiss(store, by_rule(store)["actions-overdue"])
    nudges.restore(store, "actions-overdue")
    assert "actions-overdue" in keys(nudges.due_nudges(store, NOW).shown)
    with pytest.raises(NotFound):
        nudges.restore(store, "actions-overdue")


def test_a_very_large_fact_set_is_kept_as_a_hash_and_any_change_brings_it_back(store):
    a_recent_call(store)
    add(store, *[feedback(ago(days=3)) for _ in range(800)])
    nudge = by_rule(store)["stale-feedback"]
    assert nudge.facts.startswith("sha1:")
    nudges.dismiss(store, nudge)
    assert "stale-feedback" not in keys(nudges.due_nudges(store, NOW).shown)
    add(store, feedback(ago(days=3)))
    assert "stale-feedback" in keys(nudges.due_nudges(store, NOW).shown)


# --- the demo workspace -----------------------------------------------------------------------------------


@pytest.fixture
def demo(tmp_path):
    store = Store.open(tmp_path / "demo", clock=lambda: FIXED_NOW)
    fill_demo(store, now=NOW)
    yield store
    store.close()


def test_the_demo_shows_the_overdue_actions_the_unowned_areas_and_the_stale_feedback(demo):
    listed = nudges.due_nudges(demo)
    shown = {n.rule: n for n in listed.shown}
    assert {"actions-overdue", "unowned-areas", "stale-feedback"} <= set(shown)
    assert len(listed.shown) == 5 and listed.problems == []
    assert shown["actions-overdue"].count == 2
    assert shown["unowned-areas"].count == 4  # three with no owner, one whose owner left
    assert shown["stale-feedback"].count >= 10


def test_triaging_the_stale_demo_feedback_removes_that_nudge(demo):
    stale = nudges.due_nudges(demo).shown
    ids = next(n for n in stale if n.rule == "stale-feedback").target.ids
    inbox.update(demo, list(ids), inbox.Triage(status="archived"))
    assert "stale-feedback" not in [n.rule for n in nudges.due_nudges(demo).shown]


def test_marking_the_overdue_demo_actions_done_removes_that_nudge(demo):
    overdue = next(n for n in nudges.due_nudges(demo).shown if n.rule == "actions-overdue")
    for action_id in overdue.target.ids:
        set_action_status(demo, action_id, "done")
    rules = [n.rule for n in nudges.due_nudges(demo).shown]
    assert "actions-overdue" not in rules and "actions-due-soon" in rules  # it moves up into the five


def test_the_nudges_from_the_cache_columns_build_no_feedback_item_and_equal_those_from_the_records(demo, tmp_path):
    """`prodops nudges` at 100k items: SQLite picks the stale, woken and unassigned items from
    the cache's columns (1.2 s -> 0.7 s by hand); the answer is the one the records give."""
    add(demo, feedback(ago(days=9), snoozed_until=ago(days=3)))  # snoozed, woken 3 days ago
    demo.close()
    fresh = Store.open(tmp_path / "demo", clock=lambda: FIXED_NOW)
    try:
        from_columns, _ = nudges.all_nudges(fresh, NOW)
        assert not fresh.loaded(FeedbackItem) and fresh.loads[FeedbackItem.KIND] == 0
        fresh.load_all()
        from_records, _ = nudges.all_nudges(fresh, NOW)
    finally:
        fresh.close()
    assert {"stale-feedback", "snoozed-due", "unowned-areas"} <= {n.rule for n in from_columns}
    assert [n.to_dict() | {"facts": n.facts} for n in from_columns] == [n.to_dict() | {"facts": n.facts} for n in from_records]
