"""The known exports, and which one a file is: by --preset, by --map, or by its header."""

from __future__ import annotations

from ..errors import InvalidInput
from ..text import clean_line
from . import app_reviews, generic, github, gitlab, jira, notes_csv, support_tweets, zendesk
from .base import Preset, Sample

PRESETS: dict[str, Preset] = {p.name: p for p in (
    app_reviews.PRESET, support_tweets.PRESET, notes_csv.PRESET, github.PRESET, gitlab.REST_PRESET, gitlab.CSV_PRESET,
    jira.CSV_PRESET, jira.SEARCH_PRESET, zendesk.PRESET,
)}


def available_presets() -> list[str]:
    return [*PRESETS, generic.NAME]


def detect(columns: list[str], sample: Sample | None = None) -> Preset | None:
    """The preset whose export this is, by the header (and the first records' nested keys); the
    most specific one if several fit (the highest score; on a tie, the first listed)."""
    best, best_score = None, 0
    for candidate in PRESETS.values():
        score = candidate.score(columns, sample or [])
        if score > best_score:
            best, best_score = candidate, score
    return best


def _listed(columns: list[str], limit: int = 30) -> str:
    shown = ", ".join(clean_line(c) or "(blank)" for c in columns[:limit])
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > limit else "")


def _named(preset: str) -> Preset:
    key = preset.strip().casefold()
    if key in PRESETS:
        return PRESETS[key]
    prefixed = [p for name, p in PRESETS.items() if name.startswith(key)] if key else []
    if len(prefixed) == 1:
        return prefixed[0]
    raise InvalidInput(f"no preset {preset!r}; the presets are {', '.join(available_presets())}")


def choose(
    columns: list[str], *, preset: str | None, mapping: dict[str, str] | None, name: str, sample: Sample | None = None,
) -> tuple[Preset, dict[str, str], frozenset[str]]:
    """The preset for a file, its binding (the preset's column names -> the file's; for --map,
    field -> the path as written) and the file's columns it reads (the rest go to `extra`)."""
    if mapping:
        if preset and preset.strip().casefold() != generic.NAME:
            raise InvalidInput(f"--map names the columns of a generic import; leave out --preset {preset}")
        bound = generic.bind(mapping, columns, sample)
        return (generic.preset_for(bound, columns), {f: p.column if p.plain else p.text for f, p in bound.items()},
                frozenset(p.column for p in bound.values()))
    if preset:
        if preset.strip().casefold() == generic.NAME:
            raise InvalidInput("the generic preset needs --map text=COLUMN (and --map for any other field you have)")
        chosen = _named(preset)
        binding = chosen.bind(columns)
        missing = [c for c in chosen.required if c not in binding]
        if missing:
            raise InvalidInput(
                f"{name} has no column {', '.join(missing)}, which preset {chosen.name} needs (its columns: {_listed(columns)})")
        return chosen, binding, frozenset(binding.values())
    found = detect(columns, sample)
    if found is None:
        names = {c.casefold() for c in columns}
        near = [p.name for p in PRESETS.values() if set(p.required) <= names]
        hint = f" (--preset {near[0]} reads it and keeps the other columns)" if near else ""
        raise InvalidInput(
            f"{name}: its columns ({_listed(columns)}) match no preset ({', '.join(PRESETS)}); "
            f"say which column is what with --map text=COLUMN [--map customer=COLUMN ...], or choose one with --preset{hint}")
    binding = found.bind(columns)
    return found, binding, frozenset(binding.values())
