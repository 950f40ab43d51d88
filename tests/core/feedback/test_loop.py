"""User stories for prodops_tui.core.feedback.loop: when an opportunity ships, every account that
asked is listed once, with how to reach it and what it said; telling it is recorded.

"Now" is 2026-11-24 15:00 UTC unless a story moves the clock."""

from __future__ import annotations

import csv
import io

import pytest

from prodops_tui.core.errors import InvalidInput, NotFound
from prodops_tui.core.feedback import loop, opportunities
from prodops_tui.core.feedback.inbox import Triage, capture, update
from prodops_tui.core.feedback.merge import merge
from prodops_tui.core.importers import import_feedback
from prodops_tui.core.model import FeedbackItem, Opportunity
from prodops_tui.core.storage.store import Store

from ...conftest import TEST_DATA


@pytest.fixture
def demo(demo_store: Store):
    demo_store.actor = "Priya Raman"
    return demo_store


def add(store: Store, text: str, **fields) -> FeedbackItem:
    return capture(store, text, origin="test", **fields)


def link(store: Store, opportunity: Opportunity, *items: FeedbackItem) -> None:
    update(store, [item.id for item in items], Triage(opportunity=opportunity.id), origin="test")


def test_demo_O1_counts_a_person_at_a_company_and_the_company_as_one_account(demo):
    asks = dict(opportunities.customers_to_close_the_loop(demo, "O-1"))
    customers = {item.id: item.customer for item in demo.all(FeedbackItem) if item.opportunity == "O-1"}
    assert (customers["F-22"], customers["F-255"]) == ("Saltbox Coffee Roasters", "Kwame Mensah (Saltbox Coffee Roasters)")
    assert asks["Saltbox Coffee Roasters"] == ["F-22", "F-255"]
    assert not any("Kwame" in name for name in asks)
    assert len(asks) == 9  # 10 customer names, 9 accounts
    (o1,) = [s for s in opportunities.stats(demo) if s.opportunity.id == "O-1"]
    assert o1.customers == 9
    saltbox = next(a for a in loop.loop_for(demo, "O-1").accounts if a.account == "Saltbox Coffee Roasters")
    assert saltbox.people == ("Kwame Mensah",)


@pytest.mark.parametrize(("customer", "account", "person", "contact"), [
    ("Kwame Mensah (Saltbox Coffee Roasters)", "Saltbox Coffee Roasters", "Kwame Mensah", ""),
    ("  Kwame   Mensah  (Saltbox Coffee Roasters) ", "Saltbox Coffee Roasters", "Kwame Mensah", ""),
    ("Saltbox Coffee Roasters", "Saltbox Coffee Roasters", "", ""),
    ("Kwame Mensah <kwame@saltbox.example>", "Kwame Mensah", "Kwame Mensah", "kwame@saltbox.example"),
    ("Kwame Mensah (@kwame)", "Kwame Mensah", "Kwame Mensah", "@kwame"),
    ("@105834", "@105834", "", "@105834"),
    ('=HYPERLINK("x")', '=HYPERLINK("x")', "", ""),  # no space before the bracket: not a person at a company
    ("vincent3569", "vincent3569", "", ""),
    ("Northwind Traders Ltd (UK)", "Northwind Traders Ltd (UK)", "", ""),  # a company's name ends so, not a person's
])
def test_the_account_rule(customer, account, person, contact):
    assert loop.read_customer(customer) == loop.Customer(account, person, contact)


def test_case_and_spacing_variants_are_one_account_shown_as_most_write_it(store):
    shipped = opportunities.create(store, "Bulk export")
    items = [add(store, f"Export all invoices please ({n})", customer=name) for n, name in enumerate(
        ["Saltbox Coffee Roasters", "saltbox  coffee roasters", "Kwame Mensah (SALTBOX COFFEE ROASTERS)",
         "Saltbox Coffee Roasters", "Ama Owusu (Saltbox Coffee Roasters)", "Acme Freight"])]
    link(store, shipped, *items)

    found = loop.loop_for(store, shipped.id)

    assert [a.account for a in found.accounts] == ["Acme Freight", "Saltbox Coffee Roasters"]
    saltbox = found.accounts[1]
    assert saltbox.people == ("Kwame Mensah", "Ama Owusu")
    assert saltbox.feedback == tuple(item.id for item in items[:5])
    assert opportunities.stats(store)[0].customers == 2


def test_each_account_comes_with_its_contact_quote_and_feedback(store):
    shipped = opportunities.create(store, "Bulk export")
    old_low = add(store, "Export is slow", customer="Kwame Mensah (Saltbox)", source="support", importance="low",
                  received="2026-11-01")
    strong = add(store, "We need every invoice in one CSV for the auditors. " + "Really. " * 40,
                 customer="Ama Owusu (Saltbox)", source="customer call", importance="high", received="2026-11-02")
    newer_low = add(store, "Export please", customer="Saltbox", source="email", importance="low", received="2026-11-20")
    mailed = add(store, "CSV export of payments", customer="Jo Park <jo@brightwater.example>", source="email")
    chat = add(store, "export?", customer="Dunmore Logistics", source="intercom")
    with store.change("kept fields", origin="test") as tx:
        tx.put(_with_extra(store, chat.id, {"Assignee email": "agent@us.example", "requester_email": "ops@dunmore.example"}))
    link(store, shipped, old_low, strong, newer_low, mailed, chat)

    accounts = {a.account: a for a in loop.loop_for(store, shipped.id).accounts}

    saltbox = accounts["Saltbox"]
    assert saltbox.quote_feedback == strong.id  # the most important beats the newest
    assert saltbox.quote.startswith("We need every invoice in one CSV") and len(saltbox.quote) == loop.QUOTE_CHARS
    assert saltbox.quote.endswith("…")
    assert saltbox.contacts == () and saltbox.contact == "email, customer call, support"  # the channels, newest first
    assert accounts["Jo Park"].contact == "jo@brightwater.example"
    assert accounts["Dunmore Logistics"].contact == "ops@dunmore.example"  # the requester's, not the assignee's


def _with_extra(store: Store, item_id: str, extra: dict) -> FeedbackItem:
    from dataclasses import replace

    item = store.get(item_id)
    assert isinstance(item, FeedbackItem)
    return replace(item, extra=extra)


def test_a_merged_duplicate_counts_for_its_own_account_once(store):
    shipped = opportunities.create(store, "Bulk export")
    survivor = add(store, "Please add an option to export all invoices to Excel in one go.", customer="Acme Freight")
    same_account = add(store, "Could you add a way to export all our invoices to Excel at once?",
                       customer="Mateo Nakamura (Acme Freight)")
    other = add(store, "Export all invoices to Excel at once please", customer="Copperleaf Studios")
    merge(store, [same_account.id, other.id], survivor.id)
    link(store, shipped, survivor)
    anonymous = add(store, "Export every invoice please")
    link(store, shipped, anonymous)

    found = loop.loop_for(store, shipped.id)

    assert [(a.account, a.feedback) for a in found.accounts] == [
        ("Acme Freight", (survivor.id, same_account.id)), ("Copperleaf Studios", (other.id,))]
    assert found.without_customer == (anonymous.id,)


def test_told_records_who_and_when_once_and_undo_takes_it_back(demo):
    opportunities.set_status(demo, "O-1", "shipped")
    before = demo.undoable()

    result = loop.told(demo, "O-1", ["kwame mensah", "SALTBOX COFFEE ROASTERS", "Acme Freight"], origin="test")

    assert [(t.account, t.told_by, t.told_at, t.feedback) for t in result.recorded] == [
        ("Saltbox Coffee Roasters", "Priya Raman", "2026-11-24T15:00:00Z", ["F-22", "F-255"]),
        ("Acme Freight", "Priya Raman", "2026-11-24T15:00:00Z", ["F-130"]),
    ]
    assert demo.undoable().label == "O-1: told 2 accounts"
    accounts = {a.account: a for a in loop.loop_for(demo, "O-1").accounts}
    assert accounts["Saltbox Coffee Roasters"].told_by == "Priya Raman"
    assert [a.account for a in loop.loop_for(demo, "O-1").to_tell][:2] == ["Brightwater Dental", "Driftwood Media"]

    again = loop.told(demo, "O-1", ["Saltbox Coffee Roasters"])
    assert again.recorded == () and [t.account for t in again.already] == ["Saltbox Coffee Roasters"]
    assert demo.undoable().label == "O-1: told 2 accounts"  # no new undo step

    demo.undo()
    assert demo.get("O-1").told == [] and demo.undoable() == before


def test_waiting_counts_the_accounts_not_told_yet_each_once(demo):
    assert [(found.opportunity.id, len(found.to_tell)) for found in loop.waiting(demo)[0]] == [("O-4", 5)]
    opportunities.set_status(demo, "O-1", "shipped")
    shipped, accounts = loop.waiting(demo)
    assert [found.opportunity.id for found in shipped] == ["O-1", "O-4"]  # most recently shipped first
    both = {a.account for a in shipped[0].accounts} & {a.account for a in shipped[1].accounts}
    assert both == {"Driftwood Media"} and accounts == 9 + 5 - 1
    loop.told(demo, "O-4", ["Driftwood Media", "Emberline Fitness"])
    assert loop.waiting(demo)[1] == 9 + 3 - 0  # Driftwood still waits to hear about O-1


def test_the_feedback_of_a_told_account_shows_it(demo):
    opportunities.set_status(demo, "O-1", "shipped")
    loop.told(demo, "O-1", ["Saltbox Coffee Roasters"])
    kwame = demo.get("F-255")
    assert isinstance(kwame, FeedbackItem)
    (shown,) = loop.told_for_feedback(demo, kwame)
    assert (shown.opportunity, shown.account, shown.told_by, shown.told_at) == (
        "O-1", "Saltbox Coffee Roasters", "Priya Raman", "2026-11-24T15:00:00Z")
    acme = demo.get("F-130")
    assert isinstance(acme, FeedbackItem) and loop.told_for_feedback(demo, acme) == []


def test_told_refuses_an_unknown_customer_naming_the_accounts_it_could_be(demo):
    opportunities.set_status(demo, "O-1", "shipped")
    with pytest.raises(NotFound) as refused:
        loop.told(demo, "O-1", ["Saltbox Coffee Roasters", "Saltbox Coffee"])  # the second one is not an account
    message = str(refused.value)
    assert message.startswith("no account of O-1 matches 'Saltbox Coffee'; it could be: Saltbox Coffee Roasters")
    assert "\n" not in message
    assert demo.get("O-1").told == []  # nothing recorded, not even the first
    with pytest.raises(NotFound, match="its accounts: Acme Freight, Brightwater Dental"):
        loop.told(demo, "O-1", ["zzqx"])


def test_told_needs_a_shipped_opportunity_and_someone(demo):
    with pytest.raises(InvalidInput, match="O-1 has not shipped \\(in progress\\)"):
        loop.told(demo, "O-1", ["Acme Freight"])
    opportunities.set_status(demo, "O-1", "shipped")
    with pytest.raises(InvalidInput, match="say who was told"):
        loop.told(demo, "O-1", ["  "])
    with pytest.raises(NotFound, match="no opportunity O-99"):
        loop.told(demo, "O-99", ["Acme Freight"])


def test_untold_takes_back_one_account(demo):
    opportunities.set_status(demo, "O-1", "shipped")
    loop.told(demo, "O-1", ["Saltbox Coffee Roasters", "Acme Freight"])
    loop.untold(demo, "O-1", ["kwame mensah"])
    assert [t.account for t in demo.get("O-1").told] == ["Acme Freight"]
    with pytest.raises(NotFound, match="not recorded as told about O-1 \\(told: Acme Freight\\)"):
        loop.untold(demo, "O-1", ["Brightwater Dental"])


def test_shipping_stamps_shipped_at_and_reopening_clears_it(tmp_path):
    now = ["2026-11-24T15:00:00Z"]
    store = Store.open(tmp_path / "ws", clock=lambda: now[0])
    made = opportunities.create(store, "Bulk export")
    assert opportunities.set_status(store, made.id, "shipped").shipped_at == "2026-11-24T15:00:00Z"
    now[0] = "2026-11-30T10:00:00Z"
    assert opportunities.set_status(store, made.id, "in progress").shipped_at is None
    closed = opportunities.set_status(store, made.id, "shipped", shipped_at="2026-11-28T08:00:00Z")  # the tracker's date
    assert closed.shipped_at == "2026-11-28T08:00:00Z"
    store.undo()
    assert store.get(made.id).shipped_at is None
    store.close()


def test_the_csv_keeps_its_first_columns_adds_the_contact_and_never_runs_a_formula(demo):
    opportunities.set_status(demo, "O-1", "shipped")
    loop.told(demo, "O-1", ["Acme Freight"])
    with demo.change("a hostile customer", origin="test") as tx:
        tx.put(_renamed(demo, "F-160", '=HYPERLINK("http://evil.example")'))

    rows = list(csv.reader(io.StringIO(opportunities.close_the_loop_csv(demo, "O-1"))))

    assert rows[0] == list(loop.LOOP_COLUMNS)
    assert rows[0][:5] == ["customer", "feedback", "opportunity", "title", "status"]  # as before: a mail merge keeps working
    by_account = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert len(rows) == 1 + 9
    saltbox = by_account["Saltbox Coffee Roasters"]
    assert (saltbox["feedback"], saltbox["people"], saltbox["contact"], saltbox["quote_feedback"]) == (
        "F-22 F-255", "Kwame Mensah", "customer call", "F-22")
    assert saltbox["quote"].startswith("From the QBR: Export only gives us the current page")
    assert (by_account["Acme Freight"]["told_at"], by_account["Acme Freight"]["told_by"]) == ("2026-11-24T15:00:00Z", "Priya Raman")
    assert "'=HYPERLINK(\"http://evil.example\")" in by_account  # text in a spreadsheet, never a formula
    assert by_account["Pinecrest Schools Trust"]["quote"].startswith("'@NorthwindHelp")


def _renamed(store: Store, item_id: str, customer: str) -> FeedbackItem:
    from dataclasses import replace

    item = store.get(item_id)
    assert isinstance(item, FeedbackItem)
    return replace(item, customer=customer)


def test_the_markdown_lists_each_shipped_opportunity_with_its_accounts_as_data(demo, utc_local_zone):
    opportunities.set_status(demo, "O-1", "shipped")
    loop.told(demo, "O-1", ["Acme Freight"])
    with demo.change("a hostile customer", origin="test") as tx:
        tx.put(_renamed(demo, "F-160", "Pipe | Co <script>x</script>\n# heading"))

    text = loop.export_loop(demo, None, "md")

    assert text.startswith("# Close the loop: 2 shipped opportunities\n")
    assert "A person's name with a company in brackets counts as that company" in text
    assert text.index("## O-1 · Bulk export of invoices and payments (shipped 2026-11-24)") < text.index("## O-4")
    assert "9 accounts asked: 1 told, 8 to tell." in text
    assert "| Saltbox Coffee Roasters | Kwame Mensah | customer call | F-22 F-255 | not yet |" in text
    assert "| Acme Freight | Mateo Nakamura | intercom | F-130 | 2026-11-24 by Priya Raman |" in text
    assert "| Pipe \\| Co \\<script\\>x\\</script\\> \\# heading |" in text
    assert not any(line.startswith("# heading") for line in text.splitlines())
    assert loop.export_loop(demo, "O-4", "md").startswith("# Close the loop: O-4 Smarter dunning schedules\n")
    with pytest.raises(InvalidInput, match="csv or md"):
        loop.export_loop(demo, None, "json")


def test_real_support_tweets_are_reached_by_their_handles(store):
    """tests/data/support_tweets.csv: the customers are Twitter handles, one account each."""
    import_feedback(store, TEST_DATA / "support_tweets.csv")
    shipped = opportunities.create(store, "Faster replies")
    items = sorted(store.all(FeedbackItem), key=lambda i: i.number)
    by_customer = [i for i in items if i.customer == "@105836"]
    link(store, shipped, *by_customer, items[0])
    opportunities.set_status(store, shipped.id, "shipped")

    accounts = {a.account: a for a in loop.loop_for(store, shipped.id).accounts}

    assert len(by_customer) == 3 and accounts["@105836"].feedback == tuple(i.id for i in by_customer)
    assert accounts["@105836"].contact == "@105836"
    assert accounts[items[0].customer].channels == ("twitter",)


def test_real_github_issues_give_their_link_to_reply_on(store):
    """tests/data/intake/github_issues_rest.json: a login is its own account; the issue is where to answer."""
    import_feedback(store, TEST_DATA / "intake" / "github_issues_rest.json")
    shipped = opportunities.create(store, "Matomo fixes")
    by_mattab = [i for i in store.all(FeedbackItem) if i.customer == "mattab"]
    link(store, shipped, *by_mattab)

    (account,) = loop.loop_for(store, shipped.id).accounts

    assert (account.account, len(account.feedback), account.contact) == ("mattab", 8, "github")
    assert account.links[0].startswith("https://github.com/matomo-org/matomo/issues/")
    assert len(account.links) == 8
