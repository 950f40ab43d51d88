"""Every command once on a million items (issue 29: "at 1M every command and the app work on a
16 GB laptop"): does it finish, how long, how much CPU and memory.

    python bench/million.py [--size 1000000] [--dir DIR] [--workspace WS]

Writes bench/run.py's feedback CSV of --size rows and imports it with `prodops import feedback`
(or takes --workspace as it is), then runs each command below in its own process, once, with
its output to a file (a list of a million items is hundreds of megabytes: the bench must not
hold it). For each: wall seconds, CPU seconds (user + system), peak RSS, the exit status, the
output's size and, for a command that exits 1, its one line. Then starts the app headless once
(bench/app_probe.py: rows drawn, CPU until settled, RSS, `j`).

To stand for a 16 GB laptop on a bigger machine, run it inside a cgroup of 16 GiB, e.g. as root
on cgroup v1 (`echo $$ > .../memory/NAME/cgroup.procs` after writing 17179869184 to its
memory.limit_in_bytes) or `systemd-run --user --scope -p MemoryMax=16G`: the kernel then ends
whatever passes 16 GiB, as on the laptop, and prodops' look-alike guard counts that limit.

Progress to stderr, the table to stdout. A benchmark, not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from run import ENV, label, log, real_texts, write_feedback_csv  # noqa: E402

from prodops_tui.core.memory import available_memory  # noqa: E402


def run(workspace: Path, out_dir: Path, name: str, *args: str, stdin: str | None = None) -> dict:
    """One command in its own process, its output to a file: wall, CPU, peak RSS, exit."""
    out_path = out_dir / f"{name}.out"
    command = [sys.executable, "-m", "prodops_tui", "--workspace", str(workspace), *args]
    start = time.perf_counter()
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.PIPE, env=ENV)
        if stdin:
            assert proc.stdin is not None
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    lines = [line for line in err.decode(errors="replace").splitlines() if line.strip()]
    return {"name": name, "args": " ".join(args), "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024, "exit": code, "out_bytes": out_path.stat().st_size,
            "said": lines[-1] if code != 0 and lines else ""}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--dir", help="where the temporary workspace goes")
    parser.add_argument("--workspace", help="an existing workspace (nothing imported)")
    args = parser.parse_args(argv)
    free = available_memory()
    print(f"memory this process may take (core/memory.py: free, cgroup, ulimit -v): {free / 2**30:.1f} GiB" if free else
          "memory free: not known")
    results = []
    with tempfile.TemporaryDirectory(dir=args.dir) as root_name:
        root = Path(root_name)
        out_dir = root / "out"
        out_dir.mkdir()
        if args.workspace:
            workspace = Path(args.workspace)
        else:
            workspace, csv_path = root / "ws", root / "feedback.csv"
            log(f"{label(args.size)}: writing the CSV")
            write_feedback_csv(csv_path, args.size, real_texts())
            log("import")
            results.append(run(workspace, out_dir, "import", "import", "feedback", str(csv_path)))
        middle = f"F-{args.size // 2}"
        steps = [
            ("compact", ("compact",)),
            ("list", ("list", "feedback", "--json")),
            ("search", ("search", "battery drains overnight", "--json")),
            ("update", ("update", middle, "--status", "processed", "--tag", "bench")),
            ("capture", ("capture", "The export to CSV times out on big workspaces", "--json")),
            ("history", ("history", middle, "--json")),
            ("suggest", ("suggest", middle, "--json")),
            ("nudges", ("nudges", "--json")),
            ("report", ("report", "--since", "30d", "--format", "json")),
            ("export", ("export", "feedback", "--format", "csv", "-o", str(out_dir / "export.csv"))),
            ("duplicates", ("duplicates", "--json")),
            ("similar", ("similar", middle, "--json")),
            ("doctor", ("doctor",)),
        ]
        for name, command in steps:
            log(name)
            results.append(run(workspace, out_dir, name, *command))
        log("the app, headless (bench/app_probe.py)")
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(REPO / "bench" / "app_probe.py"), str(workspace)],
                              check=False, capture_output=True, text=True, env=ENV, timeout=3600)
        app = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else None
        app_wall = time.perf_counter() - start
    print(f"## every command once at {label(args.size)} items")
    print("| command | wall | CPU | peak RSS | exit | output | said (exit 1) |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| `prodops {r['args'][:60]}` | {r['wall_s']:.1f} s | {r['cpu_s']:.1f} s | {r['peak_mb']:,.0f} MB | {r['exit']} | "
              f"{r['out_bytes'] / 2**20:,.1f} MB | {r['said'][:160]} |")
    if app is None:
        print(f"the app: the probe failed after {app_wall:.0f} s: {done.stderr.strip().splitlines()[-1:]}")
    else:
        keys = sorted(app["nav_key_s"])
        print(f"the app: rows drawn {app['rows_drawn_s']:.2f} s, settled {app['settled_s']:.2f} s, CPU until settled "
              f"{app['cpu_until_settled_s']:.2f} s, RSS settled {app['rss_settled_mb']:,.0f} MB, peak RSS {app['rss_mb']:,.0f} MB, "
              f"j median {1000 * keys[len(keys) // 2]:.1f} ms of CPU (n={len(keys)})"
              + (f"; the inbox said: {app['lookalikes_off']}" if app.get("lookalikes_off") else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
