"""Area suggestions: how often they are right, beside the obvious baseline, and how long one takes.

    python bench/suggest.py [--sizes 10000,100000] [--calls 30] [--seeds 5] [--no-speed] [--no-accuracy]

1. Accuracy, on two sets of real texts labelled by hand (tests/data/SOURCES.md):
   the 135 app-store reviews of review_areas_labelled.csv (5 areas) and the 227 rails issues
   and pull requests of rails_areas_labelled.csv that have a body (10 areas). Each set is
   imported into a workspace of its own with one area per label (a name, no glossary). Two
   kinds of split, both methods on the same ones:
   - held out: for each of --seeds fixed seeds, a third of the items (chosen at random with
     that seed) is left without an area and the rest filed under theirs; the held-out third is
     then suggested. Figures are pooled over the seeds (n = items suggested).
   - leave one out: every item filed; each suggested with `exclude=` its own id (as
     `prodops suggest ID` does for a filed item), the baseline fitted without it.
   Top-1: the first suggestion is the item's area; top-3: it is among the first three.
   prodops is `suggest_areas` itself (the glossary part and the learned part together). The
   baseline is `Baseline` below: TF-IDF with sklearn's defaults (lower case, words of 2+ word
   characters, smooth idf, sublinear tf, L2-normalised rows) and each area's centroid, the area
   whose centroid has the highest cosine first: the 20-line method a reviewer would write.
2. Speed, on workspaces of --sizes items built as bench/run.py builds them (the real review and
   tweet texts cycled, an area map of size/20 areas), 70% of the items filed: a labelled
   review's copies under its area, the other texts each under one area of the map (the same
   area for every copy of a text, as a team files alike things alike). It times, with the store
   open excluded and printed beside:
   - `suggest_areas` as `prodops suggest ID` runs it: a store freshly opened, one call (`cold`);
   - the same after one triage change made by another process (`after a change`);
   - calls on an open store, as the inbox's picker makes them (`warm`);
   - the first suggestion in a workspace that never had one (`first`, n=1).
   Each as median, p95 and n, in ms.

Progress goes to stderr, figures to stdout. A benchmark, not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from run import SEED, figure, label, machine, real_texts, write_areas_csv, write_feedback_csv  # noqa: E402

from prodops_tui.core.areas.lookup import suggest_areas  # noqa: E402
from prodops_tui.core.areas.ownership import add_area  # noqa: E402
from prodops_tui.core.feedback import inbox  # noqa: E402
from prodops_tui.core.importers import import_feedback  # noqa: E402
from prodops_tui.core.model import FeedbackItem, ProductArea  # noqa: E402
from prodops_tui.core.storage.store import Store  # noqa: E402
from tests.core.areas import baseline as _baseline  # noqa: E402

DATA = REPO / "tests" / "data"
RAILS_MAPPING = {"text": "body", "title": "title", "id": "number", "received": "created_at", "url": "html_url"}
HELD_OUT = 1 / 3
FILED_SHARE = 0.7


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def clock() -> str:
    return "2026-12-01T09:00:00Z"


# --- the baseline ------------------------------------------------------------------------


# TF-IDF nearest centroid, as sklearn's TfidfVectorizer(sublinear_tf=True) would weigh it: one copy,
# in the tests (tests/core/areas/baseline.py), which assert prodops beats it on the same splits.
Baseline = _baseline.Baseline


# --- accuracy -----------------------------------------------------------------------------


def review_set(store: Store) -> list[tuple[FeedbackItem, str]]:
    import_feedback(store, DATA / "app_store_reviews.csv")
    by_uid = {item.source_key.rsplit(":", 1)[-1]: item for item in store.all(FeedbackItem)}
    with open(DATA / "review_areas_labelled.csv", newline="", encoding="utf-8") as fh:
        return [(by_uid[row["review_uid"]], row["area"]) for row in csv.DictReader(fh)]


def rails_set(store: Store) -> list[tuple[FeedbackItem, str]]:
    import_feedback(store, DATA / "rails_issues.jsonl", mapping=RAILS_MAPPING)
    by_number = {int(item.url.rsplit("/", 1)[1]): item for item in store.all(FeedbackItem)}
    with open(DATA / "rails_areas_labelled.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [(by_number[int(row["number"])], row["area"]) for row in rows if int(row["number"]) in by_number]


def text_of(item: FeedbackItem) -> str:
    return f"{item.title}\n{item.text}"


def file_under(store: Store, labelled: list[tuple[FeedbackItem, str]], filed: set[int], area_ids: dict[str, str]) -> None:
    """Items whose index is in `filed` under their area, the others under none: one change."""
    with store.change("bench: file the training items", origin="bench", history=False) as tx:
        for index, (item, area) in enumerate(labelled):
            tx.put(replace(store.get(item.id), area=area_ids[area] if index in filed else None))


def held_out_splits(n: int, seeds: int) -> list[tuple[set[int], list[int]]]:
    out = []
    for seed in range(seeds):
        order = list(range(n))
        random.Random(SEED + seed).shuffle(order)
        cut = round(n * HELD_OUT)
        out.append((set(order[cut:]), sorted(order[:cut])))
    return out


def hits(ranked: list[str], area: str) -> tuple[int, int]:
    return int(ranked[:1] == [area]), int(area in ranked[:3])


def accuracy(name: str, build, root: Path, seeds: int) -> dict[str, dict[str, float]]:
    store = Store.open(root / name, clock=clock)
    try:
        labelled = build(store)
        area_ids = {area: add_area(store, area, origin="bench").id for area in sorted({a for _, a in labelled})}
        texts = [text_of(item) for item, _ in labelled]
        truth = [area_ids[area] for _, area in labelled]
        ours, base = Counter(), Counter()
        n = 0
        for filed, held in held_out_splits(len(labelled), seeds):
            file_under(store, labelled, filed, area_ids)
            model = Baseline([texts[i] for i in sorted(filed)], [truth[i] for i in sorted(filed)])
            for i in held:
                item = labelled[i][0]
                found = [s.area.id for s in suggest_areas(store, texts[i], exclude=item.id)]
                ours.update(dict(zip(("top1", "top3"), hits(found, truth[i]), strict=True)))
                base.update(dict(zip(("top1", "top3"), hits(model.rank(texts[i]), truth[i]), strict=True)))
                n += 1
        figures = {"held_out": {"ours": {k: ours[k] / n for k in ("top1", "top3")},
                                "baseline": {k: base[k] / n for k in ("top1", "top3")}, "n": n}}
        file_under(store, labelled, set(range(len(labelled))), area_ids)
        ours, base = Counter(), Counter()
        for i, (item, _) in enumerate(labelled):
            found = [s.area.id for s in suggest_areas(store, texts[i], exclude=item.id)]
            ours.update(dict(zip(("top1", "top3"), hits(found, truth[i]), strict=True)))
            model = Baseline(texts[:i] + texts[i + 1:], truth[:i] + truth[i + 1:])
            base.update(dict(zip(("top1", "top3"), hits(model.rank(texts[i]), truth[i]), strict=True)))
        n = len(labelled)
        figures["leave_one_out"] = {"ours": {k: ours[k] / n for k in ("top1", "top3")},
                                    "baseline": {k: base[k] / n for k in ("top1", "top3")}, "n": n}
        figures["areas"] = len(area_ids)
        return figures
    finally:
        store.close()


# --- speed --------------------------------------------------------------------------------


def labelled_review_areas() -> dict[str, str]:
    with open(DATA / "app_store_reviews.csv", newline="", encoding="utf-8") as fh:
        text_of_uid = {row["review_uid"]: row["review_text"] for row in csv.DictReader(fh)}
    with open(DATA / "review_areas_labelled.csv", newline="", encoding="utf-8") as fh:
        return {text_of_uid[row["review_uid"]]: row["area"] for row in csv.DictReader(fh)}


def build_workspace(n: int, root: Path, texts: list[str]) -> Path:
    """bench/run.py's workspace of n items and n/20 areas, FILED_SHARE of the items filed."""
    workspace = root / f"ws-{label(n)}"
    csv_path, areas_path = root / f"feedback-{label(n)}.csv", root / f"areas-{label(n)}.csv"
    write_feedback_csv(csv_path, n, texts)
    write_areas_csv(areas_path, max(50, n // 20), max(20, n // 50))
    store = Store.open(workspace, clock=clock)
    with open(areas_path, newline="", encoding="utf-8") as fh:
        paths = [row["path"].split("/") for row in csv.DictReader(fh)]
    with store.change("bench: areas", origin="bench", history=False) as tx:
        tops = {top: tx.add(ProductArea(name=top)).id for top in sorted({top for top, _ in paths})}
        for top, name in paths:
            tx.add(ProductArea(name=name, parent=tops[top]))
    labels = labelled_review_areas()
    with store.change("bench: labelled areas", origin="bench", history=False) as tx:
        named = {name: tx.add(ProductArea(name=name)).id for name in sorted(set(labels.values()))}
    log(f"{label(n)}: importing {n:,} items")
    import_feedback(store, csv_path)
    areas = sorted(area.id for area in store.all(ProductArea) if area.id not in named.values())
    rnd = random.Random(SEED + 7)
    log(f"{label(n)}: filing {FILED_SHARE:.0%} of them")
    with store.change("bench: file items", origin="bench", history=False) as tx:
        for item in store.all(FeedbackItem):
            if rnd.random() >= FILED_SHARE:
                continue
            original = item.text if item.text in labels else item.text.rsplit(" ", 2)[0]  # run.py adds two words to a copy
            if original in labels:
                tx.put(replace(item, area=named[labels[original]]))
            else:
                tx.put(replace(item, area=areas[zlib.crc32(original.encode()) % len(areas)]))
    store.close()
    csv_path.unlink()
    areas_path.unlink()
    return workspace


def speed(n: int, root: Path, texts: list[str], calls: int) -> dict[str, dict]:
    workspace = build_workspace(n, root, texts)
    rnd = random.Random(SEED + 8)
    ids = [f"F-{rnd.randrange(1, n + 1)}" for _ in range(calls)]
    out: dict[str, dict] = {}

    def one_cold(item_id: str) -> tuple[float, float]:
        start = time.perf_counter()
        store = Store.open(workspace, clock=clock)
        item = store.get(item_id)
        opened = time.perf_counter() - start
        start = time.perf_counter()
        suggest_areas(store, text_of(item), exclude=item.id)
        own = time.perf_counter() - start
        store.close()
        return opened, own

    log(f"{label(n)}: the first suggestion")
    _, first = one_cold(ids[0])
    out["first"] = figure([first], 1000)
    log(f"{label(n)}: {calls} suggestions, each in a store just opened")
    opens, owns = zip(*(one_cold(item_id) for item_id in ids), strict=True)
    out["open"] = figure(list(opens), 1000)
    out["cold"] = figure(list(owns), 1000)
    log(f"{label(n)}: {calls} suggestions, each after one change made by another store")
    areas = sorted(area.id for area in Store.open(workspace, clock=clock).all(ProductArea))
    after = []
    for item_id in ids:
        other = Store.open(workspace, clock=clock)
        inbox.update(other, [f"F-{rnd.randrange(1, n + 1)}"], inbox.Triage(area=rnd.choice(areas)), origin="bench")
        other.close()
        after.append(one_cold(item_id)[1])
    out["after_change"] = figure(after, 1000)
    log(f"{label(n)}: {calls} suggestions in one open store")
    store = Store.open(workspace, clock=clock)
    items = [store.get(item_id) for item_id in ids]
    suggest_areas(store, text_of(items[0]), exclude=items[0].id)
    warm = []
    for item in items:
        start = time.perf_counter()
        suggest_areas(store, text_of(item), exclude=item.id)
        warm.append(time.perf_counter() - start)
    out["warm"] = figure(warm, 1000)
    out["filed"] = {"value": sum(1 for item in store.all(FeedbackItem) if item.area)}
    store.close()
    shutil.rmtree(workspace, ignore_errors=True)
    return out


# --- report -------------------------------------------------------------------------------


def render_accuracy(name: str, figures: dict) -> list[str]:
    lines = [f"{name} ({figures['areas']} areas)"]
    for split in ("held_out", "leave_one_out"):
        f = figures[split]
        lines.append(f"  {split:<14} n={f['n']:<4} prodops top-1 {f['ours']['top1']:.3f} top-3 {f['ours']['top3']:.3f}"
                     f"   baseline top-1 {f['baseline']['top1']:.3f} top-3 {f['baseline']['top3']:.3f}")
    return lines


def render_speed(n: int, figures: dict) -> list[str]:
    lines = [f"{label(n)} items ({figures['filed']['value']:,} filed)"]
    for key, what in (("open", "store open + get (excluded)"), ("first", "first suggestion (builds the profiles)"),
                      ("cold", "suggest_areas, store just opened"), ("after_change", "the same after one change"),
                      ("warm", "suggest_areas, open store")):
        f = figures[key]
        lines.append(f"  {what:<40} median {f['value']:8.1f} ms  p95 {f['p95']:8.1f} ms  n={f['n']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--no-accuracy", action="store_true")
    parser.add_argument("--dir", help="where the temporary workspaces go")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="prodops-suggest-", dir=args.dir))
    report: dict = {"machine": machine(), "accuracy": {}, "speed": {}}
    lines = [f"machine: {report['machine']}", ""]
    started = time.perf_counter()
    try:
        if not args.no_accuracy:
            for name, build in (("reviews", review_set), ("rails", rails_set)):
                log(f"accuracy: {name}")
                report["accuracy"][name] = accuracy(name, build, root, args.seeds)
                lines += render_accuracy(name, report["accuracy"][name])
            lines.append("")
        if not args.no_speed:
            texts = real_texts()
            for n in sorted(int(s) for s in args.sizes.split(",")):
                report["speed"][label(n)] = speed(n, root, texts, args.calls)
                lines += render_speed(n, report["speed"][label(n)])
    finally:
        shutil.rmtree(root, ignore_errors=True)
    lines.append(f"\n{time.perf_counter() - started:.0f} s in all")
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
