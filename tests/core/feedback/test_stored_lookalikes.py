"""The look-alike index kept on disk: a command reads the changed items only, and the file is derived data."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from prodops_tui.core.feedback.duplicates import DuplicateIndex, likely_duplicate_clusters
from prodops_tui.core.feedback.inbox import capture
from prodops_tui.core.feedback.stored_lookalikes import LOOKALIKES_DB_NAME, StoredLookalikes
from prodops_tui.core.model import FeedbackItem
from prodops_tui.core.storage.store import Store

from ...conftest import TEST_DATA


def load_issues(store: Store, name: str = "seamonkey_bugs.jsonl") -> list[FeedbackItem]:
    rows = [json.loads(line) for line in (TEST_DATA / name).read_text(encoding="utf-8").splitlines()]
    with store.change("issues", origin="test") as tx:
        return [tx.add(FeedbackItem(title=row["title"], text=row["body"])) for row in rows]


def as_lists(groups) -> list[tuple[str, bool, list[str]]]:
    return [(group.kind, group.low_information, list(group)) for group in groups]


def test_a_second_command_reads_no_item_and_one_change_reads_one(store):
    items = load_issues(store)
    with StoredLookalikes(store) as stored:
        first = stored.index()
        assert stored.rebuilt and stored.read_items == len(items)
    with StoredLookalikes(store) as stored:
        again = stored.index()
        assert not stored.rebuilt and stored.read_items == 0
        assert again.similar_to(items[0].id) == first.similar_to(items[0].id)
    newcomer = capture(store, items[5].text, title=items[5].title, origin="test")  # the same report filed again
    with StoredLookalikes(store) as stored:
        caught_up = stored.index()
        assert not stored.rebuilt and stored.read_items == 1
        assert items[5].id in {hit.id for hit in caught_up.similar_to(newcomer.id)}


def test_the_stored_groups_are_those_worked_out_from_the_items_and_follow_a_change(store):
    items = load_issues(store)
    with StoredLookalikes(store) as stored:
        assert as_lists(stored.groups()) == as_lists(likely_duplicate_clusters(store))
    with StoredLookalikes(store) as stored:
        stored_groups = stored.groups()  # read back, not worked out
        assert stored.groups_read_back
        assert as_lists(stored_groups) == as_lists(likely_duplicate_clusters(store))
    capture(store, items[7].text, title=items[7].title, origin="test")
    with StoredLookalikes(store) as stored:
        after = stored.groups()
        assert not stored.groups_read_back and stored.read_items == 1
        assert as_lists(after) == as_lists(likely_duplicate_clusters(store))
        assert any(items[7].id in group for group in after)


def test_the_file_is_derived_deleted_or_damaged_it_is_built_again_and_nothing_is_lost(store):
    load_issues(store)
    expected = as_lists(likely_duplicate_clusters(store))
    with StoredLookalikes(store) as stored:
        stored.groups()
    path = store.directory / LOOKALIKES_DB_NAME
    assert path.stat().st_mode & 0o777 == 0o600  # customers' words: private, like the rest
    path.unlink()
    with StoredLookalikes(store) as stored:
        assert as_lists(stored.groups()) == expected and stored.rebuilt
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    with StoredLookalikes(store) as stored:
        assert as_lists(stored.groups()) == expected and stored.rebuilt


def test_a_merge_reaches_the_stored_index(store):
    from prodops_tui.core.feedback.merge import merge

    items = load_issues(store, "hadoop_jira_issues.jsonl")
    with StoredLookalikes(store) as stored:
        stored.index()
    merge(store, [items[3].id], items[2].id, origin="test")
    with StoredLookalikes(store) as stored:
        index = stored.index()
        assert stored.read_items == 2  # the survivor and the item merged into it
    assert index.facts() and sorted((f.id, f.duplicate_of) for f in index.facts()) == sorted(
        (f.id, f.duplicate_of) for f in DuplicateIndex.build(store).facts())


def test_after_a_repair_the_stored_facts_are_read_again(store):
    """doctor --repair may give a change number another state: what names one is forgotten."""
    from prodops_tui.core.storage.doctor import forget_stored_search

    load_issues(store)
    with StoredLookalikes(store) as stored:
        stored.index()
    forget_stored_search(store.directory)
    with StoredLookalikes(store) as stored:
        stored.index()
        assert stored.rebuilt


def test_a_workspace_where_the_file_cannot_be_written_still_answers(store, monkeypatch):
    """A read-only workspace or a full disk: the same look-alikes and groups, built in memory."""
    import sqlite3

    from prodops_tui.core.feedback import stored_lookalikes

    items = load_issues(store)
    expected = as_lists(likely_duplicate_clusters(store))

    def unwritable(path, **_kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(stored_lookalikes, "open_derived", unwritable)
    shown: dict = {}
    assert as_lists(stored_lookalikes.likely_duplicate_groups(store, shown=shown)) == expected
    assert all(item_id in shown for group in expected for item_id in group[2])
    index = stored_lookalikes.lookalike_index(store)
    assert index.similar_to(items[0].id) == DuplicateIndex.build(store).similar_to(items[0].id)
    assert not (store.directory / LOOKALIKES_DB_NAME).exists()


def test_a_file_of_another_version_is_built_again(store):
    import sqlite3

    load_issues(store)
    expected = as_lists(likely_duplicate_clusters(store))
    with StoredLookalikes(store) as stored:
        stored.groups()
    db = sqlite3.connect(store.directory / LOOKALIKES_DB_NAME)
    db.execute("UPDATE state SET version = 3")  # as an older prodops left it
    db.execute("DELETE FROM groups")  # whatever it held is not read
    db.commit()
    db.close()
    with StoredLookalikes(store) as stored:
        assert as_lists(stored.groups()) == expected and stored.rebuilt


def test_a_stored_node_fits_its_page_and_leaves_little_of_it_unused(store):
    """Real SeaMonkey bugs: a node's row (its weighed words, counts, names and surface words) is
    over a kilobyte; in a WITHOUT ROWID table each spilled onto an overflow page that stayed
    mostly empty (135 of the table's 248 MB at 100k items)."""
    import sqlite3

    load_issues(store)
    with StoredLookalikes(store) as stored:
        stored.groups()
    db = sqlite3.connect(store.directory / LOOKALIKES_DB_NAME)
    try:
        rows, longest = db.execute("SELECT count(*), max(length(counts) + length(title) + length(surface)) FROM nodes").fetchone()
        pages, unused = db.execute("SELECT sum(pgsize), sum(unused) FROM dbstat WHERE name = 'nodes'").fetchone()
    finally:
        db.close()
    assert rows > 100 and longest > 1_100
    assert unused / pages < 0.3, (unused, pages)


def test_the_look_alike_file_keeps_an_items_words_deflated_and_no_second_copy_of_them(store):
    """Real SeaMonkey bugs: an item's facts and a node's weighed words, as JSON, were most of
    lookalikes.sqlite (5.7 KB an item here; at 100,000 items 239 of 402 MB); deflated, 3.6 KB
    (3.1 KB by this test's count). A node's vector, weighed from the word counts it keeps beside
    it, is weighed again when read: 2.5 KB; a node named by 16 hex digits, not 32: 2.3 KB; by a
    64-bit integer: 2.1 KB; deflated against the file's dictionary, surface forms kept as what
    they add to their word: 1.9 KB."""
    items = load_issues(store)
    with StoredLookalikes(store) as stored:
        stored.groups()
    assert (store.directory / LOOKALIKES_DB_NAME).stat().st_size < 2_000 * len(items)


def test_a_stored_nodes_vector_weighed_again_is_the_vector_the_index_weighed(store):
    """Real SeaMonkey bugs and Rails issues: every node's vector, weighed again from its stored
    counts and title words with the stored rarity, is the one the index scored with, to the last
    bit and in the same order (a score at the threshold, and so a group, hangs on its float sum)."""
    import sqlite3

    from prodops_tui.core.feedback.lookalikes import Vectors
    from prodops_tui.core.feedback.stored_lookalikes import _node_vector, _Packing, node_key

    load_issues(store)
    rows = [json.loads(line) for line in (TEST_DATA / "rails_issues.jsonl").read_text(encoding="utf-8").splitlines()]
    with store.change("rails", origin="test") as tx:
        for row in rows:
            tx.add(FeedbackItem(title=row["title"], text=row["body"] or ""))
    with StoredLookalikes(store) as stored:
        index = stored.index()
        stored.groups()
    weighed = {node_key(profile): index._vectors.vectors[node]
               for node, profile in enumerate(index._node_profile) if profile is not None}
    db = sqlite3.connect(store.directory / LOOKALIKES_DB_NAME)
    try:
        frequency, documents = json.loads(db.execute("SELECT rarity FROM state").fetchone()[0])
        stored_nodes = db.execute("SELECT key, counts, title FROM nodes").fetchall()
        packing = _Packing(db.execute("SELECT zdict FROM packing").fetchone()[0])
    finally:
        db.close()
    vectors = Vectors(frequency, documents)
    assert len(stored_nodes) == len(weighed) > 500
    for key, counts, title in stored_nodes:
        again = _node_vector(vectors, packing.unpack(counts), title)
        assert list(again.items()) == list(weighed[key].items()), key


def test_a_first_build_leaves_every_index_of_the_schema_in_place(store):
    """A first build drops the indexes, writes every row, then makes them again: a comment in the
    schema once hid one (`cuts_cut`), and a capture's carry-on then read the whole table."""
    import sqlite3

    from prodops_tui.core.feedback import stored_lookalikes

    load_issues(store)
    with StoredLookalikes(store) as stored:
        stored.groups()
    db = sqlite3.connect(store.directory / LOOKALIKES_DB_NAME)
    try:
        present = {name for (name,) in db.execute("SELECT name FROM sqlite_schema WHERE type = 'index'")}
    finally:
        db.close()
    assert set(stored_lookalikes._INDEXES) <= present and "cuts_cut" in present


def test_a_table_written_whole_or_by_difference_holds_exactly_the_rows_given():
    """_sync writes an empty table's rows sorted in place (a first build: no set of 700,000
    pairs), and a full one by difference; either way the table then holds the rows given, once."""
    import sqlite3

    from prodops_tui.core.feedback.stored_lookalikes import _sync

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE cnodes (rep INTEGER PRIMARY KEY, key TEXT, pos INTEGER)")
    first = [(3, "c", None), (1, "a", 0), (2, "b", None), (1, "a", 0)]  # a copy of a row, and NULLs after the key
    _sync(db, "cnodes", ("rep", "key", "pos"), 1, first)
    assert db.execute("SELECT rep, key, pos FROM cnodes ORDER BY rep").fetchall() == [(1, "a", 0), (2, "b", None), (3, "c", None)]
    _sync(db, "cnodes", ("rep", "key", "pos"), 1, [(2, "b", 5), (4, "d", None)])
    assert db.execute("SELECT rep, key, pos FROM cnodes ORDER BY rep").fetchall() == [(2, "b", 5), (4, "d", None)]


def test_a_node_is_named_by_one_64_bit_integer_and_nodes_holds_no_second_index_of_them(store):
    """Every row naming a node holds its key (`filed` about five a node): 8 bytes, not 16 hex
    digits and their length, and `nodes` is keyed by it (no index of the keys beside the table).
    At 100,000 items: lookalikes.sqlite 172.1 -> 163.4 MB, `prodops duplicates --json` the same bytes."""
    import sqlite3

    load_issues(store)
    with StoredLookalikes(store) as stored:
        stored.groups()
    db = sqlite3.connect(store.directory / LOOKALIKES_DB_NAME)
    try:
        kinds = {table: {kind for (kind,) in db.execute(f"SELECT DISTINCT typeof({column}) FROM {table}")}
                 for table, column in (("nodes", "key"), ("filed", "key"), ("cnodes", "key"), ("items", "node"))}
        node_indexes = db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'nodes'").fetchall()
        keys = [key for (key,) in db.execute("SELECT key FROM nodes ORDER BY rowid")]
    finally:
        db.close()
    assert kinds["nodes"] == kinds["filed"] == kinds["cnodes"] == {"integer"}, kinds
    assert "integer" in kinds["items"] <= {"integer", "null"}, kinds  # null: an item too short to compare
    assert node_indexes == []
    assert len(keys) > 100 and keys == sorted(keys)  # the rowid is the key: the table is in key order


def test_tables_an_older_version_made_are_not_kept_by_a_file_that_names_no_version(store):
    """A first build killed before it stored its state, or a repair's reset, left the state
    table empty: version 9's tables (a node's key as TEXT) were then kept and every integer key
    stored as text; a full store of the run then failed (UNIQUE constraint) on a key it read back
    as text and did not know as stored."""
    import sqlite3

    from prodops_tui.core.feedback import stored_lookalikes
    from prodops_tui.core.storage.derived import open_derived

    load_issues(store)
    version_9 = stored_lookalikes._SCHEMA.replace("node INTEGER,", "node TEXT,").replace(
        "nodes (key INTEGER PRIMARY KEY", "nodes (key TEXT PRIMARY KEY").replace(
        "key INTEGER NOT NULL", "key TEXT NOT NULL")
    assert version_9.count("TEXT PRIMARY KEY") == 1 and "key INTEGER" not in version_9
    open_derived(store.directory / LOOKALIKES_DB_NAME, version=9, tables=stored_lookalikes._TABLES, schema=version_9).close()

    with StoredLookalikes(store) as stored:
        first = as_lists(stored.groups())
    with store.change("edited", origin="test") as tx:  # every item: the whole run is built and stored again
        for item in list(store.all(FeedbackItem)):
            tx.put(replace(item, text=item.text + " (edited)"))
    with StoredLookalikes(store) as stored:
        stored.index()
        assert stored.rebuilt
        again = as_lists(stored.groups())
    assert first and again == as_lists(likely_duplicate_clusters(store))
    db = sqlite3.connect(store.directory / LOOKALIKES_DB_NAME)
    try:
        assert {kind for (kind,) in db.execute("SELECT DISTINCT typeof(key) FROM nodes")} == {"integer"}
    finally:
        db.close()


def test_every_stored_fact_reads_back_as_the_index_made_it_deflated_against_the_files_dictionary(store):
    """Real SeaMonkey bugs: facts and nodes are deflated against a dictionary of the first build's
    most used words (kept in the file), surface forms kept as what they add to their word. Read
    back, every fact is the one the index made, every surface form whole, and the rows are
    smaller than deflated alone."""
    from prodops_tui.core.feedback.stored_lookalikes import _added, _decode, _Packing, _whole, number_of

    forms = {"lov": "love", "ran": "run", "ai": "ai", "x": "x\x00y", "caf": "café", "": "?"}
    assert _whole(_added(forms)) == forms  # one that does not start with its word, one with a NUL after it
    load_issues(store)
    with StoredLookalikes(store) as stored:
        index = stored.index()
        packing = stored.packing
        rows = dict(stored._db.execute("SELECT number, data FROM facts"))
    assert 500 < len(packing.zdict) <= 2_048 and len(rows) == len(index.facts()) > 300
    assert all(_decode(rows[number_of(fact.id)], packing) == fact for fact in index.facts())
    alone = _Packing(b"")
    deflated_alone = sum(len(alone.pack(packing.unpack(data))) for data in rows.values())
    assert sum(map(len, rows.values())) < 0.97 * deflated_alone


def test_a_look_up_open_in_the_app_still_reads_the_file_after_another_process_builds_it_again(store):
    """Found by review: the dictionary was dropped with the tables when a repair forgot the
    file's state, the next build (`prodops duplicates` elsewhere) learned another, and the
    app's open look-up read every row with the old one: 200 of 200 look-ups failed (or worse,
    gave other words). The dictionary stays with the file."""
    from prodops_tui.core.feedback.stored_lookalikes import lookalike_lookup
    from prodops_tui.core.storage.derived import forget_derived_state

    items = load_issues(store)
    similar, _ = lookalike_lookup(store)  # the inbox's scan: the app keeps this
    before = {item.id: [hit.id for hit in similar.similar_to(item.id)] for item in items[:100]}
    forget_derived_state(store.directory)  # prodops doctor --repair
    rows = [json.loads(line) for line in (TEST_DATA / "rails_issues.jsonl").read_text(encoding="utf-8").splitlines()]
    with store.change("more issues", origin="test") as tx:  # new feedback meanwhile: the next build learns other words
        for row in rows:
            tx.add(FeedbackItem(title=row["title"], text=row["body"] or ""))
    other, _ = lookalike_lookup(store)  # another process: the tables dropped and built again
    assert other._stored.rebuilt
    other._stored.close()
    after = {item.id: [hit.id for hit in similar.similar_to(item.id)] for item in items[:100]}
    assert any(after.values()) and after.keys() == before.keys()


def test_a_stored_row_that_does_not_read_back_is_one_line_and_the_next_scan_builds_the_file_afresh(store):
    """A disk error or a hand edit in lookalikes.sqlite raised zlib's or JSON's own error: an
    internal error in the app's detail panel and merge picker, and every later scan failed the
    same way. The file is derived: a look-up now says so in one line (a ProdopsError the inbox
    shows as no look-alikes), and the next scan, or a command, builds it again."""
    import sqlite3

    from prodops_tui.core.errors import ProdopsError
    from prodops_tui.core.feedback.stored_lookalikes import lookalike_index, lookalike_lookup

    items = load_issues(store)
    similar, _ = lookalike_lookup(store)
    expected = {item.id: [hit.id for hit in similar.similar_to(item.id)] for item in items[:60]}
    assert sum(map(len, expected.values())) > 10
    db = sqlite3.connect(store.directory / LOOKALIKES_DB_NAME)
    db.execute("UPDATE nodes SET counts = x'00ff13'")
    db.execute("UPDATE facts SET data = x'00ff13' WHERE number = 5")
    db.commit()
    db.close()
    similar._nodes = type(similar._nodes)(similar._stored._db, similar._stored.packing)  # nothing kept decoded
    said: list[str] = []
    for item in items[:60]:
        try:
            similar.similar_to(item.id)
        except ProdopsError as exc:  # the first says why; the rest, that the next scan covers them
            said.append(str(exc))
    assert "does not read back" in said[0] and all("\n" not in line for line in said)
    # Nothing written from the look-up (the app asks on the thread that draws): the next scan forgets the state.
    assert similar._stored._db.execute("SELECT count(*) FROM state").fetchone() == (1,)
    similar._stored.close()
    again, _ = lookalike_lookup(store)
    assert {item.id: [hit.id for hit in again.similar_to(item.id)] for item in items[:60]} == expected
    again._stored.close()
    db = sqlite3.connect(store.directory / LOOKALIKES_DB_NAME)
    db.execute("UPDATE facts SET data = x'00ff13' WHERE number = 5")
    db.commit()
    db.close()
    capture(store, "One more crash report after the update", origin="test")  # facts read back to catch up
    index = lookalike_index(store)
    assert {item.id: [hit.id for hit in index.similar_to(item.id)] for item in items[:60]} == expected


@pytest.mark.parametrize("damage", ["UPDATE nodes SET names = 'not json'", "UPDATE state SET rarity = 'not json'",
                                    "UPDATE groups SET ids = 'not json'", "UPDATE state SET boilerplate = '[1]'"])
def test_a_damaged_text_column_is_one_line_too_and_the_groups_come_back_the_same(store, damage):
    """The review of the fix above: a node's names, the state's rarity or boilerplate, a group's
    ids are JSON text, not packed, and still raised JSON's own error. A look-up says it in one
    line, and the next scan (or `prodops duplicates`) builds the file again, with the same groups."""
    import sqlite3

    from prodops_tui.core.errors import ProdopsError
    from prodops_tui.core.feedback.stored_lookalikes import likely_duplicate_groups, lookalike_lookup

    items = load_issues(store)
    similar, groups = lookalike_lookup(store, with_groups=True)
    expected = as_lists(groups)
    similar._stored.close()
    db = sqlite3.connect(store.directory / LOOKALIKES_DB_NAME)
    db.execute(damage)
    db.commit()
    db.close()
    similar, _ = lookalike_lookup(store)
    for item in items[:40]:
        try:
            similar.similar_to(item.id)
        except ProdopsError:
            pass  # one line; anything else fails the test
    similar._stored.close()
    assert as_lists(likely_duplicate_groups(store)) == expected
    again, groups = lookalike_lookup(store, with_groups=True)
    assert as_lists(groups) == expected
    again._stored.close()
