"""User stories for prodops_tui.core.retro.templates: the shipped retro formats, and a team's own
as TOML files in `<workspace>/templates/retros/`."""
from __future__ import annotations

from pathlib import Path

import pytest

from prodops_tui.core.retro import board as retros
from prodops_tui.core.retro.templates import (
    MAX_COLUMNS,
    SHIPPED_TEMPLATES,
    TEMPLATES_DIR,
    RetroColumn,
    find_template,
    load_template_file,
    load_templates,
)

from ...conftest import write_file

SHIPPED_NAMES = [
    "Start/Stop/Continue", "Mad/Sad/Glad", "4Ls", "Went well/To improve", "Sailboat", "Starfish", "Launch post-mortem",
]

BALLOON = """\
name = "Hot-air balloon"
description = "What lifts us, what holds us down."

[[columns]]
title = "Hot air"
prompt = "What lifts us up?"

[[columns]]
title = "Sandbags"
prompt = "What holds us down?"
"""


def write(workspace: Path, filename: str, text: str | bytes) -> Path:
    return write_file(workspace / TEMPLATES_DIR, filename, text)


def names(templates) -> list[str]:
    return [t.name for t in templates]


# --- shipped -------------------------------------------------------------------------------------


def test_without_a_workspace_the_seven_shipped_templates_load():
    templates, problems = load_templates(None)
    assert names(templates) == SHIPPED_NAMES and problems == []
    assert all(t.origin == "shipped" for t in templates)


def test_a_workspace_without_a_templates_folder_gives_the_shipped_ones(workspace):
    workspace.mkdir()
    templates, problems = load_templates(workspace)
    assert names(templates) == SHIPPED_NAMES and problems == []


def test_every_shipped_template_has_distinct_prompted_columns_that_fit_a_screen():
    for template in SHIPPED_TEMPLATES:
        titles = template.column_titles
        assert 2 <= len(titles) <= MAX_COLUMNS, template.name
        assert len({t.casefold() for t in titles}) == len(titles), template.name
        assert all(c.prompt for c in template.columns) and template.description, template.name
    assert [t.name for t in SHIPPED_TEMPLATES if t.for_area] == ["Launch post-mortem"]
    assert find_template(list(SHIPPED_TEMPLATES), "Start/Stop/Continue").column_titles == ["Start", "Stop", "Continue"]
    assert find_template(list(SHIPPED_TEMPLATES), "Mad/Sad/Glad").column_titles == ["Mad", "Sad", "Glad"]


# --- a team's own --------------------------------------------------------------------------------


def test_a_workspace_file_adds_a_template(workspace):
    write(workspace, "balloon.toml", BALLOON)
    templates, problems = load_templates(workspace)
    assert problems == []
    assert names(templates) == [*SHIPPED_NAMES, "Hot-air balloon"]
    balloon = find_template(templates, "hot-air balloon")
    assert balloon.columns == (RetroColumn("Hot air", "What lifts us up?"), RetroColumn("Sandbags", "What holds us down?"))
    assert (balloon.description, balloon.for_area, balloon.origin) == ("What lifts us, what holds us down.", False, "balloon.toml")


def test_a_workspace_template_can_start_a_retro(workspace, store):
    write(workspace, "balloon.toml", BALLOON)
    templates, _ = load_templates(workspace)
    retro = retros.start_retro(store, find_template(templates, "Hot-air"), team="Web squad")
    assert (retro.template, retro.columns) == ("Hot-air balloon", ["Hot air", "Sandbags"])


def test_columns_may_be_plain_strings_and_text_is_cleaned(workspace):
    write(workspace, "plain.toml", 'name = "  Plus \\u001b[2J  Delta "\ncolumns = ["Plus", " Delta  ", "Ideas"]\nfor_area = true\n')
    templates, problems = load_templates(workspace)
    assert problems == []
    plain = templates[-1]
    assert plain.name == "Plus [2J Delta"
    assert plain.column_titles == ["Plus", "Delta", "Ideas"]
    assert plain.for_area is True


def test_only_toml_files_in_the_folder_are_read(workspace):
    write(workspace, "notes.txt", "not a template")
    write(workspace, "balloon.toml", BALLOON)
    templates, problems = load_templates(workspace)
    assert names(templates)[-1] == "Hot-air balloon" and len(templates) == 8 and problems == []


def test_a_malformed_file_is_one_problem_naming_file_and_line_while_the_others_load(workspace):
    write(workspace, "a-balloon.toml", BALLOON)
    write(workspace, "broken.toml", 'name = "Broken"\n[[columns]]\ntitle = \n')
    write(workspace, "z-more.toml", 'name = "Zebra"\ncolumns = ["Black", "White"]\n')
    templates, problems = load_templates(workspace)
    assert names(templates) == [*SHIPPED_NAMES, "Hot-air balloon", "Zebra"]
    assert len(problems) == 1
    problem = problems[0]
    assert problem.startswith("broken.toml:3: ") and "\n" not in problem
    assert "(at line" not in problem  # the line is said once, up front


def test_an_unreadable_file_is_a_problem_too(workspace):
    write(workspace, "latin1.toml", 'name = "Caf\xe9"\ncolumns = ["A", "B"]\n'.encode("latin-1"))
    templates, problems = load_templates(workspace)
    assert names(templates) == SHIPPED_NAMES
    assert len(problems) == 1 and problems[0].startswith("latin1.toml: ")


@pytest.mark.parametrize(("text", "message"), [
    ('description = "no name"\ncolumns = ["A", "B"]\n', "a template needs a name"),
    ('name = "   "\ncolumns = ["A", "B"]\n', "a template needs a name"),
    ('name = 5\ncolumns = ["A", "B"]\n', "a template needs a name"),
    ('name = "No columns"\n', "a template needs [[columns]]"),
    ('name = "Empty columns"\ncolumns = []\n', "a template needs [[columns]]"),
    ('name = "Untitled column"\n[[columns]]\ntitle = "A"\n[[columns]]\nprompt = "no title"\n', "column 2 needs a title"),
    ('name = "Blank column"\ncolumns = ["A", "  "]\n', "column 2 needs a title"),
    ('name = "Twins"\ncolumns = ["Start", "Stop", "start"]\n', "two columns have the same title"),
    ('name = "Crowded"\ncolumns = ["1", "2", "3", "4", "5", "6", "7", "8", "9"]\n', "9 columns; at most 8"),
])
def test_bad_templates_are_rejected_with_a_clear_message(workspace, text, message):
    path = write(workspace, "bad.toml", text)
    with pytest.raises(ValueError) as refused:
        load_template_file(path)
    assert str(refused.value).startswith("bad.toml: ") and message in str(refused.value)
    templates, problems = load_templates(workspace)
    assert names(templates) == SHIPPED_NAMES
    assert problems == [str(refused.value)]


def test_eight_columns_still_fit(workspace):
    path = write(workspace, "eight.toml", 'name = "Eight"\ncolumns = ["1", "2", "3", "4", "5", "6", "7", "8"]\n')
    assert len(load_template_file(path).columns) == MAX_COLUMNS == 8


def test_a_workspace_file_replaces_a_shipped_template_of_the_same_name(workspace):
    write(workspace, "ours.toml", 'name = "start/stop/continue"\ndescription = "Our take"\n'
                                  'columns = ["Start", "Stop", "Continue", "Kudos"]\n')
    templates, problems = load_templates(workspace)
    assert problems == [] and len(templates) == 7
    ours = find_template(templates, "Start/Stop/Continue")
    assert ours.column_titles == ["Start", "Stop", "Continue", "Kudos"]
    assert (ours.description, ours.origin) == ("Our take", "ours.toml")
    assert templates.index(ours) == 0  # it takes the shipped one's place
    # The shipped one is untouched for other workspaces.
    assert load_templates(None)[0][0].column_titles == ["Start", "Stop", "Continue"]


# --- finding one ---------------------------------------------------------------------------------


def test_find_template_by_exact_name_or_unique_prefix():
    shipped = list(SHIPPED_TEMPLATES)
    assert find_template(shipped, "Sailboat").name == "Sailboat"
    assert find_template(shipped, "  sAILBOAT ").name == "Sailboat"
    assert find_template(shipped, "4l").name == "4Ls"
    assert find_template(shipped, "launch").name == "Launch post-mortem"
    assert find_template(shipped, "start").name == "Start/Stop/Continue"
    assert find_template(shipped, "starf").name == "Starfish"


def test_find_template_refuses_to_guess():
    shipped = list(SHIPPED_TEMPLATES)
    assert find_template(shipped, "s") is None  # Start/Stop/Continue, Sailboat, Starfish
    assert find_template(shipped, "sta") is None  # Start/Stop/Continue, Starfish
    assert find_template(shipped, "") is None
    assert find_template(shipped, "   ") is None
    assert find_template(shipped, "Retro of doom") is None
    assert find_template([], "Sailboat") is None


def test_an_exact_name_wins_over_a_longer_name_it_prefixes(workspace):
    write(workspace, "mad.toml", 'name = "Mad"\ncolumns = ["Mad", "Madder"]\n')
    templates, _ = load_templates(workspace)
    assert find_template(templates, "mad").name == "Mad"
    assert find_template(templates, "mad/").name == "Mad/Sad/Glad"
