"""Themes: the shipped ones load and name every status colour; high contrast reads at WCAG AA;
the colour-blind one keeps its status colours apart under red-green colour blindness; a user's
broken theme file is one line of warning and the app carries on in the default theme; only
prodops's themes are offered, not Textual's. Every text's contrast: test_theme_contrast.py."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from textual.app import App
from textual.color import Color
from textual.theme import ThemeProvider

from prodops_tui.core.workspace import Settings
from prodops_tui.ui.themes import (
    DEFAULT_THEME,
    LIST_CURSOR_VARIABLES,
    STATUS_VARIABLES,
    install_themes,
    load_theme_file,
    load_themes,
    shipped_themes_dir,
    theme_variable_defaults,
)

from .conftest import messages
from .test_snapshots import SIZE, keys_then_settle

HIGH_CONTRAST = "prodops-high-contrast"
COLOUR_BLIND = "prodops-colour-blind"
WCAG_AA_TEXT = 4.5  # WCAG 2.x, 1.4.3 Contrast (Minimum), normal-size text
WCAG_LARGE_OR_GRAPHIC = 3.0  # 1.4.3 for large text, 1.4.11 for non-text: the floor for every shipped theme


def shipped(name: str):
    return load_theme_file(shipped_themes_dir() / f"{name}.toml")


def drawn_colours(name: str) -> dict[str, str]:
    """Every variable of a theme as the app gets it: Textual's colour system, prodops's
    defaults for what the theme leaves out, then the theme's own variables."""
    theme = shipped(name)
    return {**theme.to_color_system().generate(), **theme_variable_defaults(theme), **theme.variables}


# --- WCAG 2.x contrast, worked out here (https://www.w3.org/TR/WCAG22/#dfn-relative-luminance) --


def relative_luminance(colour: Color) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        # WCAG 2.x writes 0.03928, from an sRGB draft; 0.04045 is the sRGB standard's. No 8-bit value lies between.
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.r) + 0.7152 * linear(colour.g) + 0.0722 * linear(colour.b)


def contrast_ratio(a: Color, b: Color) -> float:
    darker, lighter = sorted((relative_luminance(a), relative_luminance(b)))
    return (lighter + 0.05) / (darker + 0.05)


def over(backdrop: Color, value: str) -> Color:
    """A theme value ("#RRGGBB", "#RRGGBB 60%", or Textual's "auto 87%": black or white,
    whichever reads on what is behind) as it looks drawn over the backdrop."""
    colour, _, share = value.partition(" ")
    alpha = float(share.rstrip("%")) / 100 if share else 1.0
    if colour == "auto":
        return backdrop + backdrop.get_contrast_text(alpha)
    return backdrop + Color.parse(colour).multiply_alpha(alpha)


def test_every_shipped_theme_loads_and_names_every_status_colour():
    themes, problems = load_themes([shipped_themes_dir()])
    assert problems == []
    names = {theme.name for theme in themes}
    assert {"prodops-dark", "prodops-light", HIGH_CONTRAST, COLOUR_BLIND} <= names and len(names) >= 5
    for theme in themes:
        assert STATUS_VARIABLES.keys() <= theme.variables.keys(), theme.name
        for variable in STATUS_VARIABLES:
            Color.parse(theme.variables[variable])  # a colour, not a word Textual would refuse later


def test_every_shipped_theme_draws_its_status_colours_readably():
    """Not every theme is high contrast, but none draws a status at less than 3:1."""
    too_faint = []
    for path in sorted(shipped_themes_dir().glob("*.toml")):
        colours = drawn_colours(path.stem)
        for backdrop in ("background", "surface", "panel"):
            behind = Color.parse(colours[backdrop])
            for variable in STATUS_VARIABLES:
                ratio = contrast_ratio(over(behind, colours[variable]), behind)
                if ratio < WCAG_LARGE_OR_GRAPHIC:
                    too_faint.append(f"{path.stem}: {variable} on {backdrop} {ratio:.2f}")
    assert too_faint == []


def test_high_contrast_text_meets_wcag_aa_on_every_backdrop_the_theme_names():
    colours = drawn_colours(HIGH_CONTRAST)
    surface = Color.parse(colours["surface"])
    backdrops = {name: Color.parse(colours[name]) for name in ("background", "surface", "panel")}
    # Cursor rows are drawn over the list, whose background is the surface.
    for cursor in ("block-cursor-background", "block-cursor-blurred-background", *LIST_CURSOR_VARIABLES):
        backdrops[cursor] = over(surface, colours[cursor])
    texts = ["foreground", "text", "text-muted", "text-disabled", "primary", "secondary", "accent", "warning", "error", "success", *STATUS_VARIABLES]
    ratios = {(text, backdrop): contrast_ratio(over(behind, colours[text]), behind) for text in texts for backdrop, behind in backdrops.items()}
    cursor = backdrops["block-cursor-background"]
    ratios["block-cursor-foreground", "block-cursor-background"] = contrast_ratio(over(cursor, colours["block-cursor-foreground"]), cursor)
    below = {pair: round(ratio, 2) for pair, ratio in ratios.items() if ratio < WCAG_AA_TEXT}
    assert below == {}
    assert min(ratios.values()) >= WCAG_AA_TEXT


# --- colour blindness ---------------------------------------------------------------------
# Machado, Oliveira & Fernandes, "A Physiologically-based Model for Simulation of Color Vision
# Deficiency", IEEE TVCG 15(6), 2009: their matrices for severity 1.0 (a full dichromat), applied
# to linear RGB (https://www.inf.ufrgs.br/~oliveira/pubs_files/CVD_Simulation/CVD_Simulation.html).
DEFICIENCIES = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "normal vision": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
}
# CIE76 ΔE*ab. About 2.3 is just noticeable between two patches side by side (Sharma, Digital Color
# Imaging Handbook, 2003); statuses are thin letters compared across the screen, and the difference
# needed grows as marks get smaller (Stone, Szafir & Setlur, "An Engineering Model for Color
# Difference as a Function of Size", 2014). 15 asks for about six of those steps between any two.
DISTINCT_DELTA_E = 15.0


def _linear_rgb(colour: Color) -> tuple[float, float, float]:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return linear(colour.r), linear(colour.g), linear(colour.b)


def seen_with(deficiency: str, colour: Color) -> tuple[float, float, float]:
    """CIELAB (D65) of the colour as a person with the deficiency sees it."""
    rgb = _linear_rgb(colour)
    r, g, b = (min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in DEFICIENCIES[deficiency])
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    return sum((p - q) ** 2 for p, q in zip(a, b, strict=True)) ** 0.5


@pytest.mark.parametrize("deficiency", list(DEFICIENCIES))
def test_colour_blind_theme_keeps_every_two_status_colours_apart(deficiency):
    colours = shipped(COLOUR_BLIND).variables
    seen = {variable: seen_with(deficiency, Color.parse(colours[variable])) for variable in STATUS_VARIABLES}
    distances = {(a, b): delta_e(seen[a], seen[b]) for a, b in itertools.combinations(STATUS_VARIABLES, 2)}
    too_close = {pair: round(d, 1) for pair, d in distances.items() if d < DISTINCT_DELTA_E}
    assert too_close == {}


def test_the_simulation_merges_what_red_green_colour_blindness_merges():
    """A check on the check: a rust brown and an olive green, far apart to most eyes, come out
    close to a red-green colour-blind person (the classic brown/green confusion)."""
    brown, olive = Color.parse("#B5651D"), Color.parse("#6B8E23")
    assert delta_e(seen_with("normal vision", brown), seen_with("normal vision", olive)) > 50
    for deficiency in ("protanopia", "deuteranopia"):
        assert delta_e(seen_with(deficiency, brown), seen_with(deficiency, olive)) < DISTINCT_DELTA_E


# --- a user's own theme files ---------------------------------------------------------------


def user_themes(tmp_path: Path) -> Path:
    """The themes folder beside the settings the test app uses (make_app)."""
    folder = Settings(tmp_path / "config").path.parent / "themes"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_a_broken_remembered_theme_is_one_line_of_warning_and_the_default_is_used(demo_store, make_app, tmp_path):
    (user_themes(tmp_path) / "mine.toml").write_text('name = "mine"\nprimary = "#224466"\n[variables]\nstatus-new = "sky blue"\n')
    Settings(tmp_path / "config").set("theme", "mine")
    app = make_app(demo_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert app.theme == DEFAULT_THEME
        (warning,) = messages(app)
        assert warning.splitlines() == ["mine.toml: variables.status-new = 'sky blue' is not a colour"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('name = "mine"\nprimary = "#224466"\nvariables = "loud"\n', 'mine.toml: [variables] holds name = "value" lines'),
        ('name = "mine"\nprimary = "#224466"\n[variables]\nstatus-overdue = 3\n', 'mine.toml: [variables] holds name = "value" lines'),
        ('name = "mine"\nprimary = "#224466"\n[variables]\nimportance-high = "#12345"\n', "mine.toml: variables.importance-high = '#12345' is not a colour"),
        ('name = "mine\nprimary = "#224466"\n', "mine.toml: "),
    ],
    ids=["variables-not-a-table", "variable-not-text", "status-not-a-colour", "not-toml"],
)
def test_a_broken_theme_file_is_one_line_naming_the_file(tmp_path, text, problem):
    (user_themes(tmp_path) / "mine.toml").write_text(text)
    themes, problems = load_themes([user_themes(tmp_path)])
    assert themes == []
    (line,) = problems
    assert line.startswith(problem) and "\n" not in line


async def test_a_user_theme_without_status_colours_takes_them_from_its_own_colours(demo_store, make_app, tmp_path):
    (user_themes(tmp_path) / "mine.toml").write_text('name = "mine"\nprimary = "#224466"\nerror = "#AA0000"\naccent = "#00AAAA"\n')
    app = make_app(demo_store, theme="mine")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await keys_then_settle("2")(pilot)  # the Areas pane flags areas with no active owner
        assert messages(app) == []
        drawn = app.theme_variables
        assert drawn["status-unowned"] == drawn["status-overdue"] == drawn["error"] and drawn["status-new"] == drawn["accent"]


# --- which themes are offered ----------------------------------------------------------------


def test_only_prodops_themes_are_installed_each_with_every_prodops_colour():
    """Textual's own themes (nord, dracula, ...) name none of prodops's status colours and were
    never checked for contrast: the app offers the five that ship and the user's own."""
    app = App()
    assert "nord" in app.available_themes  # Textual registers its 21 on every App
    assert install_themes(app, [shipped_themes_dir()]) == []
    assert set(app.available_themes) == {path.stem for path in shipped_themes_dir().glob("*.toml")}
    for theme in app.available_themes.values():
        assert STATUS_VARIABLES.keys() | LIST_CURSOR_VARIABLES.keys() <= theme.variables.keys(), theme.name


async def test_the_palette_offers_only_complete_readable_themes_and_a_remembered_textual_theme_gives_way(demo_store, make_app, tmp_path):
    from .test_theme_contrast import failing_pairs

    Settings(tmp_path / "config").set("theme", "nord")  # picked in the palette before it stopped offering it
    app = make_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        offered = [name for name, _ in ThemeProvider(app.screen).commands]
        assert offered == sorted(path.stem for path in shipped_themes_dir().glob("*.toml"))
        assert app.theme == DEFAULT_THEME
        for name in offered:
            theme = app.available_themes[name]
            assert STATUS_VARIABLES.keys() | LIST_CURSOR_VARIABLES.keys() <= theme.variables.keys(), name
            assert failing_pairs(theme) == {}, name
