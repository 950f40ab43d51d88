"""/ anywhere: one box, results as you type, grouped by kind; enter goes to the item."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ...core.query import NAMES
from ...core.search import display
from ...core.search import index as search
from ...core.search.on_disk import DiskBackedIndex
from ...core.storage.store import Store
from ...core.text import clean_line, plural, truncate
from .modal_keys import ModalKeys, key_footer, modal_keys

PER_KIND = 8
# The keywords from core/query.py's table: the same ones the inbox filter takes.
HINT = f"type any part of a name or text, misspelled, in any order · {' '.join(n + ':' for n in NAMES)} · enter opens · esc returns"


def highlighted(text: str, words: frozenset[str], style: str = "bold $accent underline") -> Content:
    """User text as data, with the words that matched styled."""
    content = Content(text)
    for start, end in display.highlight_spans(text, words):
        content = content.stylize(style, start, end)
    return content


def hit_prompt(store: Store, hit: search.Hit) -> Content:
    doc = hit.doc
    title = clean_line(truncate(doc.title, 70))
    parts = [
        Content.styled(f"{doc.id:<9}", "$text-muted"),
        highlighted(title, hit.words),
        Content.styled(f"  {display.location(store, doc)}", "$text-muted"),
    ]
    title_words = frozenset(search.words_of(doc.title))
    if hit.words and not hit.words <= title_words:
        snippet = clean_line(display.snippet(doc, hit.words - title_words, 100))
        if snippet:
            parts += [Content("\n         "), highlighted(snippet, hit.words, "bold $accent")]
    return Content.assemble(*parts)


class SearchScreen(ModalKeys, ModalScreen[str | None]):
    """Dismisses with the id of the chosen item (a retro card: R-2#3), or None. `?` and `u` work
    from the results (tab): in the box they are typed."""

    KEYS_TITLE = "Search"

    BINDINGS = [
        Binding("escape", "cancel", "Back", id="search.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="search.next"),
        Binding("up", "move(-1)", "Previous", show=False, id="search.previous"),
        Binding("pagedown", "move(8)", "Page down", show=False, id="search.page_down"),
        Binding("pageup", "move(-8)", "Page up", show=False, id="search.page_up"),
        *modal_keys("search"),
    ]

    def __init__(self, index: search.SearchIndex | DiskBackedIndex, store: Store, *, query: str = "") -> None:
        super().__init__()
        self.index = index
        self.store = store
        self.initial_query = query

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Input(self.initial_query, placeholder="search everything", id="search-query")
            yield Static(id="search-status")
            yield OptionList(id="search-results")
            yield Static(Content.styled(HINT, "$text-muted"), id="search-hint")
        yield key_footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.run_query(self.initial_query)

    @on(Input.Changed, "#search-query")
    def typed(self, event: Input.Changed) -> None:
        self.run_query(event.value)

    def index_ready(self) -> None:
        """The app's index finished building: show what the box already holds."""
        self.run_query(self.query_one(Input).value)

    def run_query(self, query: str) -> None:
        results = self.query_one(OptionList)
        status = self.query_one("#search-status", Static)
        if not self.index.ready:
            results.clear_options()
            status.update(Content.styled("Indexing the workspace… results appear when it is done.", "$warning"))
            return
        if not query.strip():
            results.clear_options()
            status.update(Content.styled(f"{len(self.index):,} items indexed", "$text-muted"))
            return
        if isinstance(self.index, search.SearchIndex):  # all in memory: milliseconds, answered at once
            self.show_found(self._search(query))
        else:
            # Read from disk (on_disk.py): up to 0.1 s, a filter alone seconds at 100k; typing goes
            # on meanwhile, and an answer to what the box no longer holds is dropped.
            self._search_in_background(query)

    def _search(self, query: str, **kwargs) -> search.SearchResult:
        return self.index.search(query, self.store, limit=PER_KIND * len(search.KINDS), per_kind=PER_KIND, **kwargs)

    @work(thread=True, exclusive=True, group="search-query", exit_on_error=False)
    def _search_in_background(self, query: str) -> None:
        worker = get_current_worker()
        try:
            # A keystroke's search waiting behind earlier ones is skipped once a later one replaced it
            # (exclusive): typing ten letters fast ran ten searches, about 4 s at 100k, for the last answer.
            found = self._search(query, should_stop=lambda: worker.is_cancelled)
        except Exception as exc:  # noqa: BLE001 - said in the status line, the screen stays usable
            self.app.call_from_thread(self._answer, query, None, f"Search failed: {exc}")
            return
        self.app.call_from_thread(self._answer, query, found, None)

    def _answer(self, query: str, found: search.SearchResult | None, problem: str | None) -> None:
        if not self.is_attached or self.query_one(Input).value != query:
            return
        if problem is not None:
            self.query_one(OptionList).clear_options()
            self.query_one("#search-status", Static).update(Content.styled(problem, "$error"))
        elif found is not None:
            self.show_found(found)

    def show_found(self, found: search.SearchResult) -> None:
        results = self.query_one(OptionList)
        status = self.query_one("#search-status", Static)
        results.clear_options()
        summary = plural(found.total, "match", "matches")
        hints = Content.styled("  " + " · ".join(found.hints), "$warning") if found.hints else Content("")
        status.update(Content.assemble((summary, "$text-muted"), hints))
        options: list[Option] = []
        # Groups in the order of their best hit, so the best match is always on top.
        kinds = list(dict.fromkeys(h.kind for h in found.hits))
        for kind in kinds:
            hits = [h for h in found.hits if h.kind == kind]
            options.append(Option(Content.styled(f"{search.KIND_LABELS[kind]}", "bold $primary"), disabled=True))
            options.extend(Option(hit_prompt(self.store, hit), id=hit.id) for hit in hits)
        results.add_options(options)
        first = next((n for n, option in enumerate(options) if not option.disabled), None)
        results.highlighted = first

    def action_move(self, step: int) -> None:
        results = self.query_one(OptionList)
        if not results.option_count:
            return
        index = results.highlighted if results.highlighted is not None else -1
        direction = 1 if step > 0 else -1
        target = index
        for _ in range(abs(step)):
            probe = target + direction
            while 0 <= probe < results.option_count and results.get_option_at_index(probe).disabled:
                probe += direction
            if not 0 <= probe < results.option_count:
                break
            target = probe
        if target >= 0:
            results.highlighted = target

    @on(Input.Submitted, "#search-query")
    def submitted(self) -> None:
        results = self.query_one(OptionList)
        if results.highlighted is not None and results.option_count:
            option = results.get_option_at_index(results.highlighted)
            if not option.disabled:
                self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#search-results")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
