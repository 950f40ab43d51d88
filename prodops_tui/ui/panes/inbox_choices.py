"""What the inbox's pickers offer: option lists built from the core for a typed query.

Each function returns [(value, label)] for `SearchPickerScreen`; labels are
Content, so user text in them is never markup."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from textual.content import Content

from ...core.areas.lookup import AreaSuggestion, find_areas
from ...core.feedback import opportunities
from ...core.feedback.duplicates import SimilarItem
from ...core.feedback.merge import find_merge_targets
from ...core.search.index import SearchIndex
from ...core.search.on_disk import DiskBackedIndex
from ...core.storage.store import Store
from ...core.text import clean_line, truncate

NO_AREA = "-"
NEW_OPPORTUNITY = "+new:"


def area_options(store: Store, suggestions: Sequence[AreaSuggestion], query: str) -> list[tuple[str, Content]]:
    """Suggested areas first (with the words that matched), then every area, fuzzy by path and glossary."""
    options: list[tuple[str, Content]] = []
    if not query.strip():
        for suggestion in suggestions:
            # Glossary words after "matched:"; a learned reason ("like F-71 …") says itself.
            words = [m for m in suggestion.matched if not m.startswith("like ")]
            reasons = [m for m in suggestion.matched if m.startswith("like ")]
            matched = "  " + "; ".join([*([f"matched: {', '.join(words)}"] if words else []), *reasons])
            options.append((suggestion.area.id, Content.assemble(("★ ", "bold $accent"), suggestion.path, (matched, "$text-muted"))))
        options.append((NO_AREA, Content.styled("no area", "$text-muted")))
    seen = {value for value, _ in options}
    options.extend((area.id, Content(path)) for area, path in find_areas(store, query) if area.id not in seen)
    return options


def opportunity_options(store: Store, query: str) -> list[tuple[str, Content]]:
    """A typed title can become a new opportunity; existing ones match fuzzily."""
    options: list[tuple[str, Content]] = []
    if query.strip():
        options.append((NEW_OPPORTUNITY + query, Content.assemble(("+ new opportunity: ", "bold $success"), clean_line(query))))
    options.append(("", Content.styled("no opportunity (unlink)", "$text-muted")))
    for opportunity in opportunities.find(store, query):
        status = opportunities.STATUS_LABELS.get(opportunity.status, opportunity.status)
        options.append((opportunity.id, Content.assemble((f"{opportunity.id:<6}", "$text-muted"), clean_line(opportunity.title), (f"  {status}", "$secondary"))))
    return options


def _shares(hit: SimilarItem) -> str:
    """The rare words an item shares with the one being merged, as the detail panel says them."""
    return f"  · {', '.join(hit.why[:3])}" if hit.why else ""


def merge_options(store: Store, similar: Sequence[SimilarItem], exclude: Collection[str], query: str,
                  index: SearchIndex | DiskBackedIndex | None = None) -> list[tuple[str, Content]]:
    """The likely duplicates with their similarity; typing finds any item by its id or title."""
    if not query.strip():
        return [
            (hit.id, Content.assemble((f"{hit.score:>3.0f}% ", "$accent"), (f"{hit.id:<6} ", "$text-muted"),
                                      truncate(clean_line(hit.title), 70 - (len(_shares(hit)) if hit.why else 0)),
                                      (_shares(hit), "$text-muted")))
            for hit in similar
            if hit.id not in exclude
        ]
    return [(key, Content.assemble((f"{key:<6} ", "$text-muted"), truncate(title, 76)))
            # The app's index is disk-backed at 100k items; it offers the ready and search that
            # find_merge_targets reads, but core types that parameter SearchIndex alone.
            for key, title in find_merge_targets(store, query, exclude=exclude, index=index)]
