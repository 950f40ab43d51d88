"""Theme files: every `*.toml` in the shipped themes folder and the user's config folder."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from ..core.toml_files import load_folder

DEFAULT_THEME = "prodops-dark"
_COLOUR_KEYS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background", "surface", "panel", "boost")
_ALLOWED_KEYS = {f.name for f in fields(Theme)}


def shipped_themes_dir() -> Path:
    """In a wheel the themes sit inside the package; in a checkout, at the top level."""
    packaged = Path(__file__).resolve().parent.parent / "themes"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "themes"


def load_theme_file(path: Path) -> Theme:
    """One theme, or ValueError with a one-line reason."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path.name}: {exc}") from exc
    unknown = set(data) - _ALLOWED_KEYS
    if unknown:
        raise ValueError(f"{path.name}: unknown key(s) {', '.join(sorted(unknown))}")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        raise ValueError(f"{path.name}: a theme needs a name")
    if "primary" not in data:
        raise ValueError(f"{path.name}: a theme needs a primary colour")
    for key in _COLOUR_KEYS:
        if key in data:
            try:
                Color.parse(data[key])
            except (ColorParseError, TypeError) as exc:
                raise ValueError(f"{path.name}: {key} = {data[key]!r} is not a colour") from exc
    return Theme(**data)


def load_themes(directories: list[Path]) -> tuple[list[Theme], list[str]]:
    """Every theme that loads, and a line per file that did not (all shown at once)."""
    themes: list[Theme] = []
    problems: list[str] = []
    for directory in directories:
        loaded, failed = load_folder(directory, load_theme_file)
        themes += loaded
        problems += failed
    return themes, problems
