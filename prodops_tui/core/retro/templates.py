"""Retro templates: the shipped ones, and a team's own as TOML files in the workspace.

A template file, `<workspace>/templates/retros/<anything>.toml`:

    name = "Hot-air balloon"
    description = "What lifts us, what holds us down."
    for_area = false          # true: a launch post-mortem asks which product area
    [[columns]]
    title = "Hot air"
    prompt = "What lifts us up?"
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..text import clean_line
from ..toml_files import listed_entries, load_folder, read_toml, required_name

TEMPLATES_DIR = Path("templates") / "retros"  # inside the workspace
MAX_COLUMNS = 8  # more columns than this do not fit a shared screen


@dataclass(frozen=True, slots=True)
class RetroColumn:
    title: str
    prompt: str = ""


@dataclass(frozen=True, slots=True)
class RetroTemplate:
    name: str
    columns: tuple[RetroColumn, ...]
    description: str = ""
    for_area: bool = False  # a post-mortem of a launch in one product area
    origin: str = "shipped"  # or the file it came from

    @property
    def column_titles(self) -> list[str]:
        return [column.title for column in self.columns]


def _template(name: str, description: str, *columns: tuple[str, str], for_area: bool = False) -> RetroTemplate:
    return RetroTemplate(name, tuple(RetroColumn(t, p) for t, p in columns), description, for_area)


SHIPPED_TEMPLATES: tuple[RetroTemplate, ...] = (
    _template("Start/Stop/Continue", "The classic: what to begin, end and keep.",
              ("Start", "What should we begin doing?"), ("Stop", "What should we stop doing?"),
              ("Continue", "What works and should stay?")),
    _template("Mad/Sad/Glad", "How the sprint felt, to surface what numbers miss.",
              ("Mad", "What frustrated you?"), ("Sad", "What disappointed you?"), ("Glad", "What made you happy?")),
    _template("4Ls", "Liked, learned, lacked, longed for.",
              ("Liked", "What did you like?"), ("Learned", "What did you learn?"),
              ("Lacked", "What was missing?"), ("Longed for", "What do you wish we had?")),
    _template("Went well/To improve", "Two columns for a short retro.",
              ("Went well", "What went well?"), ("To improve", "What should we do better?")),
    _template("Sailboat", "Wind, anchors, rocks and the island we sail to.",
              ("Wind", "What pushes us forward?"), ("Anchors", "What holds us back?"),
              ("Rocks", "What risks lie ahead?"), ("Island", "Where are we heading?")),
    _template("Starfish", "Keep, less, more, stop, start: finer than Start/Stop/Continue.",
              ("Keep doing", "What works as it is?"), ("More of", "What should we do more?"),
              ("Less of", "What should we do less?"), ("Stop doing", "What adds no value?"),
              ("Start doing", "What new thing should we try?")),
    _template("Launch post-mortem", "After a launch in one product area: what happened and what we change.",
              ("What went well", "What should the next launch copy?"),
              ("What went wrong", "Where did customers or we feel pain?"),
              ("Surprises", "What did we not expect?"),
              ("Change next time", "What do we do differently?"), for_area=True),
)

def load_template_file(path: Path) -> RetroTemplate:
    """One template, or ValueError with a one-line reason naming the file (and line)."""
    data = read_toml(path)
    name = required_name(path, data, "a template")
    columns = [RetroColumn(title, prompt) for title, prompt in
               listed_entries(path, data, "columns", text="title", extra="prompt", what="a template",
                              most=MAX_COLUMNS, too_many=" fit a screen")]
    titles = [c.title.casefold() for c in columns]
    if len(set(titles)) != len(titles):
        raise ValueError(f"{path.name}: two columns have the same title")
    description = data.get("description", "")
    return RetroTemplate(name, tuple(columns), clean_line(str(description)),
                         bool(data.get("for_area", False)), origin=path.name)


def load_templates(workspace: Path | None) -> tuple[list[RetroTemplate], list[str]]:
    """The shipped templates, then the workspace's own (a file may replace a shipped one by name).
    A bad file is reported and skipped; the others still load."""
    by_name = {t.name.casefold(): t for t in SHIPPED_TEMPLATES}
    own, problems = load_folder(workspace / TEMPLATES_DIR if workspace else None, load_template_file)
    for template in own:
        by_name[template.name.casefold()] = template
    return list(by_name.values()), problems


def find_template(templates: list[RetroTemplate], name: str) -> RetroTemplate | None:
    wanted = name.strip().casefold()
    for template in templates:
        if template.name.casefold() == wanted:
            return template
    prefix = [t for t in templates if t.name.casefold().startswith(wanted)] if wanted else []
    return prefix[0] if len(prefix) == 1 else None
