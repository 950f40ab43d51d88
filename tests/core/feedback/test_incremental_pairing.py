"""Groups after a change pair only what changed, and come out exactly as pairing every item
again would with the same word weights: captures, an edit, a merge of a node that led near
copies, an import of older items, and `prodops duplicates` from the stored run."""

from __future__ import annotations

import json
import random
from dataclasses import replace

from prodops_tui.core.feedback.duplicates import DuplicateIndex
from prodops_tui.core.feedback.inbox import capture
from prodops_tui.core.feedback.merge import merge
from prodops_tui.core.feedback.stored_lookalikes import StoredLookalikes, lookalikes_with_groups
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store

from ...conftest import TEST_DATA

ALARMS = ("Calendar alarms never fire after a restart",
          ("Reminders set in the Lightning calendar do not fire once SeaMonkey is restarted; the alarm list stays "
           "empty until I open every event again."))
# The same report in other words (61 against ALARMS): a new node with an old partner.
ALARMS_AGAIN = ("Lightning reminders lost when SeaMonkey restarts",
                ("Since 2.53.18 the calendar alarms no longer fire after a restart of the browser, every reminder is "
                 "silently dropped."))
FILTERS = ("Mail filters stop running on IMAP folders",
           ("Message filters configured for my IMAP inbox are not applied to new mail anymore; running them by hand "
            "from the Tools menu works."))
# A near copy of FILTERS (95): folded into it before pairing.
FILTERS_COPY = ("Mail filters stop working on IMAP folders", FILTERS[1].replace("anymore", "any longer"))


def background(store: Store) -> list[FeedbackItem]:
    """Real SeaMonkey bugs, received one a day over a year, oldest first."""
    rows = [json.loads(line) for line in (TEST_DATA / "seamonkey_bugs.jsonl").read_text(encoding="utf-8").splitlines()]
    with store.change("bugs", origin="test") as tx:
        return [tx.add(FeedbackItem(title=row["title"], text=row["body"] or "",
                                    received_at=f"2025-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}T09:00:00Z"))
                for n, row in enumerate(rows)]


def as_lists(groups) -> list[tuple[str, bool, float | None, list[str]]]:
    return [(group.kind, group.low_information, group.score, list(group)) for group in groups]


def paired_from_scratch(store: Store, index: DuplicateIndex) -> list:
    """The oracle: every node folded and paired again, weighed as `index` weighs them."""
    fresh = DuplicateIndex(store, store.all(FeedbackItem), boilerplate=index.boilerplate, rarity=index.rarity)
    return as_lists(fresh.clusters())


def grouped_together(groups, *ids: str) -> bool:
    return any(set(ids) <= set(group) for group in groups)


def test_captures_are_paired_alone_and_the_groups_are_those_of_a_full_pairing(store):
    background(store)
    alarms = capture(store, ALARMS[1], title=ALARMS[0], origin="test")
    index = DuplicateIndex.build(store)
    index.clusters()
    every_node = index.paired_afresh
    assert every_node > 300
    again = capture(store, ALARMS_AGAIN[1], title=ALARMS_AGAIN[0], origin="test")
    unrelated = capture(store, "Printing a page to PDF puts every image on its own sheet, even small icons.",
                        title="Print to PDF breaks images onto sheets", origin="test")
    index.update([again, unrelated])
    after = index.clusters()
    assert index.paired_afresh == 2  # not every node again
    assert grouped_together(after, alarms.id, again.id)
    assert as_lists(after) == paired_from_scratch(store, index)


def test_an_edited_item_is_paired_again_with_its_new_words(store):
    background(store)
    alarms = capture(store, ALARMS[1], title=ALARMS[0], origin="test")
    again = capture(store, ALARMS_AGAIN[1], title=ALARMS_AGAIN[0], origin="test")
    index = DuplicateIndex.build(store)
    assert grouped_together(index.clusters(), alarms.id, again.id)
    with store.change("rewritten", origin="test") as tx:
        tx.put(replace(store.get(alarms.id), title="Dark theme for the address book",
                       text="Please give the address book a dark theme that follows the browser's."))
    index.update([store.get(alarms.id)])
    after = index.clusters()
    assert not grouped_together(after, alarms.id, again.id)
    assert as_lists(after) == paired_from_scratch(store, index)


def test_a_merge_of_a_node_that_led_near_copies_folds_them_again(store):
    background(store)
    filters = capture(store, FILTERS[1], title=FILTERS[0], origin="test")
    copy = capture(store, FILTERS_COPY[1], title=FILTERS_COPY[0], origin="test")
    alarms = capture(store, ALARMS[1], title=ALARMS[0], origin="test")
    index = DuplicateIndex.build(store)
    assert grouped_together(index.clusters(), filters.id, copy.id)
    assert index.pairing is not None and index.pairing.leader[copy.id] == filters.id  # folded into it
    merge(store, [filters.id], alarms.id, origin="test")  # the leader goes; its near copy stays
    index.update([store.get(filters.id), store.get(alarms.id)])
    after = index.clusters()
    assert 0 < index.paired_afresh < 10  # from the merged leader on, not every node
    assert as_lists(after) == paired_from_scratch(store, index)


def test_older_items_imported_later_are_paired_from_where_they_land(store):
    bugs = background(store)
    index = DuplicateIndex.build(store)
    index.clusters()
    every_node = index.paired_afresh
    with store.change("an older export", origin="test") as tx:
        older = [tx.add(FeedbackItem(title=title, text=text, received_at="2025-11-15T12:00:00Z"))
                 for title, text in (ALARMS, FILTERS)]
    index.update(older)
    after = index.clusters()
    later = sum(1 for bug in bugs if bug.received_at > "2025-11-15T12:00:00Z" and index.comparable(bug.id))
    assert len(older) < index.paired_afresh <= len(older) + later < every_node  # the new ones and the nodes after them
    assert as_lists(after) == paired_from_scratch(store, index)


def test_duplicates_after_a_capture_pairs_only_the_capture_from_the_stored_run(store):
    background(store)
    alarms = capture(store, ALARMS[1], title=ALARMS[0], origin="test")
    with StoredLookalikes(store) as stored:
        stored.groups()
        assert stored.paired_afresh > 300
    again = capture(store, ALARMS_AGAIN[1], title=ALARMS_AGAIN[0], origin="test")
    with StoredLookalikes(store) as stored:
        after = stored.groups()
        assert not stored.groups_read_back and stored.paired_afresh == 1
        index = stored.index()
        assert as_lists(after) == paired_from_scratch(store, index)
        assert grouped_together(after, alarms.id, again.id)


def test_what_duplicates_prints_is_read_again_only_for_changed_items(store, monkeypatch):
    background(store)
    alarms = capture(store, ALARMS[1], title=ALARMS[0], origin="test")
    again = capture(store, ALARMS_AGAIN[1], title=ALARMS_AGAIN[0], origin="test")
    with StoredLookalikes(store) as stored:
        stored.groups()
        assert stored.shown[alarms.id][1] == ALARMS[0]
    with store.change("retitled", origin="test") as tx:
        tx.put(replace(store.get(alarms.id), title="Calendar alarms never fire after restarting"))
    read: list[int] = []
    get_many = store.get_many
    monkeypatch.setattr(store, "get_many", lambda kind, numbers: read.extend(numbers) or get_many(kind, numbers))
    with StoredLookalikes(store) as stored:
        groups = stored.groups()
        shown = stored.shown
    grouped = {item_id for group in groups for item_id in group}
    assert {alarms.id, again.id} <= grouped and len(grouped) > 10
    assert set(read) == {int(alarms.id[2:])}  # the changed item, not every grouped one
    assert shown[alarms.id][1] == "Calendar alarms never fire after restarting"  # read again, not the stored line
    assert set(shown) == grouped


def test_the_inbox_scan_after_a_capture_pairs_only_the_capture(store):
    """The app's scan asks for the index and the groups together: one handle on the stored
    index, so the groups build on its pairing instead of pairing every item again."""
    background(store)
    alarms = capture(store, ALARMS[1], title=ALARMS[0], origin="test")
    index, groups = lookalikes_with_groups(store)
    assert index.paired_afresh > 300
    again = capture(store, ALARMS_AGAIN[1], title=ALARMS_AGAIN[0], origin="test")
    index, groups = lookalikes_with_groups(store)
    assert index.paired_afresh == 1
    assert grouped_together(groups, alarms.id, again.id)
    assert as_lists(groups) == paired_from_scratch(store, index)


# --- the groups carried on in SQL (stored_lookalikes._carried_on) ----------------------------


def stored_groups(store: Store) -> tuple[list, bool, list]:
    """`prodops duplicates`' groups from lookalikes.sqlite, whether they were carried on in SQL,
    and the oracle: every item paired again in memory with the stored words' weights."""
    with StoredLookalikes(store) as stored:
        found = stored.groups()
        carried = stored.carried_on
        shown = dict(stored.shown)
        index = stored.index()
        fresh = DuplicateIndex(store, store.all(FeedbackItem), boilerplate=index.boilerplate, rarity=index.rarity)
        oracle = as_lists(fresh.clusters())
        assert kept_run(stored) == full_run(fresh)  # the near copies' leaders and the pairs, too
    assert set(shown) == {item_id for group in found for item_id in group}
    return as_lists(found), carried, oracle


def kept_run(stored: StoredLookalikes) -> tuple[dict[int, int], set[tuple[int, int, float]]]:
    """The run on disk: each node's oldest item -> its leader's, and the pairs of leaders."""
    db = stored._db
    rep_at = dict(db.execute("SELECT pos, rep FROM cnodes WHERE pos IS NOT NULL"))
    return (dict(db.execute("SELECT rep, leader FROM cnodes")),
            {(rep_at[a], rep_at[b], score) for a, b, score in db.execute("SELECT a, b, score FROM edges")})


def full_run(index: DuplicateIndex) -> tuple[dict[int, int], set[tuple[int, int, float]]]:
    run = index.last_run
    assert run is not None
    rep_of = {node: int(rep[2:]) for node, rep, _leader in run.cnodes}
    return ({rep_of[node]: rep_of[leader] for node, _rep, leader in run.cnodes},
            {(rep_of[run.leaders[a]], rep_of[run.leaders[b]], score)
             for a, linked in run.edges.items() for b, score in linked.items() if a < b})


def test_captures_of_every_kind_are_carried_on_in_sql_and_equal_a_full_pairing(store):
    background(store)
    capture(store, ALARMS[1], title=ALARMS[0], origin="test")
    filters = capture(store, FILTERS[1], title=FILTERS[0], origin="test")
    capture(store, "good", origin="test")
    first, carried, oracle = stored_groups(store)
    assert not carried and first == oracle
    captured = [
        capture(store, ALARMS_AGAIN[1], title=ALARMS_AGAIN[0], origin="test"),  # a new node paired with an old one
        capture(store, FILTERS_COPY[1], title=FILTERS_COPY[0], origin="test"),  # a near copy: folded into FILTERS
        capture(store, FILTERS[1], title=FILTERS[0] + " again", origin="test"),  # new title, same words
        capture(store, "good", origin="test"),  # a short text: the identical "good"s
        capture(store, "wow", origin="test"),
        capture(store, "Printing a page to PDF puts every image on its own sheet, even small icons.",
                title="Print to PDF breaks images onto sheets", origin="test"),  # alone
    ]
    after, carried, oracle = stored_groups(store)
    assert carried
    assert after == oracle
    assert any({filters.id, captured[1].id} <= set(group[3]) for group in after)
    assert any(group[0] == "identical" and len(group[3]) == 2 for group in after)
    again, carried, oracle = stored_groups(store)  # nothing changed: read back
    assert again == after == oracle


def test_a_capture_under_a_title_already_captured_joins_its_same_title_group(store):
    background(store)
    title = "Dark mode in the app please"
    old = [capture(store, f"{greeting} The app is far too bright at night.", title=title, origin="test")
           for greeting in ("Hi team!", "Hello,")]
    stored_groups(store)
    newer = capture(store, "Hey there. Reading at night hurts my eyes.", title=f"FYI {title}", origin="test")
    after, carried, oracle = stored_groups(store)
    assert carried and after == oracle
    assert ("same-title", False, None, [old[0].id, old[1].id, newer.id]) in after


def four_reports(store: Store) -> list[FeedbackItem]:
    """The bugs, then ALARMS, ALARMS_AGAIN (its paraphrase), FILTERS and FILTERS_COPY (its near copy)."""
    background(store)
    return [capture(store, text, title=title, origin="test") for title, text in (ALARMS, ALARMS_AGAIN, FILTERS,
                                                                                    FILTERS_COPY)]


def test_triage_edits_merges_and_deletes_are_carried_on_in_sql_and_equal_a_full_pairing(store):
    alarms, again, filters, copy = four_reports(store)
    stored_groups(store)
    with store.change("triaged", origin="test") as tx:
        tx.put(replace(store.get(alarms.id), status="archived", area="Calendar"))
    after, carried, oracle = stored_groups(store)
    assert carried and after == oracle and grouped_together([g[3] for g in after], alarms.id, again.id)
    with store.change("rewritten", origin="test") as tx:
        tx.put(replace(store.get(again.id), title="Dark theme for the address book",
                       text="Please give the address book a dark theme that follows the browser's."))
    after, carried, oracle = stored_groups(store)  # its node goes, a new one is placed where it falls
    assert carried and after == oracle
    assert not grouped_together([g[3] for g in after], alarms.id, again.id)
    merge(store, [copy.id], filters.id, origin="test")  # the near copy leaves FILTERS' group
    after, carried, oracle = stored_groups(store)
    assert carried and after == oracle
    assert not grouped_together([g[3] for g in after], filters.id, copy.id)
    with store.change("deleted", origin="test") as tx:  # a leader goes, with its pairs
        tx.delete(filters.id)
    after, carried, oracle = stored_groups(store)
    assert carried and after == oracle
    capture(store, FILTERS[1], title=FILTERS[0], origin="test")  # carried on again from there
    after, carried, oracle = stored_groups(store)
    assert carried and after == oracle


def test_growing_past_the_rebuild_threshold_learns_the_rarity_again(store):
    bugs = background(store)  # 352: learned again past 1.25 x 352 + 100 = 540 items

    def imported(count: int, start: int) -> None:
        with store.change("an import", origin="test") as tx:
            for n in range(start, start + count):
                title, text = (ALARMS, FILTERS)[n % 2]
                tx.add(FeedbackItem(title=f"{title} ({n})", text=f"{text} Seen on build {n}.",
                                    received_at="2026-11-24T15:00:00Z"))

    stored_groups(store)
    imported(150, 0)
    after, carried, oracle = stored_groups(store)
    assert carried and after == oracle
    imported(50, 150)  # 552 items
    with StoredLookalikes(store) as stored:
        found = stored.groups()
        assert stored.rebuilt and not stored.carried_on
    assert as_lists(found) == as_lists(DuplicateIndex.build(store).clusters())
    assert len(bugs) == 352


def test_a_capture_from_another_process_is_carried_on(store):
    background(store)
    capture(store, ALARMS[1], title=ALARMS[0], origin="test")
    stored_groups(store)
    other = Store.open(store.directory, clock=lambda: "2026-11-24T15:00:00Z")
    try:
        again = capture(other, ALARMS_AGAIN[1], title=ALARMS_AGAIN[0], origin="test")
        with StoredLookalikes(other) as stored:  # the other process's duplicates
            theirs = as_lists(stored.groups())
            assert stored.carried_on
    finally:
        other.close()
    capture(store, FILTERS[1], title=FILTERS[0], origin="test")  # and then this one's
    after, carried, oracle = stored_groups(store)
    assert carried and after == oracle
    assert any(again.id in group[3] for group in theirs)


def merged_away(store: Store, item_id: str, into: str) -> tuple[list, bool, list]:
    merge(store, [item_id], into, origin="test")
    return stored_groups(store)


def test_each_way_an_item_leaves_its_group_by_a_merge_is_carried_on_in_sql(store):
    alarms, again, filters, near = four_reports(store)
    copies = [capture(store, FILTERS[1], title=FILTERS[0], origin="test") for _ in range(2)]  # FILTERS' node
    title = "Dark mode in the app please"
    same_title = [capture(store, f"{greeting} The app is far too bright at night.", title=title, origin="test")
                  for greeting in ("Hi team!", "Hello,", "Hey,")]
    goods = [capture(store, "good", origin="test") for _ in range(3)]
    first, carried, oracle = stored_groups(store)
    assert first == oracle and grouped_together([g[3] for g in first], alarms.id, again.id)
    steps = [
        (copies[1].id, filters.id),  # a copy of a node, not its oldest item: the node stays
        (near.id, filters.id),  # a near copy folded into its leader
        (again.id, alarms.id),  # a leader of a cluster: the cluster is linked again without it
        (same_title[2].id, same_title[0].id),  # a same-title group's member
        (goods[2].id, goods[0].id),  # an identical short text
    ]
    for item_id, into in steps:
        after, carried, oracle = merged_away(store, item_id, into)
        assert carried, f"merging {item_id} was worked out in memory"
        assert after == oracle
        assert not any(item_id in group[3] for group in after)
    assert not grouped_together([g[3] for g in after], alarms.id, again.id)


def test_merges_that_move_what_others_fold_into_place_those_nodes_again_where_they_fall(store):
    background(store)
    filters = capture(store, FILTERS[1], title=FILTERS[0], origin="test")
    near = capture(store, FILTERS_COPY[1], title=FILTERS_COPY[0], origin="test")
    alarms = capture(store, ALARMS[1], title=ALARMS[0], origin="test")
    stored_groups(store)
    after, carried, oracle = merged_away(store, filters.id, alarms.id)  # the leader of a near copy
    assert carried and after == oracle  # the near copy placed again: now a leader in the middle
    assert not any(near.id in group[3] for group in after)  # its leader gone, the near copy stands alone
    with store.change("copies", origin="test") as tx:  # no title: not a same-title group, one node
        copies = [tx.add(FeedbackItem(text=ALARMS_AGAIN[1], received_at="2026-11-25T09:00:00Z")) for _ in range(2)]
    stored_groups(store)
    after, carried, oracle = merged_away(store, copies[0].id, alarms.id)  # the oldest of a node's copies
    assert carried and after == oracle  # the node comes again where its next item falls


def test_random_merges_undos_and_deletes_of_real_bugs_are_carried_on_and_equal_a_full_pairing(store):
    """Real SeaMonkey bugs with near and exact copies beside a third of them; merges within the
    groups found, a few undone, a few deletes, each compared with every item paired again."""
    rng = random.Random(5)
    bugs = background(store)
    with store.change("copies", origin="test") as tx:
        for bug in rng.sample(bugs, 110):
            text = bug.text.replace(" the ", " teh ", 1) if rng.random() < 0.5 else bug.text
            tx.add(FeedbackItem(title=bug.title, text=text, received_at=bug.received_at.replace("T09", "T10")))
    groups, _carried, _oracle = stored_groups(store)
    carried_on = 0
    for step in range(15):
        pairs = [group[3] for group in groups if len(group[3]) > 1]
        item_id, into = rng.sample(rng.choice(pairs), 2)
        if step % 5 == 4:
            with store.change("deleted", origin="test") as tx:
                tx.delete(item_id)
            groups, carried, oracle = stored_groups(store)
        elif step % 5 == 2:
            store.undo(origin="test")  # the merge before
            groups, carried, oracle = stored_groups(store)
        else:
            groups, carried, oracle = merged_away(store, item_id, into)
        assert groups == oracle, f"step {step}: {item_id}"
        carried_on += carried
    assert carried_on >= 8  # most are carried on in SQL (the others: see StoredLookalikes.remove)


def test_an_undone_merge_is_carried_on_in_sql_and_equals_a_full_pairing(store):
    background(store)
    filters = capture(store, FILTERS[1], title=FILTERS[0], origin="test")
    near = capture(store, FILTERS_COPY[1], title=FILTERS_COPY[0], origin="test")
    with store.change("copies", origin="test") as tx:  # no title: one node of two items
        copies = [tx.add(FeedbackItem(text=ALARMS[1], received_at="2026-11-25T09:00:00Z")) for _ in range(2)]
    title = "Dark mode in the app please"
    same_title = [capture(store, f"{greeting} The app is far too bright at night.", title=title, origin="test")
                  for greeting in ("Hi team!", "Hello,")]
    goods = [capture(store, "good", origin="test") for _ in range(2)]
    stored_groups(store)
    undone = [  # (merged, into)
        (copies[1].id, copies[0].id),  # back into its node, younger than its oldest item
        (same_title[1].id, same_title[0].id),
        (goods[1].id, goods[0].id),
        (near.id, filters.id),  # a node that comes back, placed where it falls
    ]
    for merged_id, into in undone:
        after, carried, oracle = merged_away(store, merged_id, into)
        assert carried and after == oracle
    for merged_id, into in reversed(undone):
        store.undo(origin="test")
        after, carried, oracle = stored_groups(store)
        assert carried and after == oracle
        assert grouped_together([group[3] for group in after], merged_id, into)


def test_older_items_imported_later_are_placed_where_they_fall_in_sql(store):
    background(store)
    capture(store, ALARMS[1], title=ALARMS[0], origin="test")
    stored_groups(store)
    with store.change("an older export", origin="test") as tx:  # among the bugs, not after them
        older = tx.add(FeedbackItem(title=ALARMS_AGAIN[0], text=ALARMS_AGAIN[1], received_at="2025-06-15T12:00:00Z"))
        tx.add(FeedbackItem(title="Print to PDF breaks images onto sheets",
                            text="Printing a page to PDF puts every image on its own sheet, even small icons.",
                            received_at="2025-03-02T12:00:00Z"))
    after, carried, oracle = stored_groups(store)
    assert carried and after == oracle
    assert any(older.id in group[3] for group in after)


def test_an_older_near_copy_that_would_lead_a_newer_node_is_worked_out_in_memory(store):
    """A node placed in the middle may take a later node's place as leader: that cannot be
    carried on exactly in SQL (the later one's pairs would go), so the index in memory does it."""
    background(store)
    filters = capture(store, FILTERS[1], title=FILTERS[0], origin="test")
    stored_groups(store)
    with store.change("an older export", origin="test") as tx:
        older = tx.add(FeedbackItem(title=FILTERS_COPY[0], text=FILTERS_COPY[1], received_at="2025-02-01T12:00:00Z"))
    after, carried, oracle = stored_groups(store)
    assert not carried and after == oracle
    assert any({older.id, filters.id} <= set(group[3]) for group in after)


def test_same_title_groups_that_split_or_grow_by_a_delete_or_an_edit_are_carried_on_in_sql(store):
    background(store)
    title = "Dark mode in the app please"
    first = capture(store, "Hi team! The app is far too bright at night.", title=title, origin="test")
    second = capture(store, "Hello, reading at night hurts my eyes.", title=f"FYI {title}", origin="test")
    lone = capture(store, FILTERS[1], title=FILTERS[0], origin="test")  # alone under its title: a node
    first_groups, _carried, oracle = stored_groups(store)
    assert ("same-title", False, None, [first.id, second.id]) in first_groups == oracle
    with store.change("deleted", origin="test") as tx:  # the title `second` joined through goes
        tx.delete(first.id)
    after, carried, oracle = stored_groups(store)
    assert carried and after == oracle
    assert not any(group[0] == "same-title" and second.id in group[3] for group in after)
    with store.change("retitled", origin="test") as tx:  # now under `lone`'s title: it leaves its node
        tx.put(replace(store.get(second.id), title=FILTERS[0]))
    after, carried, oracle = stored_groups(store)
    assert carried and after == oracle
    assert ("same-title", False, None, [second.id, lone.id]) in after
