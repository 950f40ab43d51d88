"""The Retro pane's keys for topics: check-in and action items, votes, discussion notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content

from ...core.errors import ProdopsError
from ...core.model import Person, Retro
from ...core.retro import actions as retro_actions
from ...core.retro import board as retros
from ...core.text import clean_line, plural, truncate
from ..screens.pickers import SearchPickerScreen
from ..screens.retro_forms import ActionDraft, ActionForm, NotesDraft, NotesForm

from .base import PaneKeys

if TYPE_CHECKING:
    from ..widgets.key_list import KeyList


class TopicKeys(PaneKeys):
    """Mixed into RetroPane: action items (check-in, actions), votes and notes on topics."""

    if TYPE_CHECKING:  # what this needs from RetroPane
        voter: str | None
        @property
        def retro(self) -> Retro | None: ...
        def _list(self, list_id: str) -> KeyList: ...
        def voting_as(self, retro: Retro) -> str | None: ...

    # --- check-in and actions ----------------------------------------------------------------

    def action_mark_action(self, status: str) -> None:
        retro = self.retro
        if retro is None:
            return
        list_id = "checkin-list" if retro.phase == "checkin" else "action-list"
        action_id = self._list(list_id).highlighted_id
        if not action_id or action_id == "none":
            self.notify("No action item under the cursor", title="Retro", severity="warning")
            return
        self.store_change(lambda: retro_actions.set_action_status(self.store, action_id, status), f"{action_id} is {status}", title="Action item")

    def action_new_action(self) -> None:
        retro = self.retro
        if retro is None:
            return
        topic = retros.find_topic(retro, self._list("topic-list").highlighted_id)
        people = sorted({p.name for p in self.store.all(Person)} | set(retro.participants))

        def submit(draft: ActionDraft) -> str | None:
            try:
                made = retro_actions.add_action(self.store, retro.id, draft.text, owners=draft.owners, due=draft.due,
                                         topic=topic.key if topic else None)
            except (ProdopsError, ValueError) as exc:
                return str(exc)
            said = [f"{made.action.id} added"]
            if made.created_people:
                said.append("new person: " + ", ".join(made.created_people))
            said.extend(made.warnings)
            self.notify(" · ".join(said) + " — u undoes", title="Action item", severity="warning" if made.warnings else "information")
            return None

        self.app.push_screen(ActionForm(topic.title if topic else "", submit, now=self.now, people=people))

    # --- votes ---------------------------------------------------------------------------------

    def action_pick_voter(self) -> None:
        retro = self.retro
        if retro is None:
            return
        left = retros.votes_left(retro)

        def choices(query: str) -> list[tuple[str, Content]]:
            wanted = query.strip().casefold()
            found = [
                (f"p:{name}", Content.assemble(clean_line(name), (f"  {plural(n, 'vote')} left of {retro.votes_per_person}", "$text-muted")))
                for name, n in left.items() if wanted in name.casefold()
            ]
            if query.strip() and clean_line(query).casefold() not in {n.casefold() for n in left}:
                found.append((f"new:{clean_line(query)}", Content.assemble(("+ add ", "$success"), clean_line(query))))
            return found

        def picked(value: str | None) -> None:
            if value is None:
                return
            kind, _, name = value.partition(":")
            if kind == "new" and self.store_change(lambda: retros.add_participant(self.store, retro.id, name), f"{name} joined", title="Vote") is None:
                return
            self.voter = name
            self.refresh_view()

        self.app.push_screen(SearchPickerScreen("Who is voting?", choices, placeholder="a name; someone new is added"), picked)

    def action_vote(self, delta: int) -> None:
        retro = self.retro
        if retro is None:
            return
        voter = self.voting_as(retro)
        if not voter:
            self.action_pick_voter()
            return
        topic = self._list("topic-list").highlighted_id
        if not topic or topic == "none":
            return
        try:
            retros.vote(self.store, retro.id, voter, topic, delta)
        except (ProdopsError, ValueError) as exc:
            self.app.bell()
            self.notify(str(exc), title="Vote refused", severity="error")
        # No toast for a vote that counts: the counts on screen say it.

    # --- discussion ----------------------------------------------------------------------------

    def action_notes(self) -> None:
        retro = self.retro
        if retro is None:
            return
        topic = retros.find_topic(retro, self._list("topic-list").highlighted_id)
        if topic is None:
            return

        def submit(draft: NotesDraft) -> str | None:
            try:
                retros.set_notes(self.store, retro.id, topic.key, draft.text)
            except (ProdopsError, ValueError) as exc:
                return str(exc)
            return None

        self.app.push_screen(NotesForm(truncate(clean_line(topic.title), 50), topic.notes, submit))
