"""How fast `who PATH` answers from CODEOWNERS rules at 5,000 rules.

    python bench/who_rules.py [--rules 5000] [--paths 1000] [--out FILE]

Builds a deterministic rule file shaped like a big monorepo's (anchored folders, per-folder
globs, `**` rules, extension rules anywhere) and 1,000 paths, imports it into a fresh
workspace, then measures:
- who_compute_ms: one path resolved in an open store, the rules compiled as first needed
  (median, p95 over the paths; target < 20 ms);
- who_compute_cold_ms: the first path, which pays for building the rule buckets;
- cli_who_path_ms: `prodops who PATH`, wall time of the process;
- cli_who_stdin_ms: `prodops who -` over all the paths (target < 1,000 ms);
- oracle_ms: the `codeowners` package answering the same paths, when it is installed
  (the test extra), as a comparison in the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from prodops_tui.core.areas.rules import owners_of_path  # noqa: E402
from prodops_tui.core.importers import import_areas  # noqa: E402
from prodops_tui.core.storage.store import Store  # noqa: E402
from prodops_tui.core.workspace import make_clock  # noqa: E402

SEED = 20261202
ENV = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
ENV.pop("PRODOPS_WORKSPACE", None)


def rule_file(n_rules: int, rnd: random.Random) -> str:
    tops = [f"pkg{i}" for i in range(80)]
    lines = ["# Default owners", "* @org/everyone", ""]
    for i in range(n_rules - 1):
        if i % 250 == 0:
            lines += ["", f"# Team block {i // 250}"]
        top, mod = rnd.choice(tops), rnd.randint(0, 300)
        kind = rnd.random()
        if kind < 0.55:
            pattern = f"/{top}/mod{mod}/"
        elif kind < 0.75:
            pattern = f"/{top}/mod{mod}/*.py"
        elif kind < 0.85:
            pattern = f"{top}/**/gen{rnd.randint(0, 50)}.js"
        elif kind < 0.95:
            pattern = f"/{top}/mod{mod}/docs/*"
        else:
            pattern = f"*.ext{rnd.randint(0, 300)}"
        owners = " ".join(f"@org/team{rnd.randint(0, 400)}" for _ in range(rnd.randint(0, 2)))
        lines.append(f"{pattern} {owners}".rstrip())
    return "\n".join(lines) + "\n"


def paths(n: int, rnd: random.Random) -> list[str]:
    out = []
    for _ in range(n):
        depth = rnd.randint(0, 3)
        middle = "/".join(rnd.choice(["src", "lib", "docs", "sub", "internal"]) for _ in range(depth))
        name = rnd.choice(["a.py", "b.js", "README.md", f"gen{rnd.randint(0, 50)}.js", f"x.ext{rnd.randint(0, 300)}"])
        out.append("/".join(p for p in (f"pkg{rnd.randint(0, 79)}", f"mod{rnd.randint(0, 300)}", middle, name) if p))
    return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


def figure(values: list[float]) -> dict[str, Any]:
    return {"value": statistics.median(values), "p95": percentile(values, 95), "n": len(values)}


def run(workspace: Path, *args: str, stdin: str | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "prodops_tui", "--workspace", str(workspace), *args],
                          input=stdin, capture_output=True, text=True, env=ENV, check=False)  # its stderr is said below
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise SystemExit(f"prodops {' '.join(args)} failed: {done.stderr.strip()}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=5000)
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--out", metavar="FILE", help="write the figures as JSON")
    args = parser.parse_args(argv)
    rnd = random.Random(SEED)
    text, queries = rule_file(args.rules, rnd), paths(args.paths, rnd)
    root = Path(tempfile.mkdtemp(prefix="prodops-bench-co-"))
    figures: dict[str, dict[str, Any]] = {}
    try:
        file = root / "CODEOWNERS"
        file.write_text(text)
        workspace = root / "ws"
        store = Store.open(workspace, clock=make_clock({}))
        import_areas(store, file)
        store.close()
        store = Store.open(workspace, clock=make_clock({}))
        started = time.perf_counter()
        owners_of_path(store, queries[0])
        figures["who_compute_cold_ms"] = {"value": (time.perf_counter() - started) * 1000, "n": 1}
        timings = []
        for path in queries:
            started = time.perf_counter()
            owners_of_path(store, path)
            timings.append((time.perf_counter() - started) * 1000)
        figures["who_compute_ms"] = figure(timings)
        store.close()
        figures["cli_who_path_ms"] = figure([run(workspace, "who", queries[i]) for i in range(7)])
        figures["cli_who_stdin_ms"] = figure([run(workspace, "who", "-", stdin="\n".join(queries)) for _ in range(3)])
        try:
            import codeowners
        except ImportError:
            codeowners = None
        if codeowners is not None:
            oracle = codeowners.CodeOwners(text)
            timings = []
            for path in queries:
                started = time.perf_counter()
                oracle.of(path)
                timings.append((time.perf_counter() - started) * 1000)
            figures["oracle_ms"] = figure(timings)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    targets = {"who_compute_ms": 20, "cli_who_stdin_ms": 1000}
    print(f"{args.rules:,} rules, {args.paths:,} paths; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'figure':<24}{'median':>10}{'p95':>10}{'n':>6}{'target':>8}")
    for name, fig in figures.items():
        target = targets.get(name)
        missed = "  MISSED" if target is not None and fig["value"] > target else ""
        p95 = f"{fig['p95']:>10.2f}" if "p95" in fig else f"{'':>10}"
        print(f"{name:<24}{fig['value']:>10.2f}{p95}{fig['n']:>6}{target if target is not None else '':>8}{missed}")
    if args.out:
        Path(args.out).write_text(json.dumps({"rules": args.rules, "paths": args.paths, "figures": figures}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
