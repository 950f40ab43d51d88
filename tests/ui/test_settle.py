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
