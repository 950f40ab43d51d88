"""Search as you type at 100,000 feedback items, 5,000 areas and 2,000 people; and why this scorer.

    python bench/search.py [--feedback 100000] [--areas 5000] [--people 2000] [--slow-queries 5] [--json]

1. Builds a workspace (in a temp directory, one history-less change) whose feedback texts are
   the real app-store reviews and support tweets in tests/data plus the demo's feedback,
   cycled and varied (lead-ins, customers, a word swapped); areas and people are named from the
   demo's vocabulary. Times `SearchIndex.build`.
2. Types ~10 realistic queries (partial, misspelled, reordered, with a filter) one character at a
   time: every prefix of 1-20 characters is a keystroke, timed as the search overlay calls
   `index.search` (limit = 8 per kind). Prints median and p95 per keystroke, overall and by length.
3. Compares scorers on the real exports (~890 texts): (a) our inverted index, (b) rapidfuzz
   process.extract with fuzz.WRatio over the full texts (utils.default_process), (c) fuzz.partial_ratio,
   (d) fuzz.token_set_ratio, for queries built from the data (one or two distinctive words of a text,
   one letter misspelled, the words reordered): recall@10 (is the source text in the top 10?) and
   median latency per query, at ~890 texts and at 100,000 (rapidfuzz at 100k: --slow-queries only).
   Then the same queries with one word more, a word the text does not hold (taken from another
   text), as people remember: search ranks, so a word too many must not lose the text.

Progress goes to stderr, figures to stdout. A benchmark, not a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import rapidfuzz
from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prodops_tui.core.dates import from_iso
from prodops_tui.core.demo import fill_demo
from prodops_tui.core.model import FeedbackItem, Person, ProductArea
from prodops_tui.core.search.index import KINDS, SearchIndex, words_of
from prodops_tui.core.storage.store import Store
from prodops_tui.core.text import fold

SEED = 20261124
NOW = "2026-11-24T15:00:00Z"
# The real exports kept in the repository, so the bench runs in a lone clone.
DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
PER_KIND = 8  # as the search overlay asks (ui/screens/search.py)
LEAD_INS = ("", "", "", "Hi team! ", "Re: ticket — ", "Following up again: ", "Honestly, ", "From the QBR: ",
            "Small thing, but ", "Prospect on the demo call: ")
TYPED = [
    "invoi",                       # partial
    "invocies pdf",                # misspelled + another word
    "csv export",
    "export csv",                  # reordered
    "Tomas",                       # accent not typed
    "kind:area billing",           # filter + word
    "notifcation crash",           # misspelled
    "app keeps crashing",
    "reminder dunning weekend",    # reordered words of a demo text
    "tag:export status:new csv",   # filters + word
    "refund my money",
]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def clock() -> str:
    return NOW


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# --- the real texts -------------------------------------------------------------------------


def real_texts() -> list[str]:
    texts = []
    with open(DATA / "app_store_reviews.csv", newline="", encoding="utf-8") as handle:
        texts += [row["review_text"].strip() for row in csv.DictReader(handle)]
    with open(DATA / "support_tweets.csv", newline="", encoding="utf-8") as handle:
        texts += [row["text"].strip() for row in csv.DictReader(handle)]
    return [t for t in texts if t]


def demo_vocabulary(root: Path) -> tuple[list[str], list[str], list[str], list[str]]:
    """The demo's feedback texts, customers, area names and people's names."""
    store = Store.open(root / "demo", clock=clock)
    fill_demo(store, now=from_iso(NOW))
    feedback = store.all(FeedbackItem)
    texts = [f.text for f in feedback]
    customers = sorted({f.customer for f in feedback if f.customer})
    areas = [a.name for a in store.all(ProductArea)]
    people = [p.name for p in store.all(Person)]
    store.close()
    return texts, customers, areas, people


# --- the big workspace ------------------------------------------------------------------------


def vary(rnd: random.Random, text: str, words: list[str]) -> str:
    tokens = text.split()
    if len(tokens) > 4 and rnd.random() < 0.3:
        tokens[rnd.randrange(len(tokens))] = rnd.choice(words)
    return rnd.choice(LEAD_INS) + " ".join(tokens)


def build_workspace(directory: Path, sources: list[str], customers: list[str], area_names: list[str],
                    person_names: list[str], n_feedback: int, n_areas: int, n_people: int) -> tuple[Store, list[int]]:
    """Returns the store and, per feedback number, which source text it came from."""
    rnd = random.Random(SEED)
    words = sorted({w for t in sources for w in t.split() if w.isalpha() and len(w) > 3})
    first = sorted({n.split()[0] for n in person_names}) + ["Ana", "Bo", "Chen", "Dmitri", "Elif", "Femi", "Giulia",
                                                            "Hiro", "Isla", "José", "Karin", "Leïla", "Mohamed"]
    last = sorted({n.split()[-1] for n in person_names}) + ["Søndergaard", "Ng", "Ortiz", "Ivanova", "Kowalski",
                                                            "Murphy", "Haddad", "Yılmaz", "Silva", "Nakamura"]
    store = Store.open(directory, clock=clock)
    now = from_iso(NOW)
    origin_of: list[int] = [0]  # 1-based numbers
    with store.change("bench: people and areas", origin="bench", history=False) as tx:
        people = []
        for i in range(n_people):
            name = f"{rnd.choice(first)} {rnd.choice(last)}"
            people.append(tx.add(Person(name=name, handle=name.split()[0].casefold() + str(i), team=rnd.choice(area_names) + " squad",
                                        role=rnd.choice(("Product Manager", "Engineer", "Designer", "Support lead")),
                                        active=rnd.random() > 0.05)))
        areas: list[ProductArea] = []
        for i in range(n_areas):
            parent = rnd.choice(areas[:200]) if areas and i >= 50 else None
            name = rnd.choice(area_names) if i < 50 else f"{rnd.choice(area_names)} {rnd.choice(words).strip('.,!?').lower()}"
            owners = [rnd.choice(people).id] if rnd.random() > 0.1 else []
            areas.append(tx.add(ProductArea(name=name, parent=parent.id if parent else None, owners=owners,
                                            description=" ".join(rnd.sample(words, 6)), glossary=rnd.sample(words, 2))))
    with store.change("bench: feedback", origin="bench", history=False) as tx:
        for _ in range(n_feedback):
            source = rnd.randrange(len(sources))
            received = now - timedelta(days=rnd.uniform(0, 90))
            tx.add(FeedbackItem(
                text=vary(rnd, sources[source], words), customer=rnd.choice(customers),
                source=rnd.choice(("support", "app review", "twitter", "intercom", "sales call")),
                area=rnd.choice(areas).id if rnd.random() > 0.3 else None,
                tags=rnd.sample(("export", "billing", "mobile", "bug", "ux", "payments", "api"), rnd.randrange(3)),
                status=rnd.choice(("new", "new", "processed", "archived")),
                received_at=received.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ))
            origin_of.append(source)
    return store, origin_of


# --- typing -------------------------------------------------------------------------------------


def bucket(length: int) -> str:
    return "1-2" if length <= 2 else "3-5" if length <= 5 else "6-10" if length <= 10 else "11-20"


def time_typing(index: SearchIndex, store: Store) -> dict:
    timings: dict[str, list[float]] = {}
    per_query = {}
    for query in TYPED:
        own = []
        for length in range(1, min(20, len(query)) + 1):
            prefix = query[:length]
            started = time.perf_counter()
            index.search(prefix, store, limit=PER_KIND * len(KINDS), per_kind=PER_KIND)
            elapsed = (time.perf_counter() - started) * 1000
            timings.setdefault(bucket(length), []).append(elapsed)
            own.append(elapsed)
        per_query[query] = (statistics.median(own), max(own))
    everything = [t for ts in timings.values() for t in ts]
    return {"all": everything, "buckets": timings, "per_query": per_query}


# --- scorers on the real data -------------------------------------------------------------------


def plain_words(text: str) -> list[str]:
    """A text's words as the queries were first made from them (not the index's tokenizer, which
    splits identifiers: the same 200 queries from run to run, whatever the index does)."""
    return re.findall(r"\w+", fold(text))


def make_queries(texts: list[str], count: int, rnd: random.Random) -> list[tuple[str, int]]:
    """From a text: one or two of its rarest words (5+ letters), one letter changed, reordered."""
    document_frequency = Counter(w for t in texts for w in set(plain_words(t)))
    queries = []
    candidates = list(range(len(texts)))
    rnd.shuffle(candidates)
    for source in candidates:
        words = sorted({w for w in plain_words(texts[source]) if len(w) >= 5 and w.isalpha()},
                       key=lambda w: (document_frequency[w], w))
        if not words:
            continue
        picked = words[:2] if len(words) >= 2 and rnd.random() < 0.6 else words[:1]
        target = rnd.randrange(len(picked))
        word = picked[target]
        pos = rnd.randrange(1, len(word) - 1)
        if rnd.random() < 0.5:  # swap two neighbours
            word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2:]
        else:  # drop one
            word = word[:pos] + word[pos + 1:]
        picked[target] = word
        queries.append((" ".join(reversed(picked)), source))
        if len(queries) == count:
            break
    return queries


def with_a_word_more(texts: list[str], queries: list[tuple[str, int]], rnd: random.Random) -> list[tuple[str, int]]:
    """Each query with a word its text does not hold (5+ letters, from another text), at a random place."""
    longer = []
    for query, source in queries:
        own = set(plain_words(texts[source])) | set(words_of(texts[source]))
        while True:
            other = plain_words(texts[rnd.randrange(len(texts))])
            extra = [w for w in other if len(w) >= 5 and w.isalpha() and w not in own]
            if extra:
                break
        words = query.split()
        words.insert(rnd.randrange(len(words) + 1), rnd.choice(extra))
        longer.append((" ".join(words), source))
    return longer


def measure_index(index: SearchIndex, store: Store, queries, origin_of) -> tuple[float, float]:
    found, timings = 0, []
    for query, source in queries:
        started = time.perf_counter()
        result = index.search(query, store, limit=10)
        timings.append((time.perf_counter() - started) * 1000)
        found += any(origin_of[int(h.id.split("-")[1])] == source for h in result.hits)
    return found / len(queries), statistics.median(timings)


def measure_rapidfuzz(scorer, choices: list[str], queries, origin_of_choice) -> tuple[float, float]:
    found, timings = 0, []
    for query, source in queries:
        started = time.perf_counter()
        result = process.extract(utils.default_process(query), choices, scorer=scorer, processor=None, limit=10)
        timings.append((time.perf_counter() - started) * 1000)
        found += any(origin_of_choice[i] == source for _, _, i in result)
    return found / len(queries), statistics.median(timings)


def small_store(root: Path, texts: list[str]) -> Store:
    store = Store.open(root / "real", clock=clock)
    with store.change("bench: real texts", origin="bench", history=False) as tx:
        for text in texts:
            tx.add(FeedbackItem(text=text, received_at=NOW))
    return store


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feedback", type=int, default=100_000)
    parser.add_argument("--areas", type=int, default=5_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--queries", type=int, default=200, help="scorer comparison queries at ~890 texts")
    parser.add_argument("--slow-queries", type=int, default=5, help="rapidfuzz queries at 100k (about a second each)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="prodops-bench-search-"))
    figures: dict = {"python": platform.python_version(), "rapidfuzz": rapidfuzz.__version__}
    try:
        texts = real_texts()
        demo_texts, customers, area_names, person_names = demo_vocabulary(root)
        log(f"{len(texts)} real texts, {len(demo_texts)} demo texts")

        started = time.perf_counter()
        store, origin_of = build_workspace(root / "ws", texts + demo_texts, customers, area_names, person_names,
                                           args.feedback, args.areas, args.people)
        log(f"workspace built in {time.perf_counter() - started:.1f} s (not measured)")

        index = SearchIndex()
        started = time.perf_counter()
        index.build(store)
        figures["build_s"] = time.perf_counter() - started
        figures["documents"] = len(index)
        figures["vocabulary"] = len(index._vocab)
        log(f"index built: {len(index):,} documents in {figures['build_s']:.2f} s")

        index.search("warm up", store)
        typing = time_typing(index, store)
        figures["keystrokes"] = len(typing["all"])
        figures["keystroke_median_ms"] = statistics.median(typing["all"])
        figures["keystroke_p95_ms"] = percentile(typing["all"], 95)
        figures["keystroke_max_ms"] = max(typing["all"])
        figures["by_length"] = {b: {"n": len(ts), "median_ms": statistics.median(ts), "p95_ms": percentile(ts, 95)}
                                for b, ts in sorted(typing["buckets"].items(), key=lambda kv: int(kv[0].split("-")[0]))}
        figures["per_query"] = {q: {"median_ms": m, "max_ms": x} for q, (m, x) in typing["per_query"].items()}

        # --- scorers ---
        rnd = random.Random(SEED)
        queries = make_queries(texts, args.queries, rnd)
        figures["comparison_queries"] = len(queries)
        figures["example_queries"] = [q for q, _ in queries[:6]]
        small = small_store(root, texts)
        small_index = SearchIndex()
        small_index.build(small)
        small_choices = [utils.default_process(t) for t in texts]
        identity = list(range(len(texts)))
        longer = with_a_word_more(texts, queries, rnd)
        figures["example_longer_queries"] = [q for q, _ in longer[:6]]
        big_choices = [utils.default_process(f.text) for f in sorted(store.all(FeedbackItem), key=lambda f: f.number)]
        big_origin = origin_of[1:]
        for name, these in (("comparison", queries), ("comparison_word_more", longer)):
            rows = []
            recall, median = measure_index(small_index, small, these, [0] + identity)
            big_recall, big_median = measure_index(index, store, these, origin_of)
            rows.append(["(a) inverted index (ours)", recall, median, big_recall, big_median, len(these)])
            log(f"{name}: scorer (a) done")
            slow = these[: args.slow_queries]
            for label, scorer in (("(b) WRatio", fuzz.WRatio), ("(c) partial_ratio", fuzz.partial_ratio),
                                  ("(d) token_set_ratio", fuzz.token_set_ratio)):
                recall, median = measure_rapidfuzz(scorer, small_choices, these, identity)
                big_recall, big_median = measure_rapidfuzz(scorer, big_choices, slow, big_origin)
                rows.append([label, recall, median, big_recall, big_median, len(slow)])
                log(f"{name}: scorer {label} done")
            figures[name] = [dict(zip(("scorer", "recall10_small", "median_ms_small", "recall10_100k",
                                       "median_ms_100k", "queries_100k"), row, strict=True)) for row in rows]
        store.close()
        small.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)

    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        return 0
    print(f"Search bench — Python {figures['python']}, rapidfuzz {figures['rapidfuzz']}, "
          f"{datetime.now(timezone.utc):%Y-%m-%d}")
    print(f"workspace: {args.feedback:,} feedback, {args.areas:,} areas, {args.people:,} people -> "
          f"{figures['documents']:,} documents, {figures['vocabulary']:,} distinct words")
    print(f"index build: {figures['build_s']:.2f} s")
    print(f"\nkeystrokes ({figures['keystrokes']}, prefixes of 1-20 chars of {len(TYPED)} queries), index.search per keystroke:")
    print(f"  all      median {figures['keystroke_median_ms']:7.2f} ms   p95 {figures['keystroke_p95_ms']:7.2f} ms   "
          f"max {figures['keystroke_max_ms']:7.2f} ms   (target p95 < 30 ms)")
    for name, row in figures["by_length"].items():
        print(f"  {name:>5} ch  median {row['median_ms']:7.2f} ms   p95 {row['p95_ms']:7.2f} ms   (n={row['n']})")
    print("  per query (median / max over its prefixes):")
    for query, row in figures["per_query"].items():
        print(f"    {query!r:32} {row['median_ms']:7.2f} / {row['max_ms']:7.2f} ms")
    print(f"\nscorers on the real exports ({len(texts)} texts; {figures['comparison_queries']} queries built from them, "
          f"e.g. {', '.join(repr(q) for q in figures['example_queries'][:4])}):")
    for name, heading in (("comparison", None),
                          ("comparison_word_more", "the same queries with a word the text does not hold, e.g. "
                           + ", ".join(repr(q) for q in figures["example_longer_queries"][:3]))):
        if heading:
            print(f"  {heading}:")
        print(f"  {'scorer':28} {'recall@10':>9} {'median':>10} | {'recall@10':>9} {'median':>11}  (at {args.feedback:,}; n)")
        for row in figures[name]:
            print(f"  {row['scorer']:28} {row['recall10_small']:9.0%} {row['median_ms_small']:7.2f} ms | "
                  f"{row['recall10_100k']:9.0%} {row['median_ms_100k']:8.1f} ms  (n={row['queries_100k']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
