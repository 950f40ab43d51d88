"""The attack's bad command lines, kept as a standing test: each is refused in one line on
stderr (exit 1 for a bad value, 2 for wrong usage), never a traceback, and stores nothing."""

from __future__ import annotations

import json

import pytest

from .test_cli import assert_one_line_error

BAD_VALUES = [  # exit 1: the command is right, a value is not
    ("update", "F-999", "--status", "archived"),
    ("update", "F-1", "--snooze", "blorp"),
    ("update", "F-1", "--area", "No such area at all"),
    ("update", "F-1", "--opportunity", "O-999"),
    ("update", "not-an-id", "--tag", "x"),
    ("capture", "x", "--received", "the day after never"),
    ("capture", "x", "--area", "Nowhere"),
    ("capture", ""),
    ("list", "feedback", "--filter", "importance:huge"),
    ("list", "feedback", "--filter", "since:blorp"),
    ("list", "feedback", "--filter", "rating:9"),
    ("list", "feedback", "--filter", "id:twelve"),
    ("list", "feedback", "--view", "no such view"),
    ("list", "feedback", "--area", "Nowhere"),
    ("export", "feedback", "--filter", "status:maybe"),
    ("export", "retro", "R-99", "--format", "md"),
    ("import", "feedback", "/no/such/file.csv"),
    ("import", "areas", "/no/such/CODEOWNERS"),
    ("who", "zzzzqqq"),
    ("who", "--person", "Nobody Atall"),
    ("who", "src/app.py"),  # no CODEOWNERS imported yet
    ("suggest", "F-999"),
    ("area", "add", "Nowhere/Invoices"),
    ("area", "rename", "A-99", "Billing"),
    ("area", "move", "A-99", "--top"),
    ("area", "remove", "No such area at all"),
    ("person", "leave", "Nobody Atall"),
    ("opportunity", "status", "O-99", "planned"),
    ("opportunity", "add", "   "),
    ("retro", "card", "R-99", "1", "A card for no retro"),
    ("retro", "close", "R-99"),
    ("retro", "new", "--team", "Payments", "--template", "No such template"),
    ("checklist", "run", "No such checklist"),
    ("checklist", "tick", "CR-99", "1"),
    ("history", "F-999"),
]

BAD_USAGE = [  # exit 2: argparse or the command's own usage check
    ("no-such-command",),
    ("update",),
    ("update", "F-1", "--status", "pending"),
    ("capture", "x", "--importance", "urgent"),
    ("list",),
    ("list", "feedback", "--limit", "0"),
    ("export", "areas", "--format", "pdf"),
    ("export", "feedback", "R-1"),
    ("import", "areas", "x.csv", "--group-by", "team"),
    ("who",),
    ("duplicates", "--all-of-them"),
    ("search", "[bold]x[/bold] $(rm -rf /)", "--kind", "galaxies"),
    ("area",),
    ("area", "move", "Billing"),
    ("area", "add", "Billing/Invoices", "--under", "Billing"),
    ("opportunity", "add", "Offline mode", "--feedback", "F-1", "--area", "Billing"),
    ("retro", "phase", "R-1", "sideways"),
    ("history", "--limit", "0"),
]


@pytest.fixture
def seeded(prodops):
    assert json.loads(prodops("capture", "Export drops the VAT column", "--json").stdout)["id"] == "F-1"
    return prodops


def _state(prodops) -> str:
    """The feedback, and every change kept (a refused area, retro or checklist command would add one)."""
    return prodops("list", "feedback", "--status", "all", "--json").stdout + prodops("history", "--json").stdout


@pytest.mark.parametrize("args", BAD_VALUES, ids=lambda a: " ".join(a)[:40])
def test_a_bad_value_is_one_line_exit_1_and_stores_nothing(seeded, args):
    before = _state(seeded)
    assert_one_line_error(seeded(*args))
    assert _state(seeded) == before


@pytest.mark.parametrize("args", BAD_USAGE, ids=lambda a: " ".join(a)[:40])
def test_wrong_usage_exits_2_without_a_traceback(seeded, args):
    result = seeded(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip(), "it says what was wrong"
