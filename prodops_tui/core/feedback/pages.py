"""An inbox view of 100,000 items that builds only the rows asked for (issue 29).

The view's order and every view's count come from the cache's columns (inbox.view_pages); an
item is built when its row is asked for, with the PAGE_SIZE items around it, and only the last
PAGES_KEPT pages are held. Holding every item took the app from about 150 MB to 340 MB at 100k
items, and building them 1.5 s of CPU after the first frame.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import overload

from ..model import FeedbackItem, split_id
from ..storage.store import Store

PAGE_SIZE = 64  # items built together: a screen shows about 45 rows
PAGES_KEPT = 8  # pages held; the oldest asked for goes first


class FeedbackPages(Sequence[FeedbackItem]):
    """The items of a view, by number, in the view's order; built a page at a time, when asked.
    Made for one revision of the store: the inbox makes a new one after every change."""

    def __init__(self, store: Store, numbers: list[int]) -> None:
        self._store = store
        self._numbers = numbers
        self._pages: OrderedDict[int, list[FeedbackItem]] = OrderedDict()
        self.built = 0  # items built so far (the tests: only the rows drawn, and their page)

    def __len__(self) -> int:
        return len(self._numbers)

    @overload
    def __getitem__(self, index: int) -> FeedbackItem: ...

    @overload
    def __getitem__(self, index: slice) -> list[FeedbackItem]: ...

    def __getitem__(self, index: int | slice) -> FeedbackItem | list[FeedbackItem]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self._numbers)
        if not 0 <= index < len(self._numbers):
            raise IndexError(index)
        return self._page(index // PAGE_SIZE)[index % PAGE_SIZE]

    def __iter__(self) -> Iterator[FeedbackItem]:
        for start in range(0, len(self._numbers), PAGE_SIZE):
            yield from self._page(start // PAGE_SIZE)

    def ids(self) -> list[str]:
        """Every item's id, in order, without building an item."""
        return [f"{FeedbackItem.PREFIX}-{number}" for number in self._numbers]

    def index_of(self, item_id: str) -> int | None:
        try:
            prefix, number = split_id(item_id)
            return self._numbers.index(number) if prefix == FeedbackItem.PREFIX else None
        except ValueError:  # not an id, or not listed
            return None

    @property
    def longest_id(self) -> int:
        """The length of the longest id listed (the id column's width)."""
        return len(f"{FeedbackItem.PREFIX}-{max(self._numbers)}") if self._numbers else 0

    def _page(self, page: int) -> list[FeedbackItem]:
        held = self._pages.get(page)
        if held is not None:
            self._pages.move_to_end(page)
            return held
        numbers = self._numbers[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
        found = {item.number: item for item in self._store.get_many(FeedbackItem, numbers)}
        self.built += len(found)
        built = [found.get(number) or _gone(number) for number in numbers]
        self._pages[page] = built
        if len(self._pages) > PAGES_KEPT:
            self._pages.popitem(last=False)
        return built


def _gone(number: int) -> FeedbackItem:
    """An item deleted by another process after the view was read: listed as such until the
    inbox reads the view again (it does on the change's news)."""
    return FeedbackItem(id=f"{FeedbackItem.PREFIX}-{number}", title="(deleted since this list was read)", status="archived")
