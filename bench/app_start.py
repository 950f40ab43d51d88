"""The app's start at scale, what a user waits for and what the machine spends, beside the
look-alike index in memory it replaced, in one run.

    python bench/app_start.py [--size 100000] [--runs 3] [--dir DIR] [--workspace WS] [--stored-only]

Writes bench/run.py's feedback CSV of --size rows (the real reviews and tweets of tests/data,
cycled) and imports it with `prodops import`, or takes --workspace as it is; runs `prodops
duplicates` once, as a first start would store the look-alike tables; then starts the app
headless (bench/app_probe.py, a process each) --runs times each way, in turns:

- stored: the app as it is; the inbox reads an item's look-alikes from lookalikes.sqlite
  (stored_lookalikes.lookalike_lookup), nothing of every item held for them;
- in memory: the same app with the inbox's scan building the look-alike index of every item in
  memory from the stored facts (stored_lookalikes.lookalike_index, what it did before).

For each: rows drawn (process start to the first screen update holding the inbox's rows, made
into the text a terminal is sent), first frame and idle (to the rows and the app idle after
them, which also waits for what the workers started at mount post: the figure quoted before
2026-12-07 as "first frame"), settled (the inbox's look-alike scan
landed for the store as it is), the CPU the process spent from the first frame until settled,
resident memory once settled, peak RSS (after the keys, searches and the metrics pane), and `j`'s CPU per key press (30). Then a
pane switch (`2`, `1`, five times a start): its CPU and its wall time until the screen is still,
beside the same app with Textual's animations (TEXTUAL_ANIMATIONS=full, a start more each turn).
Median, p95 and n. Progress to stderr, tables to stdout. A benchmark, not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from run import ENV, figure, label, log, prodops, real_texts, write_feedback_csv  # noqa: E402

# The app with its inbox scan swapped for the index in memory (the peer): app_probe.py run as
# __main__ after the swap, so everything else is the same code.
IN_MEMORY = """
import runpy, sys
from prodops_tui.core.feedback import stored_lookalikes as stored
import prodops_tui.ui.panes.inbox as inbox

def in_memory(store, *, with_groups=False, should_stop=None):
    if with_groups:
        return stored.lookalikes_with_groups(store, should_stop=should_stop)
    return stored.lookalike_index(store), None

inbox.lookalike_lookup = in_memory
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def probe(workspace: Path, *, in_memory: bool, animations: bool = False) -> dict:
    probe_path = str(REPO / "bench" / "app_probe.py")
    command = [sys.executable, "-c", IN_MEMORY, probe_path, str(workspace)] if in_memory else [sys.executable, probe_path, str(workspace)]
    env = {name: value for name, value in ENV.items() if name != "TEXTUAL_ANIMATIONS"}
    if animations:
        env["TEXTUAL_ANIMATIONS"] = "full"
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True, timeout=900)
    return json.loads(done.stdout.strip().splitlines()[-1])


def row(name: str, runs: list[dict]) -> list[str]:
    def cell(key: str, scale: float = 1.0, unit: str = "s") -> str:
        found = figure([r[key] for r in runs], scale)
        return f"{found['value']:.2f} {unit} (p95 {found['p95']:.2f}, n={found['n']})"

    keys = figure([k for r in runs for k in r["nav_key_s"]], 1000)
    return [name, cell("rows_drawn_s"), cell("first_frame_s"), cell("settled_s"), cell("cpu_after_first_frame_s"), cell("cpu_until_settled_s"), cell("rss_settled_mb", unit="MB"), cell("rss_mb", unit="MB"),
            f"{keys['value']:.1f} ms (p95 {keys['p95']:.1f}, n={keys['n']})"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", help="where the temporary workspace goes")
    parser.add_argument("--workspace", help="an existing workspace to start on (nothing imported)")
    parser.add_argument("--stored-only", action="store_true",
                        help="leave out the in-memory peer (at 1M items it would hold the index of every item: ~15 GB)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.dir) as root:
        if args.workspace:
            workspace = Path(args.workspace)
        else:
            workspace, csv_path = Path(root) / "ws", Path(root) / "feedback.csv"
            write_feedback_csv(csv_path, args.size, real_texts())
            log(f"{label(args.size)}: importing")
            prodops(workspace, "import", "feedback", str(csv_path))
        log("the first look-alike build (prodops duplicates)")
        wall, peak_kb, _done = prodops(workspace, "duplicates", "--json")
        print(f"the first look-alike build (prodops duplicates): {wall:.1f} s, peak RSS {peak_kb / 1024:,.0f} MB "
              "(at least the bench's own: Linux carries a parent's into its child)")
        runs: dict[str, list[dict]] = {"stored": []} if args.stored_only else {"stored": [], "in memory": []}
        animated: list[dict] = []  # the peer of the pane switch: Textual's animations, as it ships them
        for turn in range(args.runs):
            for name in runs:
                log(f"app start {turn + 1}/{args.runs}, look-alikes {name}")
                runs[name].append(probe(workspace, in_memory=name == "in memory"))
            log(f"app start {turn + 1}/{args.runs}, TEXTUAL_ANIMATIONS=full")
            animated.append(probe(workspace, in_memory=False, animations=True))
    header = ["look-alikes", "rows drawn", "first frame and idle", "settled", "CPU after first frame", "CPU until settled", "RSS settled",
              "peak RSS (after keys, searches, metrics)", "j, CPU per key"]
    print(f"app start on {args.workspace or label(args.size) + ' items'}, {args.runs} starts each way, in turns")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, found in runs.items():
        print("| " + " | ".join(row(name, found)) + " |")
    print(f"\na pane switch (`2` then `1`, five times a start), {args.runs} starts each way, in turns")
    print("| app | CPU per switch | wall until the screen is still |")
    print("|---|---|---|")
    for name, found in (("prodops (no animations)", runs["stored"]), ("Textual's animations (TEXTUAL_ANIMATIONS=full)", animated)):
        switch_cpu = figure([t for r in found for t in r["pane_switch_s"]], 1000)
        switch_wall = figure([t for r in found for t in r["pane_switch_wall_s"]], 1000)
        print(f"| {name} | {switch_cpu['value']:.0f} ms (p95 {switch_cpu['p95']:.0f}, n={switch_cpu['n']}) "
              f"| {switch_wall['value']:.0f} ms (p95 {switch_wall['p95']:.0f}, n={switch_wall['n']}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
