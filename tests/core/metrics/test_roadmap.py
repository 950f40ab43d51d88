"""The roadmap figures (core/metrics/roadmap.py): feedback that reached the roadmap, first ask to
shipped, accounts told within 14 days; each worked out here from the records the test wrote,
and in the report (Markdown and JSON) beside the period before."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import median

import pytest

from prodops_tui.core.dates import to_iso
from prodops_tui.core.demo import fill_demo
from prodops_tui.core.feedback import links, loop, opportunities
from prodops_tui.core.feedback.inbox import Triage, capture, update
from prodops_tui.core.feedback.merge import merge
from prodops_tui.core.metrics import figures, period, report, roadmap
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store

from .conftest import NOW

UTC = timezone.utc
DAY = timedelta(days=1)


def thirty_days(store: Store, now: datetime = NOW):
    window = period.last_days(30, now=now, tz=UTC)
    return roadmap.with_roadmap(figures.compute(store, window, now=now, tz=UTC), store)


def values(found) -> dict[str, tuple]:
    return {f.key: (f.value, f.previous) for f in found.figures if f.key in ROADMAP_KEYS}


ROADMAP_KEYS = ("feedback_reached_roadmap", "feedback_reached_roadmap_pct", "opportunities_shipped",
                "median_days_first_ask_to_shipped", "accounts_told_within_14_days", "accounts_told_within_14_days_pct")


def test_feedback_reaches_the_roadmap_when_its_opportunity_has_a_tracker_link(metrics_store):
    store, written = metrics_store
    assert values(thirty_days(store))["feedback_reached_roadmap"] == (0, 0)

    links.link(store, "O-1", "https://github.com/acme/billing/issues/412")

    window = period.last_days(30, now=NOW, tz=UTC)
    this, before = (window.start_iso, window.upper_iso), (window.previous.start_iso, window.previous.end_iso)

    def counted(span):
        distinct = [i for i in written.feedback if span[0] <= i.received_at < span[1] and not i.duplicate_of]
        return sum(1 for i in distinct if i.opportunity == "O-1"), len(distinct)

    (reached, received), (reached_before, received_before) = counted(this), counted(before)
    assert reached and reached_before  # the workspace has O-1 feedback in both periods
    found = values(thirty_days(store))
    assert found["feedback_reached_roadmap"] == (reached, reached_before)
    assert found["feedback_reached_roadmap_pct"] == pytest.approx((100 * reached / received, 100 * reached_before / received_before))

    links.unlink(store, "O-1", "acme/billing#412")
    assert values(thirty_days(store))["feedback_reached_roadmap"] == (0, 0)


@pytest.fixture
def clocked(tmp_path: Path):
    """An empty workspace whose clock a story moves: [now ISO]."""
    now = [to_iso(NOW)]
    store = Store.open(tmp_path / "ws", clock=lambda: now[0])
    store.actor = "Priya Raman"
    yield store, now
    store.close()


def _asked(store: Store, title: str, *asks: tuple[str, datetime]) -> str:
    """An opportunity and its feedback: (customer, received)."""
    made = opportunities.create(store, title)
    ids = [capture(store, f"{title} please ({n})", customer=customer, received=to_iso(when), origin="test").id
           for n, (customer, when) in enumerate(asks)]
    if ids:
        update(store, ids, Triage(opportunity=made.id), origin="test")
    return made.id


def _ship(store: Store, opportunity_id: str, when: datetime) -> None:
    opportunities.set_status(store, opportunity_id, "shipped", shipped_at=to_iso(when))


def test_median_days_from_the_first_ask_to_shipped_over_the_opportunities_shipped_in_the_period(clocked):
    store, _ = clocked
    ten = _asked(store, "Ten days", ("Acme", NOW - 20 * DAY), ("Brightwater", NOW - 15 * DAY))
    thirty = _asked(store, "Thirty days", ("Acme", NOW - 40 * DAY))
    twenty = _asked(store, "Twenty days", ("Copperleaf", NOW - 25 * DAY))
    nobody = _asked(store, "Nobody asked")
    earlier = _asked(store, "Shipped in the period before", ("Acme", NOW - 80 * DAY))
    _asked(store, "Not shipped", ("Acme", NOW - 5 * DAY))
    merged = _asked(store, "First asked in a merged duplicate", ("Acme", NOW - 12 * DAY))
    duplicate = capture(store, "Same ask, earlier", customer="Dunmore", received=to_iso(NOW - 20 * DAY), origin="test")
    merge(store, [duplicate.id], next(i.id for i in store.all(FeedbackItem) if i.opportunity == merged))
    _ship(store, merged, NOW - 8 * DAY)
    _ship(store, ten, NOW - 10 * DAY)
    _ship(store, thirty, NOW - 10 * DAY)
    _ship(store, twenty, NOW - 5 * DAY)
    _ship(store, nobody, NOW - 2 * DAY)
    _ship(store, earlier, NOW - 44 * DAY)

    found = thirty_days(store)

    assert values(found)["opportunities_shipped"] == (5, 1)
    assert values(found)["median_days_first_ask_to_shipped"] == pytest.approx((median([10, 30, 20, 12]), 36))
    assert found.figure("median_days_first_ask_to_shipped").note.startswith("n = 4:")

    opportunities.set_status(store, thirty, "in progress")  # reopened: not shipped any more
    assert values(thirty_days(store))["median_days_first_ask_to_shipped"][0] == pytest.approx(12)


def test_accounts_told_within_14_days_of_shipping(clocked):
    store, now = clocked
    shipped_at = NOW - 20 * DAY
    old = _asked(store, "Shipped 20 days ago", ("Kwame Mensah (Saltbox)", NOW - 50 * DAY), ("Saltbox", NOW - 40 * DAY),
                 ("Acme", NOW - 45 * DAY), ("Brightwater", NOW - 30 * DAY))
    recent = _asked(store, "Shipped 3 days ago", ("Dunmore", NOW - 9 * DAY), ("Emberline", NOW - 8 * DAY))
    _ship(store, old, shipped_at)
    _ship(store, recent, NOW - 3 * DAY)
    now[0] = to_iso(shipped_at + 5 * DAY)
    loop.told(store, old, ["Saltbox"])  # in time
    now[0] = to_iso(shipped_at + 16 * DAY)
    loop.told(store, old, ["Acme"])  # late
    now[0] = to_iso(NOW - 2 * DAY)
    loop.told(store, recent, ["Dunmore"])  # in time; Emberline's 14 days have not passed: not counted yet
    now[0] = to_iso(NOW)

    found = values(thirty_days(store))

    # Saltbox (one account, two people), Acme, Brightwater (never told), Dunmore: 2 of 4 in time.
    assert found["accounts_told_within_14_days"] == (2, 0)
    assert found["accounts_told_within_14_days_pct"] == (pytest.approx(50.0), None)


def test_the_report_carries_the_roadmap_section_in_markdown_and_json(clocked):
    store, _ = clocked
    shipped = _asked(store, "Bulk export", ("Kwame Mensah (Saltbox)", NOW - 30 * DAY), ("Acme", NOW - 20 * DAY))
    links.link(store, shipped, "https://github.com/acme/billing/issues/412")
    _ship(store, shipped, NOW - 15 * DAY)
    loop.told(store, shipped, ["Saltbox"])

    found = thirty_days(store)
    data = json.loads(report.json_text(found))
    text = report.to_markdown(found, tz=UTC)

    assert {key: data["figures"][key]["value"] for key in ROADMAP_KEYS} == {
        "feedback_reached_roadmap": 2, "feedback_reached_roadmap_pct": 100, "opportunities_shipped": 1,
        "median_days_first_ask_to_shipped": 15, "accounts_told_within_14_days": 0, "accounts_told_within_14_days_pct": 0,
    }  # told today, 15 days after shipping: late; Acme never
    assert {data["figures"][key]["section"] for key in ROADMAP_KEYS} == {"roadmap"}
    assert data["figures"]["median_days_first_ask_to_shipped"]["unit"] == "days"
    assert [s.key for s in found.sections].index("roadmap") == [s.key for s in found.sections].index("opportunities") + 1
    assert "\n## Roadmap and closing the loop\n" in text
    assert "| Median first ask → shipped | 15.0 d |" in text
    assert "- Told within 14 days of shipping: 0 of 2 asking accounts" in text
    assert [s.key for s in roadmap.with_roadmap(found, store).sections].count("roadmap") == 1


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("roadmap-demo") / "ws"
    store = Store.open(directory, clock=lambda: to_iso(NOW))
    fill_demo(store, now=NOW)
    store.close()
    return directory


def test_on_the_demo_a_link_a_ship_and_a_tell_move_the_report(demo_template, workspace):
    """The demo ships with O-4 shipped and two opportunities linked to its Jira: linking O-1,
    shipping it and telling two of its accounts moves each figure by what they add."""
    shutil.copytree(demo_template, workspace)
    now = [to_iso(NOW)]
    store = Store.open(workspace, clock=lambda: now[0])
    store.actor = "Priya Raman"
    later = NOW + 3 * DAY
    window = period.last_days(30, now=later, tz=UTC)
    before = values(thirty_days(store, later))
    counted = roadmap.measure(store, window).current
    assert before["feedback_reached_roadmap"][0] == counted.reached > 0  # O-2 and O-4 reach the demo's Jira

    links.link(store, "O-1", "https://github.com/northwind/ledger/issues/412")
    opportunities.set_status(store, "O-1", "shipped")
    now[0] = to_iso(later)
    loop.told(store, "O-1", ["Saltbox Coffee Roasters", "Acme Freight"])
    after = values(thirty_days(store, later))

    o1 = [i for i in store.all(FeedbackItem) if i.opportunity == "O-1"]
    in_window = [i for i in o1 if window.start_iso <= i.received_at < window.upper_iso and not i.duplicate_of]
    assert in_window
    assert after["feedback_reached_roadmap"][0] == before["feedback_reached_roadmap"][0] + len(in_window)
    assert after["opportunities_shipped"][0] == before["opportunities_shipped"][0] + 1
    first_ask = min(i.received_at for i in o1)
    o1_days = (NOW - datetime.fromisoformat(first_ask)).total_seconds() / 86400
    assert after["median_days_first_ask_to_shipped"][0] == pytest.approx(median([*counted.days_to_ship, o1_days]))
    # O-1's two accounts told within 3 days count; its others' 14 days are not over.
    assert after["accounts_told_within_14_days"][0] == counted.accounts_told + 2
    assert after["accounts_told_within_14_days_pct"][0] == pytest.approx(
        100 * (counted.accounts_told + 2) / (counted.accounts_due + 2))
    store.close()
