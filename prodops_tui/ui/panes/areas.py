"""Areas (key 2): the product-area map and who owns what."""

from __future__ import annotations

from textual.content import Content

from ...core.areas import area_path, owner_coverage, unowned_areas
from ...core.model import Person
from .base import SummaryPane, figure, lines


class AreasPane(SummaryPane):
    TITLE = "Product areas"
    COMING = (
        "the area tree with owners, maintainers and influencers, filter-as-you-type, "
        "p for people, and a gaps view; n new area, edit and move in place."
    )

    def render_summary(self) -> Content:
        owned, total = owner_coverage(self.store)
        pct = f"{100 * owned / total:.0f}%" if total else "n/a"
        people = self.store.all(Person)
        coverage = Content.assemble(("owner coverage ", ""), (f"{owned}/{total} = {pct}", "bold $accent"))
        gaps = unowned_areas(self.store)
        gap_lines = [Content.assemble(("  ! ", "bold $error"), area_path(self.store, area)) for area in gaps]
        return lines(
            Content("   ").join([figure("areas", total), figure("people", len(people)), coverage]),
            "",
            self._gaps_heading(total, len(gaps)),
            *gap_lines,
        )



    @staticmethod
    def _gaps_heading(total: int, gaps: int) -> Content:
        if not total:
            return Content("No product areas yet.")
        if gaps:
            return Content.styled(f"Areas without an active owner ({gaps})", "bold $error")
        return Content("Every area has an active owner.")
