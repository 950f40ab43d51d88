"""Zendesk tickets import with no flags: the real tickets list answer in tests/data/intake."""

from __future__ import annotations

import json
from collections import Counter

from prodops_tui.core.importers import import_feedback
from prodops_tui.core.model import FeedbackItem

from ...conftest import TEST_DATA

TICKETS = TEST_DATA / "intake" / "zendesk_tickets.json"


def answer() -> dict:
    assert TICKETS.is_file(), f"the real export {TICKETS} is missing (see tests/data/SOURCES.md)"
    return json.loads(TICKETS.read_text(encoding="utf-8"))


def by_key(store) -> dict[str, FeedbackItem]:
    return {item.source_key: item for item in store.all(FeedbackItem)}


def test_the_tickets_answer_imports_with_no_flags_and_again_adds_nothing(store):
    tickets = answer()["tickets"]
    result = import_feedback(store, TICKETS)
    assert (result.preset, result.imported, len(result.skipped)) == ("zendesk-tickets", 91, 0)
    items = by_key(store)
    # Ticket 1, read by hand: Zendesk's sample ticket, open, three tags, requester 6130869168922.
    one = items["zendesk:1"]
    assert one.title == "Sample ticket: Meet the ticket"
    assert one.text.startswith("Hi there,\n\nI’m sending an email because I’m having a problem")
    assert (one.customer, one.tags, one.received_at) == ("requester 6130869168922", ["sample", "support", "zendesk"], "2023-09-09T23:52:05Z")
    assert (one.status, one.upstream_state, one.url) == ("new", "open", "https://z3n-jteitelbaum.zendesk.com/agent/tickets/1")
    assert (one.extra["priority"], one.extra["via"]) == ("normal", "sample_ticket")
    for ticket in tickets:
        item = items[f"zendesk:{ticket['id']}"]
        assert item.upstream_state == ticket["status"] and item.status == "new"
        assert item.customer == f"requester {ticket['requester_id']}"
    assert Counter(i.upstream_state for i in items.values()) == {"new": 82, "pending": 8, "open": 1}
    again = import_feedback(store, TICKETS)
    assert (again.imported, again.duplicates) == (0, 91)


def test_side_loaded_users_name_the_requester_and_solved_tickets_arrive_processed(store, tmp_path):
    # The real answer has no users side-load and no solved ticket: the same answer with
    # `users` added (as ?include=users returns them) and two statuses changed, labelled as such.
    data = answer()
    requester = data["tickets"][0]["requester_id"]
    data["users"] = [{"id": requester, "name": "Dana Kim", "email": "dana@example.com"}]
    data["tickets"][0]["status"] = "solved"
    data["tickets"][1]["status"] = "closed"
    path = tmp_path / "with_users.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    import_feedback(store, path)
    items = by_key(store)
    first, second = items[f"zendesk:{data['tickets'][0]['id']}"], items[f"zendesk:{data['tickets'][1]['id']}"]
    assert (first.customer, first.status, first.upstream_state) == ("Dana Kim", "processed", "solved")
    assert (second.status, second.upstream_state) == ("processed", "closed")
    # one ticket a line, as the admin JSON export writes them: the same tickets
    lines = tmp_path / "tickets.json"
    lines.write_text("\n".join(json.dumps(t) for t in data["tickets"]), encoding="utf-8")
    result = import_feedback(store, lines)
    assert (result.preset, result.imported, result.duplicates) == ("zendesk-tickets", 0, 91)
