"""The app on a workspace, headless, timed: run by bench/run.py in a process of its own.

    python bench/app_probe.py WORKSPACE  ->  one JSON object on stdout

first_frame_s: from this process's start (before importing prodops) to the inbox holding rows
and the app idle after it (pilot.pause(), which also waits for what the workers started at
mount post); rows_drawn_s: to the first screen update that holds those rows, made into the text
a terminal would be sent (what a user sees first; no idle wait);
search_ready_s: to the search index being built; settled_s: to the inbox's look-alike scan
landed too, cpu_until_settled_s the process's CPU time from its start to then, and
cpu_after_first_frame_s the CPU time spent from the first frame to then (the
app's work after it shows, what a laptop's fan hears); nav_key_s: each `j` to the redrawn screen,
as the CPU time the process spent on it (pilot.press also waits for the app to go idle, about
60 ms of polling that a terminal would not see: nav_key_wall_s keeps that wall time too, for
comparison); search_s: one SearchIndex query per keystroke of a few typed queries, as the
search screen runs them; pane_switch_s: `2` then `1`, five times, each switch's CPU time and
(pane_switch_wall_s) its wall time until the app is idle and every animation done, what a user
waits for the screen to be still; metrics_open_s: `5`, the metrics pane shown (CPU time, as for keys);
rss_settled_mb: resident memory once settled (the app idle, before the keys and searches);
rss_mb: peak resident memory at the end (after them and the metrics pane).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import asyncio  # noqa: E402 - timed from before the imports on purpose
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from prodops_tui.core.model import FeedbackItem  # noqa: E402
from prodops_tui.core.workspace import Settings, open_workspace  # noqa: E402
from prodops_tui.ui.app import ProdopsApp  # noqa: E402
from prodops_tui.ui.panes.inbox import InboxPane  # noqa: E402
from prodops_tui.ui.widgets.feedback_list import FeedbackList  # noqa: E402

QUERIES = ("invocies tax", "login eror", "export csv", "dark mode", "notification")
KEYS = 30
DRAWN: list[float] = []  # when the first screen update holding the inbox's rows was ready to write


def _time_the_first_rows_drawn() -> None:
    """Note when the screen update that first holds the inbox's rows is ready: Textual's
    `_display` gets it, and a terminal driver would write the text `render_segments` makes of
    it (headless, Textual skips that write, so it is made here, inside the timing)."""
    from textual.app import App

    display = App._display

    def timed(app, screen, renderable) -> None:  # type: ignore[no-untyped-def]
        display(app, screen, renderable)
        if DRAWN or renderable is None or not hasattr(renderable, "render_segments"):
            return
        try:
            rows = app.query_one(FeedbackList).items
        except Exception:  # noqa: BLE001 - not mounted yet
            return
        if rows:
            renderable.render_segments(app.console)
            DRAWN.append(time.perf_counter() - STARTED)

    App._display = timed  # type: ignore[method-assign]


def _rss_now_mb() -> float:
    """Resident memory now (Linux's /proc; elsewhere the peak so far, an upper bound)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def probe(workspace: Path) -> dict:
    _time_the_first_rows_drawn()
    store = open_workspace(workspace)
    config = Path(tempfile.mkdtemp(prefix="prodops-bench-config-"))
    # actor named: on a first start without one the app asks for a name, and the keys would go to that prompt.
    app = ProdopsApp(store, workspace_label="bench", settings=Settings(config), poll_external=False, nudges_at_start=False,
                     actor="bench")
    out: dict = {}
    async with app.run_test(size=(160, 48)) as pilot:
        listing = app.query_one(FeedbackList)
        while not listing.items:
            await asyncio.sleep(0.005)
        await pilot.pause()
        out["first_frame_s"] = time.perf_counter() - STARTED
        first_frame_cpu = time.process_time()
        while not DRAWN:
            await asyncio.sleep(0.005)
        out["rows_drawn_s"] = DRAWN[0]
        while not app.search_index.ready:
            await asyncio.sleep(0.01)
        out["search_ready_s"] = time.perf_counter() - STARTED
        # At 100k the app reads the inbox by page and never loads every item for it; a smaller
        # workspace has them all at start.
        for _ in range(2):  # the scans and search's warming: their CPU is not a key's
            await pilot.pause()
            await app.workers.wait_for_complete()
        # Settled: the inbox's look-alike scan has landed for the store as it is (it starts on a
        # quiet timer, so waiting for the workers alone could stop before it).
        inbox = app.query_one(InboxPane)
        # Or refused, where the index would not fit the memory free (a million items on 16 GB).
        while (inbox._duplicate_index is None and inbox._lookalikes_off is None) or inbox._scanned_revision != store.revision:
            await asyncio.sleep(0.05)
        out["lookalikes_off"] = inbox._lookalikes_off
        await app.workers.wait_for_complete()
        out["settled_s"] = time.perf_counter() - STARTED
        out["cpu_after_first_frame_s"] = time.process_time() - first_frame_cpu
        out["cpu_until_settled_s"] = time.process_time()  # the process's CPU from its start: imports included
        out["rss_settled_mb"] = _rss_now_mb()
        out["every_item_loaded"] = store.loaded(FeedbackItem)
        await pilot.pause()
        nav, nav_wall = [], []
        for _ in range(KEYS):
            start, start_cpu = time.perf_counter(), time.process_time()
            await pilot.press("j")
            nav.append(time.process_time() - start_cpu)
            nav_wall.append(time.perf_counter() - start)
        out["nav_key_s"], out["nav_key_wall_s"] = nav, nav_wall
        switches, switches_wall = [], []
        for key in ("2", "1") * 5:
            start, start_cpu = time.perf_counter(), time.process_time()
            await pilot.press(key)
            await pilot.pause()
            switches.append(time.process_time() - start_cpu)
            switches_wall.append(time.perf_counter() - start)
        out["pane_switch_s"], out["pane_switch_wall_s"] = switches, switches_wall
        typing = []
        for query in QUERIES:
            for end in range(1, len(query) + 1):
                start = time.perf_counter()
                app.search_index.search(query[:end], store, limit=50)
                typing.append(time.perf_counter() - start)
        out["search_s"] = typing
        start_cpu = time.process_time()
        await pilot.press("5")
        out["metrics_open_s"] = [time.process_time() - start_cpu]
        await pilot.press("q")
    store.close()
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(probe(Path(sys.argv[1])))))
