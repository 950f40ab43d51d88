"""Retro (key 3): run a whole retrospective from the keyboard, check-in to close.

The list of retros first; enter opens one on the board of its phase. Every change goes
through core.retros (one undo step each); the pane only keeps what is not the team's data:
which retro is open, who is voting now, and the timer."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.widgets import ContentSwitcher, OptionList, Static
from textual.widgets.option_list import Option

from ...core.errors import ProdopsError
from ...core.model import ActionItem, Person, ProductArea, Retro
from ...core.retro import actions as retro_actions
from ...core.retro import board as retros
from ...core.text import plural
from ..widgets.key_list import KeyList
from ..widgets.phase_timer import PhaseTimer
from . import retro_rows as rows
from .base import Pane, lines
from .retro_cards import CardKeys
from .retro_setup import RetroSetupKeys
from .retro_topics import TopicKeys

# Which body each phase shows.
BODY_OF_PHASE = {
    "checkin": "checkin-list",
    "reflect": "retro-columns",
    "group": "retro-columns",
    "vote": "retro-topics",
    "discuss": "retro-topics",
    "actions": "retro-topics",
    "closed": "retro-closed",
}
# Phase-specific keys share letters (d is "done" at check-in, "delete" on the board), so
# each action names the phases it works in; check_action hides the others from the footer.
ACTION_PHASES: dict[str, tuple[str, ...]] = {
    "mark_action": ("checkin", "actions"),
    "new_card": ("reflect", "group"),
    "edit_card": ("reflect", "group"),
    "delete_card": ("reflect", "group"),
    "reveal": ("reflect",),
    "move_to_group": ("group",),
    "suggest_groups": ("group",),
    "rename_group": ("group",),
    "vote": ("vote",),
    "pick_voter": ("vote",),
    "notes": ("discuss", "actions"),
    "new_action": ("discuss", "actions"),
    "column": ("reflect", "group"),
}
BOARD_ONLY = {"back", "next_phase", "previous_phase", "timer", "add_minute", "participants", "votes_each"}
HOME_ONLY = {"new_retro"}


class RetroPane(CardKeys, TopicKeys, RetroSetupKeys, Pane):
    TITLE = "Retro"
    # Retros and their actions, with the owners' names and the area in a retro's heading: an
    # inbox or checklist change leaves the board as it is (a live retro's other writers change
    # it often, and re-rendering the board resets nothing but costs a layout).
    SHOWS_KINDS = frozenset({Retro.PREFIX, ActionItem.PREFIX, Person.PREFIX, ProductArea.PREFIX})

    BINDINGS = [
        Binding("n", "new_retro", "New retro", id="retro.new", tooltip="Start a retro from a template"),
        Binding("escape", "back", "All retros", id="retro.back", tooltip="Back to the list of retros"),
        Binding("right_square_bracket", "next_phase", "Next phase", key_display="]", id="retro.next_phase", tooltip="On to the next phase (closing makes it read-only)"),
        Binding("left_square_bracket", "previous_phase", "Back a phase", key_display="[", id="retro.previous_phase"),
        Binding("t", "timer", "Timer", id="retro.timer", tooltip="Start or pause the countdown for this phase or topic"),
        Binding("T", "add_minute", "+1 min", id="retro.add_minute", tooltip="One more minute on the timer"),
        # check-in and actions
        Binding("d", "mark_action('done')", "Done", id="retro.action_done", tooltip="Check-in/Actions: the action is done"),
        Binding("o", "mark_action('open')", "Still open", id="retro.action_open", tooltip="Check-in/Actions: still open"),
        Binding("D", "mark_action('dropped')", "Dropped", id="retro.action_dropped", tooltip="Check-in/Actions: we will not do it"),
        # reflect and group
        Binding("n", "new_card", "Card", id="retro.new_card", tooltip="Reflect: add cards to the column under the cursor"),
        Binding("e", "edit_card", "Edit", id="retro.edit_card", tooltip="Reflect/Group: edit the card"),
        Binding("d", "delete_card", "Delete", id="retro.delete_card", tooltip="Reflect/Group: delete the card (u undoes)"),
        Binding("r", "reveal", "Reveal", id="retro.reveal", tooltip="Reflect: show every card to the room, or hide them again"),
        Binding("left,h", "column(-1)", "Column", show=False, id="retro.column_left"),
        Binding("right,l", "column(1)", "Column", show=False, id="retro.column_right"),
        Binding("m", "move_to_group", "Group", id="retro.move_to_group", tooltip="Group: put the card in a group (similar cards first)"),
        Binding("s", "suggest_groups", "Suggest", id="retro.suggest_groups", tooltip="Group: cards that say similar things, grouped in one go"),
        Binding("R", "rename_group", "Rename group", id="retro.rename_group", tooltip="Group: rename the card's group"),
        # vote
        Binding("plus,equals_sign", "vote(1)", "+vote", key_display="+", id="retro.vote_up", tooltip="Vote: one vote on the topic"),
        Binding("minus", "vote(-1)", "-vote", key_display="-", id="retro.vote_down", tooltip="Vote: take a vote back"),
        Binding("v", "pick_voter", "Voter", id="retro.voter", tooltip="Vote: who is voting now (or add someone)"),
        # discuss and actions
        Binding("e", "notes", "Notes", id="retro.notes", tooltip="Discuss: write the topic's notes"),
        Binding("n", "new_action", "Action", id="retro.new_action", tooltip="Discuss/Actions: an action for the topic, with owners and a due date"),
        # anywhere on the board
        Binding("P", "participants", "People", id="retro.participants", tooltip="Who takes part (comma-separated)"),
        Binding("V", "votes_each", "Votes each", show=False, id="retro.votes_each", tooltip="How many votes each participant has"),
        Binding("E", "export", "Export", id="retro.export", tooltip="Write the retro as Markdown or JSON, in any phase"),
    ]

    retro_id: reactive[str | None] = reactive(None, init=False)

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(store, id=id)
        self.voter: str | None = None
        self._columns_shown: tuple[str | None, tuple[str, ...]] = (None, ())
        self._timer_shown: tuple[object, ...] = ()  # the record's timer fields the PhaseTimer follows
        self._column = 0
        self._came_from: str | None = None  # the retro just left, highlighted when the list comes back

    def compose(self) -> ComposeResult:
        with Horizontal(id="retro-top"):
            yield Static(id="retro-heading")
            yield PhaseTimer(id="retro-timer")
        yield Static(id="retro-steps")
        yield Static(id="retro-guide")
        with ContentSwitcher(initial="retro-home", id="retro-body"):
            with Horizontal(id="retro-home"):
                yield KeyList(id="retro-list")
                with VerticalScroll(id="retro-preview-scroll"):
                    yield Static(id="retro-preview")
            yield KeyList(id="checkin-list")
            yield Horizontal(id="retro-columns")
            with Horizontal(id="retro-topics"):
                yield KeyList(id="topic-list")
                with Vertical(id="retro-side"):
                    with VerticalScroll(id="topic-detail-scroll"):
                        yield Static(id="topic-detail")
                    yield KeyList(id="action-list")
            with VerticalScroll(id="retro-closed"):
                yield Static(id="retro-summary")

    # --- what is open ------------------------------------------------------------------------

    @property
    def retro(self) -> Retro | None:
        found = self.store.get(self.retro_id) if self.retro_id else None
        return found if isinstance(found, Retro) else None

    def open_retro(self, retro_id: str | None) -> None:
        self.retro_id = retro_id

    def watch_retro_id(self) -> None:
        self.voter = None
        self._column = 0
        self.refresh_view()
        self.focus_default()

    def focus_default(self) -> None:
        retro = self.retro
        if retro is None:
            self.query_one("#retro-list", KeyList).focus()
        elif BODY_OF_PHASE[retro.phase] == "retro-columns":
            self._focus_column(self._column)
        elif BODY_OF_PHASE[retro.phase] == "retro-closed":
            self.query_one("#retro-closed").focus()
        elif retro.phase == "checkin":
            self.query_one("#checkin-list", KeyList).focus()
        else:
            self.query_one("#topic-list", KeyList).focus()

    def _list(self, list_id: str) -> KeyList:
        return self.query_one(f"#{list_id}", KeyList)

    # --- rendering from the core -------------------------------------------------------------

    def refresh_view(self) -> None:
        retro = self.retro
        if self.retro_id and retro is None:
            self.set_reactive(RetroPane.retro_id, None)  # deleted elsewhere, or its start undone
        body = self.query_one("#retro-body", ContentSwitcher)
        previous_body = body.current
        if retro is None:
            self._show_home()
            body.current = "retro-home"
        else:
            self._show_board(retro)
            body.current = BODY_OF_PHASE[retro.phase]
        self.set_class(retro is None, "-home")
        self.set_class(retro is not None and retro.phase == "closed", "-closed")
        self.refresh_bindings()
        if body.current != previous_body and self._is_shown():
            self.call_after_refresh(self.focus_default)

    def _is_shown(self) -> bool:
        """The visible pane, with no form over it: only then may it move the focus."""
        parent = self.parent
        visible = isinstance(parent, ContentSwitcher) and parent.current == self.id
        return visible and self.is_mounted and self.screen is self.app.screen

    def _show_home(self) -> None:
        store = self.store
        all_retros = retros.retros_newest_first(store)
        actions = store.all(ActionItem)
        open_by_retro: dict[str, int] = {}
        for action in actions:
            if action.status == "open" and action.retro:
                open_by_retro[action.retro] = open_by_retro.get(action.retro, 0) + 1
        overdue = sum(1 for a in actions if a.status == "open" and a.due and a.due < store.clock())
        self.query_one("#retro-heading", Static).update(Content.assemble(
            ("Retros", "bold"), f"  {plural(len(all_retros), 'retro')} · ",
            (plural(overdue, "action") + " overdue", "bold $status-overdue" if overdue else "$text-muted"),
        ))
        self.query_one("#retro-steps", Static).update("")
        self.query_one("#retro-guide", Static).update(Content.styled(
            "n starts a retro from a template · enter opens the highlighted one · E exports it", "$text-muted"))
        listing = self._list("retro-list")
        options = [Option(rows.retro_row(r, open_by_retro.get(r.id, 0)), id=r.id) for r in all_retros]
        if not options:
            options = [Option(Content.styled("No retros yet: n starts one.", "$text-muted"), id="none", disabled=True)]
        listing.show(options, keep=self._came_from)
        self._came_from = None
        self._show_preview()

    def _show_preview(self) -> None:
        listing = self._list("retro-list")
        found = self.store.get(listing.highlighted_id) if listing.highlighted_id else None
        preview = rows.preview(self.store, found) if isinstance(found, Retro) else Content("")
        self.query_one("#retro-preview", Static).update(preview)

    @on(OptionList.OptionHighlighted, "#retro-list")
    def _home_highlighted(self) -> None:
        self._show_preview()

    @on(OptionList.OptionSelected, "#retro-list")
    def _home_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and event.option.id != "none":
            self.open_retro(event.option.id)

    def _show_board(self, retro: Retro) -> None:
        self.query_one("#retro-heading", Static).update(rows.header(self.store, retro))
        self.query_one("#retro-steps", Static).update(rows.phase_steps(retro))
        guide = Content.styled(retros.PHASE_GUIDE[retro.phase], "$text-muted")
        if retro.phase == "vote":
            guide = lines(guide, rows.votes_line(retro, self.voting_as(retro)))
        self.query_one("#retro-guide", Static).update(guide)
        self._sync_timer(retro)
        if retro.phase == "checkin":
            self._show_checkin(retro)
        elif retro.phase in ("reflect", "group"):
            self._show_columns(retro)
        elif retro.phase == "closed":
            self.query_one("#retro-summary", Static).update(rows.closed_summary(self.store, retro))
        else:
            self._show_topics(retro)

    def voting_as(self, retro: Retro) -> str | None:
        """Who + and - vote for: the one picked with v, else you, when you take part (each
        person votes from their own copy in a live retro)."""
        return self.voter or retros.participant_named(retro, self.store.actor)

    def _sync_timer(self, retro: Retro) -> None:
        """The timer follows the record (whoever runs it, from whichever copy), and only when
        the record's timer changed: in between, it counts down here."""
        shown = (retro.id, retro.phase, retros.timer_key(retro), retro.timer_for, retro.timer_left, retro.timer_running, retro.timer_at)
        if shown != self._timer_shown:
            self._timer_shown = shown
            state = retros.timer_state(retro, self.store.clock())
            self.query_one(PhaseTimer).follow(state.left, running=state.running, total=state.total)

    def _show_checkin(self, retro: Retro) -> None:
        actions = retro_actions.checkin_actions(self.store, retro)
        options = [Option(rows.action_row(self.store, a, self.now), id=a.id) for a in actions]
        if not options:
            options = [Option(Content.styled(
                f"Nothing to review: {retro.team} had no open actions from earlier retros when this one started. ] moves on.",
                "$text-muted"), id="none", disabled=True)]
        self._list("checkin-list").show(options)

    def _show_columns(self, retro: Retro) -> None:
        holder = self.query_one("#retro-columns", Horizontal)
        wanted = (retro.id, tuple(retro.columns))
        if self._columns_shown != wanted:
            self._columns_shown = wanted
            holder.remove_children()
            holder.mount_all(
                Vertical(Static(id=f"column-title-{n}", classes="column-title"), KeyList(id=f"column-{n}", classes="column-list"), classes="retro-column")
                for n in range(len(retro.columns))
            )
            self.call_after_refresh(self._fill_columns)
            return
        self._fill_columns()

    def _fill_columns(self) -> None:
        retro = self.retro
        if retro is None or retro.phase not in ("reflect", "group"):
            return
        titles = {g.number: g.title for g in retro.groups}
        for n, column in enumerate(retro.columns):
            cards = [c for c in retro.cards if c.column == column]
            hidden = sum(1 for c in cards if c.hidden)
            title = Content.assemble((column, "bold"), (f"  {len(cards)}", "$accent"), (f" ({hidden} hidden)" if hidden else "", "$text-muted"))
            try:
                self.query_one(f"#column-title-{n}", Static).update(title)
                listing = self._list(f"column-{n}")
            except NoMatches:  # columns are being re-mounted; the next refresh fills them
                return
            options = [Option(rows.card_row(c, titles, show_group=retro.phase == "group", viewer=self.store.actor), id=f"card:{c.number}")
                       for c in cards]
            if not options:
                options = [Option(Content.styled("no cards yet — n adds one", "$text-muted"), id="none", disabled=True)]
            listing.show(options)
        self._column = min(self._column, len(retro.columns) - 1)
        focused = self.app.focused
        if focused is None or focused is self or (isinstance(focused, KeyList) and focused.id and not focused.id.startswith("column-") and self in focused.ancestors):
            self._focus_column(self._column)

    def _show_topics(self, retro: Retro) -> None:
        topic_list = self._list("topic-list")
        all_topics = retros.topics(retro)
        options = [
            Option(rows.topic_row(t, voter=self.voting_as(retro), current=t.key == retro.current_topic, phase=retro.phase), id=t.key)
            for t in all_topics
        ]
        if not options:
            options = [Option(Content.styled("No topics: this retro has no cards. [ goes back to Reflect.", "$text-muted"), id="none", disabled=True)]
        keep = retro.current_topic if retro.phase == "discuss" and topic_list.highlighted_id is None else None
        topic_list.show(options, keep=keep)
        actions_phase = retro.phase == "actions"
        action_list = self._list("action-list")
        action_list.display = actions_phase
        self.query_one("#topic-detail-scroll").set_class(actions_phase, "-short")
        if actions_phase:
            actions = retro_actions.retro_actions(self.store, retro.id)
            action_options = [Option(rows.action_row(self.store, a, self.now, show_retro=False), id=a.id) for a in actions]
            if not action_options:
                action_options = [Option(Content.styled("No actions yet: n adds one for the highlighted topic.", "$text-muted"), id="none", disabled=True)]
            action_list.show(action_options)
        self._show_topic_detail()

    def _show_topic_detail(self) -> None:
        retro = self.retro
        if retro is None:
            return
        topic = retros.find_topic(retro, self._list("topic-list").highlighted_id)
        self.query_one("#topic-detail", Static).update(rows.topic_detail(self.store, retro, topic))

    @on(OptionList.OptionHighlighted, "#topic-list")
    def _topic_highlighted(self) -> None:
        self._show_topic_detail()

    @on(OptionList.OptionSelected, "#topic-list")
    def _topic_selected(self, event: OptionList.OptionSelected) -> None:
        retro, topic_id = self.retro, event.option.id
        if retro and retro.phase == "discuss" and topic_id:
            self.store_change(lambda: retros.set_current_topic(self.store, retro.id, topic_id),
                              "Discussing this topic; the timer starts over", title="Discuss")

    # --- which keys apply --------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        retro = self.retro
        if action in HOME_ONLY:
            return retro is None
        if action in BOARD_ONLY:
            if retro is None:
                return False
            # A closed retro is read-only: no phases to move through, no clock to run.
            return retro.phase != "closed" or action == "back"
        phases = ACTION_PHASES.get(action)
        if phases is not None:
            return retro is not None and retro.phase in phases
        return True

    # --- moving around -----------------------------------------------------------------------

    def action_back(self) -> None:
        # The list comes back with the retro just left highlighted: E then exports that one
        # (it exported the row highlighted before, R-2 after closing R-3).
        self._came_from = self.retro_id
        self.open_retro(None)

    def action_column(self, step: int) -> None:
        retro = self.retro
        if retro is None or not retro.columns:
            return
        self._focus_column((self._focused_column() + step) % len(retro.columns))

    def _focused_column(self) -> int:
        focused = self.app.focused
        if isinstance(focused, KeyList) and focused.id and focused.id.startswith("column-"):
            return int(focused.id.removeprefix("column-"))
        return self._column

    def _focus_column(self, index: int) -> None:
        self._column = index
        try:
            self._list(f"column-{index}").focus()
        except NoMatches:  # not mounted yet; focus follows when it is
            self.call_after_refresh(lambda: self._list(f"column-{index}").focus() if self.query(f"#column-{index}") else None)

    # --- phases and timer --------------------------------------------------------------------

    def action_next_phase(self) -> None:
        self._move_phase(1)

    def action_previous_phase(self) -> None:
        self._move_phase(-1)

    def _move_phase(self, step: int) -> None:
        retro = self.retro
        if retro is None:
            return
        moved = self.store_change(
            lambda: retros.move_phase(self.store, retro.id, step),
            lambda r: f"{r.id} is at {retros.PHASE_LABELS[r.phase]}" + (" (read-only now)" if r.phase == "closed" else ""),
            title="Retro",
        )
        if moved is not None:
            self.call_after_refresh(self.focus_default)

    def action_timer(self) -> None:
        timer = self.query_one(PhaseTimer)
        left = timer.remaining if timer.remaining > 0 or timer.running else (timer.total or 60.0)
        self._set_timer(left, running=not timer.running)

    def action_add_minute(self) -> None:
        timer = self.query_one(PhaseTimer)
        self._set_timer(timer.remaining + 60, running=timer.running)

    def _set_timer(self, left: float, *, running: bool) -> None:
        """Kept in the retro, so every copy shows it; from what this copy shows now."""
        retro = self.retro
        if retro is None:
            return
        try:
            # Shown when the change's render follows it (the app's one door): the countdown is
            # worked out from the record's time, so the frame between loses no second.
            retros.set_timer(self.store, retro.id, left=left, running=running)
        except ProdopsError as exc:
            self.notify(str(exc), title="Timer", severity="error")
