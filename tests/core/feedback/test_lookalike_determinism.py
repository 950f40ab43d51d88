"""Look-alike scores do not depend on the interpreter's hash seed: the same workspace scores
the same pairs to the last bit in every process. A title's terms were added to a profile in set
order, so the float sums behind a cosine came out in another order per process and a real
SeaMonkey pair scored just over or just under the threshold depending on PYTHONHASHSEED."""

from __future__ import annotations

import os
import subprocess
import sys

from ...conftest import TEST_DATA

SCORE_EVERY_LABELLED_PAIR = """
import csv, json, sys
from pathlib import Path
from prodops_tui.core.feedback.duplicates import DuplicateIndex
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store
data = Path(sys.argv[1])
store = Store.open(Path(sys.argv[2]), clock=lambda: "2026-12-06T00:00:00+00:00")
ids = {}
with store.change("import", origin="test") as tx:
    for line in open(data / "seamonkey_bugs.jsonl", encoding="utf-8"):
        row = json.loads(line)
        ids[str(row["number"])] = tx.add(FeedbackItem(title=row["title"], text=row["body"] or "")).id
index = DuplicateIndex.build(store)
for pair in csv.DictReader(open(data / "issue_pairs_labelled.csv", encoding="utf-8")):
    if pair["file_a"] == "seamonkey_bugs.jsonl":
        print(pair["pair"], repr(index.score(ids[pair["id_a"]], ids[pair["id_b"]])))
"""


def scores_with_hash_seed(seed: str, workspace) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-c", SCORE_EVERY_LABELLED_PAIR, str(TEST_DATA), str(workspace)],
                          env=env, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_every_labelled_pair_scores_the_same_whatever_the_hash_seed(tmp_path):
    first = scores_with_hash_seed("1", tmp_path / "one")
    assert first.count("\n") > 50  # every SeaMonkey pair was scored
    for seed in ("2", "3", "4"):
        assert scores_with_hash_seed(seed, tmp_path / seed) == first, f"scores differ with PYTHONHASHSEED={seed}"
