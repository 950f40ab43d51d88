"""Feedback coming in: tracker and helpdesk exports imported with no flags, and `prodops sync github`.

    python bench/intake.py [--rows 20000] [--runs 3] [--issues 2000]

1. Imports, on the real samples of tests/data/intake (SOURCES.md): each sample's records
   repeated until there are about --rows of them, each copy's number or key shifted so every
   record is a new issue (the text, fields and shapes as the export wrote them). For each
   preset it times `import_feedback` with no preset or --map given (the preset is recognised
   from the content) into a fresh workspace, --runs times (median, p95, n; rows/s from the
   median), then the same file again into the same workspace (adds nothing: the source keys).
   The app-store CSV of tests/data, repeated the same way, is the baseline in the same run.
2. Sync, against tests/support_github.py's GitHub-compatible server on 127.0.0.1 (never the
   internet), 100 issues a page as GitHub serves them: the 80 real matomo records repeated to
   --issues records (numbers shifted), synced four times: the first run, a run with nothing
   changed, a run with nothing changed again, a run after one upstream edit. It prints each
   run's requests (and how many were answered 304), new, updated, and wall time.

Progress goes to stderr, figures to stdout. A benchmark, not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import copy
import csv
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from prodops_tui.core.importers import import_feedback  # noqa: E402
from prodops_tui.core.storage.store import Store  # noqa: E402
from prodops_tui.core.sync.run import sync_github  # noqa: E402
from tests.support_github import SAMPLE_REPO, FakeGitHub, sample_records  # noqa: E402

INTAKE = REPO / "tests" / "data" / "intake"
CLOCK = "2026-12-07T00:00:00Z"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def repeated_json(records: list[dict], copies: int, shift: Callable[[dict, int], None]) -> list[dict]:
    out = []
    for k in range(copies):
        for record in records:
            twin = copy.deepcopy(record)
            shift(twin, k)
            out.append(twin)
    return out


def github_file(root: Path, rows: int) -> Path:
    records = json.loads((INTAKE / "github_issues_rest.json").read_text(encoding="utf-8"))

    def shift(record: dict, k: int) -> None:
        record["number"] += k * 100_000
        record["html_url"] = record["html_url"].rsplit("/", 1)[0] + f"/{record['number']}"

    path = root / "github.json"
    path.write_text(json.dumps(repeated_json(records, max(1, rows // len(records)), shift)), encoding="utf-8")
    return path


def zendesk_file(root: Path, rows: int) -> Path:
    answer = json.loads((INTAKE / "zendesk_tickets.json").read_text(encoding="utf-8"))

    def shift(record: dict, k: int) -> None:
        record["id"] += k * 100_000

    tickets = answer["tickets"]
    answer["tickets"] = repeated_json(tickets, max(1, rows // len(tickets)), shift)
    answer["count"] = len(answer["tickets"])
    path = root / "zendesk.json"
    path.write_text(json.dumps(answer), encoding="utf-8")
    return path


def repeated_csv(source: Path, target: Path, rows: int, key_column: str | None) -> Path:
    table = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"), newline="")))
    header, body = table[0], table[1:]
    key = header.index(key_column) if key_column else None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for k in range(max(1, rows // len(body))):
        for row in body:
            twin = list(row)
            if key is not None:
                twin[key] = f"{row[key]}{k:04d}"
            writer.writerow(twin)
    target.write_text(out.getvalue(), encoding="utf-8")
    return target


def jira_csv_file(root: Path, rows: int) -> Path:
    return repeated_csv(INTAKE / "jira_export_2021.csv", root / "jira.csv", rows, "Issue key")


def app_store_file(root: Path, rows: int) -> Path:
    return repeated_csv(REPO / "tests" / "data" / "app_store_reviews.csv", root / "reviews.csv", rows, "review_uid")


def figure(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(values):6.2f} s  p95 {p95:6.2f} s  n={len(values)}"


def bench_imports(root: Path, rows: int, runs: int) -> None:
    files = (("github-issues (REST JSON)", github_file), ("jira-csv", jira_csv_file),
             ("zendesk-tickets (JSON)", zendesk_file), ("app-store-reviews (CSV, baseline)", app_store_file))
    print(f"imports, about {rows:,} rows each, no preset or --map given")
    for name, make in files:
        path = make(root, rows)
        times, again, result = [], 0.0, None
        for run in range(runs):
            log(f"import {name}: run {run + 1}/{runs}")
            store = Store.open(root / f"ws-{path.stem}-{run}", clock=lambda: CLOCK)
            try:
                start = time.perf_counter()
                result = import_feedback(store, path)
                times.append(time.perf_counter() - start)
                if run == 0:
                    start = time.perf_counter()
                    repeat = import_feedback(store, path)
                    again = time.perf_counter() - start
                    added_again = repeat.imported
            finally:
                store.close()
        assert result is not None
        skipped = f", {len(result.ignored):,} skipped by design" if result.ignored else ""
        print(f"  {name:36s} preset {result.preset:18s} {result.rows:7,} rows: imported {result.imported:7,}{skipped}; "
              f"{figure(times)}  {result.rows / statistics.median(times):7,.0f} rows/s; "
              f"again {again:5.2f} s, added {added_again}")


def bench_sync(root: Path, issues: int) -> None:
    records = sample_records()
    many = repeated_json(records, max(1, issues // len(records)), lambda r, k: r.__setitem__("number", r["number"] + k * 100_000))
    print(f"sync github, {len(many):,} records ({sum('pull_request' in r for r in many):,} pull requests), 100 a page")
    with FakeGitHub({SAMPLE_REPO: many}, page_size=100) as server:
        store = Store.open(root / "ws-sync", clock=lambda: CLOCK)
        try:
            for what in ("first run", "nothing changed", "nothing changed again", "after one upstream edit"):
                if what == "after one upstream edit":
                    server.edit(many[0]["number"], title=many[0]["title"] + " (edited upstream)")
                log(f"sync: {what}")
                start = time.perf_counter()
                result = sync_github(store, SAMPLE_REPO, api_url=server.api_url)
                took = time.perf_counter() - start
                print(f"  {what:26s} requests {result.requests:3} ({result.not_modified} not modified), "
                      f"{result.new:5,} new, {result.updated:3} updated, {result.pull_requests:5,} pull requests skipped; "
                      f"{took:6.2f} s")
        finally:
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--issues", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        bench_imports(Path(root), args.rows, args.runs)
        bench_sync(Path(root), args.issues)


if __name__ == "__main__":
    main()
