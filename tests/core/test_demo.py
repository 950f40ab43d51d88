"""User stories for prodops_tui.core.demo: `prodops demo` fills an empty workspace with Northwind Ledger.

"Now" is Tuesday 2026-11-24 15:00 UTC and the store's clock is frozen there, so every record is reproducible.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from dateutil.rrule import rrulestr

from prodops_tui.core.demo import DUPLICATE_PAIRS, SEEDED_GAPS, DemoSummary, fill_demo
from prodops_tui.core.model import (
    ACTION_STATUSES,
    OPPORTUNITY_STATUSES,
    RECORD_TYPES,
    ActionItem,
    Change,
    ChecklistRun,
    ChecklistTemplate,
    FeedbackItem,
    Opportunity,
    Person,
    ProductArea,
    Retro,
)
from prodops_tui.core.storage.store import Store

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)
NOW_ISO = "2026-11-24T15:00:00Z"
ISO_PATTERN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def open_store(path) -> Store:
    return Store.open(path, clock=lambda: NOW_ISO)


def parse(value: str) -> datetime:
    assert ISO_PATTERN.match(value), value
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def snapshot(store: Store) -> dict[str, list[dict]]:
    return {kind.KIND: [r.to_dict() for r in sorted(store.all(kind), key=lambda r: r.number)] for kind in RECORD_TYPES}


def path_of(store: Store, area: ProductArea) -> str:
    names = [area.name]
    while area.parent:
        area = store.get(area.parent)
        names.append(area.name)
    return " / ".join(reversed(names))


@pytest.fixture
def demo(tmp_path):
    store = open_store(tmp_path / "ws")
    summary = fill_demo(store, now=NOW)
    yield store, summary
    store.close()


# --- what the user gets -------------------------------------------------------


def test_the_demo_fills_a_plausible_organisation_and_reports_the_counts(demo):
    store, summary = demo
    assert 13 <= summary.people <= 18
    assert 22 <= summary.areas <= 30
    assert 380 <= summary.feedback <= 420
    assert 5 <= summary.opportunities <= 6
    assert summary.retros == 2
    assert 5 <= summary.actions <= 8
    assert 4 <= summary.checklists <= 5
    assert 3 <= summary.checklist_runs <= 5
    assert summary == DemoSummary(
        areas=store.count(ProductArea),
        people=store.count(Person),
        feedback=store.count(FeedbackItem),
        opportunities=store.count(Opportunity),
        retros=store.count(Retro),
        actions=store.count(ActionItem),
        checklists=store.count(ChecklistTemplate),
        checklist_runs=store.count(ChecklistRun),
    )
    described = summary.describe()
    assert f"{summary.areas} areas" in described
    assert f"{summary.people} people" in described
    assert f"{summary.feedback} feedback items" in described
    assert f"{summary.checklist_runs} checklist runs" in described


def test_describe_uses_the_singular_for_one():
    summary = DemoSummary(areas=1, people=1, feedback=1, opportunities=1, retros=1, actions=1, checklists=1,
                          checklist_runs=1)
    assert summary.describe() == (
        "1 area, 1 person, 1 feedback item, 1 opportunity, 1 retro, 1 action item, 1 checklist and 1 checklist run"
    )


def test_the_same_now_and_seed_give_identical_records(demo, tmp_path):
    store, _ = demo
    again = open_store(tmp_path / "again")
    fill_demo(again, now=NOW, seed=2026)
    assert snapshot(again) == snapshot(store)
    other = open_store(tmp_path / "other")
    fill_demo(other, now=NOW, seed=7)
    assert snapshot(other)["feedback"] != snapshot(store)["feedback"]


def test_reopening_the_workspace_from_disk_shows_the_same_records(demo, tmp_path):
    store, summary = demo
    reopened = open_store(tmp_path / "ws")
    assert reopened.count(FeedbackItem) == summary.feedback
    assert reopened.count(ProductArea) == summary.areas
    assert reopened.count(Person) == summary.people
    assert snapshot(reopened) == snapshot(store)
    reopened.close()


def test_the_demo_leaves_the_undo_history_empty(demo):
    store, _ = demo
    assert store.all(Change) == []
    assert store.undoable() is None


def test_a_workspace_that_already_holds_feedback_or_areas_is_refused(tmp_path):
    store = open_store(tmp_path / "ws")
    with store.change("captured", origin="cli") as tx:
        tx.add(FeedbackItem(text="Export please", received_at=NOW_ISO))
    with pytest.raises(ValueError, match="already holds"):
        fill_demo(store, now=NOW)
    assert store.count(Person) == 0 and store.count(FeedbackItem) == 1

    areas_only = open_store(tmp_path / "areas")
    with areas_only.change("imported areas", origin="cli") as tx:
        tx.add(ProductArea(name="Billing"))
    with pytest.raises(ValueError):
        fill_demo(areas_only, now=NOW)


def test_filling_twice_is_refused(demo):
    store, _ = demo
    with pytest.raises(ValueError):
        fill_demo(store, now=NOW)


# --- integrity ----------------------------------------------------------------


def test_every_id_reference_resolves_to_a_record_of_the_right_kind(demo):
    store, _ = demo

    def kind_of(record_id, kind):
        return isinstance(store.get(record_id), kind)

    for area in store.all(ProductArea):
        assert area.parent is None or kind_of(area.parent, ProductArea)
        for person_id in area.owners + area.maintainers + area.designers + area.influencers:
            assert kind_of(person_id, Person), (area.name, person_id)
    for item in store.all(FeedbackItem):
        assert item.area is None or kind_of(item.area, ProductArea)
        assert item.opportunity is None or kind_of(item.opportunity, Opportunity)
        assert item.duplicate_of is None or kind_of(item.duplicate_of, FeedbackItem)
        assert all(kind_of(i, FeedbackItem) for i in item.merged_from)
    for opportunity in store.all(Opportunity):
        assert kind_of(opportunity.area, ProductArea)
    for action in store.all(ActionItem):
        assert kind_of(action.retro, Retro)
        assert action.owners and all(kind_of(p, Person) for p in action.owners)
        assert action.area is None or kind_of(action.area, ProductArea)
    for run in store.all(ChecklistRun):
        assert kind_of(run.checklist, ChecklistTemplate)
    for retro in store.all(Retro):
        assert retro.area is None or kind_of(retro.area, ProductArea)
        groups = [g.number for g in retro.groups]
        assert all(card.group is None or card.group in groups for card in retro.cards)
        assert all(card.column in retro.columns for card in retro.cards)
        assert all(card.author in ("", *retro.participants) for card in retro.cards)
        assert [c.number for c in retro.cards] == list(range(1, len(retro.cards) + 1))


def test_the_area_tree_has_two_or_three_levels_and_unique_paths(demo):
    store, _ = demo
    areas = store.all(ProductArea)
    paths = [path_of(store, a) for a in areas]
    assert len(set(paths)) == len(paths)
    depths = Counter(p.count(" / ") + 1 for p in paths)
    assert set(depths) == {1, 2, 3}
    assert "Billing / Invoices / Tax" in paths
    for area in areas:
        assert area.description and area.team and area.channel.startswith("#")
        assert area.docs and all(d.startswith("https://wiki.example.com/") for d in area.docs)
        assert area.glossary and area.code_paths
    assert sum(len(a.owners) == 2 for a in areas) in (1, 2)


def test_all_times_are_utc_iso_and_nothing_happens_after_now(demo):
    store, _ = demo
    for kind in RECORD_TYPES:
        for record in store.all(kind):
            assert parse(record.created_at) <= NOW
            assert record.updated_at == NOW_ISO
    for item in store.all(FeedbackItem):
        received = parse(item.received_at)
        assert NOW - timedelta(days=90) <= received <= NOW
        if item.triaged_at:
            assert received <= parse(item.triaged_at) <= NOW
        if item.snoozed_until:
            parse(item.snoozed_until)
    for person in store.all(Person):
        assert person.left_at is None or parse(person.left_at) <= NOW
    for action in store.all(ActionItem):
        for value in (action.due, action.done_at):
            assert value is None or parse(value)
    for retro in store.all(Retro):
        assert parse(retro.held_on) <= NOW
        assert retro.closed_at is None or parse(retro.held_on) <= parse(retro.closed_at) <= NOW
        assert all(parse(card.created_at) <= NOW for card in retro.cards)
    for run in store.all(ChecklistRun):
        parse(run.due_at)
        assert all(parse(step.done_at) <= NOW for step in run.steps if step.done)


# --- people and areas ---------------------------------------------------------


def test_people_have_handles_emails_and_some_have_left(demo):
    store, _ = demo
    people = store.all(Person)
    assert all(p.handle.startswith("@") and p.email.endswith("@northwindledger.example") for p in people)
    assert len({p.handle for p in people}) == len(people)
    assert all(p.name and p.team and p.role for p in people)
    left = [p for p in people if not p.active]
    assert 1 <= len(left) <= 2
    assert all(p.left_at for p in left) and all(p.left_at is None for p in people if p.active)
    roles = " ".join(p.role for p in people)
    for role in ("VP Product", "Product Manager", "Engineering Lead", "Designer", "Product Operations"):
        assert role in roles


def test_priya_owns_the_invoicing_area_and_several_more(demo):
    store, _ = demo
    priya = [p for p in store.all(Person) if p.name.split()[0] == "Priya"]
    assert len(priya) == 1 and priya[0].active
    invoices = [a for a in store.all(ProductArea) if a.name == "Invoices"]
    assert len(invoices) == 1 and priya[0].id in invoices[0].owners
    assert sum(priya[0].id in a.owners for a in store.all(ProductArea)) >= 3


def test_the_seeded_gaps_are_exactly_the_documented_ones(demo):
    store, _ = demo
    active = {p.id for p in store.all(Person) if p.active}
    areas = {path_of(store, a): a for a in store.all(ProductArea)}
    no_owner = sorted(path for path, a in areas.items() if not a.owners)
    owner_left = sorted(path for path, a in areas.items() if a.owners and not set(a.owners) & active)
    no_maintainer = sorted(path for path, a in areas.items() if not a.maintainers)
    assert no_owner == sorted(SEEDED_GAPS["no_owner"]) and len(no_owner) == 3
    assert owner_left == sorted(SEEDED_GAPS["owner_left"]) and len(owner_left) == 1
    assert no_maintainer == sorted(SEEDED_GAPS["no_maintainer"]) and len(no_maintainer) == 2
    # Nobody who left is anywhere else in the area map, so the gaps above are the only ones.
    for path, area in areas.items():
        assert set(area.maintainers + area.designers + area.influencers) <= active, path
        if path not in SEEDED_GAPS["owner_left"]:
            assert set(area.owners) <= active, path


# --- feedback -----------------------------------------------------------------


def test_feedback_status_mix_matches_a_real_inbox(demo):
    store, _ = demo
    items = store.all(FeedbackItem)
    views = Counter(item.view_status(NOW_ISO) for item in items)
    share = {view: count / len(items) for view, count in views.items()}
    assert 0.30 <= share["new"] <= 0.40
    assert 0.05 <= share["snoozed"] <= 0.10
    assert 0.30 <= share["processed"] <= 0.40
    assert 0.15 <= share["archived"] <= 0.25
    due_snoozes = [i for i in items if i.status == "new" and i.snoozed_until and i.snoozed_until <= NOW_ISO]
    assert 1 <= len(due_snoozes) <= 8
    for item in items:
        if item.status == "new":
            assert item.triaged_at is None
        else:
            assert item.triaged_at is not None and item.snoozed_until is None and item.importance is not None


def test_some_new_feedback_is_stale_and_some_arrived_today(demo):
    store, _ = demo
    new = [i for i in store.all(FeedbackItem) if i.view_status(NOW_ISO) == "new"]
    week_ago = iso(NOW - timedelta(days=7))
    assert sum(i.received_at < week_ago for i in new) >= 10
    assert sum(i.received_at.startswith("2026-11-24") for i in new) >= 3
    assert any(i.importance is None for i in new) and any(i.area is None for i in new) and any(i.area for i in new)


def test_most_triaged_feedback_has_an_area_tags_and_importance(demo):
    store, _ = demo
    triaged = [i for i in store.all(FeedbackItem) if i.status != "new"]
    assert sum(i.area is not None for i in triaged) / len(triaged) >= 0.75
    assert {i.importance for i in triaged} == {"low", "medium", "high", "critical"}
    tags = Counter(tag for i in store.all(FeedbackItem) for tag in i.tags)
    assert 6 <= len(tags) <= 20
    assert {"export", "performance", "ux", "bug", "mobile", "integration", "permissions"} <= set(tags)
    assert all(tag == tag.lower() for tag in tags)


def test_feedback_comes_from_many_customers_and_sources(demo):
    store, _ = demo
    items = store.all(FeedbackItem)
    companies = Counter(re.sub(r"^.*\((.*)\)$", r"\1", i.customer) for i in items)
    assert 35 <= len(companies) <= 45
    assert any("(" in i.customer for i in items) and any("(" not in i.customer for i in items)
    contacts = {}
    for item in items:
        if "(" in item.customer:
            name, company = item.customer.rstrip(")").split(" (", 1)
            assert contacts.setdefault(name, company) == company, "one person, one company"
    sources = {i.source for i in items}
    assert sources == {"support", "sales call", "app review", "intercom", "NPS survey", "customer call", "twitter"}


def test_feedback_texts_are_varied_and_titles_short(demo):
    store, _ = demo
    items = store.all(FeedbackItem)
    assert len({i.text for i in items}) >= 0.9 * len(items)
    assert all(i.title and len(i.title) <= 80 for i in items)
    assert all(i.title.rstrip("…") in i.text or i.title.endswith("…") for i in items)
    assert sum(len(i.text) > 300 for i in items) >= 3
    assert any("\n" in i.text for i in items)
    assert any(re.search(r"[\U0001F300-\U0001FAFF]", i.text) for i in items)  # emoji


def test_brackets_and_angle_brackets_are_stored_literally(demo):
    store, _ = demo
    texts = [i.text for i in store.all(FeedbackItem)]
    assert any("[urgent]" in t for t in texts)
    assert any("[screenshot]" in t for t in texts)
    assert any(re.search(r"<[^>]+>", t) for t in texts)


def test_feedback_links_to_opportunities_of_its_area(demo):
    store, _ = demo
    linked = [i for i in store.all(FeedbackItem) if i.opportunity]
    assert 25 <= len(linked) <= 35
    assert all(i.status != "new" for i in linked)
    by_opportunity = Counter(i.opportunity for i in linked)
    assert len(by_opportunity) >= 4
    statuses = {o.status for o in store.all(Opportunity)}
    assert statuses == set(OPPORTUNITY_STATUSES)
    for opportunity in store.all(Opportunity):
        assert opportunity.title and opportunity.description
        assert (opportunity.decided_at is None) == (opportunity.status == "exploring")


def test_three_duplicates_are_merged_and_others_wait_to_be_found(demo):
    store, _ = demo
    items = store.all(FeedbackItem)
    merged = [i for i in items if i.duplicate_of]
    assert len(merged) == 3
    for item in merged:
        survivor = store.get(item.duplicate_of)
        assert item.status == "archived" and survivor.merged_from == [item.id]
        assert item.customer != survivor.customer
    assert sum(bool(i.merged_from) for i in items) == 3
    texts = {i.text for i in items}
    for _area, _tags, _opportunity, first, second in DUPLICATE_PAIRS:
        assert first in texts and second in texts
    unmerged_new = [
        i for i in items
        if i.text in {pair[4] for pair in DUPLICATE_PAIRS[3:]} and i.view_status(NOW_ISO) == "new"
    ]
    assert len(unmerged_new) == 3


# --- retros, actions, checklists -------------------------------------------------


def test_a_finished_retro_and_one_in_progress_today(demo):
    store, _ = demo
    retros = {r.phase: r for r in store.all(Retro)}
    assert set(retros) == {"closed", "reflect"}
    done, live = retros["closed"], retros["reflect"]
    assert done.template == "Start/Stop/Continue" and done.columns == ["Start", "Stop", "Continue"]
    assert done.closed_at and NOW - timedelta(days=17) <= parse(done.held_on) <= NOW - timedelta(days=11)
    assert len(done.participants) == 5 and done.votes_per_person == 3
    assert 10 <= len(done.cards) <= 14 and not any(c.hidden for c in done.cards)
    assert 2 <= len(done.groups) <= 3 and all(g.notes for g in done.groups)
    spent = Counter()
    for voted in [c.votes for c in done.cards] + [g.votes for g in done.groups]:
        for participant, votes in voted.items():
            assert participant in done.participants
            spent[participant] += votes
    assert spent and all(n <= done.votes_per_person for n in spent.values())

    assert live.template == "Mad/Sad/Glad" and live.columns == ["Mad", "Sad", "Glad"]
    assert live.held_on.startswith("2026-11-24") and live.closed_at is None
    assert any(c.hidden for c in live.cards) and not all(c.hidden for c in live.cards)


def test_action_items_from_the_retro_cover_every_state(demo):
    store, _ = demo
    retro = next(r for r in store.all(Retro) if r.phase == "closed")
    actions = store.all(ActionItem)
    assert all(a.retro == retro.id and a.team == retro.team and a.topic for a in actions)
    assert {a.status for a in actions} == set(ACTION_STATUSES)
    open_ = [a for a in actions if a.status == "open"]
    assert sum(a.due is not None and a.due < NOW_ISO for a in open_) == 2
    week_ahead = iso(NOW + timedelta(days=7))
    assert sum(a.due is not None and NOW_ISO < a.due <= week_ahead for a in open_) == 1
    assert sum(a.due is None for a in open_) == 1
    done = [a for a in actions if a.status == "done"]
    assert len(done) == 1 and done[0].done_at
    assert all(a.done_at is None for a in actions if a.status != "done")


def test_builtin_checklists_with_recurrences_and_runs(demo):
    store, _ = demo
    templates = {t.name: t for t in store.all(ChecklistTemplate)}
    assert {"Definition of done", "Release readiness", "PM weekly hygiene"} <= set(templates)
    for template in templates.values():
        assert template.origin == "builtin" and 5 <= len(template.steps) <= 8
        assert all(step.text and step.why for step in template.steps)
    weekly = templates["PM weekly hygiene"].rrule
    assert weekly.startswith("DTSTART:") and weekly.endswith("RRULE:FREQ=WEEKLY;BYDAY=MO")
    assert templates["Release readiness"].rrule.endswith("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH")
    assert templates["Definition of done"].rrule is None
    for template in templates.values():
        if template.rrule:
            assert re.match(r"^DTSTART:\d{8}T\d{6}Z\n", template.rrule)
            rule = rrulestr(template.rrule)
            assert rule.after(NOW) is not None and rule.before(NOW) is not None

    runs = store.all(ChecklistRun)
    completed = [r for r in runs if r.completed_at]
    assert len(completed) == 1 and all(s.done and s.done_by and s.done_at for s in completed[0].steps)
    partly = [r for r in runs if not r.completed_at]
    assert len(partly) == 2
    assert all(any(s.done for s in r.steps) and not all(s.done for s in r.steps) for r in partly)
    hygiene_runs = sorted((r for r in runs if r.checklist == templates["PM weekly hygiene"].id), key=lambda r: r.due_at)
    assert [r.due_at for r in hygiene_runs] == ["2026-11-16T09:00:00Z", "2026-11-23T09:00:00Z"]
    assert hygiene_runs[0].completed_at and not hygiene_runs[1].completed_at
    release = [r for r in runs if r.checklist == templates["Release readiness"].id]
    assert len(release) == 1 and release[0].due_at > NOW_ISO


@pytest.mark.parametrize("now", [
    datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc),  # a Monday before the weekly checklist is due
    datetime(2027, 1, 1, 0, 5, tzinfo=timezone.utc),  # just after midnight on New Year's Day
])
def test_the_demo_holds_together_at_awkward_times(tmp_path, now):
    stamp = iso(now)
    store = Store.open(tmp_path / "ws", clock=lambda: stamp)
    fill_demo(store, now=now)
    for item in store.all(FeedbackItem):
        assert item.received_at <= stamp and (item.triaged_at or "") <= stamp
    for kind in RECORD_TYPES:
        assert all(record.created_at <= stamp for record in store.all(kind))
    for retro in store.all(Retro):
        assert all(card.created_at <= stamp for card in retro.cards)
    for run in store.all(ChecklistRun):
        assert all(step.done_at <= stamp for step in run.steps if step.done)


def test_a_naive_now_is_refused(tmp_path):
    store = open_store(tmp_path / "ws")
    with pytest.raises(ValueError):
        fill_demo(store, now=datetime(2026, 11, 24, 15, 0))
    assert store.count(Person) == 0
