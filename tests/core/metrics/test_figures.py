"""Every figure of the Metrics pane and `prodops report`, worked out here from the records the
test wrote (conftest.fill), with the definitions in core/metrics, and compared with compute()."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from statistics import median

import pytest

from prodops_tui.core.dates import to_iso
from prodops_tui.core.feedback.filters import apply_filter, parse_filter
from prodops_tui.core.metrics import figures, period
from prodops_tui.core.metrics.report import to_json
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store

from .conftest import NOW, NOW_ISO, fixed_clock

UTC = timezone.utc


def when(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def in_window(iso: str | None, start: str, end: str) -> bool:
    return bool(iso) and start <= iso < end


def pct(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def business_deadline(received: datetime) -> datetime:
    """24 hours of weekday time (Mon-Fri, UTC) after `received`, walked day by day."""
    moment, left = received, timedelta(hours=24)
    while left > timedelta(0):
        if moment.weekday() >= 5:
            moment = (moment + timedelta(days=7 - moment.weekday())).replace(hour=0, minute=0, second=0)
            continue
        midnight = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0)
        step = min(left, midnight - moment)
        moment, left = moment + step, left - step
    return moment


def backlog_at(items: list[FeedbackItem], at: str) -> list[FeedbackItem]:
    """Rebuilt: received before `at` and not triaged by then (never triaged: New now)."""
    return [i for i in items if i.received_at < at and ((i.triaged_at and i.triaged_at >= at) or (not i.triaged_at and i.status == "new"))]


def expected_flow(items: list[FeedbackItem], start: str, end: str) -> dict:
    received = [i for i in items if in_window(i.received_at, start, end)]
    triaged = [i for i in items if in_window(i.triaged_at, start, end)]
    hours = sorted(max(0.0, (when(i.triaged_at) - when(i.received_at)).total_seconds() / 3600) for i in triaged)
    due = [i for i in received if business_deadline(when(i.received_at)) <= when(end)]
    met = [i for i in due if i.triaged_at and when(i.triaged_at) <= business_deadline(when(i.received_at))]
    distinct = [i for i in received if not i.duplicate_of]
    return {
        "received": len(received),
        "triaged": len(triaged),
        "median_hours_to_triage": median(hours) if hours else None,
        "p90_hours_to_triage": hours[math.ceil(0.9 * len(hours)) - 1] if hours else None,
        "triaged_within_1_business_day_pct": pct(len(met), len(due)),
        "with_area_pct": pct(sum(1 for i in distinct if i.area), len(distinct)),
        "linked_pct": pct(sum(1 for i in distinct if i.opportunity), len(distinct)),
        "duplicates_merged": sum(1 for i in received if i.duplicate_of),
    }


@pytest.fixture(params=[7, 30], ids=["7-days", "30-days"])
def computed(request, metrics_store):
    store, written = metrics_store
    window = period.last_days(request.param, now=NOW, tz=UTC)
    return figures.compute(store, window, now=NOW, tz=UTC), written, window


def test_each_feedback_figure_and_its_previous_period(computed):
    found, written, window = computed
    previous = window.previous
    now_values = expected_flow(written.feedback, window.start_iso, window.end_iso)
    before_values = expected_flow(written.feedback, previous.start_iso, previous.end_iso)
    assert now_values["received"] > 0 and before_values["received"] > 0  # the workspace exercises both windows
    for key in now_values:
        figure = found.figure(key)
        assert figure.value == pytest.approx(now_values[key]), key
        assert figure.previous == pytest.approx(before_values[key]), key


def test_the_new_backlog_now_before_and_by_age(computed):
    found, written, window = computed
    now_backlog = [i for i in written.feedback if i.status == "new" and not (i.snoozed_until and i.snoozed_until > NOW_ISO)]
    before = backlog_at(written.feedback, window.start_iso)
    assert (found.figure("new_backlog").value, found.figure("new_backlog").previous) == (len(now_backlog), len(before))
    limits = [48, 168, 672, math.inf]

    def ages(items, at):
        counts = [0, 0, 0, 0]
        for item in items:
            hours = (at - when(item.received_at)).total_seconds() / 3600
            counts[next(n for n, limit in enumerate(limits) if hours < limit)] += 1
        return counts

    assert [r.current for r in found.backlog_ages] == ages(now_backlog, NOW)
    assert sum(r.current for r in found.backlog_ages) == len(now_backlog)
    assert [r.previous for r in found.backlog_ages] == ages(before, window.start)


def test_received_per_bucket_counts_back_from_the_end(computed):
    found, written, window = computed
    size = timedelta(days=1 if window.length <= timedelta(days=14) else 7)
    count = int(2 * window.length / size)
    expected = []
    for n in range(count, 0, -1):  # oldest first
        start, end = iso_of(NOW - size * n), iso_of(NOW - size * (n - 1))
        expected.append(sum(1 for i in written.feedback if in_window(i.received_at, start, end)))
    assert list(found.received_buckets) == expected
    assert found.figure("received").series == tuple(expected)


def iso_of(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_by_source_folds_case_and_by_area_counts_the_top_level_area(computed):
    found, written, window = computed
    received = [i for i in written.feedback if in_window(i.received_at, window.start_iso, window.end_iso)]
    sources: dict[str, int] = {}
    for item in received:
        sources[item.source.casefold()] = sources.get(item.source.casefold(), 0) + 1
    assert {r.key.casefold(): r.current for r in found.by_source if r.current} == sources
    top = {"A-1": "Billing", "A-2": "Billing", "A-3": "Payments", "A-4": "Search", None: figures.NO_AREA}
    areas: dict[str, int] = {}
    for item in received:
        areas[top[item.area]] = areas.get(top[item.area], 0) + 1
    assert {r.name: r.current for r in found.by_area if r.current} == areas


def test_opportunities_by_weighted_demand_and_customers_waiting_for_what_shipped(computed):
    found, written, window = computed
    weights = {None: 1, "low": 1, "medium": 2, "high": 3, "critical": 5}
    by_id = {i.id: i for i in written.feedback}
    expected = {}
    for opportunity in ("O-1", "O-2"):
        linked = [i for i in written.feedback if i.opportunity == opportunity]
        names = {i.customer.casefold() for i in linked if i.customer}
        names |= {by_id[m].customer.casefold() for i in linked for m in i.merged_from if by_id[m].customer}
        received = sum(1 for i in linked if in_window(i.received_at, window.start_iso, window.end_iso))
        expected[opportunity] = (sum(weights[i.importance] for i in linked), len(linked), len(names), received)
    shown = {d.id: (d.score, d.feedback, d.customers, d.received) for d in found.opportunities}
    assert shown == expected
    assert [d.id for d in found.opportunities] == sorted(expected, key=lambda o: (-expected[o][0], -expected[o][1]))
    assert [d.id for d in found.close_the_loop] == ["O-2"]
    # O-2 shipped: its accounts wait until told (a person's company in brackets is that company).
    from prodops_tui.core.feedback.loop import account_key, account_of

    o2 = [i for i in written.feedback if i.opportunity == "O-2"]
    o2 += [by_id[m] for i in o2 for m in i.merged_from]
    accounts = {account_key(account_of(i.customer)) for i in o2 if i.customer}
    assert found.figure("customers_waiting").value == len(accounts) > 0


def test_ownership_coverage_gaps_and_people_who_left_still_owning(computed):
    found, _, window = computed
    assert found.figure("area_owner_coverage_pct").value == pytest.approx(100 * 2 / 4)  # Billing, Search
    assert found.figure("areas_without_owner").value == 2  # Payments (none), Invoices (its owner left)
    assert [(g.kind, g.path) for g in found.ownership.gaps] == [
        ("no_owner", "Payments"), ("owner_left", "Billing / Invoices"), ("no_maintainer", "Payments")]
    left = {p.name: (p.areas, p.actions) for p in found.ownership.left}
    assert left == {"Bo Diddley": ((("owns", "Billing / Invoices"), ("owns", "Search")), ()),
                    "Di Prima": ((), ("T-2",))}  # Ed Ruscha left holding nothing
    people_left = found.figure("people_left")
    expected_now = 2 if window.length.days == 30 else 1  # Bo 14 days ago, Ed 3 days ago; Di 50 days ago
    assert people_left.value == expected_now


def test_retro_actions_and_their_completion(computed):
    found, written, window = computed
    start, end = window.start_iso, window.end_iso
    previous = window.previous

    def counts(start: str, end: str) -> tuple:
        created = sum(1 for a in written.actions if in_window(a.created_at, start, end))
        done = sum(1 for a in written.actions if a.status == "done" and in_window(a.done_at, start, end))
        overdue = sum(1 for a in written.actions if a.due and a.due < end and a.created_at < end
                      and not (a.status != "open" and a.done_at and a.done_at < end))
        due = [a for a in written.actions if in_window(a.due, start, end) and a.created_at < end
               and not (a.status == "dropped" and a.done_at < end)]
        completed = sum(1 for a in due if a.status == "done" and a.done_at < end)
        return created, done, overdue, pct(completed, len(due))

    keys = ("actions_created", "actions_done", "actions_overdue", "action_completion_pct")
    assert tuple(found.figure(k).value for k in keys) == pytest.approx(counts(start, end))
    assert tuple(found.figure(k).previous for k in keys) == pytest.approx(counts(previous.start_iso, previous.end_iso))
    assert [a.id for a in found.overdue] == ["T-2", "T-1"]  # the longest overdue first


def test_checklist_occurrences_on_time_and_missed(computed):
    found, written, window = computed
    mondays = [datetime(2026, 9, 7, 9, tzinfo=UTC) + timedelta(weeks=n) for n in range(20)]
    runs = {r.due_at: r for r in written.runs}

    def counts(start: datetime, end: datetime) -> tuple[int, int]:
        on_time = missed = 0
        for index, monday in enumerate(mondays[:-1]):
            if not start <= monday < end:
                continue
            following = mondays[index + 1]
            run = runs.get(iso_of(monday))
            completed = run.completed_at if run else None
            if following <= end:
                on_time += bool(completed and completed <= iso_of(following))
                missed += not (completed and completed <= iso_of(following))
            elif completed and completed < iso_of(end):
                on_time += 1
        return on_time, missed

    previous = window.previous
    assert (found.figure("checklist_runs_on_time").value, found.figure("checklist_runs_missed").value) == counts(window.start, window.end)
    assert (found.figure("checklist_runs_on_time").previous, found.figure("checklist_runs_missed").previous) == counts(previous.start, previous.end)


def test_what_is_not_stored_is_said_not_estimated(computed):
    found, _, _ = computed
    assert {key for key, _, _ in found.not_computed} == {"median_hours_to_link", "nudges"}
    assert all(reason for _, _, reason in found.not_computed)
    keys = {f.key for f in found.figures}
    assert not keys & {"median_hours_to_link", "nudges_shown", "nudges_acted", "nudges_dismissed"}


def test_a_fixed_window_rebuilds_the_backlog_at_its_end(metrics_store):
    store, written = metrics_store
    window = period.between("2026-10-01", "2026-11-01", now=NOW, tz=UTC)
    found = figures.compute(store, window, now=NOW, tz=UTC)
    assert found.figure("new_backlog").value == len(backlog_at(written.feedback, window.end_iso))
    assert found.figure("received").value == expected_flow(written.feedback, window.start_iso, window.end_iso)["received"]
    # `since:` cannot say "up to 1 November": the drill names the items themselves.
    drill = found.figure("received").drill
    received = {i.id for i in written.feedback if i.received_at and window.start_iso <= i.received_at < window.end_iso}
    assert drill is not None and set(drill.ids or drill.filter.removeprefix("id:").split(",")) == received


def test_the_same_figures_from_the_cache_columns_as_from_the_records_in_memory(metrics_store, workspace):
    store, _ = metrics_store
    store.close()
    fresh = Store.open(workspace, clock=fixed_clock)
    try:
        window = period.last_days(30, now=NOW, tz=UTC)
        from_columns = to_json(figures.compute(fresh, window, now=NOW, tz=UTC))
        # The mechanism that keeps the pane quick at 100k items: no feedback record was built
        # but the few linked ones (an opportunity's customers), every count from the columns.
        assert not fresh.loaded(FeedbackItem) and fresh.loads[FeedbackItem.KIND] == 0
        fresh.load_all()
        from_records = to_json(figures.compute(fresh, window, now=NOW, tz=UTC))
    finally:
        fresh.close()
    assert from_columns == from_records


def opened(store: Store, drill: figures.Drill) -> list[str]:
    """The feedback enter on a figure lists in the inbox (view All): the ids themselves when no
    filter can say them (Drill.ids), else what the filter lets through."""
    if drill.ids and not drill.exact:
        return sorted(drill.ids)
    chosen = apply_filter(store, store.all(FeedbackItem), parse_filter(drill.filter, now_iso=NOW_ISO))
    return sorted(item.id for item in chosen)


def items_behind(items: list[FeedbackItem], start: str, end: str, on_roadmap: set[str]) -> dict[str, list[str]]:
    """Worked out from the records: the items each figure with an inbox drill counts (for a
    share, the ones it is about: late, without an area, linked, merged, on the roadmap)."""
    received = [i for i in items if in_window(i.received_at, start, end)]
    triaged = sorted(i.id for i in items if in_window(i.triaged_at, start, end))
    due = [i for i in received if business_deadline(when(i.received_at)) <= when(end)]
    late = [i for i in due if not (i.triaged_at and when(i.triaged_at) <= business_deadline(when(i.received_at)))]
    distinct = [i for i in received if not i.duplicate_of]
    return {
        "received": sorted(i.id for i in received),
        "new_backlog": sorted(i.id for i in items if i.status == "new" and not (i.snoozed_until and i.snoozed_until > NOW_ISO)),
        "triaged": triaged, "median_hours_to_triage": triaged, "p90_hours_to_triage": triaged,
        "triaged_within_1_business_day_pct": sorted(i.id for i in late),
        "with_area_pct": sorted(i.id for i in distinct if not i.area),
        "linked_pct": sorted(i.id for i in distinct if i.opportunity),
        "duplicates_merged": sorted(i.id for i in received if i.duplicate_of),
        "feedback_reached_roadmap": sorted(i.id for i in distinct if i.opportunity in on_roadmap),
    }


@pytest.mark.parametrize("closed", [False, True], ids=["up-to-now", "from-to"])
def test_every_figure_with_an_inbox_drill_opens_exactly_the_items_it_counts(metrics_store, closed):
    """Issue 31, item 11: "Triaged within 1 business day" opened since:30d (207 items), not its
    127; a drill is the figure's items, whether a filter can say them or only their ids can."""
    from prodops_tui.core.metrics import roadmap
    from prodops_tui.core.model import Opportunity

    store, written = metrics_store
    window = (period.between("2026-10-01", "2026-11-01", now=NOW, tz=UTC) if closed
              else period.last_days(30, now=NOW, tz=UTC))
    found = roadmap.with_roadmap(figures.compute(store, window, now=NOW, tz=UTC), store)
    on_roadmap = {o.id for o in store.all(Opportunity) if o.links}
    expected = items_behind(written.feedback, window.start_iso, window.upper_iso, on_roadmap)
    checked = set()
    for figure in found.figures:
        drill = figure.drill
        if drill is None or drill.pane != "inbox":
            continue
        assert figure.key in expected, f"{figure.key}: an inbox drill this test does not know"
        assert opened(store, drill) == expected[figure.key], figure.key
        if figure.unit == "count":
            assert len(expected[figure.key]) == figure.value, figure.key
        checked.add(figure.key)
    # Up to now the backlog is status:new; a fixed window's backlog is rebuilt and has no drill.
    assert checked == set(expected) - ({"new_backlog"} if closed else set()) - (
        {k for k, ids in expected.items() if not ids})  # nothing to open: no drill, enter says so
    assert len(expected["triaged_within_1_business_day_pct"]) > 1 and expected["triaged"]


def test_a_drill_too_big_for_a_filter_carries_its_ids_and_says_what_they_are(metrics_store):
    store, _ = metrics_store
    window = period.last_days(30, now=NOW, tz=UTC)
    with store.change("more triaged", origin="test", history=False) as tx:  # 80 triaged today: no id: filter holds them
        for n in range(80):
            tx.add(FeedbackItem(text=f"item {n}", received_at=to_iso(NOW - timedelta(hours=30)), status="processed",
                                triaged_at=NOW_ISO))
    drill = figures.compute(store, window, now=NOW, tz=UTC).figure("triaged").drill
    assert drill is not None and not drill.exact and drill.opens_exactly
    assert drill.filter == "status:processed status:archived" and len(drill.ids) > 80
    assert drill.label == f"{len(drill.ids)} triaged, last 30 days"


def test_drills_name_exactly_the_items_when_they_fit_in_a_filter(computed):
    found, written, window = computed
    triaged = found.figure("triaged").drill
    ids = sorted(i.id for i in written.feedback if in_window(i.triaged_at, window.start_iso, window.end_iso))
    if triaged.exact:
        assert sorted(triaged.filter.removeprefix("id:").split(",")) == ids
    else:
        assert sorted(triaged.ids) == ids
    assert found.figure("received").drill.filter == f"since:{window.days}d"
    assert found.figure("new_backlog").drill.filter == "status:new"


def test_time_to_triage_in_buckets(computed):
    found, written, window = computed
    limits = [1, 24, 72, 168, math.inf]  # under 1 hour, 1-24 hours, 1-3 days, 3-7 days, longer
    counts = [0] * len(limits)
    for item in written.feedback:
        if in_window(item.triaged_at, window.start_iso, window.end_iso):
            hours = max(0.0, (when(item.triaged_at) - when(item.received_at)).total_seconds() / 3600)
            counts[next(n for n, limit in enumerate(limits) if hours < limit)] += 1
    assert [r.current for r in found.triage_times] == counts and sum(counts) == found.figure("triaged").value


def test_an_account_told_it_shipped_no_longer_waits(metrics_store):
    """"Customers to tell it shipped" counts accounts not told yet: telling one takes it off."""
    from prodops_tui.core.feedback import loop

    store, _ = metrics_store
    window = period.last_days(30, now=NOW, tz=UTC)
    before = figures.compute(store, window, now=NOW, tz=UTC).figure("customers_waiting").value
    (shipped,) = [found.opportunity.id for found in loop.loops(store) if found.to_tell]
    first = loop.loop_for(store, shipped).accounts[0].account
    loop.told(store, shipped, [first])
    after = figures.compute(store, window, now=NOW, tz=UTC).figure("customers_waiting").value
    assert before > 0 and after == before - 1


@pytest.mark.parametrize("closed", [False, True], ids=["up-to-now", "from-to"])
def test_every_source_and_area_row_opens_exactly_its_items(metrics_store, closed):
    """The rows beside Feedback received: a source's items (source: is a part of the source, so
    "call" also lists "sales call": then the row's ids), an area's with the areas below it."""
    from prodops_tui.core.metrics.flow import top_areas

    store, _ = metrics_store
    with store.change("a source inside another", origin="test", history=False) as tx:
        for source in ("call", "sales call", "sales call"):
            tx.add(FeedbackItem(text=source, source=source, received_at=to_iso(NOW - timedelta(days=2))))
    window = (period.between("2026-10-01", "2026-11-01", now=NOW, tz=UTC) if closed
              else period.last_days(30, now=NOW, tz=UTC))
    found = figures.compute(store, window, now=NOW, tz=UTC)
    items = [i for i in store.all(FeedbackItem) if in_window(i.received_at, window.start_iso, window.upper_iso)]
    top = top_areas(store)
    for row in found.by_source:
        assert row.drill is not None or not row.current, row.name  # a row of the period before only: nothing now
        if row.drill is None:
            continue
        expected = sorted(i.id for i in items if i.source.casefold() == row.key.casefold())
        assert opened(store, row.drill) == expected and len(expected) == row.current, row.name
    for row in found.by_area:
        assert row.drill is not None or not row.current, row.name
        if row.drill is None:
            continue
        expected = sorted(i.id for i in items if (top.get(i.area, i.area) if i.area else "") == row.key)
        assert opened(store, row.drill) == expected and len(expected) == row.current, row.name
    if not closed:
        call = next(r for r in found.by_source if r.key == "call")
        assert call.drill.filter.startswith("id:")  # source:"call" would list the two sales calls too
