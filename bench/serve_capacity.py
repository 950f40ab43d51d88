"""How many browser tabs of `prodops serve` a workspace holds within a memory budget.

    python bench/serve_capacity.py WORKSPACE [--max-tabs 8] [--budget-gb 4]

Starts the real `prodops serve` on loopback for WORKSPACE (give it a workspace that has run
`prodops duplicates` once, as a team's would have, so no tab pays the first look-alike build),
invites one person and, signed in as them (tests/support_serve.py's browser, 120x40), opens tabs
one at a time. Each tab is left until the tabs' memory has moved less than 5 MB for 20 s (or 180 s
passed); then it prints one JSON line: tabs, each tab's memory (PSS, from the server's status
file), the server's, the first screen's wait. It stops at --max-tabs or once the total passes
--budget-gb, and prints `prodops serve --status`. A benchmark, not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import tests.support_serve as support  # noqa: E402
from tests.support_serve import Browser, running_server, status  # noqa: E402

SETTLE_S, QUIET_S, MOVED_MB = 180, 20, 5


def tab_memory(served) -> tuple[list[int], int]:
    found = status(served)
    return [tab.get("rss_bytes", 0) for tab in found.get("tabs", [])], found.get("server_rss_bytes", 0)


async def open_tabs(served, most: int, budget: int) -> None:
    browser = Browser(served)
    tabs = []
    try:
        await browser.sign_in(served.invite("Bench"))
        for count in range(1, most + 1):
            started = time.monotonic()
            tabs.append(await browser.open_tab())
            first_screen = time.monotonic() - started
            quiet_since, last = time.monotonic(), -1
            while time.monotonic() - started < SETTLE_S:
                await asyncio.sleep(2)
                total = sum(tab_memory(served)[0])
                if abs(total - last) > MOVED_MB * 2**20:
                    quiet_since, last = time.monotonic(), total
                elif time.monotonic() - quiet_since > QUIET_S:
                    break
            per_tab, server = tab_memory(served)
            print(json.dumps({"tabs": count, "first_screen_s": round(first_screen, 1),
                              "per_tab_mb": [round(x / 2**20) for x in per_tab], "tabs_total_mb": round(sum(per_tab) / 2**20),
                              "server_mb": round(server / 2**20), "total_mb": round((sum(per_tab) + server) / 2**20),
                              "load": round(os.getloadavg()[0], 2)}), flush=True)
            if sum(per_tab) + server > budget:
                break
        said = await asyncio.to_thread(served.cli, "serve", "--status")
        print(said.stdout, flush=True)
        for tab in tabs:
            await tab.close()
    finally:
        await browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace")
    parser.add_argument("--max-tabs", type=int, default=8)
    parser.add_argument("--budget-gb", type=float, default=4.0)
    args = parser.parse_args(argv)
    support.WAIT_S = SETTLE_S  # a 100k tab's first screen can take longer than a test waits
    support.wait_for.__defaults__ = (SETTLE_S,)
    with tempfile.TemporaryDirectory(prefix="prodops-bench-serve-") as root:
        env = {"PRODOPS_WORKSPACE": str(Path(args.workspace).resolve()), "PRODOPS_CONFIG_DIR": str(Path(root) / "config")}
        with running_server(env, Path(root), "--max-tabs", str(args.max_tabs), "--max-tabs-per-person", str(args.max_tabs)) as served:
            asyncio.run(open_tabs(served, args.max_tabs, int(args.budget_gb * 2**30)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
