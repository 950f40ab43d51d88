"""Metrics (key 5): the figures a product-ops lead brings to the review, for 7, 30, 90 days or
since a date, each beside the period before; `enter` opens the items behind a figure.

The figures read every feedback item (core/metrics), so they are counted in a worker: the pane
shows at once, with the last figures until the new ones land."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...core.dates import describe
from ...core.errors import ProdopsError
from ...core.metrics import figures, period, roadmap
from ...core.metrics.figures import SHORT_LABELS, Drill, Figure, Report
from ...core.metrics.report import change_text, earlier_hint, is_good, value_text
from ...core.model import FeedbackItem
from ...core.rituals.nudge_model import NudgeTarget
from ..screens.pickers import TextScreen
from ..widgets.key_list import KeyList
from .base import Pane
from .checklists import ChecklistsPane

if TYPE_CHECKING:
    from ..app import ProdopsApp  # which imports this module
from .metrics_detail import Line, RoadmapRow, detail, opens, roadmap_rows, sparkline

LABEL_WIDTH = 34  # "Feedback that reached the roadmap" whole
CHANGE_WIDTH = 11  # "+99 (+220%)"
NARROW_LABEL = 16  # the least a label gets before the numbers do: the numbers are the point of the pane
SPARK_LABEL = 24  # the sparkline is drawn only while the labels keep this much beside it
# A pane never shown yet counts its figures at the first quiet moment (every item loaded, no
# worker running), looked for this often; figures older than PREPARED_FRESH_SECONDS when the
# pane is shown are counted again (the periods end now).
PREPARE_CHECK_SECONDS = 2.0
PREPARED_FRESH_SECONDS = 60.0
SPARK_WIDTH = 10
NOT_COMPUTED_IN = {"median_hours_to_link": "insight", "nudges": "rituals"}  # the section each unknown belongs to


@dataclass(frozen=True)
class Columns:
    """A figure row's columns, in cells: the label, now, before, the change, and the sparkline
    when there is room. Wide, the whole label; narrow (80 columns), the numbers keep their
    room and the label is the short one (figures.SHORT_LABELS), else cut."""

    label: int = LABEL_WIDTH
    value: int = 8
    before: int = 8
    change: int = CHANGE_WIDTH
    spark: bool = True
    gap: int = 2  # between before and the change

    def label_of(self, label: str, short: str) -> str:
        """The label, else the short one, filling the column (the value's own padding keeps
        them apart), else the short one cut."""
        for text in (label, short):
            if len(text) <= self.label:
                return f"{text:<{self.label}}"
        return f"{short[:self.label - 2]}… "


WIDE = Columns()
# The wide columns need this much, the sparkline cut at its end if longer (72 cells at 120 columns).
WIDE_CELLS = WIDE.label + WIDE.value + WIDE.before + WIDE.gap + WIDE.change + SPARK_WIDTH - 3


def columns_for(width: int) -> Columns:
    """The columns for a list `width` cells wide (0 or less: not laid out yet, the wide ones)."""
    if width <= 0 or width >= WIDE_CELLS:
        return WIDE
    value, before, gap, change = 6, 7, 1, 10  # "12,345", " 12,345", "+95 (+85%)"
    numbers = value + before + gap + change
    spark = width - numbers - SPARK_WIDTH >= SPARK_LABEL
    label = max(NARROW_LABEL, width - numbers - (SPARK_WIDTH if spark else 0))
    return Columns(label, value, before, change, spark=spark, gap=gap)


class MetricsPane(Pane):
    TITLE = "Metrics"
    SHOWS_KINDS = None  # every kind: the figures count feedback, areas, owners, actions, runs, nudges

    BINDINGS = [
        Binding("p", "next_period", "Period", id="metrics.period", tooltip="Last 7, 30 or 90 days, in turn"),
        Binding("s", "since", "Since…", id="metrics.since", tooltip="From a date up to now: 2026-11-01, last monday, 6w"),
        # Before the list's own enter (select), so the footer and ? say what it does here.
        Binding("enter", "open_figure", "Open", id="metrics.open", priority=True,
                tooltip="The items behind the figure: the inbox filtered to them, the gaps, the overdue actions"),
    ]

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(store, id=id)
        self.days: int | None = period.DEFAULT_DAYS  # a preset, or None for a since-date
        self.since_iso: str | None = None  # the start typed with s, kept as a time (not re-read as "monday")
        self.report: Report | None = None  # the last figures that landed
        self.roadmap: tuple[RoadmapRow, ...] = ()  # the opportunities behind the roadmap figures, counted with them
        self._asked: tuple | None = None  # what the worker was last asked for: (days, since, revision)
        self._report_answers: tuple | None = None  # the question `report` answers
        self._drawn = False  # until first rendered, figures that land (prepared) are kept, not drawn
        self._lines: list[Line] = []  # the breakdown's rows, as shown
        self._columns = WIDE  # the figure rows' columns, for the list's width when last drawn
        self._foot = Content("")  # what enter on the figure opens
        self._prepare_timer: Timer | None = None
        self._counted_at: float | None = None  # monotonic time the last figures were asked for
        self.monotonic = time.monotonic  # a test puts its own clock here (as PhaseTimer.clock)

    def compose(self) -> ComposeResult:
        yield Static(id="metrics-heading")
        with Horizontal(id="metrics-body"):
            with Vertical(id="metrics-left"):
                yield Static(id="metrics-earlier")
                yield Static(id="metrics-columns")
                yield KeyList(id="figure-list")
            with Vertical(id="metrics-right"):
                yield Static(id="figure-detail")
                yield KeyList(id="breakdown")
                yield Static(id="figure-hint")

    def on_mount(self) -> None:
        # Pane.on_mount runs too (Textual calls each class's handler): it leaves this pane unrendered.
        if not self.render_at_mount:
            self._prepare_timer = self.set_interval(PREPARE_CHECK_SECONDS, self._prepare_when_quiet)

    def _prepare_when_quiet(self) -> None:
        """Count the figures of a pane not shown yet once the app is quiet, so `5` draws them at
        once instead of "counting…" (the count was 0.3 s of CPU at 100k items). Counting is not
        drawing: the pane draws them when the app shows it (catch_up), as it draws any change."""
        if self._asked is not None:  # shown already: it counts for itself
            self._stop_preparing()
            return
        if not self.store.loaded(FeedbackItem) or any(not worker.is_finished for worker in self.app.workers):
            return
        self._stop_preparing()
        self._ask(self._window())

    def _stop_preparing(self) -> None:
        if self._prepare_timer is not None:
            self._prepare_timer.stop()
            self._prepare_timer = None

    def _fresh(self) -> bool:
        return self._counted_at is not None and self.monotonic() - self._counted_at <= PREPARED_FRESH_SECONDS

    def catch_up(self) -> None:
        """Shown: as every pane, it renders if a change came meanwhile. Time passing is not a
        change, but the periods end now: figures counted a while ago are counted again."""
        if not self._fresh():
            self.behind = True
        super().catch_up()

    def focus_default(self) -> None:
        self.figure_list.focus()

    @property
    def figure_list(self) -> KeyList:
        return self.query_one("#figure-list", KeyList)

    # --- the period -------------------------------------------------------------------------

    def current_period(self) -> period.Period:
        now = self.now
        if self.since_iso:
            return period.since(self.since_iso, now=now)
        return period.last_days(self.days or period.DEFAULT_DAYS, now=now)

    def action_next_period(self) -> None:
        presets = period.PRESET_DAYS
        self.days = presets[(presets.index(self.days) + 1) % len(presets)] if self.days in presets else presets[0]
        self.since_iso = None
        self.refresh_view()

    def action_since(self) -> None:
        now = self.now

        def preview(text: str) -> Content:
            if not text.strip():
                return Content("A date, up to now: 2026-11-01, last monday, 6w (a day means 09:00)")
            try:
                chosen = period.since(text, now=now)
            except (ProdopsError, ValueError) as exc:
                return Content.styled(str(exc), "$error")
            return Content.assemble(("→ from ", "bold $success"), describe(chosen.start, now=now))

        def apply(text: str | None) -> None:
            if not text or not text.strip():
                return
            try:
                chosen = period.since(text, now=self.now)
            except (ProdopsError, ValueError) as exc:
                self.notify(str(exc), title="Metrics", severity="error")
                return
            self.since_iso, self.days = chosen.start_iso, None
            self.refresh_view()

        self.app.push_screen(TextScreen("Figures since", placeholder="2026-11-01, last monday, 6w", hint=preview), apply)

    # --- counting, in a worker ----------------------------------------------------------------

    def _window(self) -> period.Period:
        try:
            return self.current_period()
        except (ProdopsError, ValueError) as exc:  # a since-date now in the future (the clock moved): back to the default
            self.notify(str(exc), title="Metrics", severity="warning")
            self.days, self.since_iso = period.DEFAULT_DAYS, None
            return self.current_period()

    def _question(self) -> tuple:
        return (self.days, self.since_iso, self.store.revision)

    def refresh_view(self) -> None:
        """The figures of the chosen period at the store's revision: those counted already if
        they answer that and are fresh (prepared while hidden, or shown again with nothing
        changed), else counted in a worker while the last ones stay on screen."""
        self._drawn = True
        window = self._window()
        if self._question() == self._asked and self._fresh():
            if self._report_answers == self._asked and self.report is not None:
                self._show_heading(self.report.period, counting=False)
                self._show_figures()
            else:
                self._show_heading(window, counting=True)  # still counting: drawn when it lands
            return
        self._ask(window)
        self._show_heading(window, counting=True)

    def _ask(self, window: period.Period) -> None:
        self._asked = self._question()
        self._counted_at = self.monotonic()
        self._count(window, self._asked)

    @work(thread=True, exclusive=True, group="metrics", exit_on_error=False)
    def _count(self, window: period.Period, question: tuple) -> None:
        try:
            found = figures.compute(self.store, window, now=window.end if window.open_ended else self.now)
            found = roadmap.with_roadmap(found, self.store)  # after the opportunities, as prodops report has it
            rows = roadmap_rows(self.store, found.period)
        except ProdopsError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Metrics", severity="error")
            return
        self.app.call_from_thread(self._counted, found, rows, question)

    def _counted(self, found: Report, rows: tuple[RoadmapRow, ...], question: tuple) -> None:
        if question != self._asked:
            return  # a newer question is on its way
        self.report, self.roadmap, self._report_answers = found, rows, question
        if self._drawn:  # prepared figures wait for the pane to be shown
            self._show_heading(found.period, counting=False)
            self._show_figures()

    # --- rendering ----------------------------------------------------------------------------

    def _show_heading(self, window: period.Period, *, counting: bool) -> None:
        """The period, the presets p steps through, then the dates: at 80 columns the line is cut
        at its end, so what is cut is the dates, not the choice."""
        now = self.now
        start = describe(window.start, now=now).split(" (")[0]
        presets = Content(" ").join(
            Content.styled(f" {days}d ", "reverse bold $primary" if days == self.days and not self.since_iso else "$text-muted")
            for days in period.PRESET_DAYS)
        self.query_one("#metrics-heading", Static).update(Content.assemble(
            ("Metrics", "bold $primary"), ("  ·  ", "$text-muted"), (window.label, "bold $accent"), "  ", presets,
            ("  counting…" if counting else "", "$warning"),
            (f"  from {start}, beside {window.previous.label}", "$text-muted"),
        ))

    def _show_figures(self) -> None:
        found = self.report
        if found is None:
            return
        # An empty period over older history (an import from January): say where it is.
        earlier = found.earlier
        hint = earlier_hint(found, how=f"s then {earlier.from_day} counts from there") if earlier.count else ""
        shown = self.query_one("#metrics-earlier", Static)
        shown.display = bool(hint)
        shown.update(Content.styled(hint, "$warning"))
        listing = self.figure_list
        columns = self._columns = columns_for(self._list_width())
        self.query_one("#metrics-columns", Static).update(Content.assemble(
            (" " * columns.label, ""),
            (f"{'now':>{columns.value}}{'before':>{columns.before}}{'':{columns.gap}}{'change':<{columns.change}}", "bold $text-muted")))
        options: list[Option] = []
        for section in found.sections:
            options.append(Option(Content.styled(section.title.upper(), "bold"), id=f"section:{section.key}", disabled=True))
            options += [Option(self._row(f, found, columns), id=f"figure:{f.key}") for f in section.figures]
            options += [Option(Content.assemble((columns.label_of(label, SHORT_LABELS.get(key, label)), "$text-muted"),
                                                (f"{'not stored':>{columns.value + columns.before}}", "italic $text-muted")),
                               id=f"unknown:{key}")
                        for key, label, _ in found.not_computed if NOT_COMPUTED_IN.get(key) == section.key]
        listing.show(options)
        if listing.highlighted is None or listing.get_option_at_index(listing.highlighted).disabled:
            listing.highlighted = 1 if listing.option_count > 1 else None
        self._show_detail()

    def _list_width(self) -> int:
        """The cells a figure row has: the list's, less its scrollbar and the options' padding."""
        listing = self.figure_list
        return listing.content_region.width - listing.styles.scrollbar_size_vertical - 2 if listing.size.width else 0

    def on_resize(self) -> None:
        # The list has its new size after the next refresh; then the rows are fitted to it.
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        if self.report is not None and self._drawn and columns_for(self._list_width()) != self._columns:
            self._show_figures()

    @staticmethod
    def _row(figure: Figure, found: Report, columns: Columns | None = None) -> Content:
        columns = columns or Columns()
        good = is_good(figure)
        change_style = {True: "$success", False: "$error", None: "$text-muted"}[good]
        previous = value_text(figure.previous, figure.unit) if figure.previous is not None else "—"
        change = change_text(figure)
        if len(change) > columns.change:
            change = change.split(" (")[0]  # "+95 (+85%)" -> "+95": the move, without its share
        parts = [
            (columns.label_of(figure.label, figure.short_label), ""),
            (f"{value_text(figure.value, figure.unit):>{columns.value}}", "bold"),
            (f"{previous:>{columns.before}}", "$text-muted"),
            (f"{'':{columns.gap}}{change:<{columns.change}}", change_style),
        ]
        if figure.series and columns.spark:
            series = figure.series[-SPARK_WIDTH:]  # the newest buckets; the period before in grey
            current = len(figure.series) // 2
            older = max(0, len(series) - current)
            parts.append((sparkline(series[:older], top=max(series)), "$text-muted"))
            parts.append((sparkline(series[older:], top=max(series)), "$accent"))
        return Content.assemble(*parts)

    @on(OptionList.OptionHighlighted, "#figure-list")
    def _highlighted(self) -> None:
        self._show_detail()

    def _chosen(self) -> tuple[str, str] | None:
        listing = self.figure_list
        option_id = listing.highlighted_id
        if not option_id or ":" not in option_id:
            return None
        kind, key = option_id.split(":", 1)
        return kind, key

    def _show_detail(self) -> None:
        found, chosen = self.report, self._chosen()
        breakdown = self.query_one("#breakdown", KeyList)
        if found is None or chosen is None:
            self._lines, self._foot = [], Content("")
            self.query_one("#figure-detail", Static).update(Content(""))
            self.query_one("#figure-hint", Static).update(Content(""))
            breakdown.show([])
            return
        shown = detail(found, *chosen, now=self.now, roadmap=self.roadmap)
        self._lines, self._foot = shown.lines, shown.foot
        self.query_one("#figure-detail", Static).update(shown.head)
        breakdown.show([Option(line.content, id=f"line:{n}", disabled=line.heading) for n, line in enumerate(shown.lines)])
        # Another figure's rows: the highlight starts on the first row that can be chosen.
        breakdown.highlighted = next((n for n, line in enumerate(shown.lines) if not line.heading), None)
        breakdown.display = bool(shown.lines)
        self._show_hint()

    def _show_hint(self) -> None:
        """What enter opens from where the keyboard is: the figure's items, or the row's."""
        breakdown = self.query_one("#breakdown", KeyList)
        hint = self._foot
        if self.app.focused is breakdown and breakdown.highlighted is not None and breakdown.highlighted < len(self._lines):
            line = self._lines[breakdown.highlighted]
            hint = Content("\n").join([Content.assemble(("enter ", "bold $accent"), (opens(line.drill), "$text-muted")),
                                       Content.assemble(("tab ", "bold $accent"), ("back to the figures", "$text-muted"))])
        self.query_one("#figure-hint", Static).update(hint)

    @on(OptionList.OptionHighlighted, "#breakdown")
    def _row_highlighted(self) -> None:
        self._show_hint()

    def on_descendant_focus(self) -> None:
        self._show_hint()

    def on_descendant_blur(self) -> None:
        self._show_hint()

    # --- enter: the items behind a figure, or behind a row of its breakdown --------------------

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open_figure()

    def action_open_figure(self) -> None:
        found, chosen = self.report, self._chosen()
        if found is None or chosen is None or chosen[0] != "figure":
            self.app.bell()
            return
        figure = found.figure(chosen[1])
        breakdown = self.query_one("#breakdown", KeyList)
        if self.app.focused is breakdown:
            index = breakdown.highlighted
            line: Line | None = self._lines[index] if index is not None and index < len(self._lines) else None
            self._open(line.drill if line else None, figure.label)
        else:
            self._open(figure.drill, figure.label)

    def _open(self, drill: Drill | None, label: str) -> None:
        if drill is None:
            self.notify(f"{label}: {opens(None)} behind this row", title="Metrics")
            return
        if drill.record:
            cast("ProdopsApp", self.app).go_to(drill.record)  # an opportunity, an area, a person, an action, a checklist: in its own pane
        else:
            # The app's one door to "show these items in their pane", the same as a nudge's enter.
            # With ids: exactly those items, as a nudge's (NudgeTarget.shows_ids), the filter beside them.
            self.post_message(ChecklistsPane.ShowTarget(NudgeTarget(drill.pane, drill.filter, drill.ids, drill.exact,
                                                                    drill.label or label)))
        if drill.note:
            self.notify(drill.note, title=label, severity="information" if drill.opens_exactly else "warning")
