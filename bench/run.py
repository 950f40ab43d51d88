"""What one persisted triage change costs, at 100 to 100,000 feedback items, beside stock TinyDB.

    python bench/run.py [--sizes 100,10000,100000] [--changes 500] [--stock-budget-seconds 60] [--json]

For each size N it builds a folded workspace of N realistic feedback items, then
times `inbox.update` (the path the app and the CLI take) for a run of consecutive
changes on random items; folds that fall inside the run are counted in the figures.
Stock TinyDB (`TinyDB(path)`, default JSONStorage) then gets the same documents and
the same field changes, one `table.update(..., doc_ids=[id])` each, for as many of
the changes as fit in its time budget. Progress goes to stderr, figures to stdout.
This is a benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb import __version__ as tinydb_version

from prodops_tui.core.feedback import inbox
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import JOURNAL_NAME, SNAPSHOT_NAME, Store
from prodops_tui.core.workspace import make_clock

SEED = 20261124
MIN_STOCK_CHANGES = 20
STATUSES = ("new", "processed", "archived")
TRIAGE_TAG = "export"

OURS_PER_CHANGE = (
    "ours: inbox.update -> one journal line (the item + its undo record) appended and fsync'd "
    "under a file lock; the whole TinyDB snapshot is rewritten atomically (temp file, fsync, rename, "
    "fsync dir) only when the journal outgrows max(1 MiB, snapshot/4)"
)
STOCK_PER_CHANGE = (
    "stock: TinyDB(path) with JSONStorage -> table.update reads and parses the whole file, "
    "rewrites it in place, flush + os.fsync, truncate (no undo record, no lock, not atomic)"
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- realistic feedback -------------------------------------------------------

CUSTOMERS = (
    "Acme Corp", "Globex", "Initech", "Umbrella Health", "Hooli", "Stark Logistics", "Wayne Retail",
    "Tyrell Labs", "Soylent Foods", "Cyberdyne", "Vandelay Imports", "Wonka Industries", "Oscorp",
    "Pied Piper", "Massive Dynamic", "Aperture Science", "Black Mesa", "Monarch Travel",
)
SOURCES = ("email", "zendesk", "intercom", "sales call", "slack", "app review", "nps survey", "community forum")
TAGS = ("export", "billing", "onboarding", "performance", "mobile", "sso", "api", "reporting", "ux", "bug", "pricing")
OPENERS = (
    "We keep running into a problem when",
    "Our team loves the product, but",
    "Quick note from the renewal call:",
    "Several users have asked why",
    "It would save us hours every week if",
    "Blocking issue for our rollout:",
    "Not urgent, but worth knowing:",
    "The admin at our EU office reports that",
)
SUBJECTS = (
    "the CSV export drops the custom fields",
    "invoices for annual plans show the wrong tax rate",
    "the dashboard takes more than ten seconds to load on Mondays",
    "SSO logins time out after the identity provider rotated its certificate",
    "the mobile app forgets the selected workspace after an update",
    "bulk editing more than fifty rows silently skips some of them",
    "the API returns a 500 when a filter contains an ampersand",
    "new teammates cannot find where to connect their calendar",
    "weekly reports arrive in UTC instead of our local time zone",
    "the search box ignores accents in customer names",
)
DETAILS = (
    "We tried clearing the cache and reinstalling, with no change.",
    "This affects roughly a third of our seats, mostly in finance.",
    "A competitor handles this with a simple toggle in settings.",
    "Our account manager said it was on the roadmap last quarter.",
    "Happy to jump on a call and share a screen recording.",
    "It started after the release two weeks ago.",
    "For now we work around it with a spreadsheet, which nobody enjoys.",
    "Leadership asked about it in our quarterly business review.",
    "The workaround from the help centre article no longer works.",
    "We would pay for an add-on if that is what it takes.",
)


def feedback_text(rnd: random.Random) -> str:
    """150-300 characters of plausible customer feedback."""
    parts = [f"{rnd.choice(OPENERS)} {rnd.choice(SUBJECTS)}."]
    for detail in rnd.sample(DETAILS, k=len(DETAILS)):
        if len(" ".join(parts)) >= 150:
            break
        parts.append(detail)
    return " ".join(parts)[:300]


def make_item(rnd: random.Random, now: datetime) -> FeedbackItem:
    text = feedback_text(rnd)
    received = now - timedelta(seconds=rnd.randrange(90 * 24 * 3600))
    received_at = received.strftime("%Y-%m-%dT%H:%M:%SZ")
    status = rnd.choices(STATUSES, weights=(6, 3, 1))[0]
    return FeedbackItem(
        text=text,
        title=text.split(".")[0][:80],
        customer=f"{rnd.choice(CUSTOMERS)} #{rnd.randrange(1, 500)}",
        source=rnd.choice(SOURCES),
        area=f"A-{rnd.randrange(1, 41)}" if rnd.random() < 0.6 else None,
        tags=rnd.sample(TAGS, k=rnd.choice((0, 1, 1, 2, 3))),
        importance=rnd.choice((None, None, "low", "medium", "high", "critical")),
        status=status,
        received_at=received_at,
        triaged_at=received_at if status != "new" else None,
        source_key=f"import-{rnd.getrandbits(48):012x}" if rnd.random() < 0.3 else None,
        created_at=received_at,
    )


def make_items(n: int, seed: int) -> list[FeedbackItem]:
    rnd = random.Random(seed)
    now = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
    return [make_item(rnd, now) for _ in range(n)]


# --- figures ------------------------------------------------------------------


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(seconds: list[float]) -> dict[str, Any]:
    ordered = sorted(seconds)
    return {
        "n": len(ordered),
        "median_ms": statistics.median(ordered) * 1000 if ordered else math.nan,
        "p95_ms": percentile(ordered, 95) * 1000,
        "max_ms": ordered[-1] * 1000 if ordered else math.nan,
        "mean_ms": statistics.fmean(ordered) * 1000 if ordered else math.nan,
        "total_s": sum(ordered),
    }


# --- ours ---------------------------------------------------------------------


def pick_items(store: Store, changes: int) -> list[str]:
    """Which item each change touches: random (seeded), repeats allowed."""
    ids = sorted((item.id for item in store.all(FeedbackItem)), key=lambda i: int(i.split("-")[1]))
    rnd = random.Random(SEED)
    return [rnd.choice(ids) for _ in range(changes)]


def triage_for(item: FeedbackItem, step: int) -> inbox.Triage:
    """Another status than the item has, and the export tag toggled: never a no-op."""
    others = [s for s in STATUSES if s != item.status]
    status = others[step % len(others)]
    if TRIAGE_TAG in item.tags:
        return inbox.Triage(status=status, remove_tags=[TRIAGE_TAG])
    return inbox.Triage(status=status, add_tags=[TRIAGE_TAG])


def build_workspace(directory: Path, items: list[FeedbackItem], clock) -> tuple[Store, list[FeedbackItem], float]:
    """One history-less change adding every item, then folded: snapshot + empty journal."""
    start = time.perf_counter()
    store = Store.open(directory, clock=clock)
    with store.change(f"bench: {len(items)} items", origin="bench", history=False) as tx:
        added = [tx.add(item) for item in items]
    store.fold()
    return store, added, time.perf_counter() - start


def snapshot_inode(directory: Path) -> int:
    return (directory / SNAPSHOT_NAME).stat().st_ino


def journal_size(directory: Path) -> int:
    try:
        return (directory / JOURNAL_NAME).stat().st_size
    except FileNotFoundError:
        return 0


def run_ours(store: Store, directory: Path, changes: int) -> dict[str, Any]:
    """Time `changes` consecutive triage changes; remember what each did, for stock."""
    timings: list[float] = []
    fold_timings: list[float] = []
    plain_timings: list[float] = []  # the changes that did not fold
    growth: list[int] = []  # journal bytes each of those appended
    applied: list[tuple[int, dict[str, Any]]] = []
    for step, item_id in enumerate(pick_items(store, changes)):
        triage = triage_for(store.get(item_id), step)
        inode, journal_before = snapshot_inode(directory), journal_size(directory)
        start = time.perf_counter()
        [changed] = inbox.update(store, [item_id], triage, origin="bench")
        elapsed = time.perf_counter() - start
        timings.append(elapsed)
        journal_after = journal_size(directory)
        if snapshot_inode(directory) != inode or journal_after < journal_before:
            fold_timings.append(elapsed)
        else:
            plain_timings.append(elapsed)
            growth.append(journal_after - journal_before)
        applied.append((changed.number, stock_fields(changed)))
    figures = summarise(timings)
    figures["folds"] = len(fold_timings)
    figures["fold_change_max_ms"] = max(fold_timings) * 1000 if fold_timings else None
    figures["plain_mean_ms"] = statistics.fmean(plain_timings) * 1000
    figures["journal_bytes_per_change"] = statistics.fmean(growth)
    figures["journal_bytes_after"] = journal_size(directory)
    figures["snapshot_bytes"] = (directory / SNAPSHOT_NAME).stat().st_size
    return {"figures": figures, "applied": applied}


def stock_fields(item: FeedbackItem) -> dict[str, Any]:
    """The fields a triage change sets, as stock TinyDB would be told to set them."""
    return {
        "status": item.status,
        "tags": list(item.tags),
        "triaged_at": item.triaged_at,
        "snoozed_until": item.snoozed_until,
        "updated_at": item.updated_at,
    }


def time_fold(store: Store, item_ids: list[str]) -> float:
    """One fold of a journal holding a few changes (the fold itself, not the change)."""
    for step, item_id in enumerate(item_ids):
        inbox.update(store, [item_id], triage_for(store.get(item_id), step), origin="bench")
    start = time.perf_counter()
    store.fold()
    return time.perf_counter() - start


def add_amortised(figures: dict[str, Any], fold_min_bytes: int) -> None:
    """What a change costs with its share of the next fold, which a 500-change window may miss.

    A fold comes once the journal reaches max(fold_min_bytes, snapshot/4), i.e. every
    threshold / (journal bytes per change) changes, and costs about one timed fold."""
    threshold = max(fold_min_bytes, figures["snapshot_bytes"] // 4)
    per_fold = threshold / figures["journal_bytes_per_change"]
    figures["fold_threshold_bytes"] = threshold
    figures["changes_per_fold"] = per_fold
    figures["amortised_ms"] = figures["plain_mean_ms"] + figures["fold_ms"] / per_fold


def time_open(directory: Path, clock, repeats: int = 3) -> float:
    """Median Store.open of the folded workspace (page cache warm; the CLI pays this)."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        store = Store.open(directory, clock=clock, create=False)
        timings.append(time.perf_counter() - start)
        store.close()
    return statistics.median(timings)


def measure_ours(n: int, items: list[FeedbackItem], root: Path, changes: int) -> tuple[dict[str, Any], list, list]:
    """Ours at one size: the figures, the records as first stored, and what each change did."""
    clock = make_clock({})
    directory = root / f"prodops-{n}"
    log(f"{n:,} items: building the workspace")
    store, added, setup_s = build_workspace(directory, items, clock)
    log(f"{n:,} items: built in {setup_s:.1f} s; timing {changes} triage changes")
    run = run_ours(store, directory, changes)
    figures = run["figures"]
    log(
        f"{n:,} items: ours median {figures['median_ms']:.2f} ms, p95 {figures['p95_ms']:.2f} ms, "
        f"{figures['folds']} fold(s); timing one fold and open"
    )
    figures["open_with_journal_ms"] = time_open(directory, clock, repeats=1) * 1000
    sample = random.Random(SEED + 1).sample([f"F-{i}" for i in range(1, n + 1)], k=min(3, n))
    figures["fold_ms"] = time_fold(store, sample) * 1000
    add_amortised(figures, store.fold_min_bytes)
    store.close()
    figures["open_ms"] = time_open(directory, clock) * 1000
    figures["setup_s"] = setup_s
    shutil.rmtree(directory, ignore_errors=True)
    return figures, added, run["applied"]


# --- stock TinyDB ---------------------------------------------------------------


def measure_stock(n: int, items: list[FeedbackItem], applied: list, root: Path, budget_s: float) -> dict[str, Any]:
    path = root / f"stock-{n}.json"
    log(f"{n:,} items: stock TinyDB insert_multiple")
    start = time.perf_counter()
    db = TinyDB(path)
    table = db.table("feedback")
    doc_ids = table.insert_multiple(item.to_dict() for item in items)
    setup_s = time.perf_counter() - start
    doc_id_of = {item.number: doc_id for item, doc_id in zip(items, doc_ids)}
    timings: list[float] = []
    deadline = time.perf_counter() + budget_s
    log(f"{n:,} items: stock timing up to {len(applied)} changes within {budget_s:.0f} s")
    for number, fields in applied:
        if len(timings) >= MIN_STOCK_CHANGES and time.perf_counter() >= deadline:
            break
        start = time.perf_counter()
        table.update(fields, doc_ids=[doc_id_of[number]])
        timings.append(time.perf_counter() - start)
    db.close()
    figures = summarise(timings)
    figures["setup_s"] = setup_s
    figures["file_bytes"] = path.stat().st_size
    figures["complete"] = len(timings) == len(applied)
    path.unlink()
    log(f"{n:,} items: stock median {figures['median_ms']:.1f} ms over {figures['n']} changes")
    return figures


# --- the machine -----------------------------------------------------------------


def filesystem_of(path: Path) -> str:
    """'ext4 on /dev/vda mounted at /' from /proc/self/mounts, or 'unknown'."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return "unknown"
    real = os.path.realpath(path)
    best = None
    for line in mounts:
        device, mount_point, fs_type, *_ = line.split()
        mount_point = mount_point.replace("\\040", " ")
        inside = real == mount_point or real.startswith(mount_point.rstrip("/") + "/")
        if inside and (best is None or len(mount_point) > len(best[1])):
            best = (device, mount_point, fs_type)
    return f"{best[2]} on {best[0]} mounted at {best[1]}" if best else "unknown"


def fsync_probe_ms(root: Path, appends: int = 50) -> float:
    """Median cost of appending 1 KB to a file and fsyncing it: the floor under every change."""
    path = root / "fsync-probe"
    timings = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(appends):
            start = time.perf_counter()
            os.write(fd, b"x" * 1023 + b"\n")
            os.fsync(fd)
            timings.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()
    return statistics.median(timings) * 1000


def machine(root: Path) -> dict[str, Any]:
    return {
        "append_fsync_1kb_ms": fsync_probe_ms(root),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "tinydb": tinydb_version,
        "temp_dir": str(root),
        "filesystem": filesystem_of(root),
    }


# --- report ---------------------------------------------------------------------


def verdict(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The issue's targets, for the smallest and largest sizes measured."""
    if len(results) < 2:
        return {}
    small, large = results[0], results[-1]
    ours_small, ours_large, stock_large = small["ours"], large["ours"], large["stock"]
    median_ratio = ours_large["median_ms"] / ours_small["median_ms"]
    p95_ratio = ours_large["p95_ms"] / ours_small["p95_ms"]
    speed_up = stock_large["median_ms"] / ours_large["median_ms"]
    return {
        "small": small["items"],
        "large": large["items"],
        "median_ratio": median_ratio,
        "p95_ratio": p95_ratio,
        "size_target_met": median_ratio <= 2 and p95_ratio <= 2,
        "amortised_ratio": ours_large["amortised_ms"] / ours_small["amortised_ms"],
        "speed_up_median": speed_up,
        "speed_up_p95": stock_large["p95_ms"] / ours_large["p95_ms"],
        "speed_up_target_met": speed_up >= 20,
    }


def ms(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def render(report: dict[str, Any]) -> str:
    results, changes = report["results"], report["changes"]
    lines = [
        "prodops store: one persisted triage change (inbox.update -> journal append + fsync)",
        f"{changes} consecutive changes per size on random items (seeded), folds included; times in ms",
        "",
        f"{'items':>9}  {'ours median':>11} {'p95':>6} {'max':>7} {'mean':>6} {'folds':>5}"
        f"  | {'stock median':>12} {'p95':>7} {'(n)':>5}  | {'speed-up median':>15} {'p95':>6}",
    ]
    for result in results:
        ours, stock = result["ours"], result["stock"]
        lines.append(
            f"{result['items']:>9,}  {ms(ours['median_ms']):>11} {ms(ours['p95_ms']):>6} {ms(ours['max_ms']):>7} "
            f"{ms(ours['mean_ms']):>6} {ours['folds']:>5}  | {ms(stock['median_ms']):>12} {ms(stock['p95_ms']):>7} "
            f"{stock['n']:>5}  | {stock['median_ms'] / ours['median_ms']:>14.0f}x "
            f"{stock['p95_ms'] / ours['p95_ms']:>5.0f}x"
        )
    v = report["verdict"]
    if v:
        lines += [
            "",
            f"ratio ours@{v['large']:,} / ours@{v['small']:,}: median {v['median_ratio']:.2f}x, "
            f"p95 {v['p95_ratio']:.2f}x  (target <= 2x: {'met' if v['size_target_met'] else 'NOT MET'}); "
            f"amortised with folds {v['amortised_ratio']:.2f}x",
            f"speed-up vs stock at {v['large']:,}: median {v['speed_up_median']:.0f}x, p95 {v['speed_up_p95']:.0f}x  "
            f"(target >= 20x: {'met' if v['speed_up_target_met'] else 'NOT MET'})",
        ]
    lines += [
        "",
        f"{'items':>9}  {'fold once':>9} {'changes/fold':>12} {'amortised':>9} {'fold-change max':>15}"
        f"  {'open folded':>11} {'open +journal':>13}  {'snapshot MB':>11} {'setup s':>7}"
        f" | {'stock file MB':>13} {'stock setup s':>13}",
    ]
    for result in results:
        ours, stock = result["ours"], result["stock"]
        lines.append(
            f"{result['items']:>9,}  {ms(ours['fold_ms']):>9} {ours['changes_per_fold']:>12,.0f} "
            f"{ms(ours['amortised_ms']):>9} {ms(ours['fold_change_max_ms']):>15}  "
            f"{ms(ours['open_ms']):>11} {ms(ours['open_with_journal_ms']):>13}  "
            f"{ours['snapshot_bytes'] / 1e6:>11.1f} {ours['setup_s']:>7.1f} | "
            f"{stock['file_bytes'] / 1e6:>13.1f} {stock['setup_s']:>13.1f}"
        )
    m = report["machine"]
    lines += [
        "",
        "fold once: store.fold() with a few changes in the journal. changes/fold: max(1 MiB, snapshot/4)",
        "divided by the journal bytes one triage change appends (the put, and its undo record: the before-copy",
        "and a digest of the after-state). amortised: mean of the non-folding changes + fold once / changes per fold,",
        "so a fold the timed window did not reach still counts. fold-change max: the slowest change that folded",
        "inside the window (already in its p95/max). open folded: Store.open of the folded workspace (median",
        "of 3, page cache warm; every CLI command pays it). open +journal: Store.open right after the timed",
        "run, journal replayed. setup: build + fold, not measured above.",
        f"stock (n): changes measured within the {report['stock_budget_seconds']:.0f} s budget per size "
        f"(at least {MIN_STOCK_CHANGES}), replaying the same item choices and field values as ours.",
        "",
        "per change:",
        f"  {OURS_PER_CHANGE}",
        f"  {STOCK_PER_CHANGE}",
        "",
        f"machine: {m['cpus']} CPUs, Python {m['python']}, {m['platform']}, TinyDB {m['tinydb']}",
        f"temp dir: {m['temp_dir']} ({m['filesystem']}); append 1 KB + fsync there: "
        f"{m['append_fsync_1kb_ms']:.2f} ms (median of 50)",
        f"wall time: {report['wall_s']:.0f} s",
    ]
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,10000,100000", help="comma-separated item counts")
    parser.add_argument("--changes", type=int, default=500, help="consecutive changes timed per size")
    parser.add_argument("--stock-budget-seconds", type=float, default=60.0, help="time allowed to stock TinyDB per size")
    parser.add_argument("--dir", default=None, help="where to create the temp workspaces (default: the system temp dir)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wall_start = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="prodops-bench-", dir=args.dir))
    try:
        machine_info = machine(root)  # first, while the disk is quiet
        log(f"append 1 KB + fsync in {root}: {machine_info['append_fsync_1kb_ms']:.2f} ms")
        results = []
        for n in args.sizes:
            ours, stored, applied = measure_ours(n, make_items(n, SEED + n), root, args.changes)
            stock = measure_stock(n, stored, applied, root, args.stock_budget_seconds)
            results.append({"items": n, "ours": ours, "stock": stock})
        report = {
            "date": time.strftime("%Y-%m-%d"),
            "changes": args.changes,
            "stock_budget_seconds": args.stock_budget_seconds,
            "per_change": {"ours": OURS_PER_CHANGE, "stock": STOCK_PER_CHANGE},
            "machine": machine_info,
            "results": results,
            "verdict": verdict(results),
            "wall_s": time.perf_counter() - wall_start,
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
