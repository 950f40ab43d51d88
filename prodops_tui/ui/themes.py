"""Theme files: every `*.toml` in the shipped themes folder and the user's config folder."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

from ..core.toml_files import load_folder

DEFAULT_THEME = "prodops-dark"
_COLOUR_KEYS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background", "surface", "panel", "boost")
_ALLOWED_KEYS = {f.name for f in fields(Theme)}

# What a colour says about an item's state, as theme variables (`$status-new` in CSS and in
# Content styles), so a theme decides them and no pane hard-codes one. Each is set by every
# shipped theme; a theme that leaves one out (a user's file, one of Textual's own) gets it
# from the base colour named here.
STATUS_VARIABLES: dict[str, str] = {
    "status-new": "accent",  # feedback waiting for triage
    "status-snoozed": "secondary",  # feedback put off until a date
    "status-done": "success",  # processed feedback, a done action, a finished checklist run
    "status-due": "warning",  # due now: an open action, a checklist run due or under way, a nudge
    "status-overdue": "error",  # past its date: an overdue action, a missed run, an urgent nudge
    "status-unowned": "error",  # an area with no active owner, a rule naming nobody, an owner who left
    "importance-high": "error",  # high and critical feedback in the inbox list
}
# The inbox list's cursor row, focused and not: by default the primary colour at these shares
# behind the text; a theme sets them where coloured text must stay readable on it (high contrast).
LIST_CURSOR_VARIABLES: dict[str, str] = {"list-cursor-background": "60%", "list-cursor-blurred-background": "35%"}
# The style of each feedback status as the detail panel names it (FeedbackItem.view_status).
FEEDBACK_STATUS_STYLES = {"new": "$status-new", "snoozed": "$status-snoozed", "processed": "$status-done", "archived": "$text-muted"}


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
            _check_colour(path, key, data[key])
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(value, str) for value in variables.values()):
        raise ValueError(f"{path.name}: [variables] holds name = \"value\" lines")
    for key in STATUS_VARIABLES.keys() & variables.keys():
        variables[key] = _as_drawn(_check_colour(path, f"variables.{key}", variables[key]))
    return Theme(**data)


def _check_colour(path: Path, key: str, value: object) -> Color:
    try:
        return Color.parse(value)
    except (ColorParseError, TypeError) as exc:
        raise ValueError(f"{path.name}: {key} = {value!r} is not a colour") from exc


def _as_drawn(colour: Color) -> str:
    """A colour as Textual draws a theme's base colours: through a round trip that can move a
    channel by one (#FF6B6B is drawn #FE6B6B), so a status colour equal to a base colour looks
    exactly like it."""
    return colour.hex if colour.ansi is not None else colour.lighten(0).hex


def theme_variable_defaults(theme: Theme) -> dict[str, str]:
    """prodops's own variables a theme does not set, from its base colours as Textual draws them."""
    if STATUS_VARIABLES.keys() | LIST_CURSOR_VARIABLES.keys() <= theme.variables.keys():
        return {}  # no colour system to work out
    colours = theme.to_color_system().generate()
    return {
        **{variable: colours[base] for variable, base in STATUS_VARIABLES.items()},
        **{variable: f"{colours['primary']} {share}" for variable, share in LIST_CURSOR_VARIABLES.items()},
    }


def load_themes(directories: list[Path]) -> tuple[list[Theme], list[str]]:
    """Every theme that loads, and a line per file that did not (all shown at once)."""
    themes: list[Theme] = []
    problems: list[str] = []
    for directory in directories:
        loaded, failed = load_folder(directory, load_theme_file)
        themes += loaded
        problems += failed
    return themes, problems


def install_themes(app: App, directories: list[Path]) -> list[str]:
    """Offer prodops's themes and the user's own, not Textual's: the palette's Theme command and
    `--theme` list what loads from `directories`, each with every prodops colour and, for the
    shipped ones, every text at WCAG AA (tests/ui/test_theme_contrast.py). Textual's own 21 name
    none of prodops's status colours and were never checked (two take the terminal's colours, which
    no one can check). Returns a line per theme file that did not load."""
    themes, problems = load_themes(directories)
    names = {theme.name for theme in themes}
    for name in BUILTIN_THEMES:
        # Textual's default stays only while no theme of ours loaded: the app has to start in one.
        if name != "textual-dark" or DEFAULT_THEME in names:
            app.unregister_theme(name)
    for theme in themes:
        app.register_theme(theme)
    return problems
