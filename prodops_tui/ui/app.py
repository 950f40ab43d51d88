"""The App: pane switching, global bindings, themes, and keeping in step with the workspace."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path, PurePath

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.keys import format_key
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Header, Tab, Tabs
from textual.worker import Worker

from ..core.areas.lookup import area_path
from ..core.errors import ProdopsError
from ..core.identity import NameMemory
from ..core.model import ActionItem, FeedbackItem
from ..core.search.on_disk import search_for_app
from ..core.storage.store import Store
from ..core.text import clean_line, plural
from ..core.workspace import Settings
from .jump_provider import JumpProvider
from .keys import catalogue, own_bindings, read_keymap, with_keymap
from .long_lived import back_in_collections, out_of_collections
from .panes.areas import AreasPane
from .panes.base import Pane
from .panes.checklists import ChecklistsPane
from .panes.inbox import InboxPane
from .panes.metrics import MetricsPane
from .panes.retro import RetroPane
from .screens.help import HelpScreen
from .screens.search import SearchScreen
from .screens.type_ahead import KeysFollowScreens
from .themes import DEFAULT_THEME, install_themes, shipped_themes_dir, theme_variable_defaults
from .widgets.footer import KeyFooter

PANES: tuple[tuple[str, str, type[Pane]], ...] = (
    ("1", "inbox", InboxPane),
    ("2", "areas", AreasPane),
    ("3", "retro", RetroPane),
    ("4", "checklists", ChecklistsPane),
    ("5", "metrics", MetricsPane),
)
PANE_LABELS = {"inbox": "Inbox", "areas": "Areas", "retro": "Retro", "checklists": "Checklists & nudges", "metrics": "Metrics"}
# How often the app looks for changes other processes made (two stat calls when there are none).
EXTERNAL_POLL_SECONDS = 1.0
# Items; above, the app holds the feedback it draws (the inbox pages its status views from the
# cache) and loads every item only for what needs them all (a filter, a saved view, the tags).
FEEDBACK_BY_PAGE_OVER = 25_000


UI_FOLDER = Path(__file__).parent
# Where styles are read from, in this order: on a tie of specificity the later rule wins, so a
# pane or a screen can restyle a widget it holds (as a widget's DEFAULT_CSS used to give way).
STYLE_FOLDERS = ("widgets", ".", "panes", "screens")


def stylesheets() -> list[str | PurePath]:
    """Every style the app has: each module's styles are in the .tcss file beside it, named like
    it (panes/inbox.py: panes/inbox.tcss), and all are read here, once, at start. No module sets
    DEFAULT_CSS or CSS_PATH of its own: a screen's CSS_PATH applied to the whole app anyway, but
    only from its first opening, which re-read every style and restyled every widget then."""
    return [path for folder in STYLE_FOLDERS for path in sorted((UI_FOLDER / folder).glob("*.tcss"))]


class UnknownTheme(ProdopsError):
    pass


class WorkspaceChanged(Message):
    """What the panes hear of a change, through the app's one door (on_workspace_changed): the
    store holds a new revision (a change made here, an undo, another process's: the store says
    so itself, Store.on_revision, so no writer has to remember to), or every feedback item is in
    memory now (a large workspace loads them after its first frame)."""

    def __init__(self, revision: int, kinds: frozenset[str] | None) -> None:
        super().__init__()
        self.revision = revision
        self.kinds = kinds  # the kinds of record touched, as id prefixes (F, A, CR…); None: any


def kinds_of(changed: frozenset[str] | None) -> frozenset[str] | None:
    """The kinds of the records a change touched: "F-12" is a feedback item (F). Stored ids are
    always PREFIX-digits (model.split_id); a partition is cheap on a million-row import."""
    return None if changed is None else frozenset(record_id.partition("-")[0] for record_id in changed)


class ProdopsApp(KeysFollowScreens, App[int]):
    TITLE = "prodops"
    CSS_PATH = stylesheets()
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {JumpProvider}

    BINDINGS = [
        *(
            Binding(key, f"show_pane('{pane_id}')", PANE_LABELS[pane_id], id=f"pane.{pane_id}", tooltip=f"Show the {PANE_LABELS[pane_id]} pane")
            for key, pane_id, _ in PANES
        ),
        Binding("slash", "search", "Search", key_display="/", id="app.search", tooltip="Search everything"),
        Binding("u", "undo", "Undo", id="app.undo", tooltip="Undo the last change (several levels)"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help", tooltip="Every key, for this pane"),
        Binding("ctrl+p", "command_palette", "Palette", id="app.palette", tooltip="Commands, themes, jump anywhere"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit: every change is already stored"),
    ]

    def __init__(
        self,
        store: Store,
        *,
        workspace_label: str | None = None,
        theme: str | None = None,
        settings: Settings | None = None,
        extra_theme_dirs: Iterable[Path] = (),
        poll_external: bool = True,
        nudges_at_start: bool = True,
        actor: str | None = None,
    ) -> None:
        super().__init__()
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            # Textual slid the tab underline for 0.3 s on every pane switch: about 18 frames, each
            # drawing the header, tabs and footer again, half the switch's wall time and a quarter
            # of its CPU (profiled). Keys show their result at once; a user's TEXTUAL_ANIMATIONS wins.
            self.animation_level = "none"
        self.store = store
        store.defer_folds()  # folded by a worker, so no key press waits for it
        # Every kind in memory: no later read on the event loop waits for the disk. At 100k items
        # the feedback is read a page at a time: every item took 1.5 s of CPU and about 190 MB.
        self.feedback_by_page = store.count(FeedbackItem) > FEEDBACK_BY_PAGE_OVER
        if self.feedback_by_page:
            store.read_by_page(FeedbackItem)
            store.unload(FeedbackItem)  # an open that read the files whole (a copied workspace) held them all
        store.load_all(but=(FeedbackItem,) if self.feedback_by_page else ())
        self._feedback_loader: Worker | None = None
        self._after_feedback_loads: list[Callable[[], None]] = []
        self.settings = settings or Settings()
        self.workspace_label = workspace_label if workspace_label is not None else str(store.directory)
        self.names = NameMemory(self.settings)  # a terminal's settings, or a browser's own name under `prodops serve`
        self.actor = self.names.resolve(actor)
        store.actor = self.actor.name
        self._show_actor()
        self.poll_external = poll_external
        self.nudges_at_start = nudges_at_start
        self.search_index = search_for_app(store)  # the whole index in memory, or at 100k the words on disk
        # prodops's themes and the user's own; not Textual's, which lack prodops's status colours
        self.theme_problems = install_themes(self, [shipped_themes_dir(), *extra_theme_dirs, self.settings.path.parent / "themes"])
        wanted = theme or self.settings.get("theme") or DEFAULT_THEME
        if wanted not in self.available_themes:
            if theme:  # asked for on the command line: say so instead of guessing
                # Its own file, if it did not load, says why: "unknown" would send the user looking elsewhere.
                broken = next((problem for problem in self.theme_problems if problem.startswith(f"{theme}.toml:")), None)
                if broken:
                    raise UnknownTheme(f"theme {theme!r} did not load: {broken}")
                raise UnknownTheme(f"unknown theme {theme!r}; available: {', '.join(sorted(self.available_themes))}")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = wanted
        if theme:
            self.settings.set("theme", theme)
        self._theme_ready = True
        self._panes: dict[str, Pane] = {}
        self._index_worker: Worker | None = None
        self._stop_listening = store.on_revision(self._announce)
        self.keymap, self.keymap_problems = read_keymap(self.settings.get("keymap"), (e.id for e in catalogue(type(self))))
        self.set_keymap(self.keymap)

    def _announce(self, revision: int, changed: frozenset[str] | None) -> None:
        """The store's news, on whichever thread made the change, to the one door."""
        self.post_message(WorkspaceChanged(revision, kinds_of(changed)))

    # --- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Tabs(*(Tab(f"{key} {PANE_LABELS[pane_id]}", id=f"tab-{pane_id}") for key, pane_id, _ in PANES), id="pane-tabs")
        with ContentSwitcher(initial="inbox", id="panes"):
            for _, pane_id, pane_type in PANES:
                self._panes[pane_id] = pane_type(self.store, id=pane_id)
                # The first pane on screen, and the one that works out the nudges named at start;
                # the others render when first shown.
                self._panes[pane_id].render_at_mount = pane_id in ("inbox", "checklists")
                yield self._panes[pane_id]
        yield KeyFooter(show_command_palette=False)  # ctrl+p is in BINDINGS, in its place

    def on_mount(self) -> None:
        self.query_one(Tabs).can_focus = False
        out_of_collections()
        if self.theme_problems:
            self.notify("\n".join(self.theme_problems), title="Some theme files did not load", severity="warning", timeout=10)
        if self.keymap_problems:
            self.notify("\n".join(self.keymap_problems), title=f"Keymap in {self.settings.path}", severity="warning", timeout=10)
        if self.poll_external:
            self.set_interval(EXTERNAL_POLL_SECONDS, self.check_external_changes)
        self.call_after_refresh(self._update_search_index)  # after the first frame: its build competes for the GIL
        if self.names.should_ask(self.actor):
            self.call_after_refresh(self._ask_name)

    def with_every_feedback_item(self, why: str, then: Callable[[], None] | None = None) -> bool:
        """Whether every feedback item is in memory (True: go on). Else (False) a worker loads
        them, said in a toast (`why` names what needs them), and `then` is called once they are.
        At 100,000 items the app holds a page of feedback until a filter, a saved view or the
        tags need every item."""
        if self.store.loaded(FeedbackItem):
            return True
        if then is not None and then not in self._after_feedback_loads:  # a key pressed twice asks once
            self._after_feedback_loads.append(then)
        if self._feedback_loader is None or self._feedback_loader.is_finished:
            self.notify(f"Loading {plural(self.store.count(FeedbackItem), 'feedback item')} for {why}…",
                        title="Workspace", timeout=4)
            self._feedback_loader = self._load_feedback()
        return False

    @work(thread=True, group="load-feedback", exit_on_error=False)
    def _load_feedback(self) -> None:
        try:
            self.store.load_all()
        except Exception as exc:  # noqa: BLE001 - said; the inbox reads what it needs when asked
            self.call_from_thread(self.notify, f"Could not load every feedback item: {exc}", title="Workspace", severity="error")
            return
        self.call_from_thread(self._feedback_loaded)

    def _feedback_loaded(self) -> None:
        """Every item is in memory: to the panes, every feedback item is new (the inbox lists
        its whole view instead of the first page), through the one door; search holds the
        newest items."""
        out_of_collections()
        self.post_message(WorkspaceChanged(self.store.revision, frozenset({FeedbackItem.PREFIX})))
        self._warm_search()
        waiting, self._after_feedback_loads = self._after_feedback_loads, []
        for then in waiting:
            then()

    @work(thread=True, group="search-warm", exit_on_error=False)
    def _warm_search(self) -> None:
        self.search_index.warm(self.store)
        out_of_collections()

    def _show_actor(self) -> None:
        """The workspace and who acts, under the title: every tick and triage is signed by that name."""
        self.sub_title = f"{self.workspace_label} · as {self.store.actor}" if self.store.actor else self.workspace_label

    def _ask_name(self) -> None:
        """Once, on the first start where no name was given: the git name or the login is a guess."""
        from .screens.pickers import TextScreen

        def keep(name: str | None) -> None:
            name = clean_line(name or "")
            kept_in = self.names.keep(name)
            if kept_in.startswith("not kept: "):  # several lines, or too long to be a name: asked again
                self.notify(kept_in.removeprefix("not kept: "), title="Your name", severity="warning")
                self.call_after_refresh(self._ask_name)
                return
            if name:
                self.store.actor = name
                self._show_actor()
                self.notify(f"Ticks, triage and votes are signed {name} (kept: {kept_in})", title="Your name")

        self.push_screen(TextScreen(self.names.question, value=self.actor.name), keep)

    def on_resize(self) -> None:
        # At 80 columns the footer's spacing alone hid every key after "s Snooze".
        self.query_one(Footer).compact = self.size.width < 110

    def on_checklists_pane_first_nudges(self, event: ChecklistsPane.FirstNudges) -> None:
        """The top of every start: the few nudges due now, in one toast; 4 shows them all.
        The pane computes them anyway; asking the core a second time would read every
        feedback item twice while the app starts."""
        found = event.found
        if self.nudges_at_start and found.shown:
            more = len(found.shown) + len(found.more)
            text = "\n".join(f"• {n.title}" for n in found.shown[:3])
            self.notify(text, title=f"{plural(more, 'nudge')} — 4 shows them", timeout=8)

    @property
    def active_pane(self) -> Pane:
        return self._panes[self.query_one("#panes", ContentSwitcher).current or "inbox"]

    def on_unmount(self) -> None:
        self._stop_listening()
        self.search_index.close()
        back_in_collections()  # what the app held may be collected again (tests run many apps in one process)

    # --- keeping in step with the workspace -------------------------------------

    def on_workspace_changed(self, message: WorkspaceChanged) -> None:
        """The one door for every change: each pane hears which kinds of record it touched (the
        visible one re-renders now if it shows them, a hidden one when it is shown: attributes
        down); the search index catches up; the journal is folded when due."""
        active = self.active_pane if self._panes else None
        for pane in self._panes.values():
            pane.workspace_changed(message.kinds, shown=pane is active)
        self._update_search_index()
        if self.store.fold_due():
            self._fold_in_background()

    @work(thread=True, exclusive=True, group="fold", exit_on_error=False)
    def _fold_in_background(self) -> None:
        try:
            self.store.fold(only_if_due=True)
        except (ProdopsError, OSError) as exc:
            # The journal still holds every change; the next fold tries again.
            self.call_from_thread(self.notify, f"Could not fold the journal: {exc}", title="Workspace", severity="warning")

    def on_areas_pane_show_feedback(self, event: AreasPane.ShowFeedback) -> None:
        """enter on an area: the inbox, all statuses, filtered to that area and below."""
        inbox_pane = self.query_one(InboxPane)
        inbox_pane.view = "all"
        inbox_pane.filter_query = f'area:"{area_path(self.store, event.area_id)}"'
        self.action_show_pane("inbox")

    def on_checklists_pane_show_target(self, event: ChecklistsPane.ShowTarget) -> None:
        """enter on a nudge: the pane and items it is about."""
        target = event.target
        if target.pane == "inbox":
            inbox_pane = self.query_one(InboxPane)
            if target.shows_ids:  # no filter says exactly which: the items themselves, under what they are
                inbox_pane.show_items(target.ids, target.label)
            else:
                inbox_pane.view = "all"
                inbox_pane.filter_query = target.filter
            self.action_show_pane("inbox")
        elif target.pane == "areas":
            self.query_one(AreasPane).mode = "gaps"
            self.action_show_pane("areas")
        elif target.pane == "opportunities":
            self.action_show_pane("inbox")
            self.query_one(InboxPane).action_show_opportunities()
        elif target.pane in dict((p, p) for _, p, _ in PANES):
            self.action_show_pane(target.pane)

    def check_external_changes(self) -> None:
        self._refresh_from_disk()

    @work(thread=True, exclusive=True, group="external-refresh", exit_on_error=False)
    def _refresh_from_disk(self) -> None:
        try:
            self.store.refresh()
        except ProdopsError as exc:
            self.call_from_thread(self.notify, str(exc), title="Workspace", severity="error", timeout=10)
            return
        # A change found on disk reaches the screen the way every change does: the store
        # announces it (WorkspaceChanged).

    # --- actions ----------------------------------------------------------------

    def action_show_pane(self, pane_id: str) -> None:
        self.query_one(Tabs).active = f"tab-{pane_id}"
        self._switch_to(pane_id)

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab.id:
            self._switch_to(event.tab.id.removeprefix("tab-"))

    def _switch_to(self, pane_id: str) -> None:
        self.query_one("#panes", ContentSwitcher).current = pane_id
        pane = self._panes[pane_id]
        pane.catch_up()  # a pane hidden while a change it shows was made renders it now
        pane.focus_default()

    def action_undo(self) -> None:
        try:
            undone = self.store.undo(origin="app")
        except ProdopsError as exc:
            self.notify(str(exc), title="Undo", severity="warning")
            return
        self.notify(f"Undid: {undone.label}", title="Undo")

    def action_search(self, query: str = "") -> None:
        if isinstance(self.screen, SearchScreen):
            return
        self.push_screen(SearchScreen(self.search_index, self.store, query=query), self.go_to)

    def go_to(self, record_id: str | None) -> None:
        """Show an item in its pane, selected: what search and the palette jump to."""
        if not record_id:
            return
        prefix = record_id.split("-")[0]
        if prefix == "F":
            self.action_show_pane("inbox")
            self.query_one(InboxPane).reveal(record_id)
        elif prefix == "O":
            self.action_show_pane("inbox")
            self.query_one(InboxPane).action_show_opportunities(keep=record_id)
        elif prefix in ("A", "P"):
            self.action_show_pane("areas")
            self.query_one(AreasPane).reveal(record_id)
        elif prefix == "R":
            self.action_show_pane("retro")
            self.query_one(RetroPane).open_retro(record_id.split("#")[0])
        elif prefix in ("C", "T"):
            self.action_show_pane("checklists")
            if not self.query_one(ChecklistsPane).reveal(record_id):
                action = self.store.get(record_id)  # done or dropped: its retro lists it
                if isinstance(action, ActionItem) and action.retro:
                    self.action_show_pane("retro")
                    self.query_one(RetroPane).open_retro(action.retro)

    def _update_search_index(self) -> None:
        """Built once in the background (the app is usable meanwhile), then kept up to date
        record by record on every change. One worker at a time: a change that lands while it
        runs is picked up when it is done (cancelling a thread does not stop it)."""
        if self._index_worker is None or self._index_worker.is_finished:
            self._index_worker = self._catch_up_search_index()

    @work(thread=True, group="search-index", exit_on_error=False)
    def _catch_up_search_index(self) -> None:
        was_ready = self.search_index.ready
        self.search_index.refresh(self.store)
        self.call_from_thread(self._search_index_caught_up, not was_ready)
        if not was_ready:
            self.search_index.warm(self.store)  # searching meanwhile works; this makes it quicker
            out_of_collections()

    def _search_index_caught_up(self, first_time: bool) -> None:
        """On the event loop: the screen stack is the app's, never read from a worker thread."""
        if first_time and isinstance(self.screen, SearchScreen):
            self.screen.index_ready()
        if self.search_index.revision != self.store.revision:
            self._index_worker = self._catch_up_search_index()

    def action_help(self) -> None:
        pane = self.active_pane
        sections = [("Everywhere", [b for b in self.BINDINGS if isinstance(b, Binding)])]
        focused = self.focused
        # The focused widget's own keys (the list's j/k/g/G, x, enter), if it is one of ours.
        if focused is not None and type(focused).__module__.startswith("prodops_tui."):
            widget_bindings = [b for b in type(focused).BINDINGS if isinstance(b, Binding)]
            if widget_bindings:
                sections.append((f"{pane.TITLE} list", widget_bindings))
        pane_bindings = own_bindings(type(pane))
        if pane_bindings:
            sections.append((pane.TITLE, pane_bindings))
        self.push_screen(HelpScreen([(title, with_keymap(bindings, self.keymap)) for title, bindings in sections]))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own (theme, keys, quit, ...), then every action of the app and of each pane
        from their bindings, with the key that runs it: one declaration feeds footer, help and palette."""
        yield from super().get_system_commands(screen)
        palette_free = {"app.palette", "app.quit"}  # opening the palette from itself; Textual has Quit
        pane_ids = {label: pane_id for pane_id, label in PANE_LABELS.items()}
        entries = catalogue(type(self), self.keymap)
        for entry in entries:
            if entry.where == "anywhere" and entry.id not in palette_free:
                yield SystemCommand(entry.description, f"{entry.tooltip} (key {entry.display})", partial(self.run_action, entry.action))
        for entry in entries:
            if entry.where in pane_ids and entry.show:
                key = format_key(entry.key.split(",")[0])
                yield SystemCommand(f"{entry.where}: {entry.description}", f"{entry.tooltip or entry.description} (key {key} in {entry.where})",
                                    partial(self._run_in_pane, pane_ids[entry.where], entry.action))

    def _run_in_pane(self, pane_id: str, action: str) -> None:
        """A pane's action from the palette: show the pane, then act as its key would."""
        self.action_show_pane(pane_id)
        self.call_after_refresh(self.run_action, action, self._panes[pane_id])

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # prodops's variables (status colours, the list cursor) for a theme that does not set them
        # (a user's file, Textual's own themes): without them the panes' styles would not parse.
        return theme_variable_defaults(self.current_theme)

    def watch_theme(self, theme_name: str) -> None:
        # Remember a theme picked in the palette; not the one set while starting up.
        if getattr(self, "_theme_ready", False):
            self.settings.set("theme", theme_name)
