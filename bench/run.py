"""prodops at 1k, 10k and 100k feedback items, from the shell and in the app, in one run.

    python bench/run.py [--out FILE] [--sizes 1000,10000,100000] [--dir DIR]

For each size it writes a CSV in the real app-store export's format (tests/data: every
review and support tweet, cycled with a few words varied, so no two rows are alike), an
area map (sizes/20 areas, sizes/50 people), imports both through `prodops` in their own
processes, and measures what issue 13 names: CLI commands (wall time of a real process),
one change in an open store beside stock TinyDB, the app (bench/app_probe.py), a fold
beside changes, import speed and memory, disk. Progress goes to stderr, a table to
stdout, and with --out the figures as JSON:
{"machine": ..., "figures": {NAME: {"value", "unit", "target", "n", "p95"}}}, NAME as
`cli_change_ms` for 100k and `cli_change_ms@1k`, `@10k` for the smaller sizes.
This is a benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tinydb import TinyDB

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from prodops_tui.core.feedback import inbox  # noqa: E402
from prodops_tui.core.model import FeedbackItem  # noqa: E402
from prodops_tui.core.storage.store import Store  # noqa: E402
from prodops_tui.core.workspace import make_clock  # noqa: E402

DATA = REPO / "tests" / "data"
SEED = 20261202
SEARCH = "invocies tax"  # a typo, as people type
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)

# name -> (unit, target, what it is); a target of None is reported, not judged.
FIGURES = {
    "cli_change_ms": ("ms", 150, "prodops update ID --tag x, wall time of the process"),
    "cli_change_growth_1k_100k": ("x", 1.5, "cli_change_ms at 100k / at 1k"),
    "cli_version_ms": ("ms", 150, "prodops --version"),
    "cli_who_ms": ("ms", 300, "prodops who billing"),
    "cli_nudges_ms": ("ms", 300, "prodops nudges"),
    "cli_list_ms": ("ms", 300, "prodops list feedback --limit 20"),
    "cli_search_ms": ("ms", 300, f"prodops search {SEARCH!r}"),
    "fzf_filter_ms": ("ms", None, f"fzf --filter {SEARCH!r} over the same texts"),
    "change_p95_ms": ("ms", None, "one triage change in an open store (inbox.update)"),
    "stock_change_p95_ms": ("ms", None, "the same change with stock TinyDB table.update"),
    "change_speedup_vs_stock": ("x", None, "stock median / ours median"),
    "first_frame_s": ("s", 1.5, "app: process start to the inbox showing rows"),
    "search_ready_s": ("s", 2.0, "app: process start to the search index ready"),
    "nav_key_ms": ("ms", 50, "app: j to the redrawn screen, CPU time (p95 judged)"),
    "nav_key_wall_ms": ("ms", None, "app: the same, wall time with Pilot's idle polling (p95)"),
    "search_p95_ms": ("ms", 30, "app: one search keystroke (index query)"),
    "metrics_open_ms": ("ms", 50, "app: 5, the metrics pane shown, CPU time"),
    "rss_mb": ("MB", 400, "app: peak resident memory"),
    "import_rows_per_s": ("rows/s", 20_000, "prodops import feedback of the CSV"),
    "import_peak_mb": ("MB", 300, "peak resident memory of that import"),
    "disk_ratio_vs_csv": ("x", 3.0, "workspace bytes / CSV bytes, after import and after 3 folds (max)"),
    "fold_blocks_ms": ("ms", None, "longest extra wall time of a CLI change made while another process folds"),
    "fold_ms": ("ms", None, "prodops compact, wall time"),
}
HIGHER_IS_BETTER = {"import_rows_per_s", "change_speedup_vs_stock"}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1] if ordered else math.nan


def figure(values: list[float], scale: float = 1.0) -> dict[str, Any]:
    """Median (value), p95 and n of some samples, times `scale`."""
    return {"value": statistics.median(values) * scale, "p95": percentile(values, 95) * scale, "n": len(values)}


def label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


# --- inputs ---------------------------------------------------------------------


def real_texts() -> list[str]:
    texts = []
    with open(DATA / "app_store_reviews.csv", encoding="utf-8", newline="") as fh:
        texts += [row["review_text"] for row in csv.DictReader(fh) if row["review_text"].strip()]
    with open(DATA / "support_tweets.csv", encoding="utf-8", newline="") as fh:
        texts += [row["text"] for row in csv.DictReader(fh) if row["inbound"] == "True" and row["text"].strip()]
    return texts


def write_feedback_csv(path: Path, n: int, texts: list[str]) -> None:
    """n rows in the app-store export's own format: the real texts, cycled, a word varied."""
    rnd = random.Random(SEED)
    words = sorted({w for t in texts for w in t.split() if w.isalpha() and 3 < len(w) < 12})
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["review_uid", "user_name", "rating", "review_text", "review_date", "thumbs_up", "app_version"])
        for i in range(n):
            text = texts[i % len(texts)]
            if i >= len(texts):
                text = f"{text} {rnd.choice(words)} {rnd.choice(words)}"
            when = NOW - timedelta(seconds=rnd.randrange(365 * 24 * 3600))
            out.writerow([f"{i:016x}", f"user-{rnd.getrandbits(32):08x}", rnd.randint(1, 5), text,
                          when.strftime("%Y-%m-%d %H:%M:%S"), rnd.randrange(20), f"1.2026.{rnd.randrange(1, 50):03d}"])


def write_areas_csv(path: Path, n_areas: int, n_people: int) -> None:
    rnd = random.Random(SEED + 1)
    first = ("Ana", "Bo", "Chen", "Dmitri", "Elif", "Femi", "Giulia", "Hiro", "Isla", "José", "Karin", "Leïla", "Mohamed")
    last = ("Søndergaard", "Ng", "Ortiz", "Ivanova", "Kowalski", "Murphy", "Haddad", "Yılmaz", "Silva", "Nakamura")
    people = [f"{rnd.choice(first)} {rnd.choice(last)} {i}" for i in range(n_people)]
    tops = ("Billing", "Onboarding", "Search", "Mobile", "Reporting", "Notifications", "Admin", "Integrations", "API", "Login")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["path", "owners", "maintainers", "description"])
        for i in range(n_areas):
            top = tops[i % len(tops)]
            owners = rnd.choice(people) if rnd.random() > 0.1 else ""  # some unowned, as in life
            out.writerow([f"{top}/{top} area {i}", owners, rnd.choice(people), f"everything about {top.lower()} {i}"])


# --- running prodops ---------------------------------------------------------------


def prodops(workspace: Path, *args: str, stdin: str | None = None) -> tuple[float, int, subprocess.CompletedProcess]:
    """Run `prodops` in its own process: (wall seconds, peak RSS in KB, result)."""
    command = [sys.executable, "-m", "prodops_tui", "--workspace", str(workspace), *args]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV)
    out, err = proc.communicate(stdin.encode() if stdin else None)
    _, _status, usage = os.wait4(proc.pid, 0) if proc.returncode is None else (0, 0, None)
    wall = time.perf_counter() - start
    peak = usage.ru_maxrss if usage else _children_peak()
    result = subprocess.CompletedProcess(command, proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"))
    if proc.returncode != 0:
        raise RuntimeError(f"prodops {' '.join(args)} failed: {result.stderr.strip()}")
    return wall, peak, result


def _children_peak() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def measured_import(workspace: Path, csv_path: Path) -> tuple[float, float]:
    """rows/s and peak MB of `prodops import feedback`, in a process whose peak is its own."""
    command = [sys.executable, "-m", "prodops_tui", "--workspace", str(workspace), "import", "feedback", str(csv_path), "--json"]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    # wait4 gives this child's own peak (RUSAGE_CHILDREN would be the largest of all so far)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"import failed: {err.decode(errors='replace')}")
    imported = json.loads(out)["imported"]
    return imported / wall, usage.ru_maxrss / 1024


def wait_for_background_folds(workspace: Path) -> None:
    """A command that made the journal due started `compact --if-due`: let it finish."""
    import fcntl

    fd = os.open(workspace / "prodops.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        for _ in range(3):  # it takes the lock shared, then exclusive: wait past both
            fcntl.flock(fd, fcntl.LOCK_EX)
            fcntl.flock(fd, fcntl.LOCK_UN)
            time.sleep(0.3)
    finally:
        os.close(fd)
    while any("compact" in _cmdline(pid) and str(workspace) in _cmdline(pid) for pid in _pids()):
        time.sleep(0.1)


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def disk_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


# --- measurements ---------------------------------------------------------------------


def cli_figures(workspace: Path, n: int, repeats: int) -> dict[str, dict[str, Any]]:
    rnd = random.Random(SEED + 2)
    out = {}
    changes = []
    for step in range(repeats):
        item = f"F-{rnd.randrange(1, n + 1)}"
        wall, _, _ = prodops(workspace, "update", item, "--tag" if step % 2 == 0 else "--untag", "bench")
        changes.append(wall)
    out["cli_change_ms"] = figure(changes, 1000)
    for name, args in (("cli_version_ms", ("--version",)), ("cli_who_ms", ("who", "billing")),
                       ("cli_nudges_ms", ("nudges",)), ("cli_list_ms", ("list", "feedback", "--limit", "20"))):
        out[name] = figure([prodops(workspace, *args)[0] for _ in range(max(3, repeats // 3))], 1000)
    searches = []
    for _ in range(3 if n <= 10_000 else 2):
        searches.append(prodops(workspace, "search", SEARCH, "--limit", "20")[0])
    out["cli_search_ms"] = figure(searches, 1000)
    return out


def fzf_figure(texts_path: Path) -> dict[str, Any] | None:
    if not shutil.which("fzf"):
        return None
    timings = []
    for _ in range(3):
        with open(texts_path, "rb") as fh:
            start = time.perf_counter()
            subprocess.run(["fzf", "--filter", SEARCH], stdin=fh, stdout=subprocess.DEVNULL, check=False)
            timings.append(time.perf_counter() - start)
    return figure(timings, 1000)


def change_figures(workspace: Path, n: int, changes: int, stock_budget_s: float, root: Path) -> dict[str, dict[str, Any]]:
    """One triage change in an open store, beside stock TinyDB doing the same to the same data."""
    store = Store.open(workspace, clock=make_clock({}))
    store.defer_folds()
    items = store.all(FeedbackItem)
    rnd = random.Random(SEED + 3)
    ours, applied = [], []
    for step in range(changes):
        item = rnd.choice(items)
        current = store.get(item.id)
        tag_op = {"remove_tags": ["bench2"]} if "bench2" in current.tags else {"add_tags": ["bench2"]}
        start = time.perf_counter()
        [changed] = inbox.update(store, [item.id], inbox.Triage(status=("processed", "new")[step % 2], **tag_op), origin="bench")
        ours.append(time.perf_counter() - start)
        applied.append((changed.number, {"status": changed.status, "tags": list(changed.tags), "triaged_at": changed.triaged_at,
                                         "updated_at": changed.updated_at}))
    docs = [store.get(f"F-{i.number}").to_dict() for i in items]
    store.close()
    path = root / f"stock-{n}.json"
    db = TinyDB(path)
    table = db.table("feedback")
    ids = dict(zip((d["id"] for d in docs), table.insert_multiple(docs), strict=True))  # one id per inserted doc
    stock = []
    deadline = time.perf_counter() + stock_budget_s
    for number, fields in applied:
        if len(stock) >= 20 and time.perf_counter() > deadline:
            break
        start = time.perf_counter()
        table.update(fields, doc_ids=[ids[f"F-{number}"]])
        stock.append(time.perf_counter() - start)
    db.close()
    path.unlink()
    ours_fig, stock_fig = figure(ours, 1000), figure(stock, 1000)
    return {
        "change_p95_ms": {**ours_fig, "value": ours_fig["p95"], "median": ours_fig["value"]},
        "stock_change_p95_ms": {**stock_fig, "value": stock_fig["p95"], "median": stock_fig["value"]},
        "change_speedup_vs_stock": {"value": stock_fig["value"] / ours_fig["value"], "n": len(stock)},
    }


def fold_figures(workspace: Path, n: int, median_change_ms: float) -> dict[str, dict[str, Any]]:
    """CLI changes made while another process folds: how much longer than usual they took."""
    rnd = random.Random(SEED + 4)
    prodops(workspace, "update", "F-1", "--tag", "before-fold")  # something to fold
    command = [sys.executable, "-m", "prodops_tui", "--workspace", str(workspace), "compact"]
    start = time.perf_counter()
    folder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    during = []
    while folder.poll() is None:
        during.append(prodops(workspace, "update", f"F-{rnd.randrange(1, n + 1)}", "--tag", "during-fold")[0])
    fold_s = time.perf_counter() - start
    waits = [max(0.0, w * 1000 - median_change_ms) for w in during] or [0.0]
    return {"fold_blocks_ms": {"value": max(waits), "p95": percentile(waits, 95), "n": len(during)},
            "fold_ms": {"value": fold_s * 1000, "n": 1}}


def app_figures(workspace: Path) -> dict[str, dict[str, Any]]:
    result = subprocess.run([sys.executable, str(REPO / "bench" / "app_probe.py"), str(workspace)], capture_output=True,
                            text=True, env=ENV, timeout=600, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"app probe failed: {result.stderr[-2000:]}")
    raw = json.loads(result.stdout.strip().splitlines()[-1])
    nav = figure(raw["nav_key_s"], 1000)
    nav_wall = figure(raw["nav_key_wall_s"], 1000)
    search = figure(raw["search_s"], 1000)
    return {
        "first_frame_s": {"value": raw["first_frame_s"], "n": 1},
        "search_ready_s": {"value": raw["search_ready_s"], "n": 1},
        "settled_s": {"value": raw["settled_s"], "n": 1},
        "cpu_after_first_frame_s": {"value": raw["cpu_after_first_frame_s"], "n": 1},
        "nav_key_ms": {**nav, "value": nav["p95"], "median": nav["value"]},
        "nav_key_wall_ms": {**nav_wall, "value": nav_wall["p95"], "median": nav_wall["value"]},
        "search_p95_ms": {**search, "value": search["p95"], "median": search["value"]},
        "metrics_open_ms": figure(raw["metrics_open_s"], 1000),
        "rss_mb": {"value": raw["rss_mb"], "n": 1},
    }


def measure_size(n: int, root: Path, texts: list[str], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    tag = label(n)
    workspace = root / f"ws-{tag}"
    csv_path, areas_path, texts_path = root / f"feedback-{tag}.csv", root / f"areas-{tag}.csv", root / f"texts-{tag}.txt"
    log(f"{tag}: writing {n:,} rows")
    write_feedback_csv(csv_path, n, texts)
    write_areas_csv(areas_path, max(50, n // 20), max(20, n // 50))
    with open(csv_path, encoding="utf-8", newline="") as fh, open(texts_path, "w", encoding="utf-8") as out:
        for row in csv.DictReader(fh):
            out.write(row["review_text"].replace("\n", " ") + "\n")
    prodops(workspace, "import", "areas", str(areas_path))
    log(f"{tag}: importing feedback")
    rows_per_s, peak_mb = measured_import(workspace, csv_path)
    wait_for_background_folds(workspace)
    prodops(workspace, "compact")
    figures: dict[str, dict[str, Any]] = {
        "import_rows_per_s": {"value": rows_per_s, "n": 1},
        "import_peak_mb": {"value": peak_mb, "n": 1},
    }
    ratios = [disk_bytes(workspace) / csv_path.stat().st_size]
    log(f"{tag}: CLI commands")
    figures.update(cli_figures(workspace, n, args.cli_repeats))
    fzf = fzf_figure(texts_path)
    if fzf:
        figures["fzf_filter_ms"] = fzf
    log(f"{tag}: a fold beside changes")
    figures.update(fold_figures(workspace, n, figures["cli_change_ms"]["value"]))
    wait_for_background_folds(workspace)
    for _ in range(2):
        prodops(workspace, "update", "F-2", "--tag", "fold-again")
        prodops(workspace, "compact")
    ratios.append(disk_bytes(workspace) / csv_path.stat().st_size)
    figures["disk_ratio_vs_csv"] = {"value": max(ratios), "n": len(ratios)}
    log(f"{tag}: changes in an open store beside stock TinyDB")
    figures.update(change_figures(workspace, n, args.changes, args.stock_budget_seconds, root))
    log(f"{tag}: the app")
    figures.update(app_figures(workspace))
    shutil.rmtree(workspace, ignore_errors=True)
    for path in (csv_path, areas_path, texts_path):
        path.unlink()
    return figures


# --- report ------------------------------------------------------------------------------


def machine() -> str:
    return f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}"


def render(report: dict[str, Any], sizes: list[int]) -> str:
    lines = [f"machine: {report['machine']}", ""]
    head = f"{'figure':<28}" + "".join(f"{label(n):>14}" for n in sizes) + f"{'target':>10}  p95 @ largest (n)"
    lines += [head, "-" * len(head)]
    for name, (unit, target, _) in FIGURES.items():
        cells, last = [], None
        for n in sizes:
            key = name if n == sizes[-1] else f"{name}@{label(n)}"
            fig = report["figures"].get(key)
            cells.append(f"{fig['value']:>14.1f}" if fig else f"{'-':>14}")
            last = fig if n == sizes[-1] else last
        target_text = f"{target:>10}" if target is not None else f"{'':>10}"
        missed = ""
        if last and target is not None:
            ok = last["value"] >= target if name in HIGHER_IS_BETTER else last["value"] <= target
            missed = "" if ok else "  MISSED"
        extra = f"  {last['p95']:.1f} ({last['n']})" if last and "p95" in last else (f"  ({last['n']})" if last else "")
        lines.append(f"{name + ' ' + unit:<28}" + "".join(cells) + target_text + extra + missed)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", metavar="FILE", help="write the figures as JSON")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--dir", help="where the temporary workspaces go")
    parser.add_argument("--cli-repeats", type=int, default=15)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--stock-budget-seconds", type=float, default=25)
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    root = Path(tempfile.mkdtemp(prefix="prodops-bench-", dir=args.dir))
    started = time.perf_counter()
    compile_as_installed(root / "bytecode")
    texts = real_texts()
    report: dict[str, Any] = {"machine": machine(), "figures": {}}
    try:
        for n in sizes:
            for name, fig in measure_size(n, root, texts, args).items():
                unit, target, _ = FIGURES[name]
                key = name if n == sizes[-1] else f"{name}@{label(n)}"
                report["figures"][key] = {"unit": unit, "target": target, **fig}
        small, large = report["figures"].get(f"cli_change_ms@{label(sizes[0])}"), report["figures"].get("cli_change_ms")
        if small and large and len(sizes) > 1:
            report["figures"]["cli_change_growth_1k_100k"] = {"value": large["value"] / small["value"], "unit": "x",
                                                              "target": 1.5, "n": large["n"]}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report["seconds"] = time.perf_counter() - started
    print(render(report, sizes))
    print(f"\n{report['seconds']:.0f} s in all")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


ENV = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
ENV.pop("PRODOPS_WORKSPACE", None)


def compile_as_installed(prefix: Path) -> None:
    """Every command runs from compiled bytecode, as from an install (pip compiles it): with
    PYTHONDONTWRITEBYTECODE set (as on this machine) each process compiled prodops's modules
    from source again, 0.1 s of every command. Kept under the bench's own folder, not the tree."""
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(prefix)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "prodops_tui")], env=ENV, check=True,
                   stdout=subprocess.DEVNULL)

if __name__ == "__main__":
    sys.exit(main())
