"""Every text colour the app styles, on every backdrop it can be drawn on, reads at WCAG 2 AA
(4.5:1) in every theme the app offers. Worked out from the styles, not by eye: each theme's
variables resolved as the app resolves them, then

- every rule of the app's .tcss files and of the DEFAULT_CSS of each widget class the UI uses
  (Textual's OptionList, Tree, Input, Tabs, ... with their component classes), its text colour on
  its own background, or on the grounds (background, surface, panel) when it sets none;
- every colour a Content style names in the UI's code ("$secondary", "bold $status-due",
  "reverse bold $primary"), on the grounds and on every cursor, highlighted and hover row:
  a retro card's author is `$secondary` on whichever row the cursor is.

A colour with a share ("$primary 30%") is drawn over what is behind it; "auto 60%" is black or
white, whichever reads, at 60%, as Textual draws it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.color import Color
from textual.constants import DIM_FACTOR
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.theme import Theme

import prodops_tui.ui
from prodops_tui.ui.app import stylesheets
from prodops_tui.ui.themes import load_themes, shipped_themes_dir, theme_variable_defaults

from .test_themes import WCAG_AA_TEXT, contrast_ratio

UI_FOLDER = Path(prodops_tui.ui.__file__).parent
GROUNDS = ("background", "surface", "panel")  # the screen, a widget, a title bar or footer
# Rows that a cursor, a highlight or the mouse colours, whatever text the row holds.
ROW_HIGHLIGHTS = re.compile(r"--(?:cursor|option-highlighted|option-hover|highlight-line)\b")
# Not text: lines, bars and a text field's caret cell (its character is drawn reversed).
# (The app's text areas show no line numbers, so no gutter either.)
NOT_TEXT = re.compile(r"text-area--gutter|guides|underline--bar|separator|scrollbar|cursor-line|matching-bracket|input--cursor|text-area--cursor\b|screen--selection")
# Text a list never draws on a cursor row: a disabled option (the cursor skips it), the header line.
NEVER_UNDER_CURSOR = re.compile(r"option-disabled|list--header")
# Inactive controls: WCAG 1.4.3 exempts "text that is part of an inactive user interface component".
INACTIVE = re.compile(r":disabled")
CONTENT_STYLE = re.compile(r"""["']((?:[a-z]+ )*\$[a-z][a-z0-9-]*(?: [a-z]+)*)["']""")


def offered_themes() -> list[Theme]:
    themes, problems = load_themes([shipped_themes_dir()])
    assert problems == []
    return themes


def theme_colours(theme: Theme) -> dict[str, str]:
    """The theme's variables as the app has them (App.get_css_variables)."""
    return {**theme_variable_defaults(theme), **theme.to_color_system().generate(), **theme.variables}


@dataclass(frozen=True)
class Rule:
    selector: str
    colour: Color | None
    auto: bool  # the colour is "auto": black or white, whichever reads on the backdrop
    background: Color | None
    ours: bool  # from the app's own .tcss, not a Textual widget's defaults


def widget_classes() -> set[type]:
    """Every DOM class the UI's modules define or import, with the classes they inherit from."""
    found: set[type] = set()
    for module in pkgutil.walk_packages(prodops_tui.ui.__path__, "prodops_tui.ui."):
        for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if issubclass(cls, DOMNode):
                found.update(klass for klass in cls.__mro__ if issubclass(klass, DOMNode))
    return found


def css_rules(theme: Theme) -> list[Rule]:
    sheet = Stylesheet(variables=theme_colours(theme))
    for cls in sorted(widget_classes(), key=lambda c: f"{c.__module__}.{c.__qualname__}"):
        if css := cls.__dict__.get("DEFAULT_CSS"):
            sheet.add_source(css, read_from=(f"{cls.__module__}.{cls.__qualname__}", ""), is_default_css=True)
    for path in stylesheets():
        sheet.read(path)
    sheet.parse()
    wrong_mode = ":light" if theme.dark else ":dark"
    # One entry per selector ("A, B" styles two), the app's own rules after Textual's.
    split = [(selector.strip(), rule_set) for rule_set in sheet.rules for selector in rule_set.selectors.split(",")]
    split.sort(key=lambda pair: not pair[1].is_default_rules)
    # The app's rules win over a widget's defaults for the same element, whatever the specificity:
    # a default colour that an app rule with the same selector replaces is never drawn.
    replaced = {(selector, name) for selector, rule_set in split if not rule_set.is_default_rules
                for name in ("color", "background") if name in rule_set.styles.get_rules()}
    found = []
    for selector, rule_set in split:
        if ":ansi" in selector or wrong_mode in selector or NOT_TEXT.search(selector) or INACTIVE.search(selector):
            continue
        rules = rule_set.styles.get_rules()
        default = rule_set.is_default_rules
        colour = None if default and (selector, "color") in replaced else rules.get("color")
        background = None if default and (selector, "background") in replaced else rules.get("background")
        if colour is None and background is None:
            continue
        assert colour is None or isinstance(colour, Color)
        assert background is None or isinstance(background, Color)
        found.append(Rule(selector, colour, bool(rules.get("auto_color")), background, ours=not default))
    return found


def content_styles() -> set[str]:
    """Every Content style with a theme colour the UI's code names, as written."""
    styles = set()
    for path in UI_FOLDER.rglob("*.py"):
        styles.update(CONTENT_STYLE.findall(path.read_text(encoding="utf-8")))
    return styles


def drawn(value: Color, auto: bool, backdrop: Color) -> Color:
    if auto:
        return backdrop + backdrop.get_contrast_text(value.a)
    return backdrop + value


def widget_of(selector: str) -> str:
    """The widget a rule styles: "FeedbackList:focus > .feedback-list--cursor" is FeedbackList's."""
    return re.split(r"[ :>.#]", selector, maxsplit=1)[0]


def failing_pairs(theme: Theme) -> dict[str, tuple[float, str, str]]:
    """Every text on a backdrop below 4.5:1, named by what styles the two: its ratio and colours."""
    colours = theme_colours(theme)
    grounds = {name: Color.parse(colours[name]) for name in GROUNDS}
    rules = css_rules(theme)
    classes = {cls.__name__: cls for cls in widget_classes()}
    # The lists' highlighted rows, by the widget they belong to; a list is drawn on the surface,
    # so a share of a colour there is a tint of the surface.
    highlights: dict[str, dict[str, Color]] = {}
    for rule in rules:
        if rule.background is not None and rule.background.a > 0 and ROW_HIGHLIGHTS.search(rule.selector):
            highlights.setdefault(widget_of(rule.selector), {}).setdefault(rule.selector, grounds["surface"] + rule.background)
    every_row = dict(grounds) | {name: bg for rows in highlights.values() for name, bg in rows.items()}
    pairs: dict[str, tuple[float, str, str]] = {}

    def check(text: str, fg: Color, backdrop: str, bg: Color) -> None:
        ratio = contrast_ratio(fg, bg)
        if ratio < WCAG_AA_TEXT:
            pairs[f"{text} on {backdrop}"] = (round(ratio, 2), fg.hex, bg.hex)

    for rule in rules:
        if rule.colour is None or rule.colour.a == 0:
            continue
        if rule.background is not None and rule.background.a > 0:
            for ground, behind in grounds.items():
                bg = behind + rule.background
                check(rule.selector, drawn(rule.colour, rule.auto, bg), "its background" + (f" (over {ground})" if rule.background.a < 1 else ""), bg)
            continue
        backdrops = dict(grounds)
        if rule.ours and not NEVER_UNDER_CURSOR.search(rule.selector):  # a row of a list of ours, on that list's cursor rows
            widget = classes.get(widget_of(rule.selector))
            for klass in widget.__mro__ if widget else ():
                backdrops |= highlights.get(klass.__name__, {})
        for backdrop, bg in backdrops.items():
            check(rule.selector, drawn(rule.colour, rule.auto, bg), backdrop, bg)
    # Textual's header writes the sub-title (the workspace, who you are) "dim": its foreground
    # blended toward the panel behind it (App.format_title, textual.filter.dim_color).
    panel = grounds["panel"]
    check("the header's sub-title (dim)", panel.blend(Color.parse(colours["foreground"]), DIM_FACTOR), "panel", panel)
    for style in content_styles():  # one check per colour: "bold" or "italic" does not change it
        words = style.split()
        reverse = "reverse" in words  # a chip on a heading line (the view, the phase, the voter): never a list row
        (variable,) = [word[1:] for word in words if word.startswith("$")]
        value, _, share = colours[variable].partition(" ")
        auto = value == "auto"
        colour = (Color(255, 255, 255) if auto else Color.parse(value)).multiply_alpha(float(share.rstrip("%")) / 100 if share else 1.0)
        for backdrop, bg in (grounds if reverse else every_row).items():
            if reverse:  # the line's colour on a block of the style's
                check(f'"reverse ${variable}"', bg, backdrop, drawn(colour, auto, bg))
            else:
                check(f'"${variable}"', drawn(colour, auto, bg), backdrop, bg)
    return pairs


@pytest.mark.parametrize("theme", offered_themes(), ids=lambda theme: theme.name)
def test_every_styled_text_reads_at_wcag_aa_on_every_backdrop(theme):
    assert {pair: ratio for pair, (ratio, _, _) in failing_pairs(theme).items()} == {}


# --- as drawn ----------------------------------------------------------------------------------
# The same rule on the screen's cells: every letter or digit of the main panes, and of a retro
# whose cursor is on a card with an author (the row the issue found at 1.18:1), in every theme.
# Lines and bars (no letter or digit) are not text.

SCENES = {
    "inbox": ("1",),
    "areas": ("2",),
    "retro": ("3",),
    "checklists": ("4",),
    "metrics": ("5",),
    "retro-card-with-author": ("3", "enter", "r"),  # r reveals the cards: hidden, they show no author
}


def faint_letters(app) -> tuple[list[str], int]:
    faint, letters = set(), 0
    for y, strip in enumerate(app.screen._compositor.render_strips()):  # the screen's cells as sent to the terminal
        for segment in strip:
            if segment.style is None or not any(ch.isalnum() for ch in segment.text):
                continue
            foreground, background = segment.style.color, segment.style.bgcolor
            assert foreground is not None and background is not None, segment
            fg, bg = Color.from_rich_color(foreground), Color.from_rich_color(background)
            if segment.style.reverse:
                fg, bg = bg, fg
            ratio = contrast_ratio(fg, bg)
            letters += len(segment.text.strip())
            if ratio < WCAG_AA_TEXT:
                faint.add(f"line {y}: {segment.text.strip()!r} {fg.hex} on {bg.hex} = {ratio:.2f}")
    return sorted(faint), letters


@pytest.mark.parametrize("scene", list(SCENES))
@pytest.mark.parametrize("theme", [theme.name for theme in offered_themes()])
async def test_every_letter_on_screen_reads_at_wcag_aa(demo_store, make_app, theme, scene):
    from .retro_setup import retro_at
    from .test_snapshots import SIZE, keys_then_settle

    if scene == "retro-card-with-author":
        retro_at(demo_store, "reflect")  # the cursor on the first card, Priya Raman's (tests/ui/retro_setup.py)
    app = make_app(demo_store, theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await keys_then_settle(*SCENES[scene])(pilot)
        if scene == "retro-card-with-author":
            row = app.screen.focused
            assert row is not None and "Priya Raman" in str(row.get_option_at_index(row.highlighted).prompt)
        faint, letters = faint_letters(app)
    assert faint == []
    assert letters > 300  # the pane was on screen, with its text
