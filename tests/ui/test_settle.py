"""The tests' `settle` (conftest.py) under load: a look-alike scan that outlasts the inbox's
wait after a change is replaced by the rescan (an exclusive worker), and settle failed the test
with WorkerCancelled (tests/ui/test_search.py, 1 run of 1 beside two CPU hogs). It waits for
the worker that took over instead."""

from __future__ import annotations

import threading

from textual import work
from textual.app import App

from .conftest import settle


class Rescanning(App):
    @work(thread=True, exclusive=True, group="scan")
    def scan(self, done: threading.Event) -> None:
        done.wait(5)


async def test_settle_waits_for_the_worker_that_took_over_not_the_one_it_cancelled():
    app = Rescanning()
    async with app.run_test() as pilot:
        first, second = threading.Event(), threading.Event()
        app.scan(first)
        await pilot.pause()

        def rescan() -> None:
            app.scan(second)  # cancels the first, as the inbox's rescan does
            first.set()
            app.set_timer(0.1, second.set)

        app.set_timer(0.1, rescan)
        await settle(pilot)
        assert second.is_set()  # the newer scan has landed


async def test_settle_waits_for_a_look_alike_scan_that_has_not_started_yet(demo_store, make_app, monkeypatch):
    """The inbox starts its first scan after the next frame, so for a while no worker runs it;
    under load those frames came late and settle returned before the scan began (the detail
    panel's look-alikes and the merge picker's snapshot failed once each). Here that frame comes
    half a second late: settle waits for the scan to start and land, however late it comes."""
    from prodops_tui.core.feedback import inbox
    from prodops_tui.ui.panes.inbox import InboxPane

    queue = InboxPane.call_after_refresh

    def late(pane, callback, *args, **kwargs) -> bool:
        # As under load: the frame that starts the scan comes after settle has seen no worker.
        pane.set_timer(0.5, lambda: queue(pane, callback, *args, **kwargs))
        return True

    monkeypatch.setattr(InboxPane, "call_after_refresh", late)
    original = inbox.capture(demo_store, "Bulk export of all invoices to CSV keeps timing out for large accounts")
    inbox.capture(demo_store, "Bulk export of invoices to CSV keeps timing out for our large account")
    app = make_app(demo_store)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert not app.query_one(InboxPane).scan_pending
        assert original.id in str(app.query_one("#detail").content)  # the scan landed: look-alikes shown
