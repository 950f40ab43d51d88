"""The countdown in the retro header, following the one kept in the retro record; a bell and a flash at zero."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

FLASH_SECONDS = 6  # how long the "time" flash stays on
TICK_SECONDS = 0.25  # how often a running timer reads the clock


class PhaseTimer(Static):
    remaining: reactive[float] = reactive(0.0)
    running: reactive[bool] = reactive(False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # Seconds from a steady clock; a test sets its own so time passes without waiting.
        self.clock: Callable[[], float] = time.monotonic
        self.total = 0.0
        self._ends_at: float | None = None  # monotonic time, while running
        self._ticker: Timer | None = None
        self._flash_off: Timer | None = None

    def on_mount(self) -> None:
        self._ticker = self.set_interval(TICK_SECONDS, self._tick, pause=True)

    def follow(self, left: float, *, running: bool, total: float) -> None:
        """Show a countdown kept in the retro record, as every copy of the retro does: `left`
        seconds from now, counting down here between the record's changes."""
        self._stop()
        self.total, self.remaining = total, left
        self.remove_class("-done")
        if running and left > 0:
            self._ends_at = self.clock() + left
            self.running = True
            if self._ticker:
                self._ticker.resume()
        self.refresh()

    def _stop(self) -> None:
        self.running = False
        self._ends_at = None
        if self._ticker:
            self._ticker.pause()

    def _tick(self) -> None:
        if not self.running or self._ends_at is None:
            return
        self.remaining = max(0.0, self._ends_at - self.clock())
        if self.remaining <= 0:
            self.time_up()

    def time_up(self) -> None:
        """Zero: stop, ring, and flash so a room that muted the bell still sees it."""
        self._stop()
        self.remaining = 0.0
        self.app.bell()
        self.add_class("-done")
        if self._flash_off:
            self._flash_off.stop()
        self._flash_off = self.set_timer(FLASH_SECONDS, lambda: self.remove_class("-done"))

    def render(self) -> Content:
        seconds = int(self.remaining + 0.999)  # 4:59.2 shows as 5:00 until a whole second passes
        clock = f"{seconds // 60:02d}:{seconds % 60:02d}"
        if self.has_class("-done"):
            return Content.styled(" TIME IS UP — 00:00 ", "bold")
        if self.running:
            return Content.assemble(("▶ ", "$success"), (clock, "bold"), ("  t pauses · T +1 min", "$text-muted"))
        return Content.assemble(("‖ ", "$text-muted"), (clock, "bold"), ("  t starts · T +1 min", "$text-muted"))
