"""Area suggestions learned from the team's own triage, measured on real texts labelled by hand.

Two labelled sets (tests/data/SOURCES.md): 135 app-store reviews of a chat app in five areas,
and 227 rails issues and pull requests in ten rails components. No area has a glossary, only a
name. Suggestions are compared with the obvious baseline (tests/core/areas/baseline.py, the
copy of bench/suggest.py's TF-IDF nearest centroid) on the same splits; bench/suggest.py prints
the figures."""

from __future__ import annotations

import csv
import random
import shutil
import sqlite3
from dataclasses import replace

import pytest

from prodops_tui.core.areas import learned
from prodops_tui.core.areas.lookup import suggest_areas
from prodops_tui.core.areas.ownership import add_area
from prodops_tui.core.feedback import inbox
from prodops_tui.core.importers import import_feedback
from prodops_tui.core.model import FeedbackItem, ProductArea
from prodops_tui.core.storage.store import Store

from ...conftest import TEST_DATA, fixed_clock
from .baseline import Baseline

RAILS_MAPPING = {"text": "body", "title": "title", "id": "number", "received": "created_at", "url": "html_url"}


def text_of(item: FeedbackItem) -> str:
    return f"{item.title}\n{item.text}"


def top3(store: Store, item: FeedbackItem, *, learned: bool = True) -> list[str]:
    return [s.area.id for s in suggest_areas(store, text_of(item), exclude=item.id, learned=learned)]


def labelled_reviews(store: Store) -> list[tuple[FeedbackItem, str]]:
    import_feedback(store, TEST_DATA / "app_store_reviews.csv")
    by_uid = {item.source_key.rsplit(":", 1)[-1]: item for item in store.all(FeedbackItem)}
    with open(TEST_DATA / "review_areas_labelled.csv", newline="", encoding="utf-8") as fh:
        labels = [(by_uid[row["review_uid"]], row["area"]) for row in csv.DictReader(fh)]
    return with_area_ids(store, labels)


def labelled_rails(store: Store) -> list[tuple[FeedbackItem, str]]:
    import_feedback(store, TEST_DATA / "rails_issues.jsonl", mapping=RAILS_MAPPING)
    by_number = {int(item.url.rsplit("/", 1)[1]): item for item in store.all(FeedbackItem)}
    with open(TEST_DATA / "rails_areas_labelled.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return with_area_ids(store, [(by_number[int(r["number"])], r["area"]) for r in rows if int(r["number"]) in by_number])


def with_area_ids(store: Store, labels: list[tuple[FeedbackItem, str]]) -> list[tuple[FeedbackItem, str]]:
    areas = {name: add_area(store, name, origin="test").id for name in sorted({area for _, area in labels})}
    return [(item, areas[area]) for item, area in labels]


def file_only(store: Store, labelled: list[tuple[FeedbackItem, str]], filed: set[int]) -> None:
    """The items at these places under their areas, the others under none: one change."""
    with store.change("test: file the training items", origin="test", history=False) as tx:
        for index, (item, area) in enumerate(labelled):
            tx.put(replace(store.get(item.id), area=area if index in filed else None))


@pytest.fixture
def triaged_reviews(store):
    labelled = labelled_reviews(store)
    for item, area in labelled[:100]:  # a PM triaging, one item at a time
        inbox.update(store, [item.id], inbox.Triage(area=area), origin="app")
    return store, labelled[100:]


# --- how good ----------------------------------------------------------------------------


@pytest.mark.parametrize("labelled_set", [labelled_reviews, labelled_rails], ids=["reviews", "rails"])
def test_the_first_suggestion_is_right_at_least_as_often_as_the_baselines_on_the_same_splits(store, labelled_set):
    labelled = labelled_set(store)
    texts = [text_of(item) for item, _ in labelled]
    ours = baseline = asked = 0
    for seed in range(3):  # a third held out, three fixed seeds; both methods learn from the same two thirds
        order = list(range(len(labelled)))
        random.Random(seed).shuffle(order)
        held, filed = order[:len(order) // 3], set(order[len(order) // 3:])
        file_only(store, labelled, filed)
        model = Baseline([texts[i] for i in sorted(filed)], [labelled[i][1] for i in sorted(filed)])
        for i in held:
            item, area = labelled[i]
            ours += top3(store, item)[:1] == [area]
            baseline += model.rank(texts[i])[:1] == [area]
            asked += 1
    # Measured when written (45 and 75 held out, three times): reviews 0.60 against 0.52 (5 areas),
    # rails 0.74 against 0.57 (10 areas); bench/suggest.py prints both over five seeds and leave-one-out.
    assert ours >= baseline, f"top-1 {ours / asked:.3f}, the baseline's {baseline / asked:.3f} (n={asked})"


def test_after_100_assignments_the_right_area_is_in_the_top_three_for_most_of_the_rest(triaged_reviews):
    store, held_out = triaged_reviews
    assert len(held_out) == 35
    learned_top3 = sum(area in top3(store, item) for item, area in held_out) / len(held_out)
    names_only = sum(area in top3(store, item, learned=False) for item, area in held_out) / len(held_out)
    # Measured when written: 0.97 with learning, 0.43 from the area names alone.
    assert learned_top3 >= 0.9 and names_only <= 0.5


def test_on_the_demo_each_filed_item_is_suggested_its_area_from_the_others(prepared_demo_copy):
    store = prepared_demo_copy
    filed = [item for item in store.all(FeedbackItem) if item.area and not item.duplicate_of]
    hits = sum(item.area in top3(store, item) for item in filed) / len(filed)
    glossary_only = sum(item.area in top3(store, item, learned=False) for item in filed) / len(filed)
    # Measured when written (244 items): 0.99, and 0.93 from the glossaries and names alone.
    assert hits >= 0.95 and hits > glossary_only


@pytest.fixture
def prepared_demo_copy(tmp_path):
    from datetime import datetime, timezone

    from prodops_tui.core.demo import fill_demo

    store = Store.open(tmp_path / "demo", clock=fixed_clock)
    fill_demo(store, now=datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc))
    yield store
    store.close()
    shutil.rmtree(tmp_path / "demo", ignore_errors=True)


# --- reasons -------------------------------------------------------------------------------


def test_a_learned_suggestion_says_which_filed_item_it_reads_like(triaged_reviews):
    store, held_out = triaged_reviews
    item, area = next((item, area) for item, area in held_out if top3(store, item)[:1] == [area])
    best = suggest_areas(store, text_of(item), exclude=item.id)[0]
    reason = next(m for m in best.matched if m.startswith("like F-"))
    example = store.get(reason.split()[1])
    assert isinstance(example, FeedbackItem) and example.area == area and example.id != item.id


def test_an_item_is_never_its_own_example(store):
    only = store_item(store, "The reconciliation of payouts against the bank feed is wrong every Monday")
    other = store_item(store, "Monday bank feed reconciliation shows payouts twice")
    area = add_area(store, "Money movement", origin="test").id  # a name the texts never use
    inbox.update(store, [only.id], inbox.Triage(area=area), origin="app")
    assert area not in top3(store, store.get(only.id))  # its own words are left out of the profile
    assert top3(store, store.get(other.id))[:1] == [area]


def store_item(store: Store, text: str) -> FeedbackItem:
    return inbox.capture(store, text, origin="test")


# Four areas whose names all say "dataset", and items a team filed under them (written here).
DATASET_AREAS = {
    "Dataset loading": ["Loading a dataset from local CSV files fails with a UnicodeDecodeError",
                        "Load the dataset from a JSON file takes forever",
                        "Cannot load a dataset whose data files sit in nested folders"],
    "Dataset viewer": ["The dataset viewer shows an empty table for my parquet files",
                       "Viewer preview of the dataset is broken for image columns",
                       "The viewer does not render audio in the dataset preview"],
    "Dataset streaming": ["Streaming a dataset stops after the first shard",
                          "Streaming mode raises a timeout when the dataset is remote",
                          "Iterating over a streamed dataset skips rows"],
    "Dataset cards": ["The dataset card metadata is not parsed",
                      "A dataset card YAML header with a licence is rejected",
                      "Add a citation block to the dataset card template"],
}
DATASET_QUESTIONS = {
    "My dataset fails to load from CSV files": "Dataset loading",
    "The viewer shows nothing for this dataset": "Dataset viewer",
    "Streaming this dataset hangs on the second shard": "Dataset streaming",
    "The card of my dataset has a broken YAML header": "Dataset cards",
}


def word_reasons(suggestion) -> list[str]:
    return [m for m in suggestion.matched if not m.startswith("like ")]


def test_a_word_every_area_name_holds_is_never_a_reason_and_decides_nothing(store):
    areas = {name: add_area(store, name, origin="test").id for name in DATASET_AREAS}
    # Before anything is filed the names alone suggest: by the word that tells them apart.
    [viewer] = suggest_areas(store, "The dataset viewer is blank", limit=1)
    assert viewer.area.id == areas["Dataset viewer"] and word_reasons(viewer) == ["viewer"]
    assert suggest_areas(store, "dataset dataset datasets") == []  # the one word they share says nothing
    for name, texts in DATASET_AREAS.items():
        for text in texts:
            inbox.update(store, [store_item(store, text).id], inbox.Triage(area=areas[name]), origin="app")
    profiles = learned.examples(store)
    for text, name in DATASET_QUESTIONS.items():
        found = suggest_areas(store, text)
        assert found[0].area.id == areas[name]
        for suggestion in found:
            assert all("dataset" not in reason.casefold() for reason in word_reasons(suggestion)), suggestion.matched
        assert "dataset" not in profiles.votes(text).rare
        assert all("dataset" not in vote.shared for vote in profiles.votes(text))
    assert word_reasons(suggest_areas(store, "Streaming this dataset hangs")[0]) == ["streaming"]


# --- how it keeps up -------------------------------------------------------------------------


def test_a_suggestion_after_one_change_reads_only_the_changed_items_text(triaged_reviews, workspace):
    store, held_out = triaged_reviews
    (first, area), (second, other_area) = held_out[:2]
    suggest_areas(store, text_of(first), exclude=first.id)
    profiles = learned.examples(store)
    suggest_areas(store, text_of(first), exclude=first.id)
    assert (profiles.last_refresh, profiles.texts_read) == ("current", 0)
    inbox.update(store, [first.id], inbox.Triage(area=area), origin="app")
    suggest_areas(store, text_of(first), exclude=first.id)
    assert (profiles.last_refresh, profiles.texts_read) == ("updated", 1)
    inbox.update(store, [first.id], inbox.Triage(status="processed", add_tags=["voice"]), origin="app")
    suggest_areas(store, text_of(first), exclude=first.id)
    assert (profiles.last_refresh, profiles.texts_read) == ("updated", 0)  # its words and area are as they were

    # Another process changes one item; `prodops suggest` opens the workspace anew.
    other = Store.open(workspace, clock=fixed_clock)
    inbox.update(other, [second.id], inbox.Triage(area=other_area), origin="cli")
    other.close()
    fresh = Store.open(workspace, clock=fixed_clock)
    try:
        suggest_areas(fresh, text_of(fresh.get(second.id)), exclude=second.id)
        kept = learned.examples(fresh, fresh=False)
        assert (kept.last_refresh, kept.texts_read) == ("updated", 1)
        assert fresh.loads[FeedbackItem.KIND] == 0  # no item but the changed one (and the reasons) was read
    finally:
        fresh.close()


def test_a_picker_answers_from_the_profiles_as_they_are_and_the_next_refresh_catches_up(triaged_reviews):
    store, held_out = triaged_reviews
    item, area = held_out[0]
    profiles = learned.examples(store)  # built, as the inbox's background scan does
    inbox.update(store, [item.id], inbox.Triage(area=area), origin="app")
    profiles.last_refresh = ""
    suggest_areas(store, item.text, exclude=item.id, fresh=False)
    assert profiles.last_refresh == ""  # the picker did not wait for them
    suggest_areas(store, item.text, exclude=item.id)
    assert profiles.last_refresh == "updated"  # `prodops suggest` and the background scan catch up


def profile_rows(path) -> tuple[dict, dict, dict, int]:
    db = sqlite3.connect(path)
    try:
        weights = {(w, a): x for w, a, x in db.execute("SELECT w.word, p.area, p.weight FROM profile p JOIN words w ON w.id = p.word")}
        own = {(w, a): x for w, a, x in db.execute("SELECT w.word, o.area, o.weight FROM own o JOIN words w ON w.id = o.word")}
        df = {w: n for w, n in db.execute("SELECT word, df FROM words WHERE df > 0")}
        (examples,) = db.execute("SELECT examples FROM state").fetchone()
        return weights, own, df, examples
    finally:
        db.close()


def test_profiles_kept_up_change_by_change_are_the_profiles_built_anew(triaged_reviews, tmp_path):
    store, held_out = triaged_reviews
    profiles = learned.examples(store)
    filed = [item for item in store.all(FeedbackItem) if item.area]
    areas = sorted(area.id for area in store.all(ProductArea))
    for item, area in held_out[:10]:
        inbox.update(store, [item.id], inbox.Triage(area=area), origin="app")  # filed
    for n, item in enumerate(filed[:6]):
        inbox.update(store, [item.id], inbox.Triage(area=areas[n % len(areas)]), origin="app")  # moved (or not)
    inbox.update(store, [item.id for item in filed[6:10]], inbox.Triage(area=""), origin="app")  # unfiled
    with store.change("test: edits and a merge", origin="test") as tx:
        for item in filed[10:13]:
            tx.put(replace(store.get(item.id), text=item.text + " the voice replies cut off mid sentence"))
        tx.put(replace(store.get(filed[13].id), duplicate_of=filed[14].id))
        tx.put(replace(store.get(areas[0]), glossary=["speech", "microphone"], description="talking to the app"))
    add_area(store, "Voice and speech", origin="test")
    assert profiles.refresh(store) == "updated"

    built = learned.AreaProfiles(tmp_path)
    assert built.refresh(store) == "rebuilt"
    kept_up, anew = profile_rows(store.directory / learned.DB_NAME), profile_rows(tmp_path / learned.DB_NAME)
    assert kept_up[3] == anew[3]  # the number of examples
    assert kept_up[2] == anew[2]  # every word's count
    for kept_rows, new_rows in zip(kept_up[:2], anew[:2], strict=True):
        assert kept_rows.keys() == new_rows.keys()
        assert all(abs(kept_rows[key] - new_rows[key]) < 1e-9 for key in new_rows)
    for item, _ in held_out[10:]:
        ours = {v.area: v.score for v in profiles.votes(text_of(item), exclude=item.id, limit=20)}
        again = {v.area: v.score for v in built.votes(text_of(item), exclude=item.id, limit=20)}
        assert ours.keys() == again.keys() and all(abs(ours[a] - again[a]) <= 0.001 for a in ours)


def test_past_the_bound_on_examples_the_oldest_leave(triaged_reviews, monkeypatch):
    store, held_out = triaged_reviews
    monkeypatch.setattr(learned, "MAX_EXAMPLES", 80)
    (store.directory.parent / "bounded").mkdir()
    profiles = learned.AreaProfiles(store.directory.parent / "bounded")
    profiles.refresh(store)

    def held() -> list[int]:
        return [number for number, in sqlite3.connect(profiles.path).execute("SELECT number FROM items ORDER BY number")]

    def newest_filed() -> list[int]:
        return sorted(item.number for item in store.all(FeedbackItem) if item.area)[-len(held()):]

    assert len(held()) == 80 and held() == newest_filed()  # built from the newest 80 of the 100 filed
    for item, area in held_out[:25]:  # 125 filed, one at a time: past 80 x 1.25 the oldest leave
        inbox.update(store, [item.id], inbox.Triage(area=area), origin="app")
        profiles.refresh(store)
        assert len(held()) <= 100
    assert len(held()) < 100 and not profiles.in_memory  # the bound was passed and the oldest left


def test_a_workspace_where_the_profiles_cannot_be_kept_builds_them_in_memory(store, workspace):
    (workspace / learned.DB_NAME).mkdir()  # not a file: cannot be opened
    area = add_area(store, "Money movement", origin="test").id
    filed = store_item(store, "Payouts against the bank feed are wrong every Monday")
    inbox.update(store, [filed.id], inbox.Triage(area=area), origin="app")
    [found] = suggest_areas(store, "the bank feed payouts are wrong")
    assert found.area.id == area and learned.examples(store).in_memory


def test_a_damaged_profiles_file_is_started_over(store, workspace):
    (workspace / learned.DB_NAME).write_bytes(b"not a database at all" * 100)
    area = add_area(store, "Money movement", origin="test").id
    filed = store_item(store, "Payouts against the bank feed are wrong every Monday")
    inbox.update(store, [filed.id], inbox.Triage(area=area), origin="app")
    [found] = suggest_areas(store, "the bank feed payouts are wrong")
    assert found.area.id == area and not learned.examples(store).in_memory
