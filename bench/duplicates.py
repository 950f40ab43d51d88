"""Look-alikes at scale: building the index, the whole-inbox groups, one item's look-alikes, and the two commands.

    python bench/duplicates.py [--sizes 10000,100000] [--lookups 200]

For each size it writes the feedback CSV bench/run.py writes (the real reviews and tweets of
tests/data, cycled, two words varied, so about n/890 variants of each text), imports it with
`prodops import`, then measures in this process `DuplicateIndex.build`, `clusters()` and
`similar_to` for `--lookups` random items (median, p95, n), and `prodops duplicates --json`
(first, again, after a capture, after a status change), `prodops similar ID` and
`stored_lookalikes.similar` (what `similar` reads from lookalikes.sqlite) as real processes: wall
time, store open included, and the process's CPU time (user + sys), which the other work on a
shared machine disturbs less. Progress to stderr, figures to stdout. A benchmark, not a test:
nothing asserts.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ENV, figure, label, log, prodops, real_texts, write_feedback_csv

from prodops_tui.core.feedback import stored_lookalikes
from prodops_tui.core.feedback.duplicates import DuplicateIndex
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store


def timed(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli(workspace: Path, *args: str) -> tuple[float, float]:
    """`prodops ARGS` in its own process: (wall seconds, CPU seconds)."""
    before = children_cpu()
    wall = prodops(workspace, *args)[0]
    return wall, children_cpu() - before


def stored_similar(workspace: Path, item_id: str) -> tuple[float, float]:
    """stored_lookalikes.similar in its own process, store open included: (wall, CPU) seconds."""
    code = ("import sys; from prodops_tui.core.feedback.stored_lookalikes import similar; "
            "from prodops_tui.core.storage.store import Store; "
            "similar(Store.open(sys.argv[1], clock=lambda: '2026-12-06T00:00:00Z'), sys.argv[2])")
    before = children_cpu()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(workspace), item_id], check=True, env=ENV, capture_output=True)
    return time.perf_counter() - start, children_cpu() - before


def line(name: str, samples: list[tuple[float, float]]) -> str:
    wall, cpu = figure([s[0] for s in samples]), figure([s[1] for s in samples])
    return (f"{name:<30}{wall['value']:8.2f} s   p95 {wall['p95']:.2f} s  n={wall['n']}   "
            f"CPU {cpu['value']:.2f} s  p95 {cpu['p95']:.2f} s")


def measure(n: int, root: Path, lookups: int) -> list[str]:
    workspace = root / f"ws-{label(n)}"
    csv_path = root / f"feedback-{label(n)}.csv"
    write_feedback_csv(csv_path, n, real_texts())
    log(f"{label(n)}: importing")
    prodops(workspace, "import", "feedback", str(csv_path))
    lines = []
    store = Store.open(workspace, clock=lambda: "2026-12-06T00:00:00Z")
    try:
        log(f"{label(n)}: building the index")
        build_s, index = timed(lambda: DuplicateIndex.build(store))
        log(f"{label(n)}: grouping")
        clusters_s, clusters = timed(index.clusters)
        ids = [item.id for item in store.all(FeedbackItem)]
        picked = random.Random(7).sample(ids, min(lookups, len(ids)))
        lookup_s = [timed(lambda item_id=item_id: index.similar_to(item_id))[0] for item_id in picked]
    finally:
        store.close()
    lines.append(f"{label(n)}  DuplicateIndex.build        {build_s:8.2f} s   (n=1; {len(index)} comparable items, "
                 f"{len(index._vectors.vectors)} distinct profiles)")
    lines.append(f"{label(n)}  index.clusters()            {clusters_s:8.2f} s   (n=1; {len(clusters)} groups)")
    lookup = figure(lookup_s, 1000)
    lines.append(f"{label(n)}  similar_to one item         {lookup['value']:8.2f} ms  p95 {lookup['p95']:.2f} ms  n={lookup['n']}")
    # The commands, with the index kept on disk (lookalikes.sqlite): built by the first, read back
    # by the next, carried on in SQL after one capture or a status change.
    lines.append(f"{label(n)}  " + line("prodops duplicates, first", [cli(workspace, "duplicates", "--json")])
                 + "  (builds lookalikes.sqlite)")
    lines.append(f"{label(n)}  " + line("prodops duplicates, again",
                                        [cli(workspace, "duplicates", "--json") for _ in range(3)]))
    after = []
    for k in range(5):
        prodops(workspace, "capture", f"The export to Excel drops the VAT column again ({k})")
        after.append(cli(workspace, "duplicates", "--json"))
    lines.append(f"{label(n)}  " + line("duplicates after a capture", after))
    after = []
    for item_id in picked[:3]:
        prodops(workspace, "update", item_id, "--status", "processed")
        after.append(cli(workspace, "duplicates", "--json"))
    lines.append(f"{label(n)}  " + line("duplicates after a status", after))
    lines.append(f"{label(n)}  " + line("prodops similar ID", [cli(workspace, "similar", i) for i in picked[:5]]))
    if not hasattr(stored_lookalikes, "similar"):
        return lines  # a checkout from before it
    found = []
    for k, item_id in enumerate(picked[5:10]):
        prodops(workspace, "capture", f"Please let us export invoices to Excel at once ({k})")
        found.append(stored_similar(workspace, item_id))
    lines.append(f"{label(n)}  " + line("stored similar after a capture", found))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--lookups", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(size) for size in args.sizes.split(",")):
            for line in measure(n, Path(tmp), args.lookups):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
