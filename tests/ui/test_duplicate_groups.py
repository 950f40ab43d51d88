"""The Likely duplicates view on real reviews: each group's header says what the group is, and
the group offered for one-step archiving holds no complaint (issue 25, item 1)."""

from __future__ import annotations

from prodops_tui.core.importers import import_feedback
from prodops_tui.core.model import FeedbackItem
from prodops_tui.ui.panes.inbox import InboxPane
from prodops_tui.ui.widgets.feedback_list import FeedbackList

from ..conftest import TEST_DATA
from .conftest import settle, wait_until

SIZE = (140, 40)


async def open_likely_duplicates(app, pilot) -> list:
    """Step to the last view, Likely duplicates, and wait for its groups."""
    await settle(pilot)
    await pilot.press("left_square_bracket")
    pane = app.query_one(InboxPane)
    assert await wait_until(pilot, lambda: pane._clusters is not None)
    await settle(pilot)
    return pane._clusters


async def test_the_low_information_group_says_what_qualifies_and_holds_no_low_rating(store, make_app):
    import_feedback(store, TEST_DATA / "app_store_reviews.csv")
    rating = {item.id: item.rating for item in store.all(FeedbackItem)}
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        clusters = await open_likely_duplicates(app, pilot)
        low = [item_id for cluster in clusters if cluster.low_information for item_id in cluster]
        assert low and [item_id for item_id in low if rating[item_id] in (1, 2)] == []

        listing = app.query_one(FeedbackList)
        (number,) = [n for n, cluster in enumerate(clusters) if cluster.kind == "short"]
        listing.cursor = next(n for n, item in enumerate(listing.items) if item.id == clusters[number][0])
        await pilot.pause()
        detail = str(app.query_one("#detail").content)
        assert f"Group {number + 1} of {len(clusters)}: {len(clusters[number])} items, short, no request, problem or question" in detail
        assert "A 1-2 star rating, a problem or request word, a question or three meaningful words keep an item out." in detail

        listing.cursor = 0  # the first group: look-alikes to merge, not to clear
        await pilot.pause()
        detail = str(app.query_one("#detail").content)
        assert f"Group 1 of {len(clusters)}" in detail and "m merges it into the oldest" in detail


async def test_the_groups_the_app_works_out_are_those_the_command_line_reads_back(store, make_app):
    """The app's scan keeps lookalikes.sqlite: `prodops duplicates` then reads the groups and
    no item's text."""
    from prodops_tui.core.feedback.stored_lookalikes import StoredLookalikes

    import_feedback(store, TEST_DATA / "app_store_reviews.csv")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        shown = [list(cluster) for cluster in await open_likely_duplicates(app, pilot)]
    with StoredLookalikes(store) as stored:
        assert [list(group) for group in stored.groups()] == shown
        assert stored.groups_read_back


async def test_each_group_opens_with_a_line_saying_its_size_and_score_and_the_cursor_steps_over_it(demo_store, make_app):
    """Likely duplicates lists group after group; a line above each says which group it is,
    how many items it holds and how alike they are (issue 31, item 7: shading alone did not show
    where one group ended). j and k move from item to item, never onto such a line."""
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        clusters = await open_likely_duplicates(app, pilot)
        listing = app.query_one(FeedbackList)
        first, second = clusters[0], clusters[1]
        lines = [strip.text for strip in (listing.render_line(y) for y in range(listing.size.height))]
        at = lines.index(next(line for line in lines if line.startswith(f"── Group 2 of {len(clusters)}")))
        assert lines[at].startswith(f"── Group 2 of {len(clusters)}: {len(second)} items, {second.describe()} ─")
        assert second[0] in lines[at + 1] and first[-1] in lines[at - 1]
        assert lines[1].startswith(f"── Group 1 of {len(clusters)}: {len(first)} items") and first[0] in lines[2]
        # A group of look-alikes says how alike: the lowest score against the oldest.
        number, scored = next((n, c) for n, c in enumerate(clusters) if c.score is not None and c.kind == "similar")
        listing.cursor = next(n for n, item in enumerate(listing.items) if item.id == scored[0])
        await pilot.pause()
        lines = [strip.text for strip in (listing.render_line(y) for y in range(listing.size.height))]
        assert any(line.startswith(f"── Group {number + 1} of {len(clusters)}: {len(scored)} items, similar, score {scored.score:.0f} ─")
                   for line in lines)

        listing.cursor = len(first) - 1  # the last item of group 1
        await pilot.press("j")
        assert listing.current.id == second[0]
        await pilot.press("k")
        assert listing.current.id == first[-1]


async def test_a_merge_from_likely_duplicates_is_carried_on_in_sql_not_worked_out_again_in_memory(store, make_app,
                                                                                                 monkeypatch):
    """After `m` the scan takes the merged item out of the stored groups (issue 25, item 7): no
    index of every item is built in memory (23 s of CPU at 100,000 items), and the groups shown
    are those of a full pairing."""
    from prodops_tui.core.feedback.duplicates import DuplicateIndex
    from prodops_tui.core.feedback.stored_lookalikes import StoredLookalikes

    import_feedback(store, TEST_DATA / "app_store_reviews.csv")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        clusters = await open_likely_duplicates(app, pilot)
        group = next(cluster for cluster in clusters if cluster.kind == "similar" and len(cluster) > 2)
        in_memory: list[str] = []
        build, index = DuplicateIndex.build, StoredLookalikes.index
        monkeypatch.setattr(DuplicateIndex, "build", classmethod(lambda cls, s: in_memory.append("build") or build(s)))
        monkeypatch.setattr(StoredLookalikes, "index", lambda self: in_memory.append("index") or index(self))
        listing = app.query_one(FeedbackList)
        listing.cursor = next(n for n, item in enumerate(listing.items) if item and item.id == group[-1])
        await pilot.pause()
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("enter")  # the picker's first choice: its best look-alike
        pane = app.query_one(InboxPane)
        assert await wait_until(pilot, lambda: store.get(group[-1]).duplicate_of is not None)
        assert await wait_until(pilot, lambda: pane._clusters is not None and all(group[-1] not in c for c in pane._clusters))
        await settle(pilot)
        shown = [list(cluster) for cluster in pane._clusters]
    assert in_memory == []
    assert shown == [list(cluster) for cluster in build(store).clusters()]
