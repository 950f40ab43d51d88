"""The inbox list: renders only the visible rows (line API), so 100,000 items stay instant.

Textual's DataTable measures every cell on the event loop (~5 s at 50k rows,
PITFALLS.md); this list formats a row only when it is on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.dates import display_day, from_iso, humanize_age
from ...core.feedback.pages import FeedbackPages
from ...core.model import FeedbackItem
from ...core.text import clean_line

# (key, heading, width); the feedback text takes the rest of the line. Narrow
# terminals drop columns from the end of DROP_ORDER before the text gets short.
ID_WIDTH = 7  # F-1234 and a space; longer ids widen the column (see FeedbackList.show)
COLUMNS = (("mark", "", 2), ("id", "id", ID_WIDTH), ("age", "age", 5), ("importance", "importance", 10), ("source", "source", 12), ("customer", "customer", 20), ("area", "area", 22))
# Least important first; the customer narrows to NARROW_CUSTOMER before it goes.
DROP_ORDER = ("source", "area", "age", "importance", "customer")
MIN_TEXT = 30
TEXT_SHARE = 0.4  # the feedback text keeps at least this share of the list's width
NARROW_CUSTOMER = 12


SNOOZED_COLUMN = ("snoozed", "until", 8)


def visible_columns(width: int, *, snoozed: bool = False, id_width: int = ID_WIDTH) -> tuple[tuple[str, str, int], ...]:
    # A narrow list (80 columns with the detail beside it) gives the text half: it is what is read.
    wanted = max(MIN_TEXT if width >= MIN_TEXT / TEXT_SHARE else 0, int(width * (0.5 if width < 60 else TEXT_SHARE)))

    def fits(cols: list[tuple[str, str, int]]) -> bool:
        return width - sum(w for _, _, w in cols) >= wanted

    columns = [(key, heading, id_width if key == "id" else w) for key, heading, w in COLUMNS]
    if snoozed:  # the Snoozed view says until when, right after the id
        columns.insert(2, SNOOZED_COLUMN)
    for key in DROP_ORDER:
        if fits(columns):
            break
        if key == "customer":
            narrower = [(k, h, NARROW_CUSTOMER if k == "customer" else w) for k, h, w in columns]
            if fits(narrower):
                return tuple(narrower)
        columns = [c for c in columns if c[0] != key]
    return tuple(columns)
def _short_date(iso: str) -> str:
    """'2026-12-04T09:00:00Z' -> ' 4 Dec' (dates.display_day), right-aligned so the days line up."""
    return f"{display_day(iso):>6}"


IMPORTANCE_MARK = {None: "·", "low": "low", "medium": "medium", "high": "high", "critical": "CRITICAL"}


class FeedbackList(ScrollView, can_focus=True):
    """A cursor and marks over a list of feedback items that the pane hands down."""

    COMPONENT_CLASSES = {  # styled in feedback_list.tcss, beside this file
        "feedback-list--cursor",
        "feedback-list--marked",
        "feedback-list--header",
        "feedback-list--urgent",
        "feedback-list--muted",
        "feedback-list--band",
        "feedback-list--group",
    }
    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "first", "Top", show=False, id="list.top"),
        Binding("G,end", "last", "Bottom", show=False, id="list.bottom"),
        Binding("pagedown,ctrl+d", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup,ctrl+u", "page_up", "Page up", show=False, id="list.page_up"),
        # Marking moves down, as mutt's t, ranger's and mc's marks do: a run of items is x x x,
        # not x j x j x (issue 31, item 8). The description says so, in the footer and in help.
        Binding("x,space", "toggle_mark", "Mark ↓", key_display="x", id="list.mark",
                tooltip="Mark or unmark the item, then move down to the next: x x x marks three in a row (k goes back up)"),
        Binding("asterisk", "mark_all", "Mark all", key_display="*", id="list.mark_all", tooltip="Mark every item listed, or clear the marks"),
        Binding("enter", "open", "Open", id="list.open", tooltip="Open the item"),
    ]

    # No repaint of the whole list on a move: watch_cursor redraws the two rows that changed (a full
    # repaint drew 40 rows a key press at 160x48).
    cursor: reactive[int] = reactive(0, init=False, repaint=False)

    class Highlighted(Message):
        def __init__(self, item: FeedbackItem | None) -> None:
            super().__init__()
            self.item = item

    class Opened(Message):
        def __init__(self, item: FeedbackItem) -> None:
            super().__init__()
            self.item = item

    def __init__(self, *, area_path: Callable[[str | None], str], id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: Sequence[FeedbackItem] = ()
        self.bands: dict[str, int] = {}  # item id -> group number; odd groups are shaded (duplicate clusters)
        self.group_titles: Sequence[str] = ()  # by group number: the line above each group
        # With groups, the rows below the header: an item's index, or -1 - n for group n's line;
        # and each item's row. Empty without groups: row n is item n.
        self._rows: list[int] = []
        self._row_of: list[int] = []
        self.marked: set[str] = set()
        self.show_snoozed = False  # the pane sets it for the Snoozed view
        self.id_width = ID_WIDTH  # the longest id listed and a space: F-100000 was cut to F-100…
        self.now: datetime | None = None
        self.area_path = area_path
        # Rows as drawn, by (index, under the cursor, list focused): (item id, marked, row). A move
        # draws the row it reaches and takes the one it leaves from here, and a scroll by one row
        # draws one: Textual keeps lines by screen row, so a scroll drew every row again (40 at
        # 160x48, 0.1 ms each, the slowest `j`s). Forgotten when the rows or styles change.
        self._drawn: dict[tuple[int, bool, bool], tuple[str, bool, Strip]] = {}
        self._base_style: Style | None = None

    # --- data down ------------------------------------------------------------

    def show(self, items: Sequence[FeedbackItem], now: datetime, *, keep: str | None = None, bands: dict[str, int] | None = None,
             group_titles: Sequence[str] = ()) -> None:
        """Replace the rows; keep the cursor on item `keep` if it is still listed. `bands` puts
        items in groups (listed group after group); with `group_titles`, each group opens with a
        line of its own, so where one group ends and the next begins is plain at a glance."""
        self.items = items
        longest = items.longest_id if isinstance(items, FeedbackPages) else max((len(item.id) for item in items), default=0)
        self.id_width = max(ID_WIDTH, longest + 1)
        self.bands = bands or {}
        self.group_titles = group_titles
        self._rows, self._row_of = [], []
        if self.bands and group_titles:
            last = None
            for position, item in enumerate(items):
                group = self.bands.get(item.id)
                if group is not None and group != last and group < len(group_titles):
                    self._rows.append(-1 - group)
                last = group
                self._row_of.append(len(self._rows))
                self._rows.append(position)
        self.now = now
        self._forget_drawn()
        if self.marked:  # a set of 100,000 ids per change, only when something is marked
            self.marked &= set(self.ids())
        index = self.index_of(keep) if keep else None
        if index is None:
            index = min(self.cursor, max(len(items) - 1, 0))
        self.virtual_size = Size(self.size.width, (len(self._rows) if self._rows else len(items)) + 1)  # +1: the header row
        self.set_reactive(FeedbackList.cursor, index)
        self.scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    @property
    def current(self) -> FeedbackItem | None:
        return self.items[self.cursor] if 0 <= self.cursor < len(self.items) else None

    def targets(self) -> list[str]:
        """What a triage key acts on: the marked items, else the one under the cursor."""
        if self.marked:
            return [item_id for item_id in self.ids() if item_id in self.marked]
        return [self.current.id] if self.current else []

    def ids(self) -> list[str]:
        """Every listed item's id, in order: a paged view gives them without building its items."""
        items = self.items
        return items.ids() if isinstance(items, FeedbackPages) else [item.id for item in items]

    def index_of(self, item_id: str) -> int | None:
        """Where an item is listed, or None."""
        items = self.items
        if isinstance(items, FeedbackPages):
            return items.index_of(item_id)
        return next((n for n, item in enumerate(items) if item.id == item_id), None)

    # --- rendering --------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._header(width)
        index = self.scroll_offset.y + y - 1
        if self._rows:
            if index >= len(self._rows):
                return Strip.blank(width, self.rich_style)
            index = self._rows[index]
            if index < 0:
                return self._group_line(-1 - index, width)
        if index >= len(self.items):
            return Strip.blank(width, self.rich_style)
        key = (index, index == self.cursor, self.has_focus)
        drawn = self._drawn.get(key)
        if drawn is not None and drawn[2].cell_length == width and (drawn[0] in self.marked) == drawn[1]:
            return drawn[2]
        item = self.items[index]
        row = self._row(item, index, width)
        if len(self._drawn) >= 4 * max(self.size.height, 16):  # a screen or so of rows each way
            self._drawn.clear()
        self._drawn[key] = (item.id, item.id in self.marked, row)
        return row

    def _forget_drawn(self) -> None:
        self._drawn.clear()
        self._base_style = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_drawn()  # a theme, or the focus style: the kept rows hold the old colours

    def _group_line(self, group: int, width: int) -> Strip:
        """'── Group 2 of 114: 5 items, similar, score 72 ─────…' above the group's first item."""
        style = self.get_component_rich_style("feedback-list--group")
        text = f"── {self.group_titles[group]} "
        return Strip([Segment(set_cell_size(_fit(text, width) if len(text) >= width else text + "─" * (width - len(text)), width), style)], width)

    def _header(self, width: int) -> Strip:
        style = self.get_component_rich_style("feedback-list--header")
        text = "".join(set_cell_size(_fit(heading, w - 1), w) for _, heading, w in visible_columns(width, snoozed=self.show_snoozed, id_width=self.id_width)) + "feedback"
        return Strip([Segment(set_cell_size(text, width), style)], width)

    def _row(self, item: FeedbackItem, index: int, width: int) -> Strip:
        if self._base_style is None:
            self._base_style = self.rich_style  # walks every ancestor's styles: a third of a row's time
        base = self._base_style
        if self.bands.get(item.id, 0) % 2:
            base = base + self.get_component_rich_style("feedback-list--band")
        if index == self.cursor:
            base = base + self.get_component_rich_style("feedback-list--cursor")
        marked = item.id in self.marked
        age = humanize_age(from_iso(item.received_at), self.now) if item.received_at and self.now else ""
        urgent = item.importance in ("high", "critical")
        cells = {
            "mark": ("▶ " if marked else "  ", "feedback-list--marked" if marked else None),
            "id": (item.id, "feedback-list--muted"),
            "age": (age, None),
            "importance": (IMPORTANCE_MARK.get(item.importance, item.importance or ""), "feedback-list--urgent" if urgent else "feedback-list--muted" if not item.importance else None),
            "source": (clean_line(item.source), "feedback-list--muted"),
            "customer": (clean_line(item.customer), None),
            "area": (self.area_path(item.area), None),
            "snoozed": (_short_date(item.snoozed_until) if item.snoozed_until else "", "feedback-list--muted"),
        }
        segments = []
        used = 0
        for key, _, column_width in visible_columns(width, snoozed=self.show_snoozed, id_width=self.id_width):
            text, component = cells[key]
            style = base + self.get_component_rich_style(component) if component else base
            segments.append(Segment(set_cell_size(_fit(text, column_width - 1), column_width), style))
            used += column_width
        rest = max(width - used, 0)
        title = clean_line(item.title or item.text)
        segments.append(Segment(set_cell_size(_fit(title, rest), rest), base))
        return Strip(segments, width)

    # --- movement ---------------------------------------------------------------

    def _row_of_item(self, index: int) -> int:
        return self._row_of[index] if 0 <= index < len(self._row_of) else index

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(self._row_of_item(old) + 1)  # virtual lines: row n sits below the header
        self.refresh_line(self._row_of_item(new) + 1)
        self.scroll_to_cursor()
        self.post_message(self.Highlighted(self.current))

    def scroll_to_cursor(self) -> None:
        if self.items:
            row = self._row_of_item(self.cursor)
            # The first item of a group brings its group's line into view with it.
            above = 1 if self._rows and row > 0 and self._rows[row - 1] < 0 else 0
            self.scroll_to_region(Region(0, row + 1 - above, 1, 1 + above), animate=False, spacing=Spacing(1, 0, 0, 0), force=True)

    def _move(self, to: int) -> None:
        if self.items:
            self.cursor = max(0, min(to, len(self.items) - 1))

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self.items) - 1)

    def action_page_down(self) -> None:
        self._move(self.cursor + max(self.size.height - 2, 1))

    def action_page_up(self) -> None:
        self._move(self.cursor - max(self.size.height - 2, 1))

    def action_toggle_mark(self) -> None:
        item = self.current
        if item is None:
            return
        self.marked ^= {item.id}
        self.refresh_line(self._row_of_item(self.cursor) + 1)
        self._move(self.cursor + 1)  # marking runs down the list (the binding's description: "Mark ↓")

    def action_mark_all(self) -> None:
        self.marked = set() if self.marked else set(self.ids())
        self.refresh()
        self.post_message(self.Highlighted(self.current))  # the pane's marked count follows

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Opened(self.current))

    def on_click(self, event) -> None:
        index = self.scroll_offset.y + event.y - 1
        if self._rows:
            index = self._rows[index] if 0 <= index < len(self._rows) else -1
        if 0 <= index < len(self.items):
            self.cursor = index


def _fit(text: str, width: int) -> str:
    """Cut to `width` cells with an ellipsis when it does not fit."""
    if width <= 0:
        return ""
    fitted = set_cell_size(text, width)
    return fitted if fitted.rstrip() == text.rstrip() or len(text) <= width else set_cell_size(text, width - 1) + "…"
