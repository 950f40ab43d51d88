"""ctrl+p: jump to any item by name, from the same index as / (search everything)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import Hit, Hits, Provider
from textual.content import Content

from ..core.search import display
from ..core.search import index as search
from ..core.text import clean_line, truncate

if TYPE_CHECKING:
    from .app import ProdopsApp  # which imports this module

JUMP_LIMIT = 12


class JumpProvider(Provider):
    async def search(self, query: str) -> Hits:
        app = cast("ProdopsApp", self.app)  # only ProdopsApp.COMMANDS offers this provider
        index = app.search_index
        if not index.ready or len(query.strip()) < 2:
            return
        found = index.search(query, app.store, limit=JUMP_LIMIT)
        best = found.hits[0].score if found.hits else 1.0
        for hit in found.hits:
            title = clean_line(truncate(hit.doc.title, 60))
            shown = Content.assemble((f"{hit.id}  ", "$text-muted"), Content(title))
            for start, end in display.highlight_spans(title, hit.words):
                shown = shown.stylize("bold underline", len(hit.id) + 2 + start, len(hit.id) + 2 + end)
            # The palette sorts by score in 0..1: ours relative to the best hit keeps our order.
            yield Hit(
                min(1.0, hit.score / best) if best else 0.5,
                shown,
                partial(app.go_to, hit.id),
                text=f"{hit.id} {title}",
                help=f"Go to {search.KIND_LABELS[hit.kind].lower()} · {display.location(app.store, hit.doc)}",
            )
