"""The store's costs beside its peers, in one run (issue 29): disk, a fold's memory, one change.

    python bench/store.py [--sizes 10000,100000] [--changes 200] [--dir DIR] [--out FILE]

For each size it writes the app-store CSV bench/run.py writes, imports it with `prodops import
feedback` in its own process, lets the fold run, and measures:

- import: rows/s of `prodops import feedback`, beside the same CSV read into SQLite (one table,
  one transaction) and into stock TinyDB (one insert_multiple), CSV parsing included in each;
- disk: each file of the workspace over the CSV's size, after the import and after three more
  folds (the most of the two), and with the look-alike tables `prodops duplicates` (or the
  app's first look-alike scan) writes, beside SQLite (one table, one transaction) and stock
  TinyDB holding the same rows;
- a fold's memory: the peak traced by tracemalloc inside `Store.fold()` and the peak RSS of a
  `prodops compact` process, beside the peak RSS of a process importing the CSV into SQLite;
- one journal-sized sync on this disk: appended and fsync'd, appended and fdatasync'd, written
  into a preallocated file and fdatasync'd (what SQLite's WAL does), in turns;
- one change in an open store (`inbox.update` of one item: status and a tag), median, p95 and
  n, beside the same update in SQLite WAL `synchronous=FULL` on the same disk, taken in turns,
  and the ratio of the medians.

Progress goes to stderr, the figures to stdout. A benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (
    ENV,
    REPO,
    SEED,
    compile_as_installed,
    figure,
    label,
    log,
    measured_import,
    prodops,
    real_texts,
    wait_for_background_folds,
    write_feedback_csv,
)

from prodops_tui.core.feedback import inbox
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store
from prodops_tui.core.workspace import make_clock

# Run in a process of its own, so its peak is the fold's: one change to fold, then fold.
FOLD_PROBE = r"""
import json, resource, sys, tracemalloc
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store
from prodops_tui.core.workspace import make_clock
store = Store.open(sys.argv[1], clock=make_clock({}))
store.defer_folds()
with store.change("bench: something to fold", origin="bench") as tx:
    tx.put(store.get("F-1"))
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
tracemalloc.start()
folded = store.fold()
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({"folded": folded, "traced_peak_mb": peak / 2**20, "rss_before_mb": rss_before,
                  "loaded": sum(store.loads.values())}))
"""

# The peer: the CSV into one SQLite table in one transaction, CSV parsing included.
SQLITE_IMPORT = r"""
import csv, json, resource, sqlite3, sys, time
start = time.perf_counter()
db = sqlite3.connect(sys.argv[2])
db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, uid TEXT, user TEXT, rating INTEGER, text TEXT, date TEXT, thumbs INTEGER, version TEXT)")
with open(sys.argv[1], encoding="utf-8", newline="") as fh:
    rows = csv.reader(fh)
    next(rows)
    with db:
        db.executemany("INSERT INTO items (uid, user, rating, text, date, thumbs, version) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
n = db.execute("SELECT count(*) FROM items").fetchone()[0]
db.close()
print(json.dumps({"rows_per_s": n / (time.perf_counter() - start), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# The other peer: stock TinyDB (its default JSON storage) given the CSV's rows in one
# insert_multiple, CSV parsing included: the store prodops wraps, without its journal and cache.
TINYDB_IMPORT = r"""
import csv, json, sys, time
from tinydb import TinyDB
start = time.perf_counter()
with open(sys.argv[1], encoding="utf-8", newline="") as fh:
    rows = list(csv.DictReader(fh))
db = TinyDB(sys.argv[2])
db.table("feedback").insert_multiple(rows)
db.close()
print(json.dumps({"rows_per_s": len(rows) / (time.perf_counter() - start)}))
"""


def file_sizes(workspace: Path) -> dict[str, int]:
    """Bytes by what they are: each top-level file (SQLite's -wal and -shm with their database),
    and backups/ as one."""
    sizes: dict[str, int] = {}
    for path in workspace.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(workspace)
        name = "backups/" if rel.parts[0] == "backups" else rel.name.removesuffix("-wal").removesuffix("-shm")
        sizes[name] = sizes.get(name, 0) + path.stat().st_size
    return sizes


def run_json(code: str, *args: str) -> tuple[dict[str, Any], float]:
    """A Python snippet in its own process: (its last line as JSON, its peak RSS in MB)."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(err.decode(errors="replace")[-2000:])
    return json.loads(out.decode().strip().splitlines()[-1]), usage.ru_maxrss / 1024


def compact_peak(workspace: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS in MB of `prodops compact`, this child's own (wait4: the
    RUSAGE_CHILDREN figure run.prodops falls back to is the largest child so far, the import's)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "prodops_tui", "--workspace", str(workspace), "compact"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"compact failed: {err.decode(errors='replace')}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def peer_disk(csv_path: Path, root: Path) -> dict[str, Any]:
    db_path = root / "peer.sqlite"
    db_path.unlink(missing_ok=True)
    sqlite_run, sqlite_peak = run_json(SQLITE_IMPORT, str(csv_path), str(db_path))
    sqlite_bytes = db_path.stat().st_size
    db_path.unlink()
    tiny_path = root / "peer-tinydb.json"
    tiny_path.unlink(missing_ok=True)
    tiny_run, _ = run_json(TINYDB_IMPORT, str(csv_path), str(tiny_path))
    tiny_bytes = tiny_path.stat().st_size
    tiny_path.unlink()
    return {"sqlite_bytes": sqlite_bytes, "sqlite_rows_per_s": sqlite_run["rows_per_s"], "sqlite_import_rss_mb": sqlite_peak,
            "tinydb_bytes": tiny_bytes, "tinydb_rows_per_s": tiny_run["rows_per_s"]}


def change_figures(workspace: Path, changes: int, root: Path) -> dict[str, Any]:
    """One triage change in an open store and one one-row update in SQLite WAL synchronous=FULL
    (the documents prodops holds, one row each), on the same disk, taken in turns so both meet
    the same load (the disk here is shared: run one after the other, either could get a quiet
    minute the other did not)."""
    store = Store.open(workspace, clock=make_clock({}))
    store.defer_folds()
    numbers = [n for n, in store.fields(FeedbackItem, ())]
    db_path = root / "peer-wal.sqlite"
    db_path.unlink(missing_ok=True)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)")
    db.execute("BEGIN")
    db.executemany("INSERT INTO items VALUES (?, ?)",
                   ((r.number, json.dumps(r.to_dict(), ensure_ascii=False)) for r in store.newest_received(FeedbackItem)))
    db.execute("COMMIT")
    rnd = random.Random(SEED + 3)
    ours, peer = [], []
    for step in range(changes):
        number = rnd.choice(numbers)
        item_id = f"F-{number}"
        current = store.get(item_id)
        assert current is not None
        tag_op = {"remove_tags": ["bench2"]} if "bench2" in current.tags else {"add_tags": ["bench2"]}
        status = ("processed", "new")[step % 2]
        start = time.perf_counter()
        inbox.update(store, [item_id], inbox.Triage(status=status, **tag_op), origin="bench")
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE items SET doc = json_set(doc, '$.status', ?) WHERE id = ?", (status, number))
        db.execute("COMMIT")
        peer.append(time.perf_counter() - start)
    store.close()
    db.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return {"ours": figure(ours, 1000), "sqlite_wal_full": figure(peer, 1000)}


def sync_figures(root: Path, n: int) -> dict[str, Any]:
    """What a change's sync costs on this disk, taken in turns: a 900-byte line appended and
    fsync'd (the journal now), appended and fdatasync'd, and written into a preallocated file and
    fdatasync'd (what SQLite's WAL does once its file has grown)."""
    line = b"x" * 899 + b"\n"
    ways: dict[str, list[float]] = {"append + fsync": [], "append + fdatasync": [], "preallocated + fdatasync": []}
    fds = {}
    for way in ways:
        path = root / f"sync-{way.replace(' ', '')}"
        if way.startswith("preallocated"):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.posix_fallocate(fd, 0, (n + 1) * len(line))
            os.fsync(fd)
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fds[way] = fd
    for step in range(n):
        for way, times in ways.items():
            fd = fds[way]
            start = time.perf_counter()
            if way.startswith("preallocated"):
                os.pwrite(fd, line, step * len(line))
                os.fdatasync(fd)
            else:
                os.write(fd, line)
                (os.fsync if way == "append + fsync" else os.fdatasync)(fd)
            times.append(time.perf_counter() - start)
    for way, fd in fds.items():
        os.close(fd)
        (root / f"sync-{way.replace(' ', '')}").unlink()
    return {way: figure(times, 1000) for way, times in ways.items()}


def measure(n: int, root: Path, texts: list[str], changes: int) -> dict[str, Any]:
    tag = label(n)
    workspace = root / f"ws-{tag}"
    csv_path = root / f"feedback-{tag}.csv"
    log(f"{tag}: writing {n:,} rows")
    write_feedback_csv(csv_path, n, texts)
    csv_bytes = csv_path.stat().st_size
    log(f"{tag}: importing")
    rows_per_s, import_peak_mb = measured_import(workspace, csv_path)
    wait_for_background_folds(workspace)
    after_import = file_sizes(workspace)
    log(f"{tag}: three more folds")
    for i in range(3):
        prodops(workspace, "update", f"F-{i + 1}", "--tag", "fold-again")
        prodops(workspace, "compact")
    after_folds = file_sizes(workspace)
    log(f"{tag}: a fold's memory")
    fold_run, _ = run_json(FOLD_PROBE, str(workspace))
    prodops(workspace, "update", "F-4", "--tag", "before-compact")
    compact_s, compact_mb = compact_peak(workspace)
    log(f"{tag}: peers (SQLite, stock TinyDB)")
    peers = peer_disk(csv_path, root)
    log(f"{tag}: {changes} changes in an open store and in SQLite WAL FULL, in turns")
    change = change_figures(workspace, changes, root)
    # The look-alike tables: the app's first look-alike scan writes them as `duplicates` does.
    log(f"{tag}: the look-alike tables (prodops duplicates)")
    prodops(workspace, "duplicates", "--json")
    with_lookalikes = file_sizes(workspace)
    shutil.rmtree(workspace, ignore_errors=True)
    csv_path.unlink()
    return {"csv_bytes": csv_bytes, "import_rows_per_s": rows_per_s, "import_peak_mb": import_peak_mb,
            "after_import": after_import, "after_folds": after_folds, "with_lookalikes": with_lookalikes, "fold": fold_run,
            "compact_rss_mb": compact_mb, "compact_s": compact_s, **peers, "change": change}


def render(n: int, r: dict[str, Any]) -> str:
    csv_bytes = r["csv_bytes"]
    lines = [f"## {label(n)} items (CSV {csv_bytes / 2**20:.1f} MB)", "", "| figure | prodops | peer, same run |", "|---|---|---|"]
    for when in ("after_import", "after_folds", "with_lookalikes"):
        if when not in r:
            continue
        sizes = r[when]
        total = sum(sizes.values())
        parts = ", ".join(f"{name} {size / csv_bytes:.2f}x" for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])
                          if size >= csv_bytes / 200)
        lines.append(f"| disk / CSV, {when.replace('_', ' ').replace('with lookalikes', 'with the look-alike tables')} | **{total / csv_bytes:.2f}x**: {parts} | "
                     f"SQLite {r['sqlite_bytes'] / csv_bytes:.2f}x, stock TinyDB {r['tinydb_bytes'] / csv_bytes:.2f}x |")
    fold = r["fold"]
    lines.append(f"| a fold: peak traced (tracemalloc) | {fold['traced_peak_mb']:.1f} MB (records loaded: {fold['loaded']}) | |")
    lines.append(f"| `prodops compact`: peak RSS, wall | {r['compact_rss_mb']:.0f} MB, {r['compact_s']:.1f} s | "
                 f"SQLite import of the CSV: {r['sqlite_import_rss_mb']:.0f} MB |")
    lines.append(f"| import rows/s, peak RSS | {r['import_rows_per_s']:,.0f}, {r['import_peak_mb']:.0f} MB | "
                 f"SQLite one transaction {r['sqlite_rows_per_s']:,.0f} ({r['import_rows_per_s'] / r['sqlite_rows_per_s']:.2f} of it); "
                 f"stock TinyDB insert_multiple {r['tinydb_rows_per_s']:,.0f} ({r['import_rows_per_s'] / r['tinydb_rows_per_s']:.2f} of it) |")
    ours, peer = r["change"]["ours"], r["change"]["sqlite_wal_full"]
    lines.append(f"| one change in an open store, ms: median / p95 (n) | {ours['value']:.2f} / {ours['p95']:.2f} ({ours['n']}) | "
                 f"SQLite WAL synchronous=FULL {peer['value']:.2f} / {peer['p95']:.2f} ({peer['n']}); "
                 f"ratio of medians {ours['value'] / peer['value']:.1f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--dir", help="where the temporary workspaces go")
    parser.add_argument("--out", metavar="FILE", help="write the figures as JSON")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="prodops-bench-store-", dir=args.dir))
    compile_as_installed(root / "bytecode")
    texts = real_texts()
    report: dict[str, Any] = {}
    try:
        syncs = sync_figures(root, args.changes)
        report["sync"] = syncs
        print("one journal-sized sync, ms: median / p95 (n), in turns: " + "; ".join(
            f"{way} {fig['value']:.3f} / {fig['p95']:.3f} ({fig['n']})" for way, fig in syncs.items()) + "\n", flush=True)
        for n in sorted(int(s) for s in args.sizes.split(",")):
            report[str(n)] = measure(n, root, texts, args.changes)
            print(render(n, report[str(n)]) + "\n", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    sizes = sorted((key for key in report if key.isdigit()), key=int)
    if len(sizes) > 1:
        small, large = report[sizes[0]]["fold"], report[sizes[-1]]["fold"]
        print(f"a fold's peak traced memory, {label(int(sizes[-1]))} / {label(int(sizes[0]))} items: "
              f"{large['traced_peak_mb'] / small['traced_peak_mb']:.2f}x for {int(sizes[-1]) / int(sizes[0]):.0f}x the items")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    assert REPO.exists()
    sys.exit(main())
