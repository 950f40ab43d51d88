"""The app open while other processes write to the same workspace (issue 16: kept as a test).

Four processes capture, a fifth imports a real export, and the app itself captures, all at once
into one workspace. Nothing is lost, no id is given twice, and the open app lists every new item
shortly after (it polls the files once a second: ProdopsApp.check_external_changes).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from prodops_tui.core.feedback import inbox
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store
from prodops_tui.ui.widgets.feedback_list import FeedbackList

from ..conftest import REPO, TEST_DATA, fixed_clock
from .conftest import settle, wait_until

CAPTURES_PER_PROCESS = 15
TWEETS_IMPORTED = 49  # of the 93 rows of support_tweets.csv: the rest are the company's replies

# One process capturing several times in a row (each a whole `prodops capture`): a race long
# enough for the others to land in between, without paying a process start per capture.
CAPTURE_LOOP = textwrap.dedent('''
    import sys
    from prodops_tui.cli import main
    workspace, name, times = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.exit(max(main(["--workspace", workspace, "capture", f"{name} #{n}"]) for n in range(times)))
''')


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO), **env))


async def test_four_processes_capturing_and_one_importing_while_the_app_is_open_lose_nothing(demo_store, make_app, workspace, cli_env):
    before = {item.id for item in demo_store.all(FeedbackItem)}
    app = make_app(demo_store, poll_external=True)
    async with app.run_test(size=(120, 40)) as pilot:
        writers = [start(["-c", CAPTURE_LOOP, str(workspace), f"from process {n}", str(CAPTURES_PER_PROCESS)], cli_env)
                   for n in range(4)]
        writers.append(start(["-m", "prodops_tui", "--workspace", str(workspace), "import", "feedback",
                              str(TEST_DATA / "support_tweets.csv")], cli_env))
        from_app = []
        for n in range(10):  # the app's own changes, in between theirs
            from_app.append(inbox.capture(app.store, f"from the app #{n}", origin="app").id)
            await pilot.pause(0.05)
        assert await wait_until(pilot, lambda: all(w.poll() is not None for w in writers), seconds=60)
        outputs = [w.communicate() for w in writers]
        assert [w.returncode for w in writers] == [0] * 5, [err for _, err in outputs]

        fresh = Store.open(workspace, clock=fixed_clock)
        try:
            stored = {item.id: item.text for item in fresh.all(FeedbackItem)}
        finally:
            fresh.close()
        captured_texts = {f"from process {n} #{k}" for n in range(4) for k in range(CAPTURES_PER_PROCESS)}
        new_ids = set(stored) - before
        new_texts = [stored[i] for i in new_ids]
        # Nothing lost, nothing twice: each capture once, every tweet imported, the app's own too.
        assert len(new_ids) == len(captured_texts) + TWEETS_IMPORTED + len(from_app)
        assert captured_texts <= set(new_texts) and len(new_texts) == len(set(new_texts))
        printed_ids = [line for out, _ in outputs[:4] for line in out.split()]
        assert len(printed_ids) == len(set(printed_ids)) == len(captured_texts)
        assert set(printed_ids) | set(from_app) <= new_ids
        assert "imported 49" in outputs[4][0]

        # The open app lists every one of them, without a key pressed.
        def app_shows_all() -> bool:
            return new_ids <= {item.id for item in app.query_one(FeedbackList).items}

        assert await wait_until(pilot, app_shows_all, seconds=10), "the app did not show the other processes' items"
        assert {item.id for item in app.store.all(FeedbackItem)} == set(stored)

        # And once the app is idle (nothing of its own reads the files), only its polling can
        # bring in a change made elsewhere: it does.
        await settle(pilot)
        last = start(["-m", "prodops_tui", "--workspace", str(workspace), "capture", "the last one, app idle"], cli_env)
        last_id = last.communicate()[0].strip()
        assert last.returncode == 0 and last_id.startswith("F-")
        assert await wait_until(pilot, lambda: last_id in {item.id for item in app.query_one(FeedbackList).items}, seconds=10)
