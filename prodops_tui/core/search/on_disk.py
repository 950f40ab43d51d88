"""The app's search over a big workspace: the words on disk (stored.py), and in memory only
the records that queries have needed.

The whole in-memory index (index.py) of 100,000 items took 13 s of CPU to build, competing
with the UI for the GIL, and hundreds of MB; search was not ready for 25 s after start. This
index is ready once the stored words are caught up with the store (milliseconds when the
command line or an earlier session kept them current), holding nothing: a query's candidates,
found on disk, are added to it when it does not hold them yet, and it scores them as the
whole index would. In the background it then comes to hold every record of the small kinds
(areas, people, opportunities...) and the newest feedback items, which most queries need.

Only the candidates are scored, whatever else is held: when a query matches more than
SCORE_ALL records, the whole index scores the newest SELECTED of them, and those are the
candidates. The count shown is the stored one.

A query with no words (filters only) checks every record (stored.py), seconds at 100k: the
search screen runs queries in a worker.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Iterable

from ..model import FeedbackItem, Record
from ..storage.store import Store
from .index import SEARCHED_TYPES, SearchIndex, SearchResult, parse_query
from .stored import StoredSearch

IN_MEMORY_UP_TO = 25_000  # feedback items; above this the app searches with DiskBackedIndex
# Newest feedback items added in the background. 20,000 cost 2.2 s of CPU after start and about
# 170 MB at 100k items, and bought nothing a typist sees: the probe's keystrokes took a median
# 6.1 ms (p95 72.6) with them and 6.8 ms (p95 61.7) with 5,000 (by hand, 2026-12-07).
WARM_HELD = 2_000
WARM_STEP = 500  # added at a time, so a query typed meanwhile waits for one step at most
# Past this many feedback items held (about 9 KB each), start over from the newest: what
# queries added stays bounded at about 90 MB.
HELD_LIMIT = 10_000


def search_for_app(store: Store) -> SearchIndex | DiskBackedIndex:
    """The whole index in memory for a workspace of usual size; above it, the disk-backed one."""
    items = store.count(FeedbackItem)
    return DiskBackedIndex(items) if items > IN_MEMORY_UP_TO else SearchIndex()


class DiskBackedIndex:
    """SearchIndex's interface for the app: `refresh` in a worker, `search` from any one thread
    at a time (another's search or refresh waits for it)."""

    def __init__(self, feedback_items: int = 0) -> None:
        self._index = SearchIndex()
        self._reader: StoredSearch | None = None
        self._lock = threading.Lock()
        self._feedback_items = feedback_items  # counted again once the store holds them in memory
        self._others = 0

    @property
    def ready(self) -> bool:
        return self._index.ready

    @property
    def revision(self) -> int:
        return self._index.revision

    def __len__(self) -> int:
        return self._feedback_items + self._others

    def refresh(self, store: Store) -> int:
        """Bring the stored words up to the store (its own connection: a search meanwhile reads
        the last committed words), then the records held. Returns as SearchIndex.refresh."""
        writer = StoredSearch(store)
        try:
            writer.refresh()
        finally:
            writer.close()
        with self._lock:
            if self._index.feedback_held > HELD_LIMIT:
                self._index = SearchIndex()
            # Ready holding nothing: a query adds its own candidates; warm() then adds the rest.
            touched = self._index.refresh(store, rebuild_with=lambda _: ())
            if store.loaded(FeedbackItem):  # else counting would wait for the app's loading of every item
                self._feedback_items = store.count(FeedbackItem)
            self._others = sum(store.count(t) for t in SEARCHED_TYPES if t is not FeedbackItem)
        return touched

    def warm(self, store: Store) -> int:
        """After the first refresh, in a worker: hold every record of the small kinds and, once
        the store has them in memory, the newest WARM_HELD feedback items, a step at a time. A
        query adding its candidates costs about 0.1 ms each (a common word's older matches:
        100 ms); held ones cost nothing. Returns how many were added."""
        records: list[Record] = [r for t in SEARCHED_TYPES if t is not FeedbackItem for r in store.all(t)]
        if store.loaded(FeedbackItem):  # else not now: the app loads them after its first frame, then asks again
            # Newest by number, as the index picks a common word's newest matches.
            records += heapq.nlargest(WARM_HELD, store.all(FeedbackItem), key=lambda item: item.number)
        added = 0
        for start in range(0, len(records), WARM_STEP):
            with self._lock:
                if self._index.revision != store.revision:
                    break  # a change came in: the next refresh goes first, the rest is added by queries
                added += self._index.add(store, records[start:start + WARM_STEP])
        return added

    def search(self, query: str, store: Store, *, kinds: Iterable[str] | None = None, limit: int = 50,
               per_kind: int | None = None, should_stop: Callable[[], bool] | None = None) -> SearchResult:
        """`should_stop`: asked once this search has its turn; True (typing went on while it
        waited behind the others) gives an empty answer without reading anything."""
        with self._lock:
            if should_stop is not None and should_stop():
                return SearchResult([], 0, [])
            if self._reader is None:
                self._reader = StoredSearch(store)
            parsed = parse_query(query, store)
            if not parsed.words:
                return self._reader.search(query, kinds=kinds, limit=limit, per_kind=per_kind)
            found = self._reader.candidates(parsed.words)
            self._index.add(store, found.records)
            for word, matches in found.matches.items():
                self._index.seed_matches(word, matches)
            return found.result(self._index.search(query, store, kinds=kinds, limit=limit, per_kind=per_kind,
                                                   within=[r.id for r in found.records], stats=found.stats))

    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

