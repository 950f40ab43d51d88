"""The Retro pane's keys for cards: write them (Reflect), reveal them, and group them (Group)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.content import Content
from textual.widgets import Input

from ...core.errors import ProdopsError
from ...core.model import Retro
from ...core.retro import board as retros
from ...core.retro import groups as retro_groups
from ...core.text import clean_line, plural, truncate
from ..screens.pickers import ChoiceScreen, SearchPickerScreen, TextScreen
from ..screens.retro_forms import CardDraft, CardForm
from ..widgets.key_list import KeyList
from . import retro_rows as rows
from .base import PaneKeys

NEW_GROUP, NO_GROUP = "new", "none"


class CardKeys(PaneKeys):
    """Mixed into RetroPane: every action here works on the card under the cursor."""

    if TYPE_CHECKING:  # what this needs from RetroPane
        @property
        def retro(self) -> Retro | None: ...
        def _focused_column(self) -> int: ...

    def _current_card(self) -> int | None:
        focused = self.app.focused
        if isinstance(focused, KeyList) and focused.id and focused.id.startswith("column-"):
            card = focused.highlighted_id
            if card and card.startswith("card:"):
                return int(card.removeprefix("card:"))
        return None

    # --- cards ---------------------------------------------------------------------------------

    def action_new_card(self) -> None:
        retro = self.retro
        if retro is None:
            return
        column = retro.columns[self._focused_column()]

        def submit(draft: CardDraft) -> str | None:
            try:
                retros.add_card(self.store, retro.id, column, draft.text, author=draft.author)
            except (ProdopsError, ValueError) as exc:
                return str(exc)
            return None

        me = self.store.actor
        people = sorted({*retro.participants, *([me] if me else [])})
        # A browser tab of `prodops serve` is one person's own copy: their cards are theirs (and
        # shown to them while hidden). A terminal may be typing for the room: anonymous first.
        names = getattr(self.app, "names", None)
        author = me if names is not None and names.served else ""
        self.app.push_screen(CardForm(column, submit, people=people, author=author))

    def _card_or_say(self) -> int | None:
        number = self._current_card()
        if number is None:
            self.notify("No card under the cursor", title="Retro", severity="warning")
        return number

    def action_edit_card(self) -> None:
        retro, number = self.retro, self._card_or_say()
        if retro is None or number is None:
            return
        card = next(c for c in retro.cards if c.number == number)
        if card.hidden and not rows.is_yours(card, self.store.actor):
            self.notify(f"Card {number} is hidden until r reveals it; only its author sees it now", title="Retro", severity="warning")
            return

        def edited(text: str | None) -> None:
            if text is not None:
                self.store_change(lambda: retros.edit_card(self.store, retro.id, number, text), f"Card {number} edited", title="Retro")

        self.app.push_screen(TextScreen(f"Edit card {number}", value=card.text), edited)

    def action_delete_card(self) -> None:
        retro, number = self.retro, self._card_or_say()
        if retro is None or number is None:
            return
        self.store_change(lambda: retros.delete_card(self.store, retro.id, number), f"Card {number} deleted", title="Retro")

    def action_reveal(self) -> None:
        retro = self.retro
        if retro is None:
            return
        show = not retro.revealed or any(c.hidden for c in retro.cards)
        self.store_change(lambda: retros.reveal(self.store, retro.id, shown=show),
                          "Every card is shown, and new ones as they come" if show else "Cards hidden until r reveals them",
                          title="Retro")

    # --- groups --------------------------------------------------------------------------------

    def action_move_to_group(self) -> None:
        retro, number = self.retro, self._card_or_say()
        if retro is None or number is None:
            return
        card = next(c for c in retro.cards if c.number == number)
        similar = {s.group for s in retro_groups.suggest_groups(retro) if number in s.cards and s.group is not None}

        def choices(query: str) -> list[tuple[str, Content]]:
            found: list[tuple[str, Content]] = []
            for group in sorted(retro.groups, key=lambda g: (g.number not in similar, g.number)):
                if query.strip() and query.casefold() not in group.title.casefold():
                    continue
                size = sum(1 for c in retro.cards if c.group == group.number)
                hint = "  similar cards" if group.number in similar else ""
                found.append((f"group:{group.number}", Content.assemble(("◆ ", "$accent"), clean_line(group.title),
                                                                          (f"  {plural(size, 'card')}", "$text-muted"), (hint, "$success"))))
            new_title = clean_line(query) or truncate(clean_line(card.text), 40)
            found.append((NEW_GROUP, Content.assemble(("+ new group: ", "$success"), new_title)))
            if card.group is not None:
                found.append((NO_GROUP, Content.styled("take it out of its group", "$text-muted")))
            return found

        screen = SearchPickerScreen(f"Card {number} into which group?", choices, placeholder="type to filter, or a new group's title")

        def picked(value: str | None) -> None:
            if value is None:
                return
            if value == NEW_GROUP:
                title = clean_line(screen.query_one("#query", Input).value) or truncate(clean_line(card.text), 40)
                self.store_change(lambda: retros.group_cards(self.store, retro.id, [number], title=title), f"New group “{title}”", title="Group")
            elif value == NO_GROUP:
                self.store_change(lambda: retros.group_cards(self.store, retro.id, [number]), f"Card {number} is in no group", title="Group")
            else:
                group = int(value.removeprefix("group:"))
                self.store_change(lambda: retros.group_cards(self.store, retro.id, [number], group=group), f"Card {number} grouped", title="Group")

        self.app.push_screen(screen, picked)

    def action_suggest_groups(self) -> None:
        retro = self.retro
        if retro is not None:
            self._find_suggestions(retro)

    @work(thread=True, exclusive=True, group="retro-suggest", exit_on_error=False)
    def _find_suggestions(self, retro: Retro) -> None:
        suggestions = retro_groups.suggest_groups(retro)  # 500 cards: ~0.3 s, so not on the event loop
        self.app.call_from_thread(self._offer_suggestions, retro, suggestions)

    def _offer_suggestions(self, retro: Retro, suggestions: list[retro_groups.GroupSuggestion]) -> None:
        if not suggestions:
            self.notify("No cards look alike enough to group; m groups one card at a time.", title="Group")
            return
        by_number = {c.number: c for c in retro.cards}
        choices = []
        for index, suggestion in enumerate(suggestions[:9]):
            where = f"into ◆ {suggestion.title}" if suggestion.group is not None else f"new group “{suggestion.title}”"
            texts = " · ".join(truncate(clean_line(by_number[n].text), 30) for n in suggestion.cards)
            choices.append((str(index), f"{where}: {texts}"))

        def picked(value: str | None) -> None:
            if value is None:
                return
            chosen = suggestions[int(value)]
            if chosen.group is not None:
                self.store_change(lambda: retros.group_cards(self.store, retro.id, list(chosen.cards), group=chosen.group),
                                  f"{plural(len(chosen.cards), 'card')} joined their group", title="Group")
            else:
                self.store_change(lambda: retros.group_cards(self.store, retro.id, list(chosen.cards), title=chosen.title),
                                  f"New group “{chosen.title}” ({plural(len(chosen.cards), 'card')}); R renames it", title="Group")

        self.app.push_screen(ChoiceScreen("Similar cards — pick a group to make", choices), picked)

    def action_rename_group(self) -> None:
        retro, number = self.retro, self._card_or_say()
        if retro is None or number is None:
            return
        card = next(c for c in retro.cards if c.number == number)
        if card.group is None:
            self.notify("This card is in no group; m puts it in one", title="Group", severity="warning")
            return
        group = next(g for g in retro.groups if g.number == card.group)

        def renamed(title: str | None) -> None:
            if title is not None:
                self.store_change(lambda: retros.rename_group(self.store, retro.id, group.number, title), f"Group renamed “{clean_line(title)}”", title="Group")

        self.app.push_screen(TextScreen("Rename the group", value=group.title), renamed)
