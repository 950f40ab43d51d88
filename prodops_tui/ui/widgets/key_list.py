"""An OptionList with the keys every prodops list has (j k g G), refilled in place."""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class KeyList(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g", "first", "Top", show=False, id="list.top"),
        Binding("G", "last", "Bottom", show=False, id="list.bottom"),
    ]

    def show(self, options: Sequence[Option], *, keep: str | None = None) -> None:
        """Replace the options, keeping the highlight on the same id (or the same row)."""
        before = self.highlighted
        wanted = keep if keep is not None else self.highlighted_id
        self.clear_options()
        self.add_options(list(options))
        if not self.option_count:
            return
        ids = [self.get_option_at_index(i).id for i in range(self.option_count)]
        if wanted in ids:
            self.highlighted = ids.index(wanted)
        else:
            self.highlighted = min(before or 0, self.option_count - 1)

    @property
    def highlighted_id(self) -> str | None:
        if self.highlighted is None or not self.option_count:
            return None
        return self.get_option_at_index(self.highlighted).id
