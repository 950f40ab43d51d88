"""The table of commands (prodops_tui/cli/commands.py) and the parser name the same commands:
a command in `--help` that the table lacks would end in "internal error", and one in the table
that the parser lacks could never be typed."""

from __future__ import annotations

import argparse

from prodops_tui.cli import build_parser
from prodops_tui.cli.commands import COMMANDS


def test_every_command_in_the_help_is_in_the_table_and_nothing_else_is():
    parser = build_parser()
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(subcommands.choices) == list(COMMANDS)  # the table's order is the help's


def test_the_commands_that_open_no_workspace_run_on_one_that_cannot_open(prodops, workspace):
    """doctor must read a damaged workspace, and keys needs none: the table says so."""
    assert prodops("capture", "kept").returncode == 0
    (workspace / "prodops.json").write_bytes(b'{"_meta": ')
    assert prodops("list", "feedback").returncode == 1  # what opening it does
    doctor = prodops("doctor")
    assert doctor.returncode == 1 and "prodops: error" not in doctor.stderr and doctor.stdout.strip()
    assert prodops("keys", "--json").returncode == 0


def test_every_command_ends_its_help_with_examples_of_itself(prodops):
    """REFERENCE.md: every command has --help with examples; each example runs that command."""
    from prodops_tui.cli.parser import EXAMPLES

    for name in COMMANDS:
        lines = EXAMPLES.get(name)
        assert lines, f"no --help examples for {name}"
        assert any(f"prodops {name} " in line or f" {name} " in line for line in lines), name
        assert "examples:" in prodops(name, "--help").stdout, name


def test_each_action_of_the_building_commands_has_its_own_help(prodops):
    """area, person, opportunity, retro and checklist take an action; each answers --help."""
    for command, actions in {"area": ("add", "rename", "move", "remove"), "person": ("add", "leave"),
                             "opportunity": ("add", "status"), "retro": ("new", "phase", "card", "close"),
                             "checklist": ("run", "tick")}.items():
        for action in actions:
            shown = prodops(command, action, "--help")
            assert shown.returncode == 0 and f"prodops {command} {action}" in shown.stdout, (command, action)
