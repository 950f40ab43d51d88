"""Look-alikes at scale: building the index, the whole-inbox groups, one item's look-alikes, and the two commands.

    python bench/duplicates.py [--sizes 10000,100000] [--lookups 200]

For each size it writes the feedback CSV bench/run.py writes (the real reviews and tweets of
tests/data, cycled, two words varied, so about n/890 variants of each text), imports it with
`prodops import`, then measures in this process `DuplicateIndex.build`, `clusters()` and
`similar_to` for `--lookups` random items (median, p95, n), and `prodops duplicates --json`
(first, again, after a capture, after a status change, after a merge of a group's youngest item
into its oldest, its undo, a merge of a group's oldest item, an edit of an item's words, each
beside the same change's groups worked out in memory as before), `prodops similar ID` and
`stored_lookalikes.similar` (what `similar` reads from lookalikes.sqlite) as real processes: wall
time, store open included, and the process's CPU time (user + sys), which the other work on a
shared machine disturbs less. Progress to stderr, figures to stdout. A benchmark, not a test:
nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ENV, figure, label, log, prodops, real_texts, write_feedback_csv

from prodops_tui.core.feedback import stored_lookalikes
from prodops_tui.core.feedback.duplicates import DuplicateIndex
from prodops_tui.core.feedback.merge import merge
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


def duplicates_in_memory(workspace: Path) -> tuple[float, float, str]:
    """`prodops duplicates --json` with the stored run not carried on (the index in memory), in
    its own process, store open included: (wall, CPU) seconds and what it printed."""
    code = ("import sys; from prodops_tui.core.feedback import stored_lookalikes as s; "
            "s.StoredLookalikes._carried_on = lambda self, *args, **kwargs: None; "
            "from prodops_tui.cli import main; sys.exit(main(['--workspace', sys.argv[1], 'duplicates', '--json']))")
    before = children_cpu()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(workspace)], check=True, env=ENV, capture_output=True,
                          text=True)
    return time.perf_counter() - start, children_cpu() - before, done.stdout


def carried_and_in_memory(workspace: Path, root: Path, in_memory: list[tuple[float, float]],
                          differ: list[int]) -> tuple[float, float]:
    """`prodops duplicates --json` after a change, then (lookalikes.sqlite as it was before it put
    back) the same worked out in memory, appended to `in_memory`, and 1 appended to `differ` if
    the two printed other groups: the first's (wall, CPU) seconds."""
    kept = root / "lookalikes-kept"
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir()
    for path in workspace.glob("lookalikes.sqlite*"):
        shutil.copy2(path, kept / path.name)
    before = children_cpu()
    wall, _peak, done = prodops(workspace, "duplicates", "--json")
    figures = wall, children_cpu() - before
    for path in workspace.glob("lookalikes.sqlite*"):
        path.unlink()
    for path in kept.iterdir():
        shutil.copy2(path, workspace / path.name)
    wall, cpu, printed = duplicates_in_memory(workspace)
    in_memory.append((wall, cpu))
    differ.append(int(printed != done.stdout))
    return figures


@contextmanager
def opened(workspace: Path) -> Iterator[Store]:
    """The workspace's store, as a process of the app would hold it, closed after."""
    store = Store.open(workspace, clock=lambda: "2026-12-06T00:00:00Z")
    try:
        yield store
    finally:
        store.close()


def undone(workspace: Path) -> None:
    """`u` in the app: the newest change taken back."""
    with opened(workspace) as store:
        store.undo(origin="app")


def edited(workspace: Path, item_id: str) -> None:
    """A sentence added to an item's text, as the app's edit does."""
    with opened(workspace) as store, store.change("edited", origin="app") as tx:
        item = tx.get(item_id)
        tx.put(replace(item, text=f"{item.text} Still broken in the latest build."))


def merged(workspace: Path, duplicate: str, into: str) -> None:
    """Merge one item into another as the app does (there is no `prodops merge`)."""
    with opened(workspace) as store:
        merge(store, [duplicate], into, origin="app")


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
    with opened(workspace) as store:
        log(f"{label(n)}: building the index")
        build_s, index = timed(lambda: DuplicateIndex.build(store))
        log(f"{label(n)}: grouping")
        clusters_s, clusters = timed(index.clusters)
        ids = [item.id for item in store.all(FeedbackItem)]
        picked = random.Random(7).sample(ids, min(lookups, len(ids)))
        lookup_s = [timed(lambda item_id=item_id: index.similar_to(item_id))[0] for item_id in picked]
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
    # Changes a PM makes from Likely duplicates and the inbox, three of each: `duplicates` after
    # each, carried on in SQL, and for the comparison the same change worked out from the index
    # in memory (the way before; lookalikes.sqlite put back between the two).
    groups = [group["ids"] for group in json.loads(prodops(workspace, "duplicates", "--json")[2].stdout)
              if group["kind"] == "similar" and len(group["ids"]) > 3]
    changes = (
        ("a merge", lambda ids: merged(workspace, ids[-1], ids[0])),  # the youngest into the oldest
        ("its undo", lambda _ids: undone(workspace)),
        ("a leader's merge", lambda ids: merged(workspace, ids[0], ids[1])),  # the oldest, near copies' leader
        ("a word edit", lambda ids: edited(workspace, ids[1])),
    )
    for name, change in changes:
        carried: list[tuple[float, float]] = []
        in_memory: list[tuple[float, float]] = []
        differ: list[int] = []
        for ids in groups[:3]:
            change(ids)
            carried.append(carried_and_in_memory(workspace, root, in_memory, differ))
        groups = groups[3:] if name != "a merge" else groups
        if not carried:
            lines.append(f"{label(n)}  duplicates after {name}: no group of four or more items left to change")
            continue
        lines.append(f"{label(n)}  " + line(f"duplicates after {name}", carried))
        lines.append(f"{label(n)}  " + line("the same, in memory", in_memory)
                     + f"  (the way before; groups differ in {sum(differ)} of {len(differ)})")
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
