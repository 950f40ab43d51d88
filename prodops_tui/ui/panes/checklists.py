"""Checklists & nudges (key 4): recurring rituals ticked by keyboard on the left; on the right
the few nudges that matter now, and every open action item the retros produced.

Nudges are computed in a worker (they read every feedback item), so a key press never waits."""

from __future__ import annotations

import getpass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...core.dates import describe, from_iso
from ...core.errors import ProdopsError
from ...core.model import ActionItem, ChecklistRun, ChecklistTemplate
from ...core.retro import actions as retro_actions
from ...core.rituals import checklists, nudges
from ...core.text import clean_line, plural
from ..screens.pickers import ChoiceScreen, SearchPickerScreen, TextScreen
from ..widgets.key_list import KeyList
from . import retro_rows
from .base import Pane
from .checklists_nudges import NudgeKeys

ON_DEMAND = "now"
NEXT = "next"

# Which keys work in which list; check_action hides the rest from the footer.
ACTION_LISTS: dict[str, tuple[str, ...]] = {
    "start_run": ("checklist-list", "run-items"),
    "recurrence": ("checklist-list", "run-items"),
    "tick": ("run-items",),
    "note": ("run-items",),
    "dismiss": ("nudge-list",),
    "snooze": ("nudge-list",),
    "show_all": ("nudge-list",),
    "restore_nudge": ("nudge-list",),
    "mark_action": ("action-items",),
}


def _login_name() -> str:
    """Who ticked an item, when no name is set: the login, as git and shells know the user."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


class ChecklistsPane(NudgeKeys, Pane):
    TITLE = "Checklists & nudges"
    SHOWS_KINDS = None  # every kind: the nudges are about feedback, areas, owners, actions, runs

    BINDINGS = [
        Binding("n", "new_checklist", "New checklist", id="checklists.new", tooltip="Adopt a checklist template, with a recurrence and a name"),
        Binding("N", "rename_checklist", "Rename", id="checklists.rename", tooltip="Give the checklist another name"),
        Binding("r", "start_run", "Start run", id="checklists.start_run", tooltip="A run for the occurrence that is due (or missed), or now"),
        Binding("R", "recurrence", "Recurrence", id="checklists.recurrence", tooltip="weekly on monday, every 2 weeks on thursday, monthly on the first monday…"),
        Binding("space,x", "tick", "Tick", key_display="space", id="checklists.tick", tooltip="Tick or untick the item (who and when are recorded)"),
        Binding("e", "note", "Note", id="checklists.note", tooltip="A note on the item"),
        # One key, one meaning in the whole pane: d is "done" (actions), so a nudge is quieted with z.
        Binding("z", "dismiss", "Dismiss", id="checklists.dismiss", tooltip="Quiet until its facts change"),
        Binding("s", "snooze", "Snooze", id="checklists.snooze", tooltip="Quiet until a date: 3d, next monday"),
        Binding("a", "show_all", "All nudges", id="checklists.show_all", tooltip="Show the nudges held back to keep the list short, and the quiet ones"),
        Binding("b", "restore_nudge", "Bring back", id="checklists.restore_nudge", tooltip="Bring back a dismissed or snoozed nudge (shown with a)"),
        Binding("d", "mark_action('done')", "Done", id="checklists.action_done", tooltip="The action item is done"),
        Binding("o", "mark_action('open')", "Still open", id="checklists.action_open"),
        Binding("D", "mark_action('dropped')", "Dropped", id="checklists.action_dropped"),
    ]

    class ShowTarget(Message):
        """enter on a nudge that lives in another pane: the app shows it there."""

        def __init__(self, target: nudges.NudgeTarget) -> None:
            super().__init__()
            self.target = target

    class FirstNudges(Message):
        """The first nudges of this run are known: the app names them at start."""

        def __init__(self, found: nudges.NudgeList) -> None:
            super().__init__()
            self.found = found

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(store, id=id)
        self._nudges: nudges.NudgeList | None = None
        self._show_all = False
        self._by_key: dict[str, nudges.Nudge] = {}
        # A checklist just adopted here: the cursor goes to it when the change's render lists it.
        self._reveal_when_listed: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="checklists-heading")
        with Horizontal(id="checklists-body"):
            with Vertical(id="checklists-left"):
                yield Static(Content.styled("Checklists", "bold"), classes="section-title")
                yield KeyList(id="checklist-list")
                yield Static(id="run-title", classes="section-title")
                yield KeyList(id="run-items")
            with Vertical(id="checklists-right"):
                yield Static(id="nudges-title", classes="section-title")
                yield KeyList(id="nudge-list")
                yield Static(id="actions-title", classes="section-title")
                yield KeyList(id="action-items")

    def focus_default(self) -> None:
        self._list("checklist-list").focus()

    def _list(self, list_id: str) -> KeyList:
        return self.query_one(f"#{list_id}", KeyList)

    @property
    def now_dt(self) -> datetime:
        return from_iso(self.store.clock())

    # --- rendering ------------------------------------------------------------------------------

    def refresh_view(self) -> None:
        now = self.now_dt
        self._dues = checklists.runs_due(self.store, now)
        self._show_checklists(now, keep=self._reveal_when_listed)
        self._reveal_when_listed = None
        self._show_run()
        self._show_actions(now)
        self._show_nudges()
        self._compute_nudges(self.store.revision)
        self.refresh_bindings()

    def _show_checklists(self, now: datetime, *, keep: str | None = None) -> None:
        found = sorted(self.store.all(ChecklistTemplate), key=lambda c: (c.rrule is None, c.name.casefold()))
        options = [Option(self._checklist_row(c, now), id=c.id) for c in found]
        if not options:
            options = [Option(Content.styled("No checklists yet: n adopts one from a template.", "$text-muted"), id="none", disabled=True)]
        self._list("checklist-list").show(options, keep=keep)
        due = sum(1 for d in self._dues if not d.missed)
        missed = sum(1 for d in self._dues if d.missed)
        open_actions = sum(1 for a in self.store.all(ActionItem) if a.status == "open")
        self.query_one("#checklists-heading", Static).update(Content.assemble(
            ("Checklists & nudges", "bold"), f"  {plural(len(found), 'checklist')} · ",
            (f"{due} due", "bold $status-due" if due else "$text-muted"), " · ",
            (f"{missed} missed", "bold $status-overdue" if missed else "$text-muted"), " · ",
            (plural(open_actions, "open action"), "$text-muted"),
        ))

    def _checklist_row(self, checklist: ChecklistTemplate, now: datetime) -> Content:
        dues = [d for d in self._dues if d.checklist.id == checklist.id]
        missed = sum(1 for d in dues if d.missed)
        current = next((d for d in dues if not d.missed), None)
        parts: list[Content | tuple[str, str] | str] = [
            (f"{checklist.id:<5}", "$text-muted"), (clean_line(checklist.name), "bold"),
            (f"  {checklists.describe_recurrence(checklist.rrule)}", "$secondary"), "\n     ",
        ]
        if current is not None:
            state = "under way" if current.run else "due, not started"
            done = checklists.progress(current.run) if current.run else None
            parts.append((f"{state} {describe(from_iso(current.due_at), now=now)}" + (f" · {done.done}/{done.total}" if done else ""), "bold $status-due"))
        elif checklist.rrule:
            upcoming = checklists.next_occurrence(checklist, now)
            parts.append((f"next {describe(upcoming, now=now)}" if upcoming else "no more occurrences", "$text-muted"))
        else:
            parts.append((f"{plural(len(checklist.steps), 'item')}, run when needed", "$text-muted"))
        if missed:
            parts.append((f"  · {missed} missed", "bold $status-overdue"))
        return Content.assemble(*parts)

    def _current_checklist(self) -> ChecklistTemplate | None:
        found = self.store.get(self._list("checklist-list").highlighted_id or "")
        return found if isinstance(found, ChecklistTemplate) else None

    def _current_run(self) -> ChecklistRun | None:
        checklist = self._current_checklist()
        if checklist is None:
            return None
        runs = checklists.runs_of(self.store, checklist.id)
        if not runs:
            return None
        unfinished = [r for r in runs if not r.completed_at]
        return (unfinished or runs)[-1]

    def _show_run(self) -> None:
        run = self._current_run()
        title = self.query_one("#run-title", Static)
        items = self._list("run-items")
        if run is None:
            checklist = self._current_checklist()
            title.update(Content.styled("No run yet" + (" — r starts one" if checklist else ""), "bold"))
            items.show([Option(Content.styled(f"{s.text}", "$text-muted"), id=f"preview:{n}", disabled=True)
                        for n, s in enumerate(checklist.steps)] if checklist else [])
            return
        done = checklists.progress(run)
        bar_width = 10
        filled = bar_width * done.done // done.total if done.total else bar_width
        status = ("done ", "bold $status-done") if run.completed_at else (f"{done.done}/{done.total} ", "bold $status-due")
        title.update(Content.assemble(
            ("█" * filled, "$status-done"), ("░" * (bar_width - filled), "$text-muted"), " ", status,
            (f"{run.id} ", "$text-muted"), (clean_line(run.title), "bold"),
        ))
        now = self.now_dt
        options = []
        for index, step in enumerate(run.steps):
            mark = ("[x] ", "bold $status-done") if step.done else ("[ ] ", "$text-muted")
            facts = []
            if step.done and step.done_at:
                facts.append(f"{step.done_by or 'someone'}, {describe(from_iso(step.done_at), now=now)}")
            row: list[str | tuple[str, str]] = [mark, (clean_line(step.text), "$text-muted" if step.done else "")]
            if step.why:
                row += ["\n    ", (clean_line(step.why), "italic $text-muted")]
            if facts:
                row += ["\n    ", ("✓ " + " · ".join(facts), "$status-done")]
            if step.note:
                row += ["\n    ", ("✎ " + clean_line(step.note), "$accent")]
            options.append(Option(Content.assemble(*row), id=f"item:{index}"))
        items.show(options)

    @on(OptionList.OptionHighlighted, "#checklist-list")
    def _checklist_highlighted(self) -> None:
        self._show_run()

    @on(OptionList.OptionSelected, "#nudge-list")
    def _nudge_selected(self) -> None:
        self.act_on_nudge()  # handlers must be on the pane: Textual collects @on only from its own classes

    @on(OptionList.OptionSelected, "#checklist-list")
    def _checklist_selected(self) -> None:
        self._list("run-items").focus()

    def _show_actions(self, now: datetime) -> None:
        found = sorted((a for a in self.store.all(ActionItem) if a.status == "open"),
                       key=lambda a: (a.due is None, a.due or "", a.number))
        self.query_one("#actions-title", Static).update(Content.assemble(
            ("Open action items", "bold"), (f"  {len(found)} from retros", "$text-muted")))
        options = [Option(retro_rows.action_row(self.store, a, now), id=a.id) for a in found]
        if not options:
            options = [Option(Content.styled("No open action items.", "$text-muted"), id="none", disabled=True)]
        self._list("action-items").show(options)

    # --- which keys apply -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        lists = ACTION_LISTS.get(action)
        if lists is None:
            return True
        focused = self.app.focused
        return focused is not None and focused.id in lists and self in focused.ancestors

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def reveal(self, record_id: str) -> bool:
        """Search chose this checklist or open action item; False if it is not listed here."""
        list_id = "checklist-list" if record_id.startswith("C-") else "action-items"
        listing = self._list(list_id)
        options = self._list_options(list_id)
        if record_id not in [o.id for o in options]:
            return False
        listing.show(options, keep=record_id)
        if list_id == "checklist-list":
            self._show_run()
        listing.focus()
        return True

    # --- checklists -------------------------------------------------------------------------------

    def action_new_checklist(self) -> None:
        files, problems = checklists.load_checklist_files(self.store.directory)
        if problems:
            self.notify("\n".join(problems), title="Some checklist templates did not load", severity="warning", timeout=10)

        def choices(query: str) -> list[tuple[str, Content]]:
            wanted = query.strip().casefold()
            return [
                (f.name, Content.assemble((clean_line(f.name), "bold"),
                                          (f"  {len(f.items)} items · {f.recurrence or 'on demand'} · {f.origin}", "$text-muted")))
                for f in files if wanted in f.name.casefold() or wanted in f.description.casefold()
            ]

        def picked(name: str | None) -> None:
            template = next((f for f in files if f.name == name), None)
            if template is None:
                return

            def named(recurrence: str, chosen: str | None) -> None:
                if chosen is None:
                    return
                added = self.store_change(
                    lambda: checklists.add_checklist(self.store, template, recurrence=recurrence, name=chosen),
                    lambda c: f"{c.id} {c.name}: {checklists.describe_recurrence(c.rrule)}", title="Checklists")
                if added is not None:
                    # The cursor follows what was created (r then starts a run of it), once the
                    # change's render, through the app's one door, lists it.
                    self._reveal_when_listed = added.id
                    self._list("checklist-list").focus()

            self._ask_recurrence(template.recurrence, lambda text: self.app.push_screen(
                TextScreen("Its name", value=checklists.free_name(self.store, template.name)), lambda chosen: named(text, chosen)))

        self.app.push_screen(SearchPickerScreen("Adopt which checklist?", choices), picked)

    def action_rename_checklist(self) -> None:
        checklist = self.store.get(self._list("checklist-list").highlighted_id or "")
        if not isinstance(checklist, ChecklistTemplate):
            self.app.bell()
            return

        def apply(name: str | None) -> None:
            if name:
                self.store_change(lambda: checklists.rename_checklist(self.store, checklist.id, name), f"Renamed to {clean_line(name)}", title="Checklists")

        self.app.push_screen(TextScreen(f"Rename {checklist.name}", value=checklist.name), apply)

    def _ask_recurrence(self, current: str, then) -> None:
        now = self.now_dt

        def hint(text: str) -> Content:
            try:
                rule = checklists.parse_recurrence(text, now=now)
            except ProdopsError as exc:
                return Content.styled(str(exc), "$error")
            if rule is None:
                return Content.styled("on demand: runs start when you press r", "$text-muted")
            upcoming = checklists.next_occurrence(ChecklistTemplate(rrule=rule), now)
            return Content.assemble(("→ ", "bold $success"), checklists.describe_recurrence(rule),
                                    (f", next {describe(upcoming, now=now)}" if upcoming else "", "$text-muted"))

        def chosen(text: str | None) -> None:
            if text is None:
                return
            try:
                checklists.parse_recurrence(text, now=now)
            except ProdopsError as exc:
                self.notify(str(exc), title="Not changed", severity="error")
                return
            then(text)

        self.app.push_screen(TextScreen("Recurrence (empty: on demand)", value=current, hint=hint,
                                        placeholder="weekly on monday · every 2 weeks on thursday · monthly on the first monday"), chosen)

    def action_recurrence(self) -> None:
        checklist = self._current_checklist()
        if checklist is None:
            return
        self._ask_recurrence(checklists.describe_recurrence(checklist.rrule) if checklist.rrule else "", lambda text: self.store_change(
            lambda: checklists.set_recurrence(self.store, checklist.id, text),
            lambda c: f"{c.name}: {checklists.describe_recurrence(c.rrule)}", title="Checklists"))

    def action_start_run(self) -> None:
        checklist = self._current_checklist()
        if checklist is None:
            return
        now = self.now_dt
        # The same occurrences `prodops checklist run` picks from (core), worded for the picker.
        suffix = {"due": "due now", "missed": "missed", "next": "the next one, early"}
        choices = [(ON_DEMAND, "now, outside the schedule") if choice.due_at is None
                   else (choice.due_at, f"{describe(from_iso(choice.due_at), now=now)} — {suffix[choice.kind]}")
                   for choice in checklists.run_choices(self.store, checklist, now)]

        def start(value: str | None) -> None:
            if value is None:
                return
            due_at = None if value == ON_DEMAND else value
            started = self.store_change(lambda: checklists.start_run(self.store, checklist.id, due_at=due_at),
                                        lambda r: f"{r.id} started: {r.title}", title="Checklists")
            if started is not None:
                self.call_after_refresh(self._list("run-items").focus)

        if len(choices) == 1 or (not checklist.rrule):
            start(choices[0][0] if checklist.rrule else ON_DEMAND)
            return
        self.app.push_screen(ChoiceScreen(f"Start a run of {checklist.name} for", choices[:9]), start)

    def _current_item(self) -> tuple[ChecklistRun, int] | None:
        run = self._current_run()
        key = self._list("run-items").highlighted_id
        if run is None or not key or not key.startswith("item:"):
            self.notify("No run item under the cursor: r starts a run", title="Checklists", severity="warning")
            return None
        return run, int(key.removeprefix("item:"))

    def action_tick(self) -> None:
        found = self._current_item()
        if found is None:
            return
        run, index = found
        by = self.store.actor or _login_name()
        changed = self.store_change(lambda: checklists.tick(self.store, run.id, index, by=by), lambda r: (
            f"{r.id} complete" if r.completed_at else f"Item {index + 1} {'ticked' if r.steps[index].done else 'unticked'}"),
            title="Checklists")
        if changed is not None and not changed.completed_at:
            self._list("run-items").action_cursor_down()

    def action_note(self) -> None:
        found = self._current_item()
        if found is None:
            return
        run, index = found

        def noted(text: str | None) -> None:
            if text is not None:
                self.store_change(lambda: checklists.note(self.store, run.id, index, text), f"Note on item {index + 1}", title="Checklists")

        self.app.push_screen(TextScreen(f"Note on item {index + 1}", value=run.steps[index].note), noted)

    # --- action items -------------------------------------------------------------------------------

    def action_mark_action(self, status: str) -> None:
        action_id = self._list("action-items").highlighted_id
        if not action_id or action_id == "none":
            return
        self.store_change(lambda: retro_actions.set_action_status(self.store, action_id, status), f"{action_id} is {status}", title="Action item")
